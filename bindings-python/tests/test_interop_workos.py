"""Interop with the real workos 10.8.0 (PyPI): cookies go both ways, the JWKS is served on 127.0.0.1;
refreshed cookies go both ways too, against the WorkOS API double (tests/double)."""

from __future__ import annotations

import time
from typing import Any, Dict

import pytest
from support import JwksServer, Peer, WorkosDouble
from workos import WorkOSClient
from workos import session as workos_session

import sessiongate

WORKOS_FIELDS = (
    "session_id", "organization_id", "role", "roles", "permissions", "user", "impersonator",
    "entitlements", "feature_flags",
)


@pytest.fixture(scope="module")
def workos_client(peer: Peer, jwks_server: JwksServer) -> WorkOSClient:
    return WorkOSClient(api_key="sk_test_interop", client_id=peer.client_id, base_url=jwks_server.base_url)


def workos_authenticate(client: WorkOSClient, cookie: str, password: str) -> Any:
    return client.user_management.load_sealed_session(session_data=cookie, cookie_password=password).authenticate()


@pytest.mark.parametrize("amr", [["pwd", "mfa"], ["pwd"], None], ids=["mfa", "pwd", "no-amr"])
@pytest.mark.parametrize("impersonator", [None, {"email": "admin@example.com", "reason": "support"}],
                         ids=["self", "impersonated"])
def test_workos_sealed_cookie_authenticates_in_sessiongate(
    peer: Peer, gate: sessiongate.SessionGate, workos_client: WorkOSClient, jwks_server: JwksServer, amr: Any,
    impersonator: Any,
) -> None:
    user = peer.user("user_01WORKOSSEALED", "ada@example.com")
    token = peer.token(user_id=user["id"], sid="session_01WORKOSSEALED", amr=amr)
    cookie = workos_session.seal_session_from_auth_response(
        access_token=token, refresh_token="refresh_secret_1", user=user, impersonator=impersonator,
        cookie_password=peer.cookie_password,
    )
    theirs = workos_authenticate(workos_client, cookie, peer.cookie_password)
    assert theirs.authenticated is True, theirs
    assert jwks_server.fetches >= 1  # workos really fetched the key set over HTTP
    ours = gate.authenticate(cookie)
    assert ours.authenticated is True, ours
    for field in WORKOS_FIELDS:
        assert getattr(ours, field) == getattr(theirs, field), field
    assert ours.amr == amr  # what workos cannot tell you
    assert ours.user == user
    assert ours.impersonator == impersonator
    assert ours.access_token == token
    assert ours.format == "fernet"
    assert ours.claims["sid"] == "session_01WORKOSSEALED"
    assert ours.auth_time == ours.claims["auth_time"]


def test_workos_seal_data_reads_in_sessiongate(peer: Peer, gate: sessiongate.SessionGate) -> None:
    token = peer.token(user_id="user_01SEALDATA", sid="session_01SEALDATA", amr=["mfa"])
    payload: Dict[str, Any] = {
        "access_token": token,
        "refresh_token": "refresh_secret_2",
        "user": peer.user("user_01SEALDATA", "grace@example.com"),
        "authentication_method": "Password",
        "extra": {"nested": [1, 2.5, True, None, "é"]},
    }
    cookie = workos_session.seal_data(payload, peer.cookie_password)
    assert sessiongate.unseal_data(cookie, peer.cookie_password) == payload
    assert gate.unseal_data(cookie) == payload
    auth = gate.authenticate(cookie)
    assert auth.authenticated is True, auth
    assert auth.amr == ["mfa"]
    assert auth.authentication_method == "Password"


