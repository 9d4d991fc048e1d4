-- clean(): rows of a source table whose key or a required column is null.
DELETE FROM {{ table }}
WHERE {% for c in columns %}{{ c }} IS NULL{% if not loop.last %} OR {% endif %}{% endfor %}
