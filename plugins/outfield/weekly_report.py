"""周报 The team's weekly report, written by the pipelines from what they did in the week.

One Markdown document ``<OUTFIELD_DATA_DIR>/reports/weekly/<week_start>.md`` and one Slack message per
ISO week W, in the seed's shape: per pipeline 【背景和目的】 and 【进度】.

Where each part comes from (decided so that nobody writes any of it by hand):

- **【背景和目的】**: the first paragraph of the "背景和目的" section of each DAG's ``doc_md``, read by
  parsing ``dags/`` with a ``DagBag`` (the same files Airflow runs; campaign DAGs build their doc
  from their YAML). A DAG file that does not import is named in the report.
- **【进度】 runs**: Airflow's public REST API (``GET /api/v2/dags/~/dagRuns``), not the metadata
  database: Airflow 3 task code must not open the metadata DB. The API is reached through the
  Airflow connection ``airflow_api`` (``weekly_report.api_conn_id``): ``host`` = the API server's
  URL (e.g. ``http://localhost:8080``), and either ``login``/``password`` of an Airflow user (a JWT
  is fetched from ``POST /auth/token``) or ``extra.token``. When it is missing or unreachable the
  report says so and still carries everything else. The runs counted are those with ``run_after``
  from Tuesday 00:00 of W to Tuesday 00:00 after W (Asia/Shanghai): for the daily pipelines exactly
  the runs whose default business date is in W, plus Monday's funnel run for W.
- **【进度】 numbers**: what the pipelines wrote to the warehouse (``include/sql/report/``): the callback
  lists' sizes and churn rate trend (``churn_callback_list``, ``churn_daily_stats``), the open data
  defects with the day each was first seen (``dq_check_results``), the funnel's headline
  (``redpacket_funnel_weekly``), the crowd sizes (``crowd_summary``).
"""

from __future__ import annotations

import ast
import datetime as dt
import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from outfield import redpacket
from outfield.config import PROJECT_ROOT, data_dir, setting
from outfield.dates import TZ

log = logging.getLogger(__name__)

REPORT_DAG = "weekly_report"
DEFAULT_API_CONN_ID = "airflow_api"
#: The spec's pipelines first, in this order; any other DAG after them (alphabetically).
ORDER = ("churn_callback_daily", "data_calibration_daily", "redpacket_funnel_weekly")
SEGMENTS = ("no_first_order", "inactive_90d", "inactive_target_90d", "active_target_90d")
MAX_FAILED_RUNS_LISTED = 10
MAX_DEFECTS_LISTED = 30
HTTP_TIMEOUT = 10.0


# ---------------------------------------------------------------------------------------------------
# the week


def week_dates(week_start: dt.date) -> dict[str, dt.date]:
    if week_start.weekday() != 0:
        raise ValueError(f"week_start must be a Monday, got {week_start}")
    return {"week_start": week_start, "week_end": week_start + dt.timedelta(days=6),
            "prev_start": week_start - dt.timedelta(days=7), "prev_end": week_start - dt.timedelta(days=1)}


