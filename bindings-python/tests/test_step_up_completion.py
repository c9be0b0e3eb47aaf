"""Step-up completion (issue 17) through the WorkOS API double: a password-only session is denied,
steps up with a TOTP code, and is then allowed with its grant (max_age from verified_at); misused
grants are ignored and misused pending values refused with their detail; outages raise the
retryable ApiUnavailableError; every step reaches the ``sessiongate.audit`` logger and
``on_audit`` with no secret in any event; a failing ``on_audit`` changes no decision."""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, Iterator, List

import pytest
from support import WorkosDouble

import sessiongate
from sessiongate import ApiUnavailableError, RefreshUnavailableError, StepUpFailedError, StepUpPolicy

SECRET = "c3RlcC11cC1zdWl0ZS1jb29raWUtc2VjcmV0LTMyYiE="
T0 = 1_800_000_000
CODE = "123456"  # the double's
ADA = "user_01ADA"


@pytest.fixture
def double() -> Iterator[WorkosDouble]:
    with WorkosDouble() as d:
        d.set_clock(T0)
        yield d


def make_gate(double: WorkosDouble, **options: Any) -> sessiongate.SessionGate:
    return sessiongate.SessionGate(client_id=double.client_id, cookie_password=SECRET, api_key=double.api_key,
                                   api_base_url=double.url, **options)


def session(double: WorkosDouble, gate: sessiongate.SessionGate, user_id: str = ADA, amr: Any = ()) -> Any:
    issued = double.create_session({"object": "user", "id": user_id, "email": "ada@example.com"},
                                   organization_id="org_01HOME", amr=list(amr), auth_time=T0)
    cookie = gate.seal_session(access_token=issued["access_token"], refresh_token=issued["refresh_token"],
                               user=issued["user"], format="fernet")
    auth = gate.authenticate(cookie, now=T0)
    assert isinstance(auth, sessiongate.AuthenticateWithSessionCookieSuccessResponse), auth
    return auth


def add_factor(double: WorkosDouble, user_id: str, kind: str) -> str:
    factor_id: str = double.call("POST", "/_double/factors", {"user_id": user_id, "type": kind})["id"]
    return factor_id


def test_denied_then_stepped_up_with_totp_then_allowed_and_max_age_runs_from_verified_at(double: WorkosDouble) -> None:
    gate = make_gate(double)
    totp = add_factor(double, ADA, "totp")
    auth = session(double, gate)
    mfa = StepUpPolicy()
    denied = gate.check(auth, mfa, now=T0 + 5)
    assert (denied.allowed, denied.reason, denied.satisfied_by) == (False, "claims_missing", None)
    with pytest.raises(sessiongate.StepUpRequiredError):
        gate.require(auth, mfa, now=T0 + 5)

    challenge = gate.start_step_up(auth, now=T0 + 5)
    assert isinstance(challenge, sessiongate.StepUpChallenge)
    assert (challenge.factor_id, challenge.factor_type, challenge.expires_at) == (totp, "totp", T0 + 600)
    assert challenge.pending.startswith("sgp1.") and challenge.pending not in repr(challenge)

    grant = gate.complete_step_up(auth, pending=challenge.pending, code=CODE, now=T0 + 20)
    assert isinstance(grant, sessiongate.StepUpGrant)
    assert (grant.amr, grant.verified_at, grant.expires_at) == (["mfa", "otp"], T0 + 20, T0 + 20 + 12 * 3600)
    assert grant.grant not in repr(grant)
    allowed = gate.check(auth, mfa, grant=grant.grant, now=T0 + 20)
    assert (allowed.allowed, allowed.satisfied_by, allowed.grant_ignored) == (True, "grant", None)
    assert gate.require(auth, mfa, grant=grant.grant, now=T0 + 20) is None

    recent = StepUpPolicy(max_age=600)
    assert gate.check(auth, recent, grant=grant.grant, now=T0 + 620).allowed
    old = gate.check(auth, recent, grant=grant.grant, now=T0 + 621)
    assert (old.allowed, old.reason) == (False, "authentication_too_old")

    strong = session(double, gate, amr=["pwd", "mfa"])
    by_token = gate.check(strong, mfa, now=T0 + 5)
    assert (by_token.allowed, by_token.satisfied_by) == (True, "token")
    token = gate.verify_access_token(strong.access_token, now=T0 + 5)
    with pytest.raises(ValueError, match="cookie sessions only"):
        gate.check(token, mfa, grant=grant.grant)


