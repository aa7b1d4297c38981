"""Exports of a run at scale: the command line's and the web's rows per second and memory.

Runs against the database in DATABASE_URL, which already holds a succeeded run (import a file,
then `manage.py segment --sync`) and the demo users (`manage.py create_demo_users`):

    python -m benchmarks.exports --run 1 [--preset analyst] [--gunicorn-args "..."]

The command line's export is timed with /usr/bin/time (peak RSS). The web's is downloaded from
a real gunicorn over loopback, signed in as the demo admin, while the serving worker's RSS is
sampled: its growth is the peak during the download minus its RSS after a warm-up request.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
MANAGE = [sys.executable, str(ROOT / "manage.py")]
PORT = int(os.environ.get("BENCH_WEB_PORT", "18731"))
BASE = f"http://127.0.0.1:{PORT}"


def cli_export(run: int, preset: str) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "list.csv"
        command = ["/usr/bin/time", "-v", *MANAGE, "export_assignments", "--run", str(run)]
        started = time.perf_counter()
        done = subprocess.run(
            [*command, "--preset", preset, "--out", str(out)],
            capture_output=True, text=True, check=True, cwd=ROOT,
        )  # fmt: skip
        seconds = time.perf_counter() - started
        rows = sum(chunk.count(b"\n") for chunk in _chunks(out.open("rb"))) - 1
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)[1])
    return {"rows": rows, "seconds": seconds, "peak_rss_mb": peak_kb / 1024}


def web_export(run: int, preset: str, gunicorn_args: list[str]) -> dict:
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "segweb.wsgi:application",
         *gunicorn_args, "--bind", f"127.0.0.1:{PORT}"],
        cwd=ROOT, start_new_session=True,
    )  # fmt: skip
    try:
        opener = _signed_in(_wait_for(BASE + "/login/"))
        opener.open(BASE + "/").read()  # warm every worker a little
        workers = psutil.Process(server.pid).children()
        before = {w.pid: w.memory_info().rss for w in workers}
        peaks = dict(before)
        stop = threading.Event()
        sampler = threading.Thread(target=_sample, args=(workers, peaks, stop), daemon=True)
        sampler.start()
        token = _cookie(opener, "csrftoken")
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "preset": preset}).encode()
        request = urllib.request.Request(
            f"{BASE}/runs/{run}/export/", data=data, headers={"Referer": BASE + "/"}
        )
        started = time.perf_counter()
        first_byte = None
        rows = size = 0
        with opener.open(request, timeout=600) as response:
            for chunk in _chunks(response):
                first_byte = first_byte or time.perf_counter() - started
                rows += chunk.count(b"\n")
                size += len(chunk)
        seconds = time.perf_counter() - started
        stop.set()
        sampler.join()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=150)
    growth = max(peaks[pid] - before[pid] for pid in before)
    return {"rows": rows - 1, "seconds": seconds, "first_byte_s": first_byte,
            "mb": size / 1e6, "worker_growth_mb": growth / 1e6}  # fmt: skip


def _chunks(stream, size: int = 1 << 20):
    while chunk := stream.read(size):
        yield chunk


def _sample(workers: list, peaks: dict, stop: threading.Event) -> None:
    while not stop.is_set():
        for worker in workers:
            try:
                peaks[worker.pid] = max(peaks[worker.pid], worker.memory_info().rss)
            except psutil.NoSuchProcess:
                pass
        time.sleep(0.05)


def _wait_for(url: str) -> str:
    for _ in range(240):
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return url
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"gunicorn did not answer at {url}")


def _signed_in(login_url: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(login_url).read()
    form = {"csrfmiddlewaretoken": _cookie(opener, "csrftoken"), "username": "admin",
            "password": "segweb-admin"}  # fmt: skip
    request = urllib.request.Request(
        login_url, data=urllib.parse.urlencode(form).encode(), headers={"Referer": login_url}
    )
    opener.open(request).read()
    if not _cookie(opener, "sessionid"):
        raise RuntimeError("could not sign in as the demo admin (manage.py create_demo_users)")
    return opener


def _cookie(opener: urllib.request.OpenerDirector, name: str) -> str:
    for handler in opener.handlers:
        if isinstance(handler, urllib.request.HTTPCookieProcessor):
            return next((c.value for c in handler.cookiejar if c.name == name), "")
    return ""


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=int, required=True)
    parser.add_argument("--preset", default="analyst")
    parser.add_argument("--gunicorn-args", default="--config gunicorn.conf.py")
    parser.add_argument("--only", choices=("cli", "web"))
    options = parser.parse_args(argv)
    if options.only != "web":
        cli = cli_export(options.run, options.preset)
        print(f"cli  {options.preset}: {cli['rows']:,} rows in {cli['seconds']:.1f} s = "
              f"{cli['rows'] / cli['seconds']:,.0f} rows/s, peak RSS {cli['peak_rss_mb']:.0f} MB")
    if options.only != "cli":
        web = web_export(options.run, options.preset, shlex.split(options.gunicorn_args))
        print(f"web  {options.preset}: {web['rows']:,} rows ({web['mb']:.0f} MB) in "
              f"{web['seconds']:.1f} s = {web['rows'] / web['seconds']:,.0f} rows/s, first byte "
              f"{web['first_byte_s']:.2f} s, worker RSS growth {web['worker_growth_mb']:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
