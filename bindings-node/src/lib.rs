//! The Node.js binding of sessiongate: converts JavaScript values to the core's types and
//! back, and maps the core's errors to `Error` subclasses with a stable `code`. No logic of
//! its own: every decision is the core's.
//!
//! `authenticate` answers inline, on the calling thread, when the core can without the
//! network ([`sessiongate::SessionGate::authenticate_cached_at`]: static keys, or a cached key
//! set that knows the token's `kid`), as an already settled Promise; otherwise it runs on the
//! libuv thread pool (an [`AsyncTask`]): a key fetch never runs on the event-loop thread.
//! `authenticateSync` uses only the cached path and throws `ERR_SESSIONGATE_JWKS_NOT_CACHED`
//! (retryable) when it would need a fetch. Results are serialized to one JSON string in Rust
//! and built by a small JavaScript function
//! ([`error`]): one boundary crossing per result instead of one per property. Success
//! objects have the keys of @workos-inc/node's `AuthenticateWithSessionCookieSuccessResponse`,
//! in its order (absent values are present as `undefined`, as there), then `amr`, `acr`,
//! `authTime`, `claims` and `format`.

// The JS-facing structs hold tokens and claims: no `Debug` for them, on purpose.
#![allow(missing_debug_implementations)]

mod error;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use napi::bindgen_prelude::{
    AsyncTask, ClassInstance, Either, Function, JsObjectValue, JsValue, Object, PromiseRaw, Undefined, Unknown,
};
use napi::{Env, JsDate, Task};
use napi_derive::napi;
use serde::Serialize;
use serde_json::{Map, Value};
use sessiongate::{
    AmrRequirement, Authentication, Challenge as CoreChallenge, Config, Failure, FailureDetail, JwksSource, SealFormat,
    Session, SessionData, StepUpDecision as CoreDecision, StepUpPolicy as CorePolicy,
};

/// A value that is always present as a key, `undefined` when absent (as in the SDK).
type Maybe<T> = Either<T, Undefined>;

type CoreResult<T> = Result<T, sessiongate::Error>;

#[napi(module_exports)]
pub fn init(mut exports: Object, env: Env) -> napi::Result<()> {
    error::install(&env, &mut exports)
}

/// Options of `new SessionGate(options)`.
#[napi(object, object_from_js = false, object_to_js = false)]
pub struct SessionGateOptions {
    /// The WorkOS client id (`client_…`).
    pub client_id: String,
    /// The cookie password, or several for rotation: the first seals, every one unseals.
    /// An iron password has at least 32 characters; a Fernet key (workos-python) is the
    /// url-safe base64 of 32 bytes.
    #[napi(ts_type = "string | string[]")]
    pub cookie_password: Vec<String>,
    /// The verification keys as a JWKS document (object or JSON text): offline, no network.
    #[napi(ts_type = "Record<string, unknown> | string")]
    pub jwks: Option<String>,
    /// A JWKS URL to fetch the keys from (cached 10 min, fetched off the event loop). Without
    /// `jwks`, `jwksUrl` or `discoveryIssuer`: WorkOS's `https://api.workos.com/sso/jwks/{clientId}`.
    pub jwks_url: Option<String>,
    /// An OIDC issuer whose `/.well-known/openid-configuration` names the `jwks_uri` (fetched
    /// and cached off the event loop, like `jwksUrl`). Give one of `jwks`, `jwksUrl`,
    /// `discoveryIssuer`.
    pub discovery_issuer: Option<String>,
    /// Accepted `iss` values (not checked when absent).
    #[napi(ts_type = "string | string[]")]
    pub issuer: Option<Vec<String>>,
    /// Accepted `aud` values (not checked when absent).
    #[napi(ts_type = "string | string[]")]
    pub audience: Option<Vec<String>>,
    /// Clock leeway for `exp`, `nbf`, `iat`, in seconds (default 0).
    pub leeway: Option<f64>,
    /// Refuse tokens without `exp` (default true; the SDKs accept them forever).
    pub require_exp: Option<bool>,
    /// Longest cookie accepted, in bytes (default 16384).
    pub max_cookie_bytes: Option<u32>,
    /// Accepted token algorithms (default `['RS256']`); `none` and HS* are refused.
    pub algorithms: Option<Vec<String>>,
    /// How many verified tokens to remember, so a repeated token skips the signature check
    /// (its claims are re-checked every time). Default 4096; 0 disables the cache.
    pub verified_token_cache: Option<u32>,
}

/// Options of `authenticate`.
#[napi(object, object_from_js = false, object_to_js = false)]
pub struct AuthenticateOptions {
    /// The time to authenticate at: seconds since the epoch, or a `Date` (default: now).
    #[napi(ts_type = "number | Date")]
    pub now: Option<f64>,
}

/// Options of `sealSession` and `sealData`.
#[napi(object, object_from_js = false, object_to_js = false)]
pub struct SealOptions {
    /// `'iron'` (@workos-inc/node, authkit-nextjs; the default) or `'fernet'` (workos-python).
    #[napi(ts_type = "'iron' | 'fernet'")]
    pub format: Option<String>,
}

/// What `sealSession` seals: the SDKs' session payload.
#[napi(object, object_from_js = false, object_to_js = false)]
pub struct SessionInput {
    pub access_token: String,
    pub refresh_token: String,
    #[napi(ts_type = "Record<string, any>")]
    pub user: Value,
    #[napi(ts_type = "Record<string, any> | null")]
    pub impersonator: Option<Value>,
    pub authentication_method: Option<String>,
    pub organization_id: Option<String>,
}

