"""Slack alerts shared by every DAG (SPEC "Alerts").

What it guarantees:

- **Never fails a pipeline.** Every public function catches everything. When Slack cannot be
  reached (no ``slack_api_default`` connection or token, connection refused, HTTP 5xx, a 429 still
  there after the retries, ``invalid_auth``, ``channel_not_found``, any exception) the message is
  appended as one JSON line to ``<OUTFIELD_DATA_DIR>/alerts/outbox.jsonl`` and logged with one log
  line (logger ``outfield.alerts``); the call returns ``"outbox"``.
- **Retries.** The ``slack_sdk.WebClient`` gets a 429 handler (honours ``Retry-After``) and a
  5xx handler, each with ``alerts.max_retries`` retries (config, default 2), plus slack_sdk's
  default connection-error handler (one retry). Timeouts are short (10 s).
- **Nothing personal leaves.** Every 11-digit mainland mobile number in the text, the blocks and the
  context fields is masked (``138****5678``) before anything goes to Slack, the outbox or the log.
  Callers still must not put user lists into alerts.
- **Suppression.** A ``dedupe_key`` sent (or outboxed) within ``alerts.suppression_hours`` (default
  24) is not sent again; the state is ``<OUTFIELD_DATA_DIR>/alerts/suppression.json``, shared by
  every process (``fcntl`` lock + atomic replace), old keys pruned.
- **Routing.** ``alerts.channels.<pipeline>``, for ``campaign_crowd_<id>`` the ``campaign_crowd``
  key, else ``alerts.channels.default``.
- **Cheap to import.** Neither Airflow nor slack_sdk is imported, and no connection is looked up,
  until a message is sent.

The connection is read with ``airflow.sdk.Connection.get("slack_api_default")`` (token = password,
optional extras ``base_url``, ``timeout``, ``proxy``). Inside a task that goes through the task
SDK's secrets backends (env var ``AIRFLOW_CONN_SLACK_API_DEFAULT`` first, then the API server);
outside a task (tests, scripts) the task SDK consults the environment-variable backend, so
``AIRFLOW_CONN_SLACK_API_DEFAULT`` (JSON or URI) works there too. Should ``Connection.get`` fail
for any reason other than "not defined", the environment variable is parsed directly as a fallback.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from outfield.config import SLACK_CONN_ID, data_dir, setting

__all__ = [
    "OUTBOX",
    "SENT",
    "SUPPRESSED",
    "channel_for",
    "failure_callback",
    "format_digest",
    "mask_phones_in_text",
    "outbox_path",
    "run_link",
    "send_alert",
    "suppression_path",
    "upload_file",
]

log = logging.getLogger("outfield.alerts")
#: slack_sdk's own logger: quiet by default (each failed attempt would log an ERROR line of its own,
#: the outbox line already says what happened). Lower its level to debug the Slack traffic.
_SDK_LOG = logging.getLogger("outfield.slack_sdk")
if _SDK_LOG.level == logging.NOTSET:
    _SDK_LOG.setLevel(logging.CRITICAL)

SENT = "sent"
OUTBOX = "outbox"
SUPPRESSED = "suppressed"

DEFAULT_CHANNEL = "#outfield-alerts"
DEFAULT_SUPPRESSION_HOURS = 24.0
DEFAULT_MAX_RETRIES = 2
DEFAULT_TIMEOUT_SECONDS = 10
DEFAULT_API_BASE_URL = "http://localhost:8080"
#: Slack cuts messages at 40,000 characters; keep a margin.
MAX_TEXT_CHARS = 39_000

# An 11-digit mainland mobile number not inside a longer digit run; a +86 / 0086 prefix is part of it.
_PHONE_RE = re.compile(r"(?<!\d)(?P<prefix>(?:\+86|0086)[ -]?)?(?P<head>1[3-9]\d)\d{4}(?P<tail>\d{4})(?!\d)")
# Slack conversation ids (channel names are lower-case, so an all-upper-case token is an id).
_CHANNEL_ID_RE = re.compile(r"\A[CGD][A-Z0-9]{6,}\Z")


def _now() -> float:
    """Epoch seconds (a seam for tests)."""
    return time.time()


# ---------------------------------------------------------------------------------------------------
# masking


def mask_phones_in_text(text: Any) -> Any:
    """Mask every 11-digit mainland mobile number: ``13812345678`` -> ``138****5678``.

    A number inside a longer digit run (an order id, a timestamp) is left alone; ``+86``/``0086``
    prefixed numbers are masked too. Non-strings are returned unchanged.
    """
    if not isinstance(text, str):
        return text
    return _PHONE_RE.sub(lambda m: f"{m['prefix'] or ''}{m['head']}****{m['tail']}", text)


def _mask_obj(value: Any) -> Any:
    """A copy of ``value`` (blocks: dicts, lists, slack_sdk model objects) with every string masked."""
    if isinstance(value, str):
        return mask_phones_in_text(value)
    if isinstance(value, Mapping):
        return {k: _mask_obj(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_obj(v) for v in value]
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):  # slack_sdk.models.blocks.Block and friends
        return _mask_obj(to_dict())
    return value


def _one_line(text: str, limit: int = 2000) -> str:
    flat = " | ".join(part.strip() for part in str(text).splitlines() if part.strip())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# ---------------------------------------------------------------------------------------------------
# routing and files


def channel_for(pipeline: str) -> str:
    """The Slack channel of a pipeline (DAG id) from ``alerts.channels``."""
    channels = setting("alerts", "channels", default=None)
    channels = channels if isinstance(channels, Mapping) else {}
    pipeline = str(pipeline or "")
    if channels.get(pipeline):
        return str(channels[pipeline])
    if pipeline.startswith("campaign_crowd_") and channels.get("campaign_crowd"):
        return str(channels["campaign_crowd"])
    return str(channels.get("default") or DEFAULT_CHANNEL)


def _alerts_dir() -> Path:
    path = data_dir() / "alerts"
    path.mkdir(parents=True, exist_ok=True)
    return path


def outbox_path() -> Path:
    """``<OUTFIELD_DATA_DIR>/alerts/outbox.jsonl``."""
    return _alerts_dir() / "outbox.jsonl"


def suppression_path() -> Path:
    """``<OUTFIELD_DATA_DIR>/alerts/suppression.json``."""
    return _alerts_dir() / "suppression.json"


@contextlib.contextmanager
def _flock(path: Path) -> Iterator[None]:
    """An exclusive ``fcntl`` lock on ``path`` (created if missing), across threads and processes."""
    with open(path, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _atomic_write_json(path: Path, payload: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, ensure_ascii=False, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# ---------------------------------------------------------------------------------------------------
# suppression


def _suppression_window_seconds() -> float:
    try:
        hours = float(setting("alerts", "suppression_hours", default=DEFAULT_SUPPRESSION_HOURS))
    except (TypeError, ValueError):
        hours = DEFAULT_SUPPRESSION_HOURS
    return hours * 3600.0


def _claim(key: str, pipeline: str, kind: str) -> float | None:
    """Record ``key`` as sent now and return None, or return when it was last sent (suppressed).

    The check and the record happen under one lock, so that of several processes sending the same
    key at once exactly one goes ahead. The key is recorded before the message is delivered: a
    message that ends in the outbox counts as sent too (SPEC: the outbox is where it went).
    Fails open: if the state cannot be read or written, the alert is sent.
    """
    window = _suppression_window_seconds()
    if window <= 0:
        return None
    now = _now()
    path = suppression_path()
    try:
        with _flock(path.with_name(path.name + ".lock")):
            keys: dict[str, Any] = {}
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(loaded, dict) and isinstance(loaded.get("keys"), dict):
                    keys = loaded["keys"]
            except FileNotFoundError:
                pass
            except (OSError, ValueError):
                log.warning("Alert suppression state %s unreadable; starting it afresh", path)
            live = {
                k: v
                for k, v in keys.items()
                if isinstance(v, dict) and isinstance(v.get("epoch"), int | float) and now - v["epoch"] < window
            }
            last = live.get(key)
            if last is None:
                live[key] = {
                    "epoch": now,
                    "at": dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="seconds"),
                    "pipeline": pipeline,
                    "kind": kind,
                }
            if last is None or len(live) != len(keys):
                _atomic_write_json(path, {"version": 1, "keys": live})
            return None if last is None else float(last["epoch"])
    except Exception as exc:  # fail open: a duplicate is better than a lost alert
        log.warning("Alert suppression state %s not usable (%s: %s); sending anyway", path, type(exc).__name__, exc)
        return None


# ---------------------------------------------------------------------------------------------------
# the Slack client


def _lookup_connection() -> tuple[Any | None, str]:
    """(connection or None, why there is none)."""
    try:
        from airflow.sdk import Connection
    except Exception as exc:  # pragma: no cover - Airflow is always installed here
        return None, f"airflow.sdk unavailable ({type(exc).__name__})"
    try:
        conn = Connection.get(SLACK_CONN_ID)
        if conn is not None:
            return conn, ""
        why = f"no Airflow connection {SLACK_CONN_ID!r}"
    except Exception as exc:
        not_defined = type(exc).__name__ == "AirflowNotFoundException"
        why = f"no Airflow connection {SLACK_CONN_ID!r}" if not_defined else (
            f"connection {SLACK_CONN_ID!r} lookup failed ({type(exc).__name__}: {_one_line(str(exc), 200)})")
    # Fallback (e.g. a context without a supervisor): the connection's environment variable.
    raw = os.environ.get(f"AIRFLOW_CONN_{SLACK_CONN_ID.upper()}")
    if raw:
        try:
            if raw.lstrip().startswith("{"):
                return Connection.from_json(raw, conn_id=SLACK_CONN_ID), ""
            return Connection(conn_id=SLACK_CONN_ID, uri=raw), ""
        except Exception as exc:
            why += f"; AIRFLOW_CONN_{SLACK_CONN_ID.upper()} unparsable ({type(exc).__name__})"
    return None, why


def _extra(extras: Mapping[str, Any], name: str) -> Any:
    for key in (name, f"extra__slack__{name}"):
        value = extras.get(key)
        if value not in (None, ""):
            return value
    return None


def _max_retries() -> int:
    try:
        return max(0, min(10, int(setting("alerts", "max_retries", default=DEFAULT_MAX_RETRIES))))
    except (TypeError, ValueError):
        return DEFAULT_MAX_RETRIES


def _client() -> tuple[Any | None, str]:
    """(WebClient or None, why there is none). Never raises."""
    try:
        conn, why = _lookup_connection()
        if conn is None:
            return None, why
        token = (conn.password or "").strip()
        if not token:
            return None, f"connection {SLACK_CONN_ID!r} has no token (password)"
        try:
            extras = conn.extra_dejson or {}
        except Exception:
            extras = {}
        from slack_sdk import WebClient
        from slack_sdk.http_retry import default_retry_handlers
        from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler

        retries = _max_retries()
        handlers = [
            *default_retry_handlers(),  # connection errors (reset, refused): one retry
            RateLimitErrorRetryHandler(max_retry_count=retries),  # 429, sleeps Retry-After
            ServerErrorRetryHandler(max_retry_count=retries),  # 500 / 503
        ]
        kwargs: dict[str, Any] = {
            "token": token,
            "timeout": int(_extra(extras, "timeout") or DEFAULT_TIMEOUT_SECONDS),
            "logger": _SDK_LOG,
            "retry_handlers": handlers,
        }
        if _extra(extras, "base_url"):
            kwargs["base_url"] = str(_extra(extras, "base_url"))
        if _extra(extras, "proxy"):
            kwargs["proxy"] = str(_extra(extras, "proxy"))
        return WebClient(**kwargs), ""
    except Exception as exc:
        return None, f"Slack client not available ({type(exc).__name__}: {_one_line(str(exc), 200)})"


def _reason(exc: BaseException) -> str:
    """A short, token-free description of a failed Slack call."""
    try:
        from slack_sdk.errors import SlackApiError

        if isinstance(exc, SlackApiError):
            response = exc.response
            status = getattr(response, "status_code", None)
            data = getattr(response, "data", None)
            error = data.get("error") if isinstance(data, dict) else None
            return f"Slack API error {error or 'unknown'} (HTTP {status})"
    except Exception:  # pragma: no cover - defensive
        pass
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first[:300]}" if first else type(exc).__name__


# ---------------------------------------------------------------------------------------------------
# the outbox


def _to_outbox(pipeline: str, channel: str, kind: str, text: str, dedupe_key: str | None, reason: str,
               file: str | None = None) -> str:
    """Append one JSON line to the outbox and log one line. Never raises; returns ``"outbox"``."""
    reason = mask_phones_in_text(reason)
    record: dict[str, Any] = {
        "ts": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "pipeline": pipeline,
        "channel": channel,
        "kind": kind,
        "text": text,
        "dedupe_key": dedupe_key,
        "reason": reason,
    }
    if file is not None:
        record["file"] = file
    where = "outbox"
    try:
        path = outbox_path()
        where = str(path)
        line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
        with open(path, "a", encoding="utf-8") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                fh.write(line)
                fh.flush()
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    except Exception as exc:
        where = f"NOT written to the outbox ({type(exc).__name__}: {exc})"
    try:
        log.warning(
            "Slack %s for %s not delivered to %s (%s); %s: %s%s",
            kind, pipeline, channel, reason, where, _one_line(text),
            f" [file {file}]" if file else "",
        )
    except Exception:  # pragma: no cover - logging itself broken
        pass
    return OUTBOX


# ---------------------------------------------------------------------------------------------------
# public API


def _compose_text(text: Any, context_fields: Mapping[str, Any] | None) -> str:
    body = "" if text is None else str(text)
    if context_fields:
        body += "".join(f"\n*{k}*: {v}" for k, v in context_fields.items())
    body = body.strip() or "(empty alert)"
    if len(body) > MAX_TEXT_CHARS:
        body = body[:MAX_TEXT_CHARS] + "\n… (truncated)"
    return mask_phones_in_text(body)


def send_alert(
    pipeline: str,
    text: str,
    *,
    kind: str = "alert",
    dedupe_key: str | None = None,
    blocks: list | None = None,
    context_fields: dict | None = None,
) -> str:
    """Send ``text`` to the pipeline's Slack channel; return ``"sent"``, ``"outbox"`` or ``"suppressed"``.

    ``kind`` labels the message in the outbox ("alert", "failure", "anomaly", "digest", ...).
    ``dedupe_key``: the same key is not sent again within ``alerts.suppression_hours``.
    ``blocks``: optional Block Kit blocks; ``text`` stays the notification/outbox text, so it must
    carry the whole message. ``context_fields``: ``{label: value}`` appended to the text as
    ``*label*: value`` lines (and as a fields section when blocks are given).
    Phone numbers are masked everywhere. Never raises.
    """
    pipeline = str(pipeline or "unknown")
    kind = str(kind or "alert")
    channel = DEFAULT_CHANNEL
    body = "(alert text unavailable)"
    key = None
    try:
        channel = channel_for(pipeline)
        body = _compose_text(text, context_fields)
        key = mask_phones_in_text(str(dedupe_key)) if dedupe_key not in (None, "") else None
        masked_blocks = _mask_obj(list(blocks)) if blocks else None
        if masked_blocks is not None and context_fields:
            fields = [{"type": "mrkdwn", "text": mask_phones_in_text(f"*{k}*\n{v}")} for k, v in context_fields.items()]
            masked_blocks.append({"type": "section", "fields": fields[:10]})

        if key is not None:
            last = _claim(key, pipeline, kind)
            if last is not None:
                log.info("Slack %s for %s suppressed: dedupe_key %r already sent at %s", kind, pipeline, key,
                         dt.datetime.fromtimestamp(last, dt.UTC).isoformat(timespec="seconds"))
                return SUPPRESSED

        client, why = _client()
        if client is None:
            return _to_outbox(pipeline, channel, kind, body, key, why)
        try:
            kwargs: dict[str, Any] = {"channel": channel, "text": body, "unfurl_links": False, "unfurl_media": False}
            if masked_blocks:
                kwargs["blocks"] = masked_blocks
            client.chat_postMessage(**kwargs)
        except Exception as exc:
            return _to_outbox(pipeline, channel, kind, body, key, _reason(exc))
        log.info("Slack %s for %s sent to %s", kind, pipeline, channel)
        return SENT
    except Exception as exc:  # anything unforeseen: still never raise
        return _to_outbox(pipeline, channel, kind, body, key, f"alert failed ({type(exc).__name__}: {exc})")


def send_findings(pipeline: str, title: str, findings: list[tuple[str, str]], link: str | None = None) -> dict:
    """Send ONE message for a run's findings, leaving out those alerted within the suppression window.

    ``findings`` are ``(dedupe_key, line)`` pairs. Each key not sent within the window is claimed and
    its line goes into the message; the others are counted as suppressed. Returns
    ``{"status": "sent"|"outbox"|"suppressed"|"empty", "sent_keys": [...], "suppressed_keys": [...]}``.
    Never raises.
    """
    fresh: list[tuple[str, str]] = []
    suppressed: list[str] = []
    try:
        for key, line in findings:
            masked_key = mask_phones_in_text(str(key))
            if _claim(masked_key, pipeline, "finding") is None:
                fresh.append((masked_key, line))
            else:
                suppressed.append(masked_key)
    except Exception as exc:  # never raise; fall back to sending everything
        log.warning("Finding suppression failed (%s: %s); sending all findings", type(exc).__name__, exc)
        fresh, suppressed = [(str(k), v) for k, v in findings], []
    if not findings:
        return {"status": "empty", "sent_keys": [], "suppressed_keys": []}
    if not fresh:
        log.info("All %d findings of %s suppressed (already alerted within the window)", len(suppressed), pipeline)
        return {"status": SUPPRESSED, "sent_keys": [], "suppressed_keys": suppressed}
    lines = [line for _, line in fresh]
    lines.append(f"Runbook: {runbook_link('data-calibration-findings')}")
    if suppressed:
        lines.append(f"({len(suppressed)} more finding(s) already alerted within the suppression window)")
    status = send_alert(pipeline, format_digest(title, lines, link), kind="findings")
    return {"status": status, "sent_keys": [k for k, _ in fresh], "suppressed_keys": suppressed}


def _resolve_channel_id(client: Any, channel: str) -> str:
    """``files.completeUploadExternal`` wants a channel id: look a ``#name`` up (conversations.list)."""
    if _CHANNEL_ID_RE.match(channel):
        return channel
    name = channel.lstrip("#")
    cursor = None
    for _ in range(100):
        resp = client.conversations_list(types="public_channel,private_channel", exclude_archived=True,
                                         limit=1000, cursor=cursor)
        for conv in resp.get("channels") or []:
            if conv.get("name") == name:
                return str(conv["id"])
        cursor = (resp.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    raise LookupError(f"channel {channel} not found by conversations.list (is the bot a member? "
                      "configure the channel id in alerts.channels)")


def upload_file(pipeline: str, path: str | os.PathLike, title: str, initial_comment: str) -> str:
    """Upload a file (e.g. the weekly dashboard PNG) to the pipeline's channel with ``files_upload_v2``.

    Returns ``"sent"`` or ``"outbox"`` (the outbox line records the file path). The channel may be
    configured as a ``#name`` (resolved via conversations.list: the bot needs ``channels:read`` /
    ``groups:read``) or as a channel id. Never raises.
    """
    pipeline = str(pipeline or "unknown")
    channel = DEFAULT_CHANNEL
    comment = "(file upload)"
    file_str = str(path)
    try:
        channel = channel_for(pipeline)
        title = mask_phones_in_text(str(title or Path(file_str).name))
        comment = _compose_text(initial_comment or title, None)
        file_path = Path(file_str)
        if not file_path.is_file():
            return _to_outbox(pipeline, channel, "file", comment, None, f"file not found: {file_str}", file=file_str)
        client, why = _client()
        if client is None:
            return _to_outbox(pipeline, channel, "file", comment, None, why, file=file_str)
        try:
            channel_id = _resolve_channel_id(client, channel)
            client.files_upload_v2(channel=channel_id, file=str(file_path), filename=file_path.name, title=title,
                                   initial_comment=comment)
        except Exception as exc:
            return _to_outbox(pipeline, channel, "file", comment, None, _reason(exc), file=file_str)
        log.info("Slack file %s for %s uploaded to %s", file_path.name, pipeline, channel)
        return SENT
    except Exception as exc:
        return _to_outbox(pipeline, channel, "file", comment, None, f"upload failed ({type(exc).__name__}: {exc})",
                          file=file_str)


def format_digest(title: str, lines: list[str], link: str | None = None) -> str:
    """A digest message: bold title, one bullet per line, an optional link to the run."""
    bullets = [f"• {line}" for line in (lines or []) if str(line).strip()] or ["• (nothing to report)"]
    parts = [f"*{title}*", *bullets]
    if link:
        parts.append(f"<{link}|Open in Airflow>")
    return "\n".join(parts)


def _api_base_url() -> str:
    base = os.environ.get("AIRFLOW__API__BASE_URL")
    if not base:
        try:
            from airflow.sdk.configuration import conf

            base = conf.get("api", "base_url", fallback=None)
        except Exception:
            base = None
    return (base or DEFAULT_API_BASE_URL).rstrip("/")


def _attr(obj: Any, name: str) -> Any:
    """``getattr(obj, name, None)`` that also survives a property that raises."""
    try:
        return getattr(obj, name, None)
    except Exception:
        return None


def _context_ids(context: Mapping[str, Any]) -> tuple[str | None, str | None]:
    ti = context.get("ti") or context.get("task_instance")
    dag_run = context.get("dag_run")
    dag = context.get("dag")
    dag_id = _attr(ti, "dag_id") or _attr(dag_run, "dag_id") or _attr(dag, "dag_id") or context.get("dag_id")
    run_id = context.get("run_id") or _attr(dag_run, "run_id") or _attr(ti, "run_id")
    return (str(dag_id) if dag_id else None), (str(run_id) if run_id else None)


def run_link(context: Mapping[str, Any]) -> str:
    """``{AIRFLOW__API__BASE_URL}/dags/{dag_id}/runs/{run_id}`` (base default http://localhost:8080)."""
    base = _api_base_url()
    dag_id, run_id = _context_ids(context)
    if not dag_id:
        return base
    if not run_id:
        return f"{base}/dags/{quote(dag_id)}"
    return f"{base}/dags/{quote(dag_id)}/runs/{quote(run_id)}"


def _error_line(exc: Any) -> str:
    if exc is None:
        return "(no exception in the context)"
    if isinstance(exc, BaseException):
        text = str(exc).strip()
        first = text.splitlines()[0].strip() if text else ""
        line = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    else:
        text = str(exc).strip()
        line = text.splitlines()[0] if text else repr(exc)
    return line if len(line) <= 300 else line[:299] + "…"


def _date_line(context: Mapping[str, Any], dag_id: str | None) -> str:
    from outfield import dates

    params = context.get("params") or {}
    has_as_of = hasattr(params, "get") and params.get("as_of_date") not in (None, "")
    if has_as_of or (dag_id or "").startswith("campaign_crowd_"):
        try:
            return f"*As-of date*: {dates.as_of_date(context).isoformat()}"
        except Exception as exc:
            return f"*As-of date*: unknown ({_error_line(exc)})"
    try:
        return f"*Business date*: {dates.business_date(context).isoformat()}"
    except Exception as exc:
        return f"*Business date*: unknown ({_error_line(exc)})"


def _failure_text(context: Mapping[str, Any]) -> tuple[str, str]:
    ti = context.get("ti") or context.get("task_instance")
    dag_id, run_id = _context_ids(context)
    task_id = _attr(ti, "task_id") or _attr(context.get("task"), "task_id") or "(unknown task)"
    try_number = _attr(ti, "try_number")
    max_tries = _attr(ti, "max_tries")
    log_url = _attr(ti, "log_url")
    tries = str(try_number) if try_number is not None else "unknown"
    if isinstance(try_number, int) and isinstance(max_tries, int) and max_tries + 1 >= try_number:
        tries += f" of {max_tries + 1}"
    lines = [
        f":red_circle: *Task failed*: `{dag_id or '(unknown DAG)'}` › `{task_id}`",
        f"*DAG*: {dag_id or '(unknown)'}",
        f"*Task*: {task_id}",
        _date_line(context, dag_id),
        f"*Try*: {tries}",
        f"*Error*: {_error_line(context.get('exception'))}",
    ]
    if run_id:
        lines.append(f"*Run*: {run_id} <{run_link(context)}|open run>")
    lines.append(f"*Log*: <{log_url}|task log>" if log_url else "*Log*: (no log link)")
    lines.append(f"*Runbook*: {runbook_link('task-failure')}")
    return dag_id or "unknown", "\n".join(lines)


def runbook_link(anchor: str = "") -> str:
    """Where docs/operations.md says what an alert means and what to do (``alerts.runbook_url``)."""
    base = str(setting("alerts", "runbook_url", default="docs/operations.md") or "docs/operations.md")
    return f"{base}#{anchor}" if anchor else base


def failure_callback(context: Mapping[str, Any]) -> None:
    """``on_failure_callback`` for every task: DAG, task, date, try, first error line, log link.

    Every failure is sent (no dedupe key). Never raises.
    """
    try:
        pipeline, text = _failure_text(context if isinstance(context, Mapping) else {})
    except Exception as exc:
        pipeline, text = "unknown", f":red_circle: *Task failed* (details unavailable: {_error_line(exc)})"
    try:
        send_alert(pipeline, text, kind="failure")
    except Exception:  # pragma: no cover - send_alert does not raise
        pass
