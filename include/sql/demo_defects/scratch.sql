-- clean(): the steps around demo_defect_scratch (part = empty | fill | drop).
{% if part == "empty" %}
DELETE FROM {{ table }}
{% elif part == "fill" %}
INSERT INTO {{ table }} ({{ columns | join(", ") }})
SELECT {{ columns | join(", ") }} FROM demo_defect_scratch
{% else %}
DROP TABLE IF EXISTS demo_defect_scratch
{% endif %}
