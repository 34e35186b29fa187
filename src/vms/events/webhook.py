"""Sending one outbox message to a webhook: a signed JSON POST, acknowledged by any 2xx.

What counts as delivered is the receiver's 2xx answer within the target's timeout; anything
else (a refused connection, a timeout, a 3xx, 4xx or 5xx) is a failed try that the deliverer
retries, since a receiver that answers 4xx today may be fixed tomorrow and an admin can drop
what it will never take. Redirects are not followed: the signature names one receiver.
"""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlsplit

import httpx

from vms import __version__
from vms.config.events import WebhookTarget
from vms.core.redact import redact_text
from vms.events.delivery import DeliveryError, TransportKind
from vms.events.outbox import OutboxMessage
from vms.events.signing import SIGNATURE_HEADER, sign


def body_bytes(message: OutboxMessage) -> bytes:
    """The exact bytes sent (and signed): compact JSON, keys in the stored order."""
    return json.dumps(message.payload, separators=(",", ":"), ensure_ascii=False).encode()


def shown_url(target: WebhookTarget) -> str:
    """The target's URL without credentials or query (which may carry a token)."""
    parts = urlsplit(str(target.url))
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


class WebhookSender:
    """POSTs messages to one target with one pooled HTTP client."""

    def __init__(self, target: WebhookTarget) -> None:
        self.target = target
        self._client: httpx.AsyncClient | None = None  # made on first use, in the running loop
        self._loop: asyncio.AbstractEventLoop | None = None

    def _http(self) -> httpx.AsyncClient:
        """The pooled client of the running loop (its connections belong to one loop: a test
        client that runs each request in a new loop gets a new one)."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._loop = loop
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.target.timeout_s),
                follow_redirects=False,
                headers={"User-Agent": f"vms/{__version__}"},
            )
        return self._client

    @property
    def kind(self) -> TransportKind:
        return "webhook"

    @property
    def destination(self) -> str:
        return shown_url(self.target)

    async def send(self, message: OutboxMessage, attempt: int) -> None:
        """One try; returns when the receiver acknowledged, raises DeliveryError otherwise."""
        body = body_bytes(message)
        headers = {
            **self.target.headers,
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(self.target.secret.get_secret_value(), int(time.time()), body),
            "X-VMS-Message-Id": message.message_id,
            "X-VMS-Event": f"event.{message.phase}",
            "X-VMS-Attempt": str(attempt),
        }
        try:
            response = await self._http().post(str(self.target.url), content=body, headers=headers)
        except httpx.TimeoutException:
            raise DeliveryError(f"no answer within {self.target.timeout_s:g} s") from None
        except httpx.HTTPError as error:
            reason = redact_text(str(error)) or type(error).__name__
            raise DeliveryError(f"could not reach the receiver: {reason}") from None
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"the receiver answered HTTP {response.status_code}")

    async def close(self) -> None:
        """Close the connections; a later send opens new ones (the deliverer may start again)."""
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()
