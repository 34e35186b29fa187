"""Sign-in, session, preferences and user resources."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from vms.api.schemas.base import ApiModel
from vms.auth.models import Preferences, User

RoleName = Literal["viewer", "operator", "admin"]
GridLayout = Literal[1, 4, 9, 16]


class SignIn(ApiModel):
    username: str = Field(min_length=1, max_length=64)
    password: SecretStr = Field(min_length=1, max_length=256)


class UserOut(ApiModel):
    """A user as clients see them (never the password hash)."""

    id: int
    username: str
    role: RoleName
    disabled: bool
    created_at_ms: int

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            username=user.username,
            role=user.role.value,
            disabled=user.disabled,
            created_at_ms=user.created_ms,
        )


class PreferencesBody(ApiModel):
    """The web client's per-user settings."""

    grid_layout: GridLayout = 4
    grid_cameras: list[str] = Field(
        default_factory=list, max_length=256, description="Camera ids in grid order"
    )

    @classmethod
    def of(cls, preferences: Preferences) -> PreferencesBody:
        layout: GridLayout = preferences.grid_layout  # type: ignore[assignment]
        return cls(grid_layout=layout, grid_cameras=list(preferences.grid_cameras))

    def value(self) -> Preferences:
        return Preferences(self.grid_layout, tuple(self.grid_cameras))


class SessionOut(ApiModel):
    """Who is signed in, and their saved preferences."""

    user: UserOut
    preferences: PreferencesBody

    @classmethod
    def of(cls, user: User) -> SessionOut:
        return cls(user=UserOut.of(user), preferences=PreferencesBody.of(user.preferences))


class PasswordChange(ApiModel):
    current_password: SecretStr = Field(min_length=1, max_length=256)
    new_password: SecretStr = Field(min_length=1, max_length=256)


class UserCreate(ApiModel):
    username: str = Field(min_length=1, max_length=64)
    password: SecretStr = Field(min_length=1, max_length=256)
    role: RoleName = "viewer"


class UserUpdate(ApiModel):
    """Only the fields sent change; a changed user's sessions end."""

    role: RoleName | None = None
    password: SecretStr | None = Field(None, min_length=1, max_length=256)
    disabled: bool | None = None
