"""Issue 18, item 4: the framework helpers (FastAPI dependencies, the Starlette middleware, Flask
and Django decorators and middleware) give the same answers, each app served over real HTTP on
127.0.0.1 (FastAPI and Starlette under uvicorn, Flask and Django as WSGI apps under wsgiref):
401 with the refusal for no valid session, 403 with the RFC 9470 body for a step-up denial,
503 + Retry-After (cookie kept) for an outage, and, with renewal on, a refreshed cookie set on
the response or a dead one deleted. Sessions come from the WorkOS API double, their cookies
sealed by workos-python itself."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from http.cookies import SimpleCookie
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from fastapi import Request  # at module level: FastAPI resolves the guide route's annotation here
from support import WorkosDouble
from workos import session as workos_session

import sessiongate
from sessiongate import StepUpPolicy
from sessiongate._web import WebOptions

SECRET = "ZnJhbWV3b3Jrcy1zdWl0ZS1jb29raWUtc2VjcmV0ISE="
MFA = StepUpPolicy(amr_any_of=["mfa"])
USER = {"object": "user", "id": "user_01WEB", "email": "web@example.com"}

# (status, JSON body, Set-Cookie headers) for a GET with these cookies.
Get = Callable[[str, Dict[str, str]], Tuple[int, Any, List[str], Dict[str, str]]]


class Servers:
    """The suite's real servers on 127.0.0.1 (free ports), stopped when the test ends."""

    def __init__(self) -> None:
        self.stops: List[Callable[[], None]] = []

    def asgi(self, app: Any) -> Get:
        import uvicorn

        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]

        def stop() -> None:
            server.should_exit = True
            thread.join(10)

        self.stops.append(stop)
        return http_get(f"http://127.0.0.1:{port}")

    def wsgi(self, app: Any) -> Get:
        class Quiet(WSGIRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

        httpd = make_server("127.0.0.1", 0, app, handler_class=Quiet)
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()

        def stop() -> None:
            httpd.shutdown()
            httpd.server_close()
            thread.join(10)

        self.stops.append(stop)
        return http_get(f"http://127.0.0.1:{httpd.server_port}")


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:  # a 3xx is the answer under test
        return None


OPENER = urllib.request.build_opener(NoRedirects)


def http_get(base: str) -> Get:
    """A GET over HTTP with these cookies, redirects not followed: (status, JSON body or None,
    Set-Cookie headers, headers)."""

    def get(path: str, cookies: Dict[str, str]) -> Tuple[int, Any, List[str], Dict[str, str]]:
        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())} if cookies else {}
        try:
            response = OPENER.open(urllib.request.Request(base + path, headers=headers), timeout=30)
        except urllib.error.HTTPError as refused:
            response = refused
        with response:
            text = response.read()
            body = json.loads(text) if response.headers.get_content_type() == "application/json" else None
            return response.status, body, response.headers.get_all("Set-Cookie") or [], dict(response.headers)

    return get


def fastapi_client(servers: Servers, gate: sessiongate.SessionGate, options: WebOptions) -> Get:
    from fastapi import Depends, FastAPI

    from sessiongate.fastapi import install, require_session, require_step_up

    app = FastAPI()
    install(app)
    app.get("/me")(lambda session=Depends(require_session(gate, options)): view(session))
    app.get("/admin")(lambda session=Depends(require_step_up(gate, MFA, options)): view(session))
    return servers.asgi(app)


def starlette_client(servers: Servers, gate: sessiongate.SessionGate, options: WebOptions) -> Get:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Mount, Route

    from sessiongate.starlette import SessionMiddleware

    def me(request: Request) -> JSONResponse:
        return JSONResponse(view(request.state.session))

    def sub(policy: Optional[StepUpPolicy]) -> Starlette:
        app = Starlette(routes=[Route("/", me)])
        app.add_middleware(SessionMiddleware, gate=gate, options=options, policy=policy)
        return app

    app = Starlette(routes=[Mount("/me", sub(None)), Mount("/admin", sub(MFA)), Route("/public", lambda r: JSONResponse({}))])
    get = servers.asgi(app)
    return lambda path, cookies: get(path + "/", cookies)


def flask_client(servers: Servers, gate: sessiongate.SessionGate, options: WebOptions) -> Get:
    from flask import Flask, g

    from sessiongate.flask import require_session, require_step_up

    app = Flask("frameworks")
    app.add_url_rule("/me", "me", require_session(gate, options)(lambda: view(g.session)))
    app.add_url_rule("/admin", "admin", require_step_up(gate, MFA, options)(lambda: view(g.session)))
    return servers.wsgi(app)


def django_client(servers: Servers, gate: sessiongate.SessionGate, options: WebOptions) -> Get:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["127.0.0.1", "testserver"], SECRET_KEY="frameworks-suite",
                           MIDDLEWARE=["sessiongate.django.SessionGateMiddleware"])
        django.setup()
    settings.SESSIONGATE_GATE, settings.SESSIONGATE_OPTIONS = gate, options
    from django.core.handlers.wsgi import WSGIHandler

    return servers.wsgi(WSGIHandler())


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


