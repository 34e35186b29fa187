"""The WHEP peer connection: ICE configuration and host candidates limited to chosen addresses.

`restrict_host_candidates` edits two private lists of aioice's Connection (aioice offers no way
to choose interfaces); these tests break if aioice changes them, before a deployment does.
"""

from __future__ import annotations

import pytest
from aioice.ice import get_host_addresses
from aiortc import RTCPeerConnection
from aiortc.mediastreams import VideoStreamTrack
from aiortc.rtcicetransport import RTCIceGatherer

from tests.unit.live.test_webrtc_sdp import VIDEO, browser_like_offer
from vms.config.live import IceServer
from vms.live.webrtc_peer import answer_offer, rtc_configuration
from vms.live.webrtc_sdp import parse_offer, plan_offer


def test_no_ice_servers_means_none_at_all() -> None:
    assert rtc_configuration([]).iceServers == []  # None would make aiortc use Google's STUN
    turn = IceServer(urls=["turn:turn.example.net"], username="u", credential="p")
    (server,) = rtc_configuration([turn]).iceServers or []
    assert (server.urls, server.username, server.credential) == (
        ["turn:turn.example.net"],
        "u",
        "p",
    )


async def answer_with(interfaces: frozenset[str]) -> tuple[RTCPeerConnection, str]:
    offer = await browser_like_offer("video")
    plan = plan_offer(parse_offer(offer.encode()), VIDEO, None, want_audio=False)
    pc = RTCPeerConnection(rtc_configuration([]))
    answer = await answer_offer(
        pc, offer, plan, video=VideoStreamTrack(), audio=None, interfaces=interfaces
    )
    return pc, answer


def gatherer_of(pc: RTCPeerConnection) -> RTCIceGatherer:
    gatherer: RTCIceGatherer = pc.getTransceivers()[0].sender.transport.transport.iceGatherer
    return gatherer


async def test_other_addresses_lose_their_sockets_and_candidates() -> None:
    addresses = get_host_addresses(use_ipv4=True, use_ipv6=True)
    if len(addresses) < 2:
        pytest.skip("needs two host addresses to leave one out")
    chosen = addresses[-1]
    pc, answer = await answer_with(frozenset({chosen}))
    connection = gatherer_of(pc)._connection
    assert [c.host for c in connection.local_candidates] == [chosen]
    assert [p.local_candidate.host for p in connection._protocols if p.local_candidate] == [chosen]
    lines = [line for line in answer.split("\r\n") if line.startswith("a=candidate")]
    assert [line.split()[4] for line in lines] == [chosen]
    await pc.close()


async def test_without_interfaces_every_address_is_offered() -> None:
    pc, answer = await answer_with(frozenset())
    hosts = {c.host for c in gatherer_of(pc)._connection.local_candidates}
    assert hosts == set(get_host_addresses(use_ipv4=True, use_ipv6=True))
    assert answer.count("a=candidate") == len(hosts)
    await pc.close()
