"""Flask decorators: ``@require_session(gate)`` runs the view with the verified session in
``flask.g.session`` (401 without one); ``@require_step_up(gate, policy)`` also requires the
step-up (403 with the RFC 9470 body). Both answer 503 during an outage, keeping the cookie;
with ``WebOptions(refresh=True)`` the renewed cookie is set on the view's response.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Optional, TypeVar

from flask import Response, g, jsonify, make_response, request

from sessiongate._gate import SessionGate
from sessiongate._sessiongate import StepUpPolicy
from sessiongate._web import WebOptions, cookie_header, judge

__all__ = ["WebOptions", "require_session", "require_step_up"]

View = TypeVar("View", bound=Callable[..., Any])


def require_session(gate: SessionGate, options: WebOptions = WebOptions()) -> Callable[[View], View]:
    """Runs the view only with a verified session, in ``g.session``."""
    return _decorator(gate, options, None)


def require_step_up(gate: SessionGate, policy: StepUpPolicy, options: WebOptions = WebOptions()) -> Callable[[View], View]:
    """Runs the view only when the verified session satisfies ``policy`` (the token's ``amr``,
    or a step-up grant in ``options.grant_cookie_name``)."""
    return _decorator(gate, options, policy)


def _decorator(gate: SessionGate, options: WebOptions, policy: Optional[StepUpPolicy]) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Response:
            verdict = judge(gate, request.cookies, options, policy)
            if verdict.refusal is not None:
                response = make_response(jsonify(verdict.refusal.body), verdict.refusal.status)
                response.headers.update(verdict.refusal.headers)
            else:
                g.session = verdict.session
                response = make_response(view(*args, **kwargs))
            header = cookie_header(verdict, options, request.is_secure)
            if header is not None:
                response.headers.add("Set-Cookie", header)
            return response

        return guarded  # type: ignore[return-value]

    return decorate
