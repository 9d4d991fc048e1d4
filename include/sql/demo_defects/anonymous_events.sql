-- Red-packet events of day D without a user (anonymous scans), by event_id.
SELECT event_id AS k
FROM fact_redpacket_event
WHERE event_at >= :d_start AND event_at < :d_end AND user_pin IS NULL AND event_id IS NOT NULL
ORDER BY event_id
