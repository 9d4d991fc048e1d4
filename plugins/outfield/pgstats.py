"""Fresh planner statistics on PostgreSQL before the pipelines' big joins.

Right after a bulk load, before autovacuum's ANALYZE, PostgreSQL plans the churn CTEs as nested
loops over whole days of trials (measured: 76 s instead of 3 s with 3 000 users). A step that reads
the source tables first calls :func:`refresh`, which runs ``ANALYZE`` on each table that was never
analyzed or changed by more than ``STALE_SHARE`` of its rows since (an ANALYZE samples: seconds even
for a large table). On DuckDB, which keeps its statistics up to date on every write, it does nothing.
Without the privilege to ANALYZE (the warehouse team owns the tables) the step goes on with a warning
in its log: a slow run, never a failed one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

log = logging.getLogger(__name__)

#: A table changed by more than this share of its rows since its last ANALYZE is analyzed again
#: (PostgreSQL's own autovacuum default is 10 %, but it runs later, on its own schedule).
STALE_SHARE = 0.2
#: ... and by at least this many rows (small tables plan well anyway).
MIN_CHANGED_ROWS = 1000


def stale_tables(wh: Any, tables: Iterable[str]) -> list[str]:
    """The tables among ``tables`` whose statistics are missing or stale (PostgreSQL; [] on DuckDB)."""
    names = sorted(set(tables))
    if wh.dialect != "postgres" or not names:
        return []
    try:
        rows = wh.query("common/planner_statistics.sql", tables=names)
    except Exception as exc:  # noqa: BLE001 - statistics are an optimisation: never fail a run for them
        log.warning("Could not read the planner statistics of %s: %s", ", ".join(names),
                    str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return []
    stale = []
    for r in rows:
        live, changed = int(r["live_rows"] or 0), int(r["changed_rows"] or 0)
        if r["analyzed_at"] is None:  # never analyzed (its row counts may not even be reported yet)
            stale.append(r["table_name"])
        elif changed >= MIN_CHANGED_ROWS and changed > STALE_SHARE * max(live, 1):
            stale.append(r["table_name"])
    return stale


def refresh(wh: Any, tables: Iterable[str]) -> list[str]:
    """ANALYZE the stale tables among ``tables``; return those whose statistics are fresh now.

    Never raises for a table it may not analyze: PostgreSQL skips a table the role does not own with
    a warning (or refuses it), so the result is checked and a table still stale is logged.
    """
    stale = stale_tables(wh, tables)
    for table in stale:
        try:
            wh.execute("common/analyze_table.sql", table=table)
        except Exception as exc:  # noqa: BLE001 - a missing privilege must not fail the pipeline
            log.warning("ANALYZE %s failed: %s", table, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    if not stale:
        return []
    still = set(stale_tables(wh, stale))
    for table in sorted(still):
        log.warning("Planner statistics of %s are stale and could not be refreshed (not its owner?): this run "
                    "may be slow; ask the warehouse team to ANALYZE it after each load", table)
    done = [t for t in stale if t not in still]
    if done:
        log.info("Planner statistics refreshed (ANALYZE) for %s: never analyzed or changed a lot since",
                 ", ".join(done))
    return done
