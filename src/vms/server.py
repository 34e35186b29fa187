"""`vms serve`: the composed application under uvicorn, until SIGTERM or SIGINT.

Kept apart from the composition root (`vms.app`) because it is about the process, not the
parts: the data-folder lock, the first admin's password on the terminal, the exit code.
"""

from __future__ import annotations

import asyncio
import contextlib
import faulthandler
import logging
import os
import socket
import sys
from collections.abc import Callable, Iterator
from types import FrameType

import uvicorn

from vms import __version__
from vms.app import create_app
from vms.config import Settings
from vms.config.loader import ADMIN_PASSWORD_ENV
from vms.core.errors import ConflictError, VmsError
from vms.core.filelock import exclusive_lock
from vms.core.malloc import pin_mmap_threshold
from vms.services import Services, build
from vms.telemetry.logging import configure_logging

log = logging.getLogger(__name__)


class Server(uvicorn.Server):
    """uvicorn, exiting normally after a graceful stop on SIGTERM/SIGINT.

    uvicorn re-raises the captured signal once it has shut down, so the process would die "by
    SIGTERM" although every segment was closed and indexed; service managers and tests then see
    a failure. VMS exits 0 after a clean stop instead.

    It also ends the server-sent event streams first: uvicorn waits for open responses to finish
    before it stops, and a live event stream never finishes by itself.

    And it ticks once a second instead of ten times: uvicorn's loop wakes only to poll its exit
    flag and to refresh the Date header (a one-second value), and each wake-up of an idle
    process costs more CPU than the work it does (ADR 0011); a signal wakes it at once.
    """

    def __init__(self, config: uvicorn.Config, *, on_shutdown: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_shutdown = on_shutdown
        self._loop: asyncio.AbstractEventLoop | None = None
        self._exit_now = asyncio.Event()

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 10) % 864_000  # on_tick refreshes the Date header at % 10 == 0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._exit_now.wait(), 1.0)
            should_exit = await self.on_tick(counter)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._exit_now.set)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._on_shutdown()
        await super().shutdown(sockets)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            try:
                yield
            finally:
                self._captured_signals.clear()


def serve(settings: Settings) -> int:
    """Run VMS until SIGINT/SIGTERM; returns the process exit code."""
    pin_mmap_threshold()  # before any camera thread allocates (see vms.core.malloc)
    # A crash inside native code (FFmpeg, aiortc's codecs) would otherwise end the process with
    # no word in the log; this prints every thread's Python stack to stderr first.
    faulthandler.enable()
    configure_logging(settings.logging.level, settings.logging.format)
    try:
        with exclusive_lock(settings.storage.data_dir / "vms.lock"):
            services = build(settings)
            first_admin(services)
            server = Server(
                uvicorn.Config(
                    create_app(services),
                    host=settings.server.host,
                    port=settings.server.port,
                    log_config=None,
                    access_log=False,
                    lifespan="on",
                    # MSE fragments are compressed video: deflating them costs CPU for nothing
                    ws_per_message_deflate=False,
                ),
                on_shutdown=services.events.feed.close,
            )
            log.info(
                "VMS %s listening on http://%s:%d",
                __version__,
                settings.server.host,
                settings.server.port,
            )
            server.run()
            return 0 if server.started else 1
    except ConflictError as exc:
        print(f"vms: {exc}", file=sys.stderr)
        return 1


def first_admin(services: Services) -> None:
    """On the very first start, make the `admin` user; a made-up password is shown only here."""
    try:
        made_up = services.auth.users.ensure_first_admin(os.environ.get(ADMIN_PASSWORD_ENV))
    except VmsError as exc:
        raise ConflictError(f"{ADMIN_PASSWORD_ENV}: {exc}") from None
    if made_up is not None:
        print(
            f"\nVMS: created the user 'admin' with the password: {made_up}\n"
            "     It is shown only this once; sign in and change it under Settings → Users.\n",
            file=sys.stderr,
            flush=True,
        )
