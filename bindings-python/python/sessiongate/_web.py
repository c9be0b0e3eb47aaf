"""What the framework helpers share (``sessiongate.fastapi``, ``.starlette``, ``.flask``,
``.django``): read the session cookie, authenticate it (or renew it), judge a step-up policy,
and say what to answer. Each helper only moves this into its framework's request and response.

The answers: no valid session is 401 with the refusal's ``to_dict()`` (reason, detail); a
step-up denial is the core's (403 and the RFC 9470 body for a cookie session); an outage of the
keys or the WorkOS API is 503 with ``Retry-After``, the cookie kept (never a log-out).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Mapping, Optional

from sessiongate._errors import SessionGateError, StepUpRequiredError
from sessiongate._sessiongate import (
    AuthenticateWithSessionCookieSuccessResponse,
    SessionGate,
    SessionRenewal,
    StepUpPolicy,
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

    cookie_name: str = "wos-session"
    grant_cookie_name: str = "sg-step-up"
    refresh: bool = False
    cookie_secure: Optional[bool] = None


@dataclass(frozen=True)
class Refusal:
    """The answer to send instead of running the route."""

    status: int
    body: Dict[str, Any]
    headers: Dict[str, str] = field(default_factory=dict)


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


def set_cookie_args(verdict: Verdict, options: WebOptions, https: bool) -> Optional[Dict[str, Any]]:
    """The keyword arguments of the frameworks' ``set_cookie`` for the verdict's new cookie."""
    if verdict.new_cookie is None:
        return None
    secure = https if options.cookie_secure is None else options.cookie_secure
    return {"key": options.cookie_name, "value": verdict.new_cookie, "httponly": True, "secure": secure,
            "samesite": "lax", "path": "/"}


def apply_cookie(verdict: Verdict, options: WebOptions, https: bool,
                 set_cookie: Callable[..., Any], delete_cookie: Callable[..., Any]) -> None:
    """Makes the verdict's cookie change with a framework's ``set_cookie``/``delete_cookie``."""
    args = set_cookie_args(verdict, options, https)
    if args is not None:
        set_cookie(**args)
    elif verdict.clear_cookie:
        delete_cookie(options.cookie_name, path="/")


def _verdict(gate: SessionGate, cookies: Mapping[str, str], options: WebOptions,
             policy: Optional[StepUpPolicy], result: Any) -> Verdict:
    new_cookie, clear = None, False
    if isinstance(result, SessionRenewal):
        result, new_cookie, clear = result.auth, result.sealed_session, result.clear_cookie
    if not isinstance(result, Session):
        return Verdict(None, Refusal(401, result.to_dict()), new_cookie, clear)
    if policy is not None:
        try:
            gate.require(result, policy, grant=cookies.get(options.grant_cookie_name))
        except StepUpRequiredError as denial:
            headers = {"WWW-Authenticate": denial.www_authenticate} if denial.status == 401 else {}
            return Verdict(result, Refusal(denial.status, denial.to_dict(), headers), new_cookie, clear)
    return Verdict(result, None, new_cookie, clear)


def _outage(error: SessionGateError) -> Verdict:
    """A retryable error (keys, the WorkOS API, the derivation budget) is a 503, the cookie
    kept; anything else (a configuration error) is the app's bug and raises."""
    if not error.retryable:
        raise error
    retry_after = getattr(error, "retry_after", None) or 1
    body = {"error": "temporarily_unavailable", "code": error.code}
    return Verdict(None, Refusal(503, body, {"Retry-After": str(math.ceil(retry_after))}))
