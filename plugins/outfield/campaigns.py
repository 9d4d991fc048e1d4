"""Campaign files ``include/campaigns/<campaign_id>.yaml``: the schema, loading, errors that name the file.

A campaign file declares one campaign (SPEC "campaign crowd builds")::

    campaign_id: c618_dandan_fan        # = the file name; ^[a-z0-9_]{1,40}$
    name: 618 单单返红包
    start_date: "2026-06-01"            # YYYY-MM-DD, a real date; start_date <= end_date
    end_date: "2026-06-30"
    target_categories: [手机, 电脑]      # non-empty list of fact_order.category values
    lookback_days: 90                   # optional, default 90
    rewards:                            # a reward (>= 0, at most 2 decimals) for every segment
      no_first_order: 20
      inactive_90d: 15
      inactive_target_90d: 10
      active_target_90d: 5
    change_alert_threshold: 0.20        # optional: alert when a segment moves more than this fraction

The folder is ``OUTFIELD_CAMPAIGNS_DIR`` (default ``include/campaigns`` in the checkout). Every
``*.yaml`` file in it is one campaign; a ``*.yml`` file is reported as a mistake (it would otherwise
be ignored silently). A file that does not load is never fatal to the others: ``load_all`` returns it
as a :class:`CampaignProblem` whose message names the file and each field at fault, and logs one
error line per file.

The file is read with a YAML loader that keeps dates as strings (so ``2026-6-1`` or ``2026-02-30``
are reported against their field instead of being coerced or crashing the parser) and that refuses
a key written twice. Imported by the DAG file at parse time: nothing heavy here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
import os
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from outfield.config import INCLUDE_DIR, PROJECT_ROOT, setting
from outfield.dates import DATE_PATTERN, DateParamError, parse_date

log = logging.getLogger("outfield.campaigns")

#: The segments of the spec, in their order of precedence (a user is in the first that applies).
SEGMENTS = ("no_first_order", "inactive_90d", "inactive_target_90d", "active_target_90d")
SEGMENT_LABELS = {
    "no_first_order": "白条未首单",
    "inactive_90d": "90天内未活跃",
    "inactive_target_90d": "90天内目标场景未活跃",
    "active_target_90d": "90天内有活跃",
}
CAMPAIGN_ID_PATTERN = r"^[a-z0-9_]{1,40}$"
DAG_ID_PREFIX = "campaign_crowd_"
DEFAULT_LOOKBACK_DAYS = 90
DEFAULT_CHANGE_ALERT_THRESHOLD = 0.20
DEFAULT_SCHEDULE_CRON = "0 6 * * *"
MAX_LOOKBACK_DAYS = 3660
#: crowd_membership.reward_amount is DECIMAL(12, 2).
MAX_REWARD = Decimal("9999999999.99")
INVALID_TAG = "invalid-config"

_NO_EDGE_SPACE = r"^\S(.*\S)?$"

#: JSON Schema (draft 2020-12) of a campaign file; the checks a schema cannot express (real dates,
#: start <= end, campaign_id = file name, reward decimals) follow in ``_semantic_errors``.
CAMPAIGN_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "outfield campaign file include/campaigns/<campaign_id>.yaml",
    "type": "object",
    "additionalProperties": False,
    "required": ["campaign_id", "name", "start_date", "end_date", "target_categories", "rewards"],
    "properties": {
        "campaign_id": {
            "type": "string", "pattern": CAMPAIGN_ID_PATTERN,
            "description": "1 to 40 lower-case letters, digits or _, equal to the file name",
        },
        "name": {"type": "string", "pattern": r"\S", "description": "the campaign's name for people"},
        "start_date": {"type": "string", "pattern": DATE_PATTERN, "description": "a date written YYYY-MM-DD"},
        "end_date": {"type": "string", "pattern": DATE_PATTERN, "description": "a date written YYYY-MM-DD"},
        "target_categories": {
            "type": "array", "minItems": 1, "uniqueItems": True,
            "items": {"type": "string", "pattern": _NO_EDGE_SPACE,
                      "description": "a fact_order.category value without surrounding spaces"},
            "description": "a non-empty list of distinct fact_order.category values",
        },
        "lookback_days": {
            "type": "integer", "minimum": 1, "maximum": MAX_LOOKBACK_DAYS,
            "description": f"a whole number of days from 1 to {MAX_LOOKBACK_DAYS} (default {DEFAULT_LOOKBACK_DAYS})",
        },
        "rewards": {
            "type": "object",
            "additionalProperties": False,
            "required": list(SEGMENTS),
            "properties": {s: {"type": "number", "minimum": 0, "description": "a reward amount >= 0 (元)"}
                           for s in SEGMENTS},
            "description": "a map from each segment to its reward amount: " + ", ".join(SEGMENTS),
        },
        "change_alert_threshold": {
            "type": "number", "minimum": 0,
            "description": "a fraction >= 0, e.g. 0.2 = alert when a segment moves more than 20 % (default 0.2)",
        },
    },
}


# ---------------------------------------------------------------------------------------------- model


@dataclasses.dataclass(frozen=True)
class Campaign:
    """A validated campaign file."""

    campaign_id: str
    name: str
    start_date: dt.date
    end_date: dt.date
    target_categories: tuple[str, ...]
    lookback_days: int
    rewards: Mapping[str, Decimal]
    change_alert_threshold: float
    path: Path

    @property
    def dag_id(self) -> str:
        return DAG_ID_PREFIX + self.campaign_id

    def in_window(self, day: dt.date) -> bool:
        return self.start_date <= day <= self.end_date

    def window(self) -> str:
        return f"{self.start_date.isoformat()}..{self.end_date.isoformat()}"

    def segment_label(self, segment: str) -> str:
        label = SEGMENT_LABELS[segment]
        return label if self.lookback_days == 90 else label.replace("90天", f"{self.lookback_days}天")


@dataclasses.dataclass(frozen=True)
class FieldError:
    """One mistake in a campaign file: the field (``rewards.inactive_90d``, ``target_categories[1]``)."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"field '{self.field}': {self.message}"


