"""Every defect the pipelines must catch, injected into an otherwise clean warehouse, is alerted with the
right check and subject in the run that sees it; 30 clean days raise no alert at all.

The warehouse is the generated demo (see conftest) cleaned of its built-in defects
(``outfield.demo.defects.clean``); each test injects one defect on D with
``outfield.demo.defects.inject`` and runs the daily pipelines for D as their DAGs do
(``tests/reliability/pipelines.py``: the step functions, and the DAGs' own alert task code). Checked:
the ``dq_check_results`` rows of D, and the alerts in the outbox (no Slack connection).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from outfield import alerts, churn
from outfield.demo import defects
from outfield.warehouse import Warehouse
from tests.reliability import pipelines as P
from tests.reliability.conftest import WINDOW, D, copy_of, pinned_config

#: Options of each injection (the defaults otherwise) and the findings each one brings besides its
#: own ``caught_by`` (check, subject, metric): consequences that are right to report too.
CASES: dict[str, dict] = {
    # a day without rows is also far outside the volume band (one more line in the same message)
    "late_table": {"opts": {"table": "fact_order"}, "also": {("source_volume", "fact_order", "rows_of_day")}},
    "txn_loss": {"opts": {"shops": 3}, "also": set()},
    "duplicate_keys": {"opts": {"table": "fact_trial", "rows": 5},
                       "also": {("churn_input", "fact_trial", "duplicate_trial_rows")}},
    "missing_city": {"opts": {"merchant": "M_LENOVO"}, "also": set()},
    "volume_drop": {"opts": {"fraction": 0.6}, "also": set()},
    "churn_spike": {"opts": {"merchant": "M_LENOVO", "fraction": 0.5}, "also": set()},
    "crowd_jump": {"opts": {}, "also": set()},
    "negative_amount": {"opts": {}, "also": set()},
    # the funnel check sees the unknown shop as a shop-day with orders but no transaction: right to report
    "unknown_shop": {"opts": {}, "also": {("funnel_monotonic", f"SX{D:%y%m%d}", "stage_excess_users")}},
    # a trial without user: not_null, and the churn list leaves it out and counts it (churn_input)
    "null_user_pin": {"opts": {}, "also": set()},
}
CALIBRATION_CHECKS = {"store_city", "funnel_monotonic", "source_freshness", "source_volume", "primary_key",
                      "not_null", "gross_margin_floor", "source_values"}


def outbox(data_dir: Path) -> list[dict]:
    path = data_dir / "alerts" / "outbox.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def bad_rows(wh: Warehouse, day: dt.date | None = None) -> list[dict]:
    sql = "SELECT * FROM dq_check_results WHERE status <> 'pass'"
    if day is None:
        return wh.query_sql(sql + " ORDER BY business_date, check_name, subject, metric")
    return wh.query_sql(sql + " AND business_date = CAST(:d AS DATE) ORDER BY check_name, subject, metric", {"d": day})


class _TI:
    """What the failure callback reads from a task instance."""

    def __init__(self, dag_id: str, task_id: str):
        self.dag_id, self.task_id, self.try_number, self.max_tries, self.log_url = dag_id, task_id, 1, 0, None


def run_churn_dag_for(wh: Warehouse, day: dt.date) -> dict:
    """The churn DAG as Airflow runs it: the source wait first; when it fails, its failure alert and
    nothing downstream (the list never goes out on partial data)."""
    dag = P.dag("churn_callback_daily.py", "churn_callback_daily")
    sensor = dag.task_dict["wait_for_source_rows"]
    P._use_connection(wh)
    ctx = P._context(dag.dag_id, day, {"business_date": day.isoformat(), "cooldown_days": 7})
    try:
        sensor.execute(ctx)
    except Exception as exc:  # AirflowSensorTimeout naming the late table
        alerts.failure_callback({**ctx, "ti": _TI(dag.dag_id, sensor.task_id), "exception": exc})
        return {"failed": str(exc)}
    return P.run_churn(wh, day)


def run_day(wh: Warehouse, day: dt.date) -> None:
    """Every daily pipeline for D: calibration (07:00), churn list (08:00), the crowd as of D+1."""
    P.run_calibration(wh, day)
    run_churn_dag_for(wh, day)
    P.run_crowd(wh, day + dt.timedelta(days=1))


# ---------------------------------------------------------------------------------------------- clean


@pytest.fixture(scope="module")
def clean_month(clean_base, tmp_path_factory):
    """The clean warehouse run day after day over the 30-day window (as the schedules would)."""
    import yaml

    folder = tmp_path_factory.mktemp("clean-month")
    data = folder / "data"
    config = folder / "outfield.yaml"
    config.write_text(yaml.safe_dump(pinned_config(), allow_unicode=True), encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OUTFIELD_DATA_DIR", str(data))
        mp.setenv("OUTFIELD_CONFIG", str(config))
        mp.delenv("AIRFLOW_CONN_SLACK_API_DEFAULT", raising=False)
        path = copy_of(clean_base[0], folder)
        mp.setenv("AIRFLOW_CONN_WAREHOUSE", json.dumps({"conn_type": "duckdb", "host": str(path)}))
        with Warehouse.duckdb(path) as wh:
            P.run_crowd(wh, WINDOW[0])  # the crowd's build before the window: its first change is day 1
            for day in WINDOW:
                run_day(wh, day)
            rows = bad_rows(wh)
    return {"path": path, "data": data, "bad_rows": rows, "outbox": outbox(data)}


def _describe(rows: list[dict]) -> list[str]:
    return [f"{r['business_date']} {r['check_name']} {r['subject']} {r['metric']}={r['value']} {r['status']}: "
            f"{r['detail']}" for r in rows]


def test_clean_warehouse_has_no_built_in_defect_left(clean_base):
    cleaned = clean_base[1]["cleaned"]
    assert cleaned["duplicate_rows"] and cleaned["restored_txns"] > 0 and cleaned["store_cities"]
    with Warehouse.duckdb(clean_base[0], read_only=True) as wh:
        assert wh.query_sql("SELECT COUNT(*) AS n FROM dim_store WHERE city IS NULL OR TRIM(city) = ''")[0]["n"] == 0
        assert wh.query_sql("SELECT COUNT(*) - COUNT(DISTINCT trial_id) AS n FROM fact_trial")[0]["n"] == 0
        assert wh.query_sql("SELECT COUNT(*) AS n FROM fact_order o WHERE txn_id IS NOT NULL AND NOT EXISTS "
                            "(SELECT 1 FROM fact_txn t WHERE t.txn_id = o.txn_id)")[0]["n"] == 0


def test_clean_30_days_raise_no_alert(clean_month):
    """No warn/fail row (churn_rate included) and no alert but digests over 30 clean days."""
    rows = clean_month["bad_rows"]
    assert rows == [], "\n".join(_describe(rows))
    kinds = {m["kind"] for m in clean_month["outbox"]}
    assert "digest" in kinds
    others = [m for m in clean_month["outbox"] if m["kind"] != "digest"]
    assert others == [], [m["text"][:300] for m in others]
    digests = [m for m in clean_month["outbox"] if m["kind"] == "digest"]
    assert len(digests) == 2 * len(WINDOW) + 1  # churn + crowd per day, + the crowd's build before
    assert not [m for m in digests if "⚠" in m["text"]], "a digest reports a source defect on clean data"


def test_clean_30_days_churn_rate_was_checked_every_day(clean_month):
    """The quiet channel is not a silent check: every merchant got a churn_rate row on every clean day,
    with a learned band (history long enough) from the window's second week on."""
    with Warehouse.duckdb(clean_month["path"], read_only=True) as wh:
        rows = wh.query_sql("SELECT business_date, subject, status, threshold FROM dq_check_results "
                            "WHERE check_name = 'churn_rate' ORDER BY business_date, subject")
    days = {r["business_date"] for r in rows}
    assert days == set(WINDOW)
    merchants = {r["subject"] for r in rows}
    assert len(merchants) == 6 and len(rows) == 6 * len(WINDOW)
    assert {r["status"] for r in rows} == {"pass"}
    learned = [r for r in rows if r["business_date"] >= WINDOW[7] and r["threshold"].startswith("[")]
    assert len(learned) == 6 * (len(WINDOW) - 7)


