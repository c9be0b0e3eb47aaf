"""Issue 18, item 4: the framework helpers (FastAPI dependencies, the Starlette middleware, Flask
and Django decorators and middleware) give the same answers, through each real framework's own
test client: 401 with the refusal for no valid session, 403 with the RFC 9470 body for a step-up
denial, 503 + Retry-After (cookie kept) for an outage, and, with renewal on, a refreshed cookie
set on the response or a dead one deleted. Sessions come from the WorkOS API double."""

from __future__ import annotations

import time
import urllib.request
from http.cookies import SimpleCookie
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest
from support import WorkosDouble

import sessiongate
from sessiongate import StepUpPolicy
from sessiongate._web import WebOptions

SECRET = "ZnJhbWV3b3Jrcy1zdWl0ZS1jb29raWUtc2VjcmV0ISE="
MFA = StepUpPolicy(amr_any_of=["mfa"])
USER = {"object": "user", "id": "user_01WEB", "email": "web@example.com"}

# (status, JSON body, Set-Cookie headers) for a GET with these cookies.
Get = Callable[[str, Dict[str, str]], Tuple[int, Any, List[str], Dict[str, str]]]


def fastapi_client(gate: sessiongate.SessionGate, options: WebOptions) -> Get:
    from fastapi import Depends, FastAPI
    from fastapi.testclient import TestClient

    from sessiongate.fastapi import install, require_session, require_step_up

    app = FastAPI()
    install(app)
    app.get("/me")(lambda session=Depends(require_session(gate, options)): view(session))
    app.get("/admin")(lambda session=Depends(require_step_up(gate, MFA, options)): view(session))
    return asgi_get(TestClient(app))


def starlette_client(gate: sessiongate.SessionGate, options: WebOptions) -> Get:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Mount, Route
    from starlette.testclient import TestClient

    from sessiongate.starlette import SessionMiddleware

    def me(request: Request) -> JSONResponse:
        return JSONResponse(view(request.state.session))

    def sub(policy: Optional[StepUpPolicy]) -> Starlette:
        app = Starlette(routes=[Route("/", me)])
        app.add_middleware(SessionMiddleware, gate=gate, options=options, policy=policy)
        return app

    app = Starlette(routes=[Mount("/me", sub(None)), Mount("/admin", sub(MFA)), Route("/public", lambda r: JSONResponse({}))])
    client = TestClient(app)
    return asgi_get(client, suffix="/")


def flask_client(gate: sessiongate.SessionGate, options: WebOptions) -> Get:
    from flask import Flask, g

    from sessiongate.flask import require_session, require_step_up

    app = Flask("frameworks")
    app.add_url_rule("/me", "me", require_session(gate, options)(lambda: view(g.session)))
    app.add_url_rule("/admin", "admin", require_step_up(gate, MFA, options)(lambda: view(g.session)))
    client = app.test_client()

    def get(path: str, cookies: Dict[str, str]) -> Tuple[int, Any, List[str], Dict[str, str]]:
        for name, value in cookies.items():
            client.set_cookie(name, value)
        response = client.get(path)
        for name in cookies:
            client.delete_cookie(name)
        return response.status_code, response.get_json(), response.headers.getlist("Set-Cookie"), dict(response.headers)

    return get


def django_client(gate: sessiongate.SessionGate, options: WebOptions) -> Get:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["testserver"], SECRET_KEY="frameworks-suite",
                           MIDDLEWARE=["sessiongate.django.SessionGateMiddleware"])
        django.setup()
    settings.SESSIONGATE_GATE, settings.SESSIONGATE_OPTIONS = gate, options
    from django.test import Client

    client = Client()

    def get(path: str, cookies: Dict[str, str]) -> Tuple[int, Any, List[str], Dict[str, str]]:
        client.cookies = SimpleCookie(cookies)
        response = client.get(path)
        set_cookies = [morsel.OutputString() for morsel in response.cookies.values()]
        return response.status_code, response.json(), set_cookies, dict(response.headers)

    return get


def _django_urls() -> List[Any]:
    from django.http import HttpRequest, JsonResponse
    from django.urls import path

    from sessiongate.django import require_session, require_step_up

    def seen(request: HttpRequest) -> JsonResponse:  # the middleware's, refusing nothing
        session = getattr(request, "sessiongate")
        return JsonResponse({"seen": session.session_id if session else None})

    return [
        path("me", require_session(lambda request: JsonResponse(view(request.sessiongate)))),
        path("admin", require_step_up(MFA)(lambda request: JsonResponse(view(request.sessiongate)))),
        path("seen", seen),
    ]


def __getattr__(name: str) -> Any:  # Django reads ROOT_URLCONF's urlpatterns lazily
    if name == "urlpatterns":
        return _django_urls()
    raise AttributeError(name)


def asgi_get(client: Any, suffix: str = "") -> Get:
    def get(path: str, cookies: Dict[str, str]) -> Tuple[int, Any, List[str], Dict[str, str]]:
        client.cookies.clear()
        for name, value in cookies.items():
            client.cookies.set(name, value)
        response = client.get(path + suffix)
        return response.status_code, response.json(), response.headers.get_list("set-cookie"), dict(response.headers)

    return get


def view(session: Any) -> Dict[str, Any]:
    return {"session_id": session.session_id, "amr": session.amr}


FRAMEWORKS = {"fastapi": fastapi_client, "starlette": starlette_client, "flask": flask_client, "django": django_client}


