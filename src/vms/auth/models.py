"""Who is signed in: the user value, their role, and the web client's saved preferences."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    """What a user may do; each role includes everything the roles before it may."""

    VIEWER = "viewer"  # live view and playback
    OPERATOR = "operator"  # + exports
    ADMIN = "admin"  # + cameras, users and settings

    def includes(self, other: Role) -> bool:
        order = list(Role)
        return order.index(self) >= order.index(other)


GRID_LAYOUTS = (1, 4, 9, 16)


@dataclass(frozen=True, slots=True)
class Preferences:
    """The web client's per-user settings, kept on the server so they follow the user."""

    grid_layout: int = 4
    grid_cameras: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class User:
    """A user as the rest of VMS sees them (no password hash)."""

    id: int
    username: str
    role: Role
    disabled: bool
    created_ms: int
    preferences: Preferences = field(default_factory=Preferences)

    def may(self, role: Role) -> bool:
        return not self.disabled and self.role.includes(role)
