-- The source tables of the spec (owned by the warehouse team in production).
-- Created by the demo generator and the tests only; primary keys are NOT enforced, as in the
-- real warehouse, so that duplicated rows can exist and be reported.
CREATE TABLE IF NOT EXISTS dim_user (
    user_pin        VARCHAR,
    phone           VARCHAR,
    bt_activated_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS dim_store (
    shop_id       VARCHAR,
    store_name    VARCHAR,
    merchant_id   VARCHAR,
    merchant_name VARCHAR,
    channel       VARCHAR,
    address       VARCHAR,
    city          VARCHAR
);
CREATE TABLE IF NOT EXISTS fact_trial (
    trial_id      VARCHAR,
    user_pin      VARCHAR,
    shop_id       VARCHAR,
    trial_at      TIMESTAMP,
    amount        DECIMAL(12, 2),
    result        VARCHAR,
    reject_reason VARCHAR
);
CREATE TABLE IF NOT EXISTS fact_txn (
    txn_id     VARCHAR,
    trial_id   VARCHAR,
    user_pin   VARCHAR,
    shop_id    VARCHAR,
    created_at TIMESTAMP,
    amount     DECIMAL(12, 2),
    status     VARCHAR
);
CREATE TABLE IF NOT EXISTS fact_order (
    order_id     VARCHAR,
    txn_id       VARCHAR,
    user_pin     VARCHAR,
    shop_id      VARCHAR,
    paid_at      TIMESTAMP,
    amount       DECIMAL(12, 2),
    category     VARCHAR,
    gross_margin DECIMAL(12, 2)
);
CREATE TABLE IF NOT EXISTS fact_redpacket_event (
    event_id   VARCHAR,
    code_id    VARCHAR,
    shop_id    VARCHAR,
    user_pin   VARCHAR,
    event_type VARCHAR,
    event_at   TIMESTAMP,
    amount     DECIMAL(12, 2),
    order_id   VARCHAR
);