/// An authenticated session: @workos-inc/node's `AuthenticateWithSessionCookieSuccessResponse`
/// (same keys, same order), then `amr`, `acr`, `authTime`, every verified claim, and the
/// cookie's format.
// (The typings of the object the `session` builder in error.rs makes from [`SessionJson`].)
#[napi(object, object_from_js = false)]
pub struct AuthenticateSuccess {
    #[napi(ts_type = "true")]
    pub authenticated: bool,
    /// `sid`.
    pub session_id: String,
    /// `org_id`.
    #[napi(ts_type = "string | undefined")]
    pub organization_id: Maybe<String>,
    #[napi(ts_type = "string | undefined")]
    pub role: Maybe<String>,
    #[napi(ts_type = "string[] | undefined")]
    pub roles: Maybe<Vec<String>>,
    #[napi(ts_type = "string[] | undefined")]
    pub permissions: Maybe<Vec<String>>,
    #[napi(ts_type = "string[] | undefined")]
    pub entitlements: Maybe<Vec<String>>,
    /// `feature_flags`.
    #[napi(ts_type = "string[] | undefined")]
    pub feature_flags: Maybe<Vec<String>>,
    /// The sealed user, verbatim.
    #[napi(ts_type = "Record<string, any> | undefined")]
    pub user: Maybe<Value>,
    /// The sealed authentication method (`Password`, `GoogleOAuth`…).
    #[napi(ts_type = "string | undefined")]
    pub authentication_method: Maybe<String>,
    /// The sealed impersonator, verbatim.
    #[napi(ts_type = "Record<string, any> | undefined")]
    pub impersonator: Maybe<Value>,
    /// The verified access token.
    pub access_token: String,
    /// How the user authenticated (RFC 8176: `pwd`, `mfa`, `otp`…), normalized.
    #[napi(ts_type = "string[] | undefined")]
    pub amr: Maybe<Vec<String>>,
    #[napi(ts_type = "string | undefined")]
    pub acr: Maybe<String>,
    /// `auth_time`, seconds since the epoch.
    #[napi(ts_type = "number | undefined")]
    pub auth_time: Maybe<i64>,
    /// Every claim of the verified access token.
    #[napi(ts_type = "Record<string, unknown>")]
    pub claims: Map<String, Value>,
    #[napi(ts_type = "'iron' | 'fernet'")]
    pub format: String,
}

/// A refused cookie: the SDKs' `reason`, and a stable `detail` code for logs.
#[napi(object, object_from_js = false)]
pub struct AuthenticateFailure {
    #[napi(ts_type = "false")]
    pub authenticated: bool,
    #[napi(ts_type = "'no_session_cookie_provided' | 'invalid_session_cookie' | 'invalid_jwt'")]
    pub reason: String,
    /// E.g. `mac_mismatch`, `expired`, `unknown_kid`.
    pub detail: String,
}

/// What `unsealData` returns.
#[napi(object, object_from_js = false)]
pub struct Unsealed {
    #[napi(ts_type = "'iron' | 'fernet'")]
    pub format: String,
    pub data: Value,
}

/// A session as the JSON the `session` builder reads (absent members omitted: the builder
/// makes them `undefined`). The access token and the claims travel apart.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionJson<'a> {
    session_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    organization_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    roles: Option<Vec<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    permissions: Option<Vec<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    entitlements: Option<Vec<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    feature_flags: Option<Vec<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    authentication_method: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    impersonator: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    amr: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    acr: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_time: Option<i64>,
    format: &'static str,
}

/// The session's JSON (without the access token and the claims) and its claims' JSON.
fn session_json(session: &Session) -> CoreResult<(String, String)> {
    let internal = |_| sessiongate::Error::Internal("cannot serialize the session".into());
    let json = serde_json::to_string(&SessionJson {
        session_id: session.session_id(),
        organization_id: session.organization_id(),
        role: session.role(),
        roles: session.roles(),
        permissions: session.permissions(),
        entitlements: session.entitlements(),
        feature_flags: session.feature_flags(),
        user: session.user.as_ref(),
        authentication_method: session.authentication_method.as_deref(),
        impersonator: session.impersonator.as_ref(),
        amr: session.amr(),
        acr: session.acr(),
        auth_time: session.auth_time(),
        format: session.format.as_str(),
    })
    .map_err(internal)?;
    Ok((json, serde_json::to_string(&*session.claims).map_err(internal)?))
}

/// What an authentication produced, ready for the event-loop thread.
pub enum Outcome {
    /// The success object's JSON, its access token, and its claims' JSON.
    Session { json: String, access_token: String, claims: String },
    Failed(Failure),
}

fn outcome(auth: Authentication) -> CoreResult<Outcome> {
    match auth {
        Authentication::Authenticated(session) => {
            let (json, claims) = session_json(&session)?;
            Ok(Outcome::Session { json, access_token: session.access_token, claims })
        }
        Authentication::Failed(failure) => Ok(Outcome::Failed(failure)),
    }
}

fn outcome_to_js(env: &Env, outcome: CoreResult<Outcome>) -> napi::Result<Unknown<'static>> {
    match outcome {
        Ok(Outcome::Session { json, access_token, claims }) => error::session(env, json, access_token, claims),
        Ok(Outcome::Failed(failure)) => error::failure(env, failure),
        Err(e) => Err(error::to_js(env, &e)),
    }
}

/// Reads an options object: typed properties, unknown keys refused (a typo must not pass
/// silently). Messages name the option, never its value.
struct Options<'a> {
    object: Option<Object<'a>>,
    what: &'static str,
}

impl<'a> Options<'a> {
    fn new(
        value: Option<Either<Object<'a>, Unknown<'a>>>,
        what: &'static str,
        known: &[&str],
        err: fn(String) -> sessiongate::Error,
    ) -> CoreResult<Options<'a>> {
        let object = match value {
            None => None,
            Some(Either::A(object)) => Some(object),
            Some(Either::B(_)) => return Err(err(format!("{what} must be an object"))),
        };
        if let Some(object) = &object {
            let keys = Object::keys(object).map_err(|_| err(format!("cannot read {what}")))?;
            if let Some(key) = keys.iter().find(|k| !known.contains(&k.as_str())) {
                return Err(err(format!("unknown option `{key}` in {what} (known: {})", known.join(", "))));
            }
        }
        Ok(Options { object, what })
    }

    fn get<T>(&self, key: &str, expected: &str, err: fn(String) -> sessiongate::Error) -> CoreResult<Option<T>>
    where
        T: napi::bindgen_prelude::FromNapiValue + napi::bindgen_prelude::ValidateNapiValue,
    {
        match &self.object {
            None => Ok(None),
            Some(object) => object
                .get_named_property::<Option<T>>(key)
                .map_err(|_| err(format!("{}.{key} must be {expected}", self.what))),
        }
    }
}

