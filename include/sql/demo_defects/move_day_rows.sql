-- Move the rows of day D of one shop to another shop_id (the store reopened under a new id).
UPDATE {{ table }}
SET shop_id = :new_shop_id
WHERE shop_id = :old_shop_id AND {{ ts_column }} >= :d_start AND {{ ts_column }} < :d_end
