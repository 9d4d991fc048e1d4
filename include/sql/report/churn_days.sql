-- Per business date of [:d_from, :d_to] (the report's week and the one before): the callback list's
-- size and the day's passing / churned users over all merchants (from churn_callback_daily's outputs).
-- Bound: :d_from, :d_to (dates, inclusive).
WITH stats AS (
    SELECT business_date, SUM(pass_users) AS pass_users, SUM(churned_users) AS churned_users
    FROM churn_daily_stats
    WHERE business_date >= CAST(:d_from AS DATE) AND business_date <= CAST(:d_to AS DATE)
    GROUP BY business_date
),
lists AS (
    SELECT business_date, COUNT(*) AS list_rows
    FROM churn_callback_list
    WHERE business_date >= CAST(:d_from AS DATE) AND business_date <= CAST(:d_to AS DATE)
    GROUP BY business_date
)
SELECT s.business_date, s.pass_users, s.churned_users, COALESCE(l.list_rows, 0) AS list_rows
FROM stats s
LEFT JOIN lists l ON l.business_date = s.business_date
ORDER BY s.business_date
