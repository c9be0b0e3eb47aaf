"""``SessionGate``: the native gate (``sessiongate._sessiongate``) with workos-python's
``load_sealed_session`` shape (``SealedSession``) and its asyncio forms.

The ``*_async`` methods return futures of the running loop. A call that needs no network answers
at once (a done future: ``authenticate_async`` with the keys cached); one that may wait on the
network (a key fetch, the WorkOS API) runs on the loop's default executor, where the native call
releases the GIL, so the loop keeps serving. Argument errors (a bad ``now``, a non-str token)
raise when the call is made, as in the blocking forms.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any, Callable, Optional, TypeVar, Union

from sessiongate._errors import JwksNotCachedError
from sessiongate._sessiongate import (
    AuthenticateWithSessionCookieErrorResponse,
    AuthenticateWithSessionCookieSuccessResponse,
    RefreshWithSessionCookieErrorResponse,
    RefreshWithSessionCookieSuccessResponse,
    SessionGate as _NativeSessionGate,
    SessionRenewal,
    StepUpChallenge,
    StepUpGrant,
    VerifiedToken,
)

_T = TypeVar("_T")
_Response = Union[AuthenticateWithSessionCookieSuccessResponse, AuthenticateWithSessionCookieErrorResponse]
_RefreshResponse = Union[RefreshWithSessionCookieSuccessResponse, RefreshWithSessionCookieErrorResponse]
_TokenResponse = Union[VerifiedToken, AuthenticateWithSessionCookieErrorResponse]


def _off_loop(call: Callable[..., _T], *args: Any, **kwargs: Any) -> "asyncio.Future[_T]":
    """``call(*args, **kwargs)`` on the running loop's default executor."""
    return asyncio.get_running_loop().run_in_executor(None, functools.partial(call, *args, **kwargs))


class SealedSession:
    """A cookie bound to a gate (workos-python's ``Session`` shape): call ``.authenticate()``.
    Its ``repr`` never shows the cookie."""

    __slots__ = ("_gate", "_session_data")
    __module__ = "sessiongate"

    def __init__(self, gate: "SessionGate", session_data: Optional[str]) -> None:
        self._gate = gate
        self._session_data = session_data

    def authenticate(self, now: Optional[float] = None) -> _Response:
        """Same as ``SessionGate.authenticate(session_data, now)``."""
        return self._gate.authenticate(self._session_data, now)

    def refresh(self, *, organization_id: Optional[str] = None, now: Optional[float] = None) -> _RefreshResponse:
        """Same as ``SessionGate.refresh(session_data, organization_id, now)`` (workos-python's
        ``Session.refresh()``); the gate needs an ``api_key``."""
        return self._gate.refresh(self._session_data, organization_id, now)

    def get_logout_url(self, return_to: Optional[str] = None, now: Optional[float] = None) -> str:
        """Same as ``SessionGate.get_logout_url(session_data, return_to, now)``."""
        return self._gate.get_logout_url(self._session_data, return_to, now)

    def __repr__(self) -> str:
        return f"SealedSession(session_data=<{len(self._session_data or '')} chars, redacted>)"


class SessionGate(_NativeSessionGate):
    """Opens the sealed session cookies of every WorkOS SDK (``formats()``), verifies the access
    token and returns the session with ``amr``; with ``api_key``, refreshes sessions through the
    WorkOS API. Every keyword is a core option of the same name (``options.json``), except
    ``cookie_password``/``issuer``/``audience`` (a str or a list) and ``shared_key_cache`` (use the
    process-wide key cache of this key source, for gates built per call). Thread-safe: create one
    and share it."""

    __slots__ = ()
    __module__ = "sessiongate"

    def load_sealed_session(self, session_data: Optional[str] = None, *, cookie_password: Optional[str] = None) -> SealedSession:
        """The cookie bound to this gate, as workos-python's
        ``user_management.load_sealed_session(session_data=..., cookie_password=...)`` returns it.
        A ``cookie_password`` must be one of the gate's own (``ConfigurationError`` if not)."""
        if session_data is not None and not isinstance(session_data, str):
            raise TypeError(f"session_data must be a str or None, not {type(session_data).__name__}")
        if cookie_password is not None:
            self._check_cookie_password(cookie_password)
        return SealedSession(self, session_data)

    def authenticate_with_session_cookie(
        self, *, session_data: Optional[str], cookie_password: Optional[str] = None, now: Optional[float] = None
    ) -> _Response:
        """workos-python's one-shot ``user_management.authenticate_with_session_cookie``: the same
        as ``load_sealed_session(...).authenticate()``."""
        return self.load_sealed_session(session_data, cookie_password=cookie_password).authenticate(now)

    def authenticate_async(self, session_data: Optional[str], now: Optional[float] = None) -> "asyncio.Future[_Response]":
        """``await gate.authenticate_async(cookie)``: ``authenticate`` without blocking the event
        loop. With the keys cached (every call but the first few) it answers at once, on the loop;
        a key fetch runs on the loop's default executor."""
        loop = asyncio.get_running_loop()
        try:
            auth = self._authenticate_cached(session_data, now)
        except JwksNotCachedError:
            return _off_loop(self.authenticate, session_data, now)
        answered: "asyncio.Future[_Response]" = loop.create_future()
        answered.set_result(auth)
        return answered

    def refresh_async(
        self, session_data: Optional[str], organization_id: Optional[str] = None, now: Optional[float] = None
    ) -> "asyncio.Future[_RefreshResponse]":
        """``await gate.refresh_async(cookie)``: ``refresh`` on the loop's default executor."""
        return _off_loop(self.refresh, session_data, organization_id, now)

    def authenticate_or_refresh_async(
        self, session_data: Optional[str], now: Optional[float] = None
    ) -> "asyncio.Future[SessionRenewal]":
        """``await gate.authenticate_or_refresh_async(cookie)``: ``authenticate_or_refresh`` on the
        loop's default executor (it may call the WorkOS API)."""
        return _off_loop(self.authenticate_or_refresh, session_data, now)

    def verify_access_token_async(self, token: str, now: Optional[float] = None) -> "asyncio.Future[_TokenResponse]":
        """``await gate.verify_access_token_async(token)``: ``verify_access_token`` on the loop's
        default executor (it may fetch keys)."""
        return _off_loop(self.verify_access_token, token, now)

    def start_step_up_async(
        self, auth: AuthenticateWithSessionCookieSuccessResponse, factor_id: Optional[str] = None, now: Optional[float] = None
    ) -> "asyncio.Future[StepUpChallenge]":
        """``await gate.start_step_up_async(auth)``: ``start_step_up`` on the loop's default executor."""
        return _off_loop(self.start_step_up, auth, factor_id, now)

    def complete_step_up_async(
        self, auth: AuthenticateWithSessionCookieSuccessResponse, *, pending: str, code: str, now: Optional[float] = None
    ) -> "asyncio.Future[StepUpGrant]":
        """``await gate.complete_step_up_async(auth, pending=..., code=...)``: ``complete_step_up``
        on the loop's default executor."""
        return _off_loop(self.complete_step_up, auth, pending=pending, code=code, now=now)
