"""Run the docker-compose topology natively: the real Airflow processes of every compose service.

api-server, scheduler, dag-processor, triggerer and a Celery worker, with PostgreSQL (metadata
database and a separate warehouse database) and Redis (broker) on this machine, each process started
with its own session so that it and its children are stopped by PID at the end.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
AIRFLOW = str(Path(sys.executable).parent / "airflow")
PG_HOST = os.environ.get("OUTFIELD_TEST_PG_HOST", "127.0.0.1")
PG_USER = os.environ.get("OUTFIELD_TEST_PG_USER", "postgres")
REDIS_URL = os.environ.get("OUTFIELD_TEST_REDIS_URL", "redis://127.0.0.1:6379")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def _admin_sql(sql: str) -> None:
    import psycopg

    with psycopg.connect(host=PG_HOST, user=PG_USER, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


class Topology:
    """Start with ``start()``; always ``stop()`` (it also drops the databases it created)."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        tag = uuid.uuid4().hex[:8]
        self.meta_db = f"outfield_meta_{tag}"
        self.wh_db = f"outfield_wh_{tag}"
        self.port = free_port()
        self.password = secrets.token_urlsafe(12)
        self.procs: dict[str, subprocess.Popen] = {}
        self.home = workdir / "airflow"
        self.data = workdir / "data"
        self.redis_db = 5 + int(tag, 16) % 10
        self.env = self._env()

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "OUTFIELD"))}
        meta = f"postgresql+psycopg2://{PG_USER}@{PG_HOST}:5432/{self.meta_db}"
        env.update({
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Shanghai",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": meta,
            "AIRFLOW__CELERY__BROKER_URL": f"{REDIS_URL}/{self.redis_db}",
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql://{PG_USER}@{PG_HOST}:5432/{self.meta_db}",
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.port}/execution/",
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{self.port}",
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.home / "passwords.json"),
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__PARSING_PROCESSES": "1",
            "AIRFLOW_CONN_WAREHOUSE": json.dumps({"conn_type": "postgres", "host": PG_HOST, "port": 5432,
                                                  "schema": self.wh_db, "login": PG_USER}),
            "OUTFIELD_DATA_DIR": str(self.data),
            "OUTFIELD_DEADLINE_ALERTS": "on",
            "PYTHONPATH": f"{ROOT / 'plugins'}:{ROOT}",
        })
        return env

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        import yaml

        self.home.mkdir(parents=True)
        self.data.mkdir(parents=True)
        # The real configuration, with a short source wait: unpausing a DAG also creates its latest
        # scheduled run (business date = yesterday, which the seeded warehouse has no data for).
        config = yaml.safe_load((ROOT / "include" / "config" / "outfield.yaml").read_text(encoding="utf-8"))
        config["churn"].update(source_wait_timeout_seconds=20, source_poke_interval_seconds=5)
        (self.workdir / "outfield.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        self.env["OUTFIELD_CONFIG"] = str(self.workdir / "outfield.yaml")
        (self.home / "passwords.json").write_text(json.dumps({"admin": self.password}))
        _admin_sql(f'CREATE DATABASE "{self.meta_db}"')
        _admin_sql(f'CREATE DATABASE "{self.wh_db}"')
        self.run(["db", "migrate"], timeout=600)
        # no "pools set": the deployment contract is the two folders and the connections; the
        # scheduler creates the warehouse pool itself (outfield.pools), test_production_topology checks it
        commands = {
            "api-server": ["api-server", "--host", "127.0.0.1", "--port", str(self.port)],
            "scheduler": ["scheduler"],
            "dag-processor": ["dag-processor"],
            "triggerer": ["triggerer"],
            "celery-worker": ["celery", "worker", "--concurrency", "2"],
        }
        for name, args in commands.items():
            log = open(self.workdir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
            self.procs[name] = subprocess.Popen([AIRFLOW, *args], env=self.env, stdout=log,
                                                stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_until(lambda: self._get("/api/v2/version", auth=False) is not None, 180, "api-server up")

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.time() + 30
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=10)
        for db in (self.meta_db, self.wh_db):
            try:
                _admin_sql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            except Exception:  # noqa: BLE001 - cleanup must not hide the test's own failure
                pass

    def alive(self) -> dict[str, bool]:
        return {name: p.poll() is None for name, p in self.procs.items()}

    def logs(self, name: str, tail: int = 4000) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace")[-tail:] if path.exists() else ""

    def run(self, args: list[str], timeout: int = 300) -> subprocess.CompletedProcess:
        result = subprocess.run([AIRFLOW, *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"airflow {' '.join(args)} failed: {result.stderr[-3000:]}")
        return result

    # ------------------------------------------------------------------ REST API
    _token: str | None = None

    def token(self) -> str:
        if self._token is None:
            body = json.dumps({"username": "admin", "password": self.password}).encode()
            req = urllib.request.Request(f"http://127.0.0.1:{self.port}/auth/token", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=10) as resp:
                self._token = json.load(resp)["access_token"]
        return self._token

    def _request(self, method: str, path: str, payload: Any = None, auth: bool = True) -> Any:
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.token()}"
        data = None if payload is None else json.dumps(payload).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                     headers=headers)
        with urllib.request.urlopen(req, timeout=15) as resp:
            return json.load(resp)

    def _get(self, path: str, auth: bool = True) -> Any:
        try:
            return self._request("GET", path, auth=auth)
        except (urllib.error.URLError, ConnectionError, OSError):
            return None

    def api(self, method: str, path: str, payload: Any = None) -> Any:
        return self._request(method, path, payload)

    def wait_until(self, predicate, timeout: float, what: str, interval: float = 2.0) -> None:
        end = time.time() + timeout
        while time.time() < end:
            if predicate():
                return
            dead = [n for n, ok in self.alive().items() if not ok]
            if dead:
                raise RuntimeError(f"while waiting for {what}: {dead} exited\n{self.logs(dead[0])}")
            time.sleep(interval)
        raise TimeoutError(f"timed out after {timeout}s waiting for {what}")

    def trigger(self, dag_id: str, conf: dict) -> str:
        """Unpause the DAG and trigger a run with ``conf`` through the REST API; return its run id."""
        self.wait_until(lambda: self._get(f"/api/v2/dags/{dag_id}") is not None, 180, f"{dag_id} parsed")
        self.api("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})
        run = self.api("POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": None, "conf": conf})
        return run["dag_run_id"]

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 420) -> dict:
        state: dict[str, Any] = {}

        def finished() -> bool:
            got = self._get(f"/api/v2/dags/{dag_id}/dagRuns/{urllib.request.quote(run_id, safe='')}")
            if got:
                state.update(got)
            return state.get("state") in ("success", "failed")

        self.wait_until(finished, timeout, f"{dag_id} run {run_id}", interval=3)
        if state["state"] != "success":
            tis = self.api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{urllib.request.quote(run_id, safe='')}"
                                  "/taskInstances")
            state["task_states"] = {t["task_id"]: t["state"] for t in tis["task_instances"]}
        return state
