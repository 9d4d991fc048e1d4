-- The four segments of a crowd in their order of precedence (included by the crowd_* files, not
-- run on its own). SPEC "campaign crowd builds"; names and order are fixed.
segments AS (
    SELECT 'no_first_order' AS segment, 1 AS seq
    UNION ALL SELECT 'inactive_90d', 2
    UNION ALL SELECT 'inactive_target_90d', 3
    UNION ALL SELECT 'active_target_90d', 4
)
