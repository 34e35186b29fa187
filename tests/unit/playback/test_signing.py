"""Manifest signing with the site key and field-by-field verification."""

from __future__ import annotations

import copy
import json
import stat
from pathlib import Path
from typing import Any

from vms.playback.signing import (
    KEY_FILE,
    FileFacts,
    SiteKey,
    sha256_file,
    verify_envelope,
    verify_files,
)


def _signed(key: SiteKey, file: FileFacts) -> dict[str, Any]:
    return key.sign(
        {
            "camera_id": "cam1",
            "media_start_ms": 1000,
            "file": {"name": "x.mp4", "size_bytes": file.size_bytes, "sha256": file.sha256},
        }
    )


def test_key_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    first = SiteKey.load_or_create(tmp_path)
    again = SiteKey.load_or_create(tmp_path)
    assert first.public_raw == again.public_raw
    assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600


def test_valid_manifest_verifies_and_names_the_key(tmp_path: Path) -> None:
    key = SiteKey.load_or_create(tmp_path)
    facts = FileFacts(3, "ab" * 32)
    result = verify_envelope(_signed(key, facts), facts, [key.public_raw])
    assert result.valid and result.issues == ()
    assert result.key_id == key.key_id and result.trusted_key is True


def test_changed_manifest_field_breaks_the_signature(tmp_path: Path) -> None:
    key = SiteKey.load_or_create(tmp_path)
    facts = FileFacts(3, "ab" * 32)
    envelope = _signed(key, facts)
    tampered = copy.deepcopy(envelope)
    tampered["manifest"]["media_start_ms"] = 2000
    result = verify_envelope(tampered, facts)
    assert not result.valid
    assert [i.field for i in result.issues] == ["signature.value"]
    assert "changed after signing" in result.issues[0].reason


def test_altered_file_names_the_hash_and_size(tmp_path: Path) -> None:
    key = SiteKey.load_or_create(tmp_path)
    envelope = _signed(key, FileFacts(3, "ab" * 32))
    result = verify_envelope(envelope, FileFacts(4, "cd" * 32))
    assert {i.field for i in result.issues} == {"file.size_bytes", "file.sha256"}


def test_another_sites_key_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    ours = SiteKey.load_or_create(tmp_path / "a")
    theirs = SiteKey.load_or_create(tmp_path / "b")
    facts = FileFacts(3, "ab" * 32)
    result = verify_envelope(_signed(theirs, facts), facts, [ours.public_raw])
    assert not result.valid and result.trusted_key is False
    assert result.issues[0].field == "signature.public_key"


def test_verify_files_flipping_one_byte_fails(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    key = SiteKey.load_or_create(tmp_path / "a")
    media = tmp_path / "x.mp4"
    media.write_bytes(bytes(range(256)) * 10)
    manifest = tmp_path / "x.json"
    facts = FileFacts(media.stat().st_size, sha256_file(media))
    manifest.write_text(json.dumps(_signed(key, facts)))
    assert verify_files(media, manifest).valid
    data = bytearray(media.read_bytes())
    data[100] ^= 0x01
    media.write_bytes(bytes(data))
    result = verify_files(media, manifest)
    assert [i.field for i in result.issues] == ["file.sha256"]
    manifest.write_text("{not json")
    assert verify_files(media, manifest).issues[0].field == "manifest"
