-- Rows each source table of the churn list holds for day D (the list waits until both have rows).
-- Bound: :d_start (D 00:00), :d_end (D+1 00:00).
SELECT 'fact_trial' AS table_name, COUNT(*) AS n
FROM fact_trial WHERE trial_at >= :d_start AND trial_at < :d_end
UNION ALL
SELECT 'fact_order' AS table_name, COUNT(*) AS n
FROM fact_order WHERE paid_at >= :d_start AND paid_at < :d_end
