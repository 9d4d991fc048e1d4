-- One build's crowd for the campaign tool: user_pin, segment, reward_amount, by segment then user.
-- Bound: :campaign_id, :as_of_date.
WITH
{% include "crowd/_segments.sql" %}
SELECT m.user_pin, m.segment, m.reward_amount
FROM crowd_membership m
JOIN segments g ON g.segment = m.segment
WHERE m.campaign_id = :campaign_id AND m.as_of_date = CAST(:as_of_date AS DATE)
ORDER BY g.seq, m.user_pin
