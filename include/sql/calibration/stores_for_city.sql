-- The store dimension for city calibration: one row per shop_id with its merchant, its source city
-- (a non-blank one when any of its rows has one) and its address. Cities are matched in Python
-- (outfield.cities); the result is written by insert_store_calibrated.sql.
SELECT shop_id,
       MIN(merchant_id)                                                    AS merchant_id,
       MIN(CASE WHEN TRIM(city) = '' THEN NULL ELSE city END)              AS city,
       MIN(CASE WHEN TRIM(address) = '' THEN NULL ELSE address END)        AS address
FROM dim_store
WHERE shop_id IS NOT NULL
GROUP BY shop_id
ORDER BY shop_id
