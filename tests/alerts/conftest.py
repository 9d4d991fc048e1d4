"""Fixtures of the alert tests: a fresh data folder and config, a fake Slack, a Slack that is down.

The Slack connection is given the way Airflow reads it from the environment,
``AIRFLOW_CONN_SLACK_API_DEFAULT`` as JSON; ``airflow.sdk.Connection.get`` resolves it outside a
running task through the task SDK's environment-variable secrets backend.
"""

from __future__ import annotations

import json
from pathlib import Path

# Importing the task SDK configures Airflow's logging (it replaces the root handlers). Do it once
# here, before any test, so that pytest's caplog handler installed per test is not thrown away.
import airflow.sdk  # noqa: F401
import pytest
import yaml

from tests.alerts.fake_slack import TEST_TOKEN, FakeSlack, unused_port

CONN_ENV = "AIRFLOW_CONN_SLACK_API_DEFAULT"

#: The test configuration: the real channel routing, a short suppression window, one retry.
TEST_CONFIG = {
    "alerts": {
        "channels": {
            "default": "#outfield-alerts",
            "churn_callback_daily": "#outfield-churn",
            "data_calibration_daily": "#outfield-dq",
            "redpacket_funnel_weekly": "#outfield-redpacket",
            "campaign_crowd": "#outfield-campaigns",
            "nowhere_daily": "#no-such-channel",
        },
        "suppression_hours": 1,
        "max_retries": 1,
    }
}
KNOWN_CHANNELS = ["#outfield-alerts", "#outfield-churn", "#outfield-dq", "#outfield-redpacket", "#outfield-campaigns"]


def slack_conn_json(base_url: str, token: str = TEST_TOKEN) -> str:
    return json.dumps({"conn_type": "slack", "password": token, "extra": {"base_url": base_url}})


@pytest.fixture()
def alerts_config(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "outfield-test.yaml"
    path.write_text(yaml.safe_dump(TEST_CONFIG), encoding="utf-8")
    monkeypatch.setenv("OUTFIELD_CONFIG", str(path))
    return path


@pytest.fixture(autouse=True)
def alerts_env(data_dir, alerts_config, monkeypatch) -> Path:
    """Every alert test: fresh OUTFIELD_DATA_DIR and config, and no Slack connection unless asked."""
    monkeypatch.delenv(CONN_ENV, raising=False)
    monkeypatch.delenv("AIRFLOW__API__BASE_URL", raising=False)
    return data_dir


@pytest.fixture()
def fake_slack(monkeypatch):
    """A running fake Slack, and the ``slack_api_default`` connection pointing at it."""
    with FakeSlack(channels=KNOWN_CHANNELS) as fake:
        monkeypatch.setenv(CONN_ENV, slack_conn_json(fake.base_url))
        yield fake


@pytest.fixture()
def slack_down(monkeypatch) -> int:
    """The connection points at a local port with nothing listening (connection refused)."""
    port = unused_port()
    monkeypatch.setenv(CONN_ENV, slack_conn_json(f"http://127.0.0.1:{port}/api/"))
    return port


def read_outbox(data_dir: Path) -> list[dict]:
    path = data_dir / "alerts" / "outbox.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


ROOT_PLUGINS = Path(__file__).resolve().parents[2] / "plugins"


def alert_records(caplog) -> list:
    """The records of the ``outfield.alerts`` logger."""
    return [r for r in caplog.records if r.name == "outfield.alerts"]
