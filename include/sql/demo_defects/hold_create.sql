-- An empty table shaped like a source table, holding the rows of a "late" day until they arrive.
CREATE TABLE IF NOT EXISTS {{ hold }} AS SELECT * FROM {{ table }} WHERE 1 = 0
