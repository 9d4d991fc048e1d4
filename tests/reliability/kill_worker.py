"""Worker of test_kill.py: rewrite one date's outputs over and over until it is SIGKILLed.

``python tests/reliability/kill_worker.py WAREHOUSE.duckdb YYYY-MM-DD`` (PYTHONPATH=plugins): in a loop,
``churn.build`` for D with cooldown_days alternating 7 and 0 (two different callback lists of D), then
``crowds.build`` of the example campaign as of D+1; prints the number of each finished loop.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from outfield import churn, crowds
from outfield.campaigns import load_campaign
from outfield.warehouse import Warehouse

CAMPAIGN = Path(__file__).resolve().parents[2] / "include" / "campaigns" / "c618_dandan_fan.yaml"


def main(path: str, day: str) -> None:
    d = dt.date.fromisoformat(day)
    campaign = load_campaign(CAMPAIGN)
    with Warehouse.duckdb(path) as wh:
        i = 0
        while True:
            churn.build(wh, d, 0 if i % 2 else 7)
            crowds.build(wh, campaign, d + dt.timedelta(days=1))
            print(i, flush=True)
            i += 1


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
