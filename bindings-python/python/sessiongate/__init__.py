"""sessiongate: open WorkOS sealed session cookies, verify the access token, and get ``amr``.

Reads the cookies every WorkOS SDK writes (Fernet from workos-python, iron ``Fe26.2`` from
@workos-inc/node and authkit-nextjs, and the ruby, go, php, dotnet and react-router formats:
``gate.formats()``), verifies the access token against the issuer's keys, and
returns workos-python's session fields plus ``amr``, ``acr``, ``auth_time`` and every verified
claim. Create one :class:`SessionGate` per app and share it across threads.

Step-up: ``gate.require(auth, StepUpPolicy(max_age=600))`` raises :class:`StepUpRequiredError`
(403 + JSON body for cookies, 401 + ``WWW-Authenticate`` for bearer tokens, RFC 9470) unless the
session used MFA recently enough; ``gate.verify_access_token`` checks bearer tokens.

Refresh (with ``api_key``): ``gate.authenticate_or_refresh(cookie)`` serves, refreshes or
clears in one call; ``gate.refresh(cookie)`` and ``gate.get_logout_url(cookie)`` as the SDKs.
An outage of the WorkOS API raises the retryable :class:`RefreshUnavailableError`.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Dict, Optional, Sequence, Union

from sessiongate._reason import AuthenticateWithSessionCookieFailureReason
from sessiongate._types import SessionImpersonator, SessionUser
from sessiongate._gate import SealedSession, SessionGate
from sessiongate._errors import (
    ApiUnavailableError,
    ConfigurationError,
    InternalError,
    JwksNotCachedError,
    JwksUnavailableError,
    KeyDerivationBusyError,
    RefreshUnavailableError,
    SealError,
    SessionGateError,
    StepUpFailedError,
    StepUpRequiredError,
    UnsealError,
)
from sessiongate._sessiongate import (
    AuthenticateWithSessionCookieErrorResponse,
    AuthenticateWithSessionCookieSuccessResponse,
    Challenge,
    RefreshWithSessionCookieErrorResponse,
    RefreshWithSessionCookieSuccessResponse,
    SessionRenewal,
    StepUpChallenge,
    StepUpDecision,
    StepUpGrant,
    StepUpPolicy,
    VerifiedToken,
    __version__,
    _workos_environment,
    error_codes,
    seal_data,
    unseal_data,
)

__all__ = [
    "ApiUnavailableError",
    "AuthenticateWithSessionCookieErrorResponse",
    "AuthenticateWithSessionCookieFailureReason",
    "AuthenticateWithSessionCookieResponse",
    "AuthenticateWithSessionCookieSuccessResponse",
    "Challenge",
    "ConfigurationError",
    "InternalError",
    "JwksNotCachedError",
    "JwksUnavailableError",
    "KeyDerivationBusyError",
    "RefreshUnavailableError",
    "RefreshWithSessionCookieErrorResponse",
    "RefreshWithSessionCookieResponse",
    "RefreshWithSessionCookieSuccessResponse",
    "SealError",
    "SealedSession",
    "SessionGate",
    "SessionGateError",
    "SessionImpersonator",
    "SessionRenewal",
    "SessionUser",
    "StepUpChallenge",
    "StepUpDecision",
    "StepUpFailedError",
    "StepUpGrant",
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


def _dataclass_compatible(cls: type) -> None:
    """Lets ``dataclasses.asdict``, FastAPI and pydantic serialize a result as they serialize
    workos-python's dataclass: the fields are the class's ``_served_fields`` (never the access
    token; ``to_dict()`` has it). Instances stay immutable and keep the core's session."""
    shape = dataclasses.make_dataclass(cls.__name__, getattr(cls, "_served_fields"))
    setattr(cls, "__dataclass_fields__", {field.name: field for field in dataclasses.fields(shape)})


_dataclass_compatible(AuthenticateWithSessionCookieSuccessResponse)
_dataclass_compatible(AuthenticateWithSessionCookieErrorResponse)

AuthenticateWithSessionCookieResponse = Union[
    AuthenticateWithSessionCookieSuccessResponse, AuthenticateWithSessionCookieErrorResponse
]
"""What ``authenticate`` returns: check ``.authenticated``."""

RefreshWithSessionCookieResponse = Union[
    RefreshWithSessionCookieSuccessResponse, RefreshWithSessionCookieErrorResponse
]
"""What ``refresh`` returns: check ``.authenticated``; set ``.sealed_session`` when it is not None."""


def load_sealed_session(
    *,
    session_data: Optional[str],
    cookie_password: Union[str, Sequence[str]],
    client_id: Optional[str] = None,
    jwks: Union[Dict[str, Any], str, None] = None,
    jwks_url: Optional[str] = None,
    issuer: Union[str, Sequence[str], None] = None,
    audience: Union[str, Sequence[str], None] = None,
    leeway: float = 0,
    api_key: Optional[str] = None,
    api_base_url: Optional[str] = None,
    formats: Optional[Sequence[str]] = None,
    allow_weak_secrets: Optional[bool] = None,
) -> SealedSession:
    """One-shot helper shaped like workos-python's ``load_sealed_session``.

    It builds a :class:`SessionGate` for this call only, whose remote key set comes from the
    process-wide key cache (one fetch per key source and process, not one per call). What is
    left out comes from the WorkOS variables, as workos-python's client reads them: ``client_id``
    from ``WORKOS_CLIENT_ID`` (a :class:`ConfigurationError` names it when neither is set),
    ``api_key`` from ``WORKOS_API_KEY``, ``api_base_url`` from ``WORKOS_BASE_URL`` or
    ``WORKOS_API_HOSTNAME`` (the core's rule, shared with Node's ``loadSealedSession``). With an
    API key, the returned session's ``.refresh()`` works too. An app should still build one gate
    at startup and call ``gate.authenticate(cookie)``.
    """
    workos = _workos_environment(os.environ, [] if client_id is not None else ["WORKOS_CLIENT_ID"])
    gate = SessionGate(
        client_id=client_id if client_id is not None else workos["client_id"],
        cookie_password=cookie_password,
        jwks=jwks,
        jwks_url=jwks_url,
        issuer=issuer,
        audience=audience,
        leeway=leeway,
        api_key=api_key if api_key is not None else workos.get("api_key"),
        api_base_url=api_base_url if api_base_url is not None else workos.get("api_base_url"),
        formats=formats,
        allow_weak_secrets=allow_weak_secrets,
        shared_key_cache=True,
    )
    return gate.load_sealed_session(session_data)
