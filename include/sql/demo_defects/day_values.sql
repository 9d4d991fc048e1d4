-- Distinct non-null values of one column among the rows of day D ([:d_start, :d_end) on ts_column)
-- of a source fact table, in a fixed order (the injection picks among them with its own seed).
-- table, column and ts_column are validated identifiers.
SELECT {{ column }} AS k
FROM {{ table }}
WHERE {{ ts_column }} >= :d_start AND {{ ts_column }} < :d_end AND {{ column }} IS NOT NULL
GROUP BY {{ column }}
ORDER BY {{ column }}
