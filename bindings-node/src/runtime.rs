//! The JavaScript half (`lib/errors.js`, `lib/results.js`), kept per environment. A result
//! crosses as one JSON string (one `JSON.parse`, not a napi call per property); the native
//! value it came from is wrapped onto the object (`napi_wrap`): a step-up check reads what the
//! core verified, and a copy carries nothing.

// napi reads `NativeRuntime`'s field types as written, to type them in index.d.ts: no aliases.
#![allow(clippy::type_complexity)]

use napi::bindgen_prelude::{FnArgs, Function, FunctionRef, JsObjectValue, JsValue, JsValuesTupleIntoVec, Object, Unknown};
use napi::{Env, Status};
use napi_derive::napi;
use serde::Serialize;
use serde_json::Value;
use sessiongate::{Error, Failure, Refusal, Session, StepUpDenial, VerifiedToken};

use crate::stepup::ChallengeInfo;

/// Internal: what the package's entry point (`lib/index.js`) hands to the addon once per
/// environment, the error constructors and result builders the native side calls.
#[napi(object, object_to_js = false)]
pub struct NativeRuntime {
    pub error: FunctionRef<FnArgs<(&'static str, String, Option<&'static str>, Option<f64>, Option<String>)>, Object<'static>>,
    pub step_up: FunctionRef<FnArgs<(String, &'static str, u32, ChallengeInfo, String)>, Object<'static>>,
    pub invalid_argument: FunctionRef<String, Object<'static>>,
    pub session: FunctionRef<FnArgs<(String, String, String)>, Object<'static>>,
    pub failure: FunctionRef<FnArgs<(&'static str, &'static str)>, Object<'static>>,
    pub token: FunctionRef<String, Object<'static>>,
    pub token_failure: FunctionRef<FnArgs<(&'static str, &'static str)>, Object<'static>>,
    pub jwks_status: FunctionRef<String, Object<'static>>,
    pub coordinator_status: FunctionRef<String, Object<'static>>,
    pub refreshed: FunctionRef<FnArgs<(String, Unknown<'static>)>, Object<'static>>,
    pub refresh_failure: FunctionRef<FnArgs<(&'static str, &'static str, Option<String>)>, Object<'static>>,
    pub renewal: FunctionRef<FnArgs<(Unknown<'static>, Option<String>, bool)>, Object<'static>>,
    pub step_up_challenge: FunctionRef<String, Object<'static>>,
    pub step_up_grant: FunctionRef<String, Object<'static>>,
    pub guard_audit: FunctionRef<Function<'static, Value, Unknown<'static>>, Function<'static, Value, Unknown<'static>>>,
}

/// What the core verified, wrapped onto the result object built from it.
pub enum Verified {
    Session(Box<Session>),
    Token(VerifiedToken),
}

fn runtime(env: &Env) -> napi::Result<&'static NativeRuntime> {
    env.get_instance_data::<NativeRuntime>()?
        .map(|runtime| &*runtime)
        .ok_or_else(|| napi::Error::new(Status::GenericFailure, "sessiongate: load the package, not its napi loader"))
}

fn build<Args: JsValuesTupleIntoVec>(env: &Env, pick: fn(&NativeRuntime) -> &FunctionRef<Args, Object<'static>>, args: Args) -> napi::Result<Object<'static>> {
    pick(runtime(env)?).borrow_back(env)?.call(args)
}

fn json(value: &impl Serialize) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|_| Error::Internal("cannot serialize a result".into()))
}

/// A result ready for the event-loop thread. A session's access token and claims travel apart
/// from its view (the ~1 KB token is never escaped or scanned; `claims` is parsed on first read).
pub enum Ready {
    Session { view: String, access_token: String, claims: String, session: Box<Session> },
    Token { view: String, token: VerifiedToken },
    Refused(Failure),
    TokenRefused(Failure),
    /// A refresh: the new cookie and the session (a `Ready::Session`).
    Refreshed { sealed_session: String, session: Box<Ready> },
    /// A refused refresh, with the rotated cookie when the API did rotate.
    RefreshFailed { failure: Failure, sealed_session: Option<String> },
    /// What `authenticateOrRefresh` decided: the result to serve, the cookie to set, whether to clear it.
    Renewal { auth: Box<Ready>, sealed_session: Option<String>, clear_cookie: bool },
    /// A started step-up, as its view (snake_case JSON).
    StepUpChallenge(String),
    /// A completed step-up, as its view.
    StepUpGrant(String),
}

impl Ready {
    pub fn session(session: Box<Session>) -> Result<Ready, Error> {
        // Placeholders keep the token's and the claims' places in the view's order.
        let empty = sessiongate::Claims::new();
        let view = json(&sessiongate::SessionView { access_token: Some(""), claims: Some(&empty), ..session.view() })?;
        Ok(Ready::Session { view, access_token: session.access_token.clone(), claims: json(&*session.claims)?, session })
    }

    pub fn token(token: VerifiedToken) -> Result<Ready, Error> {
        Ok(Ready::Token { view: json(&token.view())?, token })
    }

