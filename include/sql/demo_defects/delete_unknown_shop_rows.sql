-- clean(): rows of a source fact table at a shop_id dim_store does not know.
DELETE FROM {{ table }}
WHERE shop_id NOT IN (SELECT shop_id FROM dim_store WHERE shop_id IS NOT NULL)
