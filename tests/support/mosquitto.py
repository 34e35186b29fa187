"""A real MQTT broker for tests (Debian's `mosquitto`), and a subscriber that records what it
gets.

`Mosquitto` writes a config in a temporary folder and runs `mosquitto -c <conf>` on 127.0.0.1
and a free port (tests/support/ports.py), optionally with a password file (made with
`mosquitto_passwd -b`), TLS (a CA and a server certificate for 127.0.0.1/localhost made here
with `cryptography`), and persistence (so a client's session survives a restart). `start()`
returns once the port accepts; `stop()` ends it and `start()` runs it again on the same port.

`Subscriber` is an aiomqtt client, as an async context manager, that subscribes to its topics
and records every message (topic, payload, retain flag, arrival time) in `got`; with
`persistent=True` it keeps its session (a fixed client id, no clean session) and reconnects
when the broker comes back, so it also receives what was published while it was away.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiomqtt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.ports import free_port

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
MOSQUITTO_PASSWD = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"


class Mosquitto:
    def __init__(
        self,
        *,
        users: dict[str, str] | None = None,
        tls: bool = False,
        persistence: bool = False,
    ) -> None:
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="vms-mosquitto-"))
        self.users = dict(users or {})
        self.tls = tls
        self.persistence = persistence
        self.ca_file: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._configure()

    def _configure(self) -> None:
        lines = [f"listener {self.port} 127.0.0.1", f"log_dest file {self.root / 'log'}"]
        if os.geteuid() == 0:
            lines.append("user root")  # else it drops to `mosquitto`, who cannot read our files
        if self.users:
            passwords = self.root / "passwords"
            for n, (user, password) in enumerate(self.users.items()):
                create = ["-c"] if n == 0 else []
                command = [MOSQUITTO_PASSWD, *create, "-b", str(passwords), user, password]
                subprocess.run(command, check=True, capture_output=True)
            lines += ["allow_anonymous false", f"password_file {passwords}"]
        else:
            lines.append("allow_anonymous true")
        if self.tls:
            self.ca_file, cert, key = make_certificates(self.root)
            lines += [f"cafile {self.ca_file}", f"certfile {cert}", f"keyfile {key}"]
        if self.persistence:
            lines += ["persistence true", f"persistence_location {self.root}/"]
        else:
            lines.append("persistence false")
        (self.root / "mosquitto.conf").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def start(self, timeout_s: float = 15.0) -> Mosquitto:
        command = [MOSQUITTO, "-c", str(self.root / "mosquitto.conf")]
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout_s
        while not self._accepts():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"mosquitto did not start: {self.log()[-2000:]}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stderr is not None:
                process.stderr.close()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _accepts(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.2):
            return True
        return False


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A self-signed CA and a server certificate it signed for 127.0.0.1 and localhost;
    returns the paths of the CA's PEM, the server's certificate and its key."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "VMS test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return ca_path, cert_path, key_path


@dataclass(frozen=True)
class Got:
    topic: str
    payload: bytes
    retain: bool
    received_ms: int  # wall clock when it arrived, Unix ms


class Subscriber:
    """Records every message on `topics` from `broker` while the block runs."""

    def __init__(
        self,
        broker: Mosquitto,
        topics: Sequence[str] = ("#",),
        *,
        persistent: bool = False,
        **client_options: Any,
    ) -> None:
        self.broker = broker
        self.topics = tuple(topics)
        self.persistent = persistent
        self.got: list[Got] = []
        self.connections = 0
        self._options = client_options
        self._subscribed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._id = f"test-subscriber-{os.getpid()}-{id(self)}"

    async def __aenter__(self) -> Subscriber:
        self._task = asyncio.create_task(self._run())
        await asyncio.wait_for(self._subscribed.wait(), 15)
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                client = aiomqtt.Client(
                    "127.0.0.1",
                    self.broker.port,
                    identifier=self._id,
                    clean_session=not self.persistent,
                    **self._options,
                )
                async with client:
                    self.connections += 1
                    if not self._subscribed.is_set():  # a kept session keeps its subscriptions
                        for topic in self.topics:
                            await client.subscribe(topic, qos=1)
                        self._subscribed.set()
                    async for message in client.messages:
                        payload = message.payload
                        data = payload if isinstance(payload, bytes) else str(payload).encode()
                        arrived_ms = time.time_ns() // 1_000_000
                        got = Got(str(message.topic), data, bool(message.retain), arrived_ms)
                        self.got.append(got)
            except aiomqtt.MqttError:
                if not self.persistent:
                    raise
            await asyncio.sleep(0.05)

    def on(self, topic: str) -> list[Got]:
        return [got for got in self.got if got.topic == topic]

    def last(self, topic: str) -> bytes | None:
        found = self.on(topic)
        return found[-1].payload if found else None

    def index(self, topic: str) -> int:
        """Where the first message on `topic` is in `got` (-1: none yet)."""
        return next((n for n, got in enumerate(self.got) if got.topic == topic), -1)
