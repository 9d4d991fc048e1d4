-- Users who passed a trial on D at an offline store of :merchant_id and then bought there (a success
-- order on D at a store of that merchant): the converted pairs a churn spike turns into churn.
WITH stores AS (
    SELECT shop_id, MIN(merchant_id) AS merchant_id, MIN(channel) AS channel
    FROM dim_store
    WHERE shop_id IS NOT NULL
    GROUP BY shop_id
)
SELECT DISTINCT o.user_pin AS k
FROM fact_order o
JOIN stores s ON s.shop_id = o.shop_id
WHERE s.merchant_id = :merchant_id
  AND o.paid_at >= :d_start AND o.paid_at < :d_end
  AND o.user_pin IS NOT NULL
  AND EXISTS (
      SELECT 1
      FROM fact_trial t
      JOIN stores ts ON ts.shop_id = t.shop_id
      WHERE t.user_pin = o.user_pin AND ts.merchant_id = :merchant_id AND ts.channel = 'offline'
        AND t.result = 'pass' AND t.trial_at >= :d_start AND t.trial_at < :d_end
  )
ORDER BY k
