"""`auth` section: how long sign-in sessions last, the cookie, and sign-in failure limits."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from vms.config.base import Section


class AuthSettings(Section):
    """Sessions and sign-in. The first admin's password comes from VMS_ADMIN_PASSWORD, not here."""

    session_idle_days: float = Field(
        7.0, gt=0, description="A session unused for this long ends (the user signs in again)"
    )
    session_max_days: float = Field(
        30.0, gt=0, description="A session ends this long after sign-in, however much it is used"
    )
    cookie_secure: Literal["auto", "always", "never"] = Field(
        "auto",
        description=(
            "Mark the session cookie Secure: 'auto' when the request came over HTTPS (directly "
            "or as X-Forwarded-Proto from a proxy)"
        ),
    )
    login_max_failures: int = Field(
        5, ge=1, description="Failed sign-ins per user name and address before a pause"
    )
    login_lockout_s: int = Field(
        60, ge=1, description="How long sign-in is refused after too many failures"
    )
