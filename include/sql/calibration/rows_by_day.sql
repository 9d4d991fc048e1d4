-- Rows of one source fact table per calendar day of [:hist_start, :d_end) (naive local timestamps):
-- D's count for freshness, the same weekdays before it for the volume band. Days without rows are
-- absent. table and ts_column are validated identifiers.
SELECT CAST({{ ts_column }} AS DATE) AS day, COUNT(*) AS n
FROM {{ table }}
WHERE {{ ts_column }} >= :hist_start AND {{ ts_column }} < :d_end
GROUP BY CAST({{ ts_column }} AS DATE)
ORDER BY day
