-- Included CTE: success orders (fact_order rows) paid in [:w_start, :d_end), an order_id repeated
-- counts once (its earliest row); rows without an order_id cannot repeat a key and are all kept.
-- Only the repeated order_ids are ranked; the others pass as they are.
window_rows AS NOT MATERIALIZED (
    SELECT o.order_id, o.shop_id, o.paid_at, o.amount, o.gross_margin, o.user_pin
    FROM fact_order o
    WHERE o.paid_at >= :w_start AND o.paid_at < :d_end
),
window_repeated AS (
    -- a repeated id sits next to its copies once the ids are sorted: the window's ids arrive nearly in
    -- order (orders are stored by paid_at), so sorting them costs about half of hashing every one
    SELECT DISTINCT order_id
    FROM (
        SELECT order_id, LAG(order_id) OVER (ORDER BY order_id) AS prev_order_id
        FROM window_rows
        WHERE order_id IS NOT NULL
    ) x
    WHERE order_id = prev_order_id
),
window_orders AS (
    SELECT r.order_id, r.shop_id, r.amount, r.gross_margin
    FROM window_rows r
    WHERE r.order_id IS NULL OR NOT EXISTS (SELECT 1 FROM window_repeated d WHERE d.order_id = r.order_id)
    UNION ALL
    SELECT order_id, shop_id, amount, gross_margin
    FROM (
        SELECT r.order_id, r.shop_id, r.amount, r.gross_margin,
               ROW_NUMBER() OVER (PARTITION BY r.order_id
                                  ORDER BY r.paid_at, r.shop_id, r.amount, r.gross_margin, r.user_pin) AS rn
        FROM window_rows r
        WHERE EXISTS (SELECT 1 FROM window_repeated d WHERE d.order_id = r.order_id)
    ) x
    WHERE rn = 1
)
