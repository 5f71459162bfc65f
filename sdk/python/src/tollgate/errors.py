# SPDX-License-Identifier: Apache-2.0
"""Typed errors: one class per thing a caller may want to handle differently.

Tollgate answers every error with one envelope,
``{"error": {"type", "code", "message", "param"}}``; :func:`from_response` maps
it to a class by status and code, never by message text. Messages are the
server's, written to be safe to show; no error carries the API key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Optional

if TYPE_CHECKING:  # pragma: no cover
    from .models import Authorization


class TollgateError(Exception):
    """Any error from Tollgate or from reaching it.

    ``status`` is the HTTP status (0 when no answer came), ``code`` the
    machine-readable code (``not_found``, ``invalid``, ``rate_limited`` …),
    ``type`` the error family, ``field`` the input at fault (the envelope's
    ``param``), ``message`` what went wrong and how to fix it, ``request_id``
    the server's ``Request-Id`` for its logs.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        code: str = "",
        type: str = "",
        field: Optional[str] = None,
        request_id: Optional[str] = None,
        retry_after: Optional[float] = None,
        body: Optional[Mapping[str, Any]] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.type = type
        self.field = field
        self.request_id = request_id
        self.retry_after = retry_after
        self.body = body

    @property
    def param(self) -> Optional[str]:
        """The envelope's name for :attr:`field`."""
        return self.field

    def __str__(self) -> str:
        parts = [self.message]
        if self.status:
            parts.append(f"(status {self.status}, code {self.code or '-'}")
            if self.field:
                parts[-1] += f", field {self.field}"
            if self.request_id:
                parts[-1] += f", request {self.request_id}"
            parts[-1] += ")"
        return " ".join(parts)


class Invalid(TollgateError):
    """400 or 422: the request is malformed or breaks a rule; ``field`` names the input."""


class AuthenticationError(TollgateError):
    """401: no key, or an unknown or revoked one."""


class PermissionDenied(TollgateError):
    """403: a write with a read-only key."""


class InsufficientFunds(TollgateError):
    """402: a charge or refund the balance cannot cover (authorizations decline instead; see DeclinedError)."""


class NotFound(TollgateError):
    """404: nothing by that id in the key's account and mode."""


class Conflict(TollgateError):
    """409: an id reused with another payload, a state that forbids it, or an idempotency key clash."""


class RateLimited(TollgateError):
    """429 after the client's retries: wait ``retry_after`` seconds."""


class Unavailable(TollgateError):
    """503 ``unavailable`` after the client's retries: nothing was done; retry later with the same id."""


class OutcomeUnknown(Unavailable):
    """503 ``outcome_unknown``, or no answer to a write: it may or may not have happened.

    Retry with the same id or idempotency key: Tollgate writes it once or
    answers the replay.
    """


class APIError(TollgateError):
    """500 or another unexpected answer: Tollgate logged the real error with ``request_id``."""


class DeclinedError(TollgateError):
    """An authorization Tollgate declined: the customer cannot pay for the work.

    Raised by :meth:`Tollgate.meter` before the work runs (a decline is a 200
    answer, not an HTTP error). ``authorization`` is the declined
    authorization; ``decline_reason`` (``insufficient_funds``,
    ``no_subscription``, ``subscription_suspended``), ``required``,
    ``available`` and ``shortfall`` (what a top-up must add) are copied from it.
    """

    def __init__(self, authorization: "Authorization") -> None:
        a = authorization
        msg = f"authorization declined: {a.decline_reason or 'declined'}"
        if a.shortfall is not None and a.asset:
            msg += f"; requires {a.required} {a.asset}, {a.available} available, short by {a.shortfall}"
        super().__init__(msg, status=200, code=a.decline_reason or "declined")
        self.authorization = a
        self.decline_reason = a.decline_reason
        self.required = a.required
        self.available = a.available
        self.shortfall = a.shortfall
        self.asset = a.asset


class WebhookVerificationError(Exception):
    """A webhook whose signature, timestamp or headers do not check out: answer 400 and drop it."""


_BY_STATUS = {
    400: Invalid,
    401: AuthenticationError,
    402: InsufficientFunds,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    413: Invalid,
    422: Invalid,
    429: RateLimited,
}


def from_response(
    status: int,
    body: Any,
    request_id: Optional[str] = None,
    retry_after: Optional[float] = None,
) -> TollgateError:
    """Build the typed error for a non-2xx answer."""
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        err = {}
    code = str(err.get("code") or "")
    message = str(err.get("message") or f"Tollgate answered HTTP {status}")
    cls: type[TollgateError]
    if status == 503:
        cls = OutcomeUnknown if code == "outcome_unknown" else Unavailable
    else:
        cls = _BY_STATUS.get(status, APIError)
    return cls(
        message,
        status=status,
        code=code,
        type=str(err.get("type") or ""),
        field=err.get("param") or None,
        request_id=request_id,
        retry_after=retry_after,
        body=body if isinstance(body, dict) else None,
    )
