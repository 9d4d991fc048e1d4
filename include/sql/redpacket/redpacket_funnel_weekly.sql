-- redpacket_funnel_weekly for ISO week W (红包码看板): one row per shop with any scan or claim in W.
-- Bound: :week_start (W's Monday), :w_start (W's Monday 00:00), :w_end (next Monday 00:00).
-- Counts and amounts: see redpacket/_funnel.sql. Rates are fractions, null when the denominator is
-- 0, and may exceed 1 (a claim can come from a shared link without a scan). city is the calibrated
-- city (dim_store_calibrated) where the store has one, else the source city (as in the churn list).
INSERT INTO redpacket_funnel_weekly (
    week_start, merchant_id, merchant_name, shop_id, store_name, city,
    scan_users, claim_users, trial_users, pass_users, order_users, redeem_users, gmv, redpacket_cost,
    claim_rate, trial_rate, pass_rate, order_rate, redeem_rate
)
WITH
{% include "redpacket/_funnel.sql" %},
calibrated AS (
    SELECT shop_id, MIN(city) AS city
    FROM dim_store_calibrated
    GROUP BY shop_id
)
SELECT
    CAST(:week_start AS DATE)        AS week_start,
    s.merchant_id,
    s.merchant_name,
    f.shop_id,
    s.store_name,
    COALESCE(cal.city, s.city)       AS city,
    f.scan_users, f.claim_users, f.trial_users, f.pass_users, f.order_users, f.redeem_users,
    f.gmv, f.redpacket_cost,
    CASE WHEN f.scan_users = 0 THEN NULL
         ELSE CAST(f.claim_users AS DOUBLE PRECISION) / f.scan_users END    AS claim_rate,
    CASE WHEN f.claim_users = 0 THEN NULL
         ELSE CAST(f.trial_users AS DOUBLE PRECISION) / f.claim_users END   AS trial_rate,
    CASE WHEN f.trial_users = 0 THEN NULL
         ELSE CAST(f.pass_users AS DOUBLE PRECISION) / f.trial_users END    AS pass_rate,
    CASE WHEN f.pass_users = 0 THEN NULL
         ELSE CAST(f.order_users AS DOUBLE PRECISION) / f.pass_users END    AS order_rate,
    CASE WHEN f.order_users = 0 THEN NULL
         ELSE CAST(f.redeem_users AS DOUBLE PRECISION) / f.order_users END  AS redeem_rate
FROM funnel f
LEFT JOIN stores s       ON s.shop_id = f.shop_id
LEFT JOIN calibrated cal ON cal.shop_id = f.shop_id
WHERE f.week_start = CAST(:week_start AS DATE)
