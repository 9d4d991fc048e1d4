-- Included CTE: success orders (fact_order rows) paid in [:w_start, :d_end), an order_id repeated
-- counts once (its earliest row); rows without an order_id cannot repeat a key and are all kept.
window_orders AS (
    SELECT order_id, shop_id, amount, gross_margin
    FROM (
        SELECT o.order_id, o.shop_id, o.amount, o.gross_margin,
               ROW_NUMBER() OVER (PARTITION BY o.order_id
                                  ORDER BY o.paid_at, o.shop_id, o.amount, o.gross_margin, o.user_pin) AS rn
        FROM fact_order o
        WHERE o.paid_at >= :w_start AND o.paid_at < :d_end
    ) x
    WHERE rn = 1 OR order_id IS NULL
)
