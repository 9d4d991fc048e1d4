-- Primary-key uniqueness of one source table: among the rows of D ([:d_start, :d_end) on ts_column)
-- for a fact table, over the whole table for a dimension (ts_column empty).
-- duplicate_rows:   rows beyond the first of each repeated key (COUNT(key) - COUNT(DISTINCT key))
-- duplicated_keys:  keys that appear more than once
-- conflicting_keys: repeated keys whose rows are not all identical (the dedup keeps one of them,
--                   so numbers that use the other values may be wrong)
-- The keys are sorted once (a repeated key sits next to its copies: cheaper than hashing every key
-- of a large dimension); only the rows of the repeated keys are then compared whole.
WITH ordered AS (
    SELECT {{ key }} AS k, LAG({{ key }}) OVER (ORDER BY {{ key }}) AS prev_k
    FROM {{ table }}
    WHERE {{ key }} IS NOT NULL
      {% if ts_column %}AND {{ ts_column }} >= :d_start AND {{ ts_column }} < :d_end{% endif %}
),
extra_rows AS (
    SELECT k FROM ordered WHERE k = prev_k
),
per_key AS (
    SELECT k, COUNT(*) + 1 AS n FROM extra_rows GROUP BY k
),
distinct_rows AS (
    SELECT DISTINCT *
    FROM {{ table }}
    WHERE {{ key }} IN (SELECT k FROM per_key)
      {% if ts_column %}AND {{ ts_column }} >= :d_start AND {{ ts_column }} < :d_end{% endif %}
),
conflicts AS (
    SELECT {{ key }} AS k
    FROM distinct_rows
    GROUP BY {{ key }}
    HAVING COUNT(*) > 1
)
SELECT (SELECT COUNT(*) FROM {{ table }}
        {% if ts_column %}WHERE {{ ts_column }} >= :d_start AND {{ ts_column }} < :d_end{% endif %}) AS rows_checked,
       (SELECT COUNT(*) FROM extra_rows)                    AS duplicate_rows,
       (SELECT COUNT(*) FROM per_key)                       AS duplicated_keys,
       (SELECT COUNT(*) FROM conflicts)                     AS conflicting_keys
