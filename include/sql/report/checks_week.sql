-- Per check_name, what the checks recorded in week W: days checked, warn and fail results.
-- Bound: :week_start, :week_end (dates, inclusive).
SELECT check_name,
       COUNT(DISTINCT business_date)                          AS days_checked,
       SUM(CASE WHEN status = 'warn' THEN 1 ELSE 0 END)       AS warn_rows,
       SUM(CASE WHEN status = 'fail' THEN 1 ELSE 0 END)       AS fail_rows
FROM dq_check_results
WHERE business_date >= CAST(:week_start AS DATE) AND business_date <= CAST(:week_end AS DATE)
GROUP BY check_name
ORDER BY check_name
