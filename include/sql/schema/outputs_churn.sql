-- Outputs of churn_callback_daily (意愿流失专项). One business_date per run, replaced atomically.
CREATE TABLE IF NOT EXISTS churn_callback_list (
    business_date    DATE NOT NULL,
    user_pin         VARCHAR NOT NULL,
    phone_masked     VARCHAR,
    merchant_id      VARCHAR NOT NULL,
    merchant_name    VARCHAR,
    shop_id          VARCHAR NOT NULL,
    store_name       VARCHAR,
    city             VARCHAR,
    first_trial_at   TIMESTAMP NOT NULL,
    trial_count      INTEGER NOT NULL,
    max_trial_amount DECIMAL(12, 2)
);
CREATE TABLE IF NOT EXISTS churn_daily_stats (
    business_date DATE NOT NULL,
    merchant_id   VARCHAR NOT NULL,
    merchant_name VARCHAR,
    pass_users    INTEGER NOT NULL,
    churned_users INTEGER NOT NULL,
    churn_rate    DOUBLE PRECISION
);
