"""Delivery resources: a target's state and backlog, a dead letter, the result of a change."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from vms.api.schemas.base import ApiModel
from vms.events.outbox import OutboxMessage
from vms.events.targets import TargetView


class TargetOut(ApiModel):
    """A place events are delivered to, what waits for it and how the last tries went."""

    name: str
    kind: Literal["webhook", "mqtt"] = Field(
        description="webhook: an HTTP endpoint; mqtt: the MQTT broker (events.mqtt)"
    )
    destination: str = Field(
        description="where it goes: the webhook's URL without credentials or query, the broker as"
        " mqtt://host:port or mqtts://host:port"
    )
    state: Literal["ok", "retrying", "failing"] = Field(
        description="ok; retrying: the oldest message failed and waits for its next try;"
        " failing: dead letters wait for an admin"
    )
    pending: int = Field(ge=0, description="messages still being tried")
    dead: int = Field(ge=0, description="dead letters: given up, kept until retried or dropped")
    oldest_pending_ms: int | None = Field(description="when the oldest waiting one was written")
    delivered: int = Field(ge=0, description="acknowledged since VMS started")
    failed_tries: int = Field(ge=0, description="failed tries since VMS started")
    last_success_ms: int | None
    last_error: str | None = Field(description="why the last failed try failed")
    last_error_ms: int | None

    @classmethod
    def of(cls, view: TargetView) -> TargetOut:
        return cls.model_validate(view, from_attributes=True)


class DeadLetterOut(ApiModel):
    """A message the target never acknowledged, with the body it was sent."""

    message_id: str = Field(description="idempotency id, the same on every try")
    event_id: str
    camera_id: str
    phase: Literal["opened", "updated", "closed"]
    created_ms: int
    attempts: int
    last_error: str | None
    dead_ms: int
    payload: dict[str, Any] = Field(description="the body, schema vms.event/1")

    @classmethod
    def of(cls, message: OutboxMessage) -> DeadLetterOut:
        return cls(
            message_id=message.message_id,
            event_id=message.event_id,
            camera_id=message.camera_id,
            phase=message.phase,
            created_ms=message.created_ms,
            attempts=message.attempts,
            last_error=message.last_error,
            dead_ms=message.dead_ms or 0,
            payload=message.payload,
        )


class CountOut(ApiModel):
    """How many messages a change touched."""

    count: int = Field(ge=0)


class TestSentOut(ApiModel):
    """The test message the target acknowledged."""

    message_id: str
    payload: dict[str, Any]