# ---------------------------------------------------------------------------------------------- injected


@pytest.mark.parametrize("name", list(CASES))
def test_injected_defect_is_alerted_in_the_run_that_sees_it(name, clean_base, tmp_path, rel_env):
    case = CASES[name]
    path = copy_of(clean_base[0], tmp_path)
    with Warehouse.duckdb(path) as wh:
        P.run_crowd(wh, D)  # the crowd's previous build (as of D: data up to D-1)
        injected = defects.inject(wh, name, D, **case["opts"])
        run_day(wh, D)
        rows = bad_rows(wh, D)
    sent = outbox(rel_env)

    expected = {(e["check"], e["subject"], e["metric"]) for e in injected["caught_by"]
                if e["check"] in CALIBRATION_CHECKS | {churn.RATE_CHECK, churn.INPUT_CHECK}}
    found = {(r["check_name"], r["subject"], r["metric"]) for r in rows}
    assert found == expected | case["also"], "\n".join(_describe(rows))

    for e in injected["caught_by"]:
        check, subject, metric, status = e["check"], e["subject"], e["metric"], e["status"]
        if check in CALIBRATION_CHECKS:
            [row] = [r for r in rows if (r["check_name"], r["subject"], r["metric"]) == (check, subject, metric)]
            assert row["status"] == status
            if "value" in e:
                assert row["value"] == e["value"]
            [msg] = [m for m in sent if m["kind"] == "findings"]
            assert f"*{check}* {status.upper()} `{subject}` {metric}" in msg["text"]
            assert f"数据校准 data calibration {D}" in msg["text"]
        elif check == churn.RATE_CHECK:
            [row] = [r for r in rows if r["check_name"] == check and r["subject"] == subject]
            assert row["status"] == "warn" and row["value"] > 0.3
            [msg] = [m for m in sent if m["kind"] == "anomaly"]
            assert msg["text"].startswith(f":warning: churn_rate anomaly on {D} at {subject}: ")
            assert msg["channel"] == "#outfield-churn" and msg["dedupe_key"] == f"churn_rate:{subject}:{D}"
        elif check == "crowd_change":
            [msg] = [m for m in sent if m["kind"] == "anomaly"]
            as_of = D + dt.timedelta(days=1)
            assert msg["text"].startswith(":warning: crowd size anomaly in campaign c618_dandan_fan")
            assert f"as of {as_of}: segment {subject} " in msg["text"]
            assert msg["dedupe_key"] == f"crowd_change:c618_dandan_fan:{subject}:{as_of}"
        elif check == "churn_source_wait":
            [msg] = [m for m in sent if m["kind"] == "failure"]
            assert "`churn_callback_daily` › `wait_for_source_rows`" in msg["text"]
            assert f"source data late for {D}: {subject} has no rows for {D}" in msg["text"]
            assert not (rel_env / "exports" / "churn_callback_list" / f"{D}.csv").exists()
        elif check == churn.INPUT_CHECK:  # counted in dq_check_results and said in the list's digest
            [row] = [r for r in rows if (r["check_name"], r["subject"], r["metric"]) == (check, subject, metric)]
            assert row["status"] == status and row["value"] == e["value"]
            [digest] = [m for m in sent if m["kind"] == "digest" and m["text"].startswith("意愿流失专项")]
            assert "⚠" in digest["text"] and metric in digest["text"]
        else:  # pragma: no cover - a new caught_by kind needs its assertion here
            pytest.fail(f"no assertion for {check}")

    # nothing else was alerted: only the expected kinds (and the digests) reached the outbox
    kinds = sorted(m["kind"] for m in sent if m["kind"] != "digest")
    want = ["findings"] if any(c in CALIBRATION_CHECKS for c, _, _ in expected | case["also"]) else []
    want += ["anomaly"] * sum(e["check"] in (churn.RATE_CHECK, "crowd_change") for e in injected["caught_by"])
    want += ["failure"] * sum(e["check"] == "churn_source_wait" for e in injected["caught_by"])
    assert kinds == sorted(want), [m["text"][:200] for m in sent if m["kind"] != "digest"]


