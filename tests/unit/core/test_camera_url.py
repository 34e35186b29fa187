"""CameraUrl: parsed once, every special character of a password, redaction, the refusals."""

from __future__ import annotations

import pytest

from vms.core.camera_url import CameraUrl, CameraUrlError, Secret
from vms.core.redact import redact_text, redact_url

SPECIAL = ["@", ":", "/", "%", "#", "?", " ", "é", "\\"]


def test_parts_and_default_port() -> None:
    url = CameraUrl.parse("RTSP://admin:secret@Cam.Local/Streaming/1?ch=2")
    assert (url.scheme, url.host, url.port, url.path, url.query) == (
        "rtsp",
        "cam.local",
        None,
        "/Streaming/1",
        "ch=2",
    )
    assert url.username == "admin" and url.password == Secret("secret")
    assert url.effective_port == 554
    assert CameraUrl.parse("rtsps://h/x").effective_port == 322
    assert CameraUrl.parse("rtsp://h:8554/x").effective_port == 8554


def test_ipv6_host() -> None:
    url = CameraUrl.parse("rtsp://u:p@[fe80::1]:8554/s")
    assert (url.host, url.port, url.host_port) == ("fe80::1", 8554, "[fe80::1]:8554")
    assert url.request_url() == "rtsp://[fe80::1]:8554/s"
    assert url.redacted() == "rtsp://u:***@[fe80::1]:8554/s"


@pytest.mark.parametrize("char", SPECIAL)
def test_every_special_character_round_trips(char: str) -> None:
    password = f"p{char}ss{char}"
    url = CameraUrl.parse("rtsp://cam:8554/live").replace_credentials(f"us{char}r", password)
    text = url.with_credentials()
    assert CameraUrl.parse(text) == url
    assert password not in url.redacted() and password not in str(url) + repr(url)
    assert url.password is not None and url.password.reveal() == password


def test_raw_at_and_colon_in_a_password_are_read_as_written() -> None:
    url = CameraUrl.parse("rtsp://admin:p@ss:w@host:554/s")
    assert (url.username, url.host, url.port) == ("admin", "host", 554)
    assert url.password == Secret("p@ss:w")
    assert url.redacted() == "rtsp://admin:***@host:554/s"


def test_percent_escapes_are_decoded() -> None:
    url = CameraUrl.parse("rtsp://us%3Aer:p%2F%23%25%40%20x@h/s")
    assert url.username == "us:er" and url.password == Secret("p/#%@ x")


@pytest.mark.parametrize(
    "text",
    [
        "rtsp://admin:zq ss@host/s",
        "rtsp://admin:zqss@host/s\r\nX-Injected: 1",
        "rtsp://admin:zqss@host/s\n",
        " rtsp://host/s",
        "rtsp://host/s\tx",
        "rtsp://admin:zq\x00ss@host/s",
        "rtsp://admin:zq\x7fss@host/s",
    ],
)
def test_spaces_and_control_characters_are_refused(text: str) -> None:
    with pytest.raises(CameraUrlError, match="spaces or control characters") as caught:
        CameraUrl.parse(text)
    assert "zq" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("http://h/x", "scheme"),
        ("rtsp:///nohost", "no host"),
        ("rtsp://h:99999/x", "port"),
        ("rtsp://h:0/x", "port"),
        ("rtsp://admin:100%sure@h/x", "%25"),
        ("rtsp://admin:p#ss@h/x", "%23"),
    ],
)
def test_bad_urls_are_refused_without_the_password(text: str, why: str) -> None:
    with pytest.raises(CameraUrlError, match=why) as caught:
        CameraUrl.parse(text)
    assert "sure" not in str(caught.value) and "p#ss" not in str(caught.value)


def test_srt_listener_has_no_host_and_passphrase_is_a_secret() -> None:
    url = CameraUrl.parse("srt://:9000?mode=listener&passphrase=abcdefghij")
    assert (url.host, url.port) == ("", 9000)
    assert url.secrets() == ("abcdefghij",)
    assert url.redacted() == "srt://:9000?mode=listener&passphrase=***"
    assert url.with_credentials() == "srt://:9000?mode=listener&passphrase=abcdefghij"


def test_request_url_and_redaction_keep_the_user_only() -> None:
    url = CameraUrl.parse("rtsp://viewer:s3cret@h/s?pwd=x")
    assert url.request_url() == "rtsp://h/s?pwd=x"
    assert url.redacted() == "rtsp://viewer:***@h/s?pwd=***"
    assert url.secrets() == ("s3cret", "x")
    assert CameraUrl.parse("rtsp://viewer@h/s").redacted() == "rtsp://viewer@h/s"
    assert CameraUrl.parse("rtsp://h/s").with_credentials() == "rtsp://h/s"


def test_secret_never_shows() -> None:
    secret = Secret("hunter2")
    assert "hunter2" not in f"{secret} {secret!r} {[secret]}"


def test_free_text_redaction_reads_a_password_with_at_signs() -> None:
    assert redact_url("rtsp://admin:p@ss@host/") == "rtsp://admin:***@host/"
    out = redact_text("failed: rtsp://admin:p@ss@host/s and rtsp://a@b:pw@h2/x")
    assert out == "failed: rtsp://admin:***@host/s and rtsp://a@b:***@h2/x"
