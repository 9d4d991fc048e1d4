-- Undo the purchases of D at :merchant_id's stores of the users in demo_defect_keys: their redeem
-- events go, their success transactions become 'cancelled', their orders go. One statement per
-- step (part); the caller runs the parts in order inside one transaction.
{% if part == "redeems" %}
DELETE FROM fact_redpacket_event
WHERE event_type = 'redeem'
  AND order_id IN (
      SELECT o.order_id
      FROM fact_order o
      WHERE o.paid_at >= :d_start AND o.paid_at < :d_end
        AND o.user_pin IN (SELECT k FROM demo_defect_keys)
        AND o.shop_id IN (SELECT shop_id FROM dim_store WHERE merchant_id = :merchant_id)
  )
{% elif part == "txns" %}
UPDATE fact_txn
SET status = 'cancelled'
WHERE status = 'success'
  AND created_at >= :d_start AND created_at < :d_end
  AND user_pin IN (SELECT k FROM demo_defect_keys)
  AND shop_id IN (SELECT shop_id FROM dim_store WHERE merchant_id = :merchant_id)
{% else %}
DELETE FROM fact_order
WHERE paid_at >= :d_start AND paid_at < :d_end
  AND user_pin IN (SELECT k FROM demo_defect_keys)
  AND shop_id IN (SELECT shop_id FROM dim_store WHERE merchant_id = :merchant_id)
{% endif %}
