"""A local HTTP receiver standing in for a campaign tool's webhook endpoint."""

from __future__ import annotations

import math
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODES = ("status", "hang", "close")


class WebhookReceiver:
    """Records every POST it accepts (``received``: headers, body) and every request it got
    (``attempts``: monotonic time and Idempotency-Key, accepted or not).

    The first ``failures`` requests (``math.inf``: all) fail the way ``mode`` says: ``status``
    answers ``status`` (503 by default); ``hang`` reads the request and never answers (until the
    receiver stops); ``close`` reads it and closes the connection without a word.
    """

    def __init__(self, failures: float = 0, mode: str = "status", status: int = 503) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.received: list[tuple[dict, bytes]] = []
        self.attempts: list[tuple[float, str | None]] = []
        self.failures_left = failures
        self._stop = threading.Event()
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with lock:
                    receiver.attempts.append(
                        (time.monotonic(), self.headers.get("Idempotency-Key"))
                    )
                    fail = receiver.failures_left > 0
                    if fail:
                        receiver.failures_left -= 1
                    else:
                        receiver.received.append((dict(self.headers), body))
                if not fail:
                    self.send_response(200)
                elif mode == "status":
                    self.send_response(status)
                elif mode == "hang":
                    receiver._stop.wait()
                    return
                else:  # close: no status line, no headers; the server closes the socket
                    self.close_connection = True
                    return
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}/audiences"

    @classmethod
    def failing(cls, mode: str, status: int = 500) -> WebhookReceiver:
        """A receiver that never accepts anything."""
        return cls(failures=math.inf, mode=mode, status=status)

    def __enter__(self) -> WebhookReceiver:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
