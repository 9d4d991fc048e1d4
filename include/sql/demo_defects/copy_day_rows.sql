-- Copy the rows of day D ([:d_start, :d_end) on ts_column) from one table to another of the same
-- shape (a source table and its late-rows holding table, either way).
INSERT INTO {{ target }}
SELECT * FROM {{ source }}
WHERE {{ ts_column }} >= :d_start AND {{ ts_column }} < :d_end
