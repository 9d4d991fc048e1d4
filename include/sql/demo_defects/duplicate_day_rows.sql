-- Repeat the rows of day D whose key is in demo_defect_keys (a duplicated primary key). With bump,
-- the copy's bump column is increased by 1, so that the repeated key has conflicting rows.
-- table, key, ts_column, columns and bump are validated identifiers.
INSERT INTO {{ table }} ({{ columns | join(", ") }})
SELECT {% for c in columns %}{% if c == bump %}{{ c }} + 1{% else %}{{ c }}{% endif %}{% if not loop.last %}, {% endif %}{% endfor %}
FROM {{ table }}
WHERE {{ ts_column }} >= :d_start AND {{ ts_column }} < :d_end
  AND {{ key }} IN (SELECT k FROM demo_defect_keys)
