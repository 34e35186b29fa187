"""Argon2id hashing, re-hash detection, the timing decoy for unknown users, the password rule."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import pytest
from argon2 import PasswordHasher

from vms.auth.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    check_password_rule,
    dummy_verify,
    hash_password,
    needs_rehash,
    verify_password,
)
from vms.core.errors import InvalidInputError


def test_hash_is_salted_argon2id_and_verifies_only_the_right_password() -> None:
    first = hash_password("correct horse")
    second = hash_password("correct horse")
    assert first.startswith("$argon2id$")
    assert first != second  # a random salt each time
    assert "correct horse" not in first
    assert verify_password(first, "correct horse")
    assert verify_password(second, "correct horse")
    assert not verify_password(first, "correct horsE")
    assert not verify_password(first, "")


def test_fresh_hash_needs_no_rehash_but_a_weaker_one_does() -> None:
    assert not needs_rehash(hash_password("a fresh password"))
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("old password")
    assert verify_password(weak, "old password")  # still accepted...
    assert needs_rehash(weak)  # ...and replaced at the next sign-in


@pytest.mark.parametrize("stored", ["", "plain text", "$argon2id$v=19$m=65536,t=3,p=4$broken"])
def test_malformed_stored_hash_never_matches(stored: str) -> None:
    assert not verify_password(stored, "plain text")
    assert needs_rehash(stored)


def test_unknown_user_decoy_costs_about_as_much_as_a_real_check() -> None:
    """Without the decoy an unknown user name answers in microseconds, which tells an attacker
    which names exist; the bound is loose because the CPU is shared."""
    stored = hash_password("some password")

    def median_s(action: Callable[[], object]) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            action()
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    real_s = median_s(lambda: verify_password(stored, "wrong password"))
    decoy_s = median_s(dummy_verify)
    assert decoy_s > 0.3 * real_s


@pytest.mark.parametrize("length", [MIN_PASSWORD_LENGTH, 20, MAX_PASSWORD_LENGTH])
def test_password_rule_accepts(length: int) -> None:
    check_password_rule("x" * length)


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("", "at least 8"),
        ("x" * (MIN_PASSWORD_LENGTH - 1), "at least 8"),
        ("x" * (MAX_PASSWORD_LENGTH + 1), "at most 256"),
    ],
)
def test_password_rule_refuses(password: str, words: str) -> None:
    with pytest.raises(InvalidInputError, match=words):
        check_password_rule(password)
