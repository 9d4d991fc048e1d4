-- Included CTE (churn, calibration, red-packet funnel): dim_store with one row per shop_id — a
-- duplicated shop counts once, the same pick everywhere: smallest merchant_id, store_name, channel, city.
stores AS (
    SELECT shop_id, store_name, merchant_id, merchant_name, channel, city
    FROM (
        SELECT s.*,
               ROW_NUMBER() OVER (PARTITION BY s.shop_id
                                  ORDER BY s.merchant_id, s.store_name, s.channel, s.city) AS rn
        FROM dim_store s
        WHERE s.shop_id IS NOT NULL
    ) x
    WHERE rn = 1
)
