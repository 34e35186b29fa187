"""The outbox repository on SQLite and PostgreSQL: filters, order, failures, dead letters,
retry, drop, purge and the backlog per target."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.support import postgres
from vms.config.events import WebhookTarget
from vms.core.bus import EventPhase
from vms.core.ids import CameraId
from vms.events.models import EventRecord
from vms.events.outbox import Outbox

db_engine = postgres.db_engine
NOW = 1_700_000_000_000
SECRET = "sixteen-characters-at-least"


def hook(name: str, **filters: object) -> WebhookTarget:
    values = {"name": name, "url": f"http://127.0.0.1:9/{name}", "secret": SECRET}
    return WebhookTarget.model_validate(values | filters)


def record(event_id: str, camera: str = "gate", label: str = "person") -> EventRecord:
    return EventRecord(
        id=event_id,
        camera_id=CameraId(camera),
        label=label,
        zones=(),
        score=0.8,
        start_ms=NOW,
        end_ms=None,
        has_snapshot=False,
        rule="door",
    )


def write(engine: Engine, outbox: Outbox, item: EventRecord, phase: EventPhase) -> int:
    with engine.begin() as conn:
        return outbox.enqueue(conn, item, phase, NOW)


def test_messages_follow_each_targets_filters_in_write_order(db_engine: Engine) -> None:
    outbox = Outbox(
        db_engine, [hook("all", phases=["opened", "closed"]), hook("yard", cameras=["yard"])]
    )
    assert write(db_engine, outbox, record("e1"), "opened") == 1
    assert write(db_engine, outbox, record("e1"), "updated") == 0  # nobody takes updates
    assert write(db_engine, outbox, record("e2", camera="yard"), "opened") == 2
    head = outbox.head("all")
    assert head is not None and (head.event_id, head.phase, head.attempts) == ("e1", "opened", 0)
    assert head.payload["message_id"] == head.message_id
    assert head.payload["event"]["camera_id"] == "gate"
    yard = outbox.head("yard")
    assert yard is not None and yard.event_id == "e2"
    backlog = outbox.backlog()
    assert (backlog["all"].pending, backlog["yard"].pending, backlog["all"].oldest_ms) == (
        2,
        1,
        NOW,
    )


def test_a_failure_is_recorded_and_a_dead_letter_steps_aside(db_engine: Engine) -> None:
    outbox = Outbox(db_engine, [hook("all")])
    write(db_engine, outbox, record("e1"), "opened")
    write(db_engine, outbox, record("e2"), "opened")
    first = outbox.head("all")
    assert first is not None
    outbox.failed(first.id, "HTTP 500", retry_at_ms=NOW + 1000, now_ms=NOW)
    again = outbox.head("all")
    assert again is not None and again.id == first.id  # still the head: the others wait
    assert (again.attempts, again.next_attempt_ms, again.last_error) == (1, NOW + 1000, "HTTP 500")
    outbox.failed(first.id, "HTTP 500", retry_at_ms=None, now_ms=NOW + 5)
    second = outbox.head("all")
    assert second is not None and second.event_id == "e2"
    (dead,) = outbox.dead_letters("all")
    assert (dead.id, dead.attempts, dead.dead_ms) == (first.id, 2, NOW + 5)
    assert (outbox.backlog()["all"].pending, outbox.backlog()["all"].dead) == (1, 1)
    assert outbox.retry_dead("all", NOW + 10) == 1
    back = outbox.head("all")
    assert back is not None and (back.id, back.attempts, back.dead_ms) == (first.id, 0, None)
    outbox.acknowledge([back.id])
    outbox.failed(second.id, "gone", retry_at_ms=None, now_ms=NOW)
    assert outbox.drop_dead("all") == 1
    assert outbox.head("all") is None and outbox.backlog()["all"].dead == 0


def test_purge_takes_old_dead_letters_and_old_messages_of_removed_targets(
    db_engine: Engine,
) -> None:
    before = Outbox(db_engine, [hook("all"), hook("gone")])
    write(db_engine, before, record("e1"), "opened")  # one message for each
    head = before.head("all")
    assert head is not None
    before.failed(head.id, "x", retry_at_ms=None, now_ms=NOW)
    after = Outbox(db_engine, [hook("all")])  # "gone" was taken out of the config
    assert after.purge(NOW) == 0  # nothing is older than the cutoff yet
    assert after.purge(NOW + 1) == 2
    assert before.head("gone") is None and before.dead_letters("all") == []
