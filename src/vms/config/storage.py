"""`storage` section: the data folder, the recording pools and the free-space floor."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationInfo, field_validator, model_validator

from vms.config.base import SLUG, SLUG_RULE, Section, invalid

DEFAULT_FLOOR_PERCENT = 5.0


class PoolConfig(Section):
    """A folder (usually one disk) that recordings are written to."""

    name: str = Field(description="short name used in metrics and the API")
    path: Path = Field(description="folder that holds the recordings of this pool")

    @field_validator("name")
    @classmethod
    def _name_is_slug(cls, value: str) -> str:
        if not SLUG.fullmatch(value):
            raise invalid(f"{value!r} is not a valid pool name", f"use {SLUG_RULE}")
        return value


class StorageSettings(Section):
    """Data folder, pools and the free space that retention keeps on each pool."""

    data_dir: Path = Field(
        Path("data"), description="folder for the database and default pool (relative: to cwd)"
    )
    pools: list[PoolConfig] = Field(
        description="recording pools; default one pool 'default' at <data_dir>/recordings",
    )
    free_space_floor_bytes: Annotated[int, Field(ge=0)] | None = Field(
        None, description="retention deletes oldest recordings to keep this many bytes free"
    )
    free_space_floor_percent: Annotated[float, Field(ge=0, le=90)] | None = Field(
        None, description="as free_space_floor_bytes, in percent of the pool's size (default 5)"
    )

    @model_validator(mode="before")
    @classmethod
    def _defaults_from_data_dir(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        filled = dict(data)
        if "pools" not in filled:
            data_dir = filled.get("data_dir", "data")
            if isinstance(data_dir, str | Path):
                filled["pools"] = [{"name": "default", "path": Path(data_dir) / "recordings"}]
        if (
            filled.get("free_space_floor_bytes") is None
            and filled.get("free_space_floor_percent") is None
        ):
            filled["free_space_floor_percent"] = DEFAULT_FLOOR_PERCENT
        return filled

    @field_validator("pools")
    @classmethod
    def _pools_distinct(cls, pools: list[PoolConfig]) -> list[PoolConfig]:
        if not pools:
            raise invalid("no recording pool", "list at least one pool: {name, path}")
        names = [pool.name for pool in pools]
        paths = [str(pool.path) for pool in pools]
        for label, values in (("name", names), ("path", paths)):
            repeated = sorted({str(v) for v in values if values.count(v) > 1})
            if repeated:
                raise invalid(
                    f"pool {label} used more than once: {', '.join(repeated)}",
                    f"give every pool its own {label}",
                )
        return pools

    @field_validator("free_space_floor_percent")
    @classmethod
    def _one_floor(cls, value: float | None, info: ValidationInfo) -> float | None:
        if value is not None and info.data.get("free_space_floor_bytes") is not None:
            raise invalid(
                "both free_space_floor_bytes and free_space_floor_percent are set",
                "set only one of storage.free_space_floor_bytes and "
                "storage.free_space_floor_percent",
            )
        return value
