-- churn_daily_stats for business date D: per merchant, pass_users (distinct users with a passing
-- offline trial at the merchant on D), churned_users (before the cooldown) and churn_rate.
-- The same trials of D as the callback list: a trial_id with a copy earlier in the list's window
-- [D - cooldown_days, D] is that earlier day's trial (one trial), here as in the list.
-- Bound: :business_date, :hist_start (D - cooldown_days, 00:00), :d_start (D 00:00), :d_end.
INSERT INTO churn_daily_stats (business_date, merchant_id, merchant_name, pass_users, churned_users, churn_rate)
{% set focus_day = true -%}
{% set day_only = true -%}
WITH
{% include "churn/_churned_pairs.sql" %},
merchants AS (
    SELECT merchant_id, MIN(merchant_name) AS merchant_name
    FROM stores
    GROUP BY merchant_id
),
passed AS (
    SELECT merchant_id, COUNT(DISTINCT user_pin) AS pass_users
    FROM d_pair_stats
    GROUP BY merchant_id
),
lost AS (
    SELECT merchant_id, COUNT(DISTINCT user_pin) AS churned_users
    FROM d_churned
    GROUP BY merchant_id
)
SELECT
    CAST(:business_date AS DATE)                                   AS business_date,
    p.merchant_id,
    m.merchant_name,
    p.pass_users,
    COALESCE(l.churned_users, 0)                                   AS churned_users,
    CAST(COALESCE(l.churned_users, 0) AS DOUBLE PRECISION) / p.pass_users AS churn_rate
FROM passed p
JOIN merchants m ON m.merchant_id = p.merchant_id
LEFT JOIN lost l ON l.merchant_id = p.merchant_id
