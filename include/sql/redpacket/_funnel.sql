-- Shared CTEs of the red-packet code funnel (included by the redpacket/* files, not run on its own).
-- Bound parameters: :w_start (Monday 00:00 of the first ISO week) and :w_end (Monday 00:00 after the
-- last week); naive Asia/Shanghai local times, like the source timestamps. Every row is put in its
-- ISO week (week_start = the Monday), so one file serves one week (the table) and many (the trend).
--
-- stores     dim_store, one row per shop_id (a duplicated shop counts once)
-- events     fact_redpacket_event of the window, one row per event_id (a duplicated event counts once:
--            its earliest copy); only the repeated event_ids are ranked, the others pass as they are
-- shop_weeks (week, shop) with any scan or claim, anonymous scans included: the rows of the output
-- claimers   per (week, shop, user): claim_at = the user's first claim at that shop in that week
-- trials / orders   fact_trial / fact_order of the window, one row per trial_id / order_id (the
--            earliest copy), read only for the users who claimed: every copy of an id one of them
--            has is ranked, so the copy kept is the one the whole window would keep
-- c_trials, c_orders, c_redeems   what each claimer did at that shop from claim_at (inclusive) to
--            the end of the week; a null amount counts 0
-- funnel     per (week_start, shop_id): the six counts, gmv and redpacket_cost
{% include "common/_stores.sql" %},
event_rows AS NOT MATERIALIZED (
    SELECT e.event_id, e.shop_id, e.user_pin, e.event_type, e.event_at, e.amount
    FROM fact_redpacket_event e
    WHERE e.event_at >= :w_start AND e.event_at < :w_end AND e.shop_id IS NOT NULL
),
repeated_events AS (
    SELECT event_id FROM event_rows WHERE event_id IS NOT NULL GROUP BY event_id HAVING COUNT(*) > 1
),
events AS (
    SELECT event_id, shop_id, user_pin, event_type, event_at, amount,
           CAST(DATE_TRUNC('week', event_at) AS DATE) AS week_start
    FROM (
        SELECT r.event_id, r.shop_id, r.user_pin, r.event_type, r.event_at, r.amount
        FROM event_rows r
        WHERE r.event_id IS NULL OR NOT EXISTS (SELECT 1 FROM repeated_events d WHERE d.event_id = r.event_id)
        UNION ALL
        SELECT event_id, shop_id, user_pin, event_type, event_at, amount
        FROM (
            SELECT r.*,
                   ROW_NUMBER() OVER (PARTITION BY r.event_id
                                      ORDER BY r.event_at, r.event_type, r.shop_id, r.user_pin, r.amount) AS rn
            FROM event_rows r
            WHERE EXISTS (SELECT 1 FROM repeated_events d WHERE d.event_id = r.event_id)
        ) x
        WHERE rn = 1
    ) e
),
shop_weeks AS (
    SELECT DISTINCT week_start, shop_id
    FROM events
    WHERE event_type IN ('scan', 'claim')
),
scans AS (
    SELECT week_start, shop_id, COUNT(DISTINCT user_pin) AS scan_users
    FROM events
    WHERE event_type = 'scan'
    GROUP BY week_start, shop_id
),
claimers AS (
    SELECT week_start, shop_id, user_pin, MIN(event_at) AS claim_at
    FROM events
    WHERE event_type = 'claim' AND user_pin IS NOT NULL
    GROUP BY week_start, shop_id, user_pin
),
claimer_users AS (
    SELECT DISTINCT user_pin FROM claimers
),
trial_rows AS (
    SELECT t.trial_id, t.user_pin, t.shop_id, t.trial_at, t.result, t.amount
    FROM fact_trial t
    WHERE t.trial_at >= :w_start AND t.trial_at < :w_end AND t.user_pin IS NOT NULL
      AND t.trial_id IN (SELECT c.trial_id FROM fact_trial c
                         WHERE c.trial_at >= :w_start AND c.trial_at < :w_end AND c.trial_id IS NOT NULL
                           AND c.user_pin IN (SELECT user_pin FROM claimer_users))
    UNION ALL
    SELECT t.trial_id, t.user_pin, t.shop_id, t.trial_at, t.result, t.amount
    FROM fact_trial t
    WHERE t.trial_at >= :w_start AND t.trial_at < :w_end AND t.trial_id IS NULL
      AND t.user_pin IN (SELECT user_pin FROM claimer_users)
),
trials AS (
    SELECT user_pin, shop_id, trial_at, result, CAST(DATE_TRUNC('week', trial_at) AS DATE) AS week_start
    FROM (
        SELECT r.*,
               ROW_NUMBER() OVER (PARTITION BY r.trial_id
                                  ORDER BY r.trial_at, r.user_pin, r.shop_id, r.result, r.amount) AS rn
        FROM trial_rows r
    ) x
    WHERE rn = 1 OR trial_id IS NULL
),
order_rows AS (
    SELECT o.order_id, o.user_pin, o.shop_id, o.paid_at, o.amount
    FROM fact_order o
    WHERE o.paid_at >= :w_start AND o.paid_at < :w_end AND o.user_pin IS NOT NULL
      AND o.order_id IN (SELECT c.order_id FROM fact_order c
                         WHERE c.paid_at >= :w_start AND c.paid_at < :w_end AND c.order_id IS NOT NULL
                           AND c.user_pin IN (SELECT user_pin FROM claimer_users))
    UNION ALL
    SELECT o.order_id, o.user_pin, o.shop_id, o.paid_at, o.amount
    FROM fact_order o
    WHERE o.paid_at >= :w_start AND o.paid_at < :w_end AND o.order_id IS NULL
      AND o.user_pin IN (SELECT user_pin FROM claimer_users)
),
orders AS (
    SELECT user_pin, shop_id, paid_at, amount, CAST(DATE_TRUNC('week', paid_at) AS DATE) AS week_start
    FROM (
        SELECT r.*,
               ROW_NUMBER() OVER (PARTITION BY r.order_id
                                  ORDER BY r.paid_at, r.user_pin, r.shop_id, r.amount) AS rn
        FROM order_rows r
    ) x
    WHERE rn = 1 OR order_id IS NULL
),
c_trials AS (
    SELECT c.week_start, c.shop_id,
           COUNT(DISTINCT c.user_pin)                                          AS trial_users,
           COUNT(DISTINCT CASE WHEN t.result = 'pass' THEN c.user_pin END)     AS pass_users
    FROM claimers c
    JOIN trials t
      ON t.week_start = c.week_start AND t.shop_id = c.shop_id AND t.user_pin = c.user_pin
     AND t.trial_at >= c.claim_at
    GROUP BY c.week_start, c.shop_id
),
c_orders AS (
    SELECT c.week_start, c.shop_id,
           COUNT(DISTINCT c.user_pin)   AS order_users,
           SUM(COALESCE(o.amount, 0))   AS gmv
    FROM claimers c
    JOIN orders o
      ON o.week_start = c.week_start AND o.shop_id = c.shop_id AND o.user_pin = c.user_pin
     AND o.paid_at >= c.claim_at
    GROUP BY c.week_start, c.shop_id
),
c_redeems AS (
    SELECT c.week_start, c.shop_id,
           COUNT(DISTINCT c.user_pin)   AS redeem_users,
           SUM(COALESCE(r.amount, 0))   AS redpacket_cost
    FROM claimers c
    JOIN events r
      ON r.event_type = 'redeem' AND r.week_start = c.week_start AND r.shop_id = c.shop_id
     AND r.user_pin = c.user_pin AND r.event_at >= c.claim_at
    GROUP BY c.week_start, c.shop_id
),
claims AS (
    SELECT week_start, shop_id, COUNT(*) AS claim_users
    FROM claimers
    GROUP BY week_start, shop_id
),
funnel AS (
    SELECT sw.week_start,
           sw.shop_id,
           COALESCE(sc.scan_users, 0)                     AS scan_users,
           COALESCE(cl.claim_users, 0)                    AS claim_users,
           COALESCE(ct.trial_users, 0)                    AS trial_users,
           COALESCE(ct.pass_users, 0)                     AS pass_users,
           COALESCE(co.order_users, 0)                    AS order_users,
           COALESCE(cr.redeem_users, 0)                   AS redeem_users,
           CAST(COALESCE(co.gmv, 0) AS DECIMAL(14, 2))            AS gmv,
           CAST(COALESCE(cr.redpacket_cost, 0) AS DECIMAL(14, 2)) AS redpacket_cost
    FROM shop_weeks sw
    LEFT JOIN scans sc     ON sc.week_start = sw.week_start AND sc.shop_id = sw.shop_id
    LEFT JOIN claims cl    ON cl.week_start = sw.week_start AND cl.shop_id = sw.shop_id
    LEFT JOIN c_trials ct  ON ct.week_start = sw.week_start AND ct.shop_id = sw.shop_id
    LEFT JOIN c_orders co  ON co.week_start = sw.week_start AND co.shop_id = sw.shop_id
    LEFT JOIN c_redeems cr ON cr.week_start = sw.week_start AND cr.shop_id = sw.shop_id
)