class CampaignError(ValueError):
    """A campaign file that cannot be used; the message names the file and every field at fault."""

    def __init__(self, path: str | os.PathLike, errors: list[FieldError]):
        self.path = Path(path)
        self.errors = list(errors)
        super().__init__(self.describe())

    @property
    def file_name(self) -> str:
        return self.path.name

    @property
    def fields(self) -> list[str]:
        return [e.field for e in self.errors]

    def describe(self) -> str:
        return f"campaign file {self.file_name} is invalid: " + "; ".join(str(e) for e in self.errors)


@dataclasses.dataclass(frozen=True)
class CampaignProblem:
    """A campaign file that did not load, and the id of the stand-in DAG that reports it."""

    error: CampaignError
    dag_id: str

    @property
    def path(self) -> Path:
        return self.error.path

    @property
    def message(self) -> str:
        return str(self.error)


@dataclasses.dataclass
class Loaded:
    campaigns: list[Campaign]
    problems: list[CampaignProblem]


# ---------------------------------------------------------------------------------------------- YAML


class _DuplicateKey(yaml.constructor.ConstructorError):
    def __init__(self, key: Any, mark: Any):
        super().__init__(None, None, f"key {key!r} is written twice", mark)
        self.key = key


class _CampaignLoader(yaml.SafeLoader):
    """SafeLoader without implicit timestamps (dates stay strings) and refusing duplicate keys."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                if key in seen:
                    raise _DuplicateKey(key, key_node.start_mark)
                seen.add(key)
            except TypeError:  # an unhashable key: the base class reports it
                pass
        return super().construct_mapping(node, deep=deep)


_CampaignLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_KEY_LINE = re.compile(
    r"^(?P<indent>\s*)(?:-\s+)?[\"']?(?P<key>[^\s:#\"'][^:#\"']*?)[\"']?\s*:(?P<rest>\s.*|)$")


def _key_near(text: str, line_index: int) -> str | None:
    """The field a (0-based) line belongs to, e.g. ``rewards.inactive_90d``: the last ``key:`` on or
    before it, under the keys above it that open a block (``key:`` with nothing after it) written
    with less indentation."""
    path: list[str] = []
    indent: int | None = None
    for line in reversed(text.splitlines()[: line_index + 1]):
        m = _KEY_LINE.match(line)
        if not m:
            continue
        width = len(m.group("indent"))
        opens_block = m.group("rest").split("#")[0].strip() == ""
        if indent is None or (width < indent and opens_block):
            path.insert(0, m.group("key").strip())
            indent = width
            if width == 0:
                break
    return ".".join(path) or None


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CampaignError(path, [FieldError("(file)", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    except OSError as exc:
        raise CampaignError(path, [FieldError("(file)", f"cannot be read ({type(exc).__name__}: {exc})")]) from None
    try:
        return yaml.load(text, Loader=_CampaignLoader)  # noqa: S506 - a SafeLoader subclass
    except _DuplicateKey as exc:
        mark = exc.problem_mark
        field = (_key_near(text, mark.line) if mark else None) or str(exc.key)
        where = f" (again at line {mark.line + 1})" if mark else ""
        raise CampaignError(path, [FieldError(field, f"written twice{where}")]) from None
    except yaml.MarkedYAMLError as exc:
        # the field is where the broken construct started (context_mark) when the parser says so
        mark, start = exc.problem_mark, exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        field = _key_near(text, (start or mark).line) if (start or mark) else None
        context = f"{exc.context} (line {start.line + 1})" if exc.context and start else exc.context
        what = "; ".join(str(p) for p in (context, exc.problem) if p)
        raise CampaignError(path, [FieldError(field or "(yaml)", f"YAML syntax error at {where}: {what}")]) from None
    except yaml.YAMLError as exc:
        raise CampaignError(path, [FieldError("(yaml)", f"YAML error: {exc}")]) from None


# ---------------------------------------------------------------------------------------------- validation


def _field_name(parts: list[Any]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def _shorten(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _schema_errors(data: Any) -> list[FieldError]:
    import jsonschema

    validator = jsonschema.Draft202012Validator(CAMPAIGN_SCHEMA)
    errors: list[FieldError] = []
    for e in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        path = list(e.absolute_path)
        if e.validator == "required" and isinstance(e.instance, Mapping):
            for key in e.validator_value:
                if key not in e.instance:
                    errors.append(FieldError(_field_name([*path, key]), "is required but missing"))
        elif e.validator == "additionalProperties" and isinstance(e.instance, Mapping):
            allowed = list(e.schema.get("properties", {}))
            for key in e.instance:
                if key not in allowed:
                    what = "segment" if path == ["rewards"] else "key"
                    errors.append(FieldError(_field_name([*path, key]),
                                             f"unknown {what} (allowed: {', '.join(allowed)})"))
        else:
            hint = e.schema.get("description") if isinstance(e.schema, Mapping) else None
            message = _shorten(e.message) + (f"; expected {hint}" if hint else "")
            errors.append(FieldError(_field_name(path), message))
    # one message per field and text, in file order of discovery
    return list(dict.fromkeys(errors))


def _semantic_errors(data: Mapping[str, Any], path: Path, bad: set[str]) -> list[FieldError]:
    """Checks a JSON schema cannot express, on the fields that passed the schema."""
    errors: list[FieldError] = []
    cid = data.get("campaign_id")
    if "campaign_id" not in bad and isinstance(cid, str) and cid != path.stem:
        errors.append(FieldError("campaign_id", f"{cid!r} differs from the file name {path.stem!r} "
                                                f"(name the file {cid}.yaml or change campaign_id)"))
    dates: dict[str, dt.date] = {}
    for key in ("start_date", "end_date"):
        if key in data and key not in bad:
            try:
                dates[key] = parse_date(data[key], key)
            except DateParamError as exc:
                errors.append(FieldError(key, str(exc)))
    if len(dates) == 2 and dates["start_date"] > dates["end_date"]:
        errors.append(FieldError("end_date", f"{dates['end_date']} is before start_date {dates['start_date']}"))
    rewards = data.get("rewards")
    if isinstance(rewards, Mapping):
        for segment in SEGMENTS:
            field = f"rewards.{segment}"
            value = rewards.get(segment)
            if field in bad or not isinstance(value, int | float) or isinstance(value, bool):
                continue
            if not math.isfinite(value):
                errors.append(FieldError(field, f"{value!r} is not a finite amount"))
                continue
            amount = Decimal(str(value))
            if amount != amount.quantize(Decimal("0.01")):
                errors.append(FieldError(field, f"{value!r} has more than 2 decimal places (元.角分)"))
            elif amount > MAX_REWARD:
                errors.append(FieldError(field, f"{value!r} is larger than {MAX_REWARD}"))
    threshold = data.get("change_alert_threshold")
    if isinstance(threshold, float) and not math.isfinite(threshold):
        errors.append(FieldError("change_alert_threshold", f"{threshold!r} is not a finite number"))
    return errors


def parse_campaign(data: Any, path: str | os.PathLike) -> Campaign:
    """Validate already-parsed YAML ``data`` of the file ``path``; raise CampaignError naming every fault."""
    path = Path(path)
    if data is None:
        raise CampaignError(path, [FieldError("(top level)", "the file is empty; expected the keys "
                                              + ", ".join(CAMPAIGN_SCHEMA["properties"]))])
    errors = _schema_errors(data)
    if isinstance(data, Mapping):
        bad = {e.field for e in errors}
        bad |= {f.split("[")[0] for f in bad}
        errors += _semantic_errors(data, path, bad)
    if errors:
        raise CampaignError(path, errors)
    try:  # the deployment's default (include/config/outfield.yaml), when the file sets none
        default_threshold = float(setting("crowds", "change_alert_threshold", default=DEFAULT_CHANGE_ALERT_THRESHOLD))
    except (TypeError, ValueError):
        log.warning("crowds.change_alert_threshold in the configuration is not a number; using %s",
                    DEFAULT_CHANGE_ALERT_THRESHOLD)
        default_threshold = DEFAULT_CHANGE_ALERT_THRESHOLD
    return Campaign(
        campaign_id=data["campaign_id"],
        name=data["name"].strip(),
        start_date=parse_date(data["start_date"]),
        end_date=parse_date(data["end_date"]),
        target_categories=tuple(data["target_categories"]),
        lookback_days=int(data.get("lookback_days", DEFAULT_LOOKBACK_DAYS)),
        rewards={s: Decimal(str(data["rewards"][s])).quantize(Decimal("0.01")) for s in SEGMENTS},
        change_alert_threshold=float(data.get("change_alert_threshold", default_threshold)),
        path=path,
    )


def load_campaign(path: str | os.PathLike) -> Campaign:
    """Read and validate one campaign file; raise CampaignError (file name + fields) when it is wrong."""
    path = Path(path)
    if path.suffix != ".yaml":
        raise CampaignError(path, [FieldError("(file name)", f"campaign files end in .yaml, not {path.suffix!r} "
                                              f"(rename it to {path.stem}.yaml)")])
    return parse_campaign(_read_yaml(path), path)


# ---------------------------------------------------------------------------------------------- the folder


def schedule_cron() -> str:
    """When the crowd DAGs run (Asia/Shanghai): ``crowds.schedule_cron``, default 06:00 daily."""
    return str(setting("crowds", "schedule_cron", default=DEFAULT_SCHEDULE_CRON))


def campaigns_dir() -> Path:
    """``OUTFIELD_CAMPAIGNS_DIR``, default ``include/campaigns`` in the checkout."""
    return Path(os.environ.get("OUTFIELD_CAMPAIGNS_DIR") or INCLUDE_DIR / "campaigns")


def sanitize(stem: str) -> str:
    """A DAG-id-safe form of a file stem (for the stand-in DAG of a broken file)."""
    return re.sub(r"[^a-z0-9_]", "_", stem.lower())[:40] or "unnamed"


def campaign_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.suffix in (".yaml", ".yml") and not p.name.startswith(".") and p.is_file())


def load_all(folder: str | os.PathLike | None = None) -> Loaded:
    """Every campaign file of the folder: the valid campaigns, and one problem per broken file.

    Never raises for a bad file. A broken file's stand-in DAG id is ``campaign_crowd_<file stem
    sanitised>``, suffixed when a valid campaign (which always wins) or another broken file has it.
    """
    folder = Path(folder) if folder is not None else campaigns_dir()
    campaigns: list[Campaign] = []
    errors: list[CampaignError] = []
    for path in campaign_files(folder):
        try:
            campaigns.append(load_campaign(path))
        except CampaignError as exc:
            errors.append(exc)
        except Exception as exc:  # noqa: BLE001 - a bad file must never break the other campaigns
            errors.append(CampaignError(path, [FieldError("(file)", f"{type(exc).__name__}: {exc}")]))
    taken = {c.dag_id for c in campaigns}
    problems = []
    for exc in errors:
        base = DAG_ID_PREFIX + sanitize(exc.path.stem)
        dag_id, n = base, 1
        while dag_id in taken:
            n += 1
            dag_id = f"{base}_invalid{n if n > 2 else ''}"
        taken.add(dag_id)
        problems.append(CampaignProblem(exc, dag_id))
        log.error("Invalid campaign file %s (stand-in DAG %s tagged %s): %s", exc.path, dag_id, INVALID_TAG, exc)
    return Loaded(campaigns, problems)


# ---------------------------------------------------------------------------------------------- docs


def _shown(path: Path) -> str:
    """A path as people know it: relative to the checkout when it is inside it."""
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell or inline code."""
    return str(text).replace("|", "\\|").replace("`", "'").replace("\n", " ")


