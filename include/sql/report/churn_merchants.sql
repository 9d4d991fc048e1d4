-- Per merchant, the week's passing and churned users (sums over the days of the week) for the report's
-- week W ('this') and the week before ('prev'): the churn-rate trend by merchant.
-- Bound: :prev_start (Monday of W-1), :week_start (Monday of W), :week_end (Sunday of W).
SELECT CASE WHEN business_date >= CAST(:week_start AS DATE) THEN 'this' ELSE 'prev' END AS period,
       merchant_id,
       MIN(merchant_name)  AS merchant_name,
       SUM(pass_users)     AS pass_users,
       SUM(churned_users)  AS churned_users,
       COUNT(DISTINCT business_date) AS days
FROM churn_daily_stats
WHERE business_date >= CAST(:prev_start AS DATE) AND business_date <= CAST(:week_end AS DATE)
GROUP BY CASE WHEN business_date >= CAST(:week_start AS DATE) THEN 'this' ELSE 'prev' END, merchant_id
ORDER BY merchant_id, period
