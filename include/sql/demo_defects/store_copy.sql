-- A new store: a copy of :old_shop_id's dim_store row under :new_shop_id, with its own name suffix,
-- address and city (null or blank for the missing_city defect).
INSERT INTO dim_store (shop_id, store_name, merchant_id, merchant_name, channel, address, city)
SELECT CAST(:new_shop_id AS VARCHAR), store_name || CAST(:name_suffix AS VARCHAR), merchant_id, merchant_name,
       channel, CAST(:address AS VARCHAR), CAST(:city AS VARCHAR)
FROM dim_store
WHERE shop_id = :old_shop_id
LIMIT 1
