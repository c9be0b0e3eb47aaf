"""The step-up refusal raised by ``SessionGate.require``."""

from __future__ import annotations

from typing import Any, Dict

from sessiongate._sessiongate import Challenge, SessionGateError


class StepUpRequiredError(SessionGateError):
    """The session (or token) does not satisfy the step-up policy.

    ``status`` is 403 for a cookie session (answer with the JSON body, ``to_dict()``) and 401
    for a bearer/verified token (answer with ``WWW-Authenticate: <www_authenticate>``, RFC 9470).
    ``reason`` is ``mfa_required``, ``authentication_too_old``, ``acr_insufficient`` or
    ``claims_missing``; ``challenge`` the :class:`Challenge`.
    """

    code = "step_up_required"
    retryable = False

    reason: str
    status: int
    challenge: Challenge

    def __init__(self, reason: str, challenge: Challenge, status: int) -> None:
        super().__init__(f"step-up required ({reason}): {challenge.error_description or 'authenticate again'}")
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
