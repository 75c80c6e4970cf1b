"""Domain errors with stable codes; the web layer maps them to RFC 9457 problems."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a person can act on.

    ``code`` is stable (``chains.bad_checksum``) and becomes the problem ``type``;
    ``field`` names the input at fault (a JSON pointer-ish dotted path) when there is one.
    """

    code: str = "trustdesk.error"
    status: int = 400
    title: str = "Request rejected"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class InvalidInput(DomainError):
    code = "input.invalid"
    status = 422
    title = "Invalid input"


class NotFound(DomainError):
    code = "resource.not_found"
    status = 404
    title = "Not found"


class Conflict(DomainError):
    code = "resource.conflict"
    status = 409
    title = "Conflict"


class Unauthorized(DomainError):
    code = "auth.unauthorized"
    status = 401
    title = "Authentication required"


class Forbidden(DomainError):
    code = "auth.forbidden"
    status = 403
    title = "Not allowed"
