"""Step-up: the shared truth table (tests/vectors/stepup.json) through the Python policy API,
check/require on real sessions from cases.json, bearer and ID token verification, and the
verified-token cache and JWKS status options."""

from __future__ import annotations

import time
from typing import Any, Dict, List

import pytest
from conftest import STEPUP_RESULTS
from support import VECTORS, Peer, load_json
from test_vectors import CASES, make_gate

import sessiongate
from sessiongate import Challenge, StepUpPolicy, StepUpRequiredError

STEPUP = load_json(VECTORS / "stepup.json")
ROWS: List[Dict[str, Any]] = STEPUP["cases"]
POLICY_KEYS = {"amr_any_of", "amr_all_of", "max_age", "acr_values", "leeway"}
MFA_HEADER = ('Bearer error="insufficient_user_authentication", '
              'error_description="Multi-factor authentication is required"')
MFA_BODY = {"error": "insufficient_user_authentication", "error_description": "Multi-factor authentication is required"}


def policy_from(row_policy: Dict[str, Any]) -> StepUpPolicy:
    unknown = set(row_policy) - POLICY_KEYS
    assert not unknown, f"policy keys this runner does not know: {unknown}"
    # An absent key is no requirement of that kind: explicit empty lists (naming neither amr list
    # would mean the core's default, amr_any_of=("mfa",)).
    return StepUpPolicy(
        amr_any_of=row_policy.get("amr_any_of", ()),
        amr_all_of=row_policy.get("amr_all_of", ()),
        max_age=row_policy.get("max_age"),
        acr_values=row_policy.get("acr_values", ()),
        leeway=row_policy.get("leeway"),
    )


def test_stepup_table_is_complete() -> None:
    assert len(ROWS) == 30
    assert sum("leeway" in row["policy"] for row in ROWS) == 2
    assert len({row["id"] for row in ROWS}) == len(ROWS)
    print(f"{len(ROWS)} step-up rows")


@pytest.mark.parametrize("row", ROWS, ids=[row["id"] for row in ROWS])
def test_stepup_row(row: Dict[str, Any]) -> None:
    STEPUP_RESULTS["run"] += 1
    expected = row["expected"]
    decision = policy_from(row["policy"]).check_claims(row["claims"], now=row["now"])
    assert decision.allowed is expected["allowed"]
    assert bool(decision) is expected["allowed"]
    if expected["allowed"]:
        assert decision.reason is None and decision.challenge is None
        assert set(expected) == {"allowed"}
    else:
        assert decision.reason == expected["reason"]
        challenge = decision.challenge
        assert challenge is not None
        assert challenge.www_authenticate == expected["www_authenticate"]
        assert challenge.to_dict() == expected["body"]
        parsed = Challenge.parse(challenge.www_authenticate)
        assert parsed == challenge, "parse(render) round trip"
        assert parsed is not None and parsed.to_dict() == expected["body"]
        assert parsed.acr_values == row["policy"].get("acr_values", [])
        assert parsed.max_age == row["policy"].get("max_age")
    STEPUP_RESULTS["passed"] += 1


# --- policy and challenge objects -------------------------------------------------------------


def test_policy_defaults_and_validation() -> None:
    policy = StepUpPolicy()
    assert (policy.amr_any_of, policy.amr_all_of, policy.max_age, policy.acr_values) == (("mfa",), (), None, ())
    assert policy.leeway == 0
    assert repr(policy) == "StepUpPolicy(amr_any_of=('mfa',), amr_all_of=(), max_age=None, acr_values=(), leeway=0.0)"
    assert StepUpPolicy(leeway=30).leeway == 30
    with pytest.raises(ValueError, match="leeway"):
        StepUpPolicy(leeway=3601)
    assert StepUpPolicy(amr_any_of=(), amr_all_of=["pwd", "hwk"]).amr_all_of == ("pwd", "hwk")
    # The core's one default: naming either amr list replaces ("mfa",); both may be set.
    only_all = StepUpPolicy(amr_all_of=["hwk"])
    assert (only_all.amr_any_of, only_all.amr_all_of) == ((), ("hwk",))
    both = StepUpPolicy(amr_any_of=["otp", "sms"], amr_all_of=["pwd"])
    assert both.check_claims({"amr": ["pwd", "otp"]}, now=0).allowed
    assert both.check_claims({"amr": ["otp"]}, now=0).reason == "mfa_required"
    assert both.check_claims({"amr": ["pwd"]}, now=0).reason == "mfa_required"
    with pytest.raises(ValueError, match="max_age"):
        StepUpPolicy(max_age=-1)
    with pytest.raises(TypeError):
        StepUpPolicy(amr_any_of="mfa")  # a str is not a list of methods
    with pytest.raises(ValueError):
        StepUpPolicy().check_claims({"amr": float("nan")})
    with pytest.raises(ValueError, match="now"):
        StepUpPolicy().check_claims({}, now=-1)


