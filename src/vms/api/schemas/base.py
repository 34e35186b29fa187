"""Base of the API schemas, and field types that redact credentials whoever fills them in."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

from vms.core.redact import redact_text


class ApiModel(BaseModel):
    """Frozen; unknown fields in a request are errors, not silently dropped."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# A URL shown to clients: its password is replaced by *** even if the backend forgot to.
RedactedUrl = Annotated[str, AfterValidator(redact_text)]
# Free text shown to clients (an error message may echo a camera URL).
RedactedText = Annotated[str, AfterValidator(redact_text)]
