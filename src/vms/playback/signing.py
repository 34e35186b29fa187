"""Export manifests signed with the site's Ed25519 key, and their verification field by field.

The signature covers the canonical JSON of the manifest (sorted keys, no spaces, ASCII), so any
change to any field, or to the file whose SHA-256 the manifest holds, is detected. The key is made
on first start in the data folder with mode 0600 (ADR 0005).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from vms.core.errors import InvalidInputError

MANIFEST_FORMAT = "vms-export-manifest/1"
ALGORITHM = "Ed25519"
KEY_FILE = "site-ed25519.pem"
HASH_CHUNK_BYTES = 1 << 20


def canonical_json(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public_raw: bytes) -> str:
    """Short fingerprint of a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


class SiteKey:
    """The site's signing key."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        self.public_raw = _raw_public(private.public_key())
        self.key_id = key_id(self.public_raw)

    @classmethod
    def load_or_create(cls, data_dir: Path) -> SiteKey:
        """Read `<data_dir>/site-ed25519.pem`, creating it (mode 0600, O_EXCL) on first start."""
        path = data_dir / KEY_FILE
        if not path.exists():
            private = Ed25519PrivateKey.generate()
            pem = private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass  # another process made it first: read theirs
            else:
                with os.fdopen(fd, "wb") as f:
                    f.write(pem)
                    f.flush()
                    os.fsync(f.fileno())
        path.chmod(0o600)
        loaded = load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(loaded, Ed25519PrivateKey):
            raise InvalidInputError(f"{path} is not an Ed25519 private key")
        return cls(loaded)

    def sign(self, manifest: Mapping[str, Any]) -> dict[str, Any]:
        """The envelope: {"manifest": …, "signature": {algorithm, key_id, public_key, value}}."""
        value = self._private.sign(canonical_json(manifest))
        return {
            "manifest": dict(manifest),
            "signature": {
                "algorithm": ALGORITHM,
                "key_id": self.key_id,
                "public_key": _b64(self.public_raw),
                "value": _b64(value),
            },
        }


@dataclass(frozen=True, slots=True)
class Issue:
    """One thing that does not match: which field, and why."""

    field: str
    reason: str


@dataclass(frozen=True, slots=True)
class Verification:
    valid: bool
    key_id: str | None
    trusted_key: bool | None  # None: no site key to compare with
    issues: tuple[Issue, ...]


@dataclass(frozen=True, slots=True)
class FileFacts:
    """What the verifier measured of the exported file."""

    size_bytes: int
    sha256: str


def _signature_issues(envelope: Mapping[str, Any]) -> tuple[list[Issue], str | None, bytes | None]:
    manifest = envelope.get("manifest")
    sig = envelope.get("signature")
    if not isinstance(manifest, dict) or not isinstance(sig, dict):
        return (
            [Issue("manifest", "not a signed manifest (needs 'manifest' and 'signature')")],
            None,
            None,
        )
    if sig.get("algorithm") != ALGORITHM:
        return (
            [Issue("signature.algorithm", f"must be {ALGORITHM}, is {sig.get('algorithm')!r}")],
            None,
            None,
        )
    try:
        public_raw = base64.b64decode(str(sig.get("public_key")), validate=True)
        signature = base64.b64decode(str(sig.get("value")), validate=True)
        public = Ed25519PublicKey.from_public_bytes(public_raw)
    except ValueError:
        return [Issue("signature.public_key", "not a base64 Ed25519 public key")], None, None
    issues: list[Issue] = []
    if sig.get("key_id") != key_id(public_raw):
        issues.append(Issue("signature.key_id", "does not match the public key"))
    try:
        public.verify(signature, canonical_json(manifest))
    except InvalidSignature:
        issues.append(
            Issue(
                "signature.value",
                "does not match the manifest: a manifest field was changed after signing,"
                " or the signature was not made with this key",
            )
        )
    return issues, key_id(public_raw), public_raw


def verify_envelope(
    envelope: Mapping[str, Any], file: FileFacts, trusted_public: Sequence[bytes] = ()
) -> Verification:
    """Check the signature, the signing key against the site's, and the file against it."""
    issues, kid, public_raw = _signature_issues(envelope)
    trusted: bool | None = None
    if public_raw is not None and trusted_public:
        trusted = public_raw in trusted_public
        if not trusted:
            issues.append(Issue("signature.public_key", f"key {kid} is not this site's key"))
    manifest = envelope.get("manifest")
    described = manifest.get("file") if isinstance(manifest, dict) else None
    if isinstance(described, dict):
        if described.get("size_bytes") != file.size_bytes:
            issues.append(
                Issue(
                    "file.size_bytes",
                    f"the file is {file.size_bytes} bytes, the manifest says"
                    f" {described.get('size_bytes')}",
                )
            )
        if described.get("sha256") != file.sha256:
            issues.append(
                Issue(
                    "file.sha256",
                    f"the file's SHA-256 is {file.sha256}, the manifest says"
                    f" {described.get('sha256')}: the file was altered or is another file",
                )
            )
    elif not issues:
        issues.append(Issue("manifest.file", "missing: the manifest does not describe a file"))
    return Verification(not issues, kid, trusted, tuple(issues))


def verify_files(
    file_path: Path, manifest_path: Path, trusted_public: Sequence[bytes] = ()
) -> Verification:
    """`vms export verify FILE MANIFEST`."""
    try:
        envelope = json.loads(manifest_path.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        return Verification(False, None, None, (Issue("manifest", f"not JSON: {exc}"),))
    if not isinstance(envelope, dict):
        return Verification(False, None, None, (Issue("manifest", "not a JSON object"),))
    facts = FileFacts(file_path.stat().st_size, sha256_file(file_path))
    return verify_envelope(envelope, facts, trusted_public)
