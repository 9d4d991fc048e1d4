-- Nulls in the required columns of one source table: among the rows of D for a fact table, over the
-- whole table for a dimension (ts_column empty). One column null_<c> per required column c.
SELECT COUNT(*) AS rows_checked
{% for c in columns %}     , COUNT(*) - COUNT({{ c }}) AS null_{{ c }}
{% endfor %}FROM {{ table }}
{% if ts_column %}WHERE {{ ts_column }} >= :d_start AND {{ ts_column }} < :d_end{% endif %}
