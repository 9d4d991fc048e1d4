-- Offline shops of day D ranked by ordering users (busiest first), with their order amount of D;
-- with by_merchant only the shops of :merchant_id. A duplicated dim_store shop counts once.
WITH stores AS (
    SELECT shop_id, MIN(merchant_id) AS merchant_id, MIN(channel) AS channel
    FROM dim_store
    WHERE shop_id IS NOT NULL
    GROUP BY shop_id
)
SELECT o.shop_id,
       s.merchant_id,
       COUNT(DISTINCT o.user_pin) AS order_users,
       SUM(o.amount)              AS amount
FROM fact_order o
JOIN stores s ON s.shop_id = o.shop_id
WHERE o.paid_at >= :d_start AND o.paid_at < :d_end
  AND s.channel = 'offline'
{% if by_merchant %}  AND s.merchant_id = :merchant_id
{% endif %}GROUP BY o.shop_id, s.merchant_id
ORDER BY COUNT(DISTINCT o.user_pin) DESC, o.shop_id