def test_misused_grants_are_ignored_and_misused_pending_values_refused(double: WorkosDouble) -> None:
    gate = make_gate(double)
    add_factor(double, ADA, "totp")
    bobs = add_factor(double, "user_01BOB", "totp")
    auth = session(double, gate)
    pending = gate.start_step_up(auth, now=T0 + 1).pending
    with pytest.raises(StepUpFailedError) as raised:
        gate.complete_step_up(auth, pending=pending, code="000000", now=T0 + 1)
    assert raised.value.detail == "code_invalid" and raised.value.code == "step_up_failed"
    assert "000000" not in str(raised.value)
    other = session(double, gate)
    for who, value, detail in ((other, pending, "pending_other_session"), (auth, pending[:-3], "pending_invalid"),
                               (auth, "nonsense", "pending_invalid")):
        with pytest.raises(StepUpFailedError) as raised:
            gate.complete_step_up(who, pending=value, code=CODE, now=T0 + 1)
        assert raised.value.detail == detail
    with pytest.raises(StepUpFailedError) as raised:
        gate.complete_step_up(auth, pending=pending, code=CODE, now=T0 + 601)
    assert raised.value.detail == "challenge_expired"
    grant = gate.complete_step_up(auth, pending=pending, code=CODE, now=T0 + 1).grant
    with pytest.raises(StepUpFailedError) as raised:
        gate.complete_step_up(auth, pending=pending, code=CODE, now=T0 + 1)
    assert raised.value.detail == "challenge_already_verified"
    with pytest.raises(StepUpFailedError) as raised:
        gate.start_step_up(auth, factor_id=bobs, now=T0 + 1)
    assert raised.value.detail == "factor_other_user"

    mfa = StepUpPolicy()
    bob = session(double, gate, user_id="user_01BOB")
    for who, value, t, why in ((other, grant, T0 + 1, "grant_other_session"), (bob, grant, T0 + 1, "grant_other_user"),
                               (auth, grant, T0 + 1 + 12 * 3600, "grant_expired"), (auth, grant[:-2], T0 + 1, "grant_invalid"),
                               (auth, pending, T0 + 1, "grant_invalid")):
        decision = gate.check(who, mfa, grant=value, now=t)
        assert (decision.allowed, decision.reason, decision.grant_ignored) == (False, "claims_missing", why)
    # A gate whose cookie passwords no longer include the one that sealed the grant ignores it.
    rotated_out = sessiongate.SessionGate(client_id=double.client_id, cookie_password="another-cookie-password-of-32-chars!",
                                          jwks=double.call("GET", "/_double/config")["jwks"])
    issued = double.create_session({"object": "user", "id": ADA}, amr=[], auth_time=T0)
    theirs = rotated_out.authenticate(rotated_out.seal_session(access_token=issued["access_token"],
                                                               refresh_token=issued["refresh_token"], user=issued["user"],
                                                               format="iron"), now=T0)
    assert rotated_out.check(theirs, mfa, grant=grant, now=T0 + 1).grant_ignored == "grant_invalid"


def test_outages_are_retryable_and_never_a_failure(double: WorkosDouble) -> None:
    gate = make_gate(double, refresh_timeout_seconds=3)
    add_factor(double, ADA, "totp")
    auth = session(double, gate)
    double.faults(*[{"kind": "status", "status": 503}] * 3, endpoint="list_factors")
    with pytest.raises(ApiUnavailableError) as raised:
        gate.start_step_up(auth, now=T0 + 1)
    assert raised.value.retryable and not isinstance(raised.value, RefreshUnavailableError)
    pending = gate.start_step_up(auth, now=T0 + 1).pending
    double.faults({"kind": "rate_limited", "retry_after": 30}, endpoint="verify")
    with pytest.raises(ApiUnavailableError) as raised:
        gate.complete_step_up(auth, pending=pending, code=CODE, now=T0 + 1)
    assert raised.value.retry_after == 30
    assert gate.complete_step_up(auth, pending=pending, code=CODE, now=T0 + 1).amr == ["mfa", "otp"]
    keyless = sessiongate.SessionGate(client_id=double.client_id, cookie_password=SECRET, api_base_url=double.url)
    with pytest.raises(sessiongate.ConfigurationError, match="api_key"):
        keyless.start_step_up(auth)
    with pytest.raises(ValueError, match="authenticate first"):
        gate.start_step_up(gate.authenticate("garbage"))


