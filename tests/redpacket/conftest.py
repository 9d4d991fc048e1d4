"""Fixtures of the red-packet tests: a real headless Chromium, a real ``airflow api-server``.

- ``chromium``: the browser binary; without one the test is skipped with the reason (apt-get install
  chromium), except in CI (``CI=true``) where that is a failure.
- ``api_server``: ``airflow api-server`` on a free 127.0.0.1 port, on the session's AIRFLOW_HOME
  (migrated SQLite), the real plugins/ folder, SimpleAuthManager users ``admin`` and ``viewer`` with
  known passwords, and its own OUTFIELD_DATA_DIR. The DAGs are serialized first (``airflow dags
  reserialize``) so that the REST API knows them. Started once per session (~25 s), stopped at the end.
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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
VENV_BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def chromium() -> str:
    from outfield.dashboard.browser import find_chromium

    path = find_chromium()
    if not path:
        reason = "no Chromium/Chrome binary (apt-get install chromium, or set OUTFIELD_CHROMIUM)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: required in CI")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ApiServer:
    url: str
    data_dir: Path
    passwords: dict[str, str]
    log: Path

    def token(self, user: str = "admin") -> str:
        import httpx

        resp = httpx.post(f"{self.url}/auth/token", json={"username": user, "password": self.passwords[user]},
                          timeout=10)
        assert resp.status_code in (200, 201), resp.text
        return resp.json()["access_token"]

    def conn_json(self, user: str = "admin") -> str:
        """An ``airflow_api`` connection (AIRFLOW_CONN_AIRFLOW_API) for this server."""
        return json.dumps({"conn_type": "http", "host": self.url, "login": user, "password": self.passwords[user]})


@pytest.fixture(scope="session")
def api_server(airflow_db, tmp_path_factory) -> Iterator[ApiServer]:
    base = tmp_path_factory.mktemp("api-server")
    data = base / "data"
    data.mkdir()
    passwords = {"admin": secrets.token_urlsafe(12), "viewer": secrets.token_urlsafe(12)}
    pw_file = base / "passwords.json"
    pw_file.write_text(json.dumps(passwords), encoding="utf-8")
    env = os.environ.copy()
    env.update({
        "OUTFIELD_DATA_DIR": str(data),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin,viewer:viewer",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(pw_file),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(48),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "plugins"), str(ROOT)]),
    })
    env.pop("AIRFLOW__API__BASE_URL", None)
    subprocess.run([str(VENV_BIN / "airflow"), "dags", "reserialize"], env=env, check=True, timeout=300,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    port = free_port()
    log = base / "api-server.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen([str(VENV_BIN / "airflow"), "api-server", "-H", "127.0.0.1", "-p", str(port)],
                                env=env, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        import httpx

        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"airflow api-server exited {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
            try:
                if httpx.get(f"{url}/api/v2/version", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"airflow api-server not up after 90 s:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)
        yield ApiServer(url=url, data_dir=data, passwords=passwords, log=log)
    finally:
        # the server and the workers it started form their own process group (start_new_session)
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
