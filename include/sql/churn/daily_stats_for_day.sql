-- churn_daily_stats rows of D (for the digest and the anomaly check). Bound: :business_date.
SELECT merchant_id, merchant_name, pass_users, churned_users, churn_rate
FROM churn_daily_stats
WHERE business_date = CAST(:business_date AS DATE)
ORDER BY merchant_id