fn strings(value: Either<String, Vec<String>>) -> Vec<String> {
    match value {
        Either::A(one) => vec![one],
        Either::B(many) => many,
    }
}

/// `JSON.stringify(value)`, as the SDKs serialize what they seal (`undefined` members are
/// dropped, `toJSON` is honoured). `None` when the value has no JSON form.
fn json_stringify(env: &Env, value: Unknown) -> napi::Result<Option<String>> {
    let json: Object = env.get_global()?.get_named_property("JSON")?;
    let stringify: Function<Unknown, Option<String>> = json.get_named_property("stringify")?;
    stringify.call(value)
}

/// A JavaScript value as JSON, the way the SDKs would seal it.
fn to_json(env: &Env, value: Unknown, what: &str) -> CoreResult<Value> {
    let text = json_stringify(env, value)
        .map_err(|_| error::seal(format!("{what} cannot be serialized as JSON")))?
        .ok_or_else(|| error::seal(format!("{what} has no JSON form")))?;
    sessiongate::json::parse_lenient(&text).ok_or_else(|| error::seal(format!("{what} cannot be serialized as JSON")))
}

fn seal_format(options: &Options) -> CoreResult<SealFormat> {
    match options.get::<String>("format", "'iron' or 'fernet'", error::seal)? {
        None => Ok(SealFormat::Iron),
        Some(name) => SealFormat::parse(&name).ok_or_else(|| error::seal("format must be 'iron' or 'fernet'")),
    }
}

const GATE_OPTIONS: [&str; 12] = [
    "clientId",
    "cookiePassword",
    "jwks",
    "jwksUrl",
    "discoveryIssuer",
    "issuer",
    "audience",
    "leeway",
    "requireExp",
    "maxCookieBytes",
    "algorithms",
    "verifiedTokenCache",
];

fn read_config(env: &Env, options: Option<Either<Object, Unknown>>) -> CoreResult<Config> {
    if options.is_none() {
        return Err(error::config("options are required: new SessionGate({ clientId, cookiePassword, jwks })"));
    }
    let o = Options::new(options, "options", &GATE_OPTIONS, error::config)?;
    let cfg = error::config;
    let client_id = o.get::<String>("clientId", "a string", cfg)?.ok_or_else(|| cfg("clientId is required".into()))?;
    let passwords = o
        .get::<Either<String, Vec<String>>>("cookiePassword", "a string or an array of strings", cfg)?
        .map(strings)
        .ok_or_else(|| cfg("cookiePassword is required".into()))?;
    let jwks = match o.get::<Either<String, Object>>("jwks", "a JWKS object or its JSON text", cfg)? {
        None => None,
        Some(Either::A(text)) => Some(text),
        Some(Either::B(object)) => Some(
            json_stringify(env, object.to_unknown())
                .ok()
                .flatten()
                .ok_or_else(|| cfg("options.jwks cannot be serialized as JSON".into()))?,
        ),
    };
    let jwks_url = o.get::<String>("jwksUrl", "a string", cfg)?;
    let discovery = o.get::<String>("discoveryIssuer", "a string", cfg)?;
    let source = match (jwks, jwks_url, discovery) {
        (Some(doc), None, None) => JwksSource::Static(doc),
        (None, Some(url), None) => JwksSource::Url(url),
        (None, None, Some(issuer)) => JwksSource::Discovery(issuer),
        // WorkOS's key set for this client, fetched and cached.
        (None, None, None) => JwksSource::workos(&client_id),
        _ => return Err(cfg("give one of jwks, jwksUrl or discoveryIssuer, not several".into())),
    };
    let mut config = Config::new(client_id, passwords, source);
    let list = "a string or an array of strings";
    if let Some(issuers) = o.get::<Either<String, Vec<String>>>("issuer", list, cfg)? {
        config.issuers = strings(issuers);
    }
    if let Some(audiences) = o.get::<Either<String, Vec<String>>>("audience", list, cfg)? {
        config.audiences = strings(audiences);
    }
    if let Some(leeway) = o.get::<f64>("leeway", "a number of seconds", cfg)? {
        config.leeway = Duration::try_from_secs_f64(leeway)
            .map_err(|_| cfg("options.leeway must be a finite, non-negative number of seconds".into()))?;
    }
    if let Some(require_exp) = o.get::<bool>("requireExp", "a boolean", cfg)? {
        config.require_exp = require_exp;
    }
    if let Some(max) = o.get::<f64>("maxCookieBytes", "a number", cfg)? {
        if !(max >= 1.0 && max.fract() == 0.0 && max <= u32::MAX as f64) {
            return Err(cfg("options.maxCookieBytes must be a positive integer".into()));
        }
        config.max_cookie_bytes = max as usize;
    }
    if let Some(names) = o.get::<Vec<String>>("algorithms", "an array of strings", cfg)? {
        config.algorithms = names
            .iter()
            .map(|name| {
                sessiongate::jwks::asymmetric_algorithm(name)
                    .ok_or_else(|| cfg(format!("algorithm {name:?} is not supported (asymmetric algorithms only)")))
            })
            .collect::<CoreResult<_>>()?;
    }
    if let Some(size) = o.get::<f64>("verifiedTokenCache", "a number", cfg)? {
        if !(size >= 0.0 && size.fract() == 0.0 && size <= u32::MAX as f64) {
            return Err(cfg("options.verifiedTokenCache must be a non-negative integer (0 disables the cache)".into()));
        }
        config.verified_token_cache = size as usize;
    }
    Ok(config)
}

