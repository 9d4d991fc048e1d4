"""Small helpers to write hand-made source rows into a test warehouse."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

COLUMNS = {
    "dim_user": ["user_pin", "phone", "bt_activated_at"],
    "dim_store": ["shop_id", "store_name", "merchant_id", "merchant_name", "channel", "address", "city"],
    "fact_trial": ["trial_id", "user_pin", "shop_id", "trial_at", "amount", "result", "reject_reason"],
    "fact_txn": ["txn_id", "trial_id", "user_pin", "shop_id", "created_at", "amount", "status"],
    "fact_order": ["order_id", "txn_id", "user_pin", "shop_id", "paid_at", "amount", "category", "gross_margin"],
    "fact_redpacket_event": ["event_id", "code_id", "shop_id", "user_pin", "event_type", "event_at", "amount",
                             "order_id"],
    "dim_store_calibrated": ["shop_id", "city", "city_source", "business_date"],
}


def ts(value: str) -> dt.datetime:
    """'2026-06-10 10:00' or '2026-06-10 10:00:05' -> naive local datetime."""
    return dt.datetime.fromisoformat(value)


def insert(wh, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
    cols = COLUMNS[table]
    def conv(v):
        if isinstance(v, float):
            return Decimal(str(v))
        return v
    wh.copy_rows(table, cols, [tuple(conv(r.get(c)) for c in cols) for r in rows])


def phone(a: str, b: str) -> str:
    """Build a test phone from parts, so that no 11-digit number stands in the repository."""
    return f"1{a}{b}"
