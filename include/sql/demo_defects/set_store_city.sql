-- clean(): the city of one store.
UPDATE dim_store SET city = :city WHERE shop_id = :shop_id
