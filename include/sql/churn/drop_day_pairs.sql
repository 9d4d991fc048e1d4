-- Drop the build's temporary churn_day_pairs (before it is written, in case an earlier build on the
-- same connection failed half-way, and after the list and the stats have read it).
DROP TABLE IF EXISTS churn_day_pairs
