"""make run's script on a fresh copy of the checkout: first page, then Ctrl-C stops everything."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

from segweb import local_postgres

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs a git checkout to copy")


def fresh_copy(target: Path) -> Path:
    """The tracked files (as a fresh clone has them) and a link to this checkout's virtualenv."""
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, (f.decode() for f in files)):
        source, copy = ROOT / name, target / name
        if source.exists():
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(source.read_bytes())
            copy.chmod(source.stat().st_mode)
    (target / ".venv").symlink_to(ROOT / ".venv")
    return target


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def error_page(url: str) -> tuple[int, str]:
    try:
        urllib.request.urlopen(url, timeout=5)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    raise AssertionError(f"{url} answered")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_run_script_fresh_copy_serves_sign_in_and_ctrl_c_stops_every_process(tmp_path):
    copy = fresh_copy(tmp_path / "segweb")
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    env |= {"PORT": str(port), "DEMO_CUSTOMERS": "300", "DEBUG": "1"}
    script = subprocess.Popen(
        ["bash", "scripts/run.sh"],
        cwd=copy,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, as a terminal gives it
    )
    try:
        url = f"http://127.0.0.1:{port}/login/"
        deadline = time.monotonic() + 240
        while not answers(url) and script.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert answers(url), script.stdout.read().decode() if script.poll() is not None else ""
        assert (copy / ".env").read_text().startswith("DEBUG=1\nSECRET_KEY=")
        status, page = error_page(f"http://127.0.0.1:{port}/no-such-page/")
        assert status == 404 and 'id="error-title"' in page  # the product's page, not DEBUG's
        children = psutil.Process(script.pid).children(recursive=True)
        assert len(children) >= 3  # web server, worker, beat (and the worker's pool)

        os.killpg(script.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
        output = script.communicate(timeout=30)[0].decode()
    finally:
        if script.poll() is None:
            os.killpg(script.pid, signal.SIGKILL)
    assert "segweb stopped." in output, output
    _, alive = psutil.wait_procs(children, timeout=5)
    assert alive == [], [process.cmdline() for process in alive]
    assert not local_postgres.is_running(copy / "var" / "postgres")
