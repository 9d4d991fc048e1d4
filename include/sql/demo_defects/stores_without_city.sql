-- clean(): stores whose city is null or blank, with their address.
SELECT shop_id, MIN(address) AS address
FROM dim_store
WHERE shop_id IS NOT NULL AND (city IS NULL OR TRIM(city) = '')
GROUP BY shop_id
ORDER BY shop_id
