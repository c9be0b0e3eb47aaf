"""The Python API's own contract: results, errors, rotation, and secrets never shown."""

from __future__ import annotations

import json
import pickle
import threading
import time
from typing import Any, List

import pytest
from support import JwksServer, Peer

import sessiongate
from sessiongate import AuthenticateWithSessionCookieFailureReason as Reason

IRON_PASSWORD = "api-test-iron-password-0123456789abcdefgh"
REFRESH = "refresh_token_SECRET_0123456789"


def sealed(peer: Peer, gate: sessiongate.SessionGate, amr: Any = ("pwd", "mfa"), fmt: str = "fernet") -> tuple:
    user = peer.user("user_01API", "api@example.com")
    token = peer.token(user_id=user["id"], sid="session_01API", amr=list(amr) if amr else None)
    cookie = gate.seal_session(access_token=token, refresh_token=REFRESH, user=user, format=fmt)
    return cookie, token, user


def test_success_response_fields(peer: Peer, gate: sessiongate.SessionGate) -> None:
    cookie, token, user = sealed(peer, gate)
    auth = gate.authenticate(cookie)
    assert isinstance(auth, sessiongate.AuthenticateWithSessionCookieSuccessResponse)
    assert auth.authenticated is True
    assert (auth.session_id, auth.organization_id, auth.role) == ("session_01API", "org_01INTEROP", "admin")
    assert auth.roles == ["admin", "member"]
    assert auth.permissions == ["posts:read", "posts:write"]
    assert auth.entitlements == ["audit-logs"] and auth.feature_flags == ["beta-dashboard"]
    assert auth.amr == ["pwd", "mfa"] and auth.acr is None
    assert isinstance(auth.auth_time, int) and auth.auth_time == auth.claims["auth_time"]
    assert auth.user == user and auth.impersonator is None and auth.authentication_method is None
    assert auth.access_token == token and auth.format == "fernet"
    assert auth.claims["sub"] == "user_01API"
    # Immutable: attributes cannot be set, and returned containers are copies.
    with pytest.raises(AttributeError):
        auth.session_id = "other"  # type: ignore[misc]
    assert auth.roles is not None
    auth.roles.append("root")
    assert auth.roles == ["admin", "member"]
    # to_dict: JSON-ready, every attribute, never the refresh token.
    d = auth.to_dict()
    assert set(d) == {
        "authenticated", "session_id", "organization_id", "role", "roles", "permissions", "user",
        "impersonator", "entitlements", "feature_flags", "amr", "acr", "auth_time",
        "authentication_method", "access_token", "claims", "format",
    }
    for key, value in d.items():
        assert value == getattr(auth, key), key
    assert json.loads(json.dumps(d)) == d
    assert REFRESH not in json.dumps(d)


def test_now_controls_time(peer: Peer, gate: sessiongate.SessionGate) -> None:
    cookie, _, _ = sealed(peer, gate)
    claims: Any = gate.authenticate(cookie)
    exp = claims.claims["exp"]
    assert gate.authenticate(cookie, now=exp - 1).authenticated is True
    assert gate.authenticate(cookie, now=float(exp) - 0.5).authenticated is True
    late = gate.authenticate(cookie, now=exp)
    assert late.authenticated is False and late.reason == Reason.INVALID_JWT and late.detail == "expired"
    with pytest.raises(ValueError):
        gate.authenticate(cookie, now=-1)
    with pytest.raises(ValueError):
        gate.authenticate(cookie, now=float("nan"))
    lenient = sessiongate.SessionGate(client_id=peer.client_id, cookie_password=peer.cookie_password,
                                      jwks=json.dumps(peer.jwks), leeway=30)
    assert lenient.authenticate(cookie, now=exp + 29).authenticated is True
    assert lenient.authenticate(cookie, now=exp + 31).authenticated is False


def test_failures_never_raise(gate: sessiongate.SessionGate) -> None:
    for cookie, reason, detail in [
        (None, Reason.NO_SESSION_COOKIE_PROVIDED, "empty_cookie"),
        ("", Reason.NO_SESSION_COOKIE_PROVIDED, "empty_cookie"),
        ("garbage-data", Reason.INVALID_SESSION_COOKIE, "malformed_seal"),
        ("Fe26.2*1*a*b*c**d*e~2", Reason.INVALID_SESSION_COOKIE, None),
        ("gAAAAA" + "A" * 100000, Reason.INVALID_SESSION_COOKIE, "cookie_too_large"),
    ]:
        auth = gate.authenticate(cookie)
        assert isinstance(auth, sessiongate.AuthenticateWithSessionCookieErrorResponse)
        assert auth.authenticated is False
        assert auth.reason is reason and auth.reason == reason.value and str(auth.reason) == reason.value
        if detail is not None:
            assert auth.detail == detail
        assert auth.to_dict() == {"authenticated": False, "reason": reason.value, "detail": auth.detail}
        assert type(auth.to_dict()["reason"]) is str


