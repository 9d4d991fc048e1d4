"""The ``warehouse`` pool, created by Airflow itself: no ``airflow pools set`` step for anyone to forget.

Every task that opens the warehouse runs in this pool, and the scheduler never schedules a task whose
pool does not exist ("Tasks using non-existent pool ... will not be scheduled"). The deployment
contract promises that Airflow needs nothing beyond the two folders and the connections, so the pool
is created when an Airflow server component starts (the ``on_starting`` listener of
``plugins/outfield_listeners.py``: scheduler, dag-processor, triggerer), if it is missing:

- DuckDB warehouse (the embedded default): 1 slot. DuckDB allows one writing process per file.
- PostgreSQL warehouse: 8 slots (several writers are fine; each task opens its own session).
- ``OUTFIELD_WAREHOUSE_POOL_SLOTS`` overrides the number.

An existing pool is never changed: a size set by an operator (``airflow pools set``, the UI) stays.
"""

from __future__ import annotations

import logging
import os

from outfield.config import WAREHOUSE_CONN_ID, WAREHOUSE_POOL

log = logging.getLogger(__name__)

SLOTS_BY_CONN_TYPE = {"duckdb": 1, "postgres": 8, "postgresql": 8}
DESCRIPTIONS = {
    1: "outfield warehouse tasks: DuckDB allows one writing process, so one slot",
    8: "outfield warehouse tasks: PostgreSQL takes several writers",
}


def warehouse_conn_type() -> str | None:
    """conn_type of the ``warehouse`` connection as a server component sees it, or None if unknown."""
    try:
        from airflow.models.connection import Connection

        return Connection.get_connection_from_secrets(WAREHOUSE_CONN_ID).conn_type
    except Exception as exc:  # noqa: BLE001 - an unreadable connection must not stop a component starting
        log.warning("outfield: could not read connection %r (%s); sizing the pool for DuckDB",
                    WAREHOUSE_CONN_ID, exc)
        return None


def wanted_slots(conn_type: str | None) -> int:
    override = os.environ.get("OUTFIELD_WAREHOUSE_POOL_SLOTS")
    if override:
        slots = int(override)
        if slots < 1:
            raise ValueError(f"OUTFIELD_WAREHOUSE_POOL_SLOTS must be at least 1, got {override!r}")
        return slots
    return SLOTS_BY_CONN_TYPE.get((conn_type or "duckdb").lower(), 1)


def ensure_warehouse_pool() -> str:
    """Create the warehouse pool if it does not exist. Returns what was done, for the log."""
    from airflow.models.pool import Pool
    from airflow.utils.session import create_session
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    with create_session() as session:
        existing = session.scalar(select(Pool).where(Pool.pool == WAREHOUSE_POOL))
        if existing is not None:
            return f"pool {WAREHOUSE_POOL!r} exists with {existing.slots} slots; left as it is"
    conn_type = warehouse_conn_type()
    slots = wanted_slots(conn_type)
    description = DESCRIPTIONS.get(slots, f"outfield warehouse tasks ({conn_type or 'duckdb'} warehouse)")
    try:
        with create_session() as session:
            session.add(Pool(pool=WAREHOUSE_POOL, slots=slots, description=description, include_deferred=False))
    except IntegrityError:  # another component created it at the same moment
        return f"pool {WAREHOUSE_POOL!r} was created by another component"
    return f"pool {WAREHOUSE_POOL!r} created with {slots} slot(s) ({conn_type or 'duckdb'} warehouse)"