def test_policy_leeway_lets_auth_time_run_ahead() -> None:
    """An auth_time ahead of the clock is refused (authentication_in_future) unless within leeway."""
    claims = {"amr": ["mfa"], "auth_time": 1_000_010}
    strict = StepUpPolicy(max_age=600).check_claims(claims, now=1_000_000)
    assert not strict.allowed and strict.reason == "authentication_in_future"
    assert StepUpPolicy(max_age=600, leeway=10).check_claims(claims, now=1_000_000).allowed
    assert StepUpPolicy(max_age=600, leeway=9).check_claims(claims, now=1_000_000).reason == "authentication_in_future"


def test_check_claims_uses_the_clock_when_now_is_omitted() -> None:
    policy = StepUpPolicy(max_age=60)
    assert policy.check_claims({"amr": ["mfa"], "auth_time": int(time.time()) - 5}).allowed
    assert policy.check_claims({"amr": ["mfa"], "auth_time": int(time.time()) - 600}).reason == "authentication_too_old"


def test_challenge_construct_parse_and_rfc_examples() -> None:
    c = Challenge("say \"hi\"", ["urn:a", "urn:b"], 300)
    assert c.www_authenticate == ('Bearer error="insufficient_user_authentication", error_description="say \\"hi\\"", '
                                  'acr_values="urn:a urn:b", max_age=300')
    assert c.to_dict() == {"error": "insufficient_user_authentication", "error_description": 'say "hi"',
                           "acr_values": "urn:a urn:b", "max_age": 300}
    assert Challenge.parse(c.www_authenticate) == c
    assert Challenge.parse(c.www_authenticate) != Challenge()
    rfc = Challenge.parse('Bearer error="insufficient_user_authentication", '
                          'error_description="More recent authentication is required", max_age=5')
    assert rfc is not None and rfc.max_age == 5 and rfc.acr_values == []
    assert rfc.error_description == "More recent authentication is required"
    assert Challenge.parse('Bearer error="invalid_token"') is None
    assert Challenge.parse('Basic realm="x"') is None
    assert Challenge.parse('Bearer error="insufficient_user_authentication", max_age=soon') is None
    assert Challenge().to_dict() == {"error": "insufficient_user_authentication"}


# --- check / require on real sessions from cases.json ----------------------------------------


def case(case_id: str) -> Dict[str, Any]:
    (found,) = [c for c in CASES if c["id"] == case_id]
    return found


@pytest.mark.parametrize("case_id", ["sessiongate/mfa_iron", "sessiongate/mfa_fernet",
                                     "workos-python-10.8.0/valid_with_amr", "workos-node-11.0.0/valid_with_amr"])
def test_mfa_session_is_allowed(case_id: str) -> None:
    c = case(case_id)
    gate = make_gate(c["config"])
    auth = gate.authenticate(c["cookie"], now=c["now"])
    assert isinstance(auth, sessiongate.AuthenticateWithSessionCookieSuccessResponse)
    assert "mfa" in (auth.amr or [])
    decision = gate.check(auth, StepUpPolicy(), now=c["now"])
    assert decision.allowed and decision.reason is None and decision.challenge is None
    gate.require(auth, StepUpPolicy(), now=c["now"])  # allowed: returns, raises nothing
    # amr_all_of needs every value; this session has no hardware key.
    assert gate.check(auth, StepUpPolicy(amr_any_of=(), amr_all_of=["mfa", "hwk"]), now=c["now"]).reason == "mfa_required"


@pytest.mark.parametrize("case_id", ["sessiongate/pwd_only_iron"])
def test_password_only_session_is_denied_with_the_challenge(case_id: str) -> None:
    c = case(case_id)
    gate = make_gate(c["config"])
    auth = gate.authenticate(c["cookie"], now=c["now"])
    assert isinstance(auth, sessiongate.AuthenticateWithSessionCookieSuccessResponse)
    assert auth.amr == ["pwd"]
    decision = gate.check(auth, StepUpPolicy(), now=c["now"])
    assert not decision.allowed and decision.reason == "mfa_required"
    assert decision.challenge is not None and decision.challenge.www_authenticate == MFA_HEADER
    with pytest.raises(StepUpRequiredError) as raised:
        gate.require(auth, StepUpPolicy(), now=c["now"])
    err = raised.value
    assert isinstance(err, sessiongate.SessionGateError)
    assert err.code == "step_up_required" and err.retryable is False
    assert err.reason == "mfa_required"
    assert err.status == 403  # a cookie session: answer 403 with the JSON body
    assert err.www_authenticate == MFA_HEADER
    assert err.to_dict() == MFA_BODY
    assert err.challenge == decision.challenge
    assert "mfa_required" in str(err)
    assert c["cookie"] not in str(err) and auth.access_token not in str(err)


