{#- Shared CTEs of the churn list (included by the churn_* files, not run on its own).
    Bound parameters: :hist_start (first day's 00:00) and :d_end (D+1 00:00), with day_pairs also
    :d_start (D 00:00); with past_pairs only :hist_start and :d_start.
    Template flags (none: every day of [hist_start, d_end), for the anomaly history):
      same_weekday  keep only the days with D's weekday (for the anomaly history);
      day_pairs     (churn/day_pairs.sql) only D's pairs: d_pass_trials, d_pair_stats, d_churned. D's
                    trials are D's rows and the earlier copies in the window of their trial_ids: a
                    trial_id with a copy earlier in the window belongs to that earlier day (one trial).
      past_pairs    (the callback list) the pairs of the days before D for the users who churned on D
                    (d_churned_users, defined by the including file): past_churned, the same rows as
                    over the whole window for those users, without the work for everybody else.

    stores         dim_store, one row per shop_id (a duplicated shop counts once)
    trials         fact_trial of the window, one row per trial_id (a duplicated trial counts once: its
                   earliest copy by trial_at, user_pin, shop_id, result, amount); only the repeated
                   ids are ranked, the others pass as they are
    pass_trials    passing trials at offline stores of known shops, with a user
    pair_stats     per (day, user_pin, merchant_id): the first passing trial's trial_at, the number of
                   passing trials, the largest amount
    pairs          pair_stats with the shop of the first passing trial (earliest trial_at, ties ->
                   smallest trial_id)
    churned        pair_stats with no success order by the user at any store of the merchant in
                   [first passing trial, next 00:00)  = 意愿流失 willingness churn (the shop is not
                   needed to decide it: the callback list looks it up for its own rows only) -#}
{%- macro chain(p, rows, day_cond, orders_cond) -%}
{{ p }}repeated AS (
    SELECT trial_id FROM {{ rows }} GROUP BY trial_id HAVING COUNT(*) > 1
),
{{ p }}trials AS (
    SELECT r.trial_id, r.user_pin, r.shop_id, r.trial_at, r.amount, r.result
    FROM {{ rows }} r
    WHERE NOT EXISTS (SELECT 1 FROM {{ p }}repeated d WHERE d.trial_id = r.trial_id)
    UNION ALL
    SELECT trial_id, user_pin, shop_id, trial_at, amount, result
    FROM (
        SELECT r.*,
               ROW_NUMBER() OVER (PARTITION BY r.trial_id
                                  ORDER BY r.trial_at, r.user_pin, r.shop_id, r.result, r.amount) AS rn
        FROM {{ rows }} r
        WHERE EXISTS (SELECT 1 FROM {{ p }}repeated d WHERE d.trial_id = r.trial_id)
    ) x
    WHERE rn = 1
),
{{ p }}pass_trials AS (
    SELECT t.trial_id, t.user_pin, t.shop_id, t.trial_at, t.amount, s.merchant_id,
           CAST(t.trial_at AS DATE) AS trial_day
    FROM {{ p }}trials t
    JOIN stores s ON s.shop_id = t.shop_id
    WHERE t.result = 'pass' AND s.channel = 'offline' AND t.user_pin IS NOT NULL{{ day_cond }}
),
{{ p }}pair_stats AS (
    SELECT trial_day, user_pin, merchant_id, MIN(trial_at) AS first_trial_at, COUNT(*) AS n_trials,
           MAX(amount) AS max_amount
    FROM {{ p }}pass_trials
    GROUP BY trial_day, user_pin, merchant_id
),
{{ p }}firsts AS (
    SELECT p.trial_day, p.user_pin, p.merchant_id, MIN(p.trial_id) AS trial_id
    FROM {{ p }}pass_trials p
    JOIN {{ p }}pair_stats s ON s.trial_day = p.trial_day AND s.user_pin = p.user_pin
                           AND s.merchant_id = p.merchant_id AND s.first_trial_at = p.trial_at
    GROUP BY p.trial_day, p.user_pin, p.merchant_id
),
{{ p }}pairs AS (
    SELECT s.trial_day, s.user_pin, s.merchant_id, t.shop_id, s.first_trial_at, s.n_trials, s.max_amount
    FROM {{ p }}pair_stats s
    JOIN {{ p }}firsts f ON f.trial_day = s.trial_day AND f.user_pin = s.user_pin AND f.merchant_id = s.merchant_id
    JOIN {{ p }}pass_trials t ON t.trial_id = f.trial_id
),
{{ p }}orders AS (
    SELECT o.user_pin, s.merchant_id, o.paid_at
    FROM fact_order o
    JOIN stores s ON s.shop_id = o.shop_id
    WHERE {{ orders_cond }} AND o.user_pin IS NOT NULL
),
{{ p }}churned AS (
    SELECT p.*
    FROM {{ p }}pair_stats p
    WHERE NOT EXISTS (
        SELECT 1
        FROM {{ p }}orders o
        WHERE o.user_pin = p.user_pin
          AND o.merchant_id = p.merchant_id
          AND o.paid_at >= p.first_trial_at
          AND CAST(o.paid_at AS DATE) = p.trial_day
    )
)
{%- endmacro -%}
{% include "common/_stores.sql" %},
{% if day_pairs | default(false) -%}
{#- D's trials and the earlier copies in the window of their trial_ids (an earlier copy would win): only
    D's rows are read whole, the days before only for those ids. -#}
day_rows AS MATERIALIZED (
    SELECT t.trial_id, t.user_pin, t.shop_id, t.trial_at, t.amount, t.result
    FROM fact_trial t
    WHERE t.trial_at >= :d_start AND t.trial_at < :d_end AND t.trial_id IS NOT NULL
    UNION ALL
    SELECT t.trial_id, t.user_pin, t.shop_id, t.trial_at, t.amount, t.result
    FROM fact_trial t
    WHERE t.trial_at >= :hist_start AND t.trial_at < :d_start
      AND t.trial_id IN (SELECT x.trial_id FROM fact_trial x WHERE x.trial_at >= :d_start AND x.trial_at < :d_end)
),
{{ chain("d_", "day_rows", " AND t.trial_at >= :d_start", "o.paid_at >= :d_start AND o.paid_at < :d_end") }}
{%- elif past_pairs | default(false) -%}
{#- The days before D, for the users who churned on D: every copy (before D) of a trial_id one of them
    has before D. A copy on D of such an id is later than the copy before D, so it never wins. -#}
past_rows AS MATERIALIZED (
    SELECT t.trial_id, t.user_pin, t.shop_id, t.trial_at, t.amount, t.result
    FROM fact_trial t
    WHERE t.trial_at >= :hist_start AND t.trial_at < :d_start
      AND t.trial_id IN (SELECT x.trial_id FROM fact_trial x
                         WHERE x.trial_at >= :hist_start AND x.trial_at < :d_start
                           AND x.user_pin IN (SELECT user_pin FROM d_churned_users))
),
{{ chain("past_", "past_rows", "",
         "o.paid_at >= :hist_start AND o.paid_at < :d_start AND o.user_pin IN (SELECT user_pin FROM d_churned_users)") }}
{%- else -%}
trial_rows AS NOT MATERIALIZED (
    SELECT t.trial_id, t.user_pin, t.shop_id, t.trial_at, t.amount, t.result
    FROM fact_trial t
    WHERE t.trial_at >= :hist_start AND t.trial_at < :d_end
      AND t.trial_id IS NOT NULL
      {% if same_weekday | default(false) %}AND EXTRACT(DOW FROM t.trial_at) = EXTRACT(DOW FROM CAST(:business_date AS DATE)){% endif %}
),
{{ chain("", "trial_rows", "", "o.paid_at >= :hist_start AND o.paid_at < :d_end") }}
{%- endif %}
