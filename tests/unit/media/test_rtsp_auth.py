"""Unit tests for RTSP Basic and Digest authentication, with the RFC 2617 and RFC 7616 examples."""

from __future__ import annotations

import base64

from vms.core.clock import FakeClock
from vms.media.rtsp.auth import (
    NONCE_LIFETIME_S,
    AuthScheme,
    RtspAuth,
    digest_response,
    parse_digest_params,
)


def test_rfc2617_example() -> None:
    response = digest_response(
        "Mufasa",
        "testrealm@host.com",
        "Circle Of Life",
        method="GET",
        uri="/dir/index.html",
        nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",
        qop="auth",
        nc="00000001",
        cnonce="0a4f113b",
    )
    assert response == "6629fae49393a05397450978507c4ef1"


def test_rfc7616_md5_example() -> None:
    response = digest_response(
        "Mufasa",
        "http-auth@example.org",
        "Circle of Life",
        method="GET",
        uri="/dir/index.html",
        nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
        qop="auth",
        nc="00000001",
        cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
    )
    assert response == "8ca523f5e9506fed4657c9700eebdbec"


def test_parse_digest_params() -> None:
    params = parse_digest_params(
        'username="Mufasa", realm="a b", nonce="n", uri="rtsp://h/x", response="r", nc=00000001'
    )
    assert params == {
        "username": "Mufasa",
        "realm": "a b",
        "nonce": "n",
        "uri": "rtsp://h/x",
        "response": "r",
        "nc": "00000001",
    }


def _digest_header(auth: RtspAuth, password: str, nonce: str, qop: bool) -> str:
    uri = "rtsp://127.0.0.1:8554/cam1/main"
    extra = {"qop": "auth", "nc": "00000001", "cnonce": "abc"} if qop else {}
    response = digest_response(
        auth.username,
        auth.realm,
        password,
        method="DESCRIBE",
        uri=uri,
        nonce=nonce,
        qop=extra.get("qop"),
        nc=extra.get("nc", ""),
        cnonce=extra.get("cnonce", ""),
    )
    fields = {"username": auth.username, "realm": auth.realm, "nonce": nonce, "uri": uri}
    text = ", ".join(f'{k}="{v}"' for k, v in fields.items())
    tail = "".join(f", {k}={v}" for k, v in extra.items())
    return f'Digest {text}, response="{response}"{tail}'


def _nonce(challenge: str) -> str:
    return parse_digest_params(challenge.removeprefix("Digest "))["nonce"]


def test_digest_accepts_right_password_with_and_without_qop() -> None:
    auth = RtspAuth("admin", "secret", clock=FakeClock())
    challenges = auth.check("DESCRIBE", None).challenges
    assert challenges[0].startswith('Digest realm="vms"') and 'qop="auth"' in challenges[0]
    assert challenges[1] == 'Basic realm="vms"'
    nonce = _nonce(challenges[0])
    assert auth.check("DESCRIBE", _digest_header(auth, "secret", nonce, qop=True)).ok
    assert auth.check("DESCRIBE", _digest_header(auth, "secret", nonce, qop=False)).ok
    assert not auth.check("DESCRIBE", _digest_header(auth, "wrong", nonce, qop=True)).ok
    assert not auth.check("PLAY", _digest_header(auth, "secret", nonce, qop=True)).ok


def test_forged_and_expired_nonces() -> None:
    clock = FakeClock()
    auth = RtspAuth("admin", "secret", clock=clock)
    other = RtspAuth("admin", "secret", clock=clock)  # another server: another secret
    forged = _nonce(other.challenges()[0])
    assert not auth.check("DESCRIBE", _digest_header(auth, "secret", forged, qop=False)).ok
    nonce = _nonce(auth.challenges()[0])
    clock.advance(NONCE_LIFETIME_S + 1)
    result = auth.check("DESCRIBE", _digest_header(auth, "secret", nonce, qop=False))
    assert not result.ok
    assert "stale=TRUE" in result.challenges[0]


def test_basic() -> None:
    auth = RtspAuth("admin", "secret", schemes=(AuthScheme.BASIC,))
    token = base64.b64encode(b"admin:secret").decode()
    assert auth.check("DESCRIBE", f"Basic {token}").ok
    assert not auth.check("DESCRIBE", "Basic " + base64.b64encode(b"admin:nope").decode()).ok
    assert not auth.check("DESCRIBE", "Basic !!!notbase64").ok
    assert auth.check("DESCRIBE", None).challenges == ('Basic realm="vms"',)
    digest_only = RtspAuth("admin", "secret", schemes=(AuthScheme.DIGEST,))
    assert not digest_only.check("DESCRIBE", f"Basic {token}").ok
