"""Files for people: CSV with a BOM (Excel opens Chinese text), phone masking, atomic writes."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

_DIGITS = re.compile(r"\D")


def mask_phone(phone: str | None) -> str | None:
    """``13812345678`` -> ``138****5678``; None stays None; short or odd values become ``****``."""
    if phone is None:
        return None
    p = str(phone).strip()
    if not p:
        return None
    return f"{p[:3]}****{p[-4:]}" if len(p) >= 7 else "****"


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    return value


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> int:
    """Write rows as UTF-8-with-BOM CSV, atomically (temp file + rename). Returns the row count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    n = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([_cell(row.get(c)) for c in columns])
                n += 1
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return n
