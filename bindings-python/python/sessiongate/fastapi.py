"""FastAPI dependencies: ``Depends(require_session(gate))`` gives the verified session (401
without one); ``Depends(require_step_up(gate, policy))`` also requires the step-up (403 with the
RFC 9470 body). Both answer 503 during an outage, keeping the cookie. Call ``install(app)``
once: refusals then answer with sessiongate's body itself and make the cookie change (without
it, FastAPI's handler answers the same status with the body under ``detail``).

The cookie is read on the event loop and authenticated without blocking it
(``authenticate_async``). ``WebOptions`` names the cookie (default ``wos-session``) and turns on
renewal (``refresh=True``: the new cookie is set on the response).
"""

from __future__ import annotations

from typing import Awaitable, Callable, Optional

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse

from sessiongate._gate import SessionGate
from sessiongate._sessiongate import StepUpPolicy
from sessiongate._web import Session, Verdict, WebOptions, cookie_header, judge_async

__all__ = ["SessionRefused", "WebOptions", "install", "require_session", "require_step_up"]

Dependency = Callable[[Request, Response], Awaitable[Session]]


class SessionRefused(HTTPException):
    """A refused request: ``verdict.refusal`` is the answer (status, body, headers)."""

    def __init__(self, verdict: Verdict, options: WebOptions) -> None:
        assert verdict.refusal is not None
        super().__init__(verdict.refusal.status, detail=verdict.refusal.body, headers=verdict.refusal.headers or None)
        self.verdict = verdict
        self.options = options


def require_session(gate: SessionGate, options: WebOptions = WebOptions()) -> Dependency:
    """A dependency giving the request's verified session."""
    return _dependency(gate, options, None)


def require_step_up(gate: SessionGate, policy: StepUpPolicy, options: WebOptions = WebOptions()) -> Dependency:
    """A dependency giving the verified session when it satisfies ``policy`` (the token's
    ``amr``, or a step-up grant in ``options.grant_cookie_name``)."""
    return _dependency(gate, options, policy)


def install(app: FastAPI) -> None:
    """Answers ``SessionRefused`` with sessiongate's exact body and headers."""

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SessionRefused) and exc.verdict.refusal is not None
        refusal = exc.verdict.refusal
        response = JSONResponse(refusal.body, status_code=refusal.status, headers=refusal.headers)
        _add_cookie(response, cookie_header(exc.verdict, exc.options, request.url.scheme == "https"))
        return response

    app.add_exception_handler(SessionRefused, refused)


def _dependency(gate: SessionGate, options: WebOptions, policy: Optional[StepUpPolicy]) -> Dependency:
    async def dependency(request: Request, response: Response) -> Session:
        verdict = await judge_async(gate, request.cookies, options, policy)
        if verdict.refusal is not None or verdict.session is None:
            raise SessionRefused(verdict, options)
        _add_cookie(response, cookie_header(verdict, options, request.url.scheme == "https"))
        return verdict.session

    return dependency


def _add_cookie(response: Response, header: Optional[str]) -> None:
    if header is not None:
        response.headers.append("set-cookie", header)
