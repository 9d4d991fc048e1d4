"""The DAGs dags/campaign_crowds.py makes: one per campaign file; a broken file never breaks the others.

A temp DAG folder holds a copy of dags/campaign_crowds.py; ``OUTFIELD_CAMPAIGNS_DIR`` points it at a
temp campaign folder with one good file and broken ones next to it.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.crowd.test_campaign_files import good

ROOT = Path(__file__).resolve().parents[2]
DAG_FILE = ROOT / "dags" / "campaign_crowds.py"
BUILD_TASKS = ["check_window", "build_crowd", "export_csv", "alert_changes", "send_digest"]


def dagbag(folder: Path):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(folder))


@pytest.fixture()
def folders(tmp_path, monkeypatch):
    dags, camps = tmp_path / "dags", tmp_path / "campaigns"
    dags.mkdir()
    camps.mkdir()
    shutil.copy(DAG_FILE, dags / DAG_FILE.name)
    monkeypatch.setenv("OUTFIELD_CAMPAIGNS_DIR", str(camps))
    return dags, camps


def test_good_file_loads_next_to_broken_ones(folders, caplog):
    dags, camps = folders
    (camps / "c_good.yaml").write_text(good("c_good"), encoding="utf-8")
    (camps / "c_typo.yaml").write_text(good("c_typo").replace("lookback_days", "lookback_dayz"), encoding="utf-8")
    (camps / "c_syntax.yaml").write_text(good("c_syntax").replace("[手机, 电脑]", "[手机, 电脑"), encoding="utf-8")
    with caplog.at_level("ERROR", logger="outfield.campaigns"):
        bag = dagbag(dags)

    assert bag.import_errors == {}
    assert set(bag.dag_ids) == {"campaign_crowd_c_good", "campaign_crowd_c_typo", "campaign_crowd_c_syntax"}

    good_dag = bag.dags["campaign_crowd_c_good"]
    assert sorted(t.task_id for t in good_dag.tasks) == sorted(BUILD_TASKS)
    assert "invalid-config" not in good_dag.tags

    for dag_id, file_name, field in (("campaign_crowd_c_typo", "c_typo.yaml", "lookback_dayz"),
                                     ("campaign_crowd_c_syntax", "c_syntax.yaml", "target_categories")):
        bad = bag.dags[dag_id]
        assert "invalid-config" in bad.tags
        # the UI: the doc and the description name the file and the field
        assert file_name in bad.doc_md and f"field `{field}`" in bad.doc_md
        assert file_name in bad.description and field in bad.description
        # the run: its one task fails, without retrying, with the same message
        (task,) = bad.tasks
        from airflow.sdk.exceptions import AirflowFailException

        with pytest.raises(AirflowFailException, match=f"{file_name}.*field '{field}'"):
            task.python_callable()
        # the logs: one line at parse time
        assert file_name in caplog.text and f"field '{field}'" in caplog.text


def test_no_campaign_files_no_dags(folders):
    dags, _ = folders
    bag = dagbag(dags)
    assert bag.import_errors == {} and bag.dag_ids == []


def test_parsing_imports_nothing_heavy(folders):
    dags, camps = folders
    (camps / "c_good.yaml").write_text(good("c_good"), encoding="utf-8")
    code = (
        "import sys; from airflow.dag_processing.dagbag import DagBag; "
        f"b = DagBag(dag_folder={str(dags)!r}); "
        "assert not b.import_errors, b.import_errors; assert b.dag_ids == ['campaign_crowd_c_good'], b.dag_ids; "
        "print('HEAVY=' + ','.join(m for m in ('pandas', 'duckdb', 'psycopg') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy(),
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    heavy = [line for line in out.stdout.splitlines() if line.startswith("HEAVY=")]
    assert heavy == ["HEAVY="], f"heavy modules imported: {heavy or out.stdout[-2000:]}"


@pytest.fixture(scope="module")
def real_bag():
    from airflow.dag_processing.dagbag import DagBag

    saved = os.environ.pop("OUTFIELD_CAMPAIGNS_DIR", None)  # the real include/campaigns
    try:
        yield DagBag(dag_folder=str(ROOT / "dags"))
    finally:
        if saved is not None:
            os.environ["OUTFIELD_CAMPAIGNS_DIR"] = saved


def test_example_campaign_dag(real_bag):
    import pendulum

    from outfield.config import WAREHOUSE_POOL

    assert not any("campaign_crowds" in f for f in real_bag.import_errors)
    dag = real_bag.dags["campaign_crowd_c618_dandan_fan"]
    assert dag.timetable.expression == "0 6 * * *" and str(dag.timetable.timezone) == "Asia/Shanghai"
    # before the campaign: a manual run dated before the window must still get its tasks
    assert dag.start_date == pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai")
    assert dag.catchup is False and dag.max_active_runs == 1
    assert dag.params["as_of_date"] is None
    for word in ("背景和目的", "Owner", "Consumers", "Inputs", "Outputs", "change_pct", "618 单单返红包"):
        assert word in dag.doc_md
    for task_id in ("build_crowd", "export_csv"):
        assert dag.get_task(task_id).pool == WAREHOUSE_POOL
    assert dag.get_task("build_crowd").upstream_task_ids == {"check_window"}
    assert dag.get_task("send_digest").upstream_task_ids == {"build_crowd", "export_csv"}


@pytest.mark.parametrize("bad", ["2026-13-45", "2026-06-10'; DROP TABLE crowd_membership; --", "today", 20260610])
def test_trigger_form_refuses_bad_as_of_date(real_bag, bad):
    param = copy.deepcopy(real_bag.dags["campaign_crowd_c618_dandan_fan"].params.get_param("as_of_date"))
    with pytest.raises(Exception, match="(?i)valid|match|date|type"):
        param.resolve(bad)
    assert param.resolve("2026-06-10") == "2026-06-10"
