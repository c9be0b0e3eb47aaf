"""Django: ``@require_session`` runs a view with the verified session in
``request.sessiongate`` (401 without one); ``@require_step_up(policy)`` also requires the step-up
(403 with the RFC 9470 body); ``SessionGateMiddleware`` sets ``request.sessiongate`` (the session
or None) on every request without refusing any. All answer 503 during an outage, keeping the
cookie, and set a renewed cookie on the response with ``WebOptions(refresh=True)``.

Settings: ``SESSIONGATE_GATE`` (the app's ``SessionGate``, built once) and, optionally,
``SESSIONGATE_OPTIONS`` (a ``WebOptions``: cookie name, renewal).
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Optional

from django.http import HttpRequest, HttpResponse, JsonResponse  # type: ignore[import-untyped]

from sessiongate._gate import SessionGate
from sessiongate._sessiongate import StepUpPolicy
from sessiongate._web import Verdict, WebOptions, cookie_header, judge

__all__ = ["SessionGateMiddleware", "WebOptions", "require_session", "require_step_up"]

ViewFunc = Callable[..., HttpResponse]


def _configured() -> "tuple[SessionGate, WebOptions]":
    from django.conf import settings  # type: ignore[import-untyped]  # lazy: read per request

    gate = getattr(settings, "SESSIONGATE_GATE", None)
    if not isinstance(gate, SessionGate):
        raise TypeError("settings.SESSIONGATE_GATE must be the app's sessiongate.SessionGate")
    return gate, getattr(settings, "SESSIONGATE_OPTIONS", WebOptions())


def _finish(request: HttpRequest, verdict: Verdict, options: WebOptions, response: HttpResponse) -> HttpResponse:
    header = cookie_header(verdict, options, request.is_secure())
    if header is not None:
        # Django keeps Set-Cookie in response.cookies (one header per name); load the core's.
        response.cookies.load(header)
    return response


def _guard(view: ViewFunc, policy: Optional[StepUpPolicy]) -> ViewFunc:
    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        gate, options = _configured()
        verdict = judge(gate, request.COOKIES, options, policy)
        if verdict.refusal is not None:
            refusal = JsonResponse(verdict.refusal.body, status=verdict.refusal.status, headers=verdict.refusal.headers)
            return _finish(request, verdict, options, refusal)
        setattr(request, "sessiongate", verdict.session)
        return _finish(request, verdict, options, view(request, *args, **kwargs))

    return guarded


def require_session(view: ViewFunc) -> ViewFunc:
    """Runs the view only with a verified session, in ``request.sessiongate``."""
    return _guard(view, None)


def require_step_up(policy: StepUpPolicy) -> Callable[[ViewFunc], ViewFunc]:
    """Runs the view only when the verified session satisfies ``policy``."""
    return lambda view: _guard(view, policy)


class SessionGateMiddleware:
    """Sets ``request.sessiongate`` (the verified session, or None) on every request; refuses
    nothing (use the decorators for that), answers 503 only during an outage."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        gate, options = _configured()
        verdict = judge(gate, request.COOKIES, options)
        if verdict.refusal is not None and verdict.refusal.status == 503:
            outage = JsonResponse(verdict.refusal.body, status=503, headers=verdict.refusal.headers)
            return _finish(request, verdict, options, outage)
        setattr(request, "sessiongate", verdict.session)
        return _finish(request, verdict, options, self.get_response(request))
