-- churn_day_pairs: the (user_pin, merchant_id) pairs of business date D with a passing offline trial,
-- each with its first passing trial (trial_at and shop), its number of passing trials, its largest
-- amount and whether it churned on D (意愿流失: no success order by the user at a store of the merchant
-- from the first passing trial to D+1 00:00). A temporary table of the build's connection, written
-- once and read by churn_callback_list.sql and churn_daily_stats.sql in the same transaction, so that
-- the list and the stats count the same trials (a trial_id with a copy earlier in the cooldown window
-- [D - cooldown_days, D] is that earlier day's trial) and D's trials are deduplicated once, not twice.
-- first_shop_id is filled for the churned pairs only (the list's rows): the shop of the first passing
-- trial, ties on trial_at -> the smallest trial_id.
-- Bound: :hist_start (D - cooldown_days, 00:00), :d_start (D 00:00), :d_end (D+1 00:00).
CREATE TEMPORARY TABLE churn_day_pairs AS
{% set day_pairs = true -%}
WITH
{% include "churn/_churned_pairs.sql" %},
churned_firsts AS (
    SELECT p.user_pin, p.merchant_id, MIN(p.trial_id) AS trial_id
    FROM d_pass_trials p
    JOIN d_churned c ON c.user_pin = p.user_pin AND c.merchant_id = p.merchant_id
                    AND c.first_trial_at = p.trial_at
    GROUP BY p.user_pin, p.merchant_id
)
SELECT s.user_pin, s.merchant_id, s.first_trial_at, s.n_trials, s.max_amount,
       f.trial_id IS NOT NULL AS churned,
       t.shop_id              AS first_shop_id
FROM d_pair_stats s
LEFT JOIN churned_firsts f ON f.user_pin = s.user_pin AND f.merchant_id = s.merchant_id
LEFT JOIN d_pass_trials t ON t.trial_id = f.trial_id