def runs_window(week_start: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Aware ``[Tuesday 00:00 of W, Tuesday 00:00 after W)`` in Asia/Shanghai (see the module doc)."""
    start = dt.datetime.combine(week_start + dt.timedelta(days=1), dt.time(), tzinfo=TZ)
    return start, start + dt.timedelta(days=7)


def report_path(week_start: dt.date) -> Path:
    return data_dir() / "reports" / "weekly" / f"{week_start.isoformat()}.md"


# ---------------------------------------------------------------------------------------------------
# 背景和目的 from the DAG docs


_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")


def doc_sections(doc_md: str | None) -> dict[str, str]:
    """``{"title": first '# ' heading, "purpose": first paragraph under the '背景和目的' heading}``."""
    title, purpose = "", ""
    lines = (doc_md or "").strip().splitlines()
    for i, line in enumerate(lines):
        m = _HEADING.match(line.strip())
        if not m:
            continue
        if not title and len(m.group(1)) == 1:
            title = m.group(2).strip()
        if "背景和目的" in m.group(2) and not purpose:
            para: list[str] = []
            for nxt in lines[i + 1:]:
                s = nxt.strip()
                if _HEADING.match(s) or (not s and para) or s.startswith(("- ", "* ", "|")):
                    break
                if s:
                    para.append(s)
            purpose = " ".join(para)
    title = re.sub(r"\s*[—–-]+\s*`[^`]+`\s*$", "", title).strip()  # drop the trailing "— `dag_id`"
    return {"title": title, "purpose": purpose}


def _dags_folder() -> Path:
    return Path(os.environ.get("AIRFLOW__CORE__DAGS_FOLDER") or PROJECT_ROOT / "dags")


def pipeline_docs(dags_folder: str | os.PathLike | None = None) -> dict[str, Any]:
    """Every DAG's title and 背景和目的 paragraph, parsed from the DAG files with a DagBag.

    Falls back to the module docstrings (``ast``, nothing imported) if the DagBag cannot be built.
    Returns ``{"pipelines": {dag_id: {...}}, "import_errors": [file, ...], "source": ...}``.
    """
    folder = Path(dags_folder or _dags_folder())
    try:
        from airflow.dag_processing.dagbag import DagBag

        bag = DagBag(dag_folder=str(folder), load_op_links=False)
        pipelines = {}
        for dag_id in sorted(bag.dag_ids):
            dag = bag.dags[dag_id]
            sections = doc_sections(dag.doc_md)
            pipelines[dag_id] = {"dag_id": dag_id, **sections}
        errors = sorted(Path(f).name for f in bag.import_errors)
        return {"pipelines": pipelines, "import_errors": errors, "source": "DagBag"}
    except Exception as exc:  # noqa: BLE001 - the report must still be written
        log.warning("DagBag of %s failed (%s: %s); reading module docstrings instead", folder, type(exc).__name__, exc)
        return {"pipelines": _docstrings(folder), "import_errors": [], "source": "module docstrings"}


def _docstrings(folder: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path in sorted(folder.glob("*.py")):
        try:
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        except (OSError, SyntaxError, ValueError):
            continue
        first = (doc or "").strip().splitlines()[0] if doc else ""
        m = re.search(r"`([A-Za-z0-9_.<>-]+)`\s*$", first)
        if m:
            out[m.group(1)] = {"dag_id": m.group(1), **doc_sections(doc)}
    return out


# ---------------------------------------------------------------------------------------------------
# run history from the REST API


class ApiUnavailable(RuntimeError):
    """The REST API cannot be used (no connection, unreachable, refused): the reason is the message."""


def _api_settings(conn_id: str) -> tuple[str, dict[str, str]]:
    """(base URL, auth headers) from the Airflow connection; raises ApiUnavailable."""
    try:
        from airflow.sdk import Connection

        conn = Connection.get(conn_id)
    except Exception as exc:
        raise ApiUnavailable(f"no Airflow connection {conn_id!r} ({type(exc).__name__}); see the "
                             f"weekly_report DAG docs to add it") from None
    host = (conn.host or "").strip().rstrip("/")
    if not host:
        raise ApiUnavailable(f"connection {conn_id!r} has no host (the API server URL)")
    if "://" not in host:
        host = f"{conn.schema or 'http'}://{host}" + (f":{conn.port}" if conn.port else "")
    elif conn.port and not re.search(r":\d+$", host.split("://", 1)[1].split("/", 1)[0]):
        scheme, rest = host.split("://", 1)
        netloc, _, path = rest.partition("/")
        host = f"{scheme}://{netloc}:{conn.port}" + (f"/{path}" if path else "")
    try:
        extra = conn.extra_dejson or {}
    except Exception:
        extra = {}
    token = extra.get("token") or (conn.password if not conn.login else None)
    if token:
        return host, {"Authorization": f"Bearer {token}"}
    if not conn.login or not conn.password:
        raise ApiUnavailable(f"connection {conn_id!r} needs login and password (or extra.token)")
    import httpx

    try:
        resp = httpx.post(f"{host}/auth/token", json={"username": conn.login, "password": conn.password},
                          timeout=HTTP_TIMEOUT)
    except httpx.HTTPError as exc:
        raise ApiUnavailable(f"Airflow API at {host} not reachable ({type(exc).__name__})") from None
    if resp.status_code >= 300:
        raise ApiUnavailable(f"POST {host}/auth/token refused the login (HTTP {resp.status_code})")
    return host, {"Authorization": f"Bearer {resp.json()['access_token']}"}


def run_history(week_start: dt.date, conn_id: str | None = None) -> dict[str, Any]:
    """The runs of every DAG in the week's window, from ``GET /api/v2/dags/~/dagRuns``. Never raises."""
    conn_id = conn_id or str(setting("weekly_report", "api_conn_id", default=DEFAULT_API_CONN_ID))
    start, end = runs_window(week_start)
    window = {"from": start.isoformat(), "to": end.isoformat()}
    try:
        import httpx

        base, headers = _api_settings(conn_id)
        runs: list[dict[str, Any]] = []
        with httpx.Client(base_url=base, headers=headers, timeout=HTTP_TIMEOUT) as client:
            offset = 0
            while True:
                resp = client.get("/api/v2/dags/~/dagRuns", params={
                    "run_after_gte": start.isoformat(), "run_after_lt": end.isoformat(),
                    "order_by": "run_after", "limit": 100, "offset": offset})
                if resp.status_code >= 300:
                    raise ApiUnavailable(f"GET /api/v2/dags/~/dagRuns answered HTTP {resp.status_code}")
                page = resp.json()
                batch = page.get("dag_runs") or []
                runs.extend({k: r.get(k) for k in ("dag_id", "dag_run_id", "state", "run_type", "run_after",
                                                   "logical_date", "start_date", "end_date")} for r in batch)
                offset += len(batch)
                if not batch or offset >= int(page.get("total_entries") or 0) or offset >= 5000:
                    break
            for r in [r for r in runs if r["state"] == "failed"][:MAX_FAILED_RUNS_LISTED * 4]:
                r["failed_tasks"] = _failed_tasks(client, r["dag_id"], r["dag_run_id"])
        return {"available": True, "source": f"Airflow REST API {base}/api/v2", "window": window, "runs": runs}
    except ApiUnavailable as exc:
        reason = str(exc)
    except Exception as exc:  # noqa: BLE001 - never fail the report on the history
        reason = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
    log.warning("Run history not available: %s", reason)
    return {"available": False, "reason": reason, "window": window, "runs": []}


def _failed_tasks(client: Any, dag_id: str, run_id: str) -> list[str]:
    try:
        resp = client.get(f"/api/v2/dags/{quote(dag_id, safe='')}/dagRuns/{quote(run_id, safe='')}/taskInstances",
                          params={"state": "failed", "limit": 20})
        if resp.status_code >= 300:
            return []
        return sorted({t["task_id"] for t in resp.json().get("task_instances") or []})
    except Exception:  # noqa: BLE001
        return []


# ---------------------------------------------------------------------------------------------------
# what the pipelines wrote


def _section(fn: Callable[[], Any]) -> Any:
    """Run one warehouse read; an error (e.g. a table another pipeline has not created) becomes a note."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        log.warning("Weekly report section failed: %s: %s", type(exc).__name__, first)
        return {"error": f"{type(exc).__name__}: {first}"}


def collect_outputs(wh: Any, week_start: dt.date) -> dict[str, Any]:
    """The week's numbers from the pipelines' output tables (JSON-friendly)."""
    wd = week_dates(week_start)
    wh.ensure_tables()

    def churn() -> dict[str, Any]:
        days = wh.query("report/churn_days.sql", {"d_from": wd["prev_start"], "d_to": wd["week_end"]})
        merchants = wh.query("report/churn_merchants.sql", {"prev_start": wd["prev_start"],
                                                            "week_start": week_start, "week_end": wd["week_end"]})
        return {"days": [_plain(r) for r in days], "merchants": [_plain(r) for r in merchants]}

    def defects() -> dict[str, Any]:
        params = {"week_start": week_start, "week_end": wd["week_end"]}
        return {"open": [_plain(r) for r in wh.query("report/open_defects.sql", params)],
                "checks": [_plain(r) for r in wh.query("report/checks_week.sql", params)]}

    def funnel() -> dict[str, Any]:
        this = redpacket.week_rows(wh, week_start)
        prev = redpacket.week_rows(wh, wd["prev_start"])
        return {"this": redpacket.totals(this) if this else None, "prev": redpacket.totals(prev) if prev else None}

    def crowds() -> dict[str, Any]:
        a_from, a_to = week_start + dt.timedelta(days=1), wd["week_end"] + dt.timedelta(days=1)
        rows = wh.query("report/crowd_builds.sql", {"a_from": a_from, "a_to": a_to})
        return {"builds": [_plain(r) for r in rows]}

    return {"churn": _section(churn), "defects": _section(defects), "redpacket": _section(funnel),
            "crowds": _section(crowds)}


def _plain(row: Mapping[str, Any]) -> dict[str, Any]:
    import decimal

    out = {}
    for k, v in row.items():
        if isinstance(v, decimal.Decimal):
            v = float(v)
        elif isinstance(v, dt.datetime):
            v = v.isoformat(sep=" ")
        elif isinstance(v, dt.date):
            v = v.isoformat()
        out[k] = v
    return out


# ---------------------------------------------------------------------------------------------------
# composing


class _Fmt:
    """Markdown or Slack mrkdwn: the two renderings of one report."""

    def __init__(self, slack: bool) -> None:
        self.slack = slack

    def link(self, text: str, url: str | None) -> str:
        if not url:
            return text
        return f"<{url}|{text}>" if self.slack else f"[{text}]({url})"

    def bold(self, text: str) -> str:
        return f"*{text}*" if self.slack else f"**{text}**"

    def code(self, text: Any) -> str:
        return f"`{text}`"


def _pct(x: float | None, digits: int = 1) -> str:
    return "n/a" if x is None else f"{x * 100:.{digits}f}%"


def _pts(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return ""
    d = (now - before) * 100
    return f" ({'+' if d >= 0 else ''}{d:.1f} pts)"


def _run_url(base: str, dag_id: str, run_id: str) -> str:
    return f"{base}/dags/{quote(dag_id)}/runs/{quote(run_id)}"


def _ui_base() -> str:
    from outfield.dashboard.publish import api_base_url

    return api_base_url()


def _runs_line(dag_ids: Iterable[str], history: Mapping[str, Any], f: _Fmt) -> list[str]:
    if not history.get("available"):
        return [f"Runs: not available ({history.get('reason')})"]
    ids = set(dag_ids)
    runs = [r for r in history.get("runs") or [] if r["dag_id"] in ids]
    if not runs:
        return ["Runs: none this week"]
    by_state: dict[str, int] = {}
    for r in runs:
        by_state[r["state"] or "none"] = by_state.get(r["state"] or "none", 0) + 1
    others = ", ".join(f"{n} {s}" for s, n in sorted(by_state.items()) if s not in ("success", "failed"))
    kinds: dict[str, int] = {}
    for r in runs:
        kinds[r["run_type"] or "?"] = kinds.get(r["run_type"] or "?", 0) + 1
    line = (f"Runs: {by_state.get('success', 0)} succeeded, {by_state.get('failed', 0)} failed"
            + (f", {others}" if others else "") + f" (of {len(runs)}: "
            + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) + ")")
    out = [line]
    base = _ui_base()
    for r in [r for r in runs if r["state"] == "failed"][:MAX_FAILED_RUNS_LISTED]:
        tasks = ", ".join(f.code(t) for t in r.get("failed_tasks") or []) or "task unknown"
        when = _local(r.get("start_date") or r.get("run_after"))
        out.append(f"  ✗ failed run {f.link(r['dag_run_id'], _run_url(base, r['dag_id'], r['dag_run_id']))}"
                   f" ({f.code(r['dag_id'])}, {when}; failed: {tasks})")
    return out


def _local(iso: str | None) -> str:
    if not iso:
        return "?"
    try:
        moment = dt.datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
        return moment.astimezone(TZ).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(iso)


def _churn_lines(data: Mapping[str, Any], wd: Mapping[str, dt.date], f: _Fmt) -> list[str]:
    if "error" in data:
        return [f"Numbers not available ({data['error']})"]
    ws, we = wd["week_start"].isoformat(), wd["week_end"].isoformat()
    this = [d for d in data["days"] if ws <= d["business_date"] <= we]
    prev = [d for d in data["days"] if d["business_date"] < ws]
    out = []
    if this:
        days = ", ".join(f"{dt.date.fromisoformat(d['business_date']):%a} {int(d['list_rows']):,}" for d in this)
        out.append(f"Callback lists: {len(this)} of 7 days, {sum(int(d['list_rows']) for d in this):,} users to call ({days})")
    missing = [(wd["week_start"] + dt.timedelta(days=i)).isoformat() for i in range(7)]
    missing = [d for d in missing if d not in {x["business_date"] for x in this}]
    if missing:
        out.append(f"⚠ no list for: {', '.join(missing)}")

    def rate(rows: list) -> float | None:
        return redpacket.rate(sum(int(r["churned_users"]) for r in rows), sum(int(r["pass_users"]) for r in rows))

    r_this, r_prev = rate(this), rate(prev)
    if this:
        daily = " → ".join(_pct(redpacket.rate(d["churned_users"], d["pass_users"])) for d in this)
        out.append(f"Churn rate 意愿流失率: {_pct(r_this)} this week "
                   f"({sum(int(d['churned_users']) for d in this):,} of {sum(int(d['pass_users']) for d in this):,} "
                   f"passing users), last week {_pct(r_prev)}{_pts(r_this, r_prev)}; by day {daily}")
    ms: dict[str, dict[str, Any]] = {}
    for m in data["merchants"]:
        ms.setdefault(m["merchant_id"], {"name": m["merchant_name"]})[m["period"]] = m
    parts = []
    for _mid, m in sorted(ms.items(), key=lambda kv: -int((kv[1].get("this") or {}).get("pass_users") or 0)):
        if "this" not in m:
            continue
        now = redpacket.rate(m["this"]["churned_users"], m["this"]["pass_users"])
        before = redpacket.rate(m["prev"]["churned_users"], m["prev"]["pass_users"]) if "prev" in m else None
        parts.append(f"{m['name']} {_pct(now)}{_pts(now, before)}")
    if parts:
        out.append("By merchant: " + "; ".join(parts))
    return out or ["No churn list in this week"]


def _defect_lines(data: Mapping[str, Any], wd: Mapping[str, dt.date], f: _Fmt) -> tuple[list[str], list[dict]]:
    if "error" in data:
        return [f"Numbers not available ({data['error']})"], []
    out = []
    checks = data.get("checks") or []
    if checks:
        days = max(int(c["days_checked"]) for c in checks)
        found = ", ".join(f"{c['check_name']} {int(c['warn_rows'])} warn/{int(c['fail_rows'])} fail"
                          for c in checks if int(c["warn_rows"]) or int(c["fail_rows"]))
        out.append(f"Checks ran on {days} of 7 days" + (f"; results flagged: {found}" if found else "; nothing flagged"))
    else:
        out.append("No check results in this week")
    opened = data.get("open") or []
    new = [d for d in opened if d["first_seen"] >= wd["week_start"].isoformat()]
    out.append(f"Open data defects 未解决的数据问题: {len(opened)} ({len(new)} new this week)")
    return out, opened


def _defects_table_md(opened: list[dict]) -> list[str]:
    if not opened:
        return []
    lines = ["", "| first seen 首次发现 | status | check | subject | metric | value | detail |",
             "|---|---|---|---|---|---|---|"]
    for d in opened[:MAX_DEFECTS_LISTED]:
        value = "" if d["value"] is None else f"{d['value']:.4g}"
        detail = str(d.get("detail") or "").replace("|", "/").replace("\n", " ")[:160]
        lines.append(f"| {d['first_seen']} | {d['status']} | `{d['check_name']}` | {d['subject'] or '—'} | "
                     f"{d['metric'] or ''} | {value} | {detail} |")
    if len(opened) > MAX_DEFECTS_LISTED:
        lines.append(f"| … | | {len(opened) - MAX_DEFECTS_LISTED} more | | | | |")
    return lines


def _defects_slack(opened: list[dict], f: _Fmt) -> list[str]:
    out = []
    for d in opened[:10]:
        value = "" if d["value"] is None else f" = {d['value']:.4g}"
        out.append(f"since {d['first_seen']}: {d['status']} {f.code(d['check_name'])} "
                   f"{d['subject'] or ''} {d['metric'] or ''}{value}")
    if len(opened) > 10:
        out.append(f"… {len(opened) - 10} more in the report file")
    return out


def _funnel_lines(data: Mapping[str, Any], week_start: dt.date, f: _Fmt) -> list[str]:
    if "error" in data:
        return [f"Numbers not available ({data['error']})"]
    t, p = data.get("this"), data.get("prev") or {}
    if not t:
        return [f"No funnel rows for {redpacket.iso_label(week_start)} yet"]
    from outfield.dashboard.publish import dashboard_url

    return [
        f"{redpacket.iso_label(week_start)}: {t['shops']} shops; {t['scan_users']:,} scanned → "
        f"{t['claim_users']:,} claimed (claim rate {_pct(t['claim_rate'])}) → {t['order_users']:,} ordered; "
        f"claim→order {_pct(t['conversion'])}" + (f", last week {_pct(p.get('conversion'))}" if p else "")
        + f"; GMV ¥{t['gmv']:,.0f}, red-packet cost ¥{t['redpacket_cost']:,.0f}",
        f"Dashboard: {f.link('红包码看板 ' + redpacket.iso_label(week_start), dashboard_url(week_start))}",
    ]


def _crowd_lines(data: Mapping[str, Any], campaign_id: str, f: _Fmt) -> list[str]:
    if "error" in data:
        return [f"Numbers not available ({data['error']})"]
    rows = [r for r in data.get("builds") or [] if r["campaign_id"] == campaign_id]
    if not rows:
        return ["No crowd built in this week"]
    rows.sort(key=lambda r: SEGMENTS.index(r["segment"]) if r["segment"] in SEGMENTS else 99)
    seg = ", ".join(f"{r['segment']} {int(r['users']):,}"
                    + ("" if r.get("change_pct") is None else f" ({r['change_pct'] * 100:+.1f}%)") for r in rows)
    return [f"Latest build as of {rows[0]['as_of_date']} ({rows[0]['builds']} builds this week): {seg}"]


def compose(week_start: dt.date, docs: Mapping[str, Any], history: Mapping[str, Any],
            outputs: Mapping[str, Any], *, slack: bool = False, generated_at: str | None = None) -> str:
    """The report as Markdown (``slack=False``) or Slack mrkdwn (``slack=True``)."""
    f = _Fmt(slack)
    wd = week_dates(week_start)
    label = f"{redpacket.iso_label(week_start)} ({wd['week_start']} – {wd['week_end']})"
    pipelines: Mapping[str, Any] = docs.get("pipelines") or {}
    ids = [d for d in ORDER if d in pipelines]
    ids += sorted(d for d in pipelines if d not in ORDER and d != REPORT_DAG)
    defect_lines, opened = _defect_lines(outputs.get("defects") or {"error": "missing"}, wd, f)

    runs = history.get("runs") or []
    failed = [r for r in runs if r["state"] == "failed" and r["dag_id"] != REPORT_DAG]
    head = [f"# 周报 Weekly report {label}" if not slack else f"*周报 Weekly report {label}*", ""]
    summary = [
        f"Written by the pipelines (DAG {f.code(REPORT_DAG)}"
        + (f", {generated_at}" if generated_at else "") + ") from what they did this week; nobody wrote it by hand.",
        (f"Runs {history['window']['from'][:16]} → {history['window']['to'][:16]} (Asia/Shanghai): "
         f"{sum(r['state'] == 'success' for r in runs if r['dag_id'] != REPORT_DAG)} succeeded, {len(failed)} failed"
         if history.get("available") else f"Run history not available: {history.get('reason')}"),
        f"Open data defects: {len(opened)}"
        + (f" (oldest since {min(d['first_seen'] for d in opened)})" if opened else ""),
    ]
    if docs.get("import_errors"):
        summary.append(f"⚠ DAG files that do not import: {', '.join(docs['import_errors'])}")
    lines = head + ([f"{f.bold('本周概要 Summary')}"] if not slack else []) + [
        ("• " if slack else "- ") + s for s in summary]

    for dag_id in ids:
        p = pipelines[dag_id]
        title = p.get("title") or dag_id
        if slack:
            lines += ["", f"*{title}* ({f.code(dag_id)})"]
            lines.append(f"*【背景和目的】* {p.get('purpose') or '(no 背景和目的 section in the DAG docs)'}")
            lines.append("*【进度】*")
        else:
            lines += ["", f"## {title} ({f.code(dag_id)})", "",
                      f"**【背景和目的】** {p.get('purpose') or '(no 背景和目的 section in the DAG docs)'}", "",
                      "**【进度】**", ""]
        progress = _runs_line([dag_id], history, f)
        table: list[str] = []
        if dag_id == "churn_callback_daily":
            progress += _churn_lines(outputs.get("churn") or {"error": "missing"}, wd, f)
        elif dag_id == "data_calibration_daily":
            progress += defect_lines
            table = _defects_slack(opened, f) if slack else _defects_table_md(opened)
        elif dag_id == "redpacket_funnel_weekly":
            progress += _funnel_lines(outputs.get("redpacket") or {"error": "missing"}, week_start, f)
        elif dag_id.startswith("campaign_crowd_"):
            progress += _crowd_lines(outputs.get("crowds") or {"error": "missing"}, dag_id[len("campaign_crowd_"):], f)
        for item in progress:
            if item.startswith("  "):  # a sub-item (a failed run, a defect)
                lines.append(("    ◦ " if slack else "  - ") + item.strip())
            else:
                lines.append(("• " if slack else "- ") + item)
        if slack:
            lines += [("    ◦ " + t.strip()) for t in table]
        else:
            lines += table
    return "\n".join(lines).rstrip() + "\n"


def write_report(week_start: dt.date, markdown: str) -> Path:
    from outfield.dashboard.files import atomic_write_text

    path = report_path(week_start)
    atomic_write_text(path, markdown)
    return path


def publish(week_start: dt.date, docs: Mapping[str, Any], history: Mapping[str, Any], outputs: Mapping[str, Any],
            *, generated_at: str | None = None) -> dict[str, Any]:
    """Write the Markdown report and send the Slack message (alerts: never fails on Slack)."""
    from outfield import alerts

    markdown = compose(week_start, docs, history, outputs, generated_at=generated_at)
    path = write_report(week_start, markdown)
    text = compose(week_start, docs, history, outputs, slack=True, generated_at=generated_at)
    status = alerts.send_alert(REPORT_DAG, f"{text}\nReport file: {path}", kind="weekly_report")
    return {"path": str(path), "slack": status, "characters": len(markdown)}
