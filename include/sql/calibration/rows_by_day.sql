-- Rows of one source fact table per calendar day of [:hist_start, :d_end) (naive local timestamps):
-- D's count for freshness, the same weekdays before it for the volume band. Days without rows are
-- absent. A repeated primary key counts once (the spec: a duplicated trial is one trial; the
-- primary_key check reports the copies); a row without a key counts as a row (not_null reports it).
-- table, key and ts_column are validated identifiers.
SELECT CAST({{ ts_column }} AS DATE) AS day,
       COUNT(DISTINCT {{ key }}) + COUNT(*) - COUNT({{ key }}) AS n
FROM {{ table }}
WHERE {{ ts_column }} >= :hist_start AND {{ ts_column }} < :d_end
GROUP BY CAST({{ ts_column }} AS DATE)
ORDER BY day
