"""The week's dashboard rendered in a real headless Chromium (DevTools protocol, tests/redpacket/cdp.py).

The page is built from the hand-made warehouse of tests/redpacket/data.py (weeks W-1 and W), opened
from disk with no network at all (its Content-Security-Policy forbids every fetch), and must show its
three plotly charts with no console error; the filters and sorting of the store table must work.
A full-page screenshot is kept as test-artifacts/redpacket_dashboard_<week>.png.
"""

from __future__ import annotations

import datetime as dt
import json
import struct

import pytest

from outfield import redpacket
from outfield.dashboard import browser, files, publish
from outfield.warehouse import Warehouse
from tests.alerts.fake_slack import TEST_TOKEN, FakeSlack
from tests.redpacket import data
from tests.redpacket.cdp import Browser


@pytest.fixture()
def published(data_dir, tmp_path):
    with Warehouse.duckdb(tmp_path / "wh.duckdb") as wh:
        wh.create_source_tables()
        wh.ensure_tables()
        data.load(wh)
        out = {}
        for week in (data.W_PREV, data.W):
            redpacket.build(wh, week)
            out[week] = publish.write_week(week, publish.load_week(wh, week), run_link="http://localhost:8080/x",
                                           generated_at="2026-06-15 09:00 (UTC+8)")
    return out


def test_page_is_self_contained(published):
    html = files.week_html_path(data.W).read_text(encoding="utf-8")
    assert "<script src" not in html and "<link" not in html  # plotly.js inlined, no CDN
    assert "default-src 'none'" in html
    assert html.count('class="plotly-graph-div"') == 3
    weeks = files.read_index()
    assert [w["week_start"] for w in weeks] == ["2026-06-08", "2026-06-01"]
    assert weeks[0]["claim_users"] == 13 and weeks[0]["order_users"] == 4  # claimers S1 10 + S2 2 + S3 1
    index = (files.dashboards_dir() / "index.html").read_text(encoding="utf-8")
    assert 'href="2026-06-08.html"' in index and 'href="2026-06-01.html"' in index


def test_dashboard_renders_in_headless_chromium(published, chromium, artifacts):
    page = files.week_html_path(data.W)
    with Browser(chromium, width=1400, height=2000) as b:
        b.open(page.as_uri())
        charts = b.evaluate("""Array.from(document.querySelectorAll('.js-plotly-plot')).map(d => ({
            id: d.id, svg: d.querySelectorAll('svg.main-svg').length, traces: d.querySelectorAll('.trace').length,
            text: d.textContent}))""")
        assert [c["id"] for c in charts] == ["chart-funnel", "chart-ranking", "chart-trend"]
        for c in charts:
            assert c["svg"] >= 1 and c["traces"] >= 1, c
        assert "Apple" in charts[0]["text"] and "联想" in charts[0]["text"]
        assert "Apple 三里屯店 · S1" in charts[1]["text"]  # the best store (4 of 10 claimers ordered)
        assert "2026-W24" in charts[2]["text"] and "2026-W23" in charts[2]["text"]

        kpis = b.evaluate("Array.from(document.querySelectorAll('#kpis .value')).map(e => e.textContent)")
        assert kpis[:2] == ["6", "13"]  # scanned S1 3 + S2 1 + S3 1 + S4 0 + S999 1, claimed 10 + 2 + 1
        assert b.evaluate("document.getElementById('shown').textContent") == "5"
        # filters: merchant, then minimum claimers, then reset
        b.evaluate("(() => { const s = document.getElementById('f-merchant'); s.value = 'Apple';"
                   " s.dispatchEvent(new Event('change')); })()")
        assert b.evaluate("document.getElementById('shown').textContent") == "2"
        b.evaluate("(() => { const i = document.getElementById('f-min'); i.value = '3';"
                   " i.dispatchEvent(new Event('input')); })()")
        assert b.evaluate("document.getElementById('shown').textContent") == "1"
        b.evaluate("document.getElementById('f-reset').click()")
        assert b.evaluate("document.getElementById('shown').textContent") == "5"
        # sorting: click "Claimed" -> ascending, again -> descending
        click = "document.querySelectorAll('#shops thead th')[5].click()"
        first = "document.querySelector('#shops tbody tr').cells[5].textContent"
        b.evaluate(click)
        assert b.evaluate(first) == "0"
        b.evaluate(click)
        assert b.evaluate(first) == "10"
        b.evaluate("document.getElementById('f-reset').click()")
        shot = b.screenshot(artifacts / f"redpacket_dashboard_{data.W}.png")
        b.pump(0.5)
        assert b.errors == [], b.errors

        b.open((files.dashboards_dir() / "index.html").as_uri())
        links = b.evaluate("Array.from(document.querySelectorAll('#weeks a')).map(a => a.getAttribute('href'))")
        assert links == ["2026-06-08.html", "2026-06-01.html"]
        assert b.errors == [], b.errors
    width, height = _png_size(shot.read_bytes())
    assert width == 1400 and height > 2000  # the whole page, beyond the viewport


