-- Scratch list of keys (user_pin, shop_id, trial_id, ...) an injection or repair works on; filled
-- with Warehouse.copy_rows (bound values / COPY), dropped again at the end of the step.
CREATE TABLE IF NOT EXISTS demo_defect_keys (k VARCHAR)
