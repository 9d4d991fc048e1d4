-- fact_order rows of one day: the digest warns when A-1, the last day a build reads, has none yet
-- (late data would put active users in the inactive segments). Bound: :d_start, :d_end.
SELECT COUNT(*) AS n
FROM fact_order
WHERE paid_at >= :d_start AND paid_at < :d_end
