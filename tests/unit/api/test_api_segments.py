"""Segment routes: time-range queries, segment downloads with HTTP Range, and the deprecated
/recordings aliases of both (same handler, same answer, marked deprecated in OpenAPI)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

import pytest
from fastapi.testclient import TestClient

from tests.unit.api.fake_backend import FakeBackend, client
from tests.unit.api.test_api_cameras import assert_problem
from vms.api import files
from vms.config import CameraConfig
from vms.core.ids import StreamName

INVALID, FAILED = "invalid-input", "validation-failed"
CONTENT = bytes(range(256)) * 4000  # 1 024 000 bytes: several download chunks


@pytest.fixture
def backend(tmp_path: Path) -> FakeBackend:
    fake = FakeBackend()
    fake.cameras["gate"] = CameraConfig(id="gate", main_url="rtsp://h/x")
    path = tmp_path / "1700000000000.mp4"
    path.write_bytes(CONTENT)
    fake.add_segment(7, path)
    fake.add_segment(8, tmp_path / "gone.mp4")
    return fake


@pytest.fixture
def http(backend: FakeBackend) -> TestClient:
    return client(backend)


def test_list_segments_parses_both_time_forms(http: TestClient, backend: FakeBackend) -> None:
    response = http.get(
        "/api/v1/cameras/gate/segments",
        params={"start": "2023-11-14T22:13:20Z", "end": "1700000060000", "stream": "main"},
    )
    assert response.status_code == 200
    first = response.json()[0]
    assert (first["segment_id"], first["duration_ms"], first["file_url"]) == (
        7,
        60_000,
        "/api/v1/segments/7/file",
    )
    query = backend.queries[-1]
    assert (query.start_ms, query.end_ms, query.stream, query.limit) == (
        1_700_000_000_000,
        1_700_000_060_000,
        StreamName.MAIN,
        1000,
    )


def test_list_segments_without_bounds(http: TestClient, backend: FakeBackend) -> None:
    assert http.get("/api/v1/cameras/gate/segments", params={"limit": 1}).status_code == 200
    query = backend.queries[-1]
    assert (query.start_ms, query.end_ms, query.stream, query.limit) == (None, None, None, 1)


@pytest.mark.parametrize(
    ("params", "kind", "fields", "message"),
    [
        ({"start": "1700000060000", "end": "1700000000000"}, INVALID, ["end"], "after start"),
        ({"start": "1700000000000", "end": "1700000000000"}, INVALID, ["end"], "after start"),
        ({"start": "yesterday"}, INVALID, ["start"], "ISO-8601"),
        ({"start": "2023-11-14T22:13:20", "end": "x"}, INVALID, ["start", "end"], "time zone"),
        ({"limit": "0"}, FAILED, ["limit"], "greater than or equal to 1"),
        ({"limit": "100000"}, FAILED, ["limit"], "less than or equal to 10000"),
        ({"stream": "third"}, FAILED, ["stream"], "'main' or 'sub'"),
    ],
)
def test_bad_queries_are_422_with_the_field(
    http: TestClient, params: dict[str, str], kind: str, fields: list[str], message: str
) -> None:
    response = http.get("/api/v1/cameras/gate/segments", params=params)
    problem = assert_problem(response, 422, kind)
    assert [e["field"] for e in problem["errors"]] == fields
    assert {e["location"] for e in problem["errors"]} == {"query"}
    assert message in problem["errors"][0]["detail"]


def test_segments_of_an_unknown_camera(http: TestClient) -> None:
    assert_problem(http.get("/api/v1/cameras/nope/segments"), 404, "not-found")


def test_whole_file(http: TestClient) -> None:
    response = http.get("/api/v1/segments/7/file")
    assert response.status_code == 200
    assert response.content == CONTENT
    assert response.headers["content-type"] == "video/mp4"
    assert response.headers["content-length"] == str(len(CONTENT))
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["etag"].startswith('"')
    assert response.headers["last-modified"].endswith("GMT")
    assert "gate-main-1700000000000.mp4" in response.headers["content-disposition"]
    assert "content-range" not in response.headers


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=1000-", 1000, len(CONTENT) - 1),
        ("bytes=-10", len(CONTENT) - 10, len(CONTENT) - 1),
        ("bytes=262000-600000", 262_000, 600_000),  # spans several chunks
    ],
)
def test_partial_content(http: TestClient, header: str, first: int, last: int) -> None:
    response = http.get("/api/v1/segments/7/file", headers={"Range": header})
    assert response.status_code == 206
    assert response.content == CONTENT[first : last + 1]
    assert response.headers["content-range"] == f"bytes {first}-{last}/{len(CONTENT)}"
    assert response.headers["content-length"] == str(last - first + 1)


def test_unsatisfiable_range(http: TestClient) -> None:
    response = http.get("/api/v1/segments/7/file", headers={"Range": "bytes=2000000-"})
    assert_problem(response, 416, "range-not-satisfiable")
    assert response.headers["content-range"] == f"bytes */{len(CONTENT)}"


def test_several_ranges_get_the_whole_file(http: TestClient) -> None:
    response = http.get("/api/v1/segments/7/file", headers={"Range": "bytes=0-9,20-29"})
    assert response.status_code == 200
    assert response.content == CONTENT


def test_if_range(http: TestClient) -> None:
    etag = http.get("/api/v1/segments/7/file").headers["etag"]
    same = http.get("/api/v1/segments/7/file", headers={"Range": "bytes=0-9", "If-Range": etag})
    assert (same.status_code, same.content) == (206, CONTENT[:10])
    changed = http.get(
        "/api/v1/segments/7/file", headers={"Range": "bytes=0-9", "If-Range": '"old"'}
    )
    assert (changed.status_code, len(changed.content)) == (200, len(CONTENT))


def test_download_is_streamed_in_chunks(http: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[int] = []
    real_chunks = files._chunks

    async def counting(handle: BinaryIO, first: int, length: int) -> AsyncIterator[bytes]:
        async for chunk in real_chunks(handle, first, length):
            reads.append(len(chunk))
            yield chunk

    monkeypatch.setattr(files, "_chunks", counting)
    assert http.get("/api/v1/segments/7/file").content == CONTENT
    assert max(reads) <= files.CHUNK_BYTES
    assert sum(reads) == len(CONTENT) and len(reads) > 1


def test_missing_segment_and_missing_file(http: TestClient) -> None:
    assert_problem(http.get("/api/v1/segments/99/file"), 404, "not-found")
    problem = assert_problem(http.get("/api/v1/segments/8/file"), 404, "not-found")
    assert "missing" in problem["detail"]
    assert "gone.mp4" not in problem["detail"]  # no server paths in responses
    assert_problem(http.get("/api/v1/segments/-1/file"), 422, "validation-failed")


def test_unreadable_file_is_storage_unavailable(http: TestClient, backend: FakeBackend) -> None:
    backend.add_segment(9, backend.segments[7].path.parent)  # a folder cannot be read as a file
    assert_problem(http.get("/api/v1/segments/9/file"), 503, "storage-unavailable")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/api/v1/cameras/gate/recordings", "/api/v1/cameras/gate/segments"),
        ("/api/v1/recordings/7/file", "/api/v1/segments/7/file"),
        ("/api/v1/recordings/7/media.mp4", "/api/v1/segments/7/media.mp4"),
        ("/api/v1/recordings/99/file", "/api/v1/segments/99/file"),
    ],
)
def test_the_old_recordings_paths_answer_as_the_segments_paths(
    http: TestClient, old: str, new: str
) -> None:
    before, after = http.get(old), http.get(new)
    assert before.status_code == after.status_code
    if before.headers["content-type"].startswith("video/"):
        assert before.content == after.content
    elif before.status_code >= 400:  # a problem: its `instance` is the path asked for
        assert {**before.json(), "instance": new} == after.json()
    else:
        assert before.json() == after.json() != []


def test_openapi_marks_the_old_recordings_paths_deprecated(http: TestClient) -> None:
    paths = http.get("/api/v1/openapi.json").json()["paths"]
    old_and_new = [
        ("/cameras/{camera_id}/recordings", "/cameras/{camera_id}/segments"),
        ("/recordings/{segment_id}/file", "/segments/{segment_id}/file"),
        ("/recordings/{segment_id}/media.mp4", "/segments/{segment_id}/media.mp4"),
        (
            "/cameras/{camera_id}/recordings/{stream}/{start_ms}/media.mp4",
            "/cameras/{camera_id}/segments/{stream}/{start_ms}/media.mp4",
        ),
    ]
    for old, new in old_and_new:
        assert paths[f"/api/v1{old}"]["get"]["deprecated"] is True, old
        assert "deprecated" not in paths[f"/api/v1{new}"]["get"], new
    schemas = http.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert "SegmentView" in schemas and "RecordingView" not in schemas
    listed = paths["/api/v1/cameras/{camera_id}/segments"]["get"]["responses"]["200"]
    assert listed["content"]["application/json"]["schema"]["items"]["$ref"].endswith("/SegmentView")
