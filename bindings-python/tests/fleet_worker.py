"""One "process" of a fleet, for the fleet suites (Python's and Node's): builds a gate on the
given Redis, reads a cookie from stdin, says ready, waits for "go", refreshes it from
``requests`` threads at once, and prints what each got and the coordinator's status (JSON).

Usage: python fleet_worker.py CONFIG_JSON  (client_id, api_key, api_base_url, secret, redis,
now, requests)."""

from __future__ import annotations

import json
import sys
import threading
from typing import Any, Dict, List

import sessiongate


def main() -> None:
    config: Dict[str, Any] = json.loads(sys.argv[1])
    gate = sessiongate.SessionGate(client_id=config["client_id"], cookie_password=config["secret"],
                                   api_key=config["api_key"], api_base_url=config["api_base_url"],
                                   refresh_coordinator=config["redis"], refresh_timeout_seconds=5,
                                   # Each Redis command may take up to 1 s (default 50 ms): on a loaded
                                   # 2-core machine the processes must still coordinate; the default
                                   # bound is tested by tests/fleet.rs.
                                   refresh_coordinator_timeout_seconds=1 if config["redis"] else None)
    cookie = sys.stdin.readline().strip()
    print(json.dumps({"ready": True}), flush=True)
    assert sys.stdin.readline().strip() == "go"
    count: int = config["requests"]
    barrier = threading.Barrier(count)
    outcomes: List[Dict[str, Any]] = [{} for _ in range(count)]

    def request(i: int) -> None:
        barrier.wait()
        try:
            result = gate.refresh(cookie, now=config["now"])
            if result.authenticated:
                outcomes[i] = {"cookie": result.sealed_session}
            else:
                outcomes[i] = {"refused": result.reason}
        except sessiongate.SessionGateError as e:
            outcomes[i] = {"error": e.code}

    threads = [threading.Thread(target=request, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"outcomes": outcomes, "status": gate.refresh_coordinator_status()}), flush=True)


if __name__ == "__main__":
    main()
