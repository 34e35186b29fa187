"""The REST API against the real server and real streams: hot changes, bad input, secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.simulator import free_port, simulator_process
from tests.support.vms_process import VmsProcess, wait_for

PASSWORD = "s3cret-Pa55"


def segments(vms: VmsProcess, camera: str) -> int:
    return len(vms.recordings(camera))


@pytest.mark.slow
def test_hot_add_update_remove_and_bad_cameras_never_touch_the_good_one(
    tmp_path: Path, vms_factory: list[VmsProcess]
) -> None:
    with simulator_process(
        "--cameras", "2", "--size", "320x240", "--audio", "none",
        "--username", "admin", "--password", PASSWORD,
        "--gop-seconds", "1",  # a keyframe each second: 5 s segments close at 5 s, not at 6 s
    ) as sim:  # fmt: skip
        vms = VmsProcess(tmp_path / "vms", [], segment_duration_s=5)
        vms_factory.append(vms)
        vms.start()
        api = vms.client

        # Hot add with credentials in separate fields: recording starts without a restart.
        good = {
            "id": "good",
            "main_url": sim.url(1),
            "sub_url": sim.url(1, "sub"),
            "username": "admin",
            "password": PASSWORD,
        }
        created = api.post("/api/v1/cameras", json=good)
        assert created.status_code == 201, created.text
        assert created.json()["has_password"] is True
        assert wait_for(lambda: segments(vms, "good") >= 1, 30), vms.status("good")

        # Bad cameras: wrong password, nobody listening, not RTSP at all.
        wrong = sim.url(2, credentials=f"admin:not-{PASSWORD}")
        assert api.post("/api/v1/cameras", json={"id": "wrong", "main_url": wrong}).is_success
        dead = f"rtsp://127.0.0.1:{free_port()}/nothing"
        assert api.post("/api/v1/cameras", json={"id": "dead", "main_url": dead}).is_success
        not_rtsp = api.post("/api/v1/cameras", json={"id": "web", "main_url": "http://x/y"})
        assert not_rtsp.status_code == 422
        assert not_rtsp.headers["content-type"].startswith("application/problem+json")
        assert "main_url" in not_rtsp.text
        duplicate = api.post("/api/v1/cameras", json=good)
        assert duplicate.status_code == 409

        assert wait_for(
            lambda: "authentication" in (vms.stream_state("wrong")["last_error"] or ""), 20
        ), vms.status("wrong")
        assert wait_for(lambda: vms.stream_state("dead")["last_error"] is not None, 20)
        assert vms.stream_state("dead")["state"] == "reconnecting"
        before = segments(vms, "good")
        assert wait_for(lambda: segments(vms, "good") >= before + 2, 30), "good camera stalled"
        assert segments(vms, "wrong") == 0
        assert segments(vms, "dead") == 0

        # Hot update: recording off stops the recorder, on starts it again.
        off = api.patch("/api/v1/cameras/good", json={"record": False})
        assert off.status_code == 200, off.text
        assert wait_for(lambda: vms.stream_state("good")["recorder"] is None, 10)
        assert api.patch("/api/v1/cameras/good", json={"record": True}).is_success
        assert wait_for(lambda: vms.stream_state("good")["recorder"] is not None, 10)

        # Range download of a recorded segment gives exactly the requested bytes.
        row = vms.recordings("good")[0]
        whole = api.get(row["file_url"])
        assert whole.status_code == 200
        assert len(whole.content) == row["size_bytes"]
        part = api.get(row["file_url"], headers={"Range": "bytes=100-199"})
        assert part.status_code == 206
        assert part.content == whole.content[100:200]
        assert part.headers["content-range"] == f"bytes 100-199/{row['size_bytes']}"

        # Passwords never appear in a response, a metric or a log line.
        responses = [
            api.get("/api/v1/cameras").text,
            api.get("/api/v1/cameras/good").text,
            api.get("/api/v1/cameras/wrong").text,
            api.get("/api/v1/cameras/wrong/status").text,
            api.get("/metrics").text,
        ]
        for text in [*responses, vms.log()]:
            assert PASSWORD not in text

        # Hot remove: the camera is gone, the others keep going.
        assert api.delete("/api/v1/cameras/dead").status_code == 204
        assert api.get("/api/v1/cameras/dead").status_code == 404
        assert api.get("/api/v1/cameras/dead/status").status_code == 404
        before = segments(vms, "good")
        assert wait_for(lambda: segments(vms, "good") > before, 20)
    assert PASSWORD not in vms.log()


def test_unwritable_storage_is_reported_and_ingest_keeps_running(
    tmp_path: Path, vms_factory: list[VmsProcess]
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the pool folder should be")
    with simulator_process("--cameras", "1", "--size", "320x240", "--audio", "none") as sim:
        vms = VmsProcess(
            tmp_path / "vms",
            [{"id": "cam1", "main_url": sim.url(1)}],
            extra={"storage": {"pools": [{"name": "bad", "path": str(blocked / "pool")}]}},
        )
        vms_factory.append(vms)
        vms.start()
        ready = vms.client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["pools"][0]["writable"] is False
        assert wait_for(
            lambda: vms.stream_state("cam1")["recorder"]["state"] == "storage_error", 20
        ), vms.status("cam1")
        stream = vms.stream_state("cam1")
        assert stream["state"] == "streaming"
        assert "bad" in (stream["recorder"]["last_error"] or "")
