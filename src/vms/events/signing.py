"""Webhook signatures: HMAC-SHA256 over the send time and the exact body bytes.

The header is `X-VMS-Signature: t=<unix seconds>,v1=<hex digest>`, the digest taken over
`<t>.<body>` with the target's secret, the scheme Stripe and others made familiar, so receivers
have code for it in every language. The time inside the signed text lets a receiver refuse a
captured request replayed later (`REPLAY_WINDOW_S`); the body is signed as sent, so a receiver
must check the raw bytes before parsing them. `verify` is what a Python receiver runs (and what
the tests run); docs/guide/webhooks.md shows the same in a shell.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-VMS-Signature"
REPLAY_WINDOW_S = 300  # a receiver should refuse a signature this much older (or newer) than now
VERSION = "v1"


class SignatureError(ValueError):
    """The request is not what the target's secret signed, or not now."""


def sign(secret: str, timestamp_s: int, body: bytes) -> str:
    """The header value for `body` sent at `timestamp_s`."""
    return f"t={timestamp_s},{VERSION}={_digest(secret, timestamp_s, body)}"


def verify(
    secret: str, header: str, body: bytes, now_s: float, window_s: float = REPLAY_WINDOW_S
) -> None:
    """Raise SignatureError unless `header` signs `body` with `secret` within `window_s` of
    `now_s`."""
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if sep:
            fields.setdefault(key, []).append(value)
    stamps = fields.get("t", [])
    if len(stamps) != 1 or not stamps[0].isdigit():
        raise SignatureError("no single t=<unix seconds> in the signature header")
    timestamp_s = int(stamps[0])
    if abs(now_s - timestamp_s) > window_s:
        raise SignatureError(f"signed {now_s - timestamp_s:.0f} s from now: outside the window")
    expected = _digest(secret, timestamp_s, body)
    if not any(hmac.compare_digest(expected, given) for given in fields.get(VERSION, [])):
        raise SignatureError("the signature does not match the body and the secret")


def _digest(secret: str, timestamp_s: int, body: bytes) -> str:
    signed = str(timestamp_s).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
