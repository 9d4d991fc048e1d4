-- Dirty rows among D's trials that the churn list counts once or cannot use (reported, never dropped
-- silently): repeated trial_id rows, trials without trial_id or user_pin, trials at a shop_id that
-- dim_store does not know. Bound: :d_start, :d_end.
WITH day_trials AS (
    SELECT t.trial_id, t.user_pin, t.shop_id
    FROM fact_trial t
    WHERE t.trial_at >= :d_start AND t.trial_at < :d_end
)
SELECT 'duplicate_trial_rows' AS metric,
       COUNT(trial_id) - COUNT(DISTINCT trial_id) AS value
FROM day_trials
UNION ALL
SELECT 'trials_without_trial_id' AS metric, COUNT(*) AS value
FROM day_trials WHERE trial_id IS NULL
UNION ALL
SELECT 'trials_without_user_pin' AS metric, COUNT(*) AS value
FROM day_trials WHERE user_pin IS NULL
UNION ALL
SELECT 'trials_at_unknown_shop' AS metric, COUNT(*) AS value
FROM day_trials t
WHERE NOT EXISTS (SELECT 1 FROM dim_store s WHERE s.shop_id = t.shop_id)
