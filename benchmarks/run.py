"""Benchmark the pipelines at scale against a pandas baseline: ``python -m benchmarks.run --scales S,M``.

For each scale it generates a demo warehouse (``outfield.demo``; reused when the file for the same
arguments exists) and then, for each step, runs in fresh processes

- the pipeline: the DAG's own step function and SQL files (``benchmarks.pipelines``) on a DuckDB
  connection configured as the ``warehouse`` connection's extra would (``--threads``,
  ``--memory-limit``), ``--repeat`` times;
- the pandas baseline (``benchmarks.baseline``): DuckDB ``.df()`` reads, then pandas;

and asserts that both produced the same rows. It prints, per scale and step, the wall time, the peak
RSS, the rows and the speed-up over pandas (with and without the baseline's reading of the tables),
and writes everything with the machine and the data scale to ``--out`` (JSON). The time to parse
``dags/`` (DagBag fill in a fresh process) is measured once per run.

Wall time is measured inside the child around the step only (interpreter start and imports are not
counted; opening the warehouse connection is). Peak RSS is the child's high-water mark
(``ru_maxrss``) right after the step, before it reads its output back for the comparison. A child
whose RSS passes ``--rss-cap-gb`` is killed and reported as such (the machine is shared).

Scales (``SCALES``): S is the demo (20 k users, 60 days); M 1 M users over 120 days, L 10 M users
over 120 days (``trials_per_user_day`` lowered so that M has ~10 M trials and L ~50 M, and
payments split into several orders, ``orders_per_conversion``, so that M has ~10 M orders and L
~100 M, as asked; see README.md).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import math
import os
import pickle
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "data" / "bench"
END = dt.date(2026, 6, 10)  # a Wednesday: the churn list and the checks run for it
SEED = 42
STEPS = ("calibration", "churn", "funnel", "crowd")
#: Targets at scale L (seconds, and the peak RSS in GB); the speed-up over pandas is at least 5x.
TARGETS = {"churn": 0.5, "crowd": 6.0, "funnel": 1.5, "calibration": 3.0}
TARGET_RSS_GB = 4.0
TARGET_SPEEDUP = 5.0


@dataclasses.dataclass(frozen=True)
class Scale:
    name: str
    users: int
    days: int
    trials_per_user_day: float
    orders_per_conversion: float = 1.0  # split orders (拆单): M and L reach the asked order counts

    def db(self) -> Path:
        return BENCH_DIR / f"{self.name}.duckdb"


SCALES = {
    "S": Scale("S", 20_000, 60, 1 / 6),
    "M": Scale("M", 1_000_000, 120, 1 / 12, 1.64),     # ~10 M trials, ~10 M orders
    "L": Scale("L", 10_000_000, 120, 1 / 24, 3.25),    # ~50 M trials, ~100 M orders
}


def step_params(step: str) -> dict[str, Any]:
    """The business date / as-of date / week each step runs for (the generated window ends at END)."""
    from outfield.dates import iso_week_start

    if step in ("churn", "calibration"):
        return {"business_date": END.isoformat(), "cooldown_days": 7, "volume_weeks": 4}
    if step == "crowd":
        from benchmarks.pipelines import campaign

        c = campaign()
        return {"as_of_date": (END + dt.timedelta(days=1)).isoformat(), "lookback_days": c.lookback_days,
                "target_categories": list(c.target_categories)}
    if step == "funnel":  # the last complete ISO week of the data
        week = iso_week_start(END) if END.weekday() == 6 else iso_week_start(END) - dt.timedelta(days=7)
        return {"week_start": week.isoformat()}
    raise ValueError(step)


# ================================================================================================ children
def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def child_generate(args: argparse.Namespace) -> dict[str, Any]:
    from outfield.demo.generator import generate
    from outfield.warehouse import Warehouse

    scale = SCALES[args.scale]
    path = Path(args.db)
    tmp = path.with_suffix(".tmp.duckdb")
    for p in (tmp, Path(f"{tmp}.wal")):
        p.unlink(missing_ok=True)
    t = time.perf_counter()
    with Warehouse.duckdb(tmp, duckdb_config=_duckdb_config(args)) as wh:
        summary = generate(wh, users=scale.users, days=scale.days, end=END, seed=SEED,
                           trials_per_user_day=scale.trials_per_user_day,
                           orders_per_conversion=scale.orders_per_conversion)
        wh.connection().execute("CHECKPOINT")
    wall = time.perf_counter() - t
    tmp.replace(path)
    return {"wall_s": wall, "peak_rss_gb": _peak_gb(), "rows": summary["rows"],
            "build_s": summary["build_seconds"], "load_s": summary.get("load_seconds"),
            "parts": summary.get("parts", 1), "file_gb": path.stat().st_size / 1e9, "summary": summary}


def _duckdb_config(args: argparse.Namespace) -> dict[str, Any]:
    config: dict[str, Any] = {"threads": args.threads, "memory_limit": args.memory_limit}
    if args.temp_directory:
        config["temp_directory"] = args.temp_directory
    return config


def child_pipeline(args: argparse.Namespace) -> dict[str, Any]:
    import duckdb  # noqa: F401 - an import, not the step: Warehouse.connection() imports it lazily

    from benchmarks import pipelines
    from outfield.warehouse import Warehouse

    params = json.loads(args.params)
    t = time.perf_counter()
    wh = Warehouse.duckdb(args.db, duckdb_config=_duckdb_config(args))
    with wh:
        rows, parts = pipelines.run(args.step, wh, params)
        wall = time.perf_counter() - t
        peak = _peak_gb()
        if args.result:
            with open(args.result, "wb") as f:
                pickle.dump(pipelines.collect(args.step, wh, params), f)
    return {"wall_s": wall, "peak_rss_gb": peak, "rows": rows, "parts": parts}


def child_baseline(args: argparse.Namespace) -> dict[str, Any]:
    import duckdb

    from benchmarks import baseline

    params = json.loads(args.params)
    t = time.perf_counter()
    con = duckdb.connect(args.db, read_only=True)  # an analyst's notebook: DuckDB's defaults
    result, read_s = baseline.STEPS[args.step](con, params)
    wall = time.perf_counter() - t
    peak = _peak_gb()
    con.close()
    if args.result:
        with open(args.result, "wb") as f:
            pickle.dump(result, f)
    return {"wall_s": wall, "read_s": read_s, "compute_s": wall - read_s, "peak_rss_gb": peak,
            "rows": _result_rows(args.step, result)}


def _result_rows(step: str, result: dict[str, Any]) -> int:
    if step == "crowd":
        return int(result["membership_rows"])
    return int(len(next(iter(result.values()))))


def child_parse(args: argparse.Namespace) -> dict[str, Any]:
    t0 = time.perf_counter()
    from airflow.dag_processing.dagbag import DagBag

    t1 = time.perf_counter()
    bag = DagBag(dag_folder=str(ROOT / "dags"))
    t2 = time.perf_counter()
    stats = sorted(((Path(s.file).name, _seconds(s.duration), s.dag_num) for s in bag.dagbag_stats),
                   key=lambda s: -s[1])
    return {"import_airflow_s": t1 - t0, "fill_s": t2 - t1, "dags": len(bag.dags),
            "import_errors": len(bag.import_errors), "heavy_modules": [m for m in ("pandas", "duckdb", "psycopg") if m in sys.modules],
            "files": [{"file": f, "seconds": s, "dags": n} for f, s, n in stats],
            "peak_rss_gb": _peak_gb()}


def _seconds(value: Any) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


CHILDREN = {"generate": child_generate, "pipeline": child_pipeline, "baseline": child_baseline, "parse": child_parse}


# ================================================================================================ parent
def _child_env() -> dict[str, str]:
    env = os.environ.copy()
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "plugins"), str(ROOT)] +
                                        ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    home = BENCH_DIR / "airflow-home"
    home.mkdir(parents=True, exist_ok=True)
    env.setdefault("AIRFLOW_HOME", str(home))
    env["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
    env["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(ROOT / "plugins")
    env["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    env.setdefault("OUTFIELD_DATA_DIR", str(BENCH_DIR / "outputs"))
    return env


def spawn(kind: str, args: argparse.Namespace, **opts: Any) -> dict[str, Any]:
    """Run one child (``python -m benchmarks.run --child KIND ...``); kill it past the RSS cap."""
    import psutil

    with tempfile.NamedTemporaryFile(dir=BENCH_DIR, prefix=f"{kind}-", suffix=".json", delete=False) as f:
        out = Path(f.name)
    cmd = [sys.executable, "-m", "benchmarks.run", "--child", kind, "--child-out", str(out),
           "--threads", str(args.threads), "--memory-limit", args.memory_limit]
    if args.temp_directory:
        cmd += ["--temp-directory", args.temp_directory]
    for key, value in opts.items():
        if value is not None:
            cmd += [f"--{key.replace('_', '-')}", str(value)]
    cap = args.rss_cap_gb * 1024**3
    proc = subprocess.Popen(cmd, cwd=ROOT, env=_child_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    killed: dict[str, float] = {}
    log: list[str] = []
    reader = threading.Thread(target=lambda: log.extend(proc.stdout), daemon=True)
    reader.start()
    ps = psutil.Process(proc.pid)
    deadline = time.monotonic() + args.timeout
    while proc.poll() is None:
        try:
            rss = ps.memory_info().rss
        except psutil.NoSuchProcess:
            break
        if rss > cap or time.monotonic() > deadline:
            killed = {"rss_gb": rss / 1024**3, "timeout": time.monotonic() > deadline}
            proc.kill()
            break
        time.sleep(0.05)
    proc.wait()
    reader.join(timeout=5)
    try:
        if killed:
            why = (f"timed out after {args.timeout} s" if killed["timeout"]
                   else f"killed at {killed['rss_gb']:.1f} GB RSS (cap {args.rss_cap_gb} GB)")
            return {"error": why}
        if proc.returncode != 0:
            return {"error": f"exit {proc.returncode}: " + "".join(log)[-2000:]}
        return json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)


def ensure_warehouse(scale: Scale, args: argparse.Namespace) -> dict[str, Any]:
    """Generate the scale's warehouse unless a file made with the same arguments exists (``--regen``)."""
    manifest = scale.db().with_suffix(".json")
    wanted = {"users": scale.users, "days": scale.days, "trials_per_user_day": scale.trials_per_user_day,
              "orders_per_conversion": scale.orders_per_conversion,
              "end": END.isoformat(), "seed": SEED, "generator": _generator_digest()}
    if not args.regen and scale.db().exists() and manifest.exists():
        known = json.loads(manifest.read_text())
        if known.get("arguments") == wanted:
            print(f"[{scale.name}] reusing {scale.db()} (generated {known['generated_at']})", flush=True)
            return {**known["generation"], "reused": True}
    print(f"[{scale.name}] generating {scale.users:,} users x {scale.days} days -> {scale.db()}", flush=True)
    gen = spawn("generate", args, scale=scale.name, db=scale.db())
    if "error" in gen:
        raise SystemExit(f"[{scale.name}] generation failed: {gen['error']}")
    gen.pop("summary", None)
    manifest.write_text(json.dumps({"arguments": wanted, "generated_at": dt.datetime.now().isoformat(timespec="seconds"),
                                    "generation": gen}, indent=1))
    return {**gen, "reused": False}


