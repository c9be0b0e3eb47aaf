"""A Starlette (and FastAPI) ASGI middleware: every HTTP request outside ``exempt`` paths needs a
verified session (401 without one, 403 with the RFC 9470 body when ``policy`` is not met, 503
during an outage, the cookie kept); the route reads it from ``request.state.session``. With
``WebOptions(refresh=True)`` the renewed cookie is set on the route's response.

    app.add_middleware(SessionMiddleware, gate=gate, exempt=("/login", "/callback"))
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, MutableMapping, Optional, Sequence

from starlette.requests import Request
from starlette.responses import JSONResponse

from sessiongate._gate import SessionGate
from sessiongate._sessiongate import StepUpPolicy
from sessiongate._web import Verdict, WebOptions, cookie_header, judge_async

__all__ = ["SessionMiddleware", "WebOptions"]

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]


class SessionMiddleware:
    """Requires a verified session (and ``policy``, if given) on every HTTP request."""

    def __init__(self, app: App, gate: SessionGate, options: WebOptions = WebOptions(),
                 policy: Optional[StepUpPolicy] = None, exempt: Sequence[str] = ()) -> None:
        self.app, self.gate, self.options, self.policy, self.exempt = app, gate, options, policy, tuple(exempt)

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope["path"]).startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        verdict = await judge_async(self.gate, request.cookies, self.options, self.policy)
        https = request.url.scheme == "https"
        if verdict.refusal is not None:
            response = JSONResponse(verdict.refusal.body, status_code=verdict.refusal.status, headers=verdict.refusal.headers)
            header = cookie_header(verdict, self.options, https)
            if header is not None:
                response.headers.append("set-cookie", header)
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["session"] = verdict.session
        cookies = self._cookie_headers(verdict, https)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and cookies:
                message["headers"] = [*message.get("headers", []), *cookies]
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _cookie_headers(self, verdict: Verdict, https: bool) -> list:
        """The raw ``Set-Cookie`` header of the verdict's cookie change, if any."""
        header = cookie_header(verdict, self.options, https)
        return [] if header is None else [(b"set-cookie", header.encode("latin-1"))]
