-- dim_store_calibrated is rebuilt whole at each run: empty it (inside the rebuild's transaction).
DELETE FROM dim_store_calibrated
