-- churn_daily_stats for business date D: per merchant, pass_users (distinct users with a passing
-- offline trial at the merchant on D), churned_users (before the cooldown) and churn_rate.
-- Read from churn_day_pairs (churn/day_pairs.sql): the same trials and pairs of D as the callback list.
-- Bound: :business_date.
INSERT INTO churn_daily_stats (business_date, merchant_id, merchant_name, pass_users, churned_users, churn_rate)
WITH
{% include "common/_stores.sql" %},
merchants AS (
    SELECT merchant_id, MIN(merchant_name) AS merchant_name
    FROM stores
    GROUP BY merchant_id
),
passed AS (
    SELECT merchant_id, COUNT(DISTINCT user_pin) AS pass_users
    FROM churn_day_pairs
    GROUP BY merchant_id
),
lost AS (
    SELECT merchant_id, COUNT(DISTINCT user_pin) AS churned_users
    FROM churn_day_pairs
    WHERE churned
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
