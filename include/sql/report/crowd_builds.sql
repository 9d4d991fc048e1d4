-- Per campaign, its latest crowd build with as_of_date in [:a_from, :a_to] (the runs of the report's
-- week) and how many builds it had there; one row per segment of that latest build (crowd_summary).
-- Bound: :a_from, :a_to (dates, inclusive).
WITH builds AS (
    SELECT campaign_id, as_of_date
    FROM crowd_summary
    WHERE as_of_date >= CAST(:a_from AS DATE) AND as_of_date <= CAST(:a_to AS DATE)
    GROUP BY campaign_id, as_of_date
),
latest AS (
    SELECT campaign_id, MAX(as_of_date) AS as_of_date, COUNT(*) AS builds
    FROM builds
    GROUP BY campaign_id
)
SELECT s.campaign_id, s.as_of_date, l.builds, s.segment, s.users, s.prev_users, s.change_pct
FROM crowd_summary s
JOIN latest l ON l.campaign_id = s.campaign_id AND l.as_of_date = s.as_of_date
ORDER BY s.campaign_id, s.segment