def test_late_table_that_arrives_lets_the_run_through(clean_base, tmp_path, rel_env):
    path = copy_of(clean_base[0], tmp_path)
    with Warehouse.duckdb(path) as wh:
        before = wh.query_sql("SELECT COUNT(*) AS n FROM fact_trial WHERE CAST(trial_at AS DATE) = CAST(:d AS DATE)",
                              {"d": D})[0]["n"]
        info = defects.inject(wh, "late_table", D, table="fact_trial")
        assert info["detail"]["rows_held"] == before > 0
        assert churn.late_tables(wh, D) == ["fact_trial"]
        assert defects.arrive(wh, "fact_trial", D) == before
        assert churn.late_tables(wh, D) == []
        outcome = run_churn_dag_for(wh, D)
        assert "failed" not in outcome and outcome["summary"]["list_rows"] > 0
        P.run_calibration(wh, D)
        assert bad_rows(wh, D) == []


def test_injection_is_deterministic_and_refuses_bad_input(clean_base, tmp_path):
    results = []
    for i in range(2):
        path = copy_of(clean_base[0], tmp_path, f"wh{i}.duckdb")
        with Warehouse.duckdb(path) as wh:
            results.append(defects.inject(wh, "txn_loss", D, shops=2))
    assert results[0] == results[1]
    with Warehouse.duckdb(tmp_path / "wh0.duckdb") as wh:
        with pytest.raises(defects.DefectError, match="unknown defect"):
            defects.inject(wh, "drop_everything", D)
        with pytest.raises(defects.DefectError, match="table must be one of"):
            defects.inject(wh, "late_table", D, table="dim_user; DROP TABLE fact_trial")
        with pytest.raises(defects.DefectError, match="fraction"):
            defects.inject(wh, "volume_drop", D, fraction=1.5)
        with pytest.raises(ValueError):
            defects.inject(wh, "txn_loss", "2026-13-45")
        assert wh.query_sql("SELECT COUNT(*) AS n FROM fact_trial")[0]["n"] > 0
    assert defects.parse_spec("churn_spike@2026-06-25") == ("churn_spike", D)
    for bad in ("churn_spike", "churn_spike@2026-6-25", "nope@2026-06-25", "txn_loss@2026-06-25; rm -rf /"):
        with pytest.raises(ValueError):
            defects.parse_spec(bad)


