"""Command line: ``PYTHONPATH=plugins python -m outfield.demo [options]``.

Writes the six source tables of the spec (replacing them) and prints one line per table and the
injected defects. Without ``--duckdb``/``--postgres`` it uses the Airflow connection ``warehouse``.
``--clean`` removes the generator's built-in documented defects afterwards, and ``--inject
NAME@YYYY-MM-DD`` (repeatable) injects a defect on a day (``outfield.demo.defects``), e.g. a clean
warehouse with a churn spike: ``--clean --inject churn_spike@2026-06-25``.
Nothing personal is printed (no phone number, no user list; a PostgreSQL conninfo is not echoed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from typing import Any

from outfield.demo.generator import MAX_DAYS, MAX_USERS, MIN_USERS, DemoError, generate

DEFAULT_USERS = 20_000
DEFAULT_DAYS = 60
DEFAULT_SEED = 42


def _int_in(lo: int, hi: int, what: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be an integer, got {text!r}") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{what} must be from {lo:,} to {hi:,}, got {value:,}")
        return value

    return parse


def _date(text: str) -> dt.date:
    from outfield.dates import DateParamError, parse_date

    try:
        return parse_date(text, "--end")
    except DateParamError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _inject(text: str) -> tuple[str, dt.date]:
    from outfield.demo.defects import DefectError, parse_spec

    try:
        return parse_spec(text)
    except (DefectError, ValueError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def default_end() -> dt.date:
    """Yesterday in Asia/Shanghai."""
    from outfield.dates import local_day

    return local_day(dt.datetime.now(dt.UTC)) - dt.timedelta(days=1)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m outfield.demo",
        description="Generate the synthetic outfield source warehouse (dim_user, dim_store, fact_trial, "
                    "fact_txn, fact_order, fact_redpacket_event), replacing those tables.")
    p.add_argument("--users", type=_int_in(MIN_USERS, MAX_USERS, "--users"), default=DEFAULT_USERS,
                   help=f"number of users (default {DEFAULT_USERS})")
    p.add_argument("--days", type=_int_in(1, MAX_DAYS, "--days"), default=DEFAULT_DAYS,
                   help=f"days of facts, ending at --end inclusive (default {DEFAULT_DAYS})")
    p.add_argument("--end", type=_date, default=None,
                   help="last day with data, YYYY-MM-DD (default: yesterday in Asia/Shanghai)")
    p.add_argument("--seed", type=_int_in(0, 2**63 - 1, "--seed"), default=DEFAULT_SEED,
                   help=f"random seed; the same arguments give the same rows (default {DEFAULT_SEED})")
    target = p.add_mutually_exclusive_group()
    target.add_argument("--duckdb", metavar="PATH", help="write to this DuckDB file (created if missing)")
    target.add_argument("--postgres", metavar="CONNINFO",
                        help="write to PostgreSQL, e.g. 'host=127.0.0.1 dbname=outfield user=postgres'")
    p.add_argument("--schema", help="PostgreSQL schema (created if missing; only with --postgres)")
    p.add_argument("--clean", action="store_true",
                   help="then remove the built-in documented defects (duplicates, bad trial rows, lost "
                        "transactions, stores without a city): see outfield.demo.defects.clean")
    p.add_argument("--inject", metavar="NAME@YYYY-MM-DD", type=_inject, action="append", default=[],
                   help="then inject defect NAME on that day (repeatable): late_table, txn_loss, duplicate_keys, "
                        "missing_city, volume_drop, churn_spike, crowd_jump (see outfield.demo.defects)")
    return p


def open_warehouse(args: argparse.Namespace) -> tuple[Any, str]:
    from outfield.warehouse import Warehouse

    if args.duckdb:
        return Warehouse.duckdb(args.duckdb), f"duckdb {args.duckdb}"
    if args.postgres:
        wh = Warehouse("postgres", pg_kwargs={"conninfo": args.postgres}, schema=args.schema)
        return wh, "postgres" + (f" (schema {args.schema})" if args.schema else "")
    wh = Warehouse.from_connection()
    return wh, f"Airflow connection 'warehouse' ({wh.dialect}{' ' + wh.path if wh.path else ''})"


def format_summary(summary: dict[str, Any], target: str) -> str:
    end = dt.date.fromisoformat(summary["end"])
    lines = [
        f"outfield demo warehouse -> {target}",
        f"window {summary['start']} .. {summary['end']} ({summary['days']} days), {summary['users']:,} users, "
        f"{summary['stores']} stores, seed {summary['seed']}",
    ]
    for table, n in summary["rows"].items():
        lines.append(f"  {table:<22} {n:>12,} rows")
    lines.append("defects (see outfield.demo docstring):")
    for d in summary["defects"]:
        when = "(whole table)" if d["day"] is None else \
            f"{d['day']} (end{(dt.date.fromisoformat(d['day']) - end).days:+d})"
        lines.append(f"  {when:<19} {d['name']}: {d['description']}")
    st = summary["stats"]
    lines.append(f"shares: trials rejected {st['reject_share']:.1%}; passing offline (user, merchant) pairs not "
                 f"converted {st['nonconverted_share_offline']:.1%}; Apple order amount at null/blank-city stores "
                 f"{st['apple_blank_city_amount_share']:.1%}")
    return "\n".join(lines)


def apply_defects(wh: Any, clean: bool, inject: list[tuple[str, dt.date]]) -> list[str]:
    """``--clean`` then each ``--inject``; returns the lines to print (no personal data)."""
    from outfield.demo import defects

    lines: list[str] = []
    if clean:
        repaired = defects.clean(wh)
        lines.append("cleaned (built-in defects removed): "
                     f"duplicate rows {sum(repaired['duplicate_rows'].values())}, "
                     f"incomplete rows {sum(repaired['incomplete_rows'].values())}, "
                     f"rows at unknown shops {sum(repaired['unknown_shop_rows'].values())}, "
                     f"lost transactions restored {repaired['restored_txns']}, "
                     f"store cities filled {len(repaired['store_cities'])}")
    if inject:
        lines.append("injected defects (see outfield.demo.defects):")
    for name, day in inject:
        done = defects.inject(wh, name, day)
        caught = ", ".join(f"{c['check']} {c['subject']}" for c in done["caught_by"])
        lines.append(f"  {day} {name}: {done['description']} (caught by: {caught})")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.schema and not args.postgres:
        parser.error("--schema needs --postgres")
    end = args.end or default_end()
    start = end - dt.timedelta(days=args.days - 1)
    for name, day in args.inject:
        if not start <= day <= end:
            parser.error(f"--inject {name}@{day}: the day is outside the window {start} .. {end}")
    t0 = time.perf_counter()
    extra: list[str] = []
    try:
        wh, target = open_warehouse(args)
        with wh:
            summary = generate(wh, users=args.users, days=args.days, end=end, seed=args.seed)
            extra = apply_defects(wh, args.clean, args.inject)
    except DemoError as exc:
        parser.error(str(exc))
    except Exception as exc:  # noqa: BLE001 - one clear line instead of a traceback
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        print(f"{parser.prog}: error: {type(exc).__name__}: {first}", file=sys.stderr)
        return 1
    print(format_summary(summary, target))
    if extra:
        print("\n".join(extra))
    print(f"done in {time.perf_counter() - t0:.1f} s (build {summary['build_seconds']:.1f} s, "
          f"load {summary['load_seconds']:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
