"""User administration: the first admin, the user name and password rules, the always-one-admin
rule, removing, own password changes and preferences."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.support.schema import migrated_sqlite
from tests.unit.auth.conftest import ADMIN_PASSWORD
from vms.auth.convert import preferences_from_json
from vms.auth.models import Preferences, Role, User
from vms.auth.passwords import MIN_PASSWORD_LENGTH
from vms.auth.service import Auth
from vms.auth.users import FIRST_ADMIN, check_username
from vms.config.auth import AuthSettings
from vms.core.clock import FakeClock
from vms.core.errors import ConflictError, InvalidInputError, NotFoundError, UnauthorizedError


@pytest.fixture
def empty(engine: Engine, fake_clock: FakeClock) -> Auth:
    """No users at all: a first start."""
    return Auth.build(engine, fake_clock, AuthSettings())


def admin_of(auth: Auth) -> User:
    return next(user for user in auth.users.list() if user.username == FIRST_ADMIN)


def test_first_admin_with_a_made_up_password_is_made_once(empty: Auth) -> None:
    password = empty.users.ensure_first_admin(None)
    assert password is not None
    assert len(password) >= MIN_PASSWORD_LENGTH
    _, user = empty.sessions.sign_in(FIRST_ADMIN, password, "10.0.0.1")
    assert (user.username, user.role, user.disabled) == ("admin", Role.ADMIN, False)
    assert empty.users.ensure_first_admin(None) is None  # the next start makes nobody
    assert empty.users.ensure_first_admin("another-password") is None
    assert [u.username for u in empty.users.list()] == ["admin"]
    empty.sessions.sign_in(FIRST_ADMIN, password, "10.0.0.1")  # the password did not change


def test_made_up_passwords_differ(engine: Engine, fake_clock: FakeClock) -> None:
    first = Auth.build(engine, fake_clock, AuthSettings()).users.ensure_first_admin(None)
    other_engine = migrated_sqlite()
    second = Auth.build(other_engine, fake_clock, AuthSettings()).users.ensure_first_admin(None)
    other_engine.dispose()
    assert first is not None and second is not None and first != second


def test_first_admin_with_a_given_password(empty: Auth, fake_clock: FakeClock) -> None:
    assert empty.users.ensure_first_admin("given-password") is None  # nothing to show
    _, user = empty.sessions.sign_in(FIRST_ADMIN, "given-password", "10.0.0.1")
    assert user.role is Role.ADMIN
    assert user.created_ms == fake_clock.now_ms()


def test_too_short_given_password_is_refused_and_nobody_is_made(empty: Auth) -> None:
    with pytest.raises(InvalidInputError, match="at least 8"):
        empty.users.ensure_first_admin("short")
    assert empty.users.list() == []


@pytest.mark.parametrize(
    "name", ["a", "7", "ann.lee", "ann_lee", "ann-lee", "ann@example.org", "A" * 64]
)
def test_username_rule_accepts(name: str) -> None:
    check_username(name)


@pytest.mark.parametrize(
    "name", ["", "-ann", ".ann", "_ann", "ann lee", "ann/lee", "ann:lee", "é", "a" * 65, "ann\n"]
)
def test_username_rule_refuses(name: str) -> None:
    with pytest.raises(InvalidInputError, match="user name"):
        check_username(name)


def test_add_checks_both_rules_and_refuses_duplicates(auth: Auth) -> None:
    with pytest.raises(InvalidInputError, match="user name"):
        auth.users.add("bad name", "good-password", Role.VIEWER)
    with pytest.raises(InvalidInputError, match="at least 8"):
        auth.users.add("ann", "short", Role.VIEWER)
    ann = auth.users.add("ann", "good-password", Role.OPERATOR)
    assert (ann.username, ann.role, ann.disabled) == ("ann", Role.OPERATOR, False)
    with pytest.raises(ConflictError, match="already exists"):
        auth.users.add("ann", "other-password", Role.VIEWER)
    assert [u.username for u in auth.users.list()] == ["admin", "ann"]
    assert auth.users.get(ann.id) == ann


def test_only_enabled_admin_cannot_be_demoted_disabled_or_removed(auth: Auth) -> None:
    admin = admin_of(auth)
    with pytest.raises(ConflictError, match="only enabled admin"):
        auth.users.change(admin, admin.id, role=Role.OPERATOR)
    with pytest.raises(ConflictError, match="only enabled admin"):
        auth.users.change(admin, admin.id, disabled=True)
    viewer = auth.users.add("ann", "ann-password", Role.VIEWER)  # the service checks no role
    with pytest.raises(ConflictError, match="only enabled admin"):
        auth.users.remove(viewer, admin.id)
    assert admin_of(auth) == admin
    auth.users.change(admin, admin.id, role=Role.ADMIN, disabled=False)  # no loss: allowed


def test_a_disabled_admin_does_not_count(auth: Auth) -> None:
    admin = admin_of(auth)
    bea = auth.users.add("bea", "bea-password", Role.ADMIN)
    auth.users.change(admin, bea.id, disabled=True)
    with pytest.raises(ConflictError):
        auth.users.change(admin, admin.id, role=Role.VIEWER)
    with pytest.raises(ConflictError):  # bea, disabled, asks to remove the only enabled admin
        auth.users.remove(auth.users.get(bea.id), admin.id)
    auth.users.change(admin, bea.id, role=Role.VIEWER)  # a disabled admin may be demoted
    auth.users.remove(admin, bea.id)


def test_with_two_admins_one_may_step_down_but_not_both(auth: Auth) -> None:
    admin = admin_of(auth)
    bea = auth.users.add("bea", "bea-password", Role.ADMIN)
    assert auth.users.change(admin, admin.id, role=Role.OPERATOR).role is Role.OPERATOR
    with pytest.raises(ConflictError):
        auth.users.change(bea, bea.id, role=Role.VIEWER)
    with pytest.raises(ConflictError):
        auth.users.change(bea, bea.id, disabled=True)


def test_second_admin_may_remove_the_first(auth: Auth) -> None:
    admin = admin_of(auth)
    bea = auth.users.add("bea", "bea-password", Role.ADMIN)
    auth.users.remove(bea, admin.id)
    assert [u.username for u in auth.users.list()] == ["bea"]


def test_nobody_removes_themselves(auth: Auth) -> None:
    admin = admin_of(auth)
    auth.users.add("bea", "bea-password", Role.ADMIN)  # even with another admin
    with pytest.raises(ConflictError, match="cannot remove yourself"):
        auth.users.remove(admin, admin.id)


def test_unknown_user_is_not_found(auth: Auth) -> None:
    admin = admin_of(auth)
    with pytest.raises(NotFoundError):
        auth.users.get(99)
    with pytest.raises(NotFoundError):
        auth.users.change(admin, 99, role=Role.VIEWER)
    with pytest.raises(NotFoundError):
        auth.users.remove(admin, 99)


def test_removed_user_is_signed_out_and_cannot_sign_in(auth: Auth) -> None:
    ann = auth.users.add("ann", "ann-password", Role.VIEWER)
    token, _ = auth.sessions.sign_in("ann", "ann-password", "10.0.0.1")
    auth.sessions.user_for_token(token)
    auth.sessions.user_for_basic("ann", "ann-password", "10.0.0.1")
    auth.users.remove(admin_of(auth), ann.id)
    with pytest.raises(UnauthorizedError):  # not a 404 about a missing user row
        auth.sessions.user_for_token(token)
    with pytest.raises(UnauthorizedError):
        auth.sessions.user_for_basic("ann", "ann-password", "10.0.0.1")


def test_admin_sets_a_password_and_the_old_one_stops_working(auth: Auth) -> None:
    ann = auth.users.add("ann", "ann-password", Role.VIEWER)
    token, _ = auth.sessions.sign_in("ann", "ann-password", "10.0.0.1")
    auth.sessions.user_for_basic("ann", "ann-password", "10.0.0.1")
    with pytest.raises(InvalidInputError):
        auth.users.change(admin_of(auth), ann.id, password="short")
    auth.users.change(admin_of(auth), ann.id, password="new-ann-password")
    with pytest.raises(UnauthorizedError):
        auth.sessions.user_for_token(token)
    with pytest.raises(UnauthorizedError):
        auth.sessions.user_for_basic("ann", "ann-password", "10.0.0.1")
    auth.sessions.sign_in("ann", "new-ann-password", "10.0.0.1")


def test_own_password_change_keeps_this_session_and_ends_the_others(auth: Auth) -> None:
    ann = auth.users.add("ann", "ann-password", Role.VIEWER)
    here, _ = auth.sessions.sign_in("ann", "ann-password", "10.0.0.1")
    there, _ = auth.sessions.sign_in("ann", "ann-password", "10.0.0.2")
    admin_token, _ = auth.sessions.sign_in("admin", ADMIN_PASSWORD, "10.0.0.3")
    auth.sessions.user_for_token(there)
    auth.users.change_own_password(
        ann, "ann-password", "ann-new-password", keep_token=here, address="10.0.0.1"
    )
    assert auth.sessions.user_for_token(here).username == "ann"
    with pytest.raises(UnauthorizedError):
        auth.sessions.user_for_token(there)
    assert auth.sessions.user_for_token(admin_token).username == "admin"  # others untouched
    with pytest.raises(UnauthorizedError):
        auth.sessions.sign_in("ann", "ann-password", "10.0.0.1")
    auth.sessions.sign_in("ann", "ann-new-password", "10.0.0.1")


def test_own_password_change_needs_the_current_one_and_the_rule(auth: Auth) -> None:
    ann = auth.users.add("ann", "ann-password", Role.VIEWER)
    with pytest.raises(InvalidInputError, match="current password is wrong"):
        auth.users.change_own_password(
            ann, "guess-guess", "ann-new-password", keep_token=None, address="10.0.0.1"
        )
    with pytest.raises(InvalidInputError, match="at least 8"):
        auth.users.change_own_password(
            ann, "ann-password", "short", keep_token=None, address="10.0.0.1"
        )
    auth.sessions.sign_in("ann", "ann-password", "10.0.0.1")  # nothing changed


def test_preferences_round_trip_and_show_in_the_session_at_once(auth: Auth) -> None:
    ann = auth.users.add("ann", "ann-password", Role.VIEWER)
    assert ann.preferences == Preferences()
    token, _ = auth.sessions.sign_in("ann", "ann-password", "10.0.0.1")
    auth.sessions.user_for_token(token)
    chosen = Preferences(grid_layout=9, grid_cameras=("gate", "yard", "gate"))
    assert auth.users.set_preferences(ann, chosen) == chosen
    assert auth.users.get(ann.id).preferences == chosen
    assert auth.sessions.user_for_token(token).preferences == chosen
    assert auth.users.get(1).preferences == Preferences()  # only hers


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("{}", Preferences()),
        ("not json", Preferences()),
        ("[1, 2]", Preferences()),
        ('{"grid_layout": 5, "grid_cameras": "gate"}', Preferences()),
        ('{"grid_layout": 16, "grid_cameras": ["a", 3, "b"]}', Preferences(16, ("a", "b"))),
    ],
)
def test_unreadable_stored_preferences_fall_back_to_defaults(
    stored: str, expected: Preferences
) -> None:
    assert preferences_from_json(stored) == expected


def test_maintenance_set_password_enables_an_existing_user_or_makes_one(auth: Auth) -> None:
    ann = auth.users.add("ann", "ann-password", Role.OPERATOR)
    token, _ = auth.sessions.sign_in("ann", "ann-password", "10.0.0.1")
    auth.users.change(admin_of(auth), ann.id, disabled=True)
    assert auth.users.set_password("ann", "ann-reset-password", Role.VIEWER) is False
    with pytest.raises(UnauthorizedError):
        auth.sessions.user_for_token(token)
    _, again = auth.sessions.sign_in("ann", "ann-reset-password", "10.0.0.1")
    assert (again.disabled, again.role) == (False, Role.OPERATOR)  # the role is kept
    with pytest.raises(InvalidInputError):
        auth.users.set_password("ann", "short", Role.VIEWER)
    assert auth.users.set_password("bob", "bob-password", Role.VIEWER) is True
    _, bob = auth.sessions.sign_in("bob", "bob-password", "10.0.0.1")
    assert bob.role is Role.VIEWER