_COMMON_DOC = """
## 背景和目的 Background and purpose
Campaign operations (活动运营) hand their campaign tool a *crowd* (人群): every Baitiao user with a
segment label and the reward (e.g. a red packet) that segment gets, fresh every morning while a
campaign such as 618 单单返红包 runs. Pulled by hand, the segments drifted from one campaign to the
next. Here a campaign is one YAML file `include/campaigns/<campaign_id>.yaml` and its DAG builds the
crowd with the same rules every day, so the sizes can be compared from day to day.

- **Owner 负责人**: credit-analytics (外场 Baitiao analytics team)
- **Consumers 使用方**: campaign operations (活动运营): the export feeds the campaign tool, the digest
  shows the crowd sizes.
- **Schedule 调度**: daily {cron} Asia/Shanghai while the campaign runs. A *scheduled* run whose as-of
  day is outside the campaign window builds nothing: task `check_window` is skipped and its log says
  why. A manual run, or any run given `as_of_date`, builds for its date.
- **Params**: `as_of_date` (YYYY-MM-DD; empty = the run's own calendar day in Asia/Shanghai). A date
  in the future is refused (its data is not complete).

## Inputs 输入
`dim_user` (user_pin, bt_activated_at) and `fact_order` (success orders 成功订单: user_pin, paid_at,
category), owned by the warehouse team. A repeated order_id or user_pin counts once.

## Segments 人群分层
As of date **A** (data up to the end of A-1): every user with `bt_activated_at < A 00:00` is in
exactly one segment, the first that applies. The window is `[A - lookback_days 00:00, A 00:00)`, its
first instant included; orders on A itself or later are ignored; users activated at A 00:00 or
later, or never, are not in the crowd.

| segment | 名称 | rule |
|---|---|---|
| `no_first_order` | 白条未首单 | no success order before A |
| `inactive_90d` | 90天内未活跃 | no success order in the window |
| `inactive_target_90d` | 90天内目标场景未活跃 | no success order in a target category in the window |
| `active_target_90d` | 90天内有活跃 | the rest: a target-category success order in the window |

The "90天" in the names is the spec's; the window is the campaign's `lookback_days`.

## Outputs 输出
**`crowd_membership`** — one row per user of a build (key: campaign_id, as_of_date):

| column | meaning |
|---|---|
| campaign_id | the campaign (file name) |
| as_of_date | A: the crowd uses data up to the end of A-1 |
| user_pin | the user's account id |
| segment | one of the four segments above |
| reward_amount | the campaign's reward for that segment (元) |

**`crowd_summary`** — one row per segment of a build, a segment with 0 users included:

| column | meaning |
|---|---|
| campaign_id, as_of_date, segment | the build and the segment |
| users | users in the segment in this build |
| prev_users | users in the same segment in the campaign's latest *earlier* build (null for the first build) |
| change_pct | (users - prev_users) / prev_users, a fraction (0.25 = +25 %), not rounded; null when prev_users is null or 0 |

Re-running a date replaces that build's rows in one transaction. Building an earlier date later on
also refreshes prev_users / change_pct of the next later build, so the order of builds does not matter.

**Export 导出**: `exports/crowds/<campaign_id>/<A>.csv` under the data folder: user_pin, segment,
reward_amount (UTF-8 with BOM, opens in Excel), for the campaign tool.

**Slack** (channel `alerts.channels.campaign_crowd`): a digest per build with each segment's size and
change; an anomaly alert when a segment moves more than the campaign's `change_alert_threshold`
against the previous build (|change_pct| > threshold, or growing from 0), once per campaign, segment
and as-of date. Never a user list.
"""


