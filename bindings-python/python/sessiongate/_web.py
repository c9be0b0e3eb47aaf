"""What the framework helpers share (``sessiongate.fastapi``, ``.starlette``, ``.flask``,
``.django``): read the session cookie, authenticate it (or renew it), judge a step-up policy,
and say what to answer. Each helper only moves this into its framework's request and response.

The answers are the core's (``sessiongate::Refusal``, shared with Node's helpers): no valid
session is 401 with the refusal (reason, detail); a step-up denial 403 and the RFC 9470 body for
a cookie session; an outage of the keys or the WorkOS API 503 with ``Retry-After``, the cookie
kept (never a log-out). So are the default cookie names and a renewed cookie's attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional

from sessiongate._errors import SessionGateError, StepUpRequiredError
from sessiongate._gate import SessionGate
from sessiongate._sessiongate import (
    _DEFAULT_COOKIE_NAME,
    _DEFAULT_GRANT_COOKIE_NAME,
    AuthenticateWithSessionCookieSuccessResponse,
    SessionRenewal,
    StepUpPolicy,
    _session_cookie_header,
)

Session = AuthenticateWithSessionCookieSuccessResponse


@dataclass(frozen=True)
class WebOptions:
    """How the helpers find and keep the session.

    ``cookie_name``: the session cookie (authkit's default ``wos-session``; WorkOS's Python
    examples use ``wos_session``). ``grant_cookie_name``: where the app keeps a step-up grant
    (``complete_step_up``), counted by step-up checks. ``refresh``: renew an expired (or soon
    expiring) session through the WorkOS API (``authenticate_or_refresh``; the gate needs
    ``api_key``) and set the new cookie on the response, or delete a cookie that cannot become
    valid again. ``cookie_secure``: the ``Secure`` flag of a cookie set (None: when the request
    came over https).
    """

    cookie_name: str = _DEFAULT_COOKIE_NAME
    grant_cookie_name: str = _DEFAULT_GRANT_COOKIE_NAME
    refresh: bool = False
    cookie_secure: Optional[bool] = None


@dataclass(frozen=True)
class Refusal:
    """The answer to send instead of running the route."""

    status: int
    body: Dict[str, Any]
    headers: Dict[str, str] = field(default_factory=dict)

    @staticmethod
    def of(answer: Dict[str, Any]) -> "Refusal":
        """The core's ``{"status", "body", "headers"}``."""
        return Refusal(**answer)


@dataclass(frozen=True)
class Verdict:
    """What a request gets: the session (or None), a refusal (or None), and the cookie change
    to make on whatever response goes out (``new_cookie`` to set, or ``clear_cookie``)."""

    session: Optional[Session]
    refusal: Optional[Refusal]
    new_cookie: Optional[str] = None
    clear_cookie: bool = False


def judge(gate: SessionGate, cookies: Mapping[str, str], options: WebOptions,
          policy: Optional[StepUpPolicy] = None) -> Verdict:
    """The verdict for a request with these cookies (blocking: the network may be used)."""
    cookie = cookies.get(options.cookie_name)
    try:
        if options.refresh:
            return _verdict(gate, cookies, options, policy, gate.authenticate_or_refresh(cookie))
        return _verdict(gate, cookies, options, policy, gate.authenticate(cookie))
    except SessionGateError as error:
        return _outage(error)


async def judge_async(gate: SessionGate, cookies: Mapping[str, str], options: WebOptions,
                      policy: Optional[StepUpPolicy] = None) -> Verdict:
    """``judge`` for ``async`` frameworks: the event loop never waits on the network."""
    cookie = cookies.get(options.cookie_name)
    try:
        if options.refresh:
            return _verdict(gate, cookies, options, policy, await gate.authenticate_or_refresh_async(cookie))
        return _verdict(gate, cookies, options, policy, await gate.authenticate_async(cookie))
    except SessionGateError as error:
        return _outage(error)


def cookie_header(verdict: Verdict, options: WebOptions, https: bool) -> Optional[str]:
    """The ``Set-Cookie`` value of the verdict's cookie change (the core's: ``HttpOnly``,
    ``SameSite=Lax``, ``Path=/``, ``Secure`` over https unless ``cookie_secure`` says), or None."""
    if verdict.new_cookie is None and not verdict.clear_cookie:
        return None
    secure = https if options.cookie_secure is None else options.cookie_secure
    return _session_cookie_header(options.cookie_name, verdict.new_cookie, secure)


def _verdict(gate: SessionGate, cookies: Mapping[str, str], options: WebOptions,
             policy: Optional[StepUpPolicy], result: Any) -> Verdict:
    new_cookie, clear = None, False
    if isinstance(result, SessionRenewal):
        result, new_cookie, clear = result.auth, result.sealed_session, result.clear_cookie
    if not isinstance(result, Session):
        return Verdict(None, Refusal.of(result._refusal()), new_cookie, clear)
    if policy is not None:
        try:
            gate.require(result, policy, grant=cookies.get(options.grant_cookie_name))
        except StepUpRequiredError as denial:
            return Verdict(result, Refusal.of(getattr(denial, "_refusal")), new_cookie, clear)
    return Verdict(result, None, new_cookie, clear)


def _outage(error: SessionGateError) -> Verdict:
    """A retryable error (keys, the WorkOS API, the derivation budget) is a 503, the cookie
    kept; anything else (a configuration error) is the app's bug and raises."""
    answer = getattr(error, "_refusal", None)
    if answer is None:
        raise error
    return Verdict(None, Refusal.of(answer))