/// When to authenticate: `options.now` (epoch seconds or a `Date`), else the system clock.
fn read_now(options: Option<Either<Object, Unknown>>) -> CoreResult<Option<SystemTime>> {
    let o = Options::new(options, "authenticate options", &["now"], error::config)?;
    let seconds = match o.get::<Either<f64, JsDate>>("now", "a number of seconds or a Date", error::config)? {
        None => return Ok(None),
        Some(Either::A(seconds)) => seconds,
        Some(Either::B(date)) => {
            date.value_of().map_err(|_| error::config("authenticate options.now: invalid Date"))? / 1000.0
        }
    };
    Duration::try_from_secs_f64(seconds)
        .map(|since| Some(SystemTime::UNIX_EPOCH + since))
        .map_err(|_| error::config("authenticate options.now must be a finite time after the epoch"))
}

/// The work of one `authenticate` call, done on the libuv thread pool.
pub struct AuthenticateTask {
    gate: Arc<sessiongate::SessionGate>,
    input: Option<CoreResult<(Cookie, Option<SystemTime>)>>,
}

enum Cookie {
    Text(String),
    /// Not a string (a number, an object…): refused like any malformed cookie.
    NotText,
}

/// Authenticates and serializes the result (the part that may run off the event loop).
fn run_authenticate(gate: &sessiongate::SessionGate, input: CoreResult<(Cookie, Option<SystemTime>)>) -> CoreResult<Outcome> {
    match input? {
        (Cookie::NotText, _) => outcome(FailureDetail::MalformedSeal.into()),
        (Cookie::Text(cookie), now) => error::guard("authenticate", || {
            outcome(match now {
                Some(now) => gate.authenticate_at(&cookie, now)?,
                None => gate.authenticate(&cookie)?,
            })
        }),
    }
}

impl Task for AuthenticateTask {
    type Output = CoreResult<Outcome>;
    type JsValue = Unknown<'static>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(match self.input.take() {
            None => Err(sessiongate::Error::Internal("authenticate task ran twice".into())),
            Some(input) => run_authenticate(&self.gate, input),
        })
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        outcome_to_js(&env, output)
    }
}

fn cookie_of(session_data: Option<Either<String, Unknown>>) -> Cookie {
    match session_data {
        None => Cookie::Text(String::new()),
        Some(Either::A(text)) => Cookie::Text(text),
        Some(Either::B(_)) => Cookie::NotText,
    }
}

/// The answer without the network and without waiting, or `None` when the keys are not
/// cached (cold, stale, or the token's `kid` is unknown): then only `authenticate_at` can.
fn cached_outcome(gate: &sessiongate::SessionGate, cookie: &Cookie, now: Option<SystemTime>) -> Option<CoreResult<Outcome>> {
    match cookie {
        Cookie::NotText => Some(outcome(FailureDetail::MalformedSeal.into())),
        Cookie::Text(cookie) => error::guard("authenticate", || {
            gate.authenticate_cached_at(cookie, now.unwrap_or_else(SystemTime::now)).map(outcome).transpose()
        })
        .transpose(),
    }
}

/// What `authenticate` returns: a Promise settled inline (keys cached), or a task for the
/// libuv pool (a fetch may be needed).
type AuthenticatePromise = Either<PromiseRaw<'static, Unknown<'static>>, AsyncTask<AuthenticateTask>>;

fn authenticate_promise(
    env: &Env,
    gate: &Arc<sessiongate::SessionGate>,
    input: CoreResult<(Cookie, Option<SystemTime>)>,
) -> napi::Result<AuthenticatePromise> {
    let answer = match &input {
        Err(_) => None,
        Ok((cookie, now)) => cached_outcome(gate, cookie, *now),
    };
    let settled = match (answer, input) {
        (Some(Ok(answer)), _) => PromiseRaw::resolve(env, outcome_to_js(env, Ok(answer))?)?,
        (Some(Err(e)), _) | (None, Err(e)) => PromiseRaw::reject(env, error::to_js(env, &e))?,
        (None, Ok(input)) => {
            return Ok(Either::B(AsyncTask::new(AuthenticateTask { gate: Arc::clone(gate), input: Some(Ok(input)) })));
        }
    };
    Ok(Either::A(settled))
}

/// Opens WorkOS session cookies (iron from @workos-inc/node and authkit-nextjs, Fernet from
/// workos-python), verifies the access token, and returns the session with `amr`.
#[napi]
pub struct SessionGate {
    inner: Arc<sessiongate::SessionGate>,
}

#[napi]
impl SessionGate {
    /// Validates the options: every configuration problem throws here
    /// (`ERR_SESSIONGATE_CONFIG`), never per request.
    #[napi(constructor, ts_args_type = "options: SessionGateOptions")]
    pub fn new(env: Env, options: Option<Either<Object, Unknown>>) -> napi::Result<Self> {
        error::guard("new SessionGate", || read_config(&env, options).and_then(sessiongate::SessionGate::new))
            .map(|gate| SessionGate { inner: Arc::new(gate) })
            .map_err(|e| error::to_js(&env, &e))
    }

