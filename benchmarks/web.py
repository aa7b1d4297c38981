"""The app on a real gunicorn over loopback: start it, sign in, load pages, stream an export.

Plain http.client, one connection per request (gunicorn's sync workers close it anyway), and a
thread pool for concurrent clients.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from benchmarks.processes import tree_rss

GUNICORN = Path(sys.executable).parent / "gunicorn"
TIMEOUT_SECONDS = 600
CHUNK_BYTES = 1 << 20
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass(frozen=True)
class Response:
    status: int
    seconds: float
    body: bytes
    cookies: dict[str, str]


@dataclass
class Client:
    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, path: str, form: dict[str, str] | None = None) -> Response:
        """GET (or POST a form) without following redirects; the body read to its end."""
        connection, started = self.send(path, form)
        try:
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        jar = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        cookies = {name: morsel.value for name, morsel in jar.items()}
        return Response(response.status, time.perf_counter() - started, body, cookies)

    def sign_in(self, login_path: str, username: str, password: str) -> None:
        page = self.request(login_path)
        self.cookies.update(page.cookies)
        form = {"username": username, "password": password, "csrfmiddlewaretoken": token(page)}
        answer = self.request(login_path, form)
        if answer.status != 302 or "sessionid" not in answer.cookies:
            raise RuntimeError(f"signing in as {username} failed (HTTP {answer.status})")
        self.cookies.update(answer.cookies)

    def send(
        self, path: str, form: dict[str, str] | None
    ) -> tuple[http.client.HTTPConnection, float]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT_SECONDS)
        started = time.perf_counter()
        connection.request("POST" if form is not None else "GET", path, body, headers)
        return connection, started


def token(page: Response) -> str:
    """The CSRF token of the first form on the page."""
    match = CSRF_FIELD.search(page.body)
    if match is None:
        raise RuntimeError("no form with a CSRF token on the page")
    return match.group(1).decode()


@dataclass(frozen=True)
class Load:
    seconds: list[float]  # of the answers with HTTP 200
    failures: int


def load(client: Client, paths: Sequence[str], requests: int, concurrency: int) -> Load:
    """`requests` GETs, `concurrency` at a time, cycling through `paths`."""

    def one(number: int) -> Response | None:
        try:
            return client.request(paths[number % len(paths)])
        except (OSError, http.client.HTTPException):
            return None

    with ThreadPoolExecutor(concurrency) as pool:
        answers = list(pool.map(one, range(requests)))
    ok = [answer.seconds for answer in answers if answer is not None and answer.status == 200]
    return Load(ok, requests - len(ok))


@dataclass(frozen=True)
class Download:
    rows: int
    seconds: float
    complete: bool
    growth_bytes: int  # the largest RSS growth of one web worker while it lasted
    worker_peak_bytes: int  # that worker's peak RSS


def download(client: Client, path: str, form: dict[str, str], server_pid: int) -> Download:
    """POST the form and read the CSV to its end (or until the server cuts it), counting rows."""
    watch = MemoryWatch(server_pid)
    watch.start()
    newlines, complete = 0, False
    connection, started = client.send(path, form)
    try:
        response = connection.getresponse()
        while chunk := response.read(CHUNK_BYTES):
            newlines += chunk.count(b"\n")
        complete = response.status == 200
    except (OSError, http.client.HTTPException):
        pass
    finally:
        connection.close()
    seconds = time.perf_counter() - started
    return Download(max(newlines - 1, 0), seconds, complete, *watch.stop())


class MemoryWatch(threading.Thread):
    """Polls the RSS of the server's workers; stop() gives the largest growth of one of them."""

    def __init__(self, server_pid: int) -> None:
        super().__init__(daemon=True)
        self.baseline = {pid: rss for pid, rss in tree_rss(server_pid).items() if pid != server_pid}
        self.server_pid = server_pid
        self.peaks = dict(self.baseline)
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(0.1):
            for pid, rss in tree_rss(self.server_pid).items():
                if pid in self.peaks:
                    self.peaks[pid] = max(self.peaks[pid], rss)

    def stop(self) -> tuple[int, int]:
        """(growth, peak) in bytes of the worker that grew most (0, 0 without workers)."""
        self.stopping.set()
        self.join()
        grown = max(self.baseline, key=lambda pid: self.peaks[pid] - self.baseline[pid], default=0)
        if not grown:
            return 0, 0
        return self.peaks[grown] - self.baseline[grown], self.peaks[grown]


def start_server(
    env: dict[str, str], cwd: Path, log: Path, extra: Sequence[str]
) -> tuple[subprocess.Popen, int]:
    """gunicorn with 2 workers (a gunicorn.conf.py in `cwd` applies); (process, port).

    Without a control socket: its default path is one per user, shared with any other gunicorn.
    """
    port = free_port()
    command = [str(GUNICORN), "segweb.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", "2", "--no-control-socket", *extra]  # fmt: skip
    with log.open("w") as output:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            Client(port).request("/")
            return process, port
        except OSError:
            time.sleep(0.2)
    stop_server(process)
    raise RuntimeError(f"gunicorn did not answer within 60 s (see {log})")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