@pytest.fixture
def double() -> Iterator[WorkosDouble]:
    with WorkosDouble() as d:
        yield d


def gate_for(double: WorkosDouble, **options: Any) -> sessiongate.SessionGate:
    return sessiongate.SessionGate(client_id=double.client_id, cookie_password=SECRET, api_key=double.api_key,
                                   api_base_url=double.url, **options)


def signed_in(double: WorkosDouble, gate: sessiongate.SessionGate, amr: List[str], age: int = 0) -> str:
    """A session whose token was issued ``age`` seconds ago (valid 300 s)."""
    double.set_clock(time.time() - age)
    issued = double.create_session(USER, amr=amr, auth_time=int(time.time()) - age)
    double.set_clock(None)
    return gate.seal_session(access_token=issued["access_token"], refresh_token=issued["refresh_token"],
                             user=issued["user"], format="fernet")


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_sessions_step_up_and_refusals(double: WorkosDouble, framework: str) -> None:
    gate = gate_for(double)
    options = WebOptions(cookie_name="wos_session")  # WorkOS's Python examples' name
    get = FRAMEWORKS[framework](gate, options)
    status, body, set_cookies, _ = get("/me", {})
    assert (status, body) == (401, {"authenticated": False, "reason": "no_session_cookie_provided", "detail": "empty_cookie"})
    assert set_cookies == []
    password_only = signed_in(double, gate, ["pwd"])
    status, body, _, _ = get("/me", {"wos_session": password_only})
    assert status == 200 and body["amr"] == ["pwd"], body
    status, body, _, headers = get("/admin", {"wos_session": password_only})
    assert status == 403 and body["error"] == "insufficient_user_authentication", body
    assert "www-authenticate" not in {k.lower() for k in headers}  # a cookie session: 403 + body
    with_mfa = signed_in(double, gate, ["pwd", "mfa"])
    status, body, _, _ = get("/admin", {"wos_session": with_mfa})
    assert (status, body["amr"]) == (200, ["pwd", "mfa"])
    status, body, _, _ = get("/me", {"wos-session": with_mfa})  # another cookie name is not read
    assert status == 401
    status, body, _, _ = get("/me", {"wos_session": "garbage"})
    assert (status, body["reason"]) == (401, "invalid_session_cookie")


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_an_outage_is_a_503_that_keeps_the_cookie(double: WorkosDouble, framework: str) -> None:
    sealing = gate_for(double)
    cookie = signed_in(double, sealing, ["pwd", "mfa"])
    dead = sessiongate.SessionGate(client_id=double.client_id, cookie_password=SECRET, jwks_url="http://127.0.0.1:9/jwks")
    get = FRAMEWORKS[framework](dead, WebOptions())
    status, body, set_cookies, headers = get("/me", {"wos-session": cookie})
    assert (status, body) == (503, {"error": "temporarily_unavailable", "code": "jwks_unavailable"})
    assert {k.lower(): v for k, v in headers.items()}["retry-after"] == "1" and set_cookies == []


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_renewal_sets_the_refreshed_cookie_and_deletes_a_dead_one(double: WorkosDouble, framework: str) -> None:
    gate = gate_for(double)
    get = FRAMEWORKS[framework](gate, WebOptions(refresh=True, cookie_secure=True))
    expired = signed_in(double, gate, ["pwd", "mfa"], age=400)
    status, body, set_cookies, _ = get("/admin", {"wos-session": expired})
    assert status == 200 and body["amr"] == ["pwd", "mfa"], body  # amr kept by the refresh
    assert len(set_cookies) == 1 and set_cookies[0].startswith("wos-session=")
    attributes = set_cookies[0].lower()
    assert "httponly" in attributes and "secure" in attributes and "samesite=lax" in attributes
    renewed = SimpleCookie(set_cookies[0])["wos-session"].value
    assert gate.authenticate(renewed).authenticated is True
    # A session logged out at WorkOS cannot be refreshed: its cookie is deleted.
    ended = signed_in(double, gate, ["pwd", "mfa"], age=400)
    urllib.request.urlopen(gate.get_logout_url(ended), timeout=30).close()
    status, body, set_cookies, _ = get("/me", {"wos-session": ended})
    assert (status, body["authenticated"]) == (401, False)
    assert len(set_cookies) == 1 and set_cookies[0].startswith("wos-session=") and "max-age=0" in set_cookies[0].lower()


def test_the_django_middleware_sets_the_session_and_refuses_nothing(double: WorkosDouble) -> None:
    gate = gate_for(double)
    get = django_client(gate, WebOptions())
    cookie = signed_in(double, gate, ["pwd"])
    assert get("/seen", {"wos-session": cookie})[:2] == (200, {"seen": gate.authenticate(cookie).session_id})
    assert get("/seen", {})[:2] == (200, {"seen": None})


def test_starlette_exempt_paths_run_without_a_session(double: WorkosDouble) -> None:
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from sessiongate.starlette import SessionMiddleware

    app = Starlette(routes=[Route("/login", lambda r: JSONResponse({"login": True})), Route("/me", lambda r: JSONResponse({}))])
    app.add_middleware(SessionMiddleware, gate=gate_for(double), exempt=("/login",))
    with TestClient(app) as client:
        assert client.get("/login").json() == {"login": True}
        assert client.get("/me").status_code == 401
