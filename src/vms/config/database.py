"""`database` section: SQLite file by default, PostgreSQL for several nodes."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from vms.config.base import Section, invalid
from vms.core.redact import redact_text

_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg")


class DatabaseSettings(Section):
    """Where the segment index and the rest of the state live."""

    url: str = Field(
        description="SQLAlchemy URL; default sqlite:///<storage.data_dir>/vms.db",
    )

    def __repr_args__(self) -> Iterator[tuple[str | None, object]]:
        """Redact the URL's password, so logging the settings cannot leak it."""
        for name, value in super().__repr_args__():
            yield name, redact_text(value) if isinstance(value, str) else value

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        url = value.strip()
        scheme = urlsplit(url).scheme.lower() if "://" in url else ""
        if scheme == "postgres":
            raise invalid(
                f"{redact_text(url)!r} uses the scheme 'postgres'",
                "write postgresql://user:password@host/dbname",
            )
        if scheme not in _SCHEMES:
            raise invalid(
                f"{redact_text(url)!r} is not a supported database URL",
                "use sqlite:///path/to/vms.db (one node) or postgresql://user:password@host/dbname",
            )
        if scheme == "sqlite" and not url.startswith("sqlite:///"):
            raise invalid(
                "a SQLite URL needs three slashes before the file path",
                "write sqlite:///relative/vms.db or sqlite:////absolute/vms.db",
            )
        return url
