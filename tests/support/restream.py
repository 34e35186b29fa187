"""Test helper: a raw RTSP client playing VMS's RTSP restream (in-process or of a `vms serve`)."""

from __future__ import annotations

from collections.abc import Iterable

from tests.support.simulator import RawRtspClient

TCP = {"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1"}


def play(
    port: int, path: str = "cam1", auth: dict[str, str] | None = None
) -> tuple[RawRtspClient, int, str]:
    """DESCRIBE, SETUP the video track over TCP, PLAY (with `auth` headers on each request);
    returns the client, RTP-Info seq and the session id."""
    client = RawRtspClient(port)
    url = f"rtsp://127.0.0.1:{port}/{path}"
    auth = auth or {}
    described = client.request("DESCRIBE", url, auth)
    assert described.status == 200, described
    setup = client.request("SETUP", url + "/trackID=0", {**TCP, **auth})
    assert setup.status == 200, setup
    session = setup.headers["session"].split(";")[0]
    played = client.request("PLAY", url, {"Session": session, **auth})
    assert played.status == 200
    seq = int(played.headers["rtp-info"].split("seq=")[1].split(";")[0])
    return client, seq, session


def read_rtp(client: RawRtspClient) -> bytes:
    """The next RTP packet on channel 0 (RTCP on channel 1 is skipped)."""
    while True:
        channel, packet = client.read_frame()
        if channel == 0:
            return packet


def assert_missing_and_offline(
    port: int, missing: Iterable[str], offline: str, auth: dict[str, str] | None = None
) -> None:
    """DESCRIBE answers 404 for each path of `missing` and 503 "offline" for `offline`."""
    client = RawRtspClient(port)
    auth = auth or {}
    try:
        for path in missing:
            url = f"rtsp://127.0.0.1:{port}/{path}"
            assert client.request("DESCRIBE", url, auth).status == 404, path
        answer = client.request("DESCRIBE", f"rtsp://127.0.0.1:{port}/{offline}", auth)
        assert answer.status == 503
        assert b"offline" in answer.body
    finally:
        client.close()
