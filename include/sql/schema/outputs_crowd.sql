-- Outputs of the campaign crowd builds (campaign_crowd_<campaign_id>, 活动人群产出).
-- One build = (campaign_id, as_of_date); a re-run replaces that build's rows atomically.
CREATE TABLE IF NOT EXISTS crowd_membership (
    campaign_id   VARCHAR NOT NULL,
    as_of_date    DATE NOT NULL,
    user_pin      VARCHAR NOT NULL,
    segment       VARCHAR NOT NULL,
    reward_amount DECIMAL(12, 2) NOT NULL
);
CREATE TABLE IF NOT EXISTS crowd_summary (
    campaign_id VARCHAR NOT NULL,
    as_of_date  DATE NOT NULL,
    segment     VARCHAR NOT NULL,
    users       INTEGER NOT NULL,
    prev_users  INTEGER,
    change_pct  DOUBLE PRECISION
);
{% if dialect == "postgres" %}
-- A build deletes and counts its rows by (campaign_id, as_of_date): index that on PostgreSQL, where
-- the membership table grows by one crowd per campaign and day (DuckDB's zone maps suffice).
CREATE INDEX IF NOT EXISTS crowd_membership_build ON crowd_membership (campaign_id, as_of_date);
CREATE INDEX IF NOT EXISTS crowd_summary_build ON crowd_summary (campaign_id, as_of_date);
{% endif %}
