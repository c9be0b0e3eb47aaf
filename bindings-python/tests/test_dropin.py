"""Issue 18, Python: switching from workos-python is a rename. The SDK's documented call shapes
run unchanged against a gate (load_sealed_session / authenticate_with_session_cookie with
cookie_password, the reason compared with workos's own enum), results serialize as FastAPI
responses, copy, and pickle where that is safe; the *_async forms never block the event loop."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import json
import pickle
import time
from typing import Any, Awaitable, Callable, Iterator, Optional, Tuple

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from support import JwksServer, Peer, WorkosDouble
from workos import WorkOSClient
from workos import session as workos_session
from workos.session import AuthenticateWithSessionCookieFailureReason as WorkosReason

import sessiongate
from sessiongate import AuthenticateWithSessionCookieFailureReason as Reason

REFRESH = "refresh_token_DROPIN_0123456789"


def workos_cookie(peer: Peer, *, exp_in: int = 3600) -> Tuple[str, str]:
    """A cookie sealed by workos-python itself, and its access token."""
    user = peer.user("user_01DROPIN", "drop@example.com")
    token = peer.token(user_id=user["id"], sid="session_01DROPIN", amr=["pwd", "mfa"], ttl=exp_in)
    cookie = workos_session.seal_session_from_auth_response(
        access_token=token, refresh_token=REFRESH, user=user, impersonator=None, cookie_password=peer.cookie_password)
    return cookie, token


def official_handler(user_management: Any, cookie: Any, cookie_password: str) -> Tuple[str, Any]:
    """WorkOS's documented Python usage, verbatim but for what `user_management` is."""
    session = user_management.load_sealed_session(session_data=cookie, cookie_password=cookie_password)
    auth_response = session.authenticate()
    if auth_response.authenticated:
        return "ok", auth_response.user["email"]
    if auth_response.reason == WorkosReason.NO_SESSION_COOKIE_PROVIDED:
        return "login", None
    if auth_response.reason == WorkosReason.INVALID_JWT:
        return "refresh", None
    return "clear", None


def test_the_sdks_documented_usage_runs_unchanged_on_a_gate(peer: Peer, jwks_server: JwksServer) -> None:
    client = WorkOSClient(api_key="sk_test_dropin", client_id=peer.client_id, base_url=jwks_server.base_url)
    gate = sessiongate.SessionGate(client_id=peer.client_id, cookie_password=peer.cookie_password,
                                   jwks_url=jwks_server.jwks_url)
    valid, _ = workos_cookie(peer)
    expired, _ = workos_cookie(peer, exp_in=-60)
    cases = {"valid": valid, "expired": expired, "missing": None, "garbage": "not-a-cookie"}
    outcomes = {name: official_handler(gate, cookie, peer.cookie_password) for name, cookie in cases.items()}
    assert outcomes == {name: official_handler(client.user_management, cookie, peer.cookie_password)
                        for name, cookie in cases.items()}
    assert outcomes == {"valid": ("ok", "drop@example.com"), "expired": ("refresh", None),
                        "missing": ("login", None), "garbage": ("clear", None)}
    one_shot = gate.authenticate_with_session_cookie(session_data=valid, cookie_password=peer.cookie_password)
    assert one_shot.to_dict() == gate.authenticate(valid).to_dict()
    assert gate.load_sealed_session(session_data=valid).authenticate().authenticated is True


def test_a_password_the_gate_does_not_hold_is_a_configuration_error(peer: Peer, gate: sessiongate.SessionGate) -> None:
    other = "a-password-this-gate-was-never-given-0123456789"
    for call in (lambda: gate.load_sealed_session(session_data="x", cookie_password=other),
                 lambda: gate.authenticate_with_session_cookie(session_data="x", cookie_password=other)):
        with pytest.raises(sessiongate.ConfigurationError) as raised:
            call()
        assert raised.value.code == "configuration_error" and other not in str(raised.value)
    rotated = sessiongate.SessionGate(client_id=peer.client_id, cookie_password=["n" * 40, peer.cookie_password],
                                      jwks=peer.jwks)
    rotated.load_sealed_session(session_data="x", cookie_password=peer.cookie_password)  # the old one opens too


def test_reasons_equal_workos_pythons_own_members() -> None:
    for ours in Reason:
        theirs = WorkosReason[ours.name]
        assert ours == theirs and theirs == ours and not (ours != theirs) and ours == ours.value
        assert all(ours != other for other in WorkosReason if other is not theirs)
    assert Reason.INVALID_JWT != "invalid_session_cookie" and len({Reason.INVALID_JWT, "invalid_jwt"}) == 1


def test_results_serialize_as_fastapi_responses_without_the_token(peer: Peer, gate: sessiongate.SessionGate) -> None:
    app = FastAPI()

    @app.get("/me")
    def me(request: Request) -> Any:
        return gate.authenticate(request.cookies.get("wos_session"))

    cookie, token = workos_cookie(peer)
    auth = gate.authenticate(cookie)
    with TestClient(app) as http:
        refused = http.get("/me")
        http.cookies.set("wos_session", cookie)
        served = http.get("/me")
    assert served.status_code == 200 and served.json() == json.loads(json.dumps(dataclasses.asdict(auth)))
    assert served.json()["amr"] == ["pwd", "mfa"] and served.json()["user"]["email"] == "drop@example.com"
    assert token not in served.text and REFRESH not in served.text and "claims" not in served.json()
    fields = [f.name for f in dataclasses.fields(auth)]
    assert set(auth.to_dict()) - set(fields) == {"access_token", "claims"}  # the core's NOT_SERVED
    assert dataclasses.asdict(auth) == {k: v for k, v in auth.to_dict().items() if k in fields}
    assert refused.status_code == 200
    assert refused.json() == {"authenticated": False, "reason": "no_session_cookie_provided", "detail": "empty_cookie"}
    # Without a return annotation FastAPI serializes through jsonable_encoder, not pydantic.
    unannotated = FastAPI()

    @unannotated.get("/me")
    def me_unannotated(request: Request):  # type: ignore[no-untyped-def]
        return gate.authenticate(request.cookies.get("wos_session"))

    with TestClient(unannotated) as http:
        http.cookies.set("wos_session", cookie)
        assert http.get("/me").json() == served.json()


