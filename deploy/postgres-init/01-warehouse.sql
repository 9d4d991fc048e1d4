-- The warehouse database, next to the Airflow metadata database, in the compose PostgreSQL.
CREATE DATABASE warehouse;
