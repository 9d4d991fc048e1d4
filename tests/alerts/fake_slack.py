"""A local fake of the Slack Web API, for driving the real ``slack_sdk.WebClient`` in tests.

``FakeSlack`` serves on 127.0.0.1 (port 0) in a thread and records every request. It implements
``auth.test``, ``chat.postMessage``, ``conversations.list`` and the ``files_upload_v2`` trio:
``files.getUploadURLExternal``, the returned upload URL, ``files.completeUploadExternal``.
It checks the bearer token (a wrong one gets ``invalid_auth``) and knows a fixed set of channels
(an unknown one gets ``channel_not_found``; ``files.completeUploadExternal`` wants a channel id,
as the real API does).

Programmable failures, taken by the next requests in order (any path): ``fail_next("429", n)``
(HTTP 429 with ``Retry-After: 1``), ``fail_next("500", n)``, ``fail_next("invalid_auth", n)`` or any
other Slack error code (HTTP 200 ``{"ok": false, "error": code}``); ``fail_always(mode)`` for every
request until ``fail_always(None)``. ``unused_port()`` gives a port with nothing listening, for
"server down".
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

TEST_TOKEN = "xoxb-test-not-a-real-token"


def unused_port() -> int:
    """A localhost port with nothing listening on it (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Request:
    path: str
    method: str  # the Slack API method ("chat.postMessage"), or "upload" for the upload URL
    headers: dict[str, str]
    body: bytes
    params: dict[str, Any] = field(default_factory=dict)
    status: int = 0  # what the fake answered
    accepted: bool = False  # a chat.postMessage the fake delivered to a channel
    delivered_to: str | None = None  # ... and that channel's id


class FakeSlack:
    def __init__(self, token: str = TEST_TOKEN, channels: list[str] | tuple[str, ...] = ()) -> None:
        self.token = token
        self.requests: list[Request] = []
        self.uploaded: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._failures: deque[str] = deque()
        self._always: str | None = None
        self._ids = itertools.count(1)
        self.channels: dict[str, str] = {}  # name -> id
        for name in channels:
            self.add_channel(name)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-slack", daemon=True)

    # -- lifecycle ----------------------------------------------------------------------------------
    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What goes into the connection extra ``base_url``."""
        return f"{self.url}/api/"

    # -- programming ---------------------------------------------------------------------------------
    def add_channel(self, name: str) -> str:
        name = name.lstrip("#")
        with self._lock:
            if name not in self.channels:
                self.channels[name] = f"C{next(self._ids):08d}"
            return self.channels[name]

    def channel_id(self, name: str) -> str | None:
        return self.channels.get(name.lstrip("#"))

    def fail_next(self, mode: str, count: int = 1) -> None:
        with self._lock:
            self._failures.extend([str(mode)] * count)

    def fail_always(self, mode: str | None) -> None:
        with self._lock:
            self._always = mode

    # -- inspection ----------------------------------------------------------------------------------
    def calls(self, method: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.method == method]

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Parameters of the chat.postMessage requests the fake accepted."""
        return [r.params for r in self.calls("chat.postMessage") if r.accepted]

    def all_bytes(self) -> bytes:
        with self._lock:
            return b"\n".join(r.body for r in self.requests)

    # -- serving -------------------------------------------------------------------------------------
    def _next_failure(self) -> str | None:
        with self._lock:
            if self._failures:
                return self._failures.popleft()
            return self._always

    def _handle(self, handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        path = urlsplit(handler.path).path
        if path.startswith("/api/"):
            method = path[len("/api/"):]
        elif path.startswith("/upload/"):
            method = "upload"
        else:
            method = path
        req = Request(path=path, method=method, headers=dict(handler.headers.items()), body=body,
                      params=_parse(handler.headers.get("Content-Type", ""), body) if method != "upload" else {})
        with self._lock:
            self.requests.append(req)

        status, headers, payload = self._respond(req)
        req.status = status
        return status, headers, payload

    def _respond(self, req: Request) -> tuple[int, dict[str, str], bytes]:
        failure = self._next_failure()
        if failure == "429":
            return 429, {"Retry-After": "1"}, _json({"ok": False, "error": "ratelimited"})
        if failure is not None and failure.isdigit():
            return int(failure), {"Content-Type": "text/plain"}, b"Internal Server Error"
        if failure is not None:
            return 200, {}, _json({"ok": False, "error": failure})

        if req.method == "upload":
            self.uploaded[req.path.rsplit("/", 1)[-1]] = req.body
            return 200, {"Content-Type": "text/plain"}, f"OK - {len(req.body)}".encode()

        if req.headers.get("Authorization") != f"Bearer {self.token}":
            return 200, {}, _json({"ok": False, "error": "invalid_auth"})

        p = req.params
        if req.method == "auth.test":
            return 200, {}, _json({"ok": True, "url": self.url + "/", "team": "outfield-test", "user": "outfield-bot",
                                   "team_id": "T00000001", "user_id": "U00000001", "bot_id": "B00000001"})
        if req.method == "chat.postMessage":
            channel = str(p.get("channel") or "")
            cid = channel if channel in self.channels.values() else self.channel_id(channel)
            if not cid:
                return 200, {}, _json({"ok": False, "error": "channel_not_found"})
            if not p.get("text") and not p.get("blocks"):
                return 200, {}, _json({"ok": False, "error": "no_text"})
            req.accepted = True
            req.delivered_to = cid
            ts = f"{time.time():.6f}"
            return 200, {}, _json({"ok": True, "channel": cid, "ts": ts,
                                   "message": {"type": "message", "text": p.get("text"), "ts": ts}})
        if req.method == "conversations.list":
            chans = [{"id": cid, "name": name, "is_channel": True, "is_member": True}
                     for name, cid in self.channels.items()]
            return 200, {}, _json({"ok": True, "channels": chans, "response_metadata": {"next_cursor": ""}})
        if req.method == "files.getUploadURLExternal":
            if not p.get("filename") or not str(p.get("length", "")).isdigit():
                return 200, {}, _json({"ok": False, "error": "invalid_arguments"})
            file_id = f"F{next(self._ids):08d}"
            return 200, {}, _json({"ok": True, "file_id": file_id, "upload_url": f"{self.url}/upload/v1/{file_id}"})
        if req.method == "files.completeUploadExternal":
            files = json.loads(p.get("files") or "[]")
            channel_id = p.get("channel_id")
            if channel_id and channel_id not in self.channels.values():
                return 200, {}, _json({"ok": False, "error": "channel_not_found"})
            if not files or any(f.get("id") not in self.uploaded for f in files):
                return 200, {}, _json({"ok": False, "error": "file_not_found"})
            out = [{"id": f["id"], "title": f.get("title"), "channels": [channel_id] if channel_id else []}
                   for f in files]
            return 200, {}, _json({"ok": True, "files": out})
        return 404, {}, _json({"ok": False, "error": "unknown_method"})


def _json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode("utf-8")


def _parse(content_type: str, body: bytes) -> dict[str, Any]:
    text = body.decode("utf-8", errors="replace")
    if "json" in content_type:
        try:
            parsed = json.loads(text or "{}")
            return parsed if isinstance(parsed, dict) else {"_json": parsed}
        except ValueError:
            return {}
    return dict(parse_qsl(text, keep_blank_values=True))


def _handler_for(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server API
            status, headers, payload = fake._handle(self)
            self.send_response(status)
            headers = {"Content-Type": "application/json; charset=utf-8", **headers}
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:  # silence the per-request stderr lines
            return

    return Handler
