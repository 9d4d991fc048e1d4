-- Rows beyond the first of each repeated primary key (and rows without a key) of a source table.
SELECT COUNT(*) - COUNT(DISTINCT {{ key }}) AS n
FROM {{ table }}
