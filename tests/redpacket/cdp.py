"""A tiny Chrome DevTools Protocol client: load a page in real headless Chromium, collect its errors.

Used by the dashboard browser tests. It starts ``chromium --headless --remote-debugging-port=0`` with
a throw-away profile (outfield.dashboard.browser.new_scratch), reads the DevTools address from stderr, opens a page target over the
``websockets`` sync client (already in the lock, via uvicorn) and records:

- uncaught exceptions (``Runtime.exceptionThrown``),
- ``console.error`` / ``console.assert`` calls (``Runtime.consoleAPICalled``),
- browser log entries of level error (``Log.entryAdded``): failed loads, CSP violations, ...

``evaluate`` runs JavaScript in the page and returns its value; ``screenshot`` saves a full-page PNG.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from outfield.dashboard.browser import BASE_FLAGS, new_scratch, remove_scratch, stop_group

_WS_RE = re.compile(r"DevTools listening on (ws://\S+)")


class CDPError(RuntimeError):
    pass


class Browser:
    def __init__(self, binary: str, width: int = 1400, height: int = 2000) -> None:
        self.binary = binary
        self.width, self.height = width, height
        self.errors: list[str] = []
        self.console: list[str] = []
        self._ids = itertools.count(1)
        self._scratch, self._profile, self._env = new_scratch("outfield-cdp-")
        self._proc: subprocess.Popen | None = None
        self._ws: Any = None
        self._session: str | None = None
        self._stderr: list[str] = []

    # -- lifecycle -------------------------------------------------------------------------------
    def __enter__(self) -> Browser:
        try:
            self._proc = subprocess.Popen(
                [self.binary, *BASE_FLAGS, f"--user-data-dir={self._profile}", "--remote-debugging-port=0",
                 f"--window-size={self.width},{self.height}", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                start_new_session=True, env=self._env)
            url = self._read_ws_url(timeout=30)
            from websockets.sync.client import connect

            self._ws = connect(url, max_size=None, open_timeout=10)
            target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
            self._session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Runtime.enable", "Log.enable", "Page.enable"):
                self._call(domain, session=True)
            self._call("Emulation.setDeviceMetricsOverride",
                       {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False}, session=True)
        except BaseException:
            self.__exit__()  # no browser or scratch dir left behind when the start fails
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._ws is not None:
                self._ws.close()
        finally:
            if self._proc is not None:
                stop_group(self._proc)  # the helpers too: they write the profile until they are gone
            remove_scratch(self._scratch)

    def _read_ws_url(self, timeout: float) -> str:
        found: list[str] = []
        done = threading.Event()

        def pump() -> None:
            for line in self._proc.stderr:  # keep draining so that chromium never blocks on a full pipe
                self._stderr.append(line)
                m = _WS_RE.search(line)
                if m and not found:
                    found.append(m.group(1))
                    done.set()
            done.set()

        threading.Thread(target=pump, daemon=True, name="chromium-stderr").start()
        if not done.wait(timeout) or not found:
            raise CDPError("chromium did not report a DevTools address: " + "".join(self._stderr[-5:]))
        return found[0]

    # -- protocol --------------------------------------------------------------------------------
    def _call(self, method: str, params: dict | None = None, *, session: bool = False, timeout: float = 30) -> dict:
        msg_id = next(self._ids)
        msg: dict[str, Any] = {"id": msg_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self._session
        self._ws.send(json.dumps(msg))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CDPError(f"{method}: no answer within {timeout} s")
            reply = json.loads(self._ws.recv(timeout=left))
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise CDPError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._event(reply)

    def _event(self, msg: dict) -> None:
        method, p = msg.get("method"), msg.get("params", {})
        if method == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            text = (d.get("exception") or {}).get("description") or d.get("text")
            self.errors.append(f"Uncaught: {text} at {d.get('url', '')}:{d.get('lineNumber')}")
        elif method == "Runtime.consoleAPICalled":
            args = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
            self.console.append(f"console.{p.get('type')}: {args}")
            if p.get("type") in ("error", "assert"):
                self.errors.append(f"console.{p.get('type')}: {args}")
        elif method == "Log.entryAdded":
            e = p.get("entry", {})
            if e.get("level") == "error":
                self.errors.append(f"log {e.get('source')}: {e.get('text')} {e.get('url', '')}")
        elif method == "Page.loadEventFired":
            self._loaded = True

    def pump(self, seconds: float) -> None:
        """Process events for a while (late errors, timers)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                self._event(json.loads(self._ws.recv(timeout=left)))
            except TimeoutError:
                break

    # -- page ------------------------------------------------------------------------------------
    def open(self, url: str, timeout: float = 60) -> None:
        self._loaded = False
        self._call("Page.navigate", {"url": url}, session=True)
        deadline = time.monotonic() + timeout
        while not self._loaded:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CDPError(f"{url} did not finish loading within {timeout} s")
            self._event(json.loads(self._ws.recv(timeout=left)))
        self.pump(1.0)

    def evaluate(self, expression: str) -> Any:
        result = self._call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                 "awaitPromise": True}, session=True)
        if "exceptionDetails" in result:
            raise CDPError(f"evaluate failed: {result['exceptionDetails'].get('text')}")
        return result.get("result", {}).get("value")

    def screenshot(self, path: Path) -> Path:
        data = self._call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data["data"]))
        return path