def test_reason_enum_matches_workos() -> None:
    from workos.session import AuthenticateWithSessionCookieFailureReason as Theirs

    assert {m.name: m.value for m in Reason} == {m.name: m.value for m in Theirs}


def test_rotation(peer: Peer) -> None:
    new_key = "ZmVybmV0LWtleS1mb3Itcm90YXRpb24tdGVzdHMtMDA="
    old = sessiongate.SessionGate(client_id=peer.client_id, cookie_password=peer.cookie_password, jwks=peer.jwks)
    rotated = sessiongate.SessionGate(client_id=peer.client_id, cookie_password=[new_key, peer.cookie_password],
                                      jwks=peer.jwks)
    new_only = sessiongate.SessionGate(client_id=peer.client_id, cookie_password=(new_key,), jwks=peer.jwks)
    old_cookie, _, _ = sealed(peer, old)
    new_cookie, _, _ = sealed(peer, rotated)
    assert rotated.authenticate(old_cookie).authenticated is True
    assert rotated.authenticate(new_cookie).authenticated is True
    assert new_only.authenticate(new_cookie).authenticated is True  # the first password seals
    refused = old.authenticate(new_cookie)
    assert refused.authenticated is False and refused.detail == "mac_mismatch"


def test_configuration_errors(peer: Peer) -> None:
    bad: List[dict] = [
        {"cookie_password": "short"},
        {"cookie_password": []},
        {"cookie_password": ["x" * 40, ""]},
        {"jwks": {"keys": []}},
        {"jwks": "not json"},
        {"jwks_url": "http://127.0.0.1:1/jwks"},  # both given
        {"leeway": -1},
        {"algorithms": ["HS256"]},
        {"algorithms": ["none"]},
    ]
    for override in bad:
        kwargs: Any = {"client_id": peer.client_id, "cookie_password": peer.cookie_password, "jwks": peer.jwks}
        kwargs.update(override)
        with pytest.raises(sessiongate.ConfigurationError) as raised:
            sessiongate.SessionGate(**kwargs)
        err = raised.value
        assert isinstance(err, sessiongate.SessionGateError)
        assert err.code == "configuration_error" and err.retryable is False
    with pytest.raises(TypeError):
        sessiongate.SessionGate(client_id="c", cookie_password=b"x" * 44, jwks=peer.jwks)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        sessiongate.SessionGate(client_id="c", cookie_password=[1, 2], jwks=peer.jwks)  # type: ignore[list-item]


def test_error_classes() -> None:
    assert sessiongate.JwksUnavailableError.code == "jwks_unavailable"
    assert sessiongate.JwksUnavailableError.retryable is True
    assert sessiongate.SealError.code == "seal_error"
    assert sessiongate.UnsealError.code == "unseal_error"
    assert sessiongate.InternalError.code == "internal_error"
    assert (sessiongate.ApiUnavailableError.code, sessiongate.ApiUnavailableError.retryable) == ("api_unavailable", True)
    assert sessiongate.RefreshUnavailableError.code == "api_unavailable" and sessiongate.RefreshUnavailableError.retryable
    assert issubclass(sessiongate.RefreshUnavailableError, sessiongate.ApiUnavailableError)
    assert sessiongate.RefreshUnavailableError("x", 1.5).retry_after == 1.5
    assert sessiongate.RefreshUnavailableError("x").retry_after is None
    assert sessiongate.KeyDerivationBusyError.code == "key_derivation_busy"
    assert sessiongate.KeyDerivationBusyError.retryable is True
    for cls in (sessiongate.ConfigurationError, sessiongate.JwksUnavailableError, sessiongate.JwksNotCachedError,
                sessiongate.SealError, sessiongate.UnsealError, sessiongate.StepUpRequiredError,
                sessiongate.InternalError, sessiongate.ApiUnavailableError, sessiongate.RefreshUnavailableError,
                sessiongate.KeyDerivationBusyError):
        assert issubclass(cls, sessiongate.SessionGateError) and issubclass(cls, Exception)
        assert cls.__module__ == "sessiongate"
    # Bad arguments (an option, a negative now) stay catchable as ValueError.
    assert issubclass(sessiongate.ConfigurationError, ValueError)
    assert issubclass(sessiongate.JwksNotCachedError, sessiongate.JwksUnavailableError)


