"""A webhook receiver for tests: a real HTTP server on 127.0.0.1 that records every request and
answers with scripted status codes (then 200), verifying nothing itself, so tests check the
signature, the ids and the order on what it recorded. `stop()` closes the port (a receiver
that is down), `start()` opens it again on the same port."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.ports import free_port


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    status: int  # what the receiver answered
    received_ms: int  # wall clock when the body had arrived, Unix ms

    def json(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver:
    def __init__(self, port: int | None = None) -> None:
        self.port = port if port is not None else free_port()
        self.requests: list[Received] = []
        self._answers: list[int] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def answer(self, *statuses: int) -> None:
        """The next requests get these statuses, in order; later ones get 200."""
        with self._lock:
            self._answers.extend(statuses)

    def acknowledged(self) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if 200 <= r.status < 300]

    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real receivers do

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                arrived_ms = time.time_ns() // 1_000_000
                with receiver._lock:
                    status = receiver._answers.pop(0) if receiver._answers else 200
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    receiver.requests.append(Received(self.path, headers, body, status, arrived_ms))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
