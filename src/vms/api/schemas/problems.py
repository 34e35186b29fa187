"""RFC 9457 problem details: the body of every error response."""

from __future__ import annotations

from pydantic import Field

from vms.api.schemas.base import ApiModel


class FieldError(ApiModel):
    """One invalid field of a request."""

    location: str = Field(description="where the field is: body, query, path or header")
    field: str = Field(description="dotted path of the field, e.g. main_url or streams[0].url")
    detail: str = Field(description="what is wrong and how to fix it")


class Problem(ApiModel):
    """An error, as application/problem+json (RFC 9457)."""

    type: str = Field(description="URI identifying the kind of problem; clients match on it")
    title: str = Field(description="short summary of the kind of problem")
    status: int = Field(description="HTTP status code")
    detail: str = Field(description="explanation of this occurrence, fit to show a user")
    instance: str = Field(description="path of the request that failed")
    errors: list[FieldError] | None = Field(None, description="invalid fields, for 400/422")
