-- Spoil one column of the rows of day D whose key is in demo_defect_keys: value 'negate' makes a
-- positive amount negative, 'null' empties the column, 'bound' sets it to :new_value.
-- table, key, ts_column, column and value are validated identifiers.
UPDATE {{ table }}
SET {{ column }} = {% if value == "negate" %}-ABS({{ column }}){% elif value == "null" %}NULL{% else %}:new_value{% endif %}
WHERE {{ ts_column }} >= :d_start AND {{ ts_column }} < :d_end
  AND {{ key }} IN (SELECT k FROM demo_defect_keys)
