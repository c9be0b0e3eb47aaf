"""Refresh across a fleet (issue 16) with real processes: 4 Python processes sharing one real
Redis, 10 concurrent requests each with the same expired cookie -> exactly one call to the API
double (which keeps no replay grace, so a second exchange would be ``invalid_grant``), and every
response carries the same new cookie. The control: the same race without a coordinator logs
users out. And the coordinator's status from Python, with Redis up and down. (Node's suite runs
the same race with Node processes, and with Python and Node processes mixed.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
from support import RedisServer, WorkosDouble

import sessiongate

SECRET = "ZmxlZXQtc3VpdGUtY29va2llLXNlY3JldC0zMmJ5dGU="
T0 = 1_800_000_000
WORKER = Path(__file__).with_name("fleet_worker.py")


@pytest.fixture
def double() -> Iterator[WorkosDouble]:
    with WorkosDouble("--grace-ms", "0") as d:
        d.set_clock(T0)
        yield d


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    with RedisServer() as r:
        yield r


def gate(double: WorkosDouble, redis: Optional[str]) -> sessiongate.SessionGate:
    return sessiongate.SessionGate(client_id=double.client_id, cookie_password=SECRET, api_key=double.api_key,
                                   api_base_url=double.url, refresh_coordinator=redis)


def expired_cookie(double: WorkosDouble, g: sessiongate.SessionGate, email: str) -> str:
    issued = double.create_session({"object": "user", "id": f"user_{email}", "email": email},
                                   organization_id="org_01FLEET", amr=["pwd", "mfa"], auth_time=T0 - 10)
    sealed = g.seal_session(access_token=issued["access_token"], refresh_token=issued["refresh_token"],
                            user=issued["user"], organization_id="org_01FLEET", format="iron")
    double.set_clock(T0 + 400)
    return sealed


def start_worker(double: WorkosDouble, redis: Optional[str], cookie: str, requests: int = 10) -> "subprocess.Popen[str]":
    """A worker process that has built its gate and read the cookie: it refreshes on "go"."""
    config = json.dumps({"client_id": double.client_id, "api_key": double.api_key, "api_base_url": double.url,
                         "secret": SECRET, "redis": redis, "now": T0 + 400, "requests": requests})
    worker = subprocess.Popen([sys.executable, str(WORKER), config], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    assert worker.stdin is not None and worker.stdout is not None
    worker.stdin.write(cookie + "\n")
    worker.stdin.flush()
    assert json.loads(worker.stdout.readline()) == {"ready": True}
    return worker


def go(workers: List["subprocess.Popen[str]"]) -> List[Dict[str, Any]]:
    """Releases the workers together; their reports."""
    for w in workers:
        assert w.stdin is not None
        w.stdin.write("go\n")
        w.stdin.flush()
    reports = []
    for w in workers:
        out, _ = w.communicate(timeout=60)
        assert w.returncode == 0, out
        reports.append(json.loads(out))
    return reports


def race(double: WorkosDouble, redis: Optional[str], cookie: str, processes: int) -> List[Dict[str, Any]]:
    return go([start_worker(double, redis, cookie) for _ in range(processes)])


def test_forty_requests_on_four_python_processes_make_one_api_call(double: WorkosDouble, redis: RedisServer) -> None:
    cookie = expired_cookie(double, gate(double, redis.url), "ada@example.com")
    reports = race(double, redis.url, cookie, processes=4)
    outcomes = [o for r in reports for o in r["outcomes"]]
    assert len(outcomes) == 40
    assert all("cookie" in o for o in outcomes), outcomes
    assert len({o["cookie"] for o in outcomes}) == 1, "every response carries the same new cookie"
    assert double.calls("authenticate") == 1, "one rotation for the whole fleet"
    statuses = [r["status"] for r in reports]
    assert all(s["kind"] == "redis" and s["available"] and s["fallbacks"] == 0 for s in statuses), statuses
    assert sum(s["shared"] for s in statuses) >= 3, "the other processes took the result from Redis"
    # The new cookie opens, with the session's amr, in this process too.
    auth = gate(double, None).authenticate(outcomes[0]["cookie"], now=T0 + 400)
    assert auth.authenticated and auth.amr == ["pwd", "mfa"]


def test_without_a_coordinator_the_same_race_logs_users_out(double: WorkosDouble) -> None:
    # The control experiment: the race the coordinator closes.
    cookie = expired_cookie(double, gate(double, None), "bob@example.com")
    reports = race(double, None, cookie, processes=4)
    outcomes = [o for r in reports for o in r["outcomes"]]
    assert double.calls("authenticate") >= 2
    assert any(o.get("refused") == "invalid_grant" for o in outcomes), outcomes


def test_a_lease_holder_killed_mid_refresh_costs_only_its_lease(double: WorkosDouble, redis: RedisServer) -> None:
    import time

    cookie = expired_cookie(double, gate(double, redis.url), "kim@example.com")
    # The first process takes the lease and is killed while its API call hangs.
    double.faults({"kind": "stall", "ms": 20000})
    holder = start_worker(double, redis.url, cookie, requests=1)
    assert holder.stdin is not None
    holder.stdin.write("go\n")
    holder.stdin.flush()
    deadline = time.monotonic() + 10
    while double.calls("authenticate") < 1:
        assert time.monotonic() < deadline, "the holder never called the API"
        time.sleep(0.01)
    holder.kill()
    holder.wait()
    # Three more processes: they wait out the dead holder's lease (the workers' refresh timeout,
    # 5 s), then one refreshes for all of them.
    workers = [start_worker(double, redis.url, cookie) for _ in range(3)]
    started = time.monotonic()
    reports = go(workers)
    took = time.monotonic() - started
    outcomes = [o for r in reports for o in r["outcomes"]]
    assert all("cookie" in o for o in outcomes), outcomes
    assert len({o["cookie"] for o in outcomes}) == 1
    assert double.calls("authenticate") == 2, "the dead holder's call, then one for the fleet"
    assert took < 5 + 3, f"within the lease plus one round trip (and process start): {took:.1f} s"


def test_status_shows_redis_and_the_fallback_when_it_is_down(double: WorkosDouble) -> None:
    assert gate(double, None).refresh_coordinator_status() == {
        "kind": "in_process", "url": None, "available": True, "fallbacks": 0, "shared": 0,
        "refused_values": 0, "last_error": None,
    }
    server = RedisServer()
    url = f"redis://:s3cr3t-pass@127.0.0.1:{server.port}/0"
    g = gate(double, url)
    server.stop()
    cookie = expired_cookie(double, g, "dan@example.com")
    result = g.refresh(cookie, now=T0 + 400)
    assert result.authenticated, "Redis down never fails a request"
    status = g.refresh_coordinator_status()
    assert status["kind"] == "redis" and not status["available"] and status["fallbacks"] == 1, status
    assert status["last_error"] and "s3cr3t" not in json.dumps(status) + repr(g), status
    assert status["url"] is not None and "s3cr3t" not in status["url"]


def test_a_bad_coordinator_url_is_a_configuration_error(double: WorkosDouble) -> None:
    for url, says in [("http://127.0.0.1:6379", "redis://"), ("", "redis://")]:
        with pytest.raises(sessiongate.ConfigurationError, match=says):
            gate(double, url)
    with pytest.raises(sessiongate.ConfigurationError, match="refresh_coordinator_timeout_seconds"):
        sessiongate.SessionGate(client_id=double.client_id, cookie_password=SECRET, api_key=double.api_key,
                                api_base_url=double.url, refresh_coordinator="redis://127.0.0.1",
                                refresh_coordinator_timeout_seconds=0)
