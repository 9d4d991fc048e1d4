"""Headless Chromium for PNG screenshots of a local page (the chart sent to Slack).

Why a browser: plotly draws in the browser; its static-image exporter (kaleido) needs a Chrome binary
too, so it would add a dependency without removing the need for Chrome. A Chromium from the system
(Debian: ``apt-get install chromium``) takes the screenshot directly. Where none is installed the
caller skips the PNG with one log line and still sends the text digest.

Which binary: env ``OUTFIELD_CHROMIUM`` (a path; ``off`` disables screenshots), else config
``dashboard.chromium``, else the first of chromium / chromium-browser / google-chrome(-stable) /
headless_shell on PATH or in /usr/bin.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from outfield.config import setting

log = logging.getLogger(__name__)

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless_shell")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
#: Flags for a quiet, offline, throw-away headless browser (root in containers needs --no-sandbox).
BASE_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
    "--no-default-browser-check", "--mute-audio", "--disable-extensions",
)


def find_chromium() -> str | None:
    """The Chromium/Chrome binary to use, or None (none installed, or disabled with ``off``)."""
    configured = os.environ.get("OUTFIELD_CHROMIUM") or setting("dashboard", "chromium", default=None)
    if configured:
        if str(configured).lower() in ("off", "none", "false", "0"):
            return None
        path = shutil.which(str(configured))
        return path if path and os.access(path, os.X_OK) else None
    for name in CANDIDATES:
        path = shutil.which(name) or (f"/usr/bin/{name}" if os.access(f"/usr/bin/{name}", os.X_OK) else None)
        if path:
            return path
    return None


def screenshot(page: Path, png: Path, *, width: int = 1200, height: int = 640, timeout: float = 90.0,
               chromium: str | None = None) -> tuple[bool, str]:
    """Render ``page`` (a local HTML file) in headless Chromium and save a PNG. Never raises.

    Returns (True, "") or (False, why) — why: no browser, a timeout, a non-zero exit, no valid PNG.
    """
    binary = chromium or find_chromium()
    if not binary:
        return False, "no Chromium/Chrome binary found (install chromium, or set OUTFIELD_CHROMIUM)"
    png.parent.mkdir(parents=True, exist_ok=True)
    tmp_png = png.with_name(f".{png.name}.tmp.png")
    tmp_png.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="outfield-chromium-") as profile:
        cmd = [binary, *BASE_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
               "--virtual-time-budget=5000", f"--screenshot={tmp_png}", Path(page).resolve().as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return False, f"{Path(binary).name} did not finish within {timeout:.0f} s"
        except OSError as exc:
            return False, f"{Path(binary).name} could not start ({type(exc).__name__}: {exc})"
    try:
        ok = tmp_png.is_file() and tmp_png.read_bytes()[:8] == PNG_MAGIC
    except OSError:
        ok = False
    if not ok:
        tail = " | ".join(line for line in (proc.stderr or "").splitlines()[-3:] if line.strip())
        tmp_png.unlink(missing_ok=True)
        return False, f"{Path(binary).name} exited {proc.returncode} without a PNG ({tail[:300]})"
    os.replace(tmp_png, png)
    return True, ""


def has_cjk_font() -> bool:
    """Whether fontconfig knows a font for Chinese (else Chinese text renders as empty boxes).

    Unknown (no ``fc-list``) counts as yes: only a confirmed absence switches a PNG to ASCII labels.
    """
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return True
    try:
        out = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return True
    return out.returncode != 0 or bool(out.stdout.strip())
