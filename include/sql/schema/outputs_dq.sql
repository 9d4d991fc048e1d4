-- Data-quality findings of every pipeline (数据校准 and the churn list's own checks).
-- A run replaces the rows of its own check names for its business_date.
CREATE TABLE IF NOT EXISTS dq_check_results (
    check_name    VARCHAR NOT NULL,
    business_date DATE NOT NULL,
    subject       VARCHAR,
    metric        VARCHAR,
    value         DOUBLE PRECISION,
    threshold     VARCHAR,
    status        VARCHAR NOT NULL,
    detail        VARCHAR,
    checked_at    TIMESTAMP
);
-- Calibrated store city, rebuilt whole by data_calibration_daily. Created here too so that the
-- churn list can join it before the first calibration run.
CREATE TABLE IF NOT EXISTS dim_store_calibrated (
    shop_id       VARCHAR NOT NULL,
    city          VARCHAR,
    city_source   VARCHAR NOT NULL,
    business_date DATE NOT NULL
);
