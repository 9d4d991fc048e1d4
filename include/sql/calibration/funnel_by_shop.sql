-- Per shop with any trial, transaction or order on D ([:d_start, :d_end)): distinct users at each
-- funnel stage. pass_users: a passing trial; txn_users: any fact_txn row, whatever its status;
-- order_users: a success order (fact_order row). Monotonic means pass_users >= txn_users >= order_users.
WITH
{% include "common/_stores.sql" %},
passed AS (
    SELECT shop_id, COUNT(DISTINCT user_pin) AS pass_users
    FROM fact_trial
    WHERE trial_at >= :d_start AND trial_at < :d_end AND result = 'pass'
    GROUP BY shop_id
),
tried AS (
    SELECT DISTINCT shop_id FROM fact_trial WHERE trial_at >= :d_start AND trial_at < :d_end
),
transacted AS (
    SELECT shop_id, COUNT(DISTINCT user_pin) AS txn_users
    FROM fact_txn
    WHERE created_at >= :d_start AND created_at < :d_end
    GROUP BY shop_id
),
ordered AS (
    SELECT shop_id, COUNT(DISTINCT user_pin) AS order_users
    FROM fact_order
    WHERE paid_at >= :d_start AND paid_at < :d_end
    GROUP BY shop_id
),
shops AS (
    SELECT shop_id FROM tried
    UNION
    SELECT shop_id FROM transacted
    UNION
    SELECT shop_id FROM ordered
)
SELECT sh.shop_id,
       st.merchant_id,
       st.store_name,
       COALESCE(p.pass_users, 0)  AS pass_users,
       COALESCE(t.txn_users, 0)   AS txn_users,
       COALESCE(o.order_users, 0) AS order_users
FROM shops sh
LEFT JOIN stores st ON st.shop_id = sh.shop_id
LEFT JOIN passed p ON p.shop_id = sh.shop_id
LEFT JOIN transacted t ON t.shop_id = sh.shop_id
LEFT JOIN ordered o ON o.shop_id = sh.shop_id
WHERE sh.shop_id IS NOT NULL
ORDER BY sh.shop_id
