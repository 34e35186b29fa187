"""SRT pieces in-process: URL rules, the MPEG-TS muxer's timestamps, libsrt sockets on loopback."""

from __future__ import annotations

import contextlib
import io
import socket
import threading
import time
from fractions import Fraction

import av
import pytest

from tests.support.media import generate_stream
from tests.unit.live.test_packager_support import Directory
from vms.config.live import SrtOutput
from vms.core.clock import SystemClock
from vms.core.ids import CameraId, StreamName
from vms.ingest.hub import StreamHub
from vms.live.metrics import LiveMetrics
from vms.live.srt import SrtOutputs
from vms.live.srt_mux import TsMuxer
from vms.live.streams import LiveStreams
from vms.media import srt
from vms.media.mpegts import adts_payload, audio_specific_config, is_adts
from vms.media.packet import CodecParams, MediaKind, Packet, StreamInfo
from vms.media.srt import SrtError, SrtOptions, SrtSocket, parse_srt_url

needs_libsrt = pytest.mark.skipif(not srt.available(), reason="libsrt is not installed")


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# url -> (host, port, listener, latency ms, stream id)
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("srt://cam.local:9000", ("cam.local", 9000, False, 120, None)),
        ("srt://10.0.0.5:9000?mode=caller&latency=250000", ("10.0.0.5", 9000, False, 250, None)),
        ("srt://0.0.0.0:9001?mode=listener", ("0.0.0.0", 9001, True, 120, None)),
        ("srt://:9001?mode=LISTENER", ("0.0.0.0", 9001, True, 120, None)),
        ("srt://h:1?streamid=cam1&latency=5000", ("h", 1, False, 20, "cam1")),
    ],
)
def test_srt_urls(url: str, expected: tuple[str, int, bool, int, str | None]) -> None:
    parsed = parse_srt_url(url)
    options = parsed.options
    got = (parsed.host, parsed.port, parsed.listener, options.latency_ms, options.stream_id)
    assert got == expected


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("rtsp://h:1/x", "not an srt"),
        ("srt://host", "needs a port"),
        ("srt://host:0", "invalid port"),
        ("srt://host:99999", "invalid port"),
        ("srt://h:1?mode=rendezvous", "not supported"),
        ("srt://:9000?mode=caller", "needs a host"),
        ("srt://h:1?passphrase=short", "10 to 79"),
        ("srt://h:1?latency=fast", "microseconds"),
    ],
)
def test_bad_srt_urls_say_why_without_the_passphrase(url: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as caught:
        parse_srt_url(url)
    assert "short" not in str(caught.value)


def mux(info: StreamInfo, packets: list[Packet], start_s: Fraction = Fraction(0)) -> bytes:
    out = io.BytesIO()
    muxer = TsMuxer(info, out.write, start_s=start_s)
    for packet in packets:
        muxer.write(packet)
    muxer.close()
    return out.getvalue()


def test_ts_muxer_output_decodes_and_starts_at_zero() -> None:
    stream = generate_stream(duration_s=2.0, audio=True)
    data = mux(stream.info, list(stream.packets))
    assert len(data) % 188 == 0
    with av.open(io.BytesIO(data), "r", format="mpegts") as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert container.streams.audio[0].codec_context.name == "aac"
        frames = list(container.decode(video=0))
    video_packets = [p for p in stream.packets if p.track == 0]
    assert len(frames) == len(video_packets)
    first_s = float(frames[0].time or 0)
    assert first_s < 2.0  # rebased to zero (plus the muxer's fixed delay), not the camera's pts


def test_a_new_generation_continues_after_the_last_packet() -> None:
    stream = generate_stream(duration_s=1.0, audio=False)
    out = io.BytesIO()
    first = TsMuxer(stream.info, out.write, start_s=Fraction(0))
    for packet in stream.packets:
        first.write(packet)
    first.close()
    second = TsMuxer(stream.info, out.write, start_s=first.end_s + Fraction(1, 25))
    for packet in stream.packets:  # the camera restarted: the same timestamps again
        second.write(packet)
    second.close()
    with av.open(io.BytesIO(out.getvalue()), "r", format="mpegts") as container:
        stamps = [p.pts for p in container.demux(video=0) if p.pts is not None]
    assert len(stamps) == 2 * len(stream.packets)
    assert stamps == sorted(stamps)


def test_tracks_mpegts_cannot_carry_are_left_out() -> None:
    stream = generate_stream(duration_s=0.5, audio=False)
    pcmu = CodecParams(MediaKind.AUDIO, "pcm_mulaw", Fraction(1, 8000), b"", 0, 0, 8000, 1)
    info = StreamInfo((*stream.info.tracks, pcmu), 1)
    g711 = Packet(1, bytes(160), 0, 0, 160, False, 0, 1)
    data = mux(info, [*stream.packets, g711])
    with av.open(io.BytesIO(data), "r", format="mpegts") as container:
        assert [s.type for s in container.streams] == ["video"]
    with pytest.raises(ValueError, match="no track"):
        TsMuxer(StreamInfo((pcmu,), 1), io.BytesIO().write, start_s=Fraction(0))


@needs_libsrt
def test_caller_and_listener_exchange_messages_and_passphrases_must_match() -> None:
    port = free_udp_port()
    secret = SrtOptions(passphrase="correct horse battery")
    with SrtSocket.listen("127.0.0.1", port, secret) as listener:
        accepted: list[SrtSocket | None] = []
        thread = threading.Thread(target=lambda: accepted.append(listener.accept(5.0)))
        thread.start()
        caller = SrtSocket.connect("127.0.0.1", port, secret)
        thread.join()
        server = accepted[0]
        assert server is not None
        caller.send(bytes(range(188)) * 20)  # 3760 bytes: three live-mode messages
        received = b""
        while len(received) < 3760:
            chunk = server.recv()
            if chunk:
                received += chunk
        assert received == bytes(range(188)) * 20
        caller.close()
        with pytest.raises(SrtError):
            for _ in range(100):  # the peer's close is seen within the idle timeout
                server.send(bytes(1316))
                time.sleep(0.05)
        server.close()
        wrong = SrtOptions(passphrase="not the right one", connect_timeout_ms=1000)
        with pytest.raises(SrtError):
            SrtSocket.connect("127.0.0.1", port, wrong)


@needs_libsrt
def test_waiting_for_a_caller_ends_on_timeout_or_stop() -> None:
    with SrtSocket.listen("127.0.0.1", free_udp_port(), SrtOptions()) as listener:
        assert listener.accept(0.3) is None
        stop = threading.Event()
        threading.Timer(0.2, stop.set).start()
        started = time.monotonic()
        assert listener.accept(30.0, stop) is None
        assert time.monotonic() - started < 5.0
    with pytest.raises(SrtError, match=r"timed out|timeout|refused|rejected"):
        SrtSocket.connect("127.0.0.1", free_udp_port(), SrtOptions(connect_timeout_ms=500))


@pytest.mark.parametrize(
    ("frame", "payload"),
    [
        (bytes.fromhex("fff15080021ffc") + b"raw", b"raw"),  # protection absent: 7 bytes
        (bytes.fromhex("fff05080021ffc") + b"\x12\x34raw", b"raw"),  # with CRC: 9 bytes
        (b"\x21\x10raw-aac", b"\x21\x10raw-aac"),  # already raw: unchanged
        (b"\xff\xf1", b"\xff\xf1"),  # too short to be ADTS
    ],
)
def test_adts_headers_are_cut(frame: bytes, payload: bytes) -> None:
    assert adts_payload(frame) == payload
    assert is_adts(frame) == (frame != payload)


@pytest.mark.parametrize(
    ("rate", "channels", "profile", "config"),
    [(48_000, 2, "LC", "1190"), (16_000, 1, "LC", "1408"), (44_100, 2, "HE-AAC", "1210")],
)
def test_audio_specific_config(rate: int, channels: int, profile: str, config: str) -> None:
    assert audio_specific_config(rate, channels, profile).hex() == config


def test_audio_specific_config_refuses_rates_aac_cannot_signal() -> None:
    with pytest.raises(ValueError, match="sampling frequency"):
        audio_specific_config(47_999, 2)


@needs_libsrt
def test_outputs_send_mpegts_to_a_caller_and_stop_promptly() -> None:
    stream = generate_stream(duration_s=1.0, audio=True)
    directory = Directory()
    hub = StreamHub("cam1/main")
    directory.hubs[(CameraId("cam1"), StreamName.MAIN)] = hub
    hub.publish_info(stream.info)
    for packet in stream.packets:
        hub.publish(packet)  # the GOP cache a caller starts from
    listen_port, nobody = free_udp_port(), free_udp_port()
    configs = [
        SrtOutput(camera="cam1", mode="listener", host="127.0.0.1", port=listen_port),
        SrtOutput(camera="cam1", mode="caller", host="127.0.0.1", port=nobody),
    ]
    metrics = LiveMetrics()
    outputs = SrtOutputs(configs, LiveStreams(directory), metrics, SystemClock())
    outputs.start()
    peer = None
    try:
        for _ in range(50):  # the listener thread binds right after start
            with contextlib.suppress(SrtError):
                peer = SrtSocket.connect("127.0.0.1", listen_port, SrtOptions())
                break
            time.sleep(0.1)
        assert peer is not None
        received = b""
        while len(received) < 20 * 188:
            received += peer.recv() or b""
        assert received[0] == 0x47 and received[188] == 0x47  # MPEG-TS sync bytes
    finally:
        started = time.monotonic()
        outputs.stop(timeout_s=10)
        stopped_s = time.monotonic() - started
        if peer is not None:
            peer.close()
    assert stopped_s < 3.0
    listener, caller = outputs.stats()
    assert listener.sessions_total == 1 and listener.connections == 0
    assert caller.sessions_total == 0 and caller.last_error is not None
    sample = next(s for s in metrics.live_samples() if s.protocol == "srt")
    assert sample.sessions_total == 1 and sample.viewers == 0 and sample.bytes_out_total > 0
