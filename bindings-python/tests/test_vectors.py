"""Every case of tests/vectors/cases.json through the Python API (the file every language reads)."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from conftest import VECTOR_RESULTS
from support import VECTORS, load_json

import sessiongate

CASES_FILE = VECTORS / "cases.json"
CONFIG_KEYS = {
    "client_id", "cookie_passwords", "jwks", "issuers", "audiences", "leeway", "require_exp",
    "max_cookie_bytes", "algorithms", "formats", "allow_weak_secrets",
}


def _load() -> Dict[str, Any]:
    if not CASES_FILE.exists():  # a missing file is a failure (below), never a skipped suite
        return {"jwks": {}, "cases": []}
    data: Dict[str, Any] = load_json(CASES_FILE)
    return data


DATA = _load()
CASES: List[Dict[str, Any]] = DATA["cases"]
# The session keys every authenticated case must state (the core's SessionView fields, read from
# the vectors; more are compared when present).
SESSION_KEYS = set(DATA.get("session_keys", []))


def test_vector_file_is_present_and_non_empty() -> None:
    assert CASES_FILE.exists(), f"{CASES_FILE} is missing"
    assert len(CASES) > 0
    ids = [case["id"] for case in CASES]
    assert len(set(ids)) == len(ids), "duplicate case ids"
    assert SESSION_KEYS, "cases.json lists no session_keys"
    print(f"{len(CASES)} shared vector cases")


def make_gate(config: Dict[str, Any]) -> sessiongate.SessionGate:
    unknown = set(config) - CONFIG_KEYS
    assert not unknown, f"config keys this runner does not know: {unknown}"
    kwargs: Dict[str, Any] = {}
    for optional in ("algorithms", "formats", "allow_weak_secrets"):
        if optional in config:
            kwargs[optional] = config[optional]
    return sessiongate.SessionGate(
        client_id=config["client_id"],
        cookie_password=config["cookie_passwords"],
        jwks=DATA["jwks"][config["jwks"]],
        issuer=config["issuers"] or None,  # an empty list is "not checked": leave the option out
        audience=config["audiences"] or None,
        leeway=config["leeway"],
        require_exp=config["require_exp"],
        max_cookie_bytes=config["max_cookie_bytes"],
        **kwargs,
    )


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_case(case: Dict[str, Any]) -> None:
    VECTOR_RESULTS["run"] += 1
    expected = case["expected"]
    outcome = expected["outcome"]
    if outcome == "configuration_error":
        with pytest.raises(sessiongate.ConfigurationError) as raised:
            make_gate(case["config"])
        assert raised.value.code == "configuration_error"
        VECTOR_RESULTS["passed"] += 1
        return

    gate = make_gate(case["config"])
    auth = gate.authenticate(case["cookie"], now=case["now"])
    # The one-shot, workos-shaped path must agree.
    again = gate.load_sealed_session(case["cookie"]).authenticate(now=case["now"])
    assert again.to_dict() == auth.to_dict()

    if outcome == "authenticated":
        assert isinstance(auth, sessiongate.AuthenticateWithSessionCookieSuccessResponse), auth
        assert auth.authenticated is True
        session = expected["session"]
        missing = SESSION_KEYS - set(session)
        assert not missing, f"the case does not state {missing}"
        for key, want in session.items():
            got = getattr(auth, key)
            assert got == want, f"{key}: got {got!r}, want {want!r}"
            assert type(got) is type(want) or want is None or isinstance(want, (int, float)), key
        assert auth.to_dict()["session_id"] == session["session_id"]
        # to_dict is the core's projection: its fields, in its order (plus the claims).
        assert [k for k in auth.to_dict() if k not in ("authenticated", "claims")] == DATA["session_keys"]
    elif outcome == "failed":
        assert isinstance(auth, sessiongate.AuthenticateWithSessionCookieErrorResponse), auth
        assert auth.authenticated is False
        assert auth.reason == expected["reason"]
        assert isinstance(auth.reason, sessiongate.AuthenticateWithSessionCookieFailureReason)
        assert auth.detail == expected["detail"]
    else:
        pytest.fail(f"unknown outcome {outcome!r}")
    VECTOR_RESULTS["passed"] += 1
