"""Refresh through the WorkOS API double (issue 15): both cookie formats, 50 threads -> one API
call, the grace window, every fault's class (retryable error vs failure response), the rotated
token never lost, authenticate_or_refresh at each side of the buffer edge, the logout URL, the
one-shot helper, and no secret in any repr."""

from __future__ import annotations

import http.client
import threading
import time
import urllib.parse
from typing import Any, Dict, Iterator, List

import pytest
from support import WorkosDouble

import sessiongate
from sessiongate import (
    RefreshUnavailableError,
    RefreshWithSessionCookieErrorResponse,
    RefreshWithSessionCookieSuccessResponse,
)

# A Fernet key (url-safe base64 of 32 bytes) is also an iron password: one secret, both formats.
SECRET = "cmVmcmVzaC1zdWl0ZS1jb29raWUtc2VjcmV0LTMyYiE="
T0 = 1_800_000_000
FORMATS = ["iron", "fernet"]
USER = {"object": "user", "id": "user_01ADA", "email": "ada@example.com", "first_name": "Ada"}


@pytest.fixture
def double() -> Iterator[WorkosDouble]:
    with WorkosDouble() as d:
        d.set_clock(T0)
        yield d


def make_gate(double: WorkosDouble, **options: Any) -> sessiongate.SessionGate:
    return sessiongate.SessionGate(client_id=double.client_id, cookie_password=SECRET, api_key=double.api_key,
                                   api_base_url=double.url, **options)


def cookie(double: WorkosDouble, gate: sessiongate.SessionGate, fmt: str) -> str:
    """A session signed in at the double's clock (token valid 300 s), sealed in ``fmt``."""
    issued = double.create_session(USER, organization_id="org_01HOME", amr=["pwd", "mfa"], auth_time=T0 - 100)
    return gate.seal_session(access_token=issued["access_token"], refresh_token=issued["refresh_token"],
                             user=issued["user"], organization_id="org_01HOME", authentication_method="Password",
                             format=fmt)


def sealed_refresh_token(gate: sessiongate.SessionGate, sealed: str) -> str:
    data = gate.unseal_data(sealed)
    token: str = data.get("refreshToken") or data["refresh_token"]
    return token


def refreshed(result: Any) -> RefreshWithSessionCookieSuccessResponse:
    assert isinstance(result, RefreshWithSessionCookieSuccessResponse), result
    return result


def refused(result: Any) -> RefreshWithSessionCookieErrorResponse:
    assert isinstance(result, RefreshWithSessionCookieErrorResponse), result
    return result


def failure(auth: Any) -> sessiongate.AuthenticateWithSessionCookieErrorResponse:
    assert isinstance(auth, sessiongate.AuthenticateWithSessionCookieErrorResponse), auth
    return auth


@pytest.mark.parametrize("fmt", FORMATS)
def test_refresh_keeps_the_format_amr_and_auth_time(double: WorkosDouble, fmt: str) -> None:
    gate = make_gate(double)
    old = cookie(double, gate, fmt)
    old_refresh = sealed_refresh_token(gate, old)
    double.set_clock(T0 + 400)
    expired = failure(gate.authenticate(old, now=T0 + 400))
    assert expired.authenticated is False and expired.detail == "expired"
    result = refreshed(gate.refresh(old, now=T0 + 400))
    assert result.authenticated is True and bool(result) is True
    assert isinstance(result, sessiongate.AuthenticateWithSessionCookieSuccessResponse)
    assert result.format == fmt and result.sealed_session.startswith("Fe26.2*") == (fmt == "iron")
    assert result.amr == ["pwd", "mfa"] and result.auth_time == T0 - 100, "a refresh keeps amr and auth_time"
    assert (result.organization_id, result.authentication_method) == ("org_01HOME", "Password")
    assert result.user is not None and result.user["first_name"] == "Ada"
    assert result.claims["exp"] == T0 + 700
    # The new cookie opens like any other, with the rotated refresh token sealed in it.
    again = gate.authenticate(result.sealed_session, now=T0 + 400)
    assert isinstance(again, sessiongate.AuthenticateWithSessionCookieSuccessResponse)
    assert again.session_id == result.session_id and again.access_token == result.access_token
    assert sealed_refresh_token(gate, result.sealed_session) != old_refresh
    # What went over the wire: the old refresh token, the API key, the current organization.
    sent = double.requests()[-1]
    assert sent["body"]["refresh_token"] == old_refresh and sent["body"]["client_secret"] == double.api_key
    assert sent["body"]["organization_id"] == "org_01HOME" and SECRET not in str(sent)
    # to_dict adds the new cookie to the session's fields; step-up judges the refreshed session.
    d = result.to_dict()
    assert d["sealed_session"] == result.sealed_session and d["session_id"] == result.session_id
    assert gate.check(result, sessiongate.StepUpPolicy(), now=T0 + 400).allowed
    # The workos-shaped path: load_sealed_session(cookie).refresh() (remembered: no new call).
    same = refreshed(gate.load_sealed_session(old).refresh(now=T0 + 401))
    assert same.sealed_session == result.sealed_session
    assert double.calls() == 1


