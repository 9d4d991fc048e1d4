-- PostgreSQL only: set one planner setting for the warehouse session (name and value bound).
-- Run when the connection opens (outfield.warehouse.PG_SESSION_SETTINGS, overridable per connection).
SELECT set_config(:name, :value, false) AS value
