-- Delete rows of day D ([:d_start, :d_end) on ts_column) of a source fact table; with key_column,
-- only the rows whose key_column is in the scratch key list demo_defect_keys.
DELETE FROM {{ table }}
WHERE {{ ts_column }} >= :d_start AND {{ ts_column }} < :d_end
{% if key_column %}  AND {{ key_column }} IN (SELECT k FROM demo_defect_keys)
{% endif %}
