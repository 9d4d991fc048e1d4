"""Scanners for secrets and full phone numbers (used by test_security.py and test_zz_artifacts.py).

Findings are reported masked (a token's first characters, ``138****5678``), so that a failing test
never prints the secret or the phone number it found.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path

#: An 11-digit mainland mobile number not inside a longer digit run (as outfield.alerts masks them).
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
PHONE_BYTES = re.compile(rb"(?<!\d)1[3-9]\d{9}(?!\d)")
#: Obviously made-up numbers in the repository's docstrings and masking tests (13812345678, 15000000000).
FAKE_PHONE_TAIL = re.compile(r"(?:12345678|87654321|(\d)\1{7})\Z")

SECRETS: dict[str, re.Pattern[str]] = {
    "slack token": re.compile(r"\bxox[abposr]-[0-9A-Za-z-]{6,}"),
    "slack webhook": re.compile(r"hooks\.slack\.com/services/T[0-9A-Z]{6,}/B[0-9A-Z]{6,}/[0-9A-Za-z]{16,}"),
    "aws access key id": re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])"),
    "aws secret key": re.compile(r"(?i)aws_?secret_?access_?key\W{0,5}[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])"),
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----"),
    "github token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}"),
    "password in url": re.compile(r"\b[a-z][a-z0-9+.\-]*://(?P<user>[^\s/@:'\"]*):(?P<pw>[^\s/@'\"]+)@"),
}
#: Clearly fake Slack tokens of the tests (no digits, says so): tests/alerts/fake_slack.py and friends.
FAKE_TOKENS = {"xoxb-test-not-a-real-token"}
URL_PASSWORD_PLACEHOLDERS = {"password", "pass", "secret", "change-me", "changeme", "xxx", "***", "...", "pw"}
SKIP_SUFFIXES = (".duckdb", ".wal", ".db-wal", ".db-shm", ".png", ".jpg", ".jpeg", ".gif", ".ico", ".pdf",
                 ".zip", ".gz", ".whl", ".pyc")


def repo_files(root: Path) -> list[Path]:
    """The git-tracked files and the untracked ones git would commit (not ignored)."""
    out = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         capture_output=True, check=True).stdout
    return sorted({root / p for p in out.decode().split("\0") if p and (root / p).is_file()})


def _is_fake_token(token: str) -> bool:
    return token in FAKE_TOKENS or not re.search(r"\d{4,}", token)


def secret_findings(path: Path, text: str) -> Iterator[str]:
    for kind, pattern in SECRETS.items():
        for m in pattern.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            if kind == "slack token" and _is_fake_token(m.group(0)):
                continue
            if kind == "password in url":
                user, pw = m.group("user"), m.group("pw")
                if (pw in FAKE_TOKENS or pw.lower() in URL_PASSWORD_PLACEHOLDERS
                        or any(c in user + pw for c in "${<%") or not pw):
                    continue
            yield f"{path}:{line}: {kind} {m.group(0)[:8]}…"


def mask(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"


_HEX = frozenset(b"0123456789abcdefABCDEF")


_UUID = re.compile(rb"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _in_hex_digest(data: bytes, start: int, end: int) -> bool:
    """The digits sit inside a UUID (Celery task ids in the worker's log), or inside a run of 16+ hex
    characters with a letter in it (a hash, a serialized DAG's version id in Airflow's metadata
    database): not a phone number."""
    for m in _UUID.finditer(data, max(0, start - 36), min(len(data), end + 36)):
        if m.start() <= start and end <= m.end():
            return True
    lo, hi = start, end
    while lo > 0 and data[lo - 1] in _HEX:
        lo -= 1
    while hi < len(data) and data[hi] in _HEX:
        hi += 1
    run = data[lo:hi]
    return hi - lo >= 16 and any(c not in b"0123456789" for c in run)


def phone_findings(path: Path, data: bytes, allow_fake: bool = False) -> Iterator[str]:
    """Full phone numbers in a file's bytes (text or binary); ``allow_fake`` skips 13812345678 & co.

    Digits inside a hex digest are not phone numbers (random hashes contain 11-digit runs now and
    then); a phone written next to ordinary text or punctuation is always found."""
    for m in PHONE_BYTES.finditer(data):
        phone = m.group(0).decode()
        if allow_fake and FAKE_PHONE_TAIL.search(phone):
            continue
        if _in_hex_digest(data, m.start(), m.end()):
            continue
        line = data.count(b"\n", 0, m.start()) + 1
        yield f"{path}:{line}: phone {mask(phone)}"


def files_under(roots: Iterable[Path]) -> Iterator[Path]:
    for root in roots:
        if root.is_file():
            yield root
        elif root.is_dir():
            yield from (p for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink())
