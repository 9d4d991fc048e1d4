-- The warn and fail rows of the data-calibration checks for D (what the run alerts), fails first.
-- check_names is a list of validated identifiers.
SELECT check_name, business_date, subject, metric, value, threshold, status, detail
FROM dq_check_results
WHERE business_date = CAST(:business_date AS DATE)
  AND status IN ('warn', 'fail')
  AND check_name IN ({% for c in check_names %}'{{ c }}'{% if not loop.last %}, {% endif %}{% endfor %})
ORDER BY CASE status WHEN 'fail' THEN 0 ELSE 1 END, check_name, subject, metric