def test_every_core_error_code_has_its_class() -> None:
    """The parity test: the core's list of codes (ErrorCode::ALL) against the exported classes."""
    codes = sessiongate.error_codes()
    assert len(codes) == len({code for code, _ in codes}) >= 9
    assert {"api_unavailable", "key_derivation_busy"} <= {code for code, _ in codes}
    exported = [getattr(sessiongate, name) for name in sessiongate.__all__]
    classes = [c for c in exported if isinstance(c, type) and issubclass(c, sessiongate.SessionGateError)
               and c is not sessiongate.SessionGateError]
    for code, retryable in codes:
        with_code = [c for c in classes if c.code == code]
        # One class per code; a subclass of it may narrow it (RefreshUnavailableError).
        (cls,) = [c for c in with_code if not any(c is not o and issubclass(c, o) for o in with_code)]
        assert all(issubclass(c, cls) and c.retryable is retryable for c in with_code), code
        assert cls.retryable is retryable, code
    assert sorted({c.code for c in classes}) == sorted(code for code, _ in codes), "a class without a core code"


def test_seal_and_unseal_errors(peer: Peer, gate: sessiongate.SessionGate) -> None:
    with pytest.raises(sessiongate.UnsealError) as raised:
        sessiongate.unseal_data(gate.seal_data({"a": 1}), "ZmVybmV0LWtleS1mb3Itcm90YXRpb24tdGVzdHMtMDA=")
    assert raised.value.code == "unseal_error" and raised.value.detail == "mac_mismatch"
    with pytest.raises(sessiongate.UnsealError):
        gate.unseal_data("garbage")
    with pytest.raises(sessiongate.SealError):
        gate.seal_data({"when": object()})
    with pytest.raises(sessiongate.SealError):
        gate.seal_data({1: "non-str key"})
    with pytest.raises(sessiongate.SealError):
        gate.seal_data(float("inf"))
    loop: List[Any] = []
    loop.append(loop)
    with pytest.raises(sessiongate.SealError):
        gate.seal_data(loop)
    with pytest.raises(ValueError):
        gate.seal_data({}, format="jwe")
    with pytest.raises(sessiongate.ConfigurationError):
        sessiongate.seal_data({}, "short")
    # An iron-only password cannot seal Fernet: the caller's mistake, reported, not a crash.
    iron_only = sessiongate.SessionGate(client_id=peer.client_id, cookie_password=IRON_PASSWORD, jwks=peer.jwks)
    with pytest.raises(sessiongate.ConfigurationError):
        iron_only.seal_data({}, format="fernet")
    data = {"int": 2**63 - 1, "neg": -5, "float": 1.25, "list": [None, True, False], "tuple": (1, "two")}
    assert gate.unseal_data(gate.seal_data(data)) == {**data, "tuple": [1, "two"]}


def test_load_sealed_session_helper(peer: Peer, gate: sessiongate.SessionGate) -> None:
    cookie, _, _ = sealed(peer, gate)
    session = sessiongate.load_sealed_session(
        session_data=cookie, cookie_password=peer.cookie_password, client_id=peer.client_id, jwks=peer.jwks
    )
    assert isinstance(session, sessiongate.SealedSession)
    auth = session.authenticate()
    assert auth.authenticated is True and auth.to_dict() == gate.authenticate(cookie).to_dict()
    empty = gate.load_sealed_session(None).authenticate()
    assert empty.authenticated is False and empty.reason == Reason.NO_SESSION_COOKIE_PROVIDED


