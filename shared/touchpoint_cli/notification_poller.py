"""The local stack's stand-in for the notifications queue's Lambda event source.

A background thread drains `NotificationsQueue` (on the stack's moto server) every few seconds
with the consumer's own logic (`touchpoint.loop.notify_delivery.drain_once`), so a notification
queued by an answer is delivered within a minute, and a failed one again when its backoff ends
(moto honours the visibility timeouts). `stop` ends the thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from touchpoint.observability import logger

#: Seconds between two polls of the queue.
POLL_SECONDS = 5.0


def _drain_queue() -> None:
    from touchpoint.loop.notify_delivery import drain_once
    from touchpoint.runtime import get_runtime

    runtime = get_runtime()
    while drain_once(runtime) == 10:  # a full batch: there may be more waiting
        pass


class NotificationPoller:
    """Calls `drain` every `interval` seconds in a daemon thread (`name`) until stopped (also used for
    the local rollup recomputations, `touchpoint_cli.rollup_poller`)."""

    def __init__(
        self,
        interval: float = POLL_SECONDS,
        drain: Callable[[], None] = _drain_queue,
        name: str = "touchpoint-notifications",
    ) -> None:
        self._interval = interval
        self._drain = drain
        self._name = name
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """True while the thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start polling in the background."""
        self._stopped.clear()
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                self._drain()
            except Exception:
                logger.exception(
                    "local background work failed; trying again at the next poll",
                    extra={"thread": self._name},
                )

    def stop(self) -> None:
        """Stop polling and wait for the thread to end."""
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=15)
            self._thread = None
