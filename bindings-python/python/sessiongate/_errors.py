"""The exception classes: one per core error code (``sessiongate.error_codes()`` lists them, with
their retryability, and the suite checks every one has its class here)."""

from __future__ import annotations

from typing import Any, ClassVar, Dict, Optional

from sessiongate._sessiongate import Challenge


class SessionGateError(Exception):
    """Base class of every sessiongate error. ``code`` is the core's stable, cross-language code."""

    __module__ = "sessiongate"
    code: ClassVar[str] = "internal_error"
    retryable: ClassVar[bool] = False


class ConfigurationError(SessionGateError, ValueError):
    """The configuration or an argument cannot work (a bad option, a negative ``now``...)."""

    __module__ = "sessiongate"
    code = "configuration_error"


class JwksUnavailableError(SessionGateError):
    """No usable key set could be obtained (an outage, retryable): answer 503, do not log the user out."""

    __module__ = "sessiongate"
    code = "jwks_unavailable"
    retryable = True


class JwksNotCachedError(JwksUnavailableError):
    """A no-network call would need a key fetch: retry with the call that may fetch."""

    __module__ = "sessiongate"
    code = "jwks_not_cached"
    retryable = True


class SealError(SessionGateError):
    """The given value cannot be sealed."""

    __module__ = "sessiongate"
    code = "seal_error"


class UnsealError(SessionGateError):
    """The given sealed value cannot be opened; ``detail`` is the stable reason code (e.g. ``mac_mismatch``)."""

    __module__ = "sessiongate"
    code = "unseal_error"
    detail: Optional[str]

    def __init__(self, message: str, detail: Optional[str] = None) -> None:
        super().__init__(message)
        self.detail = detail


class StepUpRequiredError(SessionGateError):
    """The session (or token) does not satisfy the step-up policy.

    ``status`` is 403 for a cookie session (answer with the JSON body, ``to_dict()``) and 401
    for a bearer/verified token (answer with ``WWW-Authenticate: <www_authenticate>``, RFC 9470).
    ``reason`` is ``mfa_required``, ``authentication_too_old``, ``acr_insufficient`` or
    ``claims_missing``; ``challenge`` the :class:`Challenge`. Message and status are the core's.
    """

    __module__ = "sessiongate"
    code = "step_up_required"

    reason: str
    status: int
    challenge: Challenge

    def __init__(self, message: str, reason: str, challenge: Challenge, status: int) -> None:
        super().__init__(message)
        self.reason = reason
        self.challenge = challenge
        self.status = status

    @property
    def www_authenticate(self) -> str:
        """The ``WWW-Authenticate`` header value (RFC 9470)."""
        return self.challenge.www_authenticate

    def to_dict(self) -> Dict[str, Any]:
        """The JSON body: ``{"error": "insufficient_user_authentication", ...}``."""
        return self.challenge.to_dict()


class StepUpFailedError(SessionGateError):
    """A step-up could not be started or completed: never a grant. ``detail`` is the stable
    reason code: ``code_invalid``, ``challenge_expired``, ``challenge_already_verified``,
    ``challenge_not_found``, ``pending_invalid``, ``pending_other_session``, ``factor_not_found``,
    ``factor_other_user``, ``factor_type_unsupported``, ``no_factor_enrolled``,
    ``session_incomplete`` or ``api_rejected``. Start the step-up again (or ask for the code
    again after ``code_invalid``)."""

    __module__ = "sessiongate"
    code = "step_up_failed"
    detail: Optional[str]

    def __init__(self, message: str, detail: Optional[str] = None) -> None:
        super().__init__(message)
        self.detail = detail


class KeyDerivationBusyError(SessionGateError):
    """Too many new dotnet cookie salts need a key derivation right now (a flood): retry later
    (answer 503). Never a log-out."""

    __module__ = "sessiongate"
    code = "key_derivation_busy"
    retryable = True


class ApiUnavailableError(SessionGateError):
    """The WorkOS API could not answer (timeout, connection error, 5xx, 429, a broken answer),
    after the core's bounded retries. Retryable: keep the cookie and answer 503 (with
    ``Retry-After: <retry_after>`` when known); nobody is logged out by an outage.

    ``retry_after`` is the API's ``Retry-After`` in seconds, or None when it sent none.
    """

    __module__ = "sessiongate"
    code = "api_unavailable"
    retryable = True
    retry_after: Optional[float]

    def __init__(self, message: str, retry_after: Optional[float] = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RefreshUnavailableError(ApiUnavailableError):
    """A refresh (``refresh``, ``authenticate_or_refresh``, ``SealedSession.refresh``) could not
    reach the WorkOS API: what sessiongate raises for ``api_unavailable``."""

    __module__ = "sessiongate"


class InternalError(SessionGateError):
    """A bug in sessiongate (for example a caught panic). Please report it."""

    __module__ = "sessiongate"
    code = "internal_error"
