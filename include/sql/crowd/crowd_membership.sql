-- crowd_membership of one build (campaign, as-of date A): every user with bt_activated_at < A 00:00,
-- in exactly one segment, the first that applies (SPEC "campaign crowd builds"):
--   no_first_order       no success order before A
--   inactive_90d         no success order in the window [A - lookback_days 00:00, A 00:00)
--   inactive_target_90d  no success order in a target category in the window
--   active_target_90d    the rest
-- Orders on A or later are never read. A user_pin repeated in dim_user counts once (activated at
-- its earliest bt_activated_at; never activated = every copy null); an order_id repeated in
-- fact_order counts once (its earliest copy); an order without order_id is one order.
-- Bound: :campaign_id, :as_of_date (A), :a_start (A 00:00), :w_start (A - lookback_days, 00:00),
--        :cat_0 .. :cat_<n-1> (the target categories), :reward_<segment> (the four reward amounts).
-- Template: n_categories (int >= 1).
INSERT INTO crowd_membership (campaign_id, as_of_date, user_pin, segment, reward_amount)
WITH
users AS (
    -- earliest bt_activated_at < A  <=>  some copy activated before A: one row per user_pin
    SELECT DISTINCT user_pin
    FROM dim_user
    WHERE user_pin IS NOT NULL AND bt_activated_at < :a_start
),
repeated AS (
    -- the order ids with more than one copy before A (few): only their copies are ranked
    SELECT order_id
    FROM fact_order
    WHERE paid_at < :a_start AND order_id IS NOT NULL
    GROUP BY order_id
    HAVING COUNT(*) > 1
),
orders AS (
    -- an order with one copy (or without order_id) as it is; an explicit anti-join (LEFT JOIN ... IS
    -- NULL): NOT EXISTS made DuckDB materialise and deduplicate every order id (2.5x slower at L)
    SELECT o.user_pin, o.paid_at, o.category
    FROM fact_order o
    LEFT JOIN repeated r ON r.order_id = o.order_id
    WHERE o.paid_at < :a_start AND o.user_pin IS NOT NULL AND r.order_id IS NULL
    UNION ALL
    -- a repeated order id: its earliest copy, which may have no user (then the order has none)
    SELECT user_pin, paid_at, category
    FROM (
        SELECT o.user_pin, o.paid_at, o.category,
               ROW_NUMBER() OVER (PARTITION BY o.order_id
                                  ORDER BY o.paid_at, o.user_pin, o.category) AS rn
        FROM fact_order o
        WHERE o.paid_at < :a_start AND o.order_id IN (SELECT order_id FROM repeated)
    ) x
    WHERE rn = 1 AND user_pin IS NOT NULL
),
activity AS (
    SELECT user_pin,
           MAX(CASE WHEN paid_at >= :w_start THEN 1 ELSE 0 END) AS active,
           MAX(CASE WHEN paid_at >= :w_start
                     AND category IN ({% for i in range(n_categories) %}:cat_{{ i }}{% if not loop.last %}, {% endif %}{% endfor %})
                    THEN 1 ELSE 0 END) AS active_target
    FROM orders
    GROUP BY user_pin
),
segmented AS (
    SELECT u.user_pin,
           CASE
               WHEN a.user_pin IS NULL THEN 'no_first_order'
               WHEN a.active = 0 THEN 'inactive_90d'
               WHEN a.active_target = 0 THEN 'inactive_target_90d'
               ELSE 'active_target_90d'
           END AS segment
    FROM users u
    LEFT JOIN activity a ON a.user_pin = u.user_pin
)
SELECT
    CAST(:campaign_id AS VARCHAR)  AS campaign_id,
    CAST(:as_of_date AS DATE)      AS as_of_date,
    s.user_pin,
    s.segment,
    CAST(CASE s.segment
             WHEN 'no_first_order' THEN :reward_no_first_order
             WHEN 'inactive_90d' THEN :reward_inactive_90d
             WHEN 'inactive_target_90d' THEN :reward_inactive_target_90d
             ELSE :reward_active_target_90d
         END AS DECIMAL(12, 2))    AS reward_amount
FROM segmented s