def _generator_digest() -> str:
    import hashlib

    return hashlib.sha256((ROOT / "plugins/outfield/demo/generator.py").read_bytes()).hexdigest()[:12]


def bench_step(scale: Scale, step: str, args: argparse.Namespace) -> dict[str, Any]:
    params = step_params(step)
    p_json = json.dumps(params)
    res_pipe = BENCH_DIR / f"{scale.name}-{step}-pipeline.pkl"
    res_base = BENCH_DIR / f"{scale.name}-{step}-pandas.pkl"
    runs = []
    for i in range(args.repeat):
        last = i == args.repeat - 1
        r = spawn("pipeline", args, step=step, db=scale.db(), params=p_json, result=res_pipe if last else None)
        runs.append(r)
        print(f"[{scale.name}] {step:<12} pipeline run {i + 1}: " + _brief(r), flush=True)
        if "error" in r:
            break
    ok = [r for r in runs if "error" not in r]
    out: dict[str, Any] = {"params": params, "pipeline_runs": runs}
    if ok:
        walls = [r["wall_s"] for r in ok]
        out["pipeline"] = {"wall_s": statistics.median(walls), "wall_min_s": min(walls),
                           "peak_rss_gb": max(r["peak_rss_gb"] for r in ok), "rows": ok[-1]["rows"],
                           "parts": {k: statistics.median(r["parts"][k] for r in ok) for k in ok[-1]["parts"]}}
    if args.no_baseline or scale.name in args.skip_baseline:
        out["baseline"] = {"skipped": "--no-baseline" if args.no_baseline else f"--skip-baseline {scale.name}"}
        res_pipe.unlink(missing_ok=True)
        return out
    bruns = []
    for i in range(args.baseline_repeat):
        last = i == args.baseline_repeat - 1
        b = spawn("baseline", args, step=step, db=scale.db(), params=p_json, result=res_base if last else None)
        bruns.append(b)
        print(f"[{scale.name}] {step:<12} pandas   run {i + 1}: " + _brief(b), flush=True)
        if "error" in b:
            break
    bok = [b for b in bruns if "error" not in b]
    out["baseline_runs"] = bruns
    if bok:
        out["baseline"] = {k: statistics.median(b[k] for b in bok) for k in ("wall_s", "read_s", "compute_s")}
        out["baseline"].update(peak_rss_gb=max(b["peak_rss_gb"] for b in bok), rows=bok[-1]["rows"])
    else:
        out["baseline"] = {"error": bruns[-1]["error"]}
    if "pipeline" in out and "wall_s" in out["baseline"]:
        pipe = out["pipeline"]["wall_s"]
        out["speedup"] = out["baseline"]["wall_s"] / pipe
        out["speedup_compute_only"] = out["baseline"]["compute_s"] / pipe
        with open(res_pipe, "rb") as f:
            got = pickle.load(f)
        with open(res_base, "rb") as f:
            expected = pickle.load(f)
        problems = compare(step, got, expected)
        out["equal"] = not problems
        out["differences"] = problems[:20]
        print(f"[{scale.name}] {step:<12} results {'EQUAL' if not problems else 'DIFFER: ' + '; '.join(problems[:3])}",
              flush=True)
    for p in (res_pipe, res_base):
        p.unlink(missing_ok=True)
    return out


