"""Webhook signatures: what `verify` accepts and refuses, and that OpenSSL (an independent
implementation, the check docs/guide/webhooks.md shows) computes the same digest."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from vms.events.signing import SignatureError, sign, verify

SECRET = "a-shared-secret-for-tests"
BODY = b'{"schema":"vms.event/1","type":"event.opened","event":{"label":"person"}}'
T = 1_796_665_818


def test_a_signed_body_verifies_within_the_window() -> None:
    header = sign(SECRET, T, BODY)
    assert header.startswith(f"t={T},v1=")
    verify(SECRET, header, BODY, T + 299)
    verify(SECRET, header, BODY, T - 299)  # a receiver's clock may be behind


@pytest.mark.parametrize(
    ("secret", "body", "now", "reason"),
    [
        ("another-secret-entirely", BODY, T, "does not match"),
        (SECRET, BODY.replace(b"person", b"car"), T, "does not match"),
        (SECRET, BODY + b" ", T, "does not match"),  # the raw bytes, not the JSON value
        (SECRET, BODY, T + 301, "outside the window"),  # a replay, five minutes on
    ],
)
def test_a_changed_body_another_secret_or_a_replay_is_refused(
    secret: str, body: bytes, now: int, reason: str
) -> None:
    with pytest.raises(SignatureError, match=reason):
        verify(secret, sign(SECRET, T, BODY), body, now)


@pytest.mark.parametrize("header", ["", "v1=abc", "t=soon,v1=abc", f"t={T},t={T},v1=abc"])
def test_a_malformed_header_is_refused(header: str) -> None:
    with pytest.raises(SignatureError, match="t=<unix seconds>"):
        verify(SECRET, header, BODY, T)


def test_one_matching_value_among_several_is_enough() -> None:
    """A sender rotating its secret may sign with both: the header carries two v1 values."""
    new = sign(SECRET, T, BODY).split(",")[1]
    old = sign("the-secret-before-this", T, BODY).split(",")[1]
    verify(SECRET, f"t={T},{old},{new}", BODY, T)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_openssl_computes_the_same_digest_as_the_guide_says() -> None:
    signed = str(T).encode() + b"." + BODY
    done = subprocess.run(
        ["openssl", "dgst", "-sha256", "-hmac", SECRET, "-hex"],
        input=signed,
        capture_output=True,
        check=True,
    )
    digest = done.stdout.decode().strip().rsplit(" ", 1)[-1]
    assert sign(SECRET, T, BODY) == f"t={T},v1={digest}"
