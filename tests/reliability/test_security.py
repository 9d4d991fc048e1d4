"""No secret or token in the repository, and no real-looking phone number in its files.

Scans every git-tracked file (and every untracked one git would commit) for Slack tokens and webhooks,
AWS keys, private keys, GitHub tokens and passwords in URLs. Allowed: the obviously fake test token
``xoxb-test-not-a-real-token`` of tests/alerts/fake_slack.py (and digit-less ones such as
``xoxb-wrong``), placeholders in URLs (``${POSTGRES_PASSWORD}``, ``<token>``). Phone numbers in the
repository must be obviously made up (``13812345678``, ``15000000000``); everything the test suite
writes is scanned without that allowance by test_zz_artifacts.py.

That the UI plugin's endpoints refuse anonymous requests is tested against a real api-server in
tests/redpacket/test_plugin_auth.py (``test_anonymous_request_is_refused``, ``test_forged_token_is_refused``).
"""

from __future__ import annotations

from pathlib import Path

from tests.alerts.fake_slack import TEST_TOKEN
from tests.reliability import scan

ROOT = Path(__file__).resolve().parents[2]


def test_repository_holds_no_secret():
    files = scan.repo_files(ROOT)
    assert len(files) > 50
    found = []
    for path in files:
        data = path.read_bytes()
        if b"\0" in data[:8192] or path.suffix in scan.SKIP_SUFFIXES:
            continue
        found += scan.secret_findings(path.relative_to(ROOT), data.decode("utf-8", errors="replace"))
    assert found == [], "\n".join(found)


def test_repository_holds_no_real_looking_phone_number():
    found = []
    for path in scan.repo_files(ROOT):
        if path.suffix in scan.SKIP_SUFFIXES:
            continue
        found += scan.phone_findings(path.relative_to(ROOT), path.read_bytes(), allow_fake=True)
    assert found == [], "\n".join(found)


def test_the_scanner_finds_what_it_must_and_allows_the_fake_token():
    """The patterns work (examples are assembled here, so that no literal secret stands in this file)."""
    digits = "".join(str(i % 10) for i in range(1, 13))
    bad = {
        "slack token": "xoxb-" + digits + "-" + digits + "-AbCdEfGhIjKlMnOp",
        "aws access key id": "AKIA" + "QWERTYUIOPASDFGH",
        "aws secret key": "aws_secret_access_key = " + "aB3/" * 10,
        "private key": "-----BEGIN " + "RSA PRIVATE KEY-----",
        "github token": "ghp_" + "a1" * 18,
        "password in url": "postgresql://warehouse:" + "s3cr3t-Pa55" + "@db:5432/warehouse",
        "slack webhook": "https://hooks.slack.com/services/T" + "0ABCDEF12/B0ABCDEF12/" + "x1y2z3" * 4,
    }
    for kind, text in bad.items():
        assert [f for f in scan.secret_findings(Path("x"), f"line\n{text}\n") if kind in f], kind
    good = [TEST_TOKEN, "xoxb-wrong", f"slack://:{TEST_TOKEN}@/?base_url=x",
            "postgresql+psycopg2://${POSTGRES_USER:-airflow}:${POSTGRES_PASSWORD:?set it}@postgres/airflow",
            "redis://:@redis:6379/0", '{"password": "<token from your secret store>"}']
    for text in good:
        assert list(scan.secret_findings(Path("x"), text)) == [], text
    assert "test" in TEST_TOKEN and "not-a-real" in TEST_TOKEN  # the allow-listed token says it is fake
    phone = "1" + "39" + "0123" + "4567"
    assert [f for f in scan.phone_findings(Path("x"), f"call {phone}".encode()) if "139****4567" in f]
    assert not list(scan.phone_findings(Path("x"), ("1" + "38" + "12345678").encode(), allow_fake=True))
    assert not list(scan.phone_findings(Path("x"), ("order " + "2" + phone + "9").encode()))
    # inside a hex digest (Airflow's metadata DB is full of them) it is not a phone; next to text it is
    assert not list(scan.phone_findings(Path("x"), ("version a3f0" + phone + "c9e1b\x00").encode()))
    task_id = "7f725591-ce03-4c13-adf6-" + phone + "a"  # a Celery task id whose last group is 11 digits + a
    assert not list(scan.phone_findings(Path("x"), f"Task execute_workload[{task_id}] received".encode()))
    assert list(scan.phone_findings(Path("x"), f"call {phone}-a3f0".encode()))  # next to a hyphen: still a phone
    for text in (f'{{"phone": "{phone}"}}', f"tel:{phone};", f"\x00{phone}\x00", f"abc{phone}"):
        assert list(scan.phone_findings(Path("x"), text.encode())), text
