-- A batch of dim_store_calibrated rows (n rows, bound as :shop_id_<i>, :city_<i>, :city_source_<i>),
-- all stamped with the run's business date. n is a validated integer template value.
INSERT INTO dim_store_calibrated (shop_id, city, city_source, business_date)
VALUES
{% for i in range(n) %}    (:shop_id_{{ i }}, :city_{{ i }}, :city_source_{{ i }}, CAST(:business_date AS DATE)){% if not loop.last %},{% endif %}
{% endfor %}
