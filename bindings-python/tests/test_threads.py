"""One gate shared by many threads: every answer matches the cookie it was asked about."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import List, Optional, Tuple

from support import Peer

import sessiongate

IRON_PASSWORD = "thread-test-iron-password-0123456789abcdef"
Case = Tuple[str, Optional[str], Optional[List[str]]]


def test_many_threads_one_gate(peer: Peer) -> None:
    # One gate that opens both formats (rotation list: the Fernet key first, an iron password second).
    shared = sessiongate.SessionGate(
        client_id=peer.client_id, cookie_password=[peer.cookie_password, IRON_PASSWORD], jwks=peer.jwks
    )
    iron_sealer = sessiongate.SessionGate(client_id=peer.client_id, cookie_password=IRON_PASSWORD, jwks=peer.jwks)
    cases: List[Case] = []
    for i in range(60):
        user = peer.user(f"user_{i:04d}", f"user{i}@example.com")
        amr = ["pwd", "mfa"] if i % 2 else ["pwd"]
        token = peer.token(user_id=user["id"], sid=f"session_{i:04d}", amr=amr)
        sealer, fmt = (iron_sealer, "iron") if i % 3 == 0 else (shared, "fernet")
        cookie = sealer.seal_session(access_token=token, refresh_token=f"r{i}", user=user, format=fmt)
        cases.append((cookie, f"session_{i:04d}", amr))
    cases += [("not-a-cookie", None, None), ("", None, None), (cases[1][0][:-8], None, None)]
    work = cases * 20  # 1260 calls

    def check(case: Case) -> bool:
        cookie, sid, amr = case
        auth = shared.authenticate(cookie)
        if sid is None:
            return auth.authenticated is False
        return isinstance(auth, sessiongate.AuthenticateWithSessionCookieSuccessResponse) and (
            auth.session_id == sid and auth.amr == amr
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(check, work))
    assert len(results) == len(work) == 1260
    assert all(results), f"{results.count(False)} wrong answers"


def test_many_threads_bearer_tokens_and_step_up(peer: Peer) -> None:
    shared = sessiongate.SessionGate(client_id=peer.client_id, cookie_password=peer.cookie_password, jwks=peer.jwks,
                                     verified_token_cache=16)  # smaller than the token count: evictions too
    policy = sessiongate.StepUpPolicy()
    tokens = [(peer.token(user_id=f"user_{i:04d}", sid=f"session_{i:04d}", amr=["pwd", "mfa"] if i % 2 else ["pwd"]),
               f"user_{i:04d}", i % 2 == 1) for i in range(40)]
    work = tokens * 25  # 1000 calls

    def check(case: Tuple[str, str, bool]) -> bool:
        token, subject, mfa = case
        verified = shared.verify_access_token(token)
        if not isinstance(verified, sessiongate.VerifiedToken) or verified.subject != subject:
            return False
        try:
            shared.require(verified, policy)
        except sessiongate.StepUpRequiredError as err:
            return not mfa and err.status == 401 and err.reason == "mfa_required"
        return mfa

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(check, work))
    assert len(results) == 1000
    assert all(results), f"{results.count(False)} wrong answers"
