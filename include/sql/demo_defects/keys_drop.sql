-- Drop the scratch key list of outfield.demo.defects.
DROP TABLE IF EXISTS demo_defect_keys
