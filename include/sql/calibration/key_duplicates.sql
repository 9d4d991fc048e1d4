-- Primary-key uniqueness of one source table: among the rows of D ([:d_start, :d_end) on ts_column)
-- for a fact table, over the whole table for a dimension (ts_column empty).
-- duplicate_rows:   rows beyond the first of each repeated key (COUNT(key) - COUNT(DISTINCT key))
-- duplicated_keys:  keys that appear more than once
-- conflicting_keys: repeated keys whose rows are not all identical (the dedup keeps one of them,
--                   so numbers that use the other values may be wrong)
WITH rows_checked AS (
    SELECT *
    FROM {{ table }}
    {% if ts_column %}WHERE {{ ts_column }} >= :d_start AND {{ ts_column }} < :d_end{% endif %}
),
per_key AS (
    SELECT {{ key }} AS k, COUNT(*) AS n
    FROM rows_checked
    WHERE {{ key }} IS NOT NULL
    GROUP BY {{ key }}
    HAVING COUNT(*) > 1
),
distinct_rows AS (
    SELECT DISTINCT * FROM rows_checked
),
conflicts AS (
    SELECT {{ key }} AS k
    FROM distinct_rows
    WHERE {{ key }} IS NOT NULL
    GROUP BY {{ key }}
    HAVING COUNT(*) > 1
)
SELECT (SELECT COUNT(*) FROM rows_checked)                  AS rows_checked,
       (SELECT COALESCE(SUM(n - 1), 0) FROM per_key)        AS duplicate_rows,
       (SELECT COUNT(*) FROM per_key)                       AS duplicated_keys,
       (SELECT COUNT(*) FROM conflicts)                     AS conflicting_keys