def test_results_copy_and_refusals_pickle(peer: Peer, gate: sessiongate.SessionGate) -> None:
    cookie, _ = workos_cookie(peer)
    auth = gate.authenticate(cookie)
    assert copy.copy(auth) is auth and copy.deepcopy({"a": auth})["a"] is auth
    refusal = gate.authenticate("garbage")
    assert copy.copy(refusal) is refusal
    assert isinstance(refusal, sessiongate.AuthenticateWithSessionCookieErrorResponse)
    again = pickle.loads(pickle.dumps(refusal))
    assert type(again) is type(refusal) and again.to_dict() == refusal.to_dict() and again.reason is Reason.INVALID_SESSION_COOKIE
    # A verified session is only ever what this process verified: it does not pickle.
    with pytest.raises(TypeError):
        pickle.dumps(auth)


def run_with_lag(make: Callable[[], Awaitable[Any]]) -> Tuple[Any, float]:
    """Awaits `make()` while a ticker measures how late the event loop wakes it (max lag, s)."""

    async def main() -> Tuple[Any, float]:
        lag = 0.0
        done = asyncio.Event()

        async def ticker() -> None:
            nonlocal lag
            while not done.is_set():
                start = time.monotonic()
                await asyncio.sleep(0.01)
                lag = max(lag, time.monotonic() - start - 0.01)

        tick = asyncio.create_task(ticker())
        try:
            return await make(), lag
        finally:
            done.set()
            await tick

    return asyncio.run(main())


def test_a_cold_key_fetch_runs_off_the_loop_and_a_warm_call_answers_inline(peer: Peer) -> None:
    cookie, _ = workos_cookie(peer)
    with JwksServer(peer.jwks, peer.client_id, delay=1.0) as slow:
        gate = sessiongate.SessionGate(client_id=peer.client_id, cookie_password=peer.cookie_password,
                                       jwks_url=slow.jwks_url)
        started = time.monotonic()
        auth, lag = run_with_lag(lambda: gate.authenticate_async(cookie))
        assert auth.authenticated is True and time.monotonic() - started >= 1.0 and slow.fetches == 1
        assert lag < 0.02, f"the event loop stalled {lag:.3f} s during a key fetch"

        async def warm() -> Any:
            pending = gate.authenticate_async(cookie)
            assert pending.done()  # answered on the loop, no executor hop
            return await pending

        again, _ = run_with_lag(warm)
        assert again.to_dict() == auth.to_dict() and slow.fetches == 1
        token, _ = run_with_lag(lambda: gate.verify_access_token_async(auth.access_token))
        assert token.valid is True and token.amr == ["pwd", "mfa"]


@pytest.fixture
def double() -> Iterator[WorkosDouble]:
    with WorkosDouble() as d:
        yield d


def test_an_api_outage_reaches_the_awaiting_code_and_the_loop_keeps_serving(double: WorkosDouble) -> None:
    gate = sessiongate.SessionGate(client_id=double.client_id, cookie_password="d" * 40, api_key=double.api_key,
                                   api_base_url=double.url)
    issued = double.create_session({"object": "user", "id": "user_01ASYNC", "email": "a@example.com"})
    cookie = gate.seal_session(access_token=issued["access_token"], refresh_token=issued["refresh_token"],
                               user=issued["user"], format="iron")
    refreshed, lag = run_with_lag(lambda: gate.refresh_async(cookie))
    assert refreshed.authenticated is True and refreshed.sealed_session and lag < 0.02
    renewal, _ = run_with_lag(lambda: gate.authenticate_or_refresh_async(refreshed.sealed_session))
    assert renewal.auth.authenticated is True
    double.faults(*[{"kind": "stall", "ms": 400}] * 3)  # three outlast the core's two retries
    with pytest.raises(sessiongate.RefreshUnavailableError):
        run_with_lag(lambda: gate.refresh_async(refreshed.sealed_session))


def typed_user_fields(auth: sessiongate.AuthenticateWithSessionCookieSuccessResponse) -> str:
    """Type-checked by mypy --strict (test_stubs.py): the user is workos-python's fields."""
    user = auth.user
    assert user is not None
    email: str = user["email"]
    first: Optional[str] = user.get("first_name")
    user["no_such_field"]  # type: ignore[typeddict-item]
    impersonator = auth.impersonator
    return email + (first or "") + (impersonator["email"] if impersonator else "")


def test_the_typed_user_reads_a_workos_python_cookie(peer: Peer, gate: sessiongate.SessionGate) -> None:
    cookie, _ = workos_cookie(peer)
    auth = gate.authenticate(cookie)
    assert isinstance(auth, sessiongate.AuthenticateWithSessionCookieSuccessResponse)
    with pytest.raises(KeyError):
        typed_user_fields(auth)  # the deliberate unknown key above
    assert set(auth.user or {}) <= set(sessiongate.SessionUser.__annotations__)
