-- crowd_summary of one build: a row for each of the four segments (0 users included) with
--   users       the build's members in the segment (from crowd_membership)
--   prev_users  the same segment's users in the campaign's latest EARLIER build (null: no such build)
--   change_pct  (users - prev_users) / prev_users, a fraction, not rounded; null when prev_users is
--               null or 0
-- Bound: :campaign_id, :as_of_date. Run after the build's crowd_membership rows are written; also
-- re-run for the next later build when an earlier date is (re)built, so build order does not matter.
INSERT INTO crowd_summary (campaign_id, as_of_date, segment, users, prev_users, change_pct)
WITH
{% include "crowd/_segments.sql" %},
counts AS (
    SELECT segment, COUNT(*) AS users
    FROM crowd_membership
    WHERE campaign_id = :campaign_id AND as_of_date = CAST(:as_of_date AS DATE)
    GROUP BY segment
),
prev AS (
    SELECT s.segment, s.users
    FROM crowd_summary s
    WHERE s.campaign_id = :campaign_id
      AND s.as_of_date = (SELECT MAX(p.as_of_date)
                          FROM crowd_summary p
                          WHERE p.campaign_id = :campaign_id
                            AND p.as_of_date < CAST(:as_of_date AS DATE))
)
SELECT
    CAST(:campaign_id AS VARCHAR)      AS campaign_id,
    CAST(:as_of_date AS DATE)          AS as_of_date,
    g.segment,
    COALESCE(c.users, 0)               AS users,
    p.users                            AS prev_users,
    CASE
        WHEN p.users IS NULL OR p.users = 0 THEN NULL
        ELSE CAST(COALESCE(c.users, 0) - p.users AS DOUBLE PRECISION) / p.users
    END                                AS change_pct
FROM segments g
LEFT JOIN counts c ON c.segment = g.segment
LEFT JOIN prev p ON p.segment = g.segment