def test_session_time_rules(peer: Peer, gate: sessiongate.SessionGate) -> None:
    c = case("sessiongate/mfa_fernet")
    assert c["expected"]["session"]["format"] == "fernet"
    cookie_gate = make_gate(c["config"])
    auth = cookie_gate.authenticate(c["cookie"], now=c["now"])
    assert isinstance(auth, sessiongate.AuthenticateWithSessionCookieSuccessResponse)
    assert auth.auth_time is not None
    age = int(c["now"]) - auth.auth_time
    assert cookie_gate.check(auth, StepUpPolicy(max_age=age), now=c["now"]).allowed
    with pytest.raises(StepUpRequiredError) as raised:
        cookie_gate.require(auth, StepUpPolicy(max_age=age - 1), now=c["now"])
    assert raised.value.reason == "authentication_too_old"
    assert raised.value.to_dict() == {"error": "insufficient_user_authentication",
                                      "error_description": "A more recent authentication is required",
                                      "max_age": age - 1}
    assert auth.acr == "urn:workos:mfa"
    assert cookie_gate.check(auth, StepUpPolicy(acr_values=["urn:workos:mfa"]), now=c["now"]).allowed
    assert cookie_gate.check(auth, StepUpPolicy(acr_values=["urn:gold"]), now=c["now"]).reason == "acr_insufficient"


@pytest.mark.parametrize(("case_id", "amr"), [("sessiongate/amr_absent", None), ("sessiongate/amr_malformed", None),
                                              ("sessiongate/amr_single_string", ["mfa"])])
def test_sessions_with_odd_amr(case_id: str, amr: Any) -> None:
    c = case(case_id)
    gate = make_gate(c["config"])
    auth = gate.authenticate(c["cookie"], now=c["now"])
    assert isinstance(auth, sessiongate.AuthenticateWithSessionCookieSuccessResponse)
    assert auth.amr == amr
    decision = gate.check(auth, StepUpPolicy(), now=c["now"])
    if amr is None:  # fail closed: no usable amr is not "no MFA", it is "unknown"
        assert decision.reason == "claims_missing"
        with pytest.raises(StepUpRequiredError) as raised:
            gate.require(auth, StepUpPolicy(), now=c["now"])
        assert raised.value.status == 403 and raised.value.reason == "claims_missing"
    else:
        assert decision.allowed


def test_check_refuses_failed_authentications(gate: sessiongate.SessionGate) -> None:
    failed = gate.authenticate("not-a-cookie")
    assert isinstance(failed, sessiongate.AuthenticateWithSessionCookieErrorResponse)
    with pytest.raises(ValueError, match="authenticate first"):
        gate.check(failed, StepUpPolicy())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="authenticate first"):
        gate.require(failed, StepUpPolicy())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        gate.check({"amr": ["mfa"]}, StepUpPolicy())  # type: ignore[arg-type]


# --- bearer access tokens and ID tokens --------------------------------------------------------


def id_claims(peer: Peer, now: int, **changes: Any) -> Dict[str, Any]:
    claims = {"iss": peer.issuer, "aud": peer.client_id, "sub": "user_01IDTOKEN", "email": "id@example.com",
              "iat": now - 10, "exp": now + 600, "auth_time": now - 30, "amr": ["pwd", "otp"], "acr": "urn:silver"}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


@pytest.fixture(scope="module")
def id_gate(peer: Peer) -> sessiongate.SessionGate:
    return sessiongate.SessionGate(client_id=peer.client_id, cookie_password=peer.cookie_password, jwks=peer.jwks,
                                   issuer=peer.issuer)


def test_id_token_valid(peer: Peer, id_gate: sessiongate.SessionGate) -> None:
    now = int(time.time())
    verified = id_gate.verify_id_token(peer.sign(id_claims(peer, now)), now=now)
    assert isinstance(verified, sessiongate.VerifiedToken), verified
    assert verified.valid is True
    assert verified.subject == "user_01IDTOKEN"
    assert (verified.amr, verified.acr, verified.auth_time) == (["pwd", "otp"], "urn:silver", now - 30)
    assert verified.claims["email"] == "id@example.com"
    assert verified.header == {"alg": "RS256", "kid": peer.kid, "typ": "JWT"}
    assert verified.to_dict()["subject"] == "user_01IDTOKEN"
    assert "user_01IDTOKEN" in repr(verified)
    # A verified token is a bearer credential: a denial is a 401 with the header.
    policy = StepUpPolicy(amr_any_of=["otp", "hwk"], acr_values=["urn:gold", "urn:silver"], max_age=60)
    id_gate.require(verified, policy, now=now)  # allowed: returns, raises nothing
    with pytest.raises(StepUpRequiredError) as raised:
        id_gate.require(verified, StepUpPolicy(), now=now)
    assert raised.value.status == 401
    assert raised.value.www_authenticate == MFA_HEADER
    assert id_gate.check(verified, StepUpPolicy(amr_any_of=(), acr_values=["urn:gold"]), now=now).reason == "acr_insufficient"


