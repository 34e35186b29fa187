"""Rows to values: a stored user row becomes the `User` the rest of VMS sees."""

from __future__ import annotations

import json

from vms.auth.models import GRID_LAYOUTS, Preferences, Role, User
from vms.auth.users_repo import UserRow


def preferences_from_json(text: str) -> Preferences:
    """Stored preferences; anything unreadable falls back to the defaults (they are cosmetic)."""
    try:
        data = json.loads(text)
    except ValueError:
        return Preferences()
    if not isinstance(data, dict):
        return Preferences()
    layout = data.get("grid_layout")
    cameras = data.get("grid_cameras")
    return Preferences(
        grid_layout=layout if layout in GRID_LAYOUTS else Preferences().grid_layout,
        grid_cameras=tuple(c for c in cameras if isinstance(c, str))
        if isinstance(cameras, list)
        else (),
    )


def preferences_to_json(preferences: Preferences) -> str:
    return json.dumps(
        {"grid_layout": preferences.grid_layout, "grid_cameras": list(preferences.grid_cameras)}
    )


def user_from_row(row: UserRow) -> User:
    return User(
        id=row.id,
        username=row.username,
        role=Role(row.role),
        disabled=row.disabled,
        created_ms=row.created_ms,
        preferences=preferences_from_json(row.preferences_json),
    )