    /// Authenticates a sealed session cookie. When the keys are cached (always for `jwks`)
    /// the Promise is settled on the calling thread, without the network; otherwise the work,
    /// a key fetch included, runs off the event-loop thread. Never rejects for a bad cookie
    /// or token (it resolves `{ authenticated: false, reason, detail }`); rejects with
    /// `ERR_SESSIONGATE_JWKS_UNAVAILABLE` when no key set can be obtained (retryable).
    #[napi(
        ts_args_type = "sessionData: string | null | undefined, options?: AuthenticateOptions",
        ts_return_type = "Promise<AuthenticateResult>"
    )]
    pub fn authenticate(
        &self,
        env: Env,
        session_data: Option<Either<String, Unknown>>,
        options: Option<Either<Object, Unknown>>,
    ) -> napi::Result<AuthenticatePromise> {
        let input = read_now(options).map(|now| (cookie_of(session_data), now));
        authenticate_promise(&env, &self.inner, input)
    }

    /// `authenticate`, synchronously, from cached keys only: it never fetches. Always
    /// answers for a static key set (`jwks`); a gate that fetches its keys throws a
    /// retryable `JwksNotCachedError` (`ERR_SESSIONGATE_JWKS_NOT_CACHED`) until
    /// `await authenticate()` has fetched them (and again when they go stale or a new `kid`
    /// appears).
    #[napi(
        ts_args_type = "sessionData: string | null | undefined, options?: AuthenticateOptions",
        ts_return_type = "AuthenticateResult"
    )]
    pub fn authenticate_sync(
        &self,
        env: Env,
        session_data: Option<Either<String, Unknown>>,
        options: Option<Either<Object, Unknown>>,
    ) -> napi::Result<Unknown<'static>> {
        let now = read_now(options).map_err(|e| error::to_js(&env, &e))?;
        match cached_outcome(&self.inner, &cookie_of(session_data), now) {
            Some(answer) => outcome_to_js(&env, answer),
            None => Err(error::jwks_not_cached(&env)),
        }
    }

    /// Evaluates a step-up policy on an authenticated session (from `authenticate`) or a
    /// verified token (from `verifyAccessToken` / `verifyIdToken`), on its verified claims.
    #[napi(ts_args_type = "auth: AuthenticateSuccess | VerifiedToken, policy: StepUpPolicy, options?: AuthenticateOptions")]
    pub fn check(
        &self,
        env: Env,
        auth: Option<Either<Object, Unknown>>,
        policy: ClassInstance<StepUpPolicy>,
        options: Option<Either<Object, Unknown>>,
    ) -> napi::Result<StepUpDecision> {
        let (claims, _) = auth_claims(&env, auth)?;
        let now = read_now(options).map_err(|e| error::to_js(&env, &e))?.unwrap_or_else(SystemTime::now);
        Ok(decision_to_js(policy.inner.check_claims(&claims, now)))
    }

    /// Like `check`, but returns nothing when the policy allows, and throws a
    /// `StepUpRequiredError` (`status` 403 for a cookie session, 401 for a bearer token, with
    /// `wwwAuthenticate` and the JSON body as `toJSON()`) when it does not.
    #[napi(ts_args_type = "auth: AuthenticateSuccess | VerifiedToken, policy: StepUpPolicy, options?: AuthenticateOptions")]
    pub fn require(
        &self,
        env: Env,
        auth: Option<Either<Object, Unknown>>,
        policy: ClassInstance<StepUpPolicy>,
        options: Option<Either<Object, Unknown>>,
    ) -> napi::Result<()> {
        let (claims, status) = auth_claims(&env, auth)?;
        let now = read_now(options).map_err(|e| error::to_js(&env, &e))?.unwrap_or_else(SystemTime::now);
        match policy.inner.check_claims(&claims, now) {
            CoreDecision::Allowed => Ok(()),
            CoreDecision::Denied(denial) => {
                Err(error::step_up(&env, denial.reason.code(), status, challenge_info(&denial.challenge)))
            }
        }
    }

    /// Verifies a bearer access token (an `Authorization: Bearer` value, not a cookie) with
    /// this gate's keys and rules, off the event-loop thread. Resolves the verified token or
    /// `{ valid: false, reason, detail }`; rejects only when no key set can be obtained.
    #[napi(
        ts_args_type = "token: string, options?: AuthenticateOptions",
        ts_return_type = "Promise<VerifiedToken | TokenFailure>"
    )]
    pub fn verify_access_token(
        &self,
        token: Option<Either<String, Unknown>>,
        options: Option<Either<Object, Unknown>>,
    ) -> AsyncTask<VerifyTask> {
        verify_task(&self.inner, TokenKind::Access, token, options)
    }

    /// Verifies an OIDC ID token: audience = the client id, the issuer must be configured
    /// (`issuer`), no `sid` needed. Off the event-loop thread, like `verifyAccessToken`.
    #[napi(
        ts_args_type = "token: string, options?: AuthenticateOptions",
        ts_return_type = "Promise<VerifiedToken | TokenFailure>"
    )]
    pub fn verify_id_token(
        &self,
        token: Option<Either<String, Unknown>>,
        options: Option<Either<Object, Unknown>>,
    ) -> AsyncTask<VerifyTask> {
        verify_task(&self.inner, TokenKind::Id, token, options)
    }

    /// The remote key cache's state (for health endpoints), or `null` for a static key set.
    #[napi(ts_return_type = "JwksStatus | null")]
    pub fn jwks_status(&self) -> Option<JwksStatus> {
        self.inner.jwks_status().map(|status| JwksStatus {
            url: status.url,
            fetched_at: status.fetched_at.map(|at| at.duration_since(SystemTime::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())),
            kids: status.kids,
            stale: status.stale,
            fetches: status.fetches as f64,
            failures: status.failures as f64,
            last_error: status.last_error,
        })
    }

    /// Like @workos-inc/node's `userManagement.loadSealedSession`: a session whose
    /// `authenticate()` uses this gate's passwords and keys.
    #[napi(ts_args_type = "options: { sessionData: string | null | undefined }")]
    pub fn load_sealed_session(&self, env: Env, options: Option<Either<Object, Unknown>>) -> napi::Result<CookieSession> {
        let o = Options::new(options, "loadSealedSession options", &["sessionData"], error::config)
            .map_err(|e| error::to_js(&env, &e))?;
        let session_data = match &o.object {
            None => None,
            Some(object) => object
                .get_named_property::<Option<Either<String, Unknown>>>("sessionData")
                .map_err(|_| error::to_js(&env, &error::config("cannot read sessionData")))?
                .map(|value| match value {
                    Either::A(text) => Some(text),
                    Either::B(_) => None,
                })
                .map(|text| text.map_or(Cookie::NotText, Cookie::Text)),
        };
        Ok(CookieSession { gate: Arc::clone(&self.inner), cookie: session_data })
    }

    /// Seals a session as the SDK of `format` would, with the first cookie password:
    /// iron (default) is read by @workos-inc/node and authkit-nextjs, Fernet by workos-python.
    #[napi(ts_args_type = "session: SessionInput, options?: SealOptions")]
    pub fn seal_session(
        &self,
        env: Env,
        session: Option<Either<Object, Unknown>>,
        options: Option<Either<Object, Unknown>>,
    ) -> napi::Result<String> {
        error::guard("sealSession", || {
            let format = seal_format(&Options::new(options, "seal options", &["format"], error::seal)?)?;
            let data = read_session_input(&env, session)?;
            self.inner.seal_session(&data, format)
        })
        .map_err(|e| error::to_js(&env, &e))
    }

    /// Seals any JSON-serializable value with the first cookie password.
    #[napi(ts_args_type = "data: unknown, options?: SealOptions")]
    pub fn seal_data(&self, env: Env, data: Unknown, options: Option<Either<Object, Unknown>>) -> napi::Result<String> {
        error::guard("sealData", || {
            let format = seal_format(&Options::new(options, "seal options", &["format"], error::seal)?)?;
            let value = to_json(&env, data, "data")?;
            self.inner.seal_data(&value, format)
        })
        .map_err(|e| error::to_js(&env, &e))
    }

    /// Opens any sealed value (either format) with the cookie passwords; throws
    /// `ERR_SESSIONGATE_UNSEAL` (with the detail code in the message) when it cannot.
    #[napi(ts_args_type = "sealed: string, options?: AuthenticateOptions")]
    pub fn unseal_data(
        &self,
        env: Env,
        sealed: Option<Either<String, Unknown>>,
        options: Option<Either<Object, Unknown>>,
    ) -> napi::Result<Unsealed> {
        error::guard("unsealData", || {
            let now = read_now(options)?.unwrap_or_else(SystemTime::now);
            let sealed = match sealed {
                Some(Either::A(text)) => text,
                _ => return Err(sessiongate::Error::Unseal(FailureDetail::MalformedSeal)),
            };
            self.inner.unseal_data(&sealed, now)
        })
        .map(|unsealed| Unsealed { format: unsealed.format.as_str().to_owned(), data: unsealed.data })
        .map_err(|e| error::to_js(&env, &e))
    }
}

