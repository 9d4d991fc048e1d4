"""upload_file through files_upload_v2 against the fake Slack, and its outbox fallback."""

from __future__ import annotations

import json

from outfield import alerts
from tests.alerts.conftest import read_outbox

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def test_upload_reaches_fake_slack(fake_slack, tmp_path):
    path = tmp_path / "redpacket_funnel_2026-06-08.png"
    path.write_bytes(PNG)
    result = alerts.upload_file("redpacket_funnel_weekly", path, "Red-packet funnel 2026-W24",
                                "Dashboard refreshed (call 13812345678)")
    assert result == "sent"
    [get_url] = fake_slack.calls("files.getUploadURLExternal")
    assert get_url.params["filename"] == path.name and get_url.params["length"] == str(len(PNG))
    [upload] = fake_slack.calls("upload")
    assert upload.body == PNG
    [complete] = fake_slack.calls("files.completeUploadExternal")
    assert complete.params["channel_id"] == fake_slack.channel_id("#outfield-redpacket")
    assert complete.params["initial_comment"] == "Dashboard refreshed (call 138****5678)"
    assert json.loads(complete.params["files"])[0]["title"] == "Red-packet funnel 2026-W24"


def test_upload_to_channel_id_skips_lookup(fake_slack, tmp_path, alerts_config):
    cid = fake_slack.channel_id("#outfield-redpacket")
    alerts_config.write_text(f"alerts:\n  channels:\n    redpacket_funnel_weekly: {cid}\n", encoding="utf-8")
    import os

    os.utime(alerts_config, (2, 2))
    path = tmp_path / "d.png"
    path.write_bytes(PNG)
    assert alerts.upload_file("redpacket_funnel_weekly", path, "t", "c") == "sent"
    assert fake_slack.calls("conversations.list") == []


def test_upload_without_connection_goes_to_outbox(data_dir, tmp_path):
    path = tmp_path / "d.png"
    path.write_bytes(PNG)
    assert alerts.upload_file("redpacket_funnel_weekly", path, "Funnel", "Dashboard refreshed") == "outbox"
    [line] = read_outbox(data_dir)
    assert line["file"] == str(path) and line["kind"] == "file" and line["text"] == "Dashboard refreshed"
    assert line["channel"] == "#outfield-redpacket"


def test_upload_failure_goes_to_outbox(fake_slack, data_dir, tmp_path):
    path = tmp_path / "d.png"
    path.write_bytes(PNG)
    fake_slack.fail_next("invalid_auth")
    assert alerts.upload_file("redpacket_funnel_weekly", path, "Funnel", "x") == "outbox"
    assert read_outbox(data_dir)[0]["file"] == str(path)


def test_upload_missing_file_goes_to_outbox(fake_slack, data_dir, tmp_path):
    assert alerts.upload_file("redpacket_funnel_weekly", tmp_path / "nope.png", "Funnel", "x") == "outbox"
    assert "file not found" in read_outbox(data_dir)[0]["reason"]
    assert fake_slack.requests == []
