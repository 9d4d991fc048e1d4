-- Shared CTEs of the churn list (included by the churn_* files, not run on its own).
-- Bound parameters: :hist_start (first day's 00:00) and :d_end (D+1 00:00).
-- Template flag same_weekday: keep only the days with D's weekday (for the anomaly history).
--
-- stores         dim_store, one row per shop_id (a duplicated shop counts once)
-- trials         fact_trial of the window, one row per trial_id (a duplicated trial counts once)
-- pass_trials    passing trials at offline stores of known shops, with a user
-- pairs          per (day, user_pin, merchant_id): the first passing trial (earliest trial_at,
--                ties -> smallest trial_id), the number of passing trials, the largest amount
-- churned        pairs with no success order by the user at any store of the merchant in
--                [first passing trial, next 00:00)  = 意愿流失 willingness churn
stores AS (
    SELECT shop_id, store_name, merchant_id, merchant_name, channel, city
    FROM (
        SELECT s.*,
               ROW_NUMBER() OVER (PARTITION BY s.shop_id
                                  ORDER BY s.merchant_id, s.store_name, s.channel, s.city) AS rn
        FROM dim_store s
        WHERE s.shop_id IS NOT NULL
    ) x
    WHERE rn = 1
),
trials AS (
    SELECT trial_id, user_pin, shop_id, trial_at, amount, result
    FROM (
        SELECT t.*,
               ROW_NUMBER() OVER (PARTITION BY t.trial_id
                                  ORDER BY t.trial_at, t.user_pin, t.shop_id, t.result, t.amount) AS rn
        FROM fact_trial t
        WHERE t.trial_at >= :hist_start AND t.trial_at < :d_end
          AND t.trial_id IS NOT NULL
          {% if same_weekday | default(false) %}AND EXTRACT(DOW FROM t.trial_at) = EXTRACT(DOW FROM CAST(:business_date AS DATE)){% endif %}
    ) x
    WHERE rn = 1
),
pass_trials AS (
    SELECT t.trial_id, t.user_pin, t.shop_id, t.trial_at, t.amount, s.merchant_id,
           CAST(t.trial_at AS DATE) AS trial_day
    FROM trials t
    JOIN stores s ON s.shop_id = t.shop_id
    WHERE t.result = 'pass' AND s.channel = 'offline' AND t.user_pin IS NOT NULL
),
ranked AS (
    SELECT p.*,
           ROW_NUMBER() OVER (PARTITION BY p.trial_day, p.user_pin, p.merchant_id
                              ORDER BY p.trial_at, p.trial_id) AS rk,
           COUNT(*) OVER (PARTITION BY p.trial_day, p.user_pin, p.merchant_id) AS n_trials,
           MAX(p.amount) OVER (PARTITION BY p.trial_day, p.user_pin, p.merchant_id) AS max_amount
    FROM pass_trials p
),
pairs AS (
    SELECT trial_day, user_pin, merchant_id, shop_id, trial_at AS first_trial_at,
           n_trials, max_amount
    FROM ranked
    WHERE rk = 1
),
orders AS (
    SELECT o.user_pin, s.merchant_id, o.paid_at
    FROM fact_order o
    JOIN stores s ON s.shop_id = o.shop_id
    WHERE o.paid_at >= :hist_start AND o.paid_at < :d_end AND o.user_pin IS NOT NULL
),
churned AS (
    SELECT p.*
    FROM pairs p
    WHERE NOT EXISTS (
        SELECT 1
        FROM orders o
        WHERE o.user_pin = p.user_pin
          AND o.merchant_id = p.merchant_id
          AND o.paid_at >= p.first_trial_at
          AND CAST(o.paid_at AS DATE) = p.trial_day
    )
)
