-- churn_callback_list for business date D (意愿流失专项 callback list).
-- Bound: :business_date (D), :hist_start (D - cooldown_days, 00:00), :d_start (D 00:00). Reads D's pairs
-- from churn_day_pairs (churn/day_pairs.sql, written first in the same transaction).
-- A churned (user, merchant) pair of D is listed unless the same pair also churned on any day of
-- [D - cooldown_days, D): nobody is phoned twice in a week. Derived from source only, so backfills
-- in any order give the same lists.
INSERT INTO churn_callback_list (
    business_date, user_pin, phone_masked, merchant_id, merchant_name, shop_id, store_name, city,
    first_trial_at, trial_count, max_trial_amount
)
{% set past_pairs = true -%}
WITH
d_churned AS (
    SELECT user_pin, merchant_id, first_trial_at, n_trials, max_amount, first_shop_id
    FROM churn_day_pairs
    WHERE churned
),
d_churned_users AS (
    SELECT DISTINCT user_pin FROM d_churned
),
{% include "churn/_churned_pairs.sql" %},
-- listed: D's churned pairs (churn_day_pairs, written by churn/day_pairs.sql in the same transaction)
-- that did not churn on a day of [D - cooldown_days, D) (past_churned holds those days' churned pairs
-- of D's churned users); their shop is that of the first passing trial of the pair on D.
listed AS (
    SELECT c.*
    FROM d_churned c
    WHERE NOT EXISTS (
        SELECT 1
        FROM past_churned e
        WHERE e.user_pin = c.user_pin
          AND e.merchant_id = c.merchant_id
    )
),
users AS (
    SELECT user_pin, phone
    FROM (
        SELECT u.user_pin, NULLIF(TRIM(u.phone), '') AS phone,
               ROW_NUMBER() OVER (PARTITION BY u.user_pin
                                  ORDER BY CASE WHEN NULLIF(TRIM(u.phone), '') IS NULL THEN 1 ELSE 0 END,
                                           u.phone) AS rn
        FROM dim_user u
        WHERE u.user_pin IN (SELECT l.user_pin FROM listed l)
    ) x
    WHERE rn = 1
)
SELECT
    CAST(:business_date AS DATE)                           AS business_date,
    c.user_pin,
    CASE
        WHEN u.phone IS NULL THEN NULL
        WHEN LENGTH(u.phone) >= 7
            THEN SUBSTR(u.phone, 1, 3) || '****' || SUBSTR(u.phone, LENGTH(u.phone) - 3, 4)
        ELSE '****'
    END                                                    AS phone_masked,
    c.merchant_id,
    s.merchant_name,
    c.first_shop_id                                        AS shop_id,
    s.store_name,
    COALESCE(cal.city, s.city)                             AS city,
    c.first_trial_at,
    c.n_trials                                             AS trial_count,
    c.max_amount                                           AS max_trial_amount
FROM listed c
JOIN stores s ON s.shop_id = c.first_shop_id
LEFT JOIN users u ON u.user_pin = c.user_pin
LEFT JOIN dim_store_calibrated cal ON cal.shop_id = c.first_shop_id
