-- Per merchant and day, pass_users and churned_users on the same weekday as D over the past weeks:
-- the history the churn_rate anomaly band is learned from (derived from source, not from outputs).
-- Bound: :business_date (D), :hist_start (D - 7 * weeks, 00:00), :d_end (D 00:00: D itself excluded).
WITH
{% include "churn/_churned_pairs.sql" %},
passed AS (
    SELECT trial_day, merchant_id, COUNT(DISTINCT user_pin) AS pass_users
    FROM pairs
    GROUP BY trial_day, merchant_id
),
lost AS (
    SELECT trial_day, merchant_id, COUNT(DISTINCT user_pin) AS churned_users
    FROM churned
    GROUP BY trial_day, merchant_id
)
SELECT p.trial_day, p.merchant_id, p.pass_users, COALESCE(l.churned_users, 0) AS churned_users
FROM passed p
LEFT JOIN lost l ON l.trial_day = p.trial_day AND l.merchant_id = p.merchant_id
ORDER BY p.merchant_id, p.trial_day
