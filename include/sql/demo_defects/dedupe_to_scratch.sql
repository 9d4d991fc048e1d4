-- clean(): one row per primary key of a source table (its smallest row by every column), rows
-- without a key dropped, into the scratch table demo_defect_scratch.
CREATE TABLE demo_defect_scratch AS
SELECT {{ columns | join(", ") }}
FROM (
    SELECT {{ columns | join(", ") }},
           ROW_NUMBER() OVER (PARTITION BY {{ key }} ORDER BY {{ columns | join(", ") }}) AS rn
    FROM {{ table }}
    WHERE {{ key }} IS NOT NULL
) x
WHERE rn = 1