@pytest.mark.parametrize("amr", [["pwd", "mfa"], ["pwd"]], ids=["mfa", "pwd"])
def test_sessiongate_fernet_cookie_authenticates_in_workos(
    peer: Peer, gate: sessiongate.SessionGate, workos_client: WorkOSClient, amr: Any
) -> None:
    user = peer.user("user_01OURSEALED", "linus@example.com")
    impersonator = {"email": "admin@example.com", "reason": None}
    token = peer.token(user_id=user["id"], sid="session_01OURSEALED", amr=amr, org_id="org_01OURS")
    cookie = gate.seal_session(
        access_token=token, refresh_token="refresh_secret_3", user=user, impersonator=impersonator, format="fernet"
    )
    assert not cookie.startswith("Fe26.")
    theirs = workos_authenticate(workos_client, cookie, peer.cookie_password)
    assert theirs.authenticated is True, theirs
    assert theirs.session_id == "session_01OURSEALED"
    assert theirs.organization_id == "org_01OURS"
    assert theirs.user == user
    assert theirs.impersonator == impersonator
    ours = gate.authenticate(cookie)
    for field in WORKOS_FIELDS:
        assert getattr(ours, field) == getattr(theirs, field), field
    assert ours.amr == amr
    # workos's own unseal reads our snake_case payload, refresh token included.
    unsealed = workos_session.unseal_data(cookie, peer.cookie_password)
    assert unsealed == {"access_token": token, "refresh_token": "refresh_secret_3", "user": user,
                        "impersonator": impersonator}


def test_sessiongate_seal_data_reads_in_workos(peer: Peer) -> None:
    data = {"a": [1, 2, {"b": None}], "unicode": "日本", "float": 0.5}
    cookie = sessiongate.seal_data(data, peer.cookie_password)
    assert workos_session.unseal_data(cookie, peer.cookie_password) == data


def test_workos_refuses_what_sessiongate_refuses(
    peer: Peer, gate: sessiongate.SessionGate, workos_client: WorkOSClient
) -> None:
    user = peer.user("user_01EXPIRED", "old@example.com")
    token = peer.token(user_id=user["id"], sid="session_01EXPIRED", ttl=-10)
    cookie = gate.seal_session(access_token=token, refresh_token="r", user=user)
    theirs = workos_authenticate(workos_client, cookie, peer.cookie_password)
    ours = gate.authenticate(cookie)
    assert theirs.authenticated is False and ours.authenticated is False
    assert ours.reason == theirs.reason.value == "invalid_jwt"
    assert ours.detail == "expired"


def test_iron_cookie_round_trip(peer: Peer) -> None:
    password = "an-iron-password-of-at-least-32-characters!"
    gate = sessiongate.SessionGate(client_id=peer.client_id, cookie_password=password, jwks=peer.jwks)
    user = peer.user("user_01IRON", "iron@example.com")
    token = peer.token(user_id=user["id"], sid="session_01IRON", amr=["pwd", "mfa"])
    cookie = gate.seal_session(
        access_token=token, refresh_token="refresh_secret_4", user=user, authentication_method="Password",
        organization_id="org_01INTEROP", format="iron",
    )
    assert cookie.startswith("Fe26.2*1*") and cookie.endswith("~2")
    auth = gate.authenticate(cookie)
    assert auth.authenticated is True, auth
    assert auth.format == "iron"
    assert auth.session_id == "session_01IRON"
    assert auth.amr == ["pwd", "mfa"]
    assert auth.authentication_method == "Password"
    assert auth.user == user
    # iron payloads are camelCase, as @workos-inc/node writes them.
    unsealed = sessiongate.unseal_data(cookie, password)
    assert unsealed == {"accessToken": token, "refreshToken": "refresh_secret_4", "user": user,
                        "authenticationMethod": "Password", "organizationId": "org_01INTEROP"}
    assert sessiongate.unseal_data(sessiongate.seal_data({"x": 1}, password, format="iron"), password) == {"x": 1}
    # A Fernet-only key cannot open iron, and the wrong password is a clean failure.
    other = sessiongate.SessionGate(client_id=peer.client_id, cookie_password="x" * 40, jwks=peer.jwks)
    refused = other.authenticate(cookie)
    assert refused.authenticated is False and refused.detail == "mac_mismatch"


# --- refresh against the WorkOS API double, both ways ------------------------------------------