def test_chart_png_for_slack(published, chromium, artifacts):
    week = data.W.isoformat()
    png, why = publish.render_png(published[data.W]["chart_html"], week)
    assert png is not None, why
    raw = png.read_bytes()
    assert _png_size(raw) == (1200, 640)
    (artifacts / f"redpacket_funnel_{week}.png").write_bytes(raw)


def test_png_is_skipped_without_a_browser(published, monkeypatch):
    monkeypatch.setenv("OUTFIELD_CHROMIUM", "off")
    assert browser.find_chromium() is None
    png, why = publish.render_png(published[data.W]["chart_html"], data.W.isoformat())
    assert png is None and "no Chromium" in why
    monkeypatch.setenv("OUTFIELD_CHROMIUM", "/nonexistent/chromium")
    assert browser.find_chromium() is None


def _png_size(raw: bytes) -> tuple[int, int]:
    assert raw[:8] == browser.PNG_MAGIC
    return struct.unpack(">II", raw[16:24])


def test_empty_week_still_publishes_and_warns(data_dir, tmp_path):
    week = data.W + dt.timedelta(days=7)
    with Warehouse.duckdb(tmp_path / "empty.duckdb") as wh:
        wh.create_source_tables()
        summary = redpacket.build(wh, week)
        result = publish.write_week(week, publish.load_week(wh, week))
    assert summary["shops"] == 0
    html = files.week_html_path(week).read_text(encoding="utf-8")
    assert "No shop had a scan or a claim this week" in html
    text = redpacket.digest_text(summary, result)
    assert "0 shops with scans or claims" in text and "is fact_redpacket_event late or empty?" in text


def test_index_lists_only_week_pages_that_exist(data_dir):
    files.atomic_write_text(files.week_html_path("2026-06-08"), "<html></html>")
    files.atomic_write_text(files.dashboards_dir() / "2026-06-09.html", "not a Monday")
    files.atomic_write_text(files.dashboards_dir() / "notes.html", "not a week")
    files.update_index({"week_start": "2026-06-01", "claim_users": 3})  # its page is missing
    assert [w["week_start"] for w in files.read_index()] == ["2026-06-08"]
    assert files.valid_week("2026-06-08") and not files.valid_week("2026-06-09")
    assert not files.valid_week("../../etc") and not files.valid_week("2026-02-30")
    with pytest.raises(ValueError):
        files.week_html_path("2026-06-09")


@pytest.fixture()
def fake_slack(monkeypatch, tmp_path):
    config = tmp_path / "outfield.yaml"
    config.write_text("alerts:\n  channels:\n    redpacket_funnel_weekly: '#outfield-redpacket'\n", encoding="utf-8")
    monkeypatch.setenv("OUTFIELD_CONFIG", str(config))
    with FakeSlack(channels=["#outfield-redpacket"]) as fake:
        monkeypatch.setenv("AIRFLOW_CONN_SLACK_API_DEFAULT", json.dumps(
            {"conn_type": "slack", "password": TEST_TOKEN, "extra": {"base_url": fake.base_url}}))
        yield fake


def _summary(week):
    return {"week_start": week.isoformat(), "week_end": (week + dt.timedelta(days=6)).isoformat(), "shops": 5,
            "defects": {"duplicate_event_rows": 2, "events_at_unknown_shop": 1}}


def test_digest_and_png_reach_slack(published, chromium, fake_slack):
    status = publish.send_digest("redpacket_funnel_weekly", _summary(data.W), published[data.W], "http://x/run")
    assert status == {"digest": "sent", "png": "sent"}
    [msg] = fake_slack.messages
    assert msg["channel"] == "#outfield-redpacket"
    text = msg["text"]
    assert "红包码看板 Red-packet funnel 2026-W24" in text and "5 shops with scans or claims" in text
    assert "Scanned 6 → claimed 13 (+1200% WoW), claim rate 216.7%" in text  # W-1: 0 scans, 1 claim
    assert "Best store: Apple 三里屯店 (S1) 40.0% of 10 claimers" in text
    assert "duplicate_event_rows 2" in text and "/outfield/redpacket/2026-06-08.html" in text
    assert "u_full" not in text  # never a user
    [upload] = fake_slack.calls("upload")
    assert upload.body[:8] == browser.PNG_MAGIC
    [complete] = fake_slack.calls("files.completeUploadExternal")
    assert complete.params["channel_id"] == fake_slack.channel_id("#outfield-redpacket")


def test_digest_without_a_browser_is_text_only(published, fake_slack, monkeypatch, caplog):
    monkeypatch.setenv("OUTFIELD_CHROMIUM", "off")
    status = publish.send_digest("redpacket_funnel_weekly", _summary(data.W), published[data.W])
    assert status["digest"] == "sent" and status["png"].startswith("skipped: no Chromium")
    assert len(fake_slack.messages) == 1 and fake_slack.calls("upload") == []
    assert any("Funnel PNG skipped" in r.getMessage() for r in caplog.records)
