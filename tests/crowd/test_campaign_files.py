"""Campaign files: the schema, errors that name the file and the field, and when a run builds.

Every broken file below is the good file with one mistake; its error must name the file and the
field (SPEC: "a file with a mistake in it is reported by name, never breaks the other DAGs").
"""

from __future__ import annotations

import datetime as dt
import textwrap
import types
from decimal import Decimal
from pathlib import Path

import pendulum
import pytest

from outfield import campaigns, crowds

ROOT = Path(__file__).resolve().parents[2]

GOOD = textwrap.dedent("""\
    campaign_id: {cid}
    name: 测试活动
    start_date: "2026-06-01"
    end_date: "2026-06-30"
    target_categories: [手机, 电脑]
    lookback_days: 60
    rewards:
      no_first_order: 20
      inactive_90d: 15.5
      inactive_target_90d: 10
      active_target_90d: 0
    change_alert_threshold: 0.3
""")


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def good(cid: str = "c_test") -> str:
    return GOOD.format(cid=cid)


def test_good_file_loads(tmp_path):
    c = campaigns.load_campaign(write(tmp_path, "c_test.yaml", good()))
    assert c.campaign_id == "c_test" and c.dag_id == "campaign_crowd_c_test"
    assert (c.start_date, c.end_date) == (dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    assert c.target_categories == ("手机", "电脑") and c.lookback_days == 60
    assert c.rewards == {"no_first_order": Decimal("20.00"), "inactive_90d": Decimal("15.50"),
                         "inactive_target_90d": Decimal("10.00"), "active_target_90d": Decimal("0.00")}
    assert c.change_alert_threshold == 0.3


def test_defaults(tmp_path):
    text = good().replace("lookback_days: 60\n", "").replace("change_alert_threshold: 0.3\n", "")
    c = campaigns.load_campaign(write(tmp_path, "c_test.yaml", text))
    assert c.lookback_days == 90 and c.change_alert_threshold == pytest.approx(0.20)


def test_the_example_campaign_loads():
    c = campaigns.load_campaign(ROOT / "include" / "campaigns" / "c618_dandan_fan.yaml")
    assert c.name == "618 单单返红包"
    assert c.in_window(dt.date(2026, 6, 1)) and c.in_window(dt.date(2026, 6, 30))
    assert set(c.target_categories) <= {"手机", "电脑", "平板", "配件", "无人机", "相机", "生鲜", "日用", "租房"}


def _replace(old: str, new: str):
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new)
    return edit


