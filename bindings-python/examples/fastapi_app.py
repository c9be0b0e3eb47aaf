"""A FastAPI app that authenticates WorkOS session cookies (and bearer access tokens) with
sessiongate and gates privileged routes on a step-up policy (MFA, recent enough), which
workos-python cannot tell you.

- Cookie route: a session without MFA gets 403 with the RFC 9470 JSON body
  ``{"error": "insufficient_user_authentication", "error_description": ...}``.
- Bearer route: a token without MFA gets 401 with ``WWW-Authenticate: Bearer
  error="insufficient_user_authentication", ...`` (RFC 9470), which clients parse with
  ``sessiongate.Challenge.parse``.
- Step-up (WorkOS tokens carry no ``amr`` today): ``POST /step-up/start`` challenges the user's
  TOTP (or SMS) factor through the WorkOS MFA API and keeps the pending value in a cookie;
  ``POST /step-up/complete`` with ``{"code": ...}`` verifies it and sets the grant cookie, which
  the privileged cookie route then counts. Needs ``WORKOS_API_KEY``.

Run it (with uvicorn installed) against your WorkOS environment:

    WORKOS_CLIENT_ID=client_... WORKOS_COOKIE_PASSWORD=... JWKS_FILE=jwks.json \\
        uvicorn fastapi_app:app

One SessionGate is built at startup and shared by every request thread; FastAPI runs the
sync dependencies below in its thread pool and sessiongate releases the GIL while it works.
"""

from __future__ import annotations

import json
import os
from typing import Any, Callable, Dict, Optional

from fastapi import Body, Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse

import sessiongate
from sessiongate import AuthenticateWithSessionCookieSuccessResponse as Session
from sessiongate import StepUpFailedError, StepUpPolicy, StepUpRequiredError, VerifiedToken

COOKIE_NAME = "wos-session"
PENDING_COOKIE = "sg-step-up-pending"
GRANT_COOKIE = "sg-step-up"
# MFA (amr has mfa), at most 10 minutes after the user authenticated.
PRIVILEGED = StepUpPolicy(amr_any_of=["mfa"], max_age=600)


def create_app(gate: sessiongate.SessionGate, cookie_name: str = COOKIE_NAME,
               policy: StepUpPolicy = PRIVILEGED) -> FastAPI:
    app = FastAPI(title="sessiongate example")

    @app.exception_handler(StepUpRequiredError)
    def step_up_required(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StepUpRequiredError)
        # 403 + JSON body for a cookie session; 401 + WWW-Authenticate for a bearer token.
        headers = {"WWW-Authenticate": exc.www_authenticate} if exc.status == 401 else None
        return JSONResponse(exc.to_dict(), status_code=exc.status, headers=headers)

    def current_session(request: Request) -> Session:
        try:
            auth = gate.authenticate(request.cookies.get(cookie_name))
        except sessiongate.JwksUnavailableError:
            # An outage of the key server is not a bad session: do not log the user out.
            raise HTTPException(status_code=503, detail="authentication temporarily unavailable") from None
        if not isinstance(auth, Session):
            raise HTTPException(status_code=401, detail={"reason": str(auth.reason), "detail": auth.detail})
        return auth

    def bearer_token(request: Request) -> VerifiedToken:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        verified: Optional[Any] = None
        if scheme.lower() == "bearer" and token:
            try:
                verified = gate.verify_access_token(token.strip())
            except sessiongate.JwksUnavailableError:
                raise HTTPException(status_code=503, detail="authentication temporarily unavailable") from None
        if not isinstance(verified, VerifiedToken):
            raise HTTPException(status_code=401, detail="invalid or missing bearer token",
                                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return verified

    def privileged_session(request: Request, session: Session = Depends(current_session)) -> Session:
        # The token's amr, or a step-up grant for this very session, must satisfy the policy.
        gate.require(session, policy, grant=request.cookies.get(GRANT_COOKIE))  # raises StepUpRequiredError (403)
        return session

    def keep(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
        response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax",
                            secure=request.url.scheme == "https")

    def privileged_token(token: VerifiedToken = Depends(bearer_token)) -> VerifiedToken:
        gate.require(token, policy)  # raises StepUpRequiredError (status 401)
        return token

    @app.get("/me")
    def me(session: Session = Depends(current_session)) -> Dict[str, Any]:
        email = session.user["email"] if session.user else None
        return {"session_id": session.session_id, "email": email, "amr": session.amr}

    @app.post("/admin/rotate-keys")
    def rotate_keys(session: Session = Depends(privileged_session)) -> Dict[str, Any]:
        return {"ok": True, "by": session.session_id}

    @app.post("/step-up/start")
    def start_step_up(request: Request, response: Response, session: Session = Depends(current_session)) -> Dict[str, Any]:
        try:
            challenge = gate.start_step_up(session)
        except StepUpFailedError as e:  # no_factor_enrolled...: nothing to challenge
            raise HTTPException(status_code=409, detail={"step_up_failed": e.detail}) from None
        except sessiongate.ApiUnavailableError:
            raise HTTPException(status_code=503, detail="step-up temporarily unavailable") from None
        keep(response, request, PENDING_COOKIE, challenge.pending, max_age=600)
        return {"factor_type": challenge.factor_type, "expires_at": challenge.expires_at}

    @app.post("/step-up/complete")
    def complete_step_up(request: Request, response: Response, code: str = Body(embed=True),
                         session: Session = Depends(current_session)) -> Dict[str, Any]:
        try:
            grant = gate.complete_step_up(session, pending=request.cookies.get(PENDING_COOKIE, ""), code=code)
        except StepUpFailedError as e:  # code_invalid (ask again), challenge_expired (start again)...
            raise HTTPException(status_code=400, detail={"step_up_failed": e.detail}) from None
        except sessiongate.ApiUnavailableError:
            raise HTTPException(status_code=503, detail="step-up temporarily unavailable") from None
        keep(response, request, GRANT_COOKIE, grant.grant, max_age=int(grant.expires_at - grant.verified_at))
        response.delete_cookie(PENDING_COOKIE)
        return {"amr": grant.amr, "verified_at": grant.verified_at}

    @app.post("/api/admin/rotate-keys")
    def api_rotate_keys(token: VerifiedToken = Depends(privileged_token)) -> Dict[str, Any]:
        return {"ok": True, "by": token.subject}

    return app


def gate_from_env(env: Callable[[str], str] = lambda name: os.environ[name]) -> sessiongate.SessionGate:
    with open(env("JWKS_FILE"), encoding="utf-8") as f:
        jwks = json.load(f)
    return sessiongate.SessionGate(
        client_id=env("WORKOS_CLIENT_ID"),
        cookie_password=env("WORKOS_COOKIE_PASSWORD").split(","),  # several: key rotation
        jwks=jwks,
        api_key=env("WORKOS_API_KEY"),  # step-up through the WorkOS MFA API
    )


if "WORKOS_CLIENT_ID" in os.environ:  # importable without configuration (tests build their own gate)
    app = create_app(gate_from_env())
