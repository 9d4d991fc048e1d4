-- clean(): a success transaction for every order whose txn_id points at no fact_txn row (rows lost
-- from fact_txn), stamped at the order's paid_at with its user, shop and amount.
INSERT INTO fact_txn (txn_id, trial_id, user_pin, shop_id, created_at, amount, status)
SELECT o.txn_id, CAST(NULL AS VARCHAR), MIN(o.user_pin), MIN(o.shop_id), MIN(o.paid_at), MIN(o.amount), 'success'
FROM fact_order o
WHERE o.txn_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM fact_txn t WHERE t.txn_id = o.txn_id)
GROUP BY o.txn_id
