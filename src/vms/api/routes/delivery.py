"""Delivery routes (admins only): targets with their state and backlog, dead letters to retry
or drop, and a test message sent straight to a target."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Query

from vms.api.auth_deps import Admin
from vms.api.doors import EventsRoom
from vms.api.problems import problem_responses
from vms.api.schemas.delivery import CountOut, DeadLetterOut, TargetOut, TestSentOut
from vms.core.errors import UnavailableError
from vms.events.delivery import DeliveryError

TargetName = Annotated[str, Path(description="the target's configured name")]

router = APIRouter(prefix="/delivery/targets", tags=["delivery"])


@router.get(
    "", summary="Delivery targets, their state and backlog", responses=problem_responses(401, 403)
)
async def list_targets(_admin: Admin, events: EventsRoom) -> list[TargetOut]:
    views = await asyncio.to_thread(events.delivery.targets)
    return [TargetOut.of(view) for view in views]


@router.get("/{name}", summary="One delivery target", responses=problem_responses(401, 403, 404))
async def get_target(name: TargetName, _admin: Admin, events: EventsRoom) -> TargetOut:
    return TargetOut.of(await asyncio.to_thread(events.delivery.target, name))


@router.get(
    "/{name}/dead-letters",
    summary="A target's dead letters, oldest first",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_dead_letters(
    name: TargetName,
    _admin: Admin,
    events: EventsRoom,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeadLetterOut]:
    letters = await asyncio.to_thread(events.delivery.dead_letters, name, limit)
    return [DeadLetterOut.of(letter) for letter in letters]


@router.post(
    "/{name}/dead-letters/retry",
    summary="Put a target's dead letters back in line, in their order",
    responses=problem_responses(401, 403, 404),
)
async def retry_dead_letters(name: TargetName, _admin: Admin, events: EventsRoom) -> CountOut:
    return CountOut(count=await asyncio.to_thread(events.delivery.retry_dead, name))


@router.delete(
    "/{name}/dead-letters",
    summary="Drop a target's dead letters for good",
    responses=problem_responses(401, 403, 404),
)
async def drop_dead_letters(name: TargetName, _admin: Admin, events: EventsRoom) -> CountOut:
    return CountOut(count=await asyncio.to_thread(events.delivery.drop_dead, name))


@router.post(
    "/{name}/test",
    summary="Send a made-up event to the target now (not through the outbox); 503 with the "
    "receiver's answer when it does not acknowledge",
    responses=problem_responses(401, 403, 404, 503),
)
async def send_test(name: TargetName, _admin: Admin, events: EventsRoom) -> TestSentOut:
    try:
        message = await events.delivery.send_test(name)
    except DeliveryError as error:
        raise UnavailableError(f"the target did not take the test message: {error}") from None
    return TestSentOut(message_id=message.message_id, payload=message.payload)