def _brief(r: dict[str, Any]) -> str:
    if "error" in r:
        return "ERROR " + r["error"].strip().splitlines()[-1][:300]
    extra = f" (read {r['read_s']:.2f} s)" if "read_s" in r else ""
    return f"{r['wall_s']:.3f} s{extra}, peak {r['peak_rss_gb']:.2f} GB, {r['rows']:,} rows"


# ------------------------------------------------------------------------------------------------ compare
KEYS = {"churn_callback_list": ["user_pin", "merchant_id"], "churn_daily_stats": ["merchant_id"],
        "redpacket_funnel_weekly": ["shop_id"], "dq_check_results": ["check_name", "subject", "metric"]}


def compare(step: str, got: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """Differences between the pipeline's output and the baseline's ([] when they are equal)."""
    problems: list[str] = []
    if step == "crowd":
        for key in ("segment_sizes", "membership_rows", "membership_digest"):
            if got[key] != expected[key]:
                problems.append(f"{key}: pipeline {got[key]} != pandas {expected[key]}")
        if got["summary_sizes"] != got["segment_sizes"]:
            problems.append(f"crowd_summary {got['summary_sizes']} != membership {got['segment_sizes']}")
        return problems
    for table, keys in KEYS.items():
        if table in expected:
            problems += [f"{table}: {p}" for p in _frames_differ(got[table], expected[table], keys)]
    return problems


def _frames_differ(a, b, keys: list[str]) -> list[str]:
    import numpy as np
    import pandas as pd

    if list(a.columns) != list(b.columns):
        return [f"columns {list(a.columns)} != {list(b.columns)}"]
    if len(a) != len(b):
        return [f"{len(a)} rows != {len(b)} rows"]

    def norm(df):
        df = df.copy()
        for c in df.columns:
            s = df[c]
            if c in ("business_date", "week_start", "first_trial_at") or pd.api.types.is_datetime64_any_dtype(s):
                df[c] = pd.to_datetime(s).astype("datetime64[us]")
            elif pd.api.types.is_numeric_dtype(s) or s.map(lambda v: hasattr(v, "as_tuple")).any():
                df[c] = pd.to_numeric(s.astype(object), errors="coerce").astype(float)
            else:
                df[c] = s.astype(object).where(s.notna(), None)
        return df.sort_values(keys, na_position="last", key=lambda s: s.astype(str)).reset_index(drop=True)

    a, b = norm(a), norm(b)
    problems = []
    for c in a.columns:
        x, y = a[c], b[c]
        if pd.api.types.is_float_dtype(x) and pd.api.types.is_float_dtype(y):
            bad = ~np.isclose(x.to_numpy(), y.to_numpy(), rtol=1e-9, atol=1e-6, equal_nan=True)
        else:
            bad = ~np.array([(u == v) or (u is None and v is None) for u, v in zip(x, y, strict=True)])
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            row = {k: a.at[i, k] for k in keys}
            problems.append(f"{c}: {int(bad.sum())} rows differ, e.g. {row}: pipeline {x.iat[i]!r} != pandas {y.iat[i]!r}")
    return problems


# ------------------------------------------------------------------------------------------------ machine, table
def machine() -> dict[str, Any]:
    import duckdb
    import pandas as pd
    import psutil

    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout.strip())
    return {"cores": os.cpu_count(), "ram_gb": round(psutil.virtual_memory().total / 1024**3, 1), "cpu_model": model,
            "python": platform.python_version(), "duckdb": duckdb.__version__, "pandas": pd.__version__,
            "platform": platform.platform(), "git_commit": commit + ("+dirty" if dirty else ""),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


def _fmt(x: float | None, unit: str = "", digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:.{digits}f}{unit}"


def table(results: dict[str, Any]) -> str:
    """Markdown table of the results (also what README.md shows)."""
    lines = ["| scale | step | rows | pipeline s (min) | peak RSS GB | pandas s (read + compute) | pandas RSS GB "
             "| speed-up (compute only) | equal | target at L |",
             "|---|---|---:|---:|---:|---:|---:|---:|---|---|"]
    for name, sc in results["scales"].items():
        for step in STEPS:
            r = sc["steps"].get(step)
            if not r:
                continue
            p, b = r.get("pipeline", {}), r.get("baseline", {})
            pipe = (f"{_fmt(p.get('wall_s'))} ({_fmt(p.get('wall_min_s'))})" if p
                    else "error: " + r["pipeline_runs"][-1].get("error", "")[:60])
            if "wall_s" in b:
                base = f"{_fmt(b['wall_s'], digits=2)} ({_fmt(b['read_s'], digits=2)} + {_fmt(b['compute_s'], digits=2)})"
                speed = f"{_fmt(r.get('speedup'), 'x', 1)} ({_fmt(r.get('speedup_compute_only'), 'x', 1)})"
                brss = _fmt(b["peak_rss_gb"], digits=2)
            else:
                base, speed, brss = b.get("skipped") or ("error: " + b.get("error", "")[:60]), "-", "-"
            target = ""
            if name == "L" and p:
                met = (p["wall_s"] <= TARGETS[step] and p["peak_rss_gb"] <= TARGET_RSS_GB
                       and (r.get("speedup") is None or r["speedup"] >= TARGET_SPEEDUP))
                target = f"{'met' if met else 'MISSED'} (<= {TARGETS[step]} s)"
            equal = {True: "yes", False: "NO"}.get(r.get("equal"), "-")
            lines.append(f"| {name} | {step} | {p.get('rows', 0):,} | {pipe} | {_fmt(p.get('peak_rss_gb'), digits=2)} "
                         f"| {base} | {brss} | {speed} | {equal} | {target} |")
    return "\n".join(lines)


def scale_table(results: dict[str, Any]) -> str:
    lines = ["| scale | users | days | fact_trial | fact_txn | fact_order | fact_redpacket_event | file GB "
             "| generation s | peak RSS GB |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, sc in results["scales"].items():
        g, rows = sc["generation"], sc["generation"]["rows"]
        lines.append(f"| {name} | {rows['dim_user']:,} | {sc['scale']['days']} | {rows['fact_trial']:,} | {rows['fact_txn']:,} "
                     f"| {rows['fact_order']:,} | {rows['fact_redpacket_event']:,} | {g['file_gb']:.2f} "
                     f"| {_fmt(g['wall_s'], digits=1)}{' (earlier run)' if g.get('reused') else ''} "
                     f"| {_fmt(g['peak_rss_gb'], digits=2)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--scales", default="S,M", help="comma-separated among S, M, L (default S,M)")
    p.add_argument("--steps", default=",".join(STEPS), help=f"comma-separated among {', '.join(STEPS)}")
    p.add_argument("--out", default=str(BENCH_DIR / "results.json"), help="JSON results file")
    p.add_argument("--repeat", type=int, default=3, help="pipeline runs per step (median reported)")
    p.add_argument("--baseline-repeat", type=int, default=1, help="pandas runs per step")
    p.add_argument("--no-baseline", action="store_true", help="skip the pandas baseline")
    p.add_argument("--skip-baseline", default="", help="scales without the pandas baseline, e.g. L")
    p.add_argument("--threads", type=int, default=2, help="DuckDB threads of the pipeline (connection extra)")
    p.add_argument("--memory-limit", default="3GB", help="DuckDB memory_limit of the pipeline (connection extra)")
    p.add_argument("--temp-directory", default=None, help="DuckDB temp_directory (spill)")
    p.add_argument("--rss-cap-gb", type=float, default=9.0, help="kill a child above this RSS")
    p.add_argument("--timeout", type=float, default=3600, help="seconds before a child is killed")
    p.add_argument("--regen", action="store_true", help="regenerate the warehouses even if present")
    p.add_argument("--keep-l", action="store_true", help="keep the L warehouse (deleted after the run by default)")
    p.add_argument("--no-parse", action="store_true", help="skip the dags/ parse-time measurement")
    # children
    p.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    p.add_argument("--child-out", help=argparse.SUPPRESS)
    for hidden in ("--scale", "--step", "--db", "--params", "--result"):
        p.add_argument(hidden, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.skip_baseline = [s.strip() for s in args.skip_baseline.split(",") if s.strip()]
    sys.path[:0] = [str(ROOT / "plugins"), str(ROOT)]
    if args.child:
        Path(args.child_out).write_text(json.dumps(CHILDREN[args.child](args), default=str))
        return 0

    scales = [s.strip().upper() for s in args.scales.split(",") if s.strip()]
    steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    for s in scales:
        if s not in SCALES:
            p.error(f"unknown scale {s!r} (S, M or L)")
    for s in steps:
        if s not in STEPS:
            p.error(f"unknown step {s!r}")
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"started_at": dt.datetime.now().isoformat(timespec="seconds"), "machine": machine(),
                               "settings": {"threads": args.threads, "memory_limit": args.memory_limit,
                                            "repeat": args.repeat, "baseline_repeat": args.baseline_repeat,
                                            "end": END.isoformat(), "seed": SEED},
                               "targets_at_L": {"seconds": TARGETS, "peak_rss_gb": TARGET_RSS_GB,
                                                "speedup": TARGET_SPEEDUP},
                               "scales": {}}
    if not args.no_parse:
        parse = spawn("parse", args)
        results["dag_parse"] = parse
        print(f"dags/ parse: DagBag fill {parse.get('fill_s', float('nan')):.2f} s "
              f"({parse.get('dags')} DAGs, {parse.get('import_errors')} import errors; "
              f"import airflow {parse.get('import_airflow_s', float('nan')):.2f} s)" if "error" not in parse
              else f"dags/ parse failed: {parse['error']}", flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        for name in scales:
            scale = SCALES[name]
            gen = ensure_warehouse(scale, args)
            print(f"[{name}] rows {gen['rows']}, file {gen['file_gb']:.2f} GB, generation {gen['wall_s']:.1f} s, "
                  f"peak {gen['peak_rss_gb']:.2f} GB", flush=True)
            sc = {"scale": dataclasses.asdict(scale), "generation": gen, "steps": {}}
            results["scales"][name] = sc
            for step in steps:
                sc["steps"][step] = bench_step(scale, step, args)
                out.write_text(json.dumps(results, indent=1, default=str))
            if name == "L" and not args.keep_l:
                for f in (scale.db(), Path(f"{scale.db()}.wal"), scale.db().with_suffix(".json")):
                    f.unlink(missing_ok=True)
                print("[L] warehouse deleted (--keep-l keeps it)", flush=True)
    finally:
        results["finished_at"] = dt.datetime.now().isoformat(timespec="seconds")
        results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
        out.write_text(json.dumps(results, indent=1, default=str))
    print()
    print(f"machine: {results['machine']['cores']} cores, {results['machine']['ram_gb']} GB RAM, "
          f"{results['machine']['cpu_model']}; DuckDB threads={args.threads} memory_limit={args.memory_limit}")
    print(scale_table(results))
    print()
    print(table(results))
    print(f"\nresults: {out}")
    bad = [f"{n}/{s}" for n, sc in results["scales"].items() for s, r in sc["steps"].items() if r.get("equal") is False]
    if bad:
        print(f"pipeline and pandas results differ: {', '.join(bad)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
