"""API errors and their JSON form: `{"code": ..., "message": ..., "field": ...}`."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError
from pydantic import BaseModel, ValidationError


class FieldProblem(BaseModel):
    """One invalid field of a request (`errors` of a validation error)."""

    field: str
    message: str


class ErrorBody(BaseModel):
    """The JSON body of every error answer (what `ApiError.body()` writes)."""

    code: str
    message: str
    field: str | None = None
    errors: list[FieldProblem] | None = None


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


#: Error codes of AWS answers that mean "try again later", whatever their HTTP status.
_TRANSIENT_CODES = frozenset(
    {
        "InternalError",
        "InternalServerError",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "RequestTimeout",
        "RequestTimeoutException",
        "ServiceUnavailable",
        "SlowDown",
        "ThrottledException",
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
    }
)

#: Seconds a client is asked to wait after a storage fault (`Retry-After`).
RETRY_AFTER_SECONDS = 1


def storage_unavailable(message: str = "storage is unavailable, please retry") -> ApiError:
    """503 with `Retry-After`: a storage call failed in a way a retry may not."""
    return ApiError(503, "storage_unavailable", message, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def is_transient_storage_error(error: BaseException) -> bool:
    """True for AWS faults worth a retry: throttling, 5xx answers, timeouts and lost connections."""
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        code = str(error.response.get("Error", {}).get("Code", ""))
        return code in _TRANSIENT_CODES or int(status or 0) >= 500
    return isinstance(error, BotoConnectionError | HTTPClientError)
