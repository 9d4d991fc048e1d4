-- Rows of one source fact table on each of the given days (naive local timestamps): D's count for
-- freshness, the same weekdays before it for the volume band. One scalar count per day, each over
-- that day's range only (DuckDB skips the other row groups; an ungrouped distinct count is several
-- times faster than one grouped by day). A repeated primary key counts once (the spec: a duplicated
-- trial is one trial; the primary_key check reports the copies); a row without a key counts as a row
-- (not_null reports it). A day without rows has n = 0.
-- Bound parameters :day_<i>, :start_<i>, :end_<i> for i < n_days (the day, its 00:00, the next 00:00).
-- table, key and ts_column are validated identifiers; n_days is an int.
{% for i in range(n_days) -%}
SELECT CAST(:day_{{ i }} AS DATE) AS day,
       (SELECT COUNT(DISTINCT {{ key }}) + COUNT(*) - COUNT({{ key }})
        FROM {{ table }}
        WHERE {{ ts_column }} >= :start_{{ i }} AND {{ ts_column }} < :end_{{ i }}) AS n
{% if not loop.last %}UNION ALL
{% endif %}
{%- endfor %}
ORDER BY day
