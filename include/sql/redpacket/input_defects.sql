-- Dirty red-packet events of week W that the funnel counts once or cannot use (reported in the digest,
-- never dropped silently): repeated event_id rows, events without a shop, claims and redeems without
-- a user, events at a shop that dim_store does not know. Bound: :w_start, :w_end.
WITH week_events AS (
    SELECT e.event_id, e.shop_id, e.user_pin, e.event_type
    FROM fact_redpacket_event e
    WHERE e.event_at >= :w_start AND e.event_at < :w_end
)
SELECT 'duplicate_event_rows' AS metric, COUNT(event_id) - COUNT(DISTINCT event_id) AS value
FROM week_events
UNION ALL
SELECT 'events_without_shop' AS metric, COUNT(*) AS value
FROM week_events WHERE shop_id IS NULL
UNION ALL
SELECT 'claims_or_redeems_without_user' AS metric, COUNT(*) AS value
FROM week_events WHERE user_pin IS NULL AND event_type IN ('claim', 'redeem')
UNION ALL
SELECT 'events_at_unknown_shop' AS metric, COUNT(*) AS value
FROM week_events w
WHERE w.shop_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM dim_store s WHERE s.shop_id = w.shop_id)
