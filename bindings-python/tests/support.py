"""Helpers shared by the tests, the demo and the benchmark (stdlib + PyJWT only)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, List, Optional

import jwt  # PyJWT, a dependency of workos
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey  # cryptography: a workos dependency
from cryptography.hazmat.primitives.serialization import load_pem_private_key

REPO = Path(__file__).resolve().parents[2]
VECTORS = REPO / "tests" / "vectors"
PEER_PYTHON = VECTORS / "peers" / "workos-python-10.8.0.json"


def load_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class JwksServer:
    """Serves one JWKS document on 127.0.0.1 (any GET path ending in /sso/jwks/<client_id>).

    Runs in a daemon thread, counts fetches, answers each after ``delay`` seconds, and stops by
    itself after ``lifetime`` seconds if nobody stopped it first.
    """

    def __init__(self, jwks: Dict[str, Any], client_id: str, lifetime: float = 600.0, delay: float = 0.0) -> None:
        body = json.dumps(jwks).encode()
        path = f"/sso/jwks/{client_id}"
        server_self = self
        self.fetches = 0

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                if self.path.rstrip("/") != path:
                    self.send_error(404)
                    return
                server_self.fetches += 1
                time.sleep(delay)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/"
        self.jwks_url = f"{self.base_url}sso/jwks/{client_id}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self._timer = threading.Timer(lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()

    def stop(self) -> None:
        self._timer.cancel()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "JwksServer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


class Peer:
    """The workos-python 10.8.0 peer vectors: client id, Fernet key, JWKS and signing key."""

    def __init__(self) -> None:
        data = load_json(PEER_PYTHON)
        self.client_id: str = data["meta"]["client_id"]
        self.issuer: str = data["meta"]["issuer_in_tokens"]
        self.cookie_password: str = data["cookie_password"]
        self.jwks: Dict[str, Any] = data["jwks"]
        self.kid: str = data["test_keys"]["signing"]["kid"]
        self.private_pem: str = data["test_keys"]["signing"]["private_pem"]
        # Parsed once: loading (and validating) an RSA private key costs tens of milliseconds.
        key = load_pem_private_key(self.private_pem.encode(), password=None)
        assert isinstance(key, RSAPrivateKey)
        self._signing_key = key

    def token(self, *, user_id: str, sid: str, amr: Optional[List[str]] = None, now: Optional[int] = None,
              ttl: int = 3600, **extra: Any) -> str:
        """An RS256 access token shaped like WorkOS's (sid and auth_time, as workos 10.8.0 needs)."""
        now = int(time.time()) if now is None else now
        claims: Dict[str, Any] = {
            "iss": self.issuer,
            "sub": user_id,
            "sid": sid,
            "org_id": "org_01INTEROP",
            "role": "admin",
            "roles": ["admin", "member"],
            "permissions": ["posts:read", "posts:write"],
            "entitlements": ["audit-logs"],
            "feature_flags": ["beta-dashboard"],
            "auth_time": now - 60,
            "iat": now - 60,
            "exp": now + ttl,
        }
        if amr is not None:
            claims["amr"] = amr
        claims.update(extra)
        return jwt.encode(claims, self._signing_key, algorithm="RS256", headers={"kid": self.kid})

    def sign(self, claims: Dict[str, Any]) -> str:
        """Any claims, signed RS256 with the peer's signing key (its kid in the header)."""
        return jwt.encode(claims, self._signing_key, algorithm="RS256", headers={"kid": self.kid})

    @staticmethod
    def user(user_id: str, email: str) -> Dict[str, Any]:
        return {
            "object": "user",
            "id": user_id,
            "email": email,
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email_verified": True,
            "profile_picture_url": None,
            "created_at": "2024-01-01T00:00:00.000Z",
            "updated_at": "2024-05-01T12:00:00.000Z",
            "metadata": {"tier": "gold"},
        }


class WorkosDouble:
    """The WorkOS API double (tests/double), spawned from ``SESSIONGATE_WORKOS_DOUBLE`` (set by
    ``cargo xtask test python``). It prints one JSON line and exits when its stdin closes, so a
    dying test never leaves it running. A missing binary fails the test (never a skip)."""

    def __init__(self, *args: str) -> None:
        import os
        import subprocess

        binary = os.environ.get("SESSIONGATE_WORKOS_DOUBLE")
        assert binary, "SESSIONGATE_WORKOS_DOUBLE is not set: run the suite with `cargo xtask test python`"
        self._proc = subprocess.Popen([binary, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self._proc.stdout is not None
        info = json.loads(self._proc.stdout.readline())
        self.url: str = info["url"]
        self.client_id: str = info["client_id"]
        self.api_key: str = info["api_key"]
        self.jwks_url: str = info["jwks_url"]

    def call(self, method: str, path: str, body: Optional[Dict[str, Any]] = None) -> Any:
        import urllib.request

        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())

    def create_session(self, user: Dict[str, Any], **fields: Any) -> Dict[str, Any]:
        """``POST /_double/sessions``: ``{access_token, refresh_token, session_id, user}``."""
        result: Dict[str, Any] = self.call("POST", "/_double/sessions", {"user": user, **fields})
        return result

    def faults(self, *faults: Dict[str, Any], endpoint: str = "authenticate") -> None:
        self.call("POST", "/_double/faults", {"endpoint": endpoint, "faults": list(faults)})

    def calls(self, endpoint: str = "authenticate") -> int:
        count: int = self.call("GET", "/_double/stats").get(endpoint, 0)
        return count

    def requests(self) -> List[Dict[str, Any]]:
        recorded: List[Dict[str, Any]] = self.call("GET", "/_double/requests")
        return recorded

    def set_clock(self, now: Optional[float]) -> None:
        self.call("POST", "/_double/clock", {"now": now})

    def close(self) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        self._proc.wait(timeout=30)
        if self._proc.stdout is not None:
            self._proc.stdout.close()

    def __enter__(self) -> "WorkosDouble":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class RedisServer:
    """A real ``redis-server`` on a free 127.0.0.1 port (the binary from
    ``SESSIONGATE_REDIS_SERVER``, set by ``cargo xtask test``, else PATH), stopped on exit."""

    def __init__(self) -> None:
        import os
        import shutil
        import socket
        import subprocess
        import time

        binary = os.environ.get("SESSIONGATE_REDIS_SERVER") or shutil.which("redis-server")
        assert binary, "no redis-server: run the suite with `cargo xtask test python`, which installs it"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port: int = s.getsockname()[1]
        self._proc = subprocess.Popen([binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                       "--appendonly", "no"], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.02)
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self._proc.kill()
        self._proc.wait()

    def __enter__(self) -> "RedisServer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
