-- Included CTE (churn, calibration, red-packet funnel): dim_store with one row per shop_id — a
-- duplicated shop counts once, the same pick everywhere: smallest merchant_id, store_name, channel, city.
stores AS (
    -- DISTINCT ON, not ROW_NUMBER() ... rn = 1: PostgreSQL estimated the window's rn = 1 at 2 rows and
    -- planned every join with stores as nested loops (minutes instead of seconds); DISTINCT ON is
    -- estimated from the number of distinct shop_ids. The same row is kept on DuckDB and PostgreSQL.
    SELECT DISTINCT ON (s.shop_id) s.shop_id, s.store_name, s.merchant_id, s.merchant_name, s.channel, s.city
    FROM dim_store s
    WHERE s.shop_id IS NOT NULL
    ORDER BY s.shop_id, s.merchant_id, s.store_name, s.channel, s.city
)
