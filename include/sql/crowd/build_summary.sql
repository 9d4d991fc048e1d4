-- One build's crowd_summary rows in segment order, with the date of the build prev_users came from
-- (null for the first build). Bound: :campaign_id, :as_of_date.
WITH
{% include "crowd/_segments.sql" %}
SELECT
    s.segment,
    s.users,
    s.prev_users,
    s.change_pct,
    (SELECT MAX(p.as_of_date)
     FROM crowd_summary p
     WHERE p.campaign_id = :campaign_id AND p.as_of_date < CAST(:as_of_date AS DATE)) AS prev_as_of_date
FROM crowd_summary s
JOIN segments g ON g.segment = s.segment
WHERE s.campaign_id = :campaign_id AND s.as_of_date = CAST(:as_of_date AS DATE)
ORDER BY g.seq
