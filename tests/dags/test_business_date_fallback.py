"""SPEC "Time": the date of a run that has no logical date.

A run's business date D is the calendar day before the run's logical date — or, for a run that has
none (a manual trigger in Airflow 3), before the moment it was triggered — in Asia/Shanghai; the
``business_date`` param overrides it. A crowd's as-of date A is the run's own calendar day, by the
same rule (SPEC "campaign crowd builds"), and ``as_of_date`` overrides it.

The contexts are built the way Airflow 3's task runner builds them for such a run: no
``logical_date`` key at all, and ``dag_run`` the task SDK's own ``DagRun`` model with
``logical_date=None`` and ``run_after`` = the trigger moment (UTC). The moments are picked around
Shanghai midnight (UTC+8, no DST): 2026-06-10T16:00Z is 2026-06-11 00:00 in Shanghai, so between
16:00Z and 24:00Z the UTC day is one behind the Shanghai day.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pendulum
import pytest
from airflow.sdk.api.datamodels._generated import DagRun

from outfield import campaigns, crowds, dates


def dag_run(run_after: str, *, logical_date: str | None = None, start_date: str | None = None,
            run_type: str = "manual") -> DagRun:
    return DagRun(
        dag_id="churn_callback_daily", run_id=f"manual__{run_after}",
        logical_date=pendulum.parse(logical_date) if logical_date else None,
        data_interval_start=None, data_interval_end=None,
        run_after=pendulum.parse(run_after),
        start_date=pendulum.parse(start_date) if start_date else None, end_date=None,
        run_type=run_type, state="running", consumed_asset_events=[], partition_key=None,
    )


def context(run: DagRun, **params) -> dict:
    """A task context without a logical date: Airflow 3 leaves the key out when the run has none."""
    ctx = {"dag_run": run, "params": {"business_date": None, "as_of_date": None, **params}}
    if run.logical_date is not None:
        ctx["logical_date"] = run.logical_date
    return ctx


# (trigger moment in UTC, Shanghai wall clock) -> D = Shanghai day - 1, A = Shanghai day
@pytest.mark.parametrize(("run_after", "d", "a"), [
    # 16:30Z on 06-10 is 00:30 on 06-11 in Shanghai: still 06-10 in UTC, but A = 06-11 and D = 06-10
    ("2026-06-10T16:30:00Z", dt.date(2026, 6, 10), dt.date(2026, 6, 11)),
    # the first second of the Shanghai day 06-11 (16:00:00Z): the same
    ("2026-06-10T16:00:00Z", dt.date(2026, 6, 10), dt.date(2026, 6, 11)),
    # one second earlier is 23:59:59 on 06-10 in Shanghai: A = 06-10, D = 06-09
    ("2026-06-10T15:59:59Z", dt.date(2026, 6, 9), dt.date(2026, 6, 10)),
    # 02:00Z on 06-11 is 10:00 on 06-11 in Shanghai: the UTC and Shanghai days agree
    ("2026-06-11T02:00:00Z", dt.date(2026, 6, 10), dt.date(2026, 6, 11)),
    # the same instant written with another offset is the same moment
    ("2026-06-11T00:30:00+08:00", dt.date(2026, 6, 10), dt.date(2026, 6, 11)),
])
def test_run_without_logical_date_uses_the_trigger_moment_in_shanghai(run_after, d, a):
    ctx = context(dag_run(run_after))
    assert "logical_date" not in ctx and ctx["dag_run"].logical_date is None
    assert dates.business_date(ctx) == d
    assert dates.as_of_date(ctx) == a


def test_a_logical_date_key_present_but_null_also_falls_back_to_the_trigger_moment():
    # Some callers (e.g. a callback context) carry the key with None: same answer as without the key
    ctx = {**context(dag_run("2026-06-10T16:30:00Z")), "logical_date": None}
    assert dates.business_date(ctx) == dt.date(2026, 6, 10)
    assert dates.as_of_date(ctx) == dt.date(2026, 6, 11)


def test_the_trigger_moment_wins_over_a_later_start_across_midnight():
    # triggered at 23:59 Shanghai on 06-10 (15:59Z), started two minutes later, 00:01 on 06-11 (16:01Z):
    # the run belongs to the moment it was triggered -> D = 06-09, A = 06-10
    ctx = context(dag_run("2026-06-10T15:59:00Z", start_date="2026-06-10T16:01:00Z"))
    assert dates.business_date(ctx) == dt.date(2026, 6, 9)
    assert dates.as_of_date(ctx) == dt.date(2026, 6, 10)


def test_a_logical_date_wins_over_the_trigger_moment():
    # the spec's example: logical date 2026-06-11T00:00Z works on D = 2026-06-10, even when the run
    # actually ran (run_after) a day later, after Shanghai midnight of 06-12
    ctx = context(dag_run("2026-06-11T17:00:00Z", logical_date="2026-06-11T00:00:00Z", run_type="scheduled"))
    assert dates.business_date(ctx) == dt.date(2026, 6, 10)
    assert dates.as_of_date(ctx) == dt.date(2026, 6, 11)


def test_params_override_the_trigger_moment():
    ctx = context(dag_run("2026-06-10T16:30:00Z"), business_date="2026-05-01", as_of_date="2026-05-02")
    assert dates.business_date(ctx) == dt.date(2026, 5, 1)
    assert dates.as_of_date(ctx) == dt.date(2026, 5, 2)
    # an empty param (the trigger form's blank field) is no override
    ctx = context(dag_run("2026-06-10T16:30:00Z"), business_date="", as_of_date="")
    assert dates.business_date(ctx) == dt.date(2026, 6, 10)
    assert dates.as_of_date(ctx) == dt.date(2026, 6, 11)


def test_manual_crowd_run_without_logical_date_builds_for_the_shanghai_day():
    # a manual trigger at 00:30 Shanghai on 2026-06-11 (16:30Z on 06-10) of a campaign running
    # 06-01..06-30: A = 06-11 (data up to the end of 06-10), not the UTC day 06-10
    campaign = campaigns.parse_campaign(
        dict(campaign_id="c_fallback", name="fallback", start_date="2026-06-01", end_date="2026-06-30",
             target_categories=["手机"], rewards={s: 1 for s in campaigns.SEGMENTS}),
        Path("c_fallback.yaml"),
    )
    plan = crowds.plan(campaign, context(dag_run("2026-06-10T16:30:00Z")), today=dt.date(2026, 6, 11))
    assert (plan.action, plan.as_of) == ("build", dt.date(2026, 6, 11)), plan.reason
