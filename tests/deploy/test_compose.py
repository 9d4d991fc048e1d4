"""docker-compose.yaml, checked without Docker: the official Airflow 3 shape, healthchecks, no secrets.

The services themselves run natively in tests/e2e/test_production_topology.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_TEXT = (ROOT / "docker-compose.yaml").read_text(encoding="utf-8")
COMPOSE = yaml.safe_load(COMPOSE_TEXT)
SERVICES = COMPOSE["services"]
AIRFLOW_SERVICES = ["airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-worker",
                    "airflow-triggerer", "airflow-init"]


def test_every_service_of_the_official_file_is_there():
    assert {"postgres", "redis", *AIRFLOW_SERVICES} <= set(SERVICES)


def test_common_anchor_is_shared_by_every_airflow_service():
    assert re.search(r"^x-airflow-common:\s*\n\s*&airflow-common\b", COMPOSE_TEXT, re.M)
    assert "&airflow-common-env" in COMPOSE_TEXT
    for name in AIRFLOW_SERVICES:
        env = SERVICES[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://"), name
        assert "postgresql" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"], name
        assert '"conn_type": "postgres"' in env["AIRFLOW_CONN_WAREHOUSE"], name
        mounts = " ".join(SERVICES[name]["volumes"])
        for folder in ("./dags:", "./plugins:", "./include:"):
            assert folder in mounts, (name, folder)


@pytest.mark.parametrize("name", [s for s in SERVICES if s not in ("airflow-init", "airflow-cli")])
def test_long_running_services_have_healthchecks(name):
    check = SERVICES[name].get("healthcheck")
    assert check and check.get("test"), f"{name} has no healthcheck"
    assert "interval" in check and "retries" in check


def test_dependencies_wait_for_health_and_init():
    for name in ["airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-worker",
                 "airflow-triggerer"]:
        deps = SERVICES[name]["depends_on"]
        assert deps["postgres"]["condition"] == "service_healthy"
        assert deps["redis"]["condition"] == "service_healthy"
        assert deps["airflow-init"]["condition"] == "service_completed_successfully"


def test_init_migrates_and_creates_the_warehouse_database():
    command = " ".join(SERVICES["airflow-init"]["command"])
    assert "airflow db migrate" in command
    assert "pools set" not in command  # the scheduler creates the pool (tests/deploy/test_warehouse_pool.py)
    assert (ROOT / "deploy" / "postgres-init" / "01-warehouse.sql").read_text().strip().endswith(
        "CREATE DATABASE warehouse;")


def test_image_is_built_on_the_official_base_from_the_lock():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM apache/airflow:3\.3\.2-python3\.11$", dockerfile, re.M)
    assert "requirements.txt" in dockerfile
    assert "apache-airflow==3.3.2" in (ROOT / "requirements.txt").read_text()


def test_no_secret_literals():
    # passwords and tokens come from .env (${VAR}); .env itself is git-ignored, .env.example has none
    for line in COMPOSE_TEXT.splitlines():
        if re.search(r"(?i)(password|secret|token|fernet)\w*\s*:", line) and "_FILE:" not in line:
            value = line.split(":", 1)[1].strip()
            assert value == "" or "${" in value or value.startswith("#"), line
    assert not re.search(r"xox[abp]-\d", COMPOSE_TEXT)
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert not re.search(r"xox[abp]-\d", example)
    assert ".env" in (ROOT / ".gitignore").read_text().split()
