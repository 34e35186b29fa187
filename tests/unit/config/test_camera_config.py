"""Camera definitions: URL schemes, credentials placement, streams and redacted repr."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from vms.config import CameraConfig
from vms.config.cameras import check_stream_url
from vms.core.camera_url import CameraUrl
from vms.core.ids import StreamName
from vms.core.redact import redact_text
from vms.media.rtsp.client import RtspClient


@pytest.mark.parametrize(
    "url", ["rtsp://10.0.0.5/s0", "rtsps://cam.local:322/live", "srt://10.0.0.5:9000", "RTSP://h/x"]
)
def test_supported_schemes(url: str) -> None:
    assert CameraConfig(id="c", main_url=url).main_url == url


def test_name_defaults_to_id_and_values_normalise() -> None:
    camera = CameraConfig.model_validate(
        {"id": "gate", "main_url": "rtsp://h/x", "transport": "UDP", "record_stream": "MAIN"}
    )
    assert (camera.name, camera.main_url, camera.transport, camera.record_stream) == (
        "gate",
        "rtsp://h/x",
        "udp",
        "main",
    )
    assert camera.camera_id == "gate"


@pytest.mark.parametrize(
    "url", [" rtsp://h/x", "rtsp://h/x\r\n", "rtsp://a:b c@h/x", "rtsp://h/x\nX: 1", "rtsp://h/\tx"]
)
def test_spaces_and_control_characters_are_refused_anywhere(url: str) -> None:
    with pytest.raises(ValidationError, match="spaces or control characters"):
        CameraConfig(id="c", main_url=url)


def test_streams_and_stream_urls() -> None:
    camera = CameraConfig(id="c", main_url="rtsp://h/main", sub_url="rtsp://h/sub")
    assert camera.streams() == (StreamName.MAIN, StreamName.SUB)
    assert camera.stream_url(StreamName.SUB) == "rtsp://h/sub"
    single = CameraConfig(id="c", main_url="rtsp://h/main")
    assert single.streams() == (StreamName.MAIN,)
    with pytest.raises(ValueError, match="no sub stream"):
        single.camera_url(StreamName.SUB)


@pytest.mark.parametrize(
    ("url", "username", "password", "expected"),
    [
        ("rtsp://h:554/s0", None, None, "rtsp://h:554/s0"),
        ("rtsp://admin:pw@h/s0", None, None, "rtsp://admin:pw@h/s0"),
        ("rtsp://h:554/s0", "admin", "pw", "rtsp://admin:pw@h:554/s0"),
        ("rtsp://h/s0", "ad min", "p@ss:w/rd", "rtsp://ad%20min:p%40ss%3Aw%2Frd@h/s0"),
        ("rtsp://h/s0", "admin", None, "rtsp://admin@h/s0"),
        ("rtsp://[::1]:554/s0", "u", "p", "rtsp://u:p@[::1]:554/s0"),
    ],
)
def test_url_with_credentials(
    url: str, username: str | None, password: str | None, expected: str
) -> None:
    camera = CameraConfig.model_validate(
        {"id": "c", "main_url": url, "username": username, "password": password}
    )
    assert camera.camera_url(StreamName.MAIN).with_credentials() == expected


def test_credentials_apply_to_the_sub_stream_too() -> None:
    camera = CameraConfig.model_validate(
        {
            "id": "c",
            "main_url": "rtsp://h/0",
            "sub_url": "rtsp://h/1",
            "username": "u",
            "password": "p",
        }
    )
    assert camera.camera_url(StreamName.SUB).with_credentials() == "rtsp://u:p@h/1"


def test_credentials_in_both_places_are_rejected() -> None:
    with pytest.raises(ValidationError, match="both in a URL and in username/password"):
        CameraConfig.model_validate(
            {"id": "c", "main_url": "rtsp://h/0", "sub_url": "rtsp://a:b@h/1", "password": "p"}
        )


def test_repr_and_str_never_show_passwords() -> None:
    camera = CameraConfig.model_validate(
        {"id": "c", "main_url": "rtsp://admin:hunter2@h/0", "sub_url": "rtsp://admin:hunter2@h/1"}
    )
    with_field = CameraConfig.model_validate(
        {"id": "c", "main_url": "rtsp://h/0", "password": "hunter2"}
    )
    for text in (repr(camera), str(camera), repr(with_field), str(with_field)):
        assert "hunter2" not in text
    assert "admin:***@h/0" in repr(camera)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("srt://h:9000?passphrase=hunter2hunter2", "srt://h:9000?passphrase=***"),
        (
            "srt://h:9000?mode=caller&PassPhrase=hunter2&x=1",
            "srt://h:9000?mode=caller&PassPhrase=***&x=1",
        ),
        ("postgresql://db/vms?password=hunter2", "postgresql://db/vms?password=***"),
        ("failed: rtsp://a:hunter2@h/x (401)", "failed: rtsp://a:***@h/x (401)"),
        ("rtsp://h/x?channel=1", "rtsp://h/x?channel=1"),
    ],
)
def test_redact_text(text: str, expected: str) -> None:
    assert redact_text(text) == expected


def test_srt_passphrase_is_hidden_in_repr_and_errors() -> None:
    camera = CameraConfig(id="s", main_url="srt://h:9000?passphrase=hunter2hunter2")
    assert "hunter2" not in repr(camera)
    with pytest.raises(ValidationError) as caught:
        CameraConfig(id="s", main_url="srtt://h:9000?passphrase=hunter2hunter2")
    assert "hunter2" not in str(caught.value.errors()[0]["msg"])


def _client_credentials(url: str) -> tuple[str, str]:
    """The user name and password VMS's RTSP client answers a challenge with."""
    credentials = RtspClient(CameraUrl.parse(url), timeout_s=1)._credentials
    assert credentials is not None
    return credentials._user, credentials._password


@pytest.mark.parametrize("password", ["p@ss", "p:ss", "p/ss", "p%41ss", "p#ss", "p ss", "%", "é%2"])
def test_a_separate_password_reaches_the_rtsp_client_exactly_as_written(password: str) -> None:
    camera = CameraConfig.model_validate(
        {"id": "c", "main_url": "rtsp://h/s0", "username": "admin", "password": password}
    )
    url = camera.camera_url(StreamName.MAIN).with_credentials()
    assert check_stream_url(url) == url  # a valid URL: every '%' starts an escape
    assert _client_credentials(url) == ("admin", password)


def test_credentials_in_a_url_are_percent_decoded() -> None:
    url = "rtsp://admin:p%41ss%25@h/s0"
    assert _client_credentials(url) == ("admin", "pAss%")


@pytest.mark.parametrize("url", ["rtsp://admin:100%@h/s0", "rtsp://admin:p%4Gss@h/s0"])
def test_a_percent_that_starts_no_escape_in_url_credentials_is_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="'%' that starts no %XX escape"):
        CameraConfig(id="c", main_url=url)
    assert CameraConfig(id="c", main_url="rtsp://h/a%20b?x=1%").main_url  # only credentials


def test_a_user_name_with_a_colon_is_refused() -> None:
    with pytest.raises(ValidationError, match="cannot contain ':'"):
        CameraConfig(id="c", main_url="rtsp://h/s0", username="a:b", password="p")
