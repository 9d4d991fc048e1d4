-- Week-over-week trend per merchant: the funnel of every ISO week in [:w_start, :w_end), derived from
-- source with the same rules as the table (redpacket/_funnel.sql), summed over each merchant's shops
-- (a user active at two shops of a merchant counts at both). Derived from source rather than from
-- earlier outputs, so the trend does not depend on which weeks happened to be run.
-- Bound: :w_start (Monday 00:00 of the first week), :w_end (Monday 00:00 after W).
WITH
{% include "redpacket/_funnel.sql" %}
SELECT f.week_start,
       s.merchant_id,
       MIN(s.merchant_name)   AS merchant_name,
       COUNT(*)               AS shops,
       SUM(f.scan_users)      AS scan_users,
       SUM(f.claim_users)     AS claim_users,
       SUM(f.trial_users)     AS trial_users,
       SUM(f.pass_users)      AS pass_users,
       SUM(f.order_users)     AS order_users,
       SUM(f.redeem_users)    AS redeem_users,
       SUM(f.gmv)             AS gmv,
       SUM(f.redpacket_cost)  AS redpacket_cost
FROM funnel f
LEFT JOIN stores s ON s.shop_id = f.shop_id
GROUP BY f.week_start, s.merchant_id
ORDER BY f.week_start, s.merchant_id
