"""Time from a fresh clone to a populated UI: ``python -m benchmarks.demo_clock [--port 8080]``.

Clones this repository (its HEAD commit) into a temporary folder, runs ``make demo`` there in the
background (its own ``.venv``, ``.airflow`` and ``data/``), and polls

1. ``http://localhost:PORT/api/v2/version`` until the API answers (the UI is up), then
2. ``/api/v2/dags/churn_callback_daily/dagRuns?state=success`` (with the demo's generated login)
   until the churn DAG's successful run is listed (the UI opens on a finished run with outputs).

It prints and writes (``--out``) the seconds to each of the demo's steps (the ``== n/4`` lines of
``scripts/demo.sh``), to the API and to the listed run; then stops the processes it started (its
own process group) and removes the clone unless ``--keep``. When the port is taken it says so and
stops: measure on a free port, or estimate from the step timings of an earlier run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _processes_of(folder: Path) -> list[int]:
    """Processes whose command line names ``folder`` (the clone's .venv python, airflow, ...), and every
    process of their process groups (Airflow's api-server renames itself: its command line no longer
    names the folder)."""
    me = os.getpid()
    named, groups = set(), {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        pid = int(entry.name)
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            groups[pid] = os.getpgid(pid)
        except OSError:
            continue
        if str(folder) in cmdline:
            named.add(pid)
    pgids = {groups[p] for p in named if p in groups} - {os.getpgid(me)}
    return sorted(named | {p for p, g in groups.items() if g in pgids and p != me})


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _get(url: str, token: str | None = None, timeout: float = 5) -> tuple[int, str]:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, ""
    except OSError:
        return 0, ""


def _token(base: str, home: Path) -> str | None:
    path = home / "simple_auth_manager_passwords.json.generated"
    if not path.exists():
        return None
    password = json.loads(path.read_text()).get("admin")
    body = json.dumps({"username": "admin", "password": password}).encode()
    req = urllib.request.Request(f"{base}/auth/token", data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return json.loads(r.read().decode()).get("access_token")
    except (OSError, ValueError):
        return None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.demo_clock", description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--timeout", type=float, default=1800, help="seconds before giving up")
    p.add_argument("--out", default=str(ROOT / "data" / "bench" / "demo_clock.json"))
    p.add_argument("--keep", action="store_true", help="keep the clone (default: removed)")
    args = p.parse_args(argv)
    if not _port_free(args.port):
        print(f"port {args.port} is taken: not measuring (estimate from the demo steps instead)", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="outfield-demo-clock-"))
    clone = work / "outfield"
    t0 = time.monotonic()
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "OUTFIELD"))}
    env.pop("VIRTUAL_ENV", None)
    log_path = work / "make-demo.log"
    marks: dict[str, float] = {"clone": time.monotonic() - t0}
    proc = subprocess.Popen(["make", "demo"], cwd=clone, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)

    def read() -> None:
        with open(log_path, "w") as log:
            for line in proc.stdout:
                log.write(line)
                log.flush()
                m = re.match(r"== (\d)/4", line)
                if m:
                    marks[f"step {m.group(1)}/4 started"] = time.monotonic() - t0
                    title = line.strip().split("(login")[0].strip()  # never echo the generated password
                    print(f"{marks[f'step {m.group(1)}/4 started']:7.1f} s  {title}", flush=True)

    threading.Thread(target=read, daemon=True).start()
    base = f"http://localhost:{args.port}"
    result: dict = {"port": args.port, "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=clone,
                                                              capture_output=True, text=True).stdout.strip()}
    try:
        while time.monotonic() - t0 < args.timeout and proc.poll() is None:
            if "api_up" not in marks and _get(f"{base}/api/v2/version")[0] == 200:
                marks["api_up"] = time.monotonic() - t0
                print(f"{marks['api_up']:7.1f} s  API answers on {base}", flush=True)
            if "api_up" in marks:
                token = _token(base, clone / ".airflow")
                status, body = _get(f"{base}/api/v2/dags/churn_callback_daily/dagRuns?state=success", token)
                if status == 200 and json.loads(body).get("total_entries", 0) > 0:
                    marks["churn_run_listed"] = time.monotonic() - t0
                    print(f"{marks['churn_run_listed']:7.1f} s  churn_callback_daily's successful run is listed",
                          flush=True)
                    break
            time.sleep(1)
        result["finished"] = "churn_run_listed" in marks
        if proc.poll() is not None and not result["finished"]:
            result["error"] = f"make demo exited {proc.returncode}; see {log_path}"
    finally:
        if proc.poll() is None:
            # The demo's own trap stops what it started. SIGTERM, not SIGINT: a process started in the
            # background of a non-interactive shell ignores SIGINT, and bash cannot trap a signal it was
            # started ignoring (a terminal's Ctrl-C reaches the trap as SIGINT).
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    # make demo must leave nothing behind (its trap stops Airflow's process group): wait for that, then
    # say so and clean up if it did not
    deadline = time.monotonic() + 30
    while _processes_of(clone) and time.monotonic() < deadline:
        time.sleep(1)
    left = _processes_of(clone)
    result["left_behind"] = len(left)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    result["seconds"] = {k: round(v, 1) for k, v in marks.items()}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"kept {work}")
    return 0 if result["finished"] else 1


if __name__ == "__main__":
    sys.exit(main())