def test_every_step_is_audited_to_the_logger_and_on_audit_without_secrets(
        double: WorkosDouble, caplog: pytest.LogCaptureFixture) -> None:
    seen: List[Dict[str, Any]] = []
    gate = make_gate(double, on_audit=seen.append)
    factor = add_factor(double, ADA, "totp")
    auth = session(double, gate)
    policy = StepUpPolicy(max_age=600)
    with caplog.at_level(logging.INFO, logger="sessiongate.audit"):
        gate.check(auth, policy, now=T0 + 1)
        challenge = gate.start_step_up(auth, now=T0 + 1)
        with pytest.raises(StepUpFailedError):
            gate.complete_step_up(auth, pending=challenge.pending, code="999999", now=T0 + 1)
        grant = gate.complete_step_up(auth, pending=challenge.pending, code=CODE, now=T0 + 1)
        gate.check(auth, policy, grant=grant.grant, now=T0 + 1)
    assert [(e["event"], e["outcome"], e.get("reason")) for e in seen] == [
        ("step_up.decision", "denied", "claims_missing"),
        ("step_up.started", "started", None),
        ("step_up.completed", "refused", "code_invalid"),
        ("step_up.completed", "granted", None),
        ("step_up.decision", "allowed", None),
    ]
    for event in seen:
        assert (event["session_id"], event["user_id"], event["organization_id"], event["time"]) == (
            auth.session_id, ADA, "org_01HOME", T0 + 1)
    assert seen[0]["policy"] == {"amr_any_of": ["mfa"], "amr_all_of": [], "max_age": 600, "acr_values": []}
    assert (seen[1]["factor_id"], seen[1]["factor_type"], seen[1]["challenge_id"]) == (factor, "totp", challenge.challenge_id)
    assert seen[4]["amr_source"] == "grant"
    records = [r for r in caplog.records if r.name == "sessiongate.audit"]
    assert [r.getMessage() for r in records] == [e["event"] for e in seen]
    assert all(getattr(r, "session_id") == auth.session_id and getattr(r, "outcome") == e["outcome"]
               for r, e in zip(records, seen))
    shown = json.dumps(seen) + " ".join(str(vars(r)) for r in records)
    for secret in (CODE, "999999", SECRET, double.api_key, auth.access_token, challenge.pending, grant.grant):
        assert secret not in shown


def test_a_failing_on_audit_changes_no_decision(double: WorkosDouble) -> None:
    def broken(event: Dict[str, Any]) -> None:
        raise RuntimeError("the audit sink is down")

    unraisable: List[Any] = []
    import sys
    hook = sys.unraisablehook
    sys.unraisablehook = unraisable.append
    try:
        gate = make_gate(double, on_audit=broken)
        add_factor(double, ADA, "sms")
        auth = session(double, gate)
        pending = gate.start_step_up(auth, now=T0 + 1).pending
        grant = gate.complete_step_up(auth, pending=pending, code=CODE, now=T0 + 1)
        assert grant.amr == ["mfa", "sms"]
        assert gate.check(auth, StepUpPolicy(), grant=grant.grant, now=T0 + 1).allowed
    finally:
        sys.unraisablehook = hook
    assert len(unraisable) == 3 and all(isinstance(u.exc_value, RuntimeError) for u in unraisable)
    with pytest.raises(TypeError, match="on_audit"):
        make_gate(double, on_audit="not callable")
    for ttl in (0, 31 * 24 * 3600, float("nan")):
        with pytest.raises(sessiongate.ConfigurationError, match="step_up_grant_ttl_seconds"):
            make_gate(double, step_up_grant_ttl_seconds=ttl)
    short = make_gate(double, step_up_grant_ttl_seconds=60)
    auth = session(double, short)
    pending = short.start_step_up(auth, now=T0 + 1).pending
    assert short.complete_step_up(auth, pending=pending, code=CODE, now=T0 + 1).expires_at == T0 + 61
