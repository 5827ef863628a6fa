"""A local HTTP receiver standing in for a campaign tool's webhook endpoint."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer


class WebhookReceiver:
    """Records every POST (headers, body); answers 503 to the first ``failures`` requests."""

    def __init__(self, failures: int = 0) -> None:
        self.received: list[tuple[dict, bytes]] = []
        self.failures_left = failures
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.failures_left > 0:
                    receiver.failures_left -= 1
                    self.send_response(503)
                else:
                    receiver.received.append((dict(self.headers), body))
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/audiences"

    def __enter__(self) -> WebhookReceiver:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