const SESSION_INPUT: [&str; 6] =
    ["accessToken", "refreshToken", "user", "impersonator", "authenticationMethod", "organizationId"];

fn read_session_input(env: &Env, session: Option<Either<Object, Unknown>>) -> CoreResult<SessionData> {
    let o = Options::new(session, "session", &SESSION_INPUT, error::seal)?;
    let Some(object) = &o.object else {
        return Err(error::seal("session must be an object { accessToken, refreshToken, user }"));
    };
    let seal = error::seal;
    let access_token =
        o.get::<String>("accessToken", "a string", seal)?.ok_or_else(|| seal("session.accessToken is required".into()))?;
    let refresh_token =
        o.get::<String>("refreshToken", "a string", seal)?.ok_or_else(|| seal("session.refreshToken is required".into()))?;
    let json = |key: &str| -> CoreResult<Option<Value>> {
        match object.get_named_property::<Option<Unknown>>(key) {
            Ok(Some(value)) => to_json(env, value, &format!("session.{key}")).map(|v| Some(v).filter(|v| !v.is_null())),
            Ok(None) => Ok(None),
            Err(_) => Err(seal(format!("cannot read session.{key}"))),
        }
    };
    let user = json("user")?.ok_or_else(|| seal("session.user is required".into()))?;
    let impersonator = json("impersonator")?;
    Ok(SessionData {
        access_token,
        refresh_token,
        user,
        impersonator,
        authentication_method: o.get::<String>("authenticationMethod", "a string", seal)?,
        organization_id: o.get::<String>("organizationId", "a string", seal)?,
    })
}

/// A sealed session bound to a gate (from `gate.loadSealedSession({ sessionData })`).
#[napi]
pub struct CookieSession {
    gate: Arc<sessiongate::SessionGate>,
    cookie: Option<Cookie>,
}

#[napi]
impl CookieSession {
    /// Authenticates the session, as `gate.authenticate(sessionData, options)`.
    #[napi(ts_args_type = "options?: AuthenticateOptions", ts_return_type = "Promise<AuthenticateResult>")]
    pub fn authenticate(&self, env: Env, options: Option<Either<Object, Unknown>>) -> napi::Result<AuthenticatePromise> {
        let cookie = match &self.cookie {
            None => Cookie::Text(String::new()),
            Some(Cookie::Text(text)) => Cookie::Text(text.clone()),
            Some(Cookie::NotText) => Cookie::NotText,
        };
        let input = read_now(options).map(|now| (cookie, now));
        authenticate_promise(&env, &self.gate, input)
    }
}

/// The claims of an authenticated session or a verified token, and the status of a refusal
/// for it (403 for a cookie session, 401 for a bearer token).
fn auth_claims(env: &Env, auth: Option<Either<Object, Unknown>>) -> napi::Result<(sessiongate::Claims, u16)> {
    const WHAT: &str = "auth must be what authenticate() or verifyAccessToken() / verifyIdToken() resolved";
    let Some(Either::A(object)) = auth else {
        return Err(error::invalid_argument(env, WHAT));
    };
    let flag = |key: &str| matches!(object.get_named_property::<Either<bool, Unknown>>(key), Ok(Either::A(true)));
    let refused = |key: &str| matches!(object.get_named_property::<Either<bool, Unknown>>(key), Ok(Either::A(false)));
    let status = if flag("authenticated") {
        CoreChallenge::COOKIE_STATUS
    } else if flag("valid") {
        CoreChallenge::BEARER_STATUS
    } else if refused("authenticated") || refused("valid") {
        return Err(error::invalid_argument(env, "auth is a refusal (authenticated or valid is false): authenticate first"));
    } else {
        return Err(error::invalid_argument(env, WHAT));
    };
    let claims = object
        .get_named_property::<Unknown>("claims")
        .ok()
        .and_then(|claims| claims_of(env, claims))
        .ok_or_else(|| error::invalid_argument(env, "auth.claims must be the verified claims object"))?;
    Ok((claims, status))
}

