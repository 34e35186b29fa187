"""Liveness and readiness bodies for /healthz and /readyz."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, computed_field

from vms.api.schemas.base import ApiModel, RedactedText
from vms.cameras.system import Readiness


class HealthView(ApiModel):
    """The process is alive and serving HTTP."""

    status: Literal["ok"] = "ok"
    version: str


class DatabaseCheck(ApiModel):
    """Whether the database answered."""

    ok: bool
    detail: RedactedText | None = None


class PoolCheck(ApiModel):
    """Whether a storage pool can be written, and its space."""

    name: str
    writable: bool
    free_bytes: int | None = None
    total_bytes: int | None = None
    detail: RedactedText | None = None


class ReadinessView(ApiModel):
    """Readiness: the database answers and at least one pool can be written."""

    database: DatabaseCheck
    pools: list[PoolCheck]
    cameras_up: int = Field(ge=0)
    cameras_total: int = Field(ge=0)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ready(self) -> bool:
        """True when the database is ok and at least one pool is writable."""
        return self.database.ok and any(pool.writable for pool in self.pools)

    @classmethod
    def of(cls, readiness: Readiness) -> ReadinessView:
        pools = [
            PoolCheck(
                name=p.name,
                writable=p.writable,
                free_bytes=p.free_bytes,
                total_bytes=p.total_bytes,
                detail=p.detail,
            )
            for p in readiness.pools
        ]
        return cls(
            database=DatabaseCheck(ok=readiness.database_ok, detail=readiness.database_detail),
            pools=pools,
            cameras_up=readiness.cameras_up,
            cameras_total=readiness.cameras_total,
        )
