"""The pipelines on PostgreSQL, with and without the session planner settings: ``python -m benchmarks.postgres``.

Loads the demo warehouse (scale S unless ``--users``/``--days`` say otherwise; seed 42, window ending
2026-06-10) into a fresh schema of a PostgreSQL server (``--dsn``, default the local test server),
ANALYZEs it, then runs each step (``benchmarks.pipelines.run``: the DAG's own step functions and SQL
files) ``--repeat`` times on a new connection, once with ``outfield.warehouse.PG_SESSION_SETTINGS``
(what the pipelines use) and once with the server's defaults (``enable_nestloop`` on). A step that
passes ``--timeout`` seconds is cancelled on the server (``statement_timeout``) and reported as such.
Prints a table and writes JSON (``--out``) with the machine and the data scale. The schema is dropped
at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks import pipelines
from benchmarks.run import END, ROOT, SEED, STEPS

DEFAULT_DSN = os.environ.get("OUTFIELD_TEST_PG_DSN", "host=127.0.0.1 port=5432 dbname=test user=postgres")
PARAMS = {"business_date": END.isoformat(), "week_start": "2026-06-01", "as_of_date": "2026-06-11", "cooldown_days": 7}


def _warehouse(dsn: str, schema: str, settings: dict[str, str] | None, timeout_s: float):
    from outfield.warehouse import Warehouse

    extra = dict(settings or {})
    extra["statement_timeout"] = str(int(timeout_s * 1000))
    return Warehouse("postgres", pg_kwargs={"conninfo": dsn}, schema=schema, pg_settings=extra)


def run_step(dsn: str, schema: str, step: str, settings: dict[str, str], timeout_s: float) -> dict[str, Any]:
    t = time.perf_counter()
    try:
        with _warehouse(dsn, schema, settings, timeout_s) as wh:
            rows, _ = pipelines.run(step, wh, PARAMS)
        return {"seconds": time.perf_counter() - t, "rows": rows}
    except Exception as exc:  # noqa: BLE001 - a cancelled statement is a result here
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return {"seconds": None, "error": first, "after_s": round(time.perf_counter() - t, 1)}


def main(argv: list[str] | None = None) -> int:
    from outfield.demo.generator import generate
    from outfield.warehouse import PG_SESSION_SETTINGS

    p = argparse.ArgumentParser(prog="python -m benchmarks.postgres", description=__doc__.split("\n\n")[0])
    p.add_argument("--dsn", default=DEFAULT_DSN, help="libpq connection string of the server")
    p.add_argument("--users", type=int, default=20_000)
    p.add_argument("--days", type=int, default=60)
    p.add_argument("--steps", default=",".join(STEPS))
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--timeout", type=float, default=120.0, help="seconds before a step's statement is cancelled")
    p.add_argument("--out", default=str(ROOT / "data" / "bench" / "postgres.json"))
    args = p.parse_args(argv)

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    loader = _warehouse(args.dsn, schema, None, 3600)
    variants = {"session settings": dict(PG_SESSION_SETTINGS), "server defaults": {"enable_nestloop": "on"}}
    results: dict[str, Any] = {
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "load_average_at_start": [round(x, 2) for x in os.getloadavg()]},
        "scale": {"users": args.users, "days": args.days, "seed": SEED, "end": END.isoformat()},
        "variants": variants, "steps": {},
    }
    with loader as wh:
        server = wh.query_sql("SELECT version() AS v")[0]["v"]
        results["machine"]["postgres"] = server
        t = time.perf_counter()
        summary = generate(wh, users=args.users, days=args.days, end=END, seed=SEED)
        for table in summary["rows"]:
            wh.execute("common/analyze_table.sql", table=table)
        results["scale"]["rows"] = summary["rows"]
        print(f"{server.split(',')[0]}; loaded {summary['rows']} into schema {schema} in {time.perf_counter() - t:.1f} s")
        try:
            for step in args.steps.split(","):
                results["steps"][step] = {}
                for name, settings in variants.items():
                    runs = []
                    for _ in range(args.repeat):
                        runs.append(run_step(args.dsn, schema, step, settings, args.timeout))
                        if runs[-1]["seconds"] is None:
                            break  # cancelled (or failed): once is enough
                    ok = [r["seconds"] for r in runs if r["seconds"] is not None]
                    cell = {"runs": runs, "median_s": statistics.median(ok) if ok else None}
                    results["steps"][step][name] = cell
                    shown = f"{cell['median_s']:.3f} s" if ok else f"cancelled after {runs[0]['after_s']} s"
                    print(f"  {step:12} {name:17} {shown}  ({len(ok)}/{len(runs)} finished)", flush=True)
        finally:
            wh.connection().execute(f'DROP SCHEMA "{schema}" CASCADE')
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    print(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
