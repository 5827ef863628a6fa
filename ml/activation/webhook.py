"""The webhook destination: a publication POSTed as signed JSON-lines batches.

Each batch is signed with HMAC-SHA256 of its body (header ``X-Bullseye-Signature:
sha256=<hex>``) and carries an idempotency key, so the receiver can verify the sender and drop
a batch it has already seen. Batches are sent only after every other destination has committed
(``finalize``): a receiver never hears of a publication that is not in the files and the table.

One attempt per batch, each bounded by ``timeout_s`` (connecting, sending, and each read of the
answer). Retrying is not done here: the flow's ``publish-audience`` task retries the whole
publication (``publish_attempts``, ``publish_backoff_s``), which is all-or-nothing and
idempotent, and a retry sends every batch again under the same keys. One retry layer, so the
number of requests a dead receiver gets, and the time it takes, are bounded by settings.
"""

from __future__ import annotations

import hashlib
import hmac
import urllib.error
import urllib.parse
import urllib.request

import pandas as pd

from ml.activation.publish import PublicationRequest


class WebhookError(RuntimeError):
    """The receiver did not accept a batch; the files and the table are already published."""


class WebhookDestination:
    name = "webhook"

    def __init__(
        self, url: str, secret: str, batch_size: int = 1_000, timeout_s: float = 10.0
    ) -> None:
        self.url, self.secret = url, secret.encode()
        self.batch_size, self.timeout_s = batch_size, timeout_s
        self._batches: list[tuple[dict, bytes]] = []
        self._what = ""
        self.sent: int = 0

    def stage(self, frame: pd.DataFrame, manifest: dict, request: PublicationRequest) -> None:
        self._batches, self.sent = [], 0
        self._what = f"{request.campaign_id!r} of {request.run_date}"
        total = max((len(frame) - 1) // self.batch_size + 1, 1)
        key = f"{request.campaign_id}/{request.run_date}/{manifest['content_sha256'][:16]}"
        for number in range(total):
            part = frame.iloc[number * self.batch_size : (number + 1) * self.batch_size]
            body = part.to_json(orient="records", lines=True, force_ascii=False).encode()
            headers = {
                "Content-Type": "application/x-ndjson",
                "X-Bullseye-Signature": "sha256="
                + hmac.new(self.secret, body, hashlib.sha256).hexdigest(),
                "Idempotency-Key": f"{key}/{number + 1}",
                "X-Bullseye-Batch": f"{number + 1}/{total}",
            }
            self._batches.append((headers, body))

    def commit(self) -> None:
        pass  # delivery happens in finalize, once every other destination has committed

    def abort(self) -> None:
        self._batches = []

    def finalize(self) -> None:
        for headers, body in self._batches:
            self._send(headers, body)
            self.sent += 1

    def _send(self, headers: dict, body: bytes) -> None:
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            # urlopen raises HTTPError for any answer outside 2xx (redirects of a POST too)
            with urllib.request.urlopen(request, timeout=self.timeout_s):
                return
        except OSError as error:  # HTTPError, URLError, timeouts, resets
            problem = _problem(error, self.timeout_s)
        raise WebhookError(
            f"Audience {self._what} is published (files and the warehouse table), but the "
            f"webhook at {_where(self.url)} did not take batch {headers['X-Bullseye-Batch']}: "
            f"{problem}. Once the receiver works, rerun the same command: it publishes the "
            "same rows again and resends every batch under the same Idempotency-Key."
        )


def _problem(error: OSError, timeout_s: float) -> str:
    if isinstance(error, urllib.error.HTTPError):
        return f"it answered HTTP {error.code} {error.reason}"
    reason = getattr(error, "reason", error)  # URLError wraps the socket's error
    if isinstance(error, TimeoutError) or isinstance(reason, TimeoutError):
        return f"no answer within {timeout_s:g} s (webhook_timeout_s)"
    return f"the connection failed ({type(reason).__name__}: {reason})"


def _where(url: str) -> str:
    """Scheme, host and port only: webhook paths and queries often hold a token."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