@pytest.mark.parametrize(("changes", "detail"), [
    ({"aud": "client_SOMEONE_ELSE"}, "audience_mismatch"),
    ({"aud": None}, "audience_mismatch"),
    ({"iss": "https://evil.example.com"}, "issuer_mismatch"),
    ({"iat": 1_000_000_000, "exp": 1_000_000_600}, "expired"),
], ids=["wrong-audience", "no-audience", "wrong-issuer", "expired"])
def test_id_token_refused(peer: Peer, id_gate: sessiongate.SessionGate, changes: Dict[str, Any], detail: str) -> None:
    now = int(time.time())
    token = peer.sign(id_claims(peer, now, **changes))
    refused = id_gate.verify_id_token(token, now=now)
    assert isinstance(refused, sessiongate.AuthenticateWithSessionCookieErrorResponse), refused
    assert refused.authenticated is False
    assert refused.reason == "invalid_jwt"
    assert refused.detail == detail
    with pytest.raises(ValueError, match="authenticate first"):
        id_gate.check(refused, StepUpPolicy())  # type: ignore[arg-type]


def test_id_token_needs_an_issuer(peer: Peer, gate: sessiongate.SessionGate) -> None:
    now = int(time.time())
    with pytest.raises(sessiongate.ConfigurationError, match="issuer"):
        gate.verify_id_token(peer.sign(id_claims(peer, now)), now=now)


def test_access_token(peer: Peer, gate: sessiongate.SessionGate) -> None:
    now = int(time.time())
    token = peer.token(user_id="user_01BEARER", sid="session_01BEARER", amr=["pwd", "mfa"], now=now)
    verified = gate.verify_access_token(token, now=now)
    assert isinstance(verified, sessiongate.VerifiedToken), verified
    assert verified.subject == "user_01BEARER" and verified.claims["sid"] == "session_01BEARER"
    assert gate.check(verified, StepUpPolicy(max_age=120), now=now).allowed
    # An ID token (no sid) is not a session access token.
    refused = gate.verify_access_token(peer.sign(id_claims(peer, now)), now=now)
    assert isinstance(refused, sessiongate.AuthenticateWithSessionCookieErrorResponse)
    assert refused.detail == "sid_missing"
    tampered = gate.verify_access_token(token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"), now=now)
    assert isinstance(tampered, sessiongate.AuthenticateWithSessionCookieErrorResponse)
    assert tampered.detail == "signature_invalid"
    expired = gate.verify_access_token(token, now=now + 7200)
    assert isinstance(expired, sessiongate.AuthenticateWithSessionCookieErrorResponse)
    assert expired.detail == "expired"
    assert gate.verify_access_token("", now=now).reason == "invalid_jwt"  # type: ignore[union-attr]


# --- options: verified-token cache, JWKS status ----------------------------------------------


def test_verified_token_cache_option(peer: Peer) -> None:
    now = int(time.time())
    token = peer.token(user_id="user_01CACHE", sid="session_01CACHE", amr=["mfa"], now=now, ttl=60)
    for size in (0, 1, 4096):
        gate = sessiongate.SessionGate(client_id=peer.client_id, cookie_password=peer.cookie_password,
                                       jwks=peer.jwks, verified_token_cache=size)
        for _ in range(3):  # the second and third calls hit the cache when it is on
            assert isinstance(gate.verify_access_token(token, now=now), sessiongate.VerifiedToken)
        # A cache hit re-checks the time claims: expiry still applies.
        assert gate.verify_access_token(token, now=now + 120).detail == "expired"  # type: ignore[union-attr]
    with pytest.raises(sessiongate.ConfigurationError, match="verified_token_cache"):
        sessiongate.SessionGate(client_id=peer.client_id, cookie_password=peer.cookie_password, jwks=peer.jwks,
                                verified_token_cache=-1)


def test_jwks_status_of_a_static_key_set(gate: sessiongate.SessionGate) -> None:
    assert gate.jwks_status() is None  # the remote cache's status: see test_api's fetch smoke test
