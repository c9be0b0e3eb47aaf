"""sessiongate: open WorkOS sealed session cookies, verify the access token, and get ``amr``.

Reads the cookies the WorkOS SDKs write (Fernet from workos-python, iron ``Fe26.2`` from
@workos-inc/node and authkit-nextjs), verifies the access token against the issuer's keys, and
returns workos-python's session fields plus ``amr``, ``acr``, ``auth_time`` and every verified
claim. Create one :class:`SessionGate` per app and share it across threads.

Step-up: ``gate.require(auth, StepUpPolicy(max_age=600))`` raises :class:`StepUpRequiredError`
(403 + JSON body for cookies, 401 + ``WWW-Authenticate`` for bearer tokens, RFC 9470) unless the
session used MFA recently enough; ``gate.verify_access_token`` checks bearer tokens.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Sequence, Union

from sessiongate._reason import AuthenticateWithSessionCookieFailureReason
from sessiongate._errors import (
    ConfigurationError,
    InternalError,
    JwksNotCachedError,
    JwksUnavailableError,
    SealError,
    SessionGateError,
    StepUpRequiredError,
    UnsealError,
)
from sessiongate._sessiongate import (
    AuthenticateWithSessionCookieErrorResponse,
    AuthenticateWithSessionCookieSuccessResponse,
    Challenge,
    SealedSession,
    SessionGate,
    StepUpDecision,
    StepUpPolicy,
    VerifiedToken,
    __version__,
    error_codes,
    seal_data,
    unseal_data,
)

__all__ = [
    "AuthenticateWithSessionCookieErrorResponse",
    "AuthenticateWithSessionCookieFailureReason",
    "AuthenticateWithSessionCookieResponse",
    "AuthenticateWithSessionCookieSuccessResponse",
    "Challenge",
    "ConfigurationError",
    "InternalError",
    "JwksNotCachedError",
    "JwksUnavailableError",
    "SealError",
    "SealedSession",
    "SessionGate",
    "SessionGateError",
    "StepUpDecision",
    "StepUpPolicy",
    "StepUpRequiredError",
    "UnsealError",
    "VerifiedToken",
    "__version__",
    "error_codes",
    "load_sealed_session",
    "seal_data",
    "unseal_data",
]

AuthenticateWithSessionCookieResponse = Union[
    AuthenticateWithSessionCookieSuccessResponse, AuthenticateWithSessionCookieErrorResponse
]
"""What ``authenticate`` returns: check ``.authenticated``."""


def load_sealed_session(
    *,
    session_data: Optional[str],
    cookie_password: Union[str, Sequence[str]],
    client_id: str,
    jwks: Union[Dict[str, Any], str, None] = None,
    jwks_url: Optional[str] = None,
    issuer: Union[str, Sequence[str], None] = None,
    audience: Union[str, Sequence[str], None] = None,
    leeway: float = 0,
) -> SealedSession:
    """One-shot helper shaped like workos-python's ``load_sealed_session``.

    It builds a :class:`SessionGate` for this call only; an app should build one gate at startup
    and call ``gate.authenticate(cookie)`` (no key parsing per request).
    """
    gate = SessionGate(
        client_id=client_id,
        cookie_password=cookie_password,
        jwks=jwks,
        jwks_url=jwks_url,
        issuer=issuer,
        audience=audience,
        leeway=leeway,
    )
    return gate.load_sealed_session(session_data)
