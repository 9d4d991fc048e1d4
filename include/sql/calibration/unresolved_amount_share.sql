-- Per merchant: its stores, how their city was calibrated (dim_store_calibrated), and the order amount
-- of the window [:w_start, :d_end) (the 7 days ending D) in total and at stores whose city is
-- unresolved. Orders at a shop_id dim_store does not know belong to no merchant and are left out.
WITH
{% include "common/_stores.sql" %},
{% include "calibration/_window_orders.sql" %},
calibrated AS (
    SELECT s.shop_id, s.merchant_id, s.merchant_name, COALESCE(c.city_source, 'unresolved') AS city_source
    FROM stores s
    LEFT JOIN dim_store_calibrated c ON c.shop_id = s.shop_id
),
store_amount AS (
    SELECT o.shop_id, SUM(o.amount) AS amount, COUNT(*) AS orders
    FROM window_orders o
    GROUP BY o.shop_id
)
SELECT c.merchant_id,
       MIN(c.merchant_name)                                                            AS merchant_name,
       COUNT(*)                                                                        AS stores,
       SUM(CASE WHEN c.city_source = 'unresolved' THEN 1 ELSE 0 END)                  AS unresolved_stores,
       SUM(CASE WHEN c.city_source = 'address' THEN 1 ELSE 0 END)                     AS address_stores,
       SUM(CASE WHEN c.city_source = 'unresolved' AND a.orders > 0 THEN 1 ELSE 0 END) AS unresolved_stores_with_orders,
       COALESCE(SUM(a.amount), 0)                                                      AS amount,
       COALESCE(SUM(CASE WHEN c.city_source = 'unresolved' THEN a.amount END), 0)      AS unresolved_amount
FROM calibrated c
LEFT JOIN store_amount a ON a.shop_id = c.shop_id
WHERE c.merchant_id IS NOT NULL
GROUP BY c.merchant_id
ORDER BY c.merchant_id