def view(session: Any) -> Dict[str, Any]:
    return {"session_id": session.session_id, "amr": session.amr}


FRAMEWORKS = {"fastapi": fastapi_client, "starlette": starlette_client, "flask": flask_client, "django": django_client}


@pytest.fixture
def double() -> Iterator[WorkosDouble]:
    with WorkosDouble() as d:
        yield d


@pytest.fixture
def servers() -> Iterator[Servers]:
    started = Servers()
    yield started
    for stop in started.stops:
        stop()


def gate_for(double: WorkosDouble, **options: Any) -> sessiongate.SessionGate:
    return sessiongate.SessionGate(client_id=double.client_id, cookie_password=SECRET, api_key=double.api_key,
                                   api_base_url=double.url, **options)


def signed_in(double: WorkosDouble, amr: List[str], age: int = 0) -> str:
    """A session whose token was issued ``age`` seconds ago (valid 300 s), in a cookie sealed by
    workos-python's own ``seal_session_from_auth_response`` (SECRET is its Fernet key)."""
    double.set_clock(time.time() - age)
    issued = double.create_session(USER, amr=amr, auth_time=int(time.time()) - age)
    double.set_clock(None)
    return workos_session.seal_session_from_auth_response(
        access_token=issued["access_token"], refresh_token=issued["refresh_token"], user=issued["user"],
        impersonator=None, cookie_password=SECRET)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_sessions_step_up_and_refusals(double: WorkosDouble, servers: Servers, framework: str) -> None:
    gate = gate_for(double)
    options = WebOptions(cookie_name="wos_session")  # WorkOS's Python examples' name
    get = FRAMEWORKS[framework](servers, gate, options)
    status, body, set_cookies, _ = get("/me", {})
    assert (status, body) == (401, {"authenticated": False, "reason": "no_session_cookie_provided", "detail": "empty_cookie"})
    assert set_cookies == []
    password_only = signed_in(double, ["pwd"])
    status, body, _, _ = get("/me", {"wos_session": password_only})
    assert status == 200 and body["amr"] == ["pwd"], body
    status, body, _, headers = get("/admin", {"wos_session": password_only})
    assert status == 403 and body["error"] == "insufficient_user_authentication", body
    assert "www-authenticate" not in {k.lower() for k in headers}  # a cookie session: 403 + body
    with_mfa = signed_in(double, ["pwd", "mfa"])
    status, body, _, _ = get("/admin", {"wos_session": with_mfa})
    assert (status, body["amr"]) == (200, ["pwd", "mfa"])
    status, body, _, _ = get("/me", {"wos-session": with_mfa})  # another cookie name is not read
    assert status == 401
    status, body, _, _ = get("/me", {"wos_session": "garbage"})
    assert (status, body["reason"]) == (401, "invalid_session_cookie")


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_an_outage_is_a_503_that_keeps_the_cookie(double: WorkosDouble, servers: Servers, framework: str) -> None:
    cookie = signed_in(double, ["pwd", "mfa"])
    dead = sessiongate.SessionGate(client_id=double.client_id, cookie_password=SECRET, jwks_url="http://127.0.0.1:9/jwks")
    get = FRAMEWORKS[framework](servers, dead, WebOptions())
    status, body, set_cookies, headers = get("/me", {"wos-session": cookie})
    assert (status, body) == (503, {"error": "temporarily_unavailable", "code": "jwks_unavailable"})
    assert {k.lower(): v for k, v in headers.items()}["retry-after"] == "1" and set_cookies == []


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_renewal_sets_the_refreshed_cookie_and_deletes_a_dead_one(double: WorkosDouble, servers: Servers, framework: str) -> None:
    gate = gate_for(double)
    get = FRAMEWORKS[framework](servers, gate, WebOptions(refresh=True, cookie_secure=True))
    expired = signed_in(double, ["pwd", "mfa"], age=400)
    status, body, set_cookies, _ = get("/admin", {"wos-session": expired})
    assert status == 200 and body["amr"] == ["pwd", "mfa"], body  # amr kept by the refresh
    assert len(set_cookies) == 1 and set_cookies[0].startswith("wos-session=")
    attributes = set_cookies[0].lower()
    assert "httponly" in attributes and "secure" in attributes and "samesite=lax" in attributes
    renewed = SimpleCookie(set_cookies[0])["wos-session"].value
    assert gate.authenticate(renewed).authenticated is True
    # A session logged out at WorkOS cannot be refreshed: its cookie is deleted.
    ended = signed_in(double, ["pwd", "mfa"], age=400)
    urllib.request.urlopen(gate.get_logout_url(ended), timeout=30).close()
    status, body, set_cookies, _ = get("/me", {"wos-session": ended})
    assert (status, body["authenticated"]) == (401, False)
    assert len(set_cookies) == 1 and set_cookies[0].startswith("wos-session=") and "max-age=0" in set_cookies[0].lower()