# (case, file name, edit of the good text, the field the error must name, a word of the message)
BROKEN = [
    ("yaml syntax", "c_test.yaml", _replace("target_categories: [手机, 电脑]", "target_categories: [手机, 电脑"),
     "target_categories", "YAML syntax error at line"),
    ("bad indentation", "c_test.yaml", _replace("  inactive_90d: 15.5", "   inactive_90d: 15.5"),
     "rewards.inactive_90d", "line 9"),
    ("not a mapping", "c_test.yaml", lambda t: "- campaign_id: c_test\n", "(top level)", "not of type 'object'"),
    ("empty file", "c_test.yaml", lambda t: "# nothing yet\n", "(top level)", "empty"),
    ("missing name", "c_test.yaml", _replace("name: 测试活动\n", ""), "name", "required"),
    ("missing rewards", "c_test.yaml", lambda t: t.split("rewards:")[0], "rewards", "required"),
    ("unknown key (typo)", "c_test.yaml", _replace("lookback_days: 60", "lookback: 60"), "lookback", "unknown key"),
    ("id is not the file name", "c_other.yaml", lambda t: t, "campaign_id", "differs from the file name"),
    ("id with capitals", "C_Test.yaml", _replace("campaign_id: c_test", "campaign_id: C_Test"), "campaign_id",
     "does not match"),
    ("id too long", f"{'c' * 41}.yaml", _replace("campaign_id: c_test", f"campaign_id: {'c' * 41}"),
     "campaign_id", "does not match"),
    ("id is a number", "618.yaml", _replace("campaign_id: c_test", "campaign_id: 618"), "campaign_id",
     "not of type 'string'"),
    ("not a calendar date", "c_test.yaml", _replace('"2026-06-01"', '"2026-02-30"'), "start_date",
     "not a calendar date"),
    ("unquoted impossible date", "c_test.yaml", _replace('start_date: "2026-06-01"', "start_date: 2026-13-45"),
     "start_date", "not a calendar date"),
    ("date without zero padding", "c_test.yaml", _replace('"2026-06-30"', "2026-6-30"), "end_date", "does not match"),
    ("end before start", "c_test.yaml", _replace('"2026-06-30"', '"2026-05-31"'), "end_date", "before start_date"),
    ("no categories", "c_test.yaml", _replace("[手机, 电脑]", "[]"), "target_categories", "non-empty"),
    ("categories not a list", "c_test.yaml", _replace("[手机, 电脑]", "手机"), "target_categories",
     "not of type 'array'"),
    ("category not a string", "c_test.yaml", _replace("[手机, 电脑]", "[手机, 3]"), "target_categories[1]",
     "not of type 'string'"),
    ("category twice", "c_test.yaml", _replace("[手机, 电脑]", "[手机, 手机]"), "target_categories", "non-unique"),
    ("category with spaces", "c_test.yaml", _replace("[手机, 电脑]", '["手机 ", 电脑]'), "target_categories[0]",
     "surrounding spaces"),
    ("lookback zero", "c_test.yaml", _replace("lookback_days: 60", "lookback_days: 0"), "lookback_days", "minimum"),
    ("lookback negative", "c_test.yaml", _replace("lookback_days: 60", "lookback_days: -5"), "lookback_days",
     "minimum"),
    ("lookback text", "c_test.yaml", _replace("lookback_days: 60", 'lookback_days: "60"'), "lookback_days",
     "not of type 'integer'"),
    ("lookback fraction", "c_test.yaml", _replace("lookback_days: 60", "lookback_days: 1.5"), "lookback_days",
     "not of type 'integer'"),
    ("lookback boolean", "c_test.yaml", _replace("lookback_days: 60", "lookback_days: yes"), "lookback_days",
     "not of type 'integer'"),
    ("reward missing", "c_test.yaml", _replace("  inactive_90d: 15.5\n", ""), "rewards.inactive_90d", "required"),
    ("unknown segment", "c_test.yaml", _replace("  active_target_90d: 0", "  active_target_90d: 0\n  vip: 50"),
     "rewards.vip", "unknown segment"),
    ("negative reward", "c_test.yaml", _replace("no_first_order: 20", "no_first_order: -1"),
     "rewards.no_first_order", "minimum"),
    ("reward text", "c_test.yaml", _replace("no_first_order: 20", "no_first_order: 二十"),
     "rewards.no_first_order", "not of type 'number'"),
    ("reward fractions of a fen", "c_test.yaml", _replace("no_first_order: 20", "no_first_order: 1.005"),
     "rewards.no_first_order", "2 decimal places"),
    ("reward not finite", "c_test.yaml", _replace("no_first_order: 20", "no_first_order: .inf"),
     "rewards.no_first_order", "finite"),
    ("rewards a list", "c_test.yaml", lambda t: t.split("rewards:")[0] + "rewards: [20, 15, 10, 5]\n"
     + "change_alert_threshold: 0.3\n", "rewards", "not of type 'object'"),
    ("negative threshold", "c_test.yaml", _replace("change_alert_threshold: 0.3", "change_alert_threshold: -0.1"),
     "change_alert_threshold", "minimum"),
    ("threshold as percent text", "c_test.yaml", _replace("change_alert_threshold: 0.3", "change_alert_threshold: 20%"),
     "change_alert_threshold", "not of type 'number'"),
    ("blank name", "c_test.yaml", _replace("name: 测试活动", 'name: "  "'), "name", "does not match"),
    ("key twice", "c_test.yaml", lambda t: t + "name: again\n", "name", "written twice"),
    ("segment twice", "c_test.yaml", _replace("  active_target_90d: 0", "  active_target_90d: 0\n  inactive_90d: 1"),
     "rewards.inactive_90d", "written twice"),
    (".yml extension", "c_test.yml", lambda t: t, "(file name)", ".yaml"),
    ("not UTF-8", "c_test.yaml", lambda t: t.encode("gbk"), "(file)", "not UTF-8"),
]


