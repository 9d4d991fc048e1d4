-- The campaign's first build after an as-of date (null: none), whose prev_users may now be stale.
-- Bound: :campaign_id, :as_of_date.
SELECT MIN(as_of_date) AS next_date
FROM crowd_summary
WHERE campaign_id = :campaign_id AND as_of_date > CAST(:as_of_date AS DATE)
