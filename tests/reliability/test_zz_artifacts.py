"""No full phone number in anything the test suite wrote: logs, exports, alerts, dashboards, artifacts.

This test runs after every other test of the session (tests/reliability/conftest.py moves it last),
and before tests/conftest.py deletes the session folder at session finish. It scans:

- the session folder (``session_dir``): the session's AIRFLOW_HOME (task logs of the ``airflow dags
  test`` runs, the metadata database with XComs) and the default OUTFIELD_DATA_DIR;
- pytest's base temp folder of this session: every test's ``tmp_path``, so every fresh data folder
  (exports, ``alerts/outbox.jsonl``, dashboards, weekly reports) and every other file a test wrote;
- ``test-artifacts/`` in the checkout (screenshots and reports the red-packet tests keep).

Warehouse files (``*.duckdb`` and their ``.wal``) are skipped: they hold the source tables, where
``dim_user.phone`` is the full number by definition. Binary files are scanned as bytes (an ASCII
number in an SQLite page is found too); images cannot be read and are skipped.
"""

from __future__ import annotations

from pathlib import Path

from tests.reliability import scan

ROOT = Path(__file__).resolve().parents[2]
WAREHOUSE_SUFFIXES = (".duckdb", ".wal")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".ico", ".webp")


def test_no_full_phone_number_in_anything_the_suite_wrote(session_dir, tmp_path_factory):
    roots = [session_dir, tmp_path_factory.getbasetemp(), ROOT / "test-artifacts"]
    scanned, found = 0, []
    for path in scan.files_under(roots):
        if path.name.endswith(WAREHOUSE_SUFFIXES) or path.suffix in IMAGE_SUFFIXES:
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        scanned += 1
        found += scan.phone_findings(path, data)
    assert scanned > 0
    assert found == [], "\n".join(found[:50])
