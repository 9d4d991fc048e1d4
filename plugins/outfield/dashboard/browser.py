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
import signal
import subprocess
import tempfile
import time
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
    scratch, profile, env = new_scratch()
    cmd = [binary, *BASE_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
           "--virtual-time-budget=5000", f"--screenshot={tmp_png}", Path(page).resolve().as_uri()]
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True, env=env)
    except OSError as exc:
        remove_scratch(scratch)
        return False, f"{Path(binary).name} could not start ({type(exc).__name__}: {exc})"
    try:
        _, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop_group(proc)
        for pipe in (proc.stdout, proc.stderr):
            pipe.close()
        remove_scratch(scratch)
        tmp_png.unlink(missing_ok=True)
        return False, f"{Path(binary).name} did not finish within {timeout:.0f} s"
    stop_group(proc)  # helpers (zygote, crashpad) can outlive the main process and still write the profile
    remove_scratch(scratch)
    try:
        ok = tmp_png.is_file() and tmp_png.read_bytes()[:8] == PNG_MAGIC
    except OSError:
        ok = False
    if not ok:
        tail = " | ".join(line for line in (stderr or "").splitlines()[-3:] if line.strip())
        tmp_png.unlink(missing_ok=True)
        return False, f"{Path(binary).name} exited {proc.returncode} without a PNG ({tail[:300]})"
    os.replace(tmp_png, png)
    return True, ""


def new_scratch(prefix: str = "outfield-chromium-") -> tuple[str, str, dict[str, str]]:
    """A throw-away directory for one browser: (scratch dir, profile dir, environment for the process).

    The profile lives in it, and so does the browser's TMPDIR: a Chromium stopped by a signal leaves its
    ``org.chromium.Chromium.*`` socket directory in TMPDIR, which would pile up in /tmp otherwise.
    """
    scratch = tempfile.mkdtemp(prefix=prefix)
    profile, tmp = os.path.join(scratch, "profile"), os.path.join(scratch, "tmp")
    os.mkdir(profile)
    os.mkdir(tmp)
    return scratch, profile, {**os.environ, "TMPDIR": tmp}


def stop_group(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """Stop a browser started with ``start_new_session=True`` and every process of its group.

    Chromium's helper processes (zygote, renderer, crashpad) can outlive the main process for a moment
    and keep writing the throw-away profile; removing the profile before they are gone fails with
    "Directory not empty". SIGTERM to the whole group, then SIGKILL to whatever is left after ``grace``
    seconds; returns when no live (non-zombie) process of the group remains, or, with a warning, when
    one survives SIGKILL for another ``grace`` seconds (stuck in the kernel). Never raises.
    """
    pgid = proc.pid  # a new session: the main process leads its own process group
    _signal_group(pgid, signal.SIGTERM)
    killed = False
    deadline = time.monotonic() + grace
    while proc.poll() is None or _group_alive(pgid):
        if time.monotonic() > deadline:
            if killed:
                log.warning("Browser process group %s still has a live process after SIGKILL; leaving it", pgid)
                return
            _signal_group(pgid, signal.SIGKILL)
            killed, deadline = True, time.monotonic() + grace
        time.sleep(0.05)


def remove_scratch(path: str | Path, attempts: int = 5) -> None:
    """Delete a browser's scratch directory; a failure is logged, never raised (nothing of value is in it)."""
    for attempt in range(attempts):
        try:
            shutil.rmtree(path)
            return
        except FileNotFoundError:
            return
        except OSError as exc:
            if attempt == attempts - 1:
                log.warning("Could not remove the browser scratch directory %s: %s", path, exc)
                return
            time.sleep(0.2)


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _group_alive(pgid: int) -> bool:
    """Whether a process of group ``pgid`` is still running (zombies, which write nothing, do not count)."""
    proc_dir = Path("/proc")
    if not proc_dir.is_dir():  # not Linux: signal 0 also counts zombies, so this errs on waiting
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True
    for stat in proc_dir.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] != "Z":
            return True
    return False


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
