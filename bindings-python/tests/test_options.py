"""tests/vectors/options.json: every option row through ``SessionGate(...)`` (the parity table
every language runs), so Python refuses and accepts exactly what the core does."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from support import VECTORS, load_json

import sessiongate

OPTIONS = load_json(VECTORS / "options.json")
ROWS: List[Dict[str, Any]] = OPTIONS["cases"]
# The table's snake_case names, as Python keyword arguments (every other name is the same).
RENAMED = {"cookie_passwords": "cookie_password", "issuers": "issuer", "audiences": "audience"}
KNOWN = {
    "client_id", "cookie_password", "jwks", "jwks_url", "discovery_issuer", "issuer", "audience", "leeway",
    "require_exp", "max_cookie_bytes", "algorithms", "verified_token_cache", "verified_token_cache_bytes",
    "api_key", "api_base_url", "refresh_buffer_seconds", "refresh_grace_seconds", "refresh_timeout_seconds",
    "formats", "allow_weak_secrets",
}


def value(v: Any) -> Any:
    return {"NaN": float("nan"), "Infinity": float("inf")}.get(v, v) if isinstance(v, str) else v


def test_the_table_covers_every_new_option() -> None:
    named = {RENAMED.get(name, name) for row in ROWS for name in row["options"]}
    assert {"formats", "allow_weak_secrets", "api_key", "api_base_url", "refresh_buffer_seconds",
            "refresh_grace_seconds", "refresh_timeout_seconds", "verified_token_cache_bytes"} <= named
    assert len(ROWS) >= 62


@pytest.mark.parametrize("row", ROWS, ids=[row["id"] for row in ROWS])
def test_option_row(row: Dict[str, Any]) -> None:
    kwargs: Dict[str, Any] = {}
    for name, v in {**OPTIONS["base"], **row["options"]}.items():
        name = RENAMED.get(name, name)
        assert name in KNOWN, f"{row['id']}: an option this runner does not know: {name}"
        if v is not None:  # JSON null removes a base option
            kwargs[name] = value(v)
    error: Any = None
    try:
        gate = sessiongate.SessionGate(**kwargs)
        if "now" in row:
            assert gate.authenticate("x", now=value(row["now"])).authenticated is False
    except sessiongate.SessionGateError as e:
        error = e
    want = row["expected"]
    if want["code"] is None:
        assert error is None, f"{row['id']}: {error!r}"
    else:
        assert error is not None, f"{row['id']}: accepted"
        assert error.code == want["code"], row["id"]
        assert want["message_contains"] in str(error), f"{row['id']}: {error} lacks {want['message_contains']!r}"


ENVIRONMENT = load_json(VECTORS / "environment.json")


@pytest.mark.parametrize("row", ENVIRONMENT["cases"], ids=[row["id"] for row in ENVIRONMENT["cases"]])
def test_environment_row(row: Dict[str, Any]) -> None:
    """tests/vectors/environment.json: the WorkOS variables as the core reads them for
    ``load_sealed_session`` (the same rule as Node's ``loadSealedSession`` and sessiongate/next)."""
    from sessiongate._sessiongate import _workos_environment

    read = _workos_environment(row["env"], [])
    assert read == {field: v for field, v in row["expected"].items() if v is not None}, row["id"]
    assert set(row["expected"]) == set(ENVIRONMENT["fields"])
    require = row.get("require")
    if require is None:
        return
    if require["code"] is None:
        _workos_environment(row["env"], require["needed"])
    else:
        with pytest.raises(sessiongate.SessionGateError) as raised:
            _workos_environment(row["env"], require["needed"])
        assert raised.value.code == require["code"] and require["message_contains"] in str(raised.value)


def test_load_sealed_session_reads_the_workos_variables(monkeypatch: pytest.MonkeyPatch, peer: Any, jwks_server: Any) -> None:
    """What ``load_sealed_session`` is not handed comes from the WorkOS variables: here the
    client id and the API (so WorkOS's JWKS path on the real key server); a client id from
    neither is the core's error naming the variable."""
    monkeypatch.delenv("WORKOS_CLIENT_ID", raising=False)
    monkeypatch.delenv("WORKOS_BASE_URL", raising=False)
    with pytest.raises(sessiongate.ConfigurationError, match="WORKOS_CLIENT_ID"):
        sessiongate.load_sealed_session(session_data="x", cookie_password=peer.cookie_password)
    gate = sessiongate.SessionGate(client_id=peer.client_id, cookie_password=peer.cookie_password, jwks=peer.jwks)
    user = peer.user("user_01ENV", "env@example.com")
    cookie = gate.seal_session(access_token=peer.token(user_id=user["id"], sid="session_01ENV"), refresh_token="r", user=user)
    monkeypatch.setenv("WORKOS_CLIENT_ID", peer.client_id)
    monkeypatch.setenv("WORKOS_API_HOSTNAME", "127.0.0.1")
    monkeypatch.setenv("WORKOS_API_PORT", str(jwks_server.port))
    monkeypatch.setenv("WORKOS_API_HTTPS", "false")
    auth = sessiongate.load_sealed_session(session_data=cookie, cookie_password=peer.cookie_password).authenticate()
    assert isinstance(auth, sessiongate.AuthenticateWithSessionCookieSuccessResponse), auth
    assert auth.session_id == "session_01ENV"