/// A JavaScript claims object as JSON claims (`JSON.stringify`, as everything else read).
fn claims_of(env: &Env, value: Unknown) -> Option<sessiongate::Claims> {
    let text = json_stringify(env, value).ok().flatten()?;
    match sessiongate::json::parse_lenient(&text)? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// An RFC 9470 challenge: the `WWW-Authenticate` value, the JSON body, and their fields.
#[napi(object, object_from_js = false)]
pub struct ChallengeInfo {
    /// The `WWW-Authenticate` header value (send it with status 401 on bearer APIs).
    pub www_authenticate: String,
    /// The JSON body (send it with status 403 on cookie apps).
    #[napi(ts_type = "{ error: 'insufficient_user_authentication'; error_description?: string; acr_values?: string; max_age?: number }")]
    pub body: Value,
    pub error_description: Option<String>,
    /// Acceptable `acr` values, in order.
    pub acr_values: Vec<String>,
    /// The largest acceptable age of the authentication, in seconds.
    pub max_age: Option<f64>,
}

fn challenge_info(challenge: &CoreChallenge) -> ChallengeInfo {
    ChallengeInfo {
        www_authenticate: challenge.www_authenticate(),
        body: challenge.to_json(),
        error_description: challenge.error_description.clone(),
        acr_values: challenge.acr_values.clone(),
        max_age: challenge.max_age.map(|seconds| seconds as f64),
    }
}

/// The outcome of a step-up check: `{ allowed: true }`, or the reason and the challenge.
#[napi(object, object_from_js = false)]
pub struct StepUpDecision {
    pub allowed: bool,
    #[napi(ts_type = "'mfa_required' | 'authentication_too_old' | 'acr_insufficient' | 'claims_missing'")]
    pub reason: Option<String>,
    pub challenge: Option<ChallengeInfo>,
}

fn decision_to_js(decision: CoreDecision) -> StepUpDecision {
    match decision {
        CoreDecision::Allowed => StepUpDecision { allowed: true, reason: None, challenge: None },
        CoreDecision::Denied(denial) => StepUpDecision {
            allowed: false,
            reason: Some(denial.reason.code().to_owned()),
            challenge: Some(challenge_info(&denial.challenge)),
        },
    }
}

/// Options of `new StepUpPolicy(options)`.
#[napi(object, object_from_js = false, object_to_js = false)]
pub struct StepUpPolicyOptions {
    /// At least one of these `amr` values (default `['mfa']` unless `amrAllOf` is given;
    /// `[]`: no such requirement).
    pub amr_any_of: Option<Vec<String>>,
    /// Every one of these `amr` values (default `[]`). Give this or `amrAnyOf`, not both.
    pub amr_all_of: Option<Vec<String>>,
    /// The longest time since `auth_time`, in seconds (default: not checked).
    pub max_age: Option<f64>,
    /// Accepted `acr` values, any one (default `[]`: not checked).
    pub acr_values: Option<Vec<String>>,
}

const POLICY_OPTIONS: [&str; 4] = ["amrAnyOf", "amrAllOf", "maxAge", "acrValues"];

/// A step-up policy: which `amr` methods, how recent an authentication (`maxAge`), which
/// `acr`. A claim the policy needs but the token lacks denies (`claims_missing`).
#[napi]
pub struct StepUpPolicy {
    inner: CorePolicy,
}

#[napi]
impl StepUpPolicy {
    /// `new StepUpPolicy()` requires `mfa` in `amr`.
    #[napi(constructor, ts_args_type = "options?: StepUpPolicyOptions")]
    pub fn new(env: Env, options: Option<Either<Object, Unknown>>) -> napi::Result<Self> {
        read_policy(options).map(|inner| StepUpPolicy { inner }).map_err(|e| error::to_js(&env, &e))
    }

    /// Evaluates the policy on raw verified claims (`amr` as a list, a string, or Supabase's
    /// `[{ method }]`).
    #[napi(ts_args_type = "claims: Record<string, unknown>, options?: AuthenticateOptions")]
    pub fn check_claims(&self, env: Env, claims: Unknown, options: Option<Either<Object, Unknown>>) -> napi::Result<StepUpDecision> {
        let claims = claims_of(&env, claims).ok_or_else(|| error::invalid_argument(&env, "claims must be an object"))?;
        let now = read_now(options).map_err(|e| error::to_js(&env, &e))?.unwrap_or_else(SystemTime::now);
        Ok(decision_to_js(self.inner.check_claims(&claims, now)))
    }

    #[napi(getter)]
    pub fn amr_any_of(&self) -> Vec<String> {
        match &self.inner.amr {
            AmrRequirement::AnyOf(values) => values.clone(),
            _ => Vec::new(),
        }
    }

    #[napi(getter)]
    pub fn amr_all_of(&self) -> Vec<String> {
        match &self.inner.amr {
            AmrRequirement::AllOf(values) => values.clone(),
            _ => Vec::new(),
        }
    }

    /// Seconds, or `null` when not checked.
    #[napi(getter)]
    pub fn max_age(&self) -> Option<f64> {
        self.inner.max_age.map(|age| age.as_secs_f64())
    }

    #[napi(getter)]
    pub fn acr_values(&self) -> Vec<String> {
        self.inner.acr_values.clone()
    }
}

fn read_policy(options: Option<Either<Object, Unknown>>) -> CoreResult<CorePolicy> {
    let cfg = error::config;
    let o = Options::new(options, "StepUpPolicy options", &POLICY_OPTIONS, cfg)?;
    let list = "an array of strings";
    let any_of = o.get::<Vec<String>>("amrAnyOf", list, cfg)?;
    let all_of = o.get::<Vec<String>>("amrAllOf", list, cfg)?.unwrap_or_default();
    let amr = match (any_of, all_of.is_empty()) {
        (None, true) => CorePolicy::mfa().amr,
        (None, false) => AmrRequirement::AllOf(all_of),
        (Some(any_of), true) if any_of.is_empty() => AmrRequirement::None,
        (Some(any_of), true) => AmrRequirement::AnyOf(any_of),
        (Some(any_of), false) if any_of.is_empty() => AmrRequirement::AllOf(all_of),
        (Some(_), false) => return Err(cfg("give amrAnyOf or amrAllOf, not both".into())),
    };
    let max_age = match o.get::<f64>("maxAge", "a number of seconds", cfg)? {
        None => None,
        Some(seconds) => Some(
            Duration::try_from_secs_f64(seconds)
                .map_err(|_| cfg("StepUpPolicy options.maxAge must be a finite, non-negative number of seconds".into()))?,
        ),
    };
    let acr_values = o.get::<Vec<String>>("acrValues", list, cfg)?.unwrap_or_default();
    Ok(CorePolicy { amr, max_age, acr_values })
}

/// RFC 9470 challenges, for clients of APIs that step up.
#[napi]
pub struct Challenge {
    _private: (),
}

#[napi]
impl Challenge {
    /// Parses a `WWW-Authenticate` value: the challenge, or `null` unless it is a Bearer
    /// challenge with `error="insufficient_user_authentication"`.
    #[napi(ts_args_type = "header: string", ts_return_type = "ChallengeInfo | null")]
    pub fn parse(header: Option<Either<String, Unknown>>) -> Option<ChallengeInfo> {
        match header {
            Some(Either::A(header)) => CoreChallenge::parse(&header).as_ref().map(challenge_info),
            _ => None,
        }
    }
}

/// A verified bearer or ID token: its subject, `amr` (normalized), `acr`, `authTime`, and
/// every claim and header member.
// (The typings of the object the `token` builder in error.rs makes from [`TokenJson`].)
#[napi(object, object_from_js = false)]
pub struct VerifiedToken {
    #[napi(ts_type = "true")]
    pub valid: bool,
    /// `sub`.
    #[napi(ts_type = "string | undefined")]
    pub subject: Maybe<String>,
    #[napi(ts_type = "string[] | undefined")]
    pub amr: Maybe<Vec<String>>,
    #[napi(ts_type = "string | undefined")]
    pub acr: Maybe<String>,
    #[napi(ts_type = "number | undefined")]
    pub auth_time: Maybe<i64>,
    #[napi(ts_type = "Record<string, unknown>")]
    pub claims: Map<String, Value>,
    /// The protected header (`alg`, `kid`…).
    #[napi(ts_type = "Record<string, unknown>")]
    pub header: Map<String, Value>,
}

/// A refused bearer or ID token.
#[napi(object, object_from_js = false)]
pub struct TokenFailure {
    #[napi(ts_type = "false")]
    pub valid: bool,
    #[napi(ts_type = "'invalid_jwt'")]
    pub reason: String,
    /// E.g. `expired`, `audience_mismatch`, `issuer_mismatch`, `unknown_kid`.
    pub detail: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    amr: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    acr: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_time: Option<i64>,
    claims: &'a Map<String, Value>,
    header: &'a Map<String, Value>,
}

fn token_json(token: &sessiongate::VerifiedToken) -> CoreResult<String> {
    serde_json::to_string(&TokenJson {
        subject: token.subject(),
        amr: token.amr(),
        acr: token.acr(),
        auth_time: token.auth_time(),
        claims: &token.claims,
        header: &token.header,
    })
    .map_err(|_| sessiongate::Error::Internal("cannot serialize the token".into()))
}

#[derive(Clone, Copy)]
enum TokenKind {
    Access,
    Id,
}

/// The work of one `verifyAccessToken` / `verifyIdToken` call, on the libuv thread pool.
pub struct VerifyTask {
    gate: Arc<sessiongate::SessionGate>,
    kind: TokenKind,
    input: Option<CoreResult<(Option<String>, Option<SystemTime>)>>,
}

impl Task for VerifyTask {
    type Output = CoreResult<Result<String, Failure>>;
    type JsValue = Unknown<'static>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let (gate, kind) = (&self.gate, self.kind);
        Ok(match self.input.take() {
            None => Err(sessiongate::Error::Internal("verify task ran twice".into())),
            Some(Err(e)) => Err(e),
            Some(Ok((None, _))) => Ok(Err(FailureDetail::MalformedJwt.into())),
            Some(Ok((Some(token), now))) => error::guard("verify", || {
                let now = now.unwrap_or_else(SystemTime::now);
                let verified = match kind {
                    TokenKind::Access => gate.verify_access_token_at(&token, now)?,
                    TokenKind::Id => gate.verify_id_token_at(&token, now)?,
                };
                match verified {
                    Ok(token) => token_json(&token).map(Ok),
                    Err(failure) => Ok(Err(failure)),
                }
            }),
        })
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        match output {
            Ok(Ok(json)) => error::token(&env, json),
            Ok(Err(failure)) => error::token_failure(&env, failure),
            Err(e) => Err(error::to_js(&env, &e)),
        }
    }
}

fn verify_task(
    gate: &Arc<sessiongate::SessionGate>,
    kind: TokenKind,
    token: Option<Either<String, Unknown>>,
    options: Option<Either<Object, Unknown>>,
) -> AsyncTask<VerifyTask> {
    let token = match token {
        Some(Either::A(text)) if !text.is_empty() => Some(text),
        _ => None,
    };
    let input = read_now(options).map(|now| (token, now));
    AsyncTask::new(VerifyTask { gate: Arc::clone(gate), kind, input: Some(input) })
}

/// The remote key cache's state (`gate.jwksStatus()`).
#[napi(object, object_from_js = false)]
pub struct JwksStatus {
    /// The JWKS URL (after discovery, when known).
    pub url: Option<String>,
    /// When the current set was fetched, in seconds since the epoch.
    pub fetched_at: Option<f64>,
    /// The ids of the usable keys of the current set.
    pub kids: Vec<String>,
    /// Whether the current set is past its freshness (or absent).
    pub stale: bool,
    /// Successful fetches so far.
    pub fetches: f64,
    /// Failed fetches so far.
    pub failures: f64,
    /// The last failure, if the last fetch failed.
    pub last_error: Option<String>,
}