def test_the_django_middleware_sets_the_session_and_refuses_nothing(double: WorkosDouble, servers: Servers) -> None:
    gate = gate_for(double)
    get = django_client(servers, gate, WebOptions())
    cookie = signed_in(double, ["pwd"])
    assert get("/seen", {"wos-session": cookie})[:2] == (200, {"seen": gate.authenticate(cookie).session_id})
    assert get("/seen", {})[:2] == (200, {"seen": None})


def test_starlette_exempt_paths_run_without_a_session(double: WorkosDouble, servers: Servers) -> None:
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from sessiongate.starlette import SessionMiddleware

    app = Starlette(routes=[Route("/login", lambda r: JSONResponse({"login": True})), Route("/me", lambda r: JSONResponse({}))])
    app.add_middleware(SessionMiddleware, gate=gate_for(double), exempt=("/login",))
    get = servers.asgi(app)
    assert get("/login", {})[:2] == (200, {"login": True})
    assert get("/me", {})[0] == 401


def guide_app(user_management: Any, cookie_password: str) -> Any:
    """The session handling of WorkOS's Flask guide (load the sealed session, authenticate, else
    refresh and set the new cookie, else back to login), written once against `user_management`:
    workos-python's or a gate, the only line a switch changes."""
    from flask import Flask, jsonify, make_response, redirect, request

    app = Flask("guide")

    @app.route("/dashboard")
    def dashboard() -> Any:
        session = user_management.load_sealed_session(session_data=request.cookies.get("wos_session"),
                                                      cookie_password=cookie_password)
        auth_response = session.authenticate()
        if auth_response.authenticated:
            return jsonify(user=auth_response.user["email"], via="authenticate")
        if auth_response.reason == "no_session_cookie_provided":
            return redirect("/login")
        try:
            result = session.refresh()
            if not result.authenticated:
                return redirect("/login")
            response = make_response(jsonify(user=result.user["email"], via="refresh"))
            response.set_cookie("wos_session", result.sealed_session, secure=True, httponly=True, samesite="lax")
            return response
        except Exception:
            response = make_response(redirect("/login"))
            response.delete_cookie("wos_session")
            return response

    return app


def fastapi_guide_app(user_management: Any, cookie_password: str) -> Any:
    """The same flow as WorkOS's FastAPI guide has it (``async def``, ``RedirectResponse``)."""
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse, RedirectResponse

    app = FastAPI()

    @app.get("/dashboard")
    async def dashboard(request: Request) -> Any:
        session = user_management.load_sealed_session(session_data=request.cookies.get("wos_session"),
                                                      cookie_password=cookie_password)
        auth_response = session.authenticate()
        if auth_response.authenticated:
            return {"user": auth_response.user["email"], "via": "authenticate"}
        if auth_response.reason == "no_session_cookie_provided":
            return RedirectResponse("/login", status_code=302)
        try:
            result = session.refresh()
            if not result.authenticated:
                return RedirectResponse("/login", status_code=302)
            response = JSONResponse({"user": result.user["email"], "via": "refresh"})
            response.set_cookie("wos_session", result.sealed_session, secure=True, httponly=True, samesite="lax")
            return response
        except Exception:
            response = RedirectResponse("/login", status_code=302)
            response.delete_cookie("wos_session")
            return response

    return app


@pytest.mark.parametrize("guide", ["flask", "fastapi"])
def test_workos_guides_run_unchanged_on_a_gate(double: WorkosDouble, servers: Servers, guide: str) -> None:
    from workos import WorkOSClient

    client = WorkOSClient(api_key=double.api_key, client_id=double.client_id, base_url=double.url + "/")
    outcomes = {}
    for name, user_management in {"workos": client.user_management, "sessiongate": gate_for(double)}.items():
        if guide == "flask":
            get = servers.wsgi(guide_app(user_management, SECRET))
        else:
            get = servers.asgi(fastapi_guide_app(user_management, SECRET))
        cases = {"valid": signed_in(double, ["pwd", "mfa"]), "expired": signed_in(double, ["pwd", "mfa"], age=400),
                 "garbage": "not-a-cookie"}
        outcome = {case: get_raw(get, cookie) for case, cookie in cases.items()}
        outcome["missing"] = get_raw(get, None)
        outcomes[name] = outcome
    assert outcomes["sessiongate"] == outcomes["workos"]
    assert outcomes["workos"] == {
        "valid": (200, {"user": USER["email"], "via": "authenticate"}, False),
        "expired": (200, {"user": USER["email"], "via": "refresh"}, True),
        "garbage": (302, None, False),
        "missing": (302, None, False),
    }


def get_raw(get: Get, cookie: Optional[str]) -> Tuple[int, Any, bool]:
    """(status, JSON body or None for a redirect, whether a new session cookie was set)."""
    status, body, set_cookies, _ = get("/dashboard", {"wos_session": cookie} if cookie else {})
    renewed = any(line.startswith("wos_session=") and "max-age=0" not in line.lower() and "expires=thu, 01 jan 1970" not in line.lower()
                  for line in set_cookies)
    return status, body if status == 200 else None, renewed
