"""Seal formats of every WorkOS SDK (issue 20) through the Python API: ``formats=``,
``allow_weak_secrets=``, ``gate.formats()``, ``gate.reseal(cookie, format)``, sealing in any
format, and the retryable ``KeyDerivationBusyError`` of the dotnet derivation budget."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from test_vectors import CASES, DATA

import sessiongate

ALL = ["iron", "fernet", "ruby", "ruby-legacy", "go", "php", "php-halite", "dotnet", "react-router"]
DEFAULT = [name for name in ALL if name != "dotnet"]


def case(case_id: str) -> Dict[str, Any]:
    (found,) = [c for c in CASES if c["id"] == case_id]
    return found


def gate_for(c: Dict[str, Any], **options: Any) -> sessiongate.SessionGate:
    config = c["config"]
    return sessiongate.SessionGate(client_id=config["client_id"], cookie_password=config["cookie_passwords"],
                                   jwks=DATA["jwks"][config["jwks"]], **options)


def test_formats_lists_what_the_gate_reads() -> None:
    c = case("sessiongate-formats/fernet")
    assert gate_for(c).formats() == DEFAULT, "default: every format but dotnet, in the core's order"
    assert gate_for(c, formats=ALL).formats() == ALL
    assert gate_for(c, formats=["fernet", "iron", "fernet"]).formats() == ["iron", "fernet"]
    assert gate_for(c, formats="go").formats() == ["go"]
    for bad in ([], ["rails"], ["Iron"]):
        with pytest.raises(sessiongate.ConfigurationError, match="format"):
            gate_for(c, formats=bad)
    with pytest.raises(TypeError):
        gate_for(c, formats=[1])


@pytest.mark.parametrize("fmt", ALL)
def test_each_format_opens_and_is_named(fmt: str) -> None:
    c = case(f"sessiongate-formats/{fmt}")
    gate = gate_for(c, formats=ALL)
    auth = gate.authenticate(c["cookie"], now=c["now"])
    assert isinstance(auth, sessiongate.AuthenticateWithSessionCookieSuccessResponse), auth
    assert auth.format == fmt and auth.session_id == c["expected"]["session"]["session_id"]
    only_other = gate_for(c, formats=["react-router" if fmt != "react-router" else "iron"])
    refused = only_other.authenticate(c["cookie"], now=c["now"])
    assert isinstance(refused, sessiongate.AuthenticateWithSessionCookieErrorResponse), refused
    assert refused.reason == "invalid_session_cookie"


def test_reseal_moves_a_session_through_every_format() -> None:
    c = case("sessiongate-formats/fernet")
    now = c["now"]
    gate = gate_for(c, formats=ALL)
    original = gate.authenticate(c["cookie"], now=now)
    assert isinstance(original, sessiongate.AuthenticateWithSessionCookieSuccessResponse)
    legacy = case("sessiongate-formats/ruby-legacy")["config"]["cookie_passwords"]
    # ruby-legacy takes a raw 32-byte key: a gate whose first secret is one seals it.
    legacy_gate = sessiongate.SessionGate(client_id=c["config"]["client_id"],
                                          cookie_password=[*legacy, *c["config"]["cookie_passwords"]],
                                          jwks=DATA["jwks"][c["config"]["jwks"]], formats=ALL)
    seen: List[str] = []
    for fmt in ALL:
        sealer = legacy_gate if fmt == "ruby-legacy" else gate
        moved = sealer.reseal(c["cookie"], fmt, now=now)
        # ... and back into iron (the legacy key is also an iron password of 32 characters).
        for cookie in (moved, legacy_gate.reseal(moved, "iron", now=now)):
            auth = legacy_gate.authenticate(cookie, now=now)
            assert isinstance(auth, sessiongate.AuthenticateWithSessionCookieSuccessResponse), (fmt, auth)
            for field in ("session_id", "user", "amr", "auth_time", "access_token", "organization_id"):
                assert getattr(auth, field) == getattr(original, field), (fmt, field)
        moved_auth = legacy_gate.authenticate(moved, now=now)
        assert isinstance(moved_auth, sessiongate.AuthenticateWithSessionCookieSuccessResponse)
        seen.append(moved_auth.format)
    assert seen == ALL
    with pytest.raises(sessiongate.UnsealError) as raised:
        gate.reseal("garbage", "iron")
    assert raised.value.detail == "bad_base64"
    with pytest.raises(sessiongate.UnsealError) as raised:
        gate.reseal("gAAAAA\udcff", "iron")
    assert raised.value.detail == "malformed_seal", "not UTF-8: the detail authenticate gives"
    with pytest.raises(sessiongate.ConfigurationError, match="unknown seal format"):
        gate.reseal(c["cookie"], "rails")


def test_seal_session_in_any_format_and_weak_secrets() -> None:
    c = case("sessiongate-formats/go")
    session = c["expected"]["session"]
    gate = gate_for(c, formats=ALL)
    unsealed = gate.unseal_data(c["cookie"])
    user = unsealed["user"]
    for fmt in ("go", "php", "ruby", "php-halite", "react-router"):
        sealed = gate.seal_session(access_token=session["access_token"], refresh_token="refresh_x", user=user,
                                   format=fmt)
        auth = gate.authenticate(sealed, now=c["now"])
        assert isinstance(auth, sessiongate.AuthenticateWithSessionCookieSuccessResponse), (fmt, auth)
        assert auth.format == fmt
        assert gate.unseal_data(gate.seal_data({"k": [1, "v"]}, format=fmt)) == {"k": [1, "v"]}
    # A 14-byte secret: refused for go unless allow_weak_secrets, never for iron.
    base: Any = {"client_id": c["config"]["client_id"], "cookie_password": "short-password",
                 "jwks": DATA["jwks"][c["config"]["jwks"]]}
    with pytest.raises(sessiongate.ConfigurationError, match="allow_weak_secrets"):
        sessiongate.SessionGate(**base, formats=["go"])
    weak = sessiongate.SessionGate(**base, formats=["go"], allow_weak_secrets=True)
    sealed = weak.seal_session(access_token=session["access_token"], refresh_token="r", user=user, format="go")
    auth = weak.authenticate(sealed, now=c["now"])
    assert isinstance(auth, sessiongate.AuthenticateWithSessionCookieSuccessResponse) and auth.format == "go"
    with pytest.raises(sessiongate.ConfigurationError):
        sessiongate.SessionGate(**base, formats=["iron"], allow_weak_secrets=True)


def test_a_dotnet_salt_flood_is_the_retryable_key_derivation_busy_error() -> None:
    """Opening a cookie with a new salt costs a PBKDF2 derivation; past the core's budget per gate the
    call raises the retryable KeyDerivationBusyError (answer 503), never a failure response."""
    c = case("sessiongate-formats/dotnet")
    sealer = gate_for(c, formats=ALL)
    data = sealer.unseal_data(c["cookie"])
    cookies = [sealer.seal_data(data, format="dotnet") for _ in range(30)]  # 30 new salts
    reader = gate_for(c, formats=ALL)  # its own key cache and derivation budget
    opened, busy = 0, []
    for sealed in cookies:
        try:
            auth = reader.authenticate(sealed, now=c["now"])
            assert auth.authenticated is True, auth
            opened += 1
        except sessiongate.KeyDerivationBusyError as e:
            busy.append(e)
    assert opened >= 1 and busy, f"{opened} opened, {len(busy)} busy: the budget bounds the derivations"
    err = busy[0]
    assert isinstance(err, sessiongate.SessionGateError)
    assert (err.code, err.retryable) == ("key_derivation_busy", True)
