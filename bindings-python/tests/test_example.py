"""The FastAPI example, through its test client: the privileged routes need a step-up policy
(MFA within 10 minutes): 403 + JSON body for cookies, 401 + WWW-Authenticate for bearer tokens;
a password-only session steps up through the example's routes (against the WorkOS API double)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Iterator, List, Optional

import pytest
from fastapi.testclient import TestClient
from support import Peer

import sessiongate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
from fastapi_app import COOKIE_NAME, create_app  # noqa: E402

MFA_BODY = {"error": "insufficient_user_authentication",
            "error_description": "Multi-factor authentication is required", "max_age": 600}
MFA_HEADER = ('Bearer error="insufficient_user_authentication", '
              'error_description="Multi-factor authentication is required", max_age=600')


@pytest.fixture(scope="module")
def client(gate: sessiongate.SessionGate) -> Iterator[TestClient]:
    with TestClient(create_app(gate)) as client:
        yield client


def jar(cookie: str) -> dict:
    return {"Cookie": f"{COOKIE_NAME}={cookie}"}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def token_for(peer: Peer, amr: List[str], auth_age: int = 60) -> str:
    now = int(time.time())
    return peer.token(user_id="user_01EXAMPLE", sid=f"session_01EXAMPLE_{'_'.join(amr) or 'none'}", amr=amr,
                      auth_time=now - auth_age)


def cookie_for(peer: Peer, gate: sessiongate.SessionGate, amr: list, fmt: str = "fernet",
               auth_age: int = 60) -> str:
    user = peer.user("user_01EXAMPLE", "example@example.com")
    return gate.seal_session(access_token=token_for(peer, amr, auth_age), refresh_token="refresh", user=user,
                             format=fmt)


@pytest.mark.parametrize("fmt", ["fernet", "iron"])
def test_mfa_session_may_use_the_privileged_route(client: TestClient, peer: Peer, gate: sessiongate.SessionGate,
                                                  fmt: str) -> None:
    cookie = cookie_for(peer, gate, ["pwd", "mfa"], fmt)
    me = client.get("/me", headers=jar(cookie))
    assert me.status_code == 200
    assert me.json() == {"session_id": "session_01EXAMPLE_pwd_mfa", "email": "example@example.com",
                         "amr": ["pwd", "mfa"]}
    admin = client.post("/admin/rotate-keys", headers=jar(cookie))
    assert admin.status_code == 200, admin.text
    assert admin.json() == {"ok": True, "by": "session_01EXAMPLE_pwd_mfa"}


@pytest.mark.parametrize("amr", [["pwd"], []], ids=["password-only", "empty-amr"])
def test_session_without_mfa_gets_403(client: TestClient, peer: Peer, gate: sessiongate.SessionGate,
                                      amr: list) -> None:
    cookie = cookie_for(peer, gate, amr)
    assert client.get("/me", headers=jar(cookie)).status_code == 200
    admin = client.post("/admin/rotate-keys", headers=jar(cookie))
    assert admin.status_code == 403
    assert admin.json() == MFA_BODY
    assert "www-authenticate" not in admin.headers


def test_stale_mfa_session_gets_403(client: TestClient, peer: Peer, gate: sessiongate.SessionGate) -> None:
    admin = client.post("/admin/rotate-keys", headers=jar(cookie_for(peer, gate, ["pwd", "mfa"], auth_age=3600)))
    assert admin.status_code == 403
    assert admin.json() == {"error": "insufficient_user_authentication",
                            "error_description": "A more recent authentication is required", "max_age": 600}


def test_no_or_bad_cookie_gets_401(client: TestClient, peer: Peer, gate: sessiongate.SessionGate) -> None:
    none = client.post("/admin/rotate-keys")
    assert none.status_code == 401
    assert none.json()["detail"] == {"reason": "no_session_cookie_provided", "detail": "empty_cookie"}
    forged = cookie_for(peer, gate, ["pwd", "mfa"])[:-6] + "AAAAA="
    bad = client.get("/me", headers=jar(forged))
    assert bad.status_code == 401
    assert bad.json()["detail"]["reason"] == "invalid_session_cookie"


def test_bearer_route_with_mfa(client: TestClient, peer: Peer) -> None:
    ok = client.post("/api/admin/rotate-keys", headers=bearer(token_for(peer, ["pwd", "mfa"])))
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"ok": True, "by": "user_01EXAMPLE"}


@pytest.mark.parametrize("amr", [["pwd"], []], ids=["password-only", "empty-amr"])
def test_bearer_route_without_mfa_gets_401_with_challenge(client: TestClient, peer: Peer, amr: list) -> None:
    denied = client.post("/api/admin/rotate-keys", headers=bearer(token_for(peer, amr)))
    assert denied.status_code == 401
    assert denied.headers["www-authenticate"] == MFA_HEADER
    assert denied.json() == MFA_BODY
    # A client of the API reads the challenge back.
    challenge: Optional[sessiongate.Challenge] = sessiongate.Challenge.parse(denied.headers["www-authenticate"])
    assert challenge is not None
    assert (challenge.error_description, challenge.max_age, challenge.acr_values) == (
        "Multi-factor authentication is required", 600, [])


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not.a.jwt"}, {"Authorization": "Basic eDp5"}],
                         ids=["none", "garbage", "basic"])
def test_bearer_route_without_a_valid_token_gets_401(client: TestClient, headers: dict) -> None:
    refused = client.post("/api/admin/rotate-keys", headers=headers)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert sessiongate.Challenge.parse(refused.headers["www-authenticate"]) is None


def test_step_up_route_denied_then_challenge_then_code_then_allowed() -> None:
    """WorkOS tokens carry no amr: the privileged route denies, the user steps up with the
    double's TOTP code through the example's routes, and the grant cookie lets them in."""
    from support import WorkosDouble

    from fastapi_app import GRANT_COOKIE, PENDING_COOKIE

    with WorkosDouble() as double:
        gate = sessiongate.SessionGate(client_id=double.client_id, cookie_password=gate_secret(), api_key=double.api_key,
                                       api_base_url=double.url)
        double.call("POST", "/_double/factors", {"user_id": "user_01STEPUP", "type": "totp"})
        issued = double.create_session({"object": "user", "id": "user_01STEPUP", "email": "step@example.com"}, amr=[])
        cookie = gate.seal_session(access_token=issued["access_token"], refresh_token=issued["refresh_token"],
                                   user=issued["user"], format="iron")
        with TestClient(create_app(gate)) as client:
            client.cookies.set(COOKIE_NAME, cookie)
            denied = client.post("/admin/rotate-keys")
            assert denied.status_code == 403 and denied.json()["error"] == "insufficient_user_authentication"
            started = client.post("/step-up/start")
            assert started.status_code == 200 and started.json()["factor_type"] == "totp"
            assert client.cookies.get(PENDING_COOKIE, "").startswith("sgp1.")
            wrong = client.post("/step-up/complete", json={"code": "000000"})
            assert wrong.status_code == 400 and wrong.json()["detail"] == {"step_up_failed": "code_invalid"}
            done = client.post("/step-up/complete", json={"code": "123456"})
            assert done.status_code == 200 and done.json()["amr"] == ["mfa", "otp"]
            assert client.cookies.get(GRANT_COOKIE, "").startswith("sgg1.")
            allowed = client.post("/admin/rotate-keys")
            assert allowed.status_code == 200 and allowed.json()["ok"] is True
            client.cookies.clear()
            client.cookies.set(COOKIE_NAME, cookie)
            client.cookies.set(GRANT_COOKIE, "sgg1.forged")
            assert client.post("/admin/rotate-keys").status_code == 403, "a forged grant counts for nothing"


def gate_secret() -> str:
    return "ZXhhbXBsZS1zdGVwLXVwLWNvb2tpZS1zZWNyZXQtMzI="