def test_no_secret_in_any_repr_or_message(peer: Peer) -> None:
    password = "repr-test-iron-password-0123456789abcdef-SECRET"
    gate = sessiongate.SessionGate(client_id=peer.client_id, cookie_password=[password, peer.cookie_password],
                                   jwks=peer.jwks)
    cookie, token, _ = sealed(peer, gate, fmt="iron")
    secrets = [password, peer.cookie_password, token, REFRESH, cookie, token.split(".")[2]]
    shown: List[str] = []
    auth = gate.authenticate(cookie)
    assert auth.authenticated is True
    failed = gate.authenticate(cookie[:-10])
    shown += [repr(gate), str(gate), repr(auth), str(auth), repr(failed), str(failed)]
    shown += [repr(gate.load_sealed_session(cookie)), repr(auth.reason if not auth.authenticated else failed.reason)]
    errors: List[BaseException] = []
    for call in [
        lambda: sessiongate.SessionGate(client_id="c", cookie_password=password[:20], jwks=peer.jwks),
        lambda: sessiongate.SessionGate(client_id="c", cookie_password=password, jwks={"keys": [{"kty": password}]}),
        lambda: sessiongate.unseal_data(cookie, "another-iron-password-0123456789abcdef"),
        lambda: sessiongate.unseal_data(cookie.replace("*", "*x", 3), password),
        lambda: gate.seal_data({"token": token, "bad": object()}),
        lambda: sessiongate.seal_data({"token": token}, password[:10]),
        lambda: gate.authenticate(cookie, now=float("inf")),
        lambda: gate.authenticate(cookie.encode()),  # type: ignore[arg-type]
        lambda: gate.seal_session(access_token=token.encode(), refresh_token=REFRESH, user={}),  # type: ignore[arg-type]
        lambda: gate.seal_session(access_token=token, refresh_token=REFRESH, user={"id": object()}),
        lambda: sessiongate.SessionGate(client_id="c", cookie_password=[password.encode()]),  # type: ignore[list-item]
    ]:
        with pytest.raises(Exception) as raised:
            call()
        errors.append(raised.value)
    for err in errors:
        shown += [repr(err), str(err)]
    assert len(shown) > 10
    for text in shown:
        for secret in secrets:
            assert secret not in text, f"a secret leaked into {text[:80]!r}"


def test_gate_is_not_picklable_by_accident(gate: sessiongate.SessionGate) -> None:
    # Pickling would copy the cookie passwords somewhere else: refuse it.
    with pytest.raises(Exception):
        pickle.dumps(gate)


def test_remote_jwks_fetch_smoke(peer: Peer, gate: sessiongate.SessionGate) -> None:
    """The one real-HTTP test (the JWKS cache policy is unit-tested in the core): keys fetched from
    127.0.0.1, with the GIL released while the fetch waits, so other threads (here the main
    thread, and the Python server itself) keep running."""
    cookie, _, _ = sealed(peer, gate)
    with JwksServer(peer.jwks, peer.client_id, lifetime=60, delay=0.5) as server:
        remote = sessiongate.SessionGate(client_id=peer.client_id, cookie_password=peer.cookie_password,
                                         jwks_url=server.jwks_url)
        assert server.jwks_url in repr(remote)
        results: List[Any] = []
        worker = threading.Thread(target=lambda: results.append(remote.authenticate(cookie)))
        ticks = 0
        worker.start()
        while worker.is_alive():
            ticks += 1
            time.sleep(0.001)
        worker.join()
        (auth,) = results
        assert auth.authenticated is True and auth.amr == ["pwd", "mfa"]
        assert ticks > 50, f"the main thread ran only {ticks} times during a 0.5 s fetch: the GIL was held"
        status = remote.jwks_status()
        assert status is not None
        assert list(status) == ["url", "fetched_at", "kids", "stale", "fetches", "failures", "last_error", "skipped_keys"]
        assert status["skipped_keys"] == 0
        assert status["url"] == server.jwks_url and status["fetches"] == 1 and server.fetches == 1
        assert peer.kid in status["kids"] and abs(status["fetched_at"] - time.time()) < 30


def test_jwks_outage_raises_retryable_error(peer: Peer, gate: sessiongate.SessionGate) -> None:
    cookie, _, _ = sealed(peer, gate)
    with JwksServer(peer.jwks, peer.client_id, lifetime=60) as server:
        url = server.jwks_url
    # The server is gone: nothing listens there any more.
    down = sessiongate.SessionGate(client_id=peer.client_id, cookie_password=peer.cookie_password, jwks_url=url)
    with pytest.raises(sessiongate.JwksUnavailableError) as raised:
        down.authenticate(cookie)
    assert raised.value.code == "jwks_unavailable" and raised.value.retryable is True
    # A bad cookie is still a plain failure, not an outage.
    assert down.authenticate("garbage").authenticated is False
    status = down.jwks_status()
    assert status is not None and isinstance(status["last_error"], str) and status["last_error"]


def test_default_key_set_is_workos(peer: Peer) -> None:
    default = sessiongate.SessionGate(client_id="client_01DEFAULT", cookie_password=peer.cookie_password)
    assert "/sso/jwks/client_01DEFAULT" in repr(default)
    assert default.client_id == "client_01DEFAULT"


