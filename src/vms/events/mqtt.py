"""Sending outbox messages to an MQTT broker, and keeping each camera's state there.

One connection (aiomqtt over paho-mqtt, MQTT 3.1.1 or 5, TLS and user/password as configured)
is kept by a background task that reconnects forever with `core.service.Backoff`. Its last
will is `<prefix>/available` = `offline` (retained); on every (re)connect it publishes
`online` there, the Home Assistant discovery configs (`events/mqtt_discovery.py`) and every
camera's state, all retained, before any event message goes out.

`send` is one outbox try: it publishes the message body (`vms.event/1`, the bytes a webhook
gets) to `<prefix>/<camera>/events` at the configured QoS; the publish completing (PUBACK for
QoS 1, PUBCOMP for 2) is the acknowledgement, and a broker that is not connected, refuses or
does not answer within `timeout_s` is a failed try the deliverer retries, in order (each
publish races the end of its connection, so a lost connection fails it at once). Then it marks
the camera, and the connection's state task publishes the camera's retained state read from the
database at that moment (`events/mqtt_state.py`): motion ON/OFF, object counts per label and
zone, and the event's snapshot. A state publish that fails is logged only (the message was
delivered); the marks are kept for the next connection, which publishes every state anyway.
The camera list is read again every `REFRESH_S` while connected: discovery and state follow
cameras and zones that were added, changed or removed.

Every error text goes through `redact_text` with the password, so no log line or API view
shows a credential.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import ssl
from collections.abc import Callable, Sequence

import aiomqtt
from aiomqtt.exceptions import MqttConnectError
from paho.mqtt.reasoncodes import ReasonCode

from vms.config.mqtt import MqttSettings
from vms.core.redact import redact_text
from vms.core.service import Backoff
from vms.events.delivery import DeliveryError, TransportKind
from vms.events.mqtt_discovery import (
    OFFLINE,
    ONLINE,
    MqttCamera,
    Retained,
    Topics,
    discovery_messages,
)
from vms.events.mqtt_state import CameraStates, Publish, StateSource
from vms.events.outbox import OutboxMessage
from vms.events.webhook import body_bytes

log = logging.getLogger(__name__)
# paho's own lines ("failed to receive on socket") repeat what this module reports, redacted.
_client_log = logging.getLogger(f"{__name__}.client")
_client_log.setLevel(logging.CRITICAL)

REFRESH_S = 30.0  # the camera list (discovery, state) is read again this often while connected
UNKNOWN_CAMERA_REFRESH_S = 5.0  # a message of a camera not in the list reads it again, this often
# CONNACK codes of refused credentials: 3.1.1's 4 and 5, MQTT 5's 134 and 135.
_CREDENTIAL_CODES = frozenset({4, 5, 134, 135})
STATE_RETRY_S = 5.0  # after the state could not be published (the database), before trying again
PUBLISH_CHUNK = 50  # retained messages in flight at once (discovery of many cameras)
CameraSource = Callable[[], Sequence[MqttCamera]]  # blocking: from the composition root


class _Session:
    """One connection: its client, and whether it was lost."""

    def __init__(self, client: aiomqtt.Client) -> None:
        self.client = client
        self.lost = asyncio.Event()


class MqttTransport:
    """The `mqtt` delivery target: a `Transport` with a connection task (`start`/`close`)."""

    def __init__(
        self, settings: MqttSettings, store: StateSource, cameras: CameraSource, backoff: Backoff
    ) -> None:
        self.settings = settings
        self._states = CameraStates(store, Topics(settings.topic_prefix), settings.count_labels)
        self._camera_source = cameras
        self._backoff = backoff
        self._topics = Topics(settings.topic_prefix)
        self._secrets = (settings.password.get_secret_value(),) if settings.password else ()
        self._cameras: dict[str, MqttCamera] = {}
        self._cameras_read_at = float("-inf")
        self._discovered: dict[str, bytes] = {}  # config topic -> payload, across connections
        self._session: _Session | None = None
        self._tried = asyncio.Event()  # the first connection attempt connected or failed
        self._task: asyncio.Task[None] | None = None
        self._last_error: str | None = None

    @property
    def kind(self) -> TransportKind:
        return "mqtt"

    @property
    def destination(self) -> str:
        scheme = "mqtts" if self.settings.tls else "mqtt"
        return f"{scheme}://{self.settings.host}:{self.settings.port}"

    @property
    def connected(self) -> bool:
        return self._session is not None

    @property
    def last_error(self) -> str | None:
        """Why the last connection attempt failed or the last connection ended."""
        return self._last_error

    async def start(self) -> None:
        """Start the connection task (it connects in the background and never raises)."""
        if self._task is None or self._task.done():
            self._tried = asyncio.Event()
            self._task = asyncio.create_task(self._run(), name="mqtt connection")

    async def close(self) -> None:
        """Publish `offline`, disconnect and end the connection task."""
        session, task, self._task = self._session, self._task, None
        if session is not None:
            with contextlib.suppress(aiomqtt.MqttError, TimeoutError):
                await asyncio.wait_for(
                    self._publish(session, self._topics.available, OFFLINE, retain=True),
                    self.settings.timeout_s,
                )
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def send(self, message: OutboxMessage, attempt: int) -> None:
        """One try: the body to `<prefix>/<camera>/events`, acknowledged when the publish
        completes; then the camera's state. Raises DeliveryError when the body was not taken."""
        session = await self._session_for_send()
        topic = self._topics.events(message.camera_id)
        try:
            await self._publish(session, topic, body_bytes(message), retain=False)
        except aiomqtt.MqttError as error:
            reason = self._describe(error)
            raise DeliveryError(f"the broker did not take the message: {reason}") from None
        event = message.payload.get("event")
        self._states.mark(
            message.camera_id, event if isinstance(event, dict) else {}, message.event_id
        )

    async def _session_for_send(self) -> _Session:
        if self._session is None and self._task is not None and not self._tried.is_set():
            with contextlib.suppress(TimeoutError):  # the first connection is on its way
                await asyncio.wait_for(self._tried.wait(), self.settings.timeout_s)
        session = self._session
        if session is None:
            reason = self._last_error or "connecting"
            raise DeliveryError(f"not connected to the MQTT broker {self.destination}: {reason}")
        return session

    async def _run(self) -> None:
        failures = 0
        while True:
            connected = False
            try:
                async with await self._client() as client:
                    connected = True
                    await self._connected(_Session(client))
            except asyncio.CancelledError:
                raise
            except Exception as error:  # aiomqtt, TLS files, the database: all retried
                self._failed(error, connected)
            failures = 0 if connected else failures + 1
            await asyncio.sleep(self._backoff.delay(max(0, failures - 1)))

    async def _connected(self, session: _Session) -> None:
        """Announce, then serve sends until the connection ends (raises MqttError then)."""
        states: asyncio.Task[None] | None = None
        try:
            await self._announce(session)
            self._session, self._last_error = session, None
            self._tried.set()
            log.info("connected to the MQTT broker %s", self.destination)
            states = asyncio.create_task(self._publish_marked(session), name="mqtt state")
            messages = session.client.messages  # nothing is subscribed: it ends at a disconnect
            while True:
                try:
                    await asyncio.wait_for(anext(messages), REFRESH_S)
                except TimeoutError:
                    await self._refresh(session)
        finally:
            self._session = None
            session.lost.set()
            if states is not None:
                states.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await states

    async def _publish_marked(self, session: _Session) -> None:
        """The state task of a connection: the marked cameras' state, after their messages."""
        while True:
            marks = await self._states.wait()
            try:
                unknown = any(mark.camera not in self._cameras for mark in marks)
                waited = asyncio.get_running_loop().time() - self._cameras_read_at
                if unknown and waited >= UNKNOWN_CAMERA_REFRESH_S:
                    await self._refresh(session)  # a camera added since the last read
                # Removed, filtered out, or the made-up camera of a test message: no state.
                shown = [self._cameras[m.camera] for m in marks if m.camera in self._cameras]
                await self._states.publish(self._publisher(session), shown, marks)
            except asyncio.CancelledError:
                self._states.restore(marks)
                raise
            except Exception as error:  # the next message, refresh or connection sends it again
                self._states.restore(marks)
                log.warning("MQTT state not published: %s", self._describe(error))
                await asyncio.sleep(STATE_RETRY_S)

    def _publisher(self, session: _Session) -> Publish:
        return functools.partial(self._publish_all, session)

    async def _client(self) -> aiomqtt.Client:
        settings = self.settings
        context = await asyncio.to_thread(self._tls_context) if settings.tls else None
        client = aiomqtt.Client(
            settings.host,
            settings.port,
            username=settings.username,
            password=self._secrets[0] if self._secrets else None,
            identifier=settings.client_id,
            protocol=aiomqtt.ProtocolVersion.V5
            if settings.protocol == "5"
            else aiomqtt.ProtocolVersion.V311,
            will=aiomqtt.Will(self._topics.available, OFFLINE, qos=settings.qos, retain=True),
            timeout=settings.timeout_s,
            tls_context=context,
            logger=_client_log,
        )
        client.pending_calls_threshold = 10 * PUBLISH_CHUNK  # discovery publishes in chunks
        return client

    def _tls_context(self) -> ssl.SSLContext:
        ca_file = self.settings.ca_file
        context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
        if self.settings.tls_insecure:
            context.check_hostname = False  # the chain is still checked
        return context

    def _failed(self, error: Exception, was_connected: bool) -> None:
        reason = self._describe(error)
        reason = f"the connection was lost: {reason}" if was_connected else reason
        if reason != self._last_error:
            log.warning("MQTT broker %s: %s", self.destination, reason)
        self._last_error = reason
        self._tried.set()

    def _describe(self, error: BaseException) -> str:
        if isinstance(error, MqttConnectError):
            text = _refusal(error)
        elif isinstance(error, aiomqtt.MqttError) and error.__cause__ is not None:
            text = f"{error} ({error.__cause__})"
        else:
            text = str(error) or type(error).__name__
        return redact_text(text, self._secrets)

    async def _announce(self, session: _Session) -> None:
        """Availability, discovery and every camera's state, on a new connection."""
        await self._publish_all(session, [Retained(self._topics.available, ONLINE)])
        await self._read_cameras()
        await self._publish_discovery(session, everything=True)
        self._states.reset()
        await self._states.publish(self._publisher(session), list(self._cameras.values()))

    async def _refresh(self, session: _Session) -> None:
        """Cameras and zones may have changed: new discovery, removed entities, fresh state."""
        await self._read_cameras()
        await self._publish_discovery(session, everything=False)
        await self._states.publish(self._publisher(session), list(self._cameras.values()))

    async def _read_cameras(self) -> None:
        loop = asyncio.get_running_loop()
        self._cameras_read_at = loop.time()
        try:
            found = await asyncio.to_thread(self._camera_source)
        except Exception:  # the database: keep the last list, try again at the next refresh
            log.exception("the camera list for MQTT could not be read")
            return
        wanted = self.settings.cameras
        self._cameras = {c.id: c for c in found if not wanted or c.id in wanted}

    async def _publish_discovery(self, session: _Session, *, everything: bool) -> None:
        """The cameras' discovery configs: all of them (a new connection: the broker may have
        lost them) or those that changed; an empty config removes a camera or zone gone."""
        if not self.settings.discovery:
            return
        configs = discovery_messages(self.settings, list(self._cameras.values()))
        current = {message.topic: message.payload for message in configs}
        removed = [Retained(topic, b"") for topic in self._discovered if topic not in current]
        if not everything:
            configs = [m for m in configs if self._discovered.get(m.topic) != m.payload]
        await self._publish_all(session, [*removed, *configs])
        self._discovered = current

    async def _publish_all(self, session: _Session, messages: Sequence[Retained]) -> None:
        """Publish retained messages, `PUBLISH_CHUNK` in flight at once; raises the first
        error after the chunk."""
        for start in range(0, len(messages), PUBLISH_CHUNK):
            chunk = messages[start : start + PUBLISH_CHUNK]
            results = await asyncio.gather(
                *(self._publish(session, m.topic, m.payload, retain=True) for m in chunk),
                return_exceptions=True,
            )
            for result in results:
                if isinstance(result, BaseException):
                    raise result

    async def _publish(
        self, session: _Session, topic: str, payload: bytes, *, retain: bool
    ) -> None:
        """One publish, done when the broker acknowledged it (QoS 1, 2); MqttError when the
        connection is lost first or the broker does not answer within `timeout_s`."""
        if session.lost.is_set():
            raise aiomqtt.MqttError("the connection was lost")
        publish = asyncio.ensure_future(
            session.client.publish(topic, payload, qos=self.settings.qos, retain=retain)
        )
        publish.add_done_callback(_retrieved)  # an error after a lost connection is no news
        lost = asyncio.ensure_future(session.lost.wait())
        try:
            done, _ = await asyncio.wait({publish, lost}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            lost.cancel()
            if not publish.done():
                publish.cancel()
        if publish not in done:
            raise aiomqtt.MqttError("the connection was lost")
        publish.result()


def _refusal(error: MqttConnectError) -> str:
    """A refused CONNECT in words, with a hint when the credentials are the cause."""
    code = error.rc.value if isinstance(error.rc, ReasonCode) else error.rc
    words = str(error.rc) if isinstance(error.rc, ReasonCode) else str(error)
    text = f"the broker refused the connection: {words} (code {code})"
    if code in _CREDENTIAL_CODES:
        text += "; check events.mqtt.username and events.mqtt.password"
    return text


def _retrieved(task: asyncio.Future[None]) -> None:
    if not task.cancelled():
        task.exception()
