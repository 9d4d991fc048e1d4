-- PostgreSQL only: gather the planner statistics of one table (a sample; seconds even for a large
-- table). table is a validated identifier.
ANALYZE {{ table }}
