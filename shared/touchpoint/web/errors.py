"""API errors and their JSON form: `{"code": ..., "message": ..., "field": ...}`."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError


class ApiError(Exception):
    """An error the client caused (4xx) or one it should retry (5xx), with a JSON body."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or {}
        self.details = details

    def body(self) -> dict[str, Any]:
        """The JSON response body."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        if self.details:
            body["errors"] = self.details
        return body


def bad_request(message: str, *, field: str | None = None, code: str = "invalid_request") -> ApiError:
    """400: the request cannot be read."""
    return ApiError(400, code, message, field=field)


def unauthorized(message: str = "a valid API key is required") -> ApiError:
    """401: missing, unknown or revoked key."""
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": 'Basic realm="touchpoint"'})


def forbidden(message: str = "this key may not do that") -> ApiError:
    """403: the key is valid but of the wrong kind."""
    return ApiError(403, "forbidden", message)


def not_found(what: str) -> ApiError:
    """404: nothing of that id for this tenant (another tenant's ids are indistinguishable)."""
    return ApiError(404, "not_found", f"{what} not found")


def location_of(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as a dotted field path, e.g. `batch.3.userId`."""
    return ".".join(str(part) for part in loc) or "body"


def from_validation_error(error: ValidationError, prefix: str = "") -> ApiError:
    """400 naming the first invalid field, with every problem listed under `errors`."""
    details = [
        {"field": prefix + location_of(e["loc"]), "message": e["msg"]}
        for e in error.errors(include_url=False)
    ]
    first = details[0]
    return ApiError(
        400,
        "validation_error",
        f"{first['field']}: {first['message']}",
        field=first["field"],
        details=details,
    )
