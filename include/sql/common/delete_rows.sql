-- Delete one partition (e.g. one business_date) of an output table before it is rewritten.
-- table and key_columns are validated identifiers; the key values are bound parameters.
DELETE FROM {{ table }}
WHERE {% for c in key_columns %}{{ c }} = :key_{{ c }}{% if not loop.last %} AND {% endif %}{% endfor %}
