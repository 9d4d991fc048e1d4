"""Test-session setup shared by every suite.

Airflow reads its configuration when it is first imported, so the environment is set here, before
any test module imports airflow: a temporary AIRFLOW_HOME (SQLite metadata), the real dags/ and
plugins/ folders, and a temporary OUTFIELD_DATA_DIR so that no test writes into the checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="outfield-tests-"))

os.environ["AIRFLOW_HOME"] = str(_SESSION_DIR / "airflow")
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(ROOT / "plugins")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__PARALLELISM"] = "4"
os.environ["AIRFLOW__CORE__EXECUTOR"] = "LocalExecutor"
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_SESSION_DIR / 'airflow' / 'airflow.db'}"
os.environ["OUTFIELD_DATA_DIR"] = str(_SESSION_DIR / "data")
os.environ.pop("AIRFLOW_CONN_SLACK_API_DEFAULT", None)
os.environ.setdefault("AIRFLOW_CONN_WAREHOUSE", '{"conn_type": "duckdb", "host": "%s"}'
                      % (_SESSION_DIR / "data" / "session-warehouse.duckdb"))
(_SESSION_DIR / "airflow").mkdir(parents=True, exist_ok=True)
sys.path.insert(0, str(ROOT / "plugins"))

# Importing the task SDK configures Airflow's logging (it replaces the root handlers): do it once,
# here, so that pytest's per-test log capture (caplog) is not thrown away by a later first import.
import airflow.sdk  # noqa: E402,F401

VENV_BIN = Path(sys.executable).parent
PG_DSN = os.environ.get("OUTFIELD_TEST_PG_DSN", "host=127.0.0.1 port=5432 dbname=test user=postgres")


@pytest.fixture(scope="session")
def session_dir() -> Path:
    return _SESSION_DIR


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """Migrate the session's SQLite metadata database once (``airflow db migrate``)."""
    subprocess.run([str(VENV_BIN / "airflow"), "db", "migrate"], check=True, env=os.environ.copy(),
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
    return _SESSION_DIR / "airflow"


@pytest.fixture()
def data_dir(tmp_path, monkeypatch) -> Path:
    """A fresh OUTFIELD_DATA_DIR for one test."""
    d = tmp_path / "data"
    d.mkdir()
    monkeypatch.setenv("OUTFIELD_DATA_DIR", str(d))
    return d


def pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_DSN, connect_timeout=3):
            return True
    except Exception:
        return False


def require_postgres() -> None:
    """Skip the test when the PostgreSQL test server is not reachable; in CI (CI=true) fail instead."""
    if not pg_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL not reachable at {PG_DSN} (required in CI)")
        pytest.skip(f"PostgreSQL not reachable at {PG_DSN}")


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)


@pytest.fixture(params=["duckdb", "postgres"])
def wh(request, tmp_path):
    """An empty warehouse with the source and output tables, on DuckDB and on PostgreSQL.

    PostgreSQL gets a fresh schema per test on the real server; when the server is not reachable the
    PostgreSQL half is skipped with the reason, except in CI (CI=true) where that is a failure.
    """
    from outfield.warehouse import Warehouse

    if request.param == "duckdb":
        w = Warehouse.duckdb(tmp_path / "wh.duckdb")
    else:
        require_postgres()
        import uuid

        schema = f"t_{uuid.uuid4().hex[:12]}"
        w = Warehouse("postgres", pg_kwargs={"conninfo": PG_DSN}, schema=schema)
    with w:
        w.create_source_tables()
        w.ensure_tables()
        yield w
        if request.param == "postgres":
            w.connection().execute(f'DROP SCHEMA "{w.schema}" CASCADE')