    /// The result object; a session or token carries its native value (`napi_wrap`).
    pub fn into_js(self, env: &Env) -> napi::Result<Unknown<'static>> {
        let (mut object, verified) = match self {
            Ready::Session { view, access_token, claims, session } => {
                (build(env, |r| &r.session, FnArgs::from((view, access_token, claims)))?, Verified::Session(session))
            }
            Ready::Token { view, token } => (build(env, |r| &r.token, view)?, Verified::Token(token)),
            Ready::Refused(f) => return Ok(build(env, |r| &r.failure, (f.reason.as_str(), f.detail.code()).into())?.to_unknown()),
            Ready::TokenRefused(f) => return Ok(build(env, |r| &r.token_failure, (f.reason.as_str(), f.detail.code()).into())?.to_unknown()),
            Ready::Refreshed { sealed_session, session } => {
                let session = session.into_js(env)?;
                return Ok(build(env, |r| &r.refreshed, FnArgs::from((sealed_session, session)))?.to_unknown());
            }
            Ready::RefreshFailed { failure: f, sealed_session } => {
                let args = FnArgs::from((f.reason.as_str(), f.detail.code(), sealed_session));
                return Ok(build(env, |r| &r.refresh_failure, args)?.to_unknown());
            }
            Ready::Renewal { auth, sealed_session, clear_cookie } => {
                let auth = auth.into_js(env)?;
                return Ok(build(env, |r| &r.renewal, FnArgs::from((auth, sealed_session, clear_cookie)))?.to_unknown());
            }
            Ready::StepUpChallenge(view) => return Ok(build(env, |r| &r.step_up_challenge, view)?.to_unknown()),
            Ready::StepUpGrant(view) => return Ok(build(env, |r| &r.step_up_grant, view)?.to_unknown()),
        };
        object.wrap(verified, None)?;
        Ok(object.to_unknown())
    }
}

/// The native value behind a result object this binding built, or a `TypeError`.
pub fn verified<'a>(env: &Env, object: Option<&'a Object>) -> napi::Result<&'a Verified> {
    let message = "auth must be a session or token authenticate() or verifyAccessToken() resolved (not a refusal, nor a copy)";
    object.and_then(|object| object.unwrap::<Verified>().ok()).map(|verified| &*verified).ok_or_else(|| invalid_argument(env, message))
}

/// The key cache's status object.
pub fn jwks_status(env: &Env, status: &sessiongate::JwksStatus) -> napi::Result<Unknown<'static>> {
    build(env, |r| &r.jwks_status, status.to_json().to_string()).map(|o| o.to_unknown())
}

/// The refresh coordinator's status object.
pub fn coordinator_status(env: &Env, status: &sessiongate::CoordinatorStatus) -> napi::Result<Unknown<'static>> {
    build(env, |r| &r.coordinator_status, status.to_json().to_string()).map(|o| o.to_unknown())
}

fn thrown(made: napi::Result<Object<'static>>) -> napi::Error {
    made.map_or_else(|e| e, |error| napi::Error::from(error.to_unknown()))
}

/// The JavaScript error for a core error: the class of its code, with the core's message,
/// (for an unseal error) its detail, (for an API outage) its `Retry-After` in seconds and (for
/// an outage) the core's 503 for the server helpers.
pub fn to_js(env: &Env, e: &Error) -> napi::Error {
    to_js_saying(env, e, e.to_string())
}

/// [`to_js`] with a message that says more than the core's.
pub fn to_js_saying(env: &Env, e: &Error, message: String) -> napi::Error {
    let retry_after = e.retry_after().map(|wait| wait.as_secs_f64());
    let refusal = Refusal::unavailable(e).map(|refusal| refusal.to_json().to_string());
    thrown(build(env, |r| &r.error, FnArgs::from((e.code().as_str(), message, e.detail_code(), retry_after, refusal))))
}

/// The app's `onAudit`, wrapped so that what it throws never becomes an uncaught exception.
pub fn guard_audit(env: &Env, on_audit: Function<'static, Value, Unknown<'static>>) -> napi::Result<Function<'static, Value, Unknown<'static>>> {
    runtime(env)?.guard_audit.borrow_back(env)?.call(on_audit)
}

/// A `StepUpRequiredError`: the core's message, reason, status, challenge and web answer.
pub fn step_up(env: &Env, denial: &StepUpDenial) -> napi::Error {
    let challenge = ChallengeInfo::from(&denial.challenge);
    let refusal = Refusal::step_up(denial).to_json().to_string();
    let args = FnArgs::from((denial.to_string(), denial.reason.code(), u32::from(denial.status()), challenge, refusal));
    thrown(build(env, |r| &r.step_up, args))
}

/// A `TypeError` (code `ERR_INVALID_ARG_VALUE`): the caller passed the wrong kind of thing.
pub fn invalid_argument(env: &Env, message: &str) -> napi::Error {
    thrown(build(env, |r| &r.invalid_argument, message.to_owned()))
}
