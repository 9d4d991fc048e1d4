-- The rows of redpacket_funnel_weekly for week W (dashboard table, headline, digest). Bound: :week_start.
SELECT week_start, merchant_id, merchant_name, shop_id, store_name, city,
       scan_users, claim_users, trial_users, pass_users, order_users, redeem_users, gmv, redpacket_cost,
       claim_rate, trial_rate, pass_rate, order_rate, redeem_rate
FROM redpacket_funnel_weekly
WHERE week_start = CAST(:week_start AS DATE)
ORDER BY merchant_id, shop_id