def dag_doc(campaign: Campaign, cron: str) -> str:
    """doc_md of ``campaign_crowd_<id>``: the campaign's own settings, then the pipeline's doc."""
    rewards = "\n".join(f"| `{s}` | {campaign.segment_label(s)} | {campaign.rewards[s]} |" for s in SEGMENTS)
    cats = ", ".join(f"`{_md(c)}`" for c in campaign.target_categories)
    return (
        f"# 活动人群 {_md(campaign.name)} — `{campaign.dag_id}`\n\n"
        f"Campaign file `{_md(_shown(campaign.path))}`:\n\n"
        f"- **Window 活动时间**: {campaign.start_date} .. {campaign.end_date} (as-of dates, both included)\n"
        f"- **Target categories 目标场景**: {cats}\n"
        f"- **Lookback 回看窗口**: {campaign.lookback_days} days\n"
        f"- **Change alert threshold**: {campaign.change_alert_threshold:.0%} against the previous build\n\n"
        f"| segment | 名称 | reward 奖励 (元) |\n|---|---|---|\n{rewards}\n"
        + _COMMON_DOC.format(cron=cron)
    )


def invalid_doc(problem: CampaignProblem) -> str:
    """doc_md of the stand-in DAG of a broken file: the errors first, then the pipeline's doc."""
    errors = "\n".join(f"- field `{_md(e.field)}`: {_md(e.message)}" for e in problem.error.errors)
    return (
        f"# ⚠ Invalid campaign file `{_md(problem.path.name)}` — `{problem.dag_id}`\n\n"
        f"**This campaign builds no crowd until the file is fixed.** The file "
        f"`{_md(_shown(problem.path))}` could not be loaded:\n\n{errors}\n\n"
        "This stand-in DAG (tag `invalid-config`) shows the mistake here; every other campaign keeps "
        "loading. Its task fails with the same message, and the failure alert carries it to Slack. "
        "Fix the file: at the next parse this DAG is replaced by `campaign_crowd_<campaign_id>`.\n"
        + _COMMON_DOC.format(cron="(per the campaign)")
    )
