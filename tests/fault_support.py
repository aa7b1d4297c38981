"""Support for the fault tests (make test-faults): servers to restart, a real web server, memory
figures and the results table of docs/reliability.md.

Restarting Redis or PostgreSQL restarts the server every client on this machine uses: other test
runs that share it see their connections dropped (and Redis loses every queued message).
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import redis

from segweb import local_postgres
from tests.worker_support import wait_for

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
RELIABILITY_DOC = ROOT / "docs" / "reliability.md"
SECTION_TITLE = "## Faults"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
# Row order of the table; a case not listed goes last.
CASES = (
    "Worker killed in the load stage",
    "Worker killed in the features stage",
    "Worker killed in the elbow stage",
    "Worker killed in the fit stage",
    "Worker killed in the save stage",
    "Worker's pool process killed (as the OOM killer does)",
    "Worker killed 3 times on one run",
    "Worker killed mid-import (inside its transaction)",
    "Redis restarted while a run and an import are queued, no worker up",
    "Redis restarted under a live worker and beat while a run is queued",
    "Broker down at upload and at run request",
    "PostgreSQL restarted mid-run and mid-import",
    "Load: 4 clients for 60 s while runs execute",
    "20 simultaneous run triggers",
)


# Redis --------------------------------------------------------------------------------------


def redis_address() -> tuple[str, int]:
    url = urlsplit(os.environ["REDIS_URL"])
    return url.hostname or "127.0.0.1", url.port or 6379


def redis_restartable() -> bool:
    """Only a Redis on this machine, with its tools here, can be stopped and started again."""
    host, _ = redis_address()
    return host in LOCAL_HOSTS and all(map(shutil.which, ("redis-server", "redis-cli")))


def redis_answers() -> bool:
    """PING over a plain socket: redis-py's client retries with back-off, which hides seconds."""
    try:
        with socket.create_connection(redis_address(), timeout=1) as probe:
            probe.sendall(b"PING\r\n")
            return probe.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def stop_redis() -> None:
    host, port = redis_address()
    subprocess.run(["redis-cli", "-h", host, "-p", str(port), "shutdown", "nosave"], check=False)
    if not wait_for(lambda: not redis_answers(), timeout=30, every=0.2):
        raise RuntimeError("Redis did not stop")


def start_redis() -> None:
    """Start Redis exactly as .ci/run does: nothing on disk, so a restart loses every message."""
    if redis_answers():
        return
    _, port = redis_address()
    subprocess.run(
        ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", str(port),
         "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis",
         "--logfile", "/var/log/redis/ci.log"],
        check=True,
    )  # fmt: skip
    if not wait_for(redis_answers, timeout=60, every=0.2):
        raise RuntimeError("Redis did not start again")


@contextmanager
def redis_stopped() -> Iterator[None]:
    """Redis is down inside the block and up again after it, whatever happened inside."""
    stop_redis()
    try:
        yield
    finally:
        start_redis()


def queued_messages() -> int:
    """Messages waiting in the broker's default queue (the tests' Redis database)."""
    return int(redis.Redis.from_url(os.environ["REDIS_URL"]).llen("celery"))


def redis_version() -> str:
    host, port = redis_address()
    return str(redis.Redis(host=host, port=port).info("server")["redis_version"])


# PostgreSQL ---------------------------------------------------------------------------------


def postgres_restartable(settings_dict: dict) -> bool:
    """The embedded server (a socket directory) or a Debian cluster on this machine."""
    host = settings_dict["HOST"] or ""
    if host.startswith("/"):
        return True
    return host in LOCAL_HOSTS and bool(shutil.which("pg_ctlcluster")) and _clusters() != []


def restart_postgres(settings_dict: dict) -> None:
    """Restart the server the tests use; every open connection to it is dropped."""
    host = settings_dict["HOST"] or ""
    if host.startswith("/"):
        # tests/postgres_plugin.py's server: its socket lives in its data directory.
        data_dir = Path(host)
        local_postgres.stop_server(data_dir, force=True)
        local_postgres.start_server(data_dir)
        return
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", _clusters()[0], "main", "restart"],
        check=True,
    )


def _clusters() -> list[str]:
    try:
        return sorted(os.listdir("/etc/postgresql"))
    except OSError:
        return []


# Processes ----------------------------------------------------------------------------------


def group_members(group: int) -> list[int]:
    """The live processes of a process group (a worker and its pool, gunicorn and its workers)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if len(fields) > 2 and int(fields[2]) == group and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def peak_memory_mb(group: int) -> float:
    """The largest peak resident set (VmHWM) among a process group's processes, in MB."""
    peaks = [0]
    for pid in group_members(group):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        if match:
            peaks.append(int(match.group(1)))
    return round(max(peaks) / 1024, 1)


