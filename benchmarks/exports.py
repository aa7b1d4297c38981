"""Exports of a run at scale: the command line's and the web's rows per second and memory.

Runs against the database in DATABASE_URL, which already holds a succeeded run (import a file,
then `manage.py segment --sync`) and the demo users (`manage.py create_demo_users`):

    python -m benchmarks.exports --run 1 [--preset analyst] [--gunicorn-args "..."]

The command line's export is timed with /usr/bin/time (peak RSS). The web's is downloaded from
a real gunicorn over loopback (--downloads at once), signed in as the demo admin, while the
workers' RSS is sampled (growth: the peak during the downloads minus the RSS after a warm-up
request) and the runs page is asked for every half second (its answer times).
"""

from __future__ import annotations

import argparse
import contextlib
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


def web_export(run: int, preset: str, gunicorn_args: list[str], downloads: int = 1) -> dict:
    """`downloads` simultaneous downloads of the list while a page is asked for every 0.5 s."""
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "segweb.wsgi:application",
         *gunicorn_args, "--bind", f"127.0.0.1:{PORT}"],
        cwd=ROOT, start_new_session=True,
    )  # fmt: skip
    try:
        opener = _signed_in(_wait_for(BASE + "/login/"))
        opener.open(BASE + "/runs/").read()  # warm a worker
        workers = psutil.Process(server.pid).children()
        before = {w.pid: w.memory_info().rss for w in workers}
        peaks, pages, results = dict(before), [], []
        stop = threading.Event()
        helpers = [
            threading.Thread(target=_sample, args=(workers, peaks, stop), daemon=True),
            threading.Thread(target=_probe_pages, args=(opener, pages, stop), daemon=True),
        ]
        for helper in helpers:
            helper.start()
        started = time.perf_counter()
        clients = [
            threading.Thread(target=_download, args=(opener, run, preset, results))
            for _ in range(downloads)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        seconds = time.perf_counter() - started
        stop.set()
        for helper in helpers:
            helper.join()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=150)
    pages.sort()
    return {
        "rows": sum(r["rows"] for r in results), "seconds": seconds,
        "first_byte_s": max(r["first_byte_s"] for r in results),
        "mb": sum(r["mb"] for r in results),
        "worker_growth_mb": max(peaks[pid] - before[pid] for pid in before) / 1e6,
        "page_p50_s": pages[len(pages) // 2], "page_max_s": pages[-1], "pages": len(pages),
    }  # fmt: skip


def _download(opener: urllib.request.OpenerDirector, run: int, preset: str, results: list):
    token = _cookie(opener, "csrftoken")
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "preset": preset}).encode()
    request = urllib.request.Request(
        f"{BASE}/runs/{run}/export/", data=data, headers={"Referer": BASE + "/"}
    )
    started = time.perf_counter()
    first_byte, rows, size = None, 0, 0
    with opener.open(request, timeout=900) as response:
        for chunk in _chunks(response):
            first_byte = first_byte or time.perf_counter() - started
            rows += chunk.count(b"\n")
            size += len(chunk)
    results.append({"rows": rows - 1, "first_byte_s": first_byte, "mb": size / 1e6})


def _probe_pages(opener: urllib.request.OpenerDirector, latencies: list, stop) -> None:
    """The runs page's answer time, every half second while the downloads last."""
    while not stop.wait(0.5):
        started = time.perf_counter()
        opener.open(BASE + "/runs/", timeout=900).read()
        latencies.append(time.perf_counter() - started)


def _chunks(stream, size: int = 1 << 20):
    while chunk := stream.read(size):
        yield chunk


def _sample(workers: list, peaks: dict, stop: threading.Event) -> None:
    while not stop.is_set():
        for worker in workers:
            with contextlib.suppress(psutil.NoSuchProcess):
                peaks[worker.pid] = max(peaks[worker.pid], worker.memory_info().rss)
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
    parser.add_argument("--downloads", type=int, default=1, help="simultaneous web downloads")
    options = parser.parse_args(argv)
    if options.only != "web":
        cli = cli_export(options.run, options.preset)
        print(
            f"cli  {options.preset}: {cli['rows']:,} rows in {cli['seconds']:.1f} s = "
            f"{cli['rows'] / cli['seconds']:,.0f} rows/s, peak RSS {cli['peak_rss_mb']:.0f} MB"
        )
    if options.only != "cli":
        args = shlex.split(options.gunicorn_args)
        web = web_export(options.run, options.preset, args, options.downloads)
        print(
            f"web  {options.preset} x{options.downloads}: {web['rows']:,} rows "
            f"({web['mb']:.0f} MB) in {web['seconds']:.1f} s = "
            f"{web['rows'] / web['seconds']:,.0f} rows/s, "
            f"first byte {web['first_byte_s']:.2f} s, "
            f"worker RSS growth {web['worker_growth_mb']:.0f} MB; runs page meanwhile: "
            f"p50 {web['page_p50_s']:.2f} s, max {web['page_max_s']:.2f} s "
            f"({web['pages']} requests)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
