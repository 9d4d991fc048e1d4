-- Output of redpacket_funnel_weekly (红包码看板): one row per shop and ISO week (Monday week_start)
-- in which the shop's red-packet code had any scan or claim. A run replaces its week's rows atomically.
CREATE TABLE IF NOT EXISTS redpacket_funnel_weekly (
    week_start     DATE NOT NULL,
    merchant_id    VARCHAR,
    merchant_name  VARCHAR,
    shop_id        VARCHAR NOT NULL,
    store_name     VARCHAR,
    city           VARCHAR,
    scan_users     INTEGER NOT NULL,
    claim_users    INTEGER NOT NULL,
    trial_users    INTEGER NOT NULL,
    pass_users     INTEGER NOT NULL,
    order_users    INTEGER NOT NULL,
    redeem_users   INTEGER NOT NULL,
    gmv            DECIMAL(14, 2) NOT NULL,
    redpacket_cost DECIMAL(14, 2) NOT NULL,
    claim_rate     DOUBLE PRECISION,
    trial_rate     DOUBLE PRECISION,
    pass_rate      DOUBLE PRECISION,
    order_rate     DOUBLE PRECISION,
    redeem_rate    DOUBLE PRECISION
);
{% if dialect == "postgres" %}
CREATE INDEX IF NOT EXISTS redpacket_funnel_weekly_week ON redpacket_funnel_weekly (week_start);
{% endif %}
