"""The LL-HLS HTTP routes through FastAPI: playlist, init, segment and part URIs, problems."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest
from fastapi.testclient import TestClient

from tests.support.media import GeneratedStream, generate_stream
from tests.unit.live.test_packager_support import CAM, MAIN, decode_counts
from vms.ingest.hub import StreamHub
from vms.live.service import LiveService

PLAYLIST = "/api/v1/cameras/cam1/live.m3u8"


@pytest.fixture(scope="module")
def stream() -> GeneratedStream:
    return generate_stream(duration_s=3.0, gop=25)


def test_playlist_and_every_uri_in_it_are_served(
    served: tuple[TestClient, StreamHub, LiveService], stream: GeneratedStream
) -> None:
    client, hub, live = served
    hub.publish_info(stream.info)
    assert client.portal is not None
    client.portal.call(live.packagers.get, CAM, MAIN)  # as a first viewer would have
    for packet in stream.packets:
        hub.publish(packet)
    client.headers["User-Agent"] = "test-player"
    response = client.get(PLAYLIST)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.apple.mpegurl"
    assert response.headers["cache-control"] == "no-cache"
    uris = [
        line.split('URI="')[1].split('"')[0]
        for line in response.text.splitlines()
        if 'URI="' in line
    ]
    base = f"http://testserver{PLAYLIST}"
    init_uri = next(u for u in uris if "/init-" in u)
    part_uris = [u for u in uris if "/part-" in u][:-1]  # the last one is the preload hint
    assert len(part_uris) >= 3
    init = client.get(urljoin(base, init_uri))
    assert init.status_code == 200 and init.headers["content-type"] == "video/mp4"
    assert init.content[4:8] == b"ftyp"
    parts = [client.get(urljoin(base, u)) for u in part_uris]
    assert all(p.status_code == 200 and p.headers["content-type"] == "video/mp4" for p in parts)
    body = init.content + b"".join(p.content for p in parts)
    durations = [float(d) for d in re.findall(r"#EXT-X-PART:DURATION=([0-9.]+)", response.text)]
    assert decode_counts(body)["video"] == round(sum(durations) / 0.04)  # 25 fps
    (sample,) = [s for s in live.metrics.live_samples() if s.protocol == "llhls"]
    assert sample.viewers == 1 and sample.first_frame_count == 1
    assert sample.bytes_out_total == len(response.text) + len(body)


def test_problems_for_unknown_offline_and_bad_requests(
    served: tuple[TestClient, StreamHub, LiveService], stream: GeneratedStream
) -> None:
    client, hub, _live = served
    unknown = client.get("/api/v1/cameras/ghost/live.m3u8")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    assert unknown.json()["detail"] == "camera 'ghost' does not exist"
    offline = client.get(PLAYLIST)
    assert offline.status_code == 503
    assert "offline" in offline.json()["detail"]
    no_sub = client.get(PLAYLIST, params={"stream": "sub"})
    assert no_sub.status_code == 404 and "no sub stream" in no_sub.json()["detail"]
    hub.publish_info(stream.info)
    for packet in stream.packets:
        hub.publish(packet)
    bad = client.get(PLAYLIST, params={"_HLS_part": 1})
    assert bad.status_code == 400 and bad.json()["type"].endswith(":bad-hls-request")
    far = client.get(PLAYLIST, params={"_HLS_msn": 2**40})
    assert far.status_code == 400 and "too far ahead" in far.json()["detail"]
    negative = client.get(PLAYLIST, params={"_HLS_msn": -1})
    assert negative.status_code == 422
    gone = client.get("/api/v1/cameras/cam1/live/main/part-1.0.mp4")
    assert gone.status_code == 404 and "not in the live window" in gone.json()["detail"]
    wrong_stream = client.get("/api/v1/cameras/cam1/live/side/seg-1.mp4")
    assert wrong_stream.status_code == 422
