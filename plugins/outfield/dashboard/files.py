"""Where the red-packet dashboards live, and the index of weeks (shared by the DAG and the web app).

Layout under the data folder (``OUTFIELD_DATA_DIR``)::

    dashboards/redpacket/<week_start>.html   one self-contained page per ISO week (plotly.js inlined)
    dashboards/redpacket/index.json          the weeks available, newest first, with headline numbers
    dashboards/redpacket/index.html          the same list as a page (opens from disk too)
    dashboards/redpacket/_charts/            chart-only pages and PNGs for Slack (not served)

Cheap to import: the Airflow UI plugin's web app imports it; no plotly, no warehouse.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from outfield.config import data_dir

WEEK_RE = re.compile(r"\A\d{4}-\d{2}-\d{2}\Z")
TEMPLATES = Path(__file__).resolve().parent / "templates"


def dashboards_dir(create: bool = True) -> Path:
    path = data_dir() / "dashboards" / "redpacket"
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def charts_dir() -> Path:
    path = dashboards_dir() / "_charts"
    path.mkdir(parents=True, exist_ok=True)
    return path


def valid_week(week: str) -> dt.date | None:
    """The Monday a ``YYYY-MM-DD`` text names, or None (not a date, not a Monday)."""
    if not isinstance(week, str) or not WEEK_RE.match(week):
        return None
    try:
        day = dt.date.fromisoformat(week)
    except ValueError:
        return None
    return day if day.weekday() == 0 else None


def week_html_path(week_start: dt.date | str) -> Path:
    day = valid_week(str(week_start)) if not isinstance(week_start, dt.date) else week_start
    if day is None:
        raise ValueError(f"not a week start (a Monday written YYYY-MM-DD): {week_start!r}")
    return dashboards_dir() / f"{day.isoformat()}.html"


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temp file and a rename: readers never see half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_index(directory: Path | None = None) -> list[dict[str, Any]]:
    """The weeks whose page exists, newest first: index.json entries, plus pages the index misses."""
    directory = directory or dashboards_dir(create=False)
    entries: dict[str, dict[str, Any]] = {}
    try:
        loaded = json.loads((directory / "index.json").read_text(encoding="utf-8"))
        for e in loaded.get("weeks", []) if isinstance(loaded, dict) else []:
            if isinstance(e, dict) and valid_week(str(e.get("week_start"))):
                entries[e["week_start"]] = e
    except (OSError, ValueError):
        pass
    if directory.is_dir():
        for page in directory.glob("*.html"):
            if valid_week(page.stem) and page.stem not in entries:
                entries[page.stem] = {"week_start": page.stem}
    present = [e for w, e in entries.items() if (directory / f"{w}.html").is_file()]
    return sorted(present, key=lambda e: e["week_start"], reverse=True)


def update_index(entry: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Add or replace one week's entry in index.json and rewrite index.html; return the entries.

    Read-modify-write under an exclusive lock, so that two weeks published at once (a backfill) both
    stay in the index.
    """
    import fcntl

    directory = dashboards_dir()
    with open(directory / ".index.lock", "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            entries = {e["week_start"]: e for e in read_index(directory)}
            entries[str(entry["week_start"])] = dict(entry)
            ordered = sorted(entries.values(), key=lambda e: e["week_start"], reverse=True)
            atomic_write_text(directory / "index.json",
                              json.dumps({"weeks": ordered}, ensure_ascii=False, indent=1, default=str))
            atomic_write_text(directory / "index.html", render_index_html(ordered))
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
    return ordered


def _jinja():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_index_html(entries: Iterable[Mapping[str, Any]], *, link_suffix: str = ".html") -> str:
    """The list of weeks as a small page (no scripts); links are relative (``<week>.html``)."""
    rows = []
    for e in entries:
        week = dt.date.fromisoformat(str(e["week_start"]))
        year, num, _ = week.isocalendar()
        rows.append({
            "week_start": week.isoformat(),
            "week_end": (week + dt.timedelta(days=6)).isoformat(),
            "label": f"{year}-W{num:02d}",
            "href": f"{week.isoformat()}{link_suffix}",
            "shops": e.get("shops"),
            "claim_users": e.get("claim_users"),
            "order_users": e.get("order_users"),
            "conversion": e.get("conversion"),
            "gmv": e.get("gmv"),
            "generated_at": e.get("generated_at"),
        })
    return _jinja().get_template("redpacket_index.html.j2").render(weeks=rows)
