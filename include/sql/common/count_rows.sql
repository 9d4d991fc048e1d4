-- Rows an output table holds for one partition (after it was rewritten).
SELECT COUNT(*) AS n
FROM {{ table }}
WHERE {% for c in key_columns %}{{ c }} = :key_{{ c }}{% if not loop.last %} AND {% endif %}{% endfor %}
