-- Data defects open at the end of week W, with the day each was first seen.
-- A finding is a (check_name, subject, metric). It is open when it is warn or fail on the latest
-- business_date in W on which its check ran (a check that stopped flagging a subject is resolved,
-- whether it writes pass rows per subject or only its findings). first_seen is the first
-- business_date, up to the end of W, on which the finding was warn or fail. From dq_check_results
-- (every pipeline's checks). Bound: :week_start, :week_end (dates, inclusive).
WITH latest AS (
    SELECT check_name, MAX(business_date) AS last_checked
    FROM dq_check_results
    WHERE business_date >= CAST(:week_start AS DATE) AND business_date <= CAST(:week_end AS DATE)
    GROUP BY check_name
),
first_seen AS (
    SELECT check_name, subject, metric, MIN(business_date) AS first_seen
    FROM dq_check_results
    WHERE status IN ('warn', 'fail') AND business_date <= CAST(:week_end AS DATE)
    GROUP BY check_name, subject, metric
),
open_rows AS (
    SELECT r.check_name, r.subject, r.metric, r.status, r.value, r.threshold, r.detail, r.business_date,
           ROW_NUMBER() OVER (PARTITION BY r.check_name, r.subject, r.metric
                              ORDER BY CASE r.status WHEN 'fail' THEN 0 ELSE 1 END, r.checked_at DESC NULLS LAST) AS rn
    FROM dq_check_results r
    JOIN latest l
      ON l.check_name = r.check_name
     AND l.last_checked = r.business_date
    WHERE r.status IN ('warn', 'fail')
)
SELECT o.check_name, o.subject, o.metric, o.status, o.value, o.threshold, o.detail,
       o.business_date AS last_checked, f.first_seen
FROM open_rows o
JOIN first_seen f
  ON f.check_name = o.check_name
 AND f.subject IS NOT DISTINCT FROM o.subject
 AND f.metric IS NOT DISTINCT FROM o.metric
WHERE o.rn = 1
ORDER BY CASE o.status WHEN 'fail' THEN 0 ELSE 1 END, f.first_seen, o.check_name, o.subject, o.metric
