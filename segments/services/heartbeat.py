"""A heartbeat written from a thread of its own while a worker computes a run or an import.

The computation itself may sit for minutes inside one numpy call or one SQL statement; the
heartbeat says every few seconds that the worker still lives, so a run or import whose
heartbeat is older than SEGWEB_STALE_SECONDS has lost its worker (segments.services.recovery).
The thread uses a database connection of its own and closes it when it stops.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)


@contextmanager
def heartbeat(beat: Callable[[], bool], name: str) -> Iterator[threading.Event]:
    """Call `beat` every SEGWEB_HEARTBEAT_SECONDS until the block ends.

    `beat` returns False once the work is no longer ours (cancelled, or taken over): the
    yielded event is then set, and the caller stops at its next step.
    """
    stop = threading.Event()
    lost = threading.Event()
    thread = threading.Thread(
        target=_beat_until, args=(beat, stop, lost, name), name=f"heartbeat {name}", daemon=True
    )
    thread.start()
    try:
        yield lost
    finally:
        stop.set()
        thread.join()


def _beat_until(
    beat: Callable[[], bool], stop: threading.Event, lost: threading.Event, name: str
) -> None:
    try:
        while not stop.wait(settings.SEGWEB_HEARTBEAT_SECONDS):
            try:
                if not beat():
                    lost.set()
                    return
            except DatabaseError:
                # The database went away: no heartbeat is written, so the work goes stale and
                # is recovered; keep trying in case it comes back.
                logger.warning("Heartbeat of %s could not be written", name, exc_info=True)
                connection.close()
    finally:
        connection.close()