# ---------------------------------------------------------------------------------------------- portability, CLI


@pytest.mark.postgres
def test_clean_and_every_injection_do_the_same_on_postgres(tmp_path, rel_env):
    """The same generated world on DuckDB and PostgreSQL: clean() and each injection report the same."""
    import os
    import uuid

    from outfield.demo import generate
    from tests.conftest import PG_DSN, pg_available

    if not pg_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL not reachable at {PG_DSN} (required in CI)")
        pytest.skip(f"PostgreSQL not reachable at {PG_DSN}")
    schema = f"t_rel_{uuid.uuid4().hex[:10]}"
    outcomes = []
    for wh in (Warehouse.duckdb(tmp_path / "small.duckdb"),
               Warehouse("postgres", pg_kwargs={"conninfo": PG_DSN}, schema=schema)):
        with wh:
            try:
                generate(wh, users=1500, days=35, end=D + dt.timedelta(days=2), seed=11)
                done = [defects.clean(wh)]
                for name in defects.DEFECTS:
                    done.append(defects.inject(wh, name, D - dt.timedelta(days=defects.DEFECTS.index(name))))
                done.append(defects.arrive(wh, "fact_order", D))
                done.append(wh.query_sql("SELECT COUNT(*) AS n FROM dim_user")[0]["n"])
                outcomes.append(done)
            finally:
                if wh.dialect == "postgres":
                    wh.connection().execute(f'DROP SCHEMA "{schema}" CASCADE')
    assert outcomes[0] == outcomes[1]


def test_demo_cli_clean_and_inject(tmp_path, capsys):
    from outfield.demo.__main__ import main

    path = tmp_path / "cli.duckdb"
    argv = ["--users", "400", "--days", "21", "--end", "2026-06-30", "--seed", "3", "--duckdb", str(path), "--clean",
            "--inject", "duplicate_keys@2026-06-29", "--inject", "late_table@2026-06-30"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "cleaned (built-in defects removed): duplicate rows" in out
    assert "2026-06-29 duplicate_keys: 5 fact_trial rows of 2026-06-29 repeated exactly" in out
    assert "2026-06-30 late_table: fact_order has no rows for 2026-06-30 yet" in out
    with Warehouse.duckdb(path, read_only=True) as wh:
        assert churn.late_tables(wh, dt.date(2026, 6, 30)) == ["fact_order"]
        dup = wh.query_sql("SELECT COUNT(*) - COUNT(DISTINCT trial_id) AS n FROM fact_trial")[0]["n"]
        assert dup == 5  # the injected ones only: the built-in duplicates were removed first
    with pytest.raises(SystemExit):
        main(argv[:-2] + ["--inject", "late_table@2026-07-30"])  # outside the window
    assert "outside the window" in capsys.readouterr().err