def test_results_are_truthy_only_when_verified(peer: Peer, gate: sessiongate.SessionGate) -> None:
    """F10: ``if not gate.authenticate(cookie): return 401`` must refuse every failure."""
    cookie, token, _ = sealed(peer, gate, amr=("pwd",))
    auth, failed = gate.authenticate(cookie), gate.authenticate("Fe26.2*forged")
    assert bool(auth) is auth.authenticated is True
    assert bool(failed) is failed.authenticated is False
    verified, refused = gate.verify_access_token(token), gate.verify_access_token("a.b.c")
    assert isinstance(verified, sessiongate.VerifiedToken) and bool(verified) is verified.valid is True
    assert isinstance(refused, sessiongate.AuthenticateWithSessionCookieErrorResponse) and not refused
    assert isinstance(auth, sessiongate.AuthenticateWithSessionCookieSuccessResponse)
    decision = gate.check(auth, sessiongate.StepUpPolicy())
    assert bool(decision) is decision.allowed is False


@pytest.mark.parametrize("text", ["\udcff", "Fe26.2*\udcff", "gAAAAA\ud800"])
def test_strings_that_are_not_utf8_never_raise(peer: Peer, gate: sessiongate.SessionGate, text: str) -> None:
    """F4: a lone surrogate (what surrogateescape decoding yields for a stray 0xFF byte) is a
    failure response, never an exception (which would also carry the value to error trackers)."""
    for auth in (gate.authenticate(text), gate.load_sealed_session(text).authenticate(),
                 sessiongate.load_sealed_session(session_data=text, cookie_password=peer.cookie_password,
                                                 client_id=peer.client_id, jwks=peer.jwks).authenticate()):
        assert isinstance(auth, sessiongate.AuthenticateWithSessionCookieErrorResponse)
        assert (auth.reason, auth.detail) == (Reason.INVALID_SESSION_COOKIE, "malformed_seal")
    id_gate = sessiongate.SessionGate(client_id=peer.client_id, cookie_password=peer.cookie_password,
                                      jwks=peer.jwks, issuer=peer.issuer)
    for verified in (gate.verify_access_token(text), id_gate.verify_id_token(text)):
        assert isinstance(verified, sessiongate.AuthenticateWithSessionCookieErrorResponse)
        assert (verified.reason, verified.detail) == (Reason.INVALID_JWT, "malformed_jwt")
    assert sessiongate.Challenge.parse(text) is None
    assert sessiongate.Challenge.parse('Bearer error="insufficient_user_authentication", x="' + text + '"') is None
    for unseal in (lambda: gate.unseal_data(text), lambda: sessiongate.unseal_data(text, peer.cookie_password)):
        with pytest.raises(sessiongate.UnsealError) as raised:
            unseal()
        assert raised.value.detail == "malformed_seal" and text not in str(raised.value)


def test_numbers_are_the_cores_to_judge(peer: Peer, gate: sessiongate.SessionGate) -> None:
    base: Any = {"client_id": peer.client_id, "cookie_password": peer.cookie_password, "jwks": peer.jwks}
    # An int too large for a float is out of range (the core's error), not an OverflowError.
    for option in ("leeway", "max_cookie_bytes", "verified_token_cache"):
        with pytest.raises(sessiongate.ConfigurationError, match=option):
            sessiongate.SessionGate(**base, **{option: 10**400})
        with pytest.raises(TypeError):
            sessiongate.SessionGate(**base, **{option: "10"})
    with pytest.raises(sessiongate.ConfigurationError, match="now"):
        gate.authenticate("x", now=-(10**400))
    with pytest.raises(TypeError):
        gate.authenticate("x", now="1700000000")  # type: ignore[arg-type]
    assert gate.authenticate("x", now=True).authenticated is False  # a bool is an int in Python


def test_jwks_status_counts_the_keys_it_skipped(peer: Peer, gate: sessiongate.SessionGate) -> None:
    """Issue 14: unusable keys (``use`` not ``sig``, ``key_ops`` without verify) are skipped and
    counted in ``skipped_keys``; the usable one still verifies."""
    (good,) = peer.jwks["keys"]
    jwks = {"keys": [good, {**good, "kid": "enc_key", "use": "enc"},
                     {**good, "kid": "wrap_key", "key_ops": ["wrapKey"]}]}
    cookie, _, _ = sealed(peer, gate)
    with JwksServer(jwks, peer.client_id, lifetime=60) as server:
        remote = sessiongate.SessionGate(client_id=peer.client_id, cookie_password=peer.cookie_password,
                                         jwks_url=server.jwks_url)
        assert remote.authenticate(cookie).authenticated is True
        status = remote.jwks_status()
        assert status is not None
        assert (status["kids"], status["skipped_keys"]) == ([peer.kid], 2)
    # A static set is checked at construction: a document whose every key is unusable is refused.
    with pytest.raises(sessiongate.ConfigurationError):
        sessiongate.SessionGate(client_id=peer.client_id, cookie_password=peer.cookie_password,
                                jwks={"keys": jwks["keys"][1:]})
