-- PostgreSQL only: the planner statistics of the named tables of the current schema (what the
-- pipelines' joins are planned from). A table never analyzed, or changed a lot since its last
-- ANALYZE (a bulk load before autovacuum got to it), gets plans that can be 25x slower (nested
-- loops over whole days of trials). tables: a list of validated identifiers.
SELECT relname                                   AS table_name,
       n_live_tup                                AS live_rows,
       n_mod_since_analyze                       AS changed_rows,
       GREATEST(last_analyze, last_autoanalyze)  AS analyzed_at
FROM pg_stat_user_tables
WHERE schemaname = current_schema()
  AND relname IN ({% for t in tables %}'{{ t }}'{% if not loop.last %}, {% endif %}{% endfor %})
ORDER BY relname
