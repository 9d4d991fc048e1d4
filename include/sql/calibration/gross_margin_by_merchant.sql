-- Per merchant of dim_store: the gross margin (场景毛利) and the amount of its success orders paid in
-- [:w_start, :d_end) (the 7 days ending D), a repeated order_id counted once; a null gross_margin
-- counts 0 (and is reported by the not_null check). Merchants without orders have 0.
WITH
{% include "common/_stores.sql" %},
{% include "calibration/_window_orders.sql" %},
merchants AS (
    SELECT merchant_id, MIN(merchant_name) AS merchant_name
    FROM stores
    WHERE merchant_id IS NOT NULL
    GROUP BY merchant_id
),
per_merchant AS (
    SELECT s.merchant_id, COUNT(*) AS orders, SUM(o.gross_margin) AS gross_margin, SUM(o.amount) AS amount
    FROM window_orders o
    JOIN stores s ON s.shop_id = o.shop_id
    GROUP BY s.merchant_id
)
SELECT m.merchant_id, m.merchant_name,
       COALESCE(p.orders, 0)       AS orders,
       COALESCE(p.gross_margin, 0) AS gross_margin,
       COALESCE(p.amount, 0)       AS amount
FROM merchants m
LEFT JOIN per_merchant p ON p.merchant_id = m.merchant_id
ORDER BY m.merchant_id