@pytest.mark.parametrize(("case", "file_name", "edit", "field", "word"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_file_is_named_with_its_field(tmp_path, case, file_name, edit, field, word):
    path = write(tmp_path, file_name, edit(good()))
    with pytest.raises(campaigns.CampaignError) as info:
        campaigns.load_campaign(path)
    err = info.value
    message = str(err)
    assert file_name in message, message
    assert field in err.fields, message
    assert f"field '{field}'" in message and word in message, message


def test_every_mistake_is_reported_at_once(tmp_path):
    text = (good().replace("name: 测试活动\n", "").replace("lookback_days: 60", "lookback_days: 0")
            .replace("no_first_order: 20", "no_first_order: -1") + "owner: me\n")
    with pytest.raises(campaigns.CampaignError) as info:
        campaigns.load_campaign(write(tmp_path, "c_test.yaml", text))
    assert set(info.value.fields) == {"name", "lookback_days", "rewards.no_first_order", "owner"}


def test_load_all_keeps_good_files_and_reports_bad_ones(tmp_path, caplog):
    write(tmp_path, "c_good.yaml", good("c_good"))
    write(tmp_path, "c_bad.yaml", good("c_bad").replace("lookback_days: 60", "lookback_days: -1"))
    write(tmp_path, "Spring Sale!.yaml", good("spring"))  # a file name no campaign_id can equal
    write(tmp_path, "c_good.yml", good("c_good"))         # same stem as a good campaign: its id is taken
    write(tmp_path, "notes.txt", "not a campaign")
    write(tmp_path, ".c_hidden.yaml", "{")
    with caplog.at_level("ERROR", logger="outfield.campaigns"):
        loaded = campaigns.load_all(tmp_path)
    assert [c.campaign_id for c in loaded.campaigns] == ["c_good"]
    by_file = {p.path.name: p for p in loaded.problems}
    assert set(by_file) == {"c_bad.yaml", "Spring Sale!.yaml", "c_good.yml"}
    assert by_file["c_bad.yaml"].dag_id == "campaign_crowd_c_bad"
    assert by_file["Spring Sale!.yaml"].dag_id == "campaign_crowd_spring_sale_"
    assert by_file["c_good.yml"].dag_id == "campaign_crowd_c_good_invalid"
    logged = caplog.text
    assert "c_bad.yaml" in logged and "field 'lookback_days'" in logged and "invalid-config" in logged


def test_missing_folder_means_no_campaigns(tmp_path):
    loaded = campaigns.load_all(tmp_path / "nowhere")
    assert loaded.campaigns == [] and loaded.problems == []


def test_campaigns_folder_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("OUTFIELD_CAMPAIGNS_DIR", raising=False)
    assert campaigns.campaigns_dir() == ROOT / "include" / "campaigns"
    monkeypatch.setenv("OUTFIELD_CAMPAIGNS_DIR", str(tmp_path))
    assert campaigns.campaigns_dir() == tmp_path


# ---------------------------------------------------------------------------------------------- plan

CAMPAIGN = campaigns.parse_campaign(
    dict(campaign_id="c_plan", name="plan", start_date="2026-06-01", end_date="2026-06-30",
         target_categories=["手机"], rewards={s: 1 for s in campaigns.SEGMENTS}),
    Path("c_plan.yaml"),
)
TODAY = dt.date(2026, 11, 27)


def ctx(run_type, logical=None, as_of_date=None, enum=False):
    rt = types.SimpleNamespace(value=run_type) if enum else run_type
    context = {"dag_run": types.SimpleNamespace(run_type=rt, logical_date=None, run_after=None),
               "params": {"as_of_date": as_of_date}}
    if logical:
        context["logical_date"] = pendulum.parse(logical)
    return context


@pytest.mark.parametrize(("run_type", "logical", "as_of_date", "action", "as_of"), [
    # the 06:00 Asia/Shanghai run of 2026-06-01 has logical date 2026-05-31T22:00Z: A = 06-01, first day
    ("scheduled", "2026-05-31T22:00:00Z", None, "build", "2026-06-01"),
    ("scheduled", "2026-06-29T22:00:00Z", None, "build", "2026-06-30"),   # last day of the window
    ("scheduled", "2026-06-30T22:00:00Z", None, "skip", "2026-07-01"),    # the day after: nothing built
    ("scheduled", "2026-05-30T22:00:00Z", None, "skip", "2026-05-31"),    # the day before
    ("backfill", "2026-07-05T22:00:00Z", None, "skip", "2026-07-06"),     # a backfill replays the schedule
    ("manual", "2026-07-05T22:00:00Z", None, "build", "2026-07-06"),      # manual: builds for its date
    ("scheduled", "2026-07-05T22:00:00Z", "2026-06-15", "build", "2026-06-15"),  # given as_of_date
    ("scheduled", "2026-07-05T22:00:00Z", "2026-07-02", "build", "2026-07-02"),  # given, outside: builds
    ("manual", "2026-07-05T22:00:00Z", "2026-11-28", "refuse", "2026-11-28"),    # future: refused
    ("manual", "2026-07-05T22:00:00Z", "2026-02-30", "refuse", None),            # not a date
])
def test_plan(run_type, logical, as_of_date, action, as_of):
    for enum in (False, True):  # run_type as text or as the SDK's enum
        p = crowds.plan(CAMPAIGN, ctx(run_type, logical, as_of_date, enum), today=TODAY)
        assert p.action == action, p.reason
        assert (p.as_of.isoformat() if p.as_of else None) == as_of


def test_skip_message_says_why():
    p = crowds.plan(CAMPAIGN, ctx("scheduled", "2026-06-30T22:00:00Z"), today=TODAY)
    assert "outside the campaign window 2026-06-01..2026-06-30" in p.reason and "nothing built" in p.reason
    p = crowds.plan(CAMPAIGN, ctx("manual", "2026-06-30T22:00:00Z"), today=TODAY)
    assert "outside" in p.reason and "builds for its date" in p.reason