REFRESH_KEY = "cmVmcmVzaC1zdWl0ZS1jb29raWUtc2VjcmV0LTMyYiE="  # a Fernet key (and an iron password)


@pytest.fixture
def double() -> Any:
    with WorkosDouble() as d:
        # Frozen 10 s in the past: workos-python checks exp against the real clock, and a token
        # whose iat is a fraction of a second ahead of ours would be iat_in_future (leeway 0).
        d.set_clock(int(time.time()) - 10)
        yield d


def double_session(double: WorkosDouble, user_id: str) -> Dict[str, Any]:
    user = {"object": "user", "id": user_id, "email": "ada@example.com", "first_name": "Ada", "last_name": None}
    issued: Dict[str, Any] = double.create_session(user, organization_id="org_01INTEROP", amr=["pwd", "mfa"])
    return issued


def double_client(double: WorkosDouble) -> WorkOSClient:
    return WorkOSClient(api_key=double.api_key, client_id=double.client_id, base_url=double.url)


def test_a_cookie_sessiongate_refreshed_opens_in_workos(double: WorkosDouble) -> None:
    gate = sessiongate.SessionGate(client_id=double.client_id, cookie_password=REFRESH_KEY, api_key=double.api_key,
                                   api_base_url=double.url)
    issued = double_session(double, "user_01OURREFRESH")
    old = gate.seal_session(access_token=issued["access_token"], refresh_token=issued["refresh_token"],
                            user=issued["user"], format="fernet")
    ours = gate.refresh(old)
    assert isinstance(ours, sessiongate.RefreshWithSessionCookieSuccessResponse), ours
    assert ours.access_token != issued["access_token"] and ours.amr == ["pwd", "mfa"]
    theirs = workos_authenticate(double_client(double), ours.sealed_session, REFRESH_KEY)
    assert theirs.authenticated is True, theirs
    assert double.calls("jwks") >= 2  # workos fetched the double's key set itself
    for field in WORKOS_FIELDS:
        assert getattr(ours, field) == getattr(theirs, field), field
    unsealed = workos_session.unseal_data(ours.sealed_session, REFRESH_KEY)
    assert unsealed["access_token"] == ours.access_token and unsealed["refresh_token"] != issued["refresh_token"]
    assert unsealed["user"] == issued["user"]


def test_a_cookie_workos_refreshed_opens_in_sessiongate(double: WorkosDouble) -> None:
    issued = double_session(double, "user_01THEIRREFRESH")
    old = workos_session.seal_session_from_auth_response(
        access_token=issued["access_token"], refresh_token=issued["refresh_token"], user=issued["user"],
        impersonator=None, cookie_password=REFRESH_KEY,
    )
    session = double_client(double).user_management.load_sealed_session(session_data=old, cookie_password=REFRESH_KEY)
    theirs = session.refresh()
    assert isinstance(theirs, workos_session.RefreshWithSessionCookieSuccessResponse), theirs
    assert double.calls() == 1
    gate = sessiongate.SessionGate(client_id=double.client_id, cookie_password=REFRESH_KEY, jwks_url=double.jwks_url)
    ours = gate.authenticate(theirs.sealed_session)
    assert isinstance(ours, sessiongate.AuthenticateWithSessionCookieSuccessResponse), ours
    for field in WORKOS_FIELDS:
        assert getattr(ours, field) == getattr(theirs, field), field
    assert ours.amr == ["pwd", "mfa"]  # what workos cannot tell you
    assert ours.format == "fernet" and ours.session_id == theirs.session_id
    # And sessiongate refreshes the cookie workos wrote (the rotated refresh token inside it).
    again = sessiongate.SessionGate(client_id=double.client_id, cookie_password=REFRESH_KEY, api_key=double.api_key,
                                    api_base_url=double.url).refresh(theirs.sealed_session)
    assert isinstance(again, sessiongate.RefreshWithSessionCookieSuccessResponse), again
    assert double.calls() == 2 and again.session_id == theirs.session_id
