-- The day's callback list for the operations export (masked phones only), in calling order.
-- Bound: :business_date.
SELECT business_date, user_pin, phone_masked, merchant_id, merchant_name, shop_id, store_name, city,
       first_trial_at, trial_count, max_trial_amount
FROM churn_callback_list
WHERE business_date = CAST(:business_date AS DATE)
ORDER BY merchant_id, first_trial_at, user_pin
