-- Users activated before :a_start (A 00:00) without any success order before it: the size of every
-- crowd's no_first_order segment as of A (a user_pin repeated in dim_user counts once).
SELECT COUNT(*) AS n
FROM (
    SELECT u.user_pin
    FROM dim_user u
    WHERE u.user_pin IS NOT NULL
    GROUP BY u.user_pin
    HAVING MIN(u.bt_activated_at) < :a_start
) a
WHERE NOT EXISTS (SELECT 1 FROM fact_order o WHERE o.user_pin = a.user_pin AND o.paid_at < :a_start)
