"""Builds a WHEP peer connection with aiortc: ICE servers, codec preferences, answer, and host
candidates restricted to the configured interfaces.

aioice (aiortc's ICE) binds a socket on every address of every interface and has no option to
choose them (aiortc/aioice#2, #57). The answer is built with all candidates gathered; before the
connectivity checks start (aiortc schedules them as a task, so nothing has run yet when
`setLocalDescription` returns) the sockets of other addresses are removed from the ICE agent and
closed, and their candidates are left out of the answer. That touches two attributes of aioice
0.13's `Connection` (`_protocols`, `_local_candidates`); `tests/unit/live/test_webrtc_peer.py`
fails if they change.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from aiortc import (
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtcicetransport import RTCIceGatherer
from aiortc.rtcrtpparameters import RTCRtpCodecCapability

from vms.config.live import IceServer
from vms.live.webrtc_sdp import (
    OfferPlan,
    candidate_allowed,
    restrict_answer_candidates,
    without_mdns_candidates,
)


def rtc_configuration(servers: Sequence[IceServer]) -> RTCConfiguration:
    """aiortc's configuration; an empty list, never None (aiortc would add Google's STUN)."""
    return RTCConfiguration(
        iceServers=[
            RTCIceServer(urls=list(s.urls), username=s.username, credential=s.credential)
            for s in servers
        ]
    )


async def answer_offer(
    pc: RTCPeerConnection,
    offer_sdp: str,
    plan: OfferPlan,
    *,
    video: MediaStreamTrack,
    audio: MediaStreamTrack | None,
    interfaces: frozenset[str],
) -> str:
    """Negotiate `plan` with the offer and return the answer SDP (all candidates gathered)."""
    _add_sender(pc, video, plan.video)
    if audio is not None:
        _add_sender(pc, audio, plan.audio_codecs)
    offer = without_mdns_candidates(offer_sdp)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
    await pc.setLocalDescription(await pc.createAnswer())
    closing = restrict_host_candidates(pc, interfaces)  # before any await: checks not started
    await asyncio.gather(*closing)
    return restrict_answer_candidates(pc.localDescription.sdp, interfaces)


def _add_sender(
    pc: RTCPeerConnection, track: MediaStreamTrack, codecs: Sequence[RTCRtpCodecCapability]
) -> None:
    transceiver: RTCRtpTransceiver = pc.addTransceiver(track, direction="sendonly")
    transceiver.setCodecPreferences(list(codecs))


def restrict_host_candidates(
    pc: RTCPeerConnection, interfaces: frozenset[str]
) -> list[asyncio.Future[None]]:
    """Remove the ICE sockets and candidates of addresses not in `interfaces` (empty: keep all);
    returns the socket closes to await."""
    if not interfaces:
        return []
    closing: list[asyncio.Future[None]] = []
    seen: set[int] = set()
    for transceiver in pc.getTransceivers():
        gatherer: RTCIceGatherer = transceiver.sender.transport.transport.iceGatherer
        connection = gatherer._connection
        if id(connection) in seen:
            continue
        seen.add(id(connection))
        kept = []
        for protocol in connection._protocols:
            local = protocol.local_candidate
            assert local is not None
            if candidate_allowed(local.type, local.host, local.related_address, interfaces):
                kept.append(protocol)
            else:
                closing.append(asyncio.ensure_future(protocol.close()))
        connection._protocols = kept
        connection._local_candidates = [
            c
            for c in connection._local_candidates
            if candidate_allowed(c.type, c.host, c.related_address, interfaces)
        ]
    return closing
