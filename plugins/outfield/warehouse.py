"""The `warehouse` connection: run ``include/sql`` files with bound parameters, on DuckDB or PostgreSQL.

SQL files are Jinja templates rendered with *validated* values only (identifiers checked against
``IDENTIFIER`` and the ``dialect`` name); every value from a run or a user reaches the database as a
bound parameter written ``:name`` in the file. This module turns ``:name`` into the driver's own
placeholder (``$name`` for DuckDB, ``%(name)s`` for psycopg), skipping string literals, comments and
``::`` casts, so one file runs on both engines.

Use it as a context manager; one connection is held for the block::

    with Warehouse.from_connection() as wh:
        rows = wh.query("churn/source_rows_for_day.sql", d_start=..., d_end=...)
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jinja2

from outfield.config import SQL_DIR, WAREHOUSE_CONN_ID

log = logging.getLogger(__name__)

IDENTIFIER = re.compile(r"\A[A-Za-z_][A-Za-z0-9_]{0,62}\Z")

_jinja = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(SQL_DIR)),
    undefined=jinja2.StrictUndefined,
    autoescape=False,
    keep_trailing_newline=True,
)


class WarehouseError(RuntimeError):
    """A warehouse problem worth a clear message (bad connection, bad identifier, ...)."""


def validate_identifier(name: str) -> str:
    if not isinstance(name, str) or not IDENTIFIER.match(name):
        raise WarehouseError(f"not a safe SQL identifier: {name!r}")
    return name


def _convert_placeholders(sql: str, style: str) -> tuple[str, list[str]]:
    """Rewrite ``:name`` bind markers to the driver style; return the SQL and the names used.

    ``style`` is ``"duckdb"`` (``$name``) or ``"psycopg"`` (``%(name)s``, with literal ``%`` doubled).
    String literals, quoted identifiers, comments and ``::`` casts are left alone.
    """
    out: list[str] = []
    names: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in ("'", '"'):
            j = i + 1
            while j < n:
                if sql[j] == ch:
                    if j + 1 < n and sql[j + 1] == ch:  # escaped quote
                        j += 2
                        continue
                    break
                j += 1
            chunk = sql[i : j + 1]
            out.append(chunk.replace("%", "%%") if style == "psycopg" else chunk)
            i = j + 1
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j == -1 else j
            out.append(sql[i:j].replace("%", "%%") if style == "psycopg" else sql[i:j])
            i = j
        elif sql.startswith("/*", i):
            j = sql.find("*/", i)
            j = n if j == -1 else j + 2
            out.append(sql[i:j].replace("%", "%%") if style == "psycopg" else sql[i:j])
            i = j
        elif sql.startswith("::", i):
            out.append("::")
            i += 2
        elif ch == ":" and i + 1 < n and (sql[i + 1].isalpha() or sql[i + 1] == "_"):
            m = re.match(r"[A-Za-z_][A-Za-z0-9_]*", sql[i + 1 :])
            name = m.group(0)
            names.append(name)
            out.append(f"${name}" if style == "duckdb" else f"%({name})s")
            i += 1 + len(name)
        elif ch == "%" and style == "psycopg":
            out.append("%%")
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out), names


def split_statements(sql: str) -> list[str]:
    """Split a script on ``;`` that end a line (DDL scripts only; no ``;`` inside literals)."""
    parts = re.split(r";\s*(?:\n|$)", sql)
    return [p.strip() for p in parts if p.strip() and not _only_comments(p)]


def _only_comments(sql: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in sql.splitlines())


#: PostgreSQL session settings applied when a warehouse connection opens. The pipelines' statements are
#: batch joins over whole days or weeks built from CTEs; PostgreSQL has no statistics for a CTE's rows,
#: estimates a filtered CTE at a handful of rows and then picks nested loops that rescan a fact table per
#: row. Measured on the demo data (20 000 users, 60 days; ``python -m benchmarks.postgres``): the churn
#: build over 60 s (cancelled) with nested loops, 0.10 s without; the funnel 1.7 s -> 0.3 s. Override per
#: connection with the extra ``{"session_settings": {"enable_nestloop": "on"}}``.
PG_SESSION_SETTINGS: dict[str, str] = {"enable_nestloop": "off"}


class Warehouse:
    """A connection to the warehouse, DuckDB (embedded) or PostgreSQL (production)."""

    def __init__(self, dialect: str, *, path: str | None = None, pg_kwargs: Mapping[str, Any] | None = None,
                 schema: str | None = None, duckdb_config: Mapping[str, Any] | None = None,
                 read_only: bool = False, pg_settings: Mapping[str, str] | None = None):
        if dialect not in ("duckdb", "postgres"):
            raise WarehouseError(f"unsupported warehouse dialect {dialect!r} (duckdb or postgres)")
        self.dialect = dialect
        self.path = path
        self.pg_kwargs = dict(pg_kwargs or {})
        self.schema = validate_identifier(schema) if schema else None
        self.duckdb_config = dict(duckdb_config or {})
        self.read_only = read_only
        self.pg_settings = {**PG_SESSION_SETTINGS, **{str(k): str(v) for k, v in (pg_settings or {}).items()}}
        self._conn: Any = None
        self._in_tx = False

    # ----------------------------------------------------------------- construction
    @classmethod
    def duckdb(cls, path: str | Path, **kw: Any) -> Warehouse:
        return cls("duckdb", path=str(path), **kw)

    @classmethod
    def postgres(cls, schema: str | None = None, **pg_kwargs: Any) -> Warehouse:
        return cls("postgres", pg_kwargs=pg_kwargs, schema=schema)

    @classmethod
    def from_connection(cls, conn_id: str = WAREHOUSE_CONN_ID, **kw: Any) -> Warehouse:
        """Build from the Airflow connection (``duckdb``: host = file path; ``postgres``)."""
        from airflow.sdk import Connection

        conn = Connection.get(conn_id)
        extra = conn.extra_dejson if conn.extra else {}
        if conn.conn_type == "duckdb":
            path = extra.get("database") or conn.host
            if not path or path == ":memory:":
                raise WarehouseError(
                    f"connection {conn_id!r} names no DuckDB file: set host to an absolute path "
                    '(JSON form {"conn_type":"duckdb","host":"/abs/path.duckdb"})'
                )
            config = {k: extra[k] for k in ("memory_limit", "threads", "temp_directory") if k in extra}
            return cls.duckdb(path, duckdb_config=config, **kw)
        if conn.conn_type in ("postgres", "postgresql"):
            pg = {
                "host": conn.host or "127.0.0.1",
                "port": conn.port or 5432,
                "dbname": conn.schema or extra.get("dbname") or "postgres",
                "user": conn.login or None,
                "password": conn.password or None,
            }
            settings = extra.get("session_settings") or {}
            if not isinstance(settings, dict):
                raise WarehouseError(f"connection {conn_id!r}: extra session_settings must be a JSON object")
            return cls("postgres", pg_kwargs={k: v for k, v in pg.items() if v is not None},
                       schema=extra.get("search_path"), pg_settings=settings, **kw)
        raise WarehouseError(f"connection {conn_id!r} has conn_type {conn.conn_type!r}; use duckdb or postgres")

    # ----------------------------------------------------------------- connection
    def __enter__(self) -> Warehouse:
        self.connection()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connection(self) -> Any:
        if self._conn is None:
            if self.dialect == "duckdb":
                import duckdb

                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                self._conn = duckdb.connect(self.path, read_only=self.read_only, config=self.duckdb_config)
            else:
                import psycopg

                self._conn = psycopg.connect(autocommit=True, **self.pg_kwargs)
                if self.schema:
                    self._conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
                    self._conn.execute(f'SET search_path TO "{self.schema}"')
                for name, value in self.pg_settings.items():
                    self._run(self.render("common/pg_session_setting.sql"), {"name": name, "value": value})
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # ----------------------------------------------------------------- SQL files
    def render(self, sql_file: str, **template_vars: Any) -> str:
        """Render ``include/sql/<sql_file>`` with validated template values and the dialect."""
        for key, value in template_vars.items():
            if isinstance(value, str):
                validate_identifier(value)
            elif isinstance(value, (list, tuple)):
                for item in value:
                    validate_identifier(item)
            elif not isinstance(value, (int, bool)) and value is not None:
                raise WarehouseError(f"template value {key}={value!r} must be identifier(s), int or bool")
        return _jinja.get_template(sql_file).render(dialect=self.dialect, **template_vars)

    def _prepare(self, sql: str, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        style = "duckdb" if self.dialect == "duckdb" else "psycopg"
        converted, names = _convert_placeholders(sql, style)
        missing = sorted(set(names) - set(params))
        if missing:
            raise WarehouseError(f"SQL needs bound parameters {missing}")
        return converted, {k: params[k] for k in set(names)}

    def _run(self, sql: str, params: Mapping[str, Any]) -> Any:
        converted, bound = self._prepare(sql, params)
        conn = self.connection()
        if self.dialect == "duckdb":
            return conn.execute(converted, bound) if bound else conn.execute(converted)
        cur = conn.cursor()
        cur.execute(converted, bound or None)
        return cur

    def execute(self, sql_file: str, params: Mapping[str, Any] | None = None, **template_vars: Any) -> int:
        """Run one statement from a file; return the affected row count where the driver knows it."""
        cur = self._run(self.render(sql_file, **template_vars), params or {})
        if self.dialect == "duckdb":
            try:
                row = cur.fetchone()
                return int(row[0]) if row and isinstance(row[0], int) else -1
            except Exception:  # noqa: BLE001 - statements without a result
                return -1
        return cur.rowcount

    def execute_script(self, sql_file: str, **template_vars: Any) -> None:
        """Run every statement of a DDL script (no bound parameters)."""
        for statement in split_statements(self.render(sql_file, **template_vars)):
            self._run(statement, {})

    def query(self, sql_file: str, params: Mapping[str, Any] | None = None, **template_vars: Any) -> list[dict]:
        """Run a SELECT file; return the rows as dicts."""
        return self.query_sql(self.render(sql_file, **template_vars), params or {})

    def query_sql(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict]:
        cur = self._run(sql, params or {})
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

    def query_df(self, sql_file: str, params: Mapping[str, Any] | None = None, **template_vars: Any):
        import pandas as pd

        rows = self.query(sql_file, params, **template_vars)
        return pd.DataFrame(rows)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Warehouse]:
        """All statements in the block commit together or not at all."""
        conn = self.connection()
        if self._in_tx:
            yield self
            return
        self._in_tx = True
        try:
            if self.dialect == "duckdb":
                conn.begin()
                try:
                    yield self
                except BaseException:
                    conn.rollback()
                    raise
                conn.commit()
            else:
                with conn.transaction():
                    yield self
        finally:
            self._in_tx = False

    def replace_rows(self, table: str, key: Mapping[str, Any], insert_file: str,
                     params: Mapping[str, Any] | None = None, **template_vars: Any) -> int:
        """Atomically replace the rows of ``table`` matching ``key`` by what ``insert_file`` inserts.

        ``key`` maps column names (validated identifiers) to values (bound). Returns the number of
        rows the table holds for the key afterwards.
        """
        cols = list(key)
        bound = {f"key_{c}": v for c, v in key.items()}
        with self.transaction():
            self.execute("common/delete_rows.sql", bound, table=table, key_columns=cols)
            self.execute(insert_file, dict(params or {}), **template_vars)
            rows = self.query("common/count_rows.sql", bound, table=table, key_columns=cols)
        return int(rows[0]["n"])

    def ensure_tables(self) -> None:
        """Create the output tables that do not exist yet (every ``include/sql/schema/outputs_*.sql``)."""
        for path in sorted((SQL_DIR / "schema").glob("outputs_*.sql")):
            self.execute_script(f"schema/{path.name}")

    def create_source_tables(self) -> None:
        """Create the (empty) source tables of the spec: for the demo generator and tests only."""
        self.execute_script("schema/sources.sql")

    # ----------------------------------------------------------------- bulk load (demo, tests)
    def load_dataframe(self, table: str, df: Any, *, mode: str = "replace") -> None:
        """Write a pandas DataFrame to ``table`` (``replace``: drop and recreate; ``append``).

        DuckDB scans the frame in place; PostgreSQL gets it through ``COPY``. Meant for the demo
        generator and tests, not for pipeline outputs (those go through SQL files).
        """
        validate_identifier(table)
        conn = self.connection()
        if self.dialect == "duckdb":
            conn.register("_outfield_load", df)
            try:
                if mode == "replace":
                    conn.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _outfield_load")
                else:
                    conn.execute(f"INSERT INTO {table} SELECT * FROM _outfield_load")
            finally:
                conn.unregister("_outfield_load")
            return
        raise WarehouseError("load_dataframe on PostgreSQL: use load_rows with a schema file")

    def copy_rows(self, table: str, columns: list[str], rows: Any) -> None:
        """Append rows (an iterable of tuples) to an existing table: COPY on PostgreSQL."""
        validate_identifier(table)
        cols = ", ".join(validate_identifier(c) for c in columns)
        conn = self.connection()
        if self.dialect == "duckdb":
            placeholders = ", ".join("?" for _ in columns)
            conn.executemany(f"INSERT INTO {table} ({cols}) VALUES ({placeholders})", list(rows))
            return
        with conn.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