def test_fifty_threads_make_one_call_then_the_grace_window_serves_twenty_more(double: WorkosDouble) -> None:
    gate = make_gate(double)
    for fmt in FORMATS:
        double.set_clock(T0)
        old = cookie(double, gate, fmt)
        before = double.calls()
        double.set_clock(T0 + 301)
        barrier = threading.Barrier(50)
        results: List[Any] = []

        def worker() -> None:
            barrier.wait()
            results.append(gate.refresh(old, now=T0 + 301))

        threads = [threading.Thread(target=worker) for _ in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        cookies = [refreshed(r).sealed_session for r in results]
        assert len(cookies) == 50 and len(set(cookies)) == 1, f"{fmt}: 50 identical cookies"
        assert double.calls() == before + 1, f"{fmt}: one API call for 50 concurrent refreshes"
        # 20 more requests with the old cookie inside the grace window (60 s): no call.
        late: List[Any] = []
        threads = [threading.Thread(target=lambda i=i: late.append(gate.refresh(old, now=T0 + 302 + i)))
                   for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [refreshed(r).sealed_session for r in late] == cookies[:20]
        assert double.calls() == before + 1, f"{fmt}: still one call"


@pytest.mark.parametrize("fault", [{"kind": "status", "status": 500}, {"kind": "status", "status": 503},
                                   {"kind": "malformed_json"}], ids=["500", "503", "malformed_json"])
def test_transient_faults_raise_the_retryable_error_and_spend_nothing(double: WorkosDouble, fault: Dict[str, Any]) -> None:
    gate = make_gate(double)
    old = cookie(double, gate, "iron")
    double.set_clock(T0 + 400)
    double.faults(fault, fault, fault)  # three outlast the core's two retries
    with pytest.raises(RefreshUnavailableError) as raised:
        gate.refresh(old, now=T0 + 400)
    err = raised.value
    assert isinstance(err, sessiongate.ApiUnavailableError) and isinstance(err, sessiongate.SessionGateError)
    assert (err.code, err.retryable, err.retry_after) == ("api_unavailable", True, None)
    assert double.calls() == 3
    assert double.api_key not in str(err) and sealed_refresh_token(gate, old) not in str(err)
    # authenticate_or_refresh on the expired cookie: the same error, so the cookie is kept.
    double.faults(fault, fault, fault)
    with pytest.raises(RefreshUnavailableError):
        gate.authenticate_or_refresh(old, now=T0 + 400)
    # The refresh token survived: the next call refreshes.
    refreshed(gate.refresh(old, now=T0 + 400))


def test_rate_limits_carry_retry_after(double: WorkosDouble) -> None:
    gate = make_gate(double)
    old = cookie(double, gate, "fernet")
    double.set_clock(T0 + 400)
    double.faults(*[{"kind": "rate_limited", "retry_after": 1}] * 3)
    started = time.monotonic()
    with pytest.raises(RefreshUnavailableError) as raised:
        gate.refresh(old, now=T0 + 400)
    assert raised.value.retry_after == 1.0 and raised.value.retryable is True
    assert time.monotonic() - started >= 2.0, "Retry-After waited before each of the two retries"
    # Past the core's cap it is not waited for: answered at once, with the API's value.
    double.faults({"kind": "rate_limited", "retry_after": 30})
    started, before = time.monotonic(), double.calls()
    with pytest.raises(RefreshUnavailableError) as raised:
        gate.refresh(old, now=T0 + 400)
    assert raised.value.retry_after == 30.0 and double.calls() == before + 1
    assert time.monotonic() - started < 1.0
    refreshed(gate.refresh(old, now=T0 + 400))


def test_a_stall_is_bounded_by_the_timeout_and_releases_the_gil(double: WorkosDouble) -> None:
    gate = make_gate(double, refresh_timeout_seconds=0.8)
    old = cookie(double, gate, "fernet")
    double.set_clock(T0 + 400)
    double.faults({"kind": "stall", "ms": 3000})
    errors: List[BaseException] = []

    def worker() -> None:
        try:
            gate.refresh(old, now=T0 + 400)
        except BaseException as e:  # noqa: BLE001 (collected, asserted below)
            errors.append(e)

    started, ticks = time.monotonic(), 0
    thread = threading.Thread(target=worker)
    thread.start()
    while thread.is_alive():
        ticks += 1
        time.sleep(0.001)
    thread.join()
    elapsed = time.monotonic() - started
    (err,) = errors
    assert isinstance(err, RefreshUnavailableError), err
    assert elapsed < 1.5, f"bounded by refresh_timeout_seconds: {elapsed:.2f} s"
    assert ticks > 100, f"the main thread ran only {ticks} times during the stall: the GIL was held"
    assert double.calls() == 1, "no retry once the timeout is spent"


@pytest.mark.parametrize(("fault", "reason"), [
    ({"kind": "sso_required"}, "sso_required"),
    ({"kind": "mfa_enrollment"}, "mfa_enrollment"),
    ({"kind": "oauth_error", "status": 400, "error": "invalid_grant"}, "invalid_grant"),
], ids=["sso_required", "mfa_enrollment", "invalid_grant"])
def test_terminal_refusals_are_error_responses(double: WorkosDouble, fault: Dict[str, Any], reason: str) -> None:
    gate = make_gate(double)
    old = cookie(double, gate, "iron")
    double.set_clock(T0 + 400)
    double.faults(fault)
    result = refused(gate.refresh(old, now=T0 + 400))
    assert (result.authenticated, bool(result), result.reason, result.sealed_session) == (False, False, reason, None)
    assert result.detail == ("refresh_token_rejected" if reason == "invalid_grant" else reason)
    # The API's reason is the core's string (workos-python's enum has no member for it).
    assert type(result.reason) is str
    assert isinstance(result, sessiongate.AuthenticateWithSessionCookieErrorResponse)
    assert result.to_dict() == {"authenticated": False, "reason": reason, "detail": result.detail, "sealed_session": None}
    assert double.calls() == 1, "terminal: not retried"
    # authenticate_or_refresh: the failure, and the cookie is to be cleared.
    double.faults(fault)
    renewal = gate.authenticate_or_refresh(old, now=T0 + 400)
    assert renewal.clear_cookie is True and renewal.sealed_session is None and not renewal
    assert failure(renewal.auth).reason == reason


def test_unknown_key_gives_the_rotated_cookie_with_the_failure(double: WorkosDouble) -> None:
    gate = make_gate(double)
    for fmt in FORMATS:
        double.set_clock(T0)
        old = cookie(double, gate, fmt)
        double.set_clock(T0 + 400)
        double.faults({"kind": "unknown_key"})
        result = refused(gate.refresh(old, now=T0 + 400))
        assert (result.reason, result.detail) == ("invalid_jwt", "unknown_kid")
        assert result.sealed_session is not None, "the rotated token is never lost"
        assert result.sealed_session.startswith("Fe26.2*") == (fmt == "iron")
        assert sealed_refresh_token(gate, result.sealed_session) != sealed_refresh_token(gate, old)
        assert "sealed_session=<redacted>" in repr(result) and result.sealed_session not in repr(result)
        # The rotated refresh token works: the next refresh succeeds with it.
        refreshed(gate.refresh(result.sealed_session, now=T0 + 401))


def test_authenticate_or_refresh_at_each_side_of_the_buffer_edge(double: WorkosDouble) -> None:
    # 300 s tokens: the core's buffer is 30 s (refresh when exp < now + 30; exp = T0 + 300).
    gate = make_gate(double)
    old = cookie(double, gate, "iron")
    for now in (T0 + 10, T0 + 270):
        renewal = gate.authenticate_or_refresh(old, now=now)
        assert renewal.auth.authenticated is True and renewal.sealed_session is None and not renewal.clear_cookie
        assert bool(renewal) is True
    assert double.calls() == 0, "outside the buffer: no refresh"
    double.set_clock(T0 + 271)
    renewal = gate.authenticate_or_refresh(old, now=T0 + 271)
    assert renewal.sealed_session is not None and renewal.clear_cookie is False
    assert isinstance(renewal.auth, sessiongate.AuthenticateWithSessionCookieSuccessResponse)
    assert renewal.auth.claims["exp"] == T0 + 571 and renewal.auth.amr == ["pwd", "mfa"]
    assert double.calls() == 1
    assert gate.authenticate_or_refresh(renewal.sealed_session, now=T0 + 272).sealed_session is None
    assert renewal.sealed_session not in repr(renewal) and "sealed_session=<redacted>" in repr(renewal)

    # A configured buffer (100 s), then 0: no proactive refresh, an expired token still refreshes.
    buffered = make_gate(double, refresh_buffer_seconds=100)
    double.set_clock(T0)
    old = cookie(double, buffered, "fernet")
    assert buffered.authenticate_or_refresh(old, now=T0 + 200).sealed_session is None
    double.set_clock(T0 + 201)
    assert buffered.authenticate_or_refresh(old, now=T0 + 201).sealed_session is not None
    never = make_gate(double, refresh_buffer_seconds=0)
    double.set_clock(T0)
    old = cookie(double, never, "iron")
    before = double.calls()
    assert never.authenticate_or_refresh(old, now=T0 + 299).sealed_session is None
    assert double.calls() == before
    double.set_clock(T0 + 300)
    expired = never.authenticate_or_refresh(old, now=T0 + 300)
    assert expired.auth.authenticated is True and expired.sealed_session is not None

    # Cookies a refresh cannot help: clear a bad one, keep an absent one.
    bad = gate.authenticate_or_refresh("Fe26.2*garbage", now=T0)
    assert bad.clear_cookie is True and failure(bad.auth).reason == "invalid_session_cookie" and not bad
    none = gate.authenticate_or_refresh(None, now=T0)
    assert none.clear_cookie is False and failure(none.auth).reason == "no_session_cookie_provided"
    # F4: a lone surrogate is not UTF-8: the detail authenticate gives, no API call.
    before = double.calls()
    surrogate = gate.authenticate_or_refresh("Fe26.2*\udcff", now=T0)
    assert failure(surrogate.auth).reason == "invalid_session_cookie" and surrogate.clear_cookie is True
    assert failure(surrogate.auth).detail == "malformed_seal"
    assert refused(gate.refresh("gAAAAA\udcff", now=T0)).detail == "malformed_seal"
    assert double.calls() == before


def test_organization_switching(double: WorkosDouble) -> None:
    gate = make_gate(double)
    old = cookie(double, gate, "iron")
    double.call("POST", "/_double/memberships", {"user_id": USER["id"], "organization_id": "org_01OTHER",
                                                  "role": "admin"})
    missing = refused(gate.refresh(old, organization_id="org_01NOWHERE", now=T0 + 10))
    assert missing.reason == "organization_not_found"
    switched = refreshed(gate.refresh(old, organization_id="org_01OTHER", now=T0 + 10))
    assert (switched.organization_id, switched.role) == ("org_01OTHER", "admin")
    assert double.requests()[-1]["body"]["organization_id"] == "org_01OTHER"
    with pytest.raises(sessiongate.ConfigurationError):
        gate.refresh(switched.sealed_session, organization_id="", now=T0 + 20)


def test_logout_url(double: WorkosDouble) -> None:
    gate = make_gate(double)
    sealed = cookie(double, gate, "fernet")
    auth = gate.authenticate(sealed, now=T0)
    assert isinstance(auth, sessiongate.AuthenticateWithSessionCookieSuccessResponse)
    base = f"{double.url}/user_management/sessions/logout?session_id={auth.session_id}"
    assert gate.get_logout_url(sealed, now=T0 + 9999) == base, "works for an expired session"
    url = gate.get_logout_url(sealed, return_to="https://app.example/signed out?x=1", now=T0)
    assert url == base + "&return_to=https%3A%2F%2Fapp.example%2Fsigned+out%3Fx%3D1"
    assert gate.load_sealed_session(sealed).get_logout_url(return_to="https://app.example/signed out?x=1",
                                                           now=T0) == url
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=30)
    connection.request("GET", f"{parts.path}?{parts.query}")
    answer = connection.getresponse()
    assert answer.status == 302 and answer.getheader("Location") == "https://app.example/signed out?x=1"
    connection.close()
    for forged, detail in (("Fe26.2*nope", None), ("\udcff", "malformed_seal")):
        with pytest.raises(sessiongate.UnsealError) as raised:
            gate.get_logout_url(forged)
        assert raised.value.detail is not None and forged not in str(raised.value)
        assert detail is None or raised.value.detail == detail
    default = sessiongate.SessionGate(client_id=double.client_id, cookie_password=SECRET,
                                      jwks=double.call("GET", "/_double/config")["jwks"])
    assert default.get_logout_url(sealed).startswith("https://api.workos.com/user_management/sessions/logout?")


def test_without_an_api_key(double: WorkosDouble) -> None:
    gate = sessiongate.SessionGate(client_id=double.client_id, cookie_password=SECRET, api_base_url=double.url)
    old = cookie(double, gate, "iron")
    with pytest.raises(sessiongate.ConfigurationError, match="api_key"):
        gate.refresh(old, now=T0 + 400)
    with pytest.raises(sessiongate.ConfigurationError, match="api_key"):
        gate.load_sealed_session(old).refresh(now=T0 + 400)
    served = gate.authenticate_or_refresh(old, now=T0 + 290)
    assert served.auth.authenticated is True and served.sealed_session is None
    assert double.calls() == 0


def test_one_shot_helper_refreshes_and_shares_the_key_cache(double: WorkosDouble) -> None:
    gate = make_gate(double)
    old = cookie(double, gate, "fernet")
    for _ in range(20):  # twenty one-shot gates, one key fetch: SessionGate::shared
        session = sessiongate.load_sealed_session(session_data=old, cookie_password=SECRET,
                                                  client_id=double.client_id, api_key=double.api_key,
                                                  api_base_url=double.url)
        assert session.authenticate(now=T0 + 10).authenticated is True
    assert double.calls("jwks") == 1
    double.set_clock(T0 + 400)
    result = refreshed(session.refresh(now=T0 + 400))
    assert result.amr == ["pwd", "mfa"] and double.calls() == 1


def test_no_secret_in_any_repr_or_message(double: WorkosDouble) -> None:
    gate = make_gate(double)
    old = cookie(double, gate, "iron")
    double.set_clock(T0 + 400)
    result = refreshed(gate.refresh(old, now=T0 + 400))
    renewal = gate.authenticate_or_refresh(old, now=T0 + 401)
    double.faults(*[{"kind": "status", "status": 500}] * 3)
    with pytest.raises(RefreshUnavailableError) as raised:
        gate.refresh(result.sealed_session, now=T0 + 401)
    shown = [repr(gate), repr(result), str(result), repr(renewal), repr(renewal.auth), repr(raised.value),
             str(raised.value), repr(gate.load_sealed_session(result.sealed_session))]
    secrets = [double.api_key, SECRET, old, result.sealed_session, result.access_token,
               sealed_refresh_token(gate, old), sealed_refresh_token(gate, result.sealed_session)]
    for text in shown:
        for secret in secrets:
            assert secret not in text, f"a secret leaked into {text[:80]!r}"
    assert repr(result).startswith("RefreshWithSessionCookieSuccessResponse(sealed_session=<redacted>, ")
