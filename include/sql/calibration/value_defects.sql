-- source_values for one fact table: dirty values among its rows of D ([:d_start, :d_end) on
-- ts_column) that no other check reports. Every row counts (a repeated key too).
-- negative_amount_rows: amount < 0 (a trial, transaction, order or red packet never costs less
--                       than nothing; such a value flows into max_trial_amount, GMV, red-packet cost)
-- unknown_shop_rows:    a shop_id that dim_store does not know (the row drops out of every
--                       per-store and per-merchant number); unknown_shops counts the distinct ids
-- The smallest offending key and shop_id are returned as examples (ids only, nothing personal).
-- table, key and ts_column are validated identifiers.
WITH known AS (
    SELECT DISTINCT shop_id FROM dim_store WHERE shop_id IS NOT NULL
),
day_rows AS (
    SELECT f.{{ key }} AS k, f.amount,
           f.shop_id,
           CASE WHEN f.shop_id IS NOT NULL AND s.shop_id IS NULL THEN 1 ELSE 0 END AS unknown_shop,
           CASE WHEN f.amount < 0 THEN 1 ELSE 0 END AS negative_amount
    FROM {{ table }} f
    LEFT JOIN known s ON s.shop_id = f.shop_id
    WHERE f.{{ ts_column }} >= :d_start AND f.{{ ts_column }} < :d_end
)
SELECT COUNT(*)                                                 AS rows_checked,
       COALESCE(SUM(negative_amount), 0)                        AS negative_amount_rows,
       MIN(CASE WHEN negative_amount = 1 THEN k END)            AS negative_amount_example,
       COALESCE(SUM(unknown_shop), 0)                           AS unknown_shop_rows,
       COUNT(DISTINCT CASE WHEN unknown_shop = 1 THEN shop_id END) AS unknown_shops,
       MIN(CASE WHEN unknown_shop = 1 THEN shop_id END)         AS unknown_shop_example
FROM day_rows