def kill_pool_process(worker: subprocess.Popen) -> int:
    """SIGKILL the worker's pool process only, as the out-of-memory killer picks the biggest."""
    children = [pid for pid in group_members(worker.pid) if pid != worker.pid]
    if len(children) != 1:
        raise RuntimeError(f"expected one pool process, found {children}")
    os.kill(children[0], signal.SIGKILL)
    return children[0]


# A real web server --------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    location: str
    cookies: dict[str, str]
    seconds: float


@dataclass(frozen=True)
class WebServer:
    process: subprocess.Popen
    port: int

    def request(
        self, path: str, cookies: dict[str, str], form: dict[str, str] | None = None
    ) -> Answer:
        """GET (or POST a form) without following redirects; OSError when nothing answers."""
        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            connection.request("POST" if form is not None else "GET", path, body, headers)
            response = connection.getresponse()
            response.read()
        finally:
            connection.close()
        jar = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        return Answer(
            response.status,
            response.getheader("Location") or "",
            {name: morsel.value for name, morsel in jar.items()},
            time.perf_counter() - started,
        )

    def answers(self, path: str, cookies: dict[str, str]) -> bool:
        try:
            return self.request(path, cookies).status == 200
        except OSError:
            return False


def start_web_server(database_url: str, secret_key: str) -> WebServer:
    """gunicorn as the Dockerfile runs it (3 workers), with threads for concurrent clients."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "HTTPS": "0",  # plain HTTP on loopback
    }
    process = subprocess.Popen(
        [str(GUNICORN), "segweb.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "3", "--threads", "4", "--timeout", "120", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )  # fmt: skip
    server = WebServer(process, port)
    if not wait_for(lambda: server.answers("/login/", {}), timeout=60, every=0.2):
        stop_web_server(server)
        raise RuntimeError("gunicorn did not answer within 60 s")
    return server


def stop_web_server(server: WebServer) -> None:
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the values fall (nearest rank)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


# The results table --------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    case: str
    outcome: str
    time: str
    memory: str

    def row(self) -> str:
        return f"| {self.case} | {self.outcome} | {self.time} | {self.memory} |"


class Report:
    """What each fault case measured, for the Faults section of docs/reliability.md."""

    def __init__(self) -> None:
        self.outcomes: dict[str, Outcome] = {}
        self.environment = ""  # date, cores and server versions, set by the first case

    def add(self, case: str, outcome: str, time: str, memory_mb: float | None = None) -> None:
        memory = f"{memory_mb:,.0f} MB" if memory_mb else "-"
        self.outcomes[case] = Outcome(case, outcome, time, memory)
        print(self.outcomes[case].row())  # in the log of every run, written to the doc or not

    def write(self, environment: str, path: Path = RELIABILITY_DOC) -> None:
        """Replace the Faults section (or add it at the end); rows of cases that did not run
        this time are kept, so running one case refreshes its row only."""
        text = path.read_text() if path.exists() else "# Reliability\n"
        before, old, after = split_section(text)
        rows = {**table_rows(old), **{o.case: o.row() for o in self.outcomes.values()}}
        ordered = sorted(rows, key=lambda case: CASES.index(case) if case in CASES else len(CASES))
        section = section_text([rows[case] for case in ordered], environment)
        path.write_text(before.rstrip("\n") + "\n\n" + section + ("\n" + after if after else ""))


def split_section(text: str) -> tuple[str, str, str]:
    """The text before the Faults section, the section, and what follows it."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.rstrip() == SECTION_TITLE]
    if not starts:
        return text, "", ""
    start = starts[0]
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return "".join(lines[:start]), "".join(lines[start:end]), "".join(lines[end:])


def table_rows(section: str) -> dict[str, str]:
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| ") and cells[0] not in ("Case", "") and not cells[0].startswith("-"):
            rows[cells[0]] = line.rstrip()
    return rows


def section_text(rows: list[str], environment: str) -> str:
    return "\n".join(
        [
            SECTION_TITLE,
            "",
            "Written by `SEGWEB_WRITE_RELIABILITY=1 make test-faults` (tests/test_faults.py),",
            "which kills real Celery workers with SIGKILL, stops and starts the real Redis and",
            "PostgreSQL, and drives a real gunicorn over loopback; the table is only written when",
            "every case passed. Workers run with `SEGWEB_HEARTBEAT_SECONDS=2` and",
            "`SEGWEB_STALE_SECONDS=10`, so a dead worker's run is taken over 10 to 15 s after its",
            "last heartbeat (production defaults: 5 and 60 s, so about a minute more). Times are",
            "measured, never asserted; the tests assert outcomes, and give each wait a liveness",
            "bound of 120 s (30 s for the site after a PostgreSQL restart). Peak memory is the",
            "largest VmHWM among the worker's processes. Restarting Redis or PostgreSQL disrupts",
            "anything else using them on the machine, so these cases run in `make test-faults`",
            "(CI), never in `make test`.",
            "",
            f"Last run: {environment}.",
            "",
            "| Case | Outcome | Time | Worker peak memory |",
            "|---|---|---|---|",
            *rows,
            "",
        ]
    )
