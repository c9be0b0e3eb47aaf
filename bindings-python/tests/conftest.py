from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import JwksServer, Peer  # noqa: E402

import sessiongate  # noqa: E402

VECTOR_RESULTS = {"run": 0, "passed": 0}
STEPUP_RESULTS = {"run": 0, "passed": 0}


@pytest.fixture(scope="session")
def peer() -> Peer:
    return Peer()


@pytest.fixture(scope="session")
def jwks_server(peer: Peer) -> Iterator[JwksServer]:
    with JwksServer(peer.jwks, peer.client_id, lifetime=900) as server:
        yield server


@pytest.fixture(scope="session")
def gate(peer: Peer) -> sessiongate.SessionGate:
    return sessiongate.SessionGate(client_id=peer.client_id, cookie_password=peer.cookie_password, jwks=peer.jwks)


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    run, passed = VECTOR_RESULTS["run"], VECTOR_RESULTS["passed"]
    if run:
        terminalreporter.write_line(
            f"shared vectors (tests/vectors/cases.json): {run} cases run through the Python API, {passed} passed"
        )
    run, passed = STEPUP_RESULTS["run"], STEPUP_RESULTS["passed"]
    if run:
        terminalreporter.write_line(
            f"step-up vectors (tests/vectors/stepup.json): {run} rows run through StepUpPolicy.check_claims, "
            f"{passed} passed"
        )
