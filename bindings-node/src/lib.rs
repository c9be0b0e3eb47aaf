//! The Node.js binding of sessiongate: converts JavaScript values to the core's types and back
//! and maps the core's errors to the classes of `lib/errors.js`; every rule is the core's.
//! `authenticate` answers inline (a settled Promise) when the core can without the network
//! (`authenticate_cached_at`), and goes to the libuv pool only on `JwksNotCached`: a key fetch
//! never runs on the event-loop thread.

// The JS-facing structs hold tokens and claims: no `Debug` for them, on purpose.
#![allow(missing_debug_implementations)]

mod runtime;
mod stepup;

use std::sync::Arc;
use std::time::SystemTime;

use napi::bindgen_prelude::{
    AsyncTask, ClassInstance, Either, FromNapiValue, Function, JsObjectValue, JsValue, Object, PromiseRaw, Unknown,
    ValidateNapiValue,
};
use napi::{Env, JsDate, Task};
use napi_derive::napi;
use serde_json::Value;
use sessiongate::{
    Authentication, Error, ErrorCode, Failure, FailureDetail, FailureReason, GateOptions, Refresh, SealFormat, SessionData, SessionRenewal,
    TokenVerification, catch_panic, now_or,
};

use crate::runtime::{Ready, Verified};
use crate::stepup::{StepUpDecision, StepUpPolicy};

type CoreResult<T> = Result<T, Error>;
pub(crate) type Arg<'a> = Option<Either<Object<'a>, Unknown<'a>>>;

/// A core error code and whether retrying the call later may succeed.
#[napi(object, object_from_js = false)]
pub struct ErrorCodeInfo {
    #[napi(ts_type = "CoreErrorCode")]
    pub code: String,
    pub retryable: bool,
}

/// Every error code of the core, in order, with its retryability.
#[napi]
pub fn error_codes() -> Vec<ErrorCodeInfo> {
    ErrorCode::ALL.iter().map(|code| ErrorCodeInfo { code: code.as_str().to_owned(), retryable: code.is_retryable() }).collect()
}

/// The session fields no display shows (the core's `NOT_DISPLAYED`, snake_case): `lib/index.js`
/// hands them to `lib/results.js`, whose `inspect` leaves them out.
#[napi(skip_typescript)]
pub fn not_displayed() -> Vec<String> {
    sessiongate::NOT_DISPLAYED.iter().map(|field| (*field).to_owned()).collect()
}

/// The server helpers' answer (`lib/web.js`) to a refusal: the core's 401, as
/// `{status, body, headers}` JSON; `null` for codes that are not a refusal's.
#[napi(skip_typescript)]
pub fn signed_out_refusal(reason: String, detail: String) -> Option<String> {
    let failure = Failure { reason: FailureReason::from_code(&reason)?, detail: FailureDetail::from_code(&detail)? };
    Some(sessiongate::Refusal::signed_out(&failure).to_json().to_string())
}

/// The `Set-Cookie` value storing a renewed session (deleting it when `value` is null): the
/// core's attributes, for `lib/web.js`.
#[napi(skip_typescript)]
pub fn session_cookie_header(name: String, value: Option<String>, secure: bool) -> String {
    sessiongate::session_cookie_header(&name, value.as_deref(), secure)
}

/// The core's default names of the session cookie and of the step-up grant's, for `lib/web.js`.
#[napi(skip_typescript)]
pub fn default_cookie_names() -> Vec<String> {
    vec![sessiongate::DEFAULT_COOKIE_NAME.to_owned(), sessiongate::DEFAULT_GRANT_COOKIE_NAME.to_owned()]
}

/// Reads `env` (`process.env`) by the core's rule (`WorkosEnvironment`), for the helpers that
/// build a gate themselves (`loadSealedSession`, `sessiongate/next`): an object of the set
/// fields (`web.d.ts`'s `WorkosEnvironment`). Throws the core's ConfigurationError when a
/// variable of `needed` is unset.
#[napi(skip_typescript)]
pub fn workos_environment(env: Env, vars: Object, needed: Vec<String>) -> napi::Result<Value> {
    // Only the core's variables are read (`process.env` is not copied); a non-string is unset.
    let var = |name: &str| match vars.get::<Either<String, Unknown>>(name) {
        Ok(Some(Either::A(text))) => Some(text),
        _ => None,
    };
    let read = sessiongate::WorkosEnvironment::read(var);
    read.require(&needed.iter().map(String::as_str).collect::<Vec<_>>()).map_err(|e| runtime::to_js(&env, &e))?;
    let sessiongate::WorkosEnvironment { client_id, cookie_password, api_key, api_base_url, cookie_name } = read;
    let fields = [("clientId", client_id), ("cookiePassword", cookie_password), ("apiKey", api_key), ("apiBaseUrl", api_base_url), ("cookieName", cookie_name)];
    Ok(Value::Object(fields.into_iter().filter_map(|(name, value)| Some((name.to_owned(), Value::String(value?)))).collect()))
}

/// Keeps the JavaScript half for this environment; `lib/index.js` calls it once.
#[napi(skip_typescript)]
pub fn install(env: Env, runtime: runtime::NativeRuntime) -> napi::Result<()> {
    env.set_instance_data::<runtime::NativeRuntime, (), _>(runtime, (), |_| {})
}

/// An options object read strictly: typed properties, unknown keys refused (a typo must not
/// pass silently); messages name the option, never its value.
pub(crate) struct Options<'a> {
    object: Option<Object<'a>>,
    what: &'static str,
    err: fn(String) -> Error,
}

impl<'a> Options<'a> {
    /// `known`: the option names, separated by spaces.
    pub(crate) fn new(value: Arg<'a>, what: &'static str, known: &str, err: fn(String) -> Error) -> CoreResult<Self> {
        let object = match value {
            None => None,
            Some(Either::A(object)) => Some(object),
            Some(Either::B(_)) => return Err(err(format!("{what} must be an object"))),
        };
        if let Some(object) = &object {
            let keys = Object::keys(object).map_err(|_| err(format!("cannot read {what}")))?;
            if let Some(key) = keys.iter().find(|k| !known.split(' ').any(|name| name == k.as_str())) {
                return Err(err(format!("unknown option `{key}` in {what} (known: {})", known.replace(' ', ", "))));
            }
        }
        Ok(Options { object, what, err })
    }

    pub(crate) fn get<T: FromNapiValue + ValidateNapiValue>(&self, key: &str, expected: &str) -> CoreResult<Option<T>> {
        let Some(object) = &self.object else { return Ok(None) };
        object.get_named_property::<Option<T>>(key).map_err(|_| (self.err)(format!("{}.{key} must be {expected}", self.what)))
    }
}

fn strings(value: Either<String, Vec<String>>) -> Vec<String> {
    match value {
        Either::A(one) => vec![one],
        Either::B(many) => many,
    }
}

/// A JavaScript value as JSON, the way the SDKs serialize what they seal (`JSON.stringify`:
/// `undefined` members dropped, `toJSON` honoured).
pub(crate) fn to_json(env: &Env, value: Unknown, what: &str, err: fn(String) -> Error) -> CoreResult<Value> {
    let stringify = || -> napi::Result<Option<String>> {
        let json: Object = env.get_global()?.get_named_property("JSON")?;
        json.get_named_property::<Function<Unknown, Option<String>>>("stringify")?.call(value)
    };
    let text = stringify().ok().flatten().ok_or_else(|| err(format!("{what} cannot be serialized as JSON")))?;
    sessiongate::parse_json_lenient(&text).ok_or_else(|| err(format!("{what} cannot be serialized as JSON")))
}

const GATE_OPTIONS: &str = "clientId cookiePassword jwks jwksUrl discoveryIssuer issuer audience leeway requireExp \
                            maxCookieBytes algorithms verifiedTokenCache verifiedTokenCacheBytes apiKey apiBaseUrl \
                            refreshBufferSeconds refreshGraceSeconds refreshTimeoutSeconds formats allowWeakSecrets \
                            refreshCoordinator refreshCoordinatorTimeoutSeconds stepUpGrantTtlSeconds onAudit sharedKeyCache";

/// The constructor's options as the core's flat [`GateOptions`] (the core decides the rest),
/// and `sharedKeyCache` (use the process-wide key cache of this key source: a gate per call).
fn gate_options(env: &Env, options: Arg) -> CoreResult<(GateOptions, bool)> {
    let cfg = Error::Configuration;
    let o = Options::new(options, "options", GATE_OPTIONS, cfg)?;
    let list = "a string or an array of strings";
    let jwks = match o.get::<Either<String, Object>>("jwks", "a JWKS object or its JSON text")? {
        None => None,
        Some(Either::A(text)) => Some(text),
        Some(Either::B(object)) => Some(to_json(env, object.to_unknown(), "options.jwks", cfg)?.to_string()),
    };
    let shared_key_cache = o.get("sharedKeyCache", "a boolean")?.unwrap_or(false);
    let options = GateOptions {
        client_id: o.get("clientId", "a string")?.ok_or_else(|| cfg("options.clientId is required".into()))?,
        cookie_passwords: o.get("cookiePassword", list)?.map(strings).unwrap_or_default(),
        jwks,
        jwks_url: o.get("jwksUrl", "a string")?,
        discovery_issuer: o.get("discoveryIssuer", "a string")?,
        issuers: o.get("issuer", list)?.map(strings),
        audiences: o.get("audience", list)?.map(strings),
        leeway_seconds: o.get("leeway", "a number of seconds")?,
        require_exp: o.get("requireExp", "a boolean")?,
        max_cookie_bytes: o.get("maxCookieBytes", "a number")?,
        algorithms: o.get("algorithms", "an array of strings")?,
        verified_token_cache: o.get("verifiedTokenCache", "a number")?,
        verified_token_cache_bytes: o.get("verifiedTokenCacheBytes", "a number")?,
        api_key: o.get("apiKey", "a string")?,
        api_base_url: o.get("apiBaseUrl", "a string")?,
        refresh_buffer_seconds: o.get("refreshBufferSeconds", "a number of seconds")?,
        refresh_grace_seconds: o.get("refreshGraceSeconds", "a number of seconds")?,
        refresh_timeout_seconds: o.get("refreshTimeoutSeconds", "a number of seconds")?,
        formats: o.get("formats", "an array of format names")?,
        allow_weak_secrets: o.get("allowWeakSecrets", "a boolean")?,
        refresh_coordinator: o.get("refreshCoordinator", "a redis:// or rediss:// URL")?,
        refresh_coordinator_timeout_seconds: o.get("refreshCoordinatorTimeoutSeconds", "a number of seconds")?,
        step_up_grant_ttl_seconds: o.get("stepUpGrantTtlSeconds", "a number of seconds")?,
    };
    Ok((options, shared_key_cache))
}

/// `options.now` (seconds since the epoch, or a `Date`) by the core's time rule; absent: now.
pub(crate) fn read_now(options: Arg) -> CoreResult<SystemTime> {
    now_of(&Options::new(options, "options", "now", Error::Configuration)?)
}

/// The `now` member of options that may hold others.
fn now_of(o: &Options) -> CoreResult<SystemTime> {
    let seconds = o.get::<Either<f64, JsDate>>("now", "a number of seconds or a Date")?.map(|now| match now {
        Either::A(seconds) => seconds,
        Either::B(date) => date.value_of().unwrap_or(f64::NAN) / 1000.0,
    });
    now_or("now", seconds)
}

/// `None` for a cookie that is not a string (refused as malformed); absent is empty.
fn cookie_of(value: Option<Either<String, Unknown>>) -> Option<String> {
    value.map_or(Some(String::new()), |value| if let Either::A(text) = value { Some(text) } else { None })
}

/// Authenticates (from cached keys only, or not) and readies the result, maybe off the loop.
fn authenticate_at(gate: &sessiongate::SessionGate, cookie: Option<&str>, now: SystemTime, cached_only: bool) -> CoreResult<Ready> {
    let Some(cookie) = cookie else { return Ok(Ready::Refused(FailureDetail::MalformedSeal.into())) };
    catch_panic(|| {
        let auth = if cached_only { gate.authenticate_cached_at(cookie, now)? } else { gate.authenticate_at(cookie, now)? };
        match auth {
            Authentication::Authenticated(session) => Ready::session(session),
            Authentication::Failed(failure) => Ok(Ready::Refused(failure)),
        }
    })
}

fn verify_at(gate: &sessiongate::SessionGate, id_token: bool, token: Option<&str>, now: SystemTime) -> CoreResult<Ready> {
    let Some(token) = token else { return Ok(Ready::TokenRefused(FailureDetail::MalformedJwt.into())) };
    catch_panic(|| match if id_token { gate.verify_id_token_at(token, now)? } else { gate.verify_access_token_at(token, now)? } {
        TokenVerification::Verified(token) => Ready::token(token),
        TokenVerification::Failed(failure) => Ok(Ready::TokenRefused(failure)),
    })
}

/// What a non-string cookie is read as by the calls that may refresh: base64 of three bytes,
/// which no format can hold, so the core answers for it as for any malformed cookie (its
/// reason, the `malformed_seal` that `authenticate` gives a non-string, its `clear_cookie`).
const NOT_A_COOKIE: &str = "AAAA";

/// Refreshes through the WorkOS API (an HTTP call: only ever on the libuv pool).
fn refresh_at(gate: &sessiongate::SessionGate, cookie: Option<&str>, organization_id: Option<&str>, now: SystemTime) -> CoreResult<Ready> {
    catch_panic(|| match gate.refresh_at(cookie.unwrap_or(NOT_A_COOKIE), organization_id, now)? {
        Refresh::Refreshed { sealed_session, session } => {
            Ok(Ready::Refreshed { sealed_session, session: Box::new(Ready::session(session)?) })
        }
        Refresh::Failed { failure, sealed_session } => Ok(Ready::RefreshFailed { failure, sealed_session }),
    })
}

/// Authenticates, refreshing when the core says to (an HTTP call: only ever on the libuv pool).
fn renew_at(gate: &sessiongate::SessionGate, cookie: Option<&str>, now: SystemTime) -> CoreResult<Ready> {
    catch_panic(|| {
        let SessionRenewal { authentication, sealed_session, clear_cookie } =
            gate.authenticate_or_refresh_at(cookie.unwrap_or(NOT_A_COOKIE), now)?;
        let auth = match authentication {
            Authentication::Authenticated(session) => Ready::session(session)?,
            Authentication::Failed(failure) => Ready::Refused(failure),
        };
        Ok(Ready::Renewal { auth: Box::new(auth), sealed_session, clear_cookie })
    })
}

/// A call that may need a key fetch, on the libuv thread pool.
pub struct Work {
    gate: Arc<sessiongate::SessionGate>,
    job: CoreResult<Job>,
}

pub enum Job {
    Authenticate(Option<String>, SystemTime),
    Verify { id_token: bool, token: Option<String>, now: SystemTime },
    Refresh { cookie: Option<String>, organization_id: Option<String>, now: SystemTime },
    Renew { cookie: Option<String>, now: SystemTime },
    StartStepUp { session: Box<sessiongate::Session>, factor_id: Option<String>, now: SystemTime },
    CompleteStepUp { session: Box<sessiongate::Session>, pending: String, code: String, now: SystemTime },
}

impl Task for Work {
    type Output = CoreResult<Ready>;
    type JsValue = Unknown<'static>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(match &self.job {
            Ok(Job::Authenticate(cookie, now)) => authenticate_at(&self.gate, cookie.as_deref(), *now, false),
            Ok(Job::Verify { id_token, token, now }) => verify_at(&self.gate, *id_token, token.as_deref(), *now),
            Ok(Job::Refresh { cookie, organization_id, now }) => {
                refresh_at(&self.gate, cookie.as_deref(), organization_id.as_deref(), *now)
            }
            Ok(Job::Renew { cookie, now }) => renew_at(&self.gate, cookie.as_deref(), *now),
            Ok(Job::StartStepUp { session, factor_id, now }) => catch_panic(|| {
                let c = self.gate.start_step_up_at(session, factor_id.as_deref(), *now)?;
                let view = serde_json::json!({"challenge_id": c.challenge_id, "factor_id": c.factor_id, "factor_type": c.factor_type,
                    "expires_at": sessiongate::to_unix_seconds(c.expires_at), "pending": c.pending});
                Ok(Ready::StepUpChallenge(view.to_string()))
            }),
            Ok(Job::CompleteStepUp { session, pending, code, now }) => catch_panic(|| {
                let g = self.gate.complete_step_up_at(session, pending, code, *now)?;
                let view = serde_json::json!({"grant": g.grant, "amr": g.amr, "verified_at": sessiongate::to_unix_seconds(g.verified_at),
                    "expires_at": sessiongate::to_unix_seconds(g.expires_at), "factor_id": g.factor_id, "challenge_id": g.challenge_id});
                Ok(Ready::StepUpGrant(view.to_string()))
            }),
            Err(e) => Err(e.clone()),
        })
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        output.map_err(|e| runtime::to_js(&env, &e))?.into_js(&env)
    }
}

/// A Promise settled inline (keys cached), or a task for the libuv pool (a fetch may be needed).
type AuthenticatePromise = Either<PromiseRaw<'static, Unknown<'static>>, AsyncTask<Work>>;

fn authenticate(env: &Env, gate: &Arc<sessiongate::SessionGate>, cookie: Option<String>, now: CoreResult<SystemTime>) -> napi::Result<AuthenticatePromise> {
    let answer = now.and_then(|now| match authenticate_at(gate, cookie.as_deref(), now, true) {
        Err(Error::JwksNotCached) => Ok(Err(Job::Authenticate(cookie, now))),
        answer => answer.map(Ok),
    });
    Ok(Either::A(match answer {
        Ok(Ok(ready)) => PromiseRaw::resolve(env, ready.into_js(env)?)?,
        Ok(Err(job)) => return Ok(Either::B(AsyncTask::new(Work { gate: Arc::clone(gate), job: Ok(job) }))),
        Err(e) => PromiseRaw::reject(env, runtime::to_js(env, &e))?,
    }))
}

/// A step-up policy on what the core verified for `auth` (see `runtime::verified`): a cookie
/// session (a denial answers 403) or a bearer or ID token (401).
fn decide_core(
    env: &Env,
    gate: &sessiongate::SessionGate,
    auth: &Arg,
    policy: &StepUpPolicy,
    options: Arg,
) -> napi::Result<sessiongate::StepUpCheck> {
    let verified = runtime::verified(env, if let Some(Either::A(object)) = auth { Some(object) } else { None })?;
    let check = || {
        let o = Options::new(options, "check options", "grant now", Error::Configuration)?;
        let (grant, now) = (o.get::<String>("grant", "a string")?, now_of(&o)?);
        match verified {
            Verified::Session(session) => Ok(gate.check_step_up_at(session, &policy.inner, grant.as_deref(), now)),
            Verified::Token(token) => gate.check_token_step_up_at(token, &policy.inner, grant.as_deref(), now),
        }
    };
    check().map_err(|e| runtime::to_js(env, &e))
}

fn decide(env: &Env, gate: &sessiongate::SessionGate, auth: &Arg, policy: &StepUpPolicy, options: Arg) -> napi::Result<StepUpDecision> {
    decide_core(env, gate, auth, policy, options).map(StepUpDecision::from)
}

/// The session a step-up is for: one `authenticate()` resolved, never a token or a copy.
fn session_of(env: &Env, auth: &Arg) -> napi::Result<Box<sessiongate::Session>> {
    match runtime::verified(env, if let Some(Either::A(object)) = auth { Some(object) } else { None })? {
        Verified::Session(session) => Ok(session.clone()),
        Verified::Token(_) => Err(runtime::invalid_argument(env, "a step-up is for a cookie session authenticate() resolved, not a token")),
    }
}

/// The gate's audit sink: `onAudit`, guarded (`lib/results.js`), called on the event loop
/// through a weak thread-safe function (it never keeps the process alive).
fn audit_sink(env: &Env, options: Arg) -> CoreResult<Option<sessiongate::AuditSink>> {
    use napi::threadsafe_function::ThreadsafeFunctionCallMode;
    let Some(Either::A(object)) = options else { return Ok(None) };
    let bad = || Error::Configuration("options.onAudit must be a function taking the event".into());
    let on_audit = object.get_named_property::<Option<Function<'static, Value, Unknown<'static>>>>("onAudit").map_err(|_| bad())?;
    let Some(on_audit) = on_audit else { return Ok(None) };
    let guarded = runtime::guard_audit(env, on_audit).map_err(|_| bad())?;
    let call = guarded
        .build_threadsafe_function::<Value>()
        .callee_handled::<false>()
        .weak::<true>()
        .build()
        .map_err(|e| Error::Internal(format!("cannot keep onAudit: {e}")))?;
    Ok(Some(sessiongate::AuditSink::new(move |event| {
        call.call(event.to_json(), ThreadsafeFunctionCallMode::NonBlocking);
    })))
}

/// Opens WorkOS session cookies (iron from @workos-inc/node and authkit-nextjs, Fernet from
/// workos-python), verifies the access token, and returns the session with `amr`.
#[napi]
pub struct SessionGate {
    inner: Arc<sessiongate::SessionGate>,
}

#[napi]
impl SessionGate {
    /// Every configuration problem throws here (`ConfigurationError`), never per request.
    #[napi(constructor, ts_args_type = "options: SessionGateOptions")]
    pub fn new(env: Env, options: Arg) -> napi::Result<Self> {
        let options_copy = options.as_ref().map(|o| match o {
            Either::A(object) => Either::A(*object),
            Either::B(other) => Either::B(*other),
        });
        let gate = catch_panic(|| {
            let (options, shared_key_cache) = gate_options(&env, options)?;
            let mut config = options.into_config()?;
            config.audit = audit_sink(&env, options_copy)?;
            match shared_key_cache {
                true => sessiongate::SessionGate::shared(config),
                false => sessiongate::SessionGate::new(config),
            }
        });
        gate.map(|gate| SessionGate { inner: Arc::new(gate) }).map_err(|e| runtime::to_js(&env, &e))
    }

    /// Authenticates a sealed session cookie: settled on the calling thread when the keys are
    /// cached (always for `jwks`), else off the event loop (a key fetch included). Resolves a
    /// refusal for a bad cookie or token; rejects only when no key set can be obtained
    /// (`JwksUnavailableError`, retryable).
    #[napi(ts_args_type = "sessionData: string | null | undefined, options?: AuthenticateOptions", ts_return_type = "Promise<AuthenticateResult>")]
    pub fn authenticate(&self, env: Env, session_data: Option<Either<String, Unknown>>, options: Arg) -> napi::Result<AuthenticatePromise> {
        authenticate(&env, &self.inner, cookie_of(session_data), read_now(options))
    }

    /// `authenticate`, synchronously, from cached keys only: it never fetches. Always answers
    /// for `jwks`; else throws a retryable `JwksNotCachedError` until `await authenticate()`
    /// has fetched the keys (and again when they go stale or a new `kid` appears).
    #[napi(ts_args_type = "sessionData: string | null | undefined, options?: AuthenticateOptions", ts_return_type = "AuthenticateResult")]
    pub fn authenticate_sync(&self, env: Env, session_data: Option<Either<String, Unknown>>, options: Arg) -> napi::Result<Unknown<'static>> {
        match read_now(options).and_then(|now| authenticate_at(&self.inner, cookie_of(session_data).as_deref(), now, true)) {
            Ok(ready) => ready.into_js(&env),
            Err(e @ Error::JwksNotCached) => {
                let message = format!("{e}: in Node, `await gate.authenticate()`, which fetches off the event loop");
                Err(runtime::to_js_saying(&env, &e, message))
            }
            Err(e) => Err(runtime::to_js(&env, &e)),
        }
    }

    /// Evaluates a step-up policy on what the core verified for `auth` (a session or token this
    /// package returned), never on its properties: anything else, a copy included, is a
    /// `TypeError`.
    /// `{ grant }` (from `completeStepUp`) also satisfies the `amr` requirement for this very
    /// session and user, its `verifiedAt` standing for `auth_time`; an unusable grant is ignored
    /// and named in `grantIgnored`. A session's check emits an `onAudit` event.
    #[napi(ts_args_type = "auth: AuthenticateSuccess | VerifiedToken, policy: StepUpPolicy, options?: CheckOptions")]
    pub fn check(&self, env: Env, auth: Arg, policy: ClassInstance<StepUpPolicy>, options: Arg) -> napi::Result<StepUpDecision> {
        decide(&env, &self.inner, &auth, &policy, options)
    }

    /// `check` that throws a `StepUpRequiredError` on a denial (`status` 403 for a cookie
    /// session, 401 with `wwwAuthenticate` for a bearer token; `toJSON()` is the body).
    #[napi(ts_args_type = "auth: AuthenticateSuccess | VerifiedToken, policy: StepUpPolicy, options?: CheckOptions")]
    pub fn require(&self, env: Env, auth: Arg, policy: ClassInstance<StepUpPolicy>, options: Arg) -> napi::Result<()> {
        let check = decide_core(&env, &self.inner, &auth, &policy, options)?;
        check.decision.require().map_err(|denial| runtime::step_up(&env, &denial))
    }

    /// Starts a step-up for an authenticated session (needs `apiKey`), off the event loop: the
    /// named factor (it must be this user's) or the user's first TOTP factor, else SMS.
    /// Resolves `{ challengeId, factorId, factorType, expiresAt, pending }`: ask for the code,
    /// keep `pending`. Rejects with `StepUpFailedError` (`detail`) or the retryable
    /// `ApiUnavailableError`.
    #[napi(ts_args_type = "auth: AuthenticateSuccess, options?: StartStepUpOptions", ts_return_type = "Promise<StepUpChallenge>")]
    pub fn start_step_up(&self, env: Env, auth: Arg, options: Arg) -> napi::Result<AsyncTask<Work>> {
        let session = session_of(&env, &auth)?;
        let job = (|| {
            let o = Options::new(options, "startStepUp options", "factorId now", Error::Configuration)?;
            Ok(Job::StartStepUp { session, factor_id: o.get::<String>("factorId", "a string")?, now: now_of(&o)? })
        })();
        Ok(AsyncTask::new(Work { gate: Arc::clone(&self.inner), job }))
    }

    /// Completes a step-up with the user's `code` and the `pending` value, off the event loop.
    /// Resolves `{ grant, amr, verifiedAt, expiresAt, factorId, challengeId }` (keep `grant`
    /// beside the session cookie). Rejects with `StepUpFailedError` (`code_invalid`,
    /// `challenge_expired`, `pending_other_session`...) or the retryable `ApiUnavailableError`.
    #[napi(ts_args_type = "auth: AuthenticateSuccess, options: CompleteStepUpOptions", ts_return_type = "Promise<StepUpGrant>")]
    pub fn complete_step_up(&self, env: Env, auth: Arg, options: Arg) -> napi::Result<AsyncTask<Work>> {
        let session = session_of(&env, &auth)?;
        let job = (|| {
            let o = Options::new(options, "completeStepUp options", "pending code now", Error::Configuration)?;
            let pending = o.get::<String>("pending", "a string")?.ok_or_else(|| Error::Configuration("completeStepUp needs { pending }".into()))?;
            let code = o.get::<String>("code", "a string")?.ok_or_else(|| Error::Configuration("completeStepUp needs { code }".into()))?;
            Ok(Job::CompleteStepUp { session, pending, code, now: now_of(&o)? })
        })();
        Ok(AsyncTask::new(Work { gate: Arc::clone(&self.inner), job }))
    }

    /// Verifies a bearer access token with this gate's keys and rules, off the event loop.
    /// Resolves the token or a refusal; rejects only when no key set can be obtained.
    #[napi(ts_args_type = "token: string, options?: AuthenticateOptions", ts_return_type = "Promise<VerifyResult>")]
    pub fn verify_access_token(&self, token: Option<Either<String, Unknown>>, options: Arg) -> AsyncTask<Work> {
        self.verify(false, token, options)
    }

    /// Verifies an OIDC ID token (audience: the client id; `issuer` must be set; no `sid`).
    #[napi(ts_args_type = "token: string, options?: AuthenticateOptions", ts_return_type = "Promise<VerifyResult>")]
    pub fn verify_id_token(&self, token: Option<Either<String, Unknown>>, options: Arg) -> AsyncTask<Work> {
        self.verify(true, token, options)
    }

    /// The remote key cache's state (for health endpoints), or `null` for a static key set.
    #[napi(ts_return_type = "JwksStatus | null")]
    pub fn jwks_status(&self, env: Env) -> napi::Result<Option<Unknown<'static>>> {
        self.inner.jwks_status().map(|status| runtime::jwks_status(&env, &status)).transpose()
    }

    /// Where refreshes are coordinated (for health endpoints): in this process, or through the
    /// `refreshCoordinator` Redis, with its fallbacks, shared results and refused values.
    #[napi(ts_return_type = "RefreshCoordinatorStatus")]
    pub fn refresh_coordinator_status(&self, env: Env) -> napi::Result<Unknown<'static>> {
        runtime::coordinator_status(&env, &self.inner.refresh_coordinator_status())
    }

    /// Refreshes the session through the WorkOS API (`apiKey` required), as @workos-inc/node
    /// 12's `refresh()`, off the event loop. Resolves `{ authenticated: true, sealedSession,
    /// session }` (the new cookie, in the format of the one given) or `{ authenticated: false,
    /// reason, detail, sealedSession? }` (a terminal refusal: clear the cookie, unless
    /// `sealedSession` is set: the API rotated the tokens but the new token did not verify, set
    /// it). Rejects with the retryable `ApiUnavailableError` (`retryAfter`) for an outage: keep
    /// the cookie, answer 503.
    #[napi(ts_args_type = "sessionData: string | null | undefined, options?: RefreshOptions", ts_return_type = "Promise<RefreshResult>")]
    pub fn refresh(&self, session_data: Option<Either<String, Unknown>>, options: Arg) -> AsyncTask<Work> {
        let job = || {
            let o = Options::new(options, "refresh options", "organizationId now", Error::Configuration)?;
            let organization_id = o.get::<String>("organizationId", "a string")?;
            Ok(Job::Refresh { cookie: cookie_of(session_data), organization_id, now: now_of(&o)? })
        };
        AsyncTask::new(Work { gate: Arc::clone(&self.inner), job: job() })
    }

    /// Authenticates, and refreshes (off the event loop) when the token has expired or expires
    /// within `refreshBufferSeconds`, as authkit-nextjs's middleware. Resolves `{ auth,
    /// sealedSession, clearCookie }`: the session to serve (or why there is none), the new
    /// cookie to set (or `undefined`: keep it), whether to delete the cookie. Rejects (retryable)
    /// only when no valid session can be served during an outage.
    #[napi(ts_args_type = "sessionData: string | null | undefined, options?: AuthenticateOptions", ts_return_type = "Promise<SessionRenewal>")]
    pub fn authenticate_or_refresh(&self, session_data: Option<Either<String, Unknown>>, options: Arg) -> AsyncTask<Work> {
        let job = read_now(options).map(|now| Job::Renew { cookie: cookie_of(session_data), now });
        AsyncTask::new(Work { gate: Arc::clone(&self.inner), job })
    }

    /// The WorkOS logout URL of the session in the cookie (`…/user_management/sessions/logout
    /// ?session_id=…[&return_to=…]`), also for an expired session. Throws an `UnsealError`
    /// (with its `detail`) for a cookie that cannot be opened or holds no session id.
    #[napi(ts_args_type = "sessionData: string | null | undefined, options?: LogoutUrlOptions")]
    pub fn get_logout_url(&self, env: Env, session_data: Option<Either<String, Unknown>>, options: Arg) -> napi::Result<String> {
        logout_url(&self.inner, cookie_of(session_data).as_deref(), options).map_err(|e| runtime::to_js(&env, &e))
    }

    /// Like @workos-inc/node's `userManagement.loadSealedSession({ sessionData, cookiePassword })`,
    /// with this gate's secrets and keys. A `cookiePassword` must be one of the gate's own
    /// (`ConfigurationError` if not).
    #[napi(ts_args_type = "options: LoadSealedSessionOptions")]
    pub fn load_sealed_session(&self, env: Env, options: Arg) -> napi::Result<CookieSession> {
        let cookie = || {
            let o = Options::new(options, "loadSealedSession options", "sessionData cookiePassword", Error::Configuration)?;
            check_password(&self.inner, &o)?;
            o.get::<Either<String, Unknown>>("sessionData", "a string")
        };
        let cookie = cookie().map_err(|e| runtime::to_js(&env, &e))?;
        Ok(CookieSession { gate: Arc::clone(&self.inner), cookie: cookie_of(cookie) })
    }

    /// Seals a session as the SDK of `format` would (iron, the default, for @workos-inc/node and
    /// authkit-nextjs; Fernet for workos-python), with the first cookie password.
    #[napi(ts_args_type = "session: SessionInput, options?: SealOptions")]
    pub fn seal_session(&self, env: Env, session: Arg, options: Arg) -> napi::Result<String> {
        catch_panic(|| self.inner.seal_session(&read_session_input(&env, session)?, seal_format(options)?))
            .map_err(|e| runtime::to_js(&env, &e))
    }

    /// Seals any JSON-serializable value with the first cookie password.
    #[napi(ts_args_type = "data: unknown, options?: SealOptions")]
    pub fn seal_data(&self, env: Env, data: Unknown, options: Arg) -> napi::Result<String> {
        catch_panic(|| self.inner.seal_data(&to_json(&env, data, "data", Error::Seal)?, seal_format(options)?))
            .map_err(|e| runtime::to_js(&env, &e))
    }

    /// Moves a session from one SDK's cookie to another's: opens the cookie (any enabled format)
    /// and seals the same tokens, user, impersonator and authentication method in `format`, as
    /// that SDK writes them (tokens neither verified nor refreshed). An unopenable cookie
    /// throws an `UnsealError` with its `detail`; an unknown format name a `ConfigurationError`.
    #[napi(ts_args_type = "sessionData: string, format: SealFormatName, options?: AuthenticateOptions")]
    pub fn reseal(&self, env: Env, session_data: Option<Either<String, Unknown>>, format: Option<Either<String, Unknown>>, options: Arg) -> napi::Result<String> {
        catch_panic(|| {
            let Some(Either::A(format)) = format else {
                return Err(Error::Configuration("format must be a seal format name".into()));
            };
            let (format, now) = (SealFormat::from_name(&format)?, read_now(options)?);
            match session_data {
                Some(Either::A(cookie)) => self.inner.reseal_at(&cookie, format, now),
                _ => Err(Error::Unseal(FailureDetail::MalformedSeal)),
            }
        })
        .map_err(|e| runtime::to_js(&env, &e))
    }

    /// The seal formats this gate reads (the `formats` option, or the default set).
    #[napi(ts_return_type = "SealFormatName[]")]
    pub fn formats(&self) -> Vec<&'static str> {
        self.inner.formats().into_iter().map(SealFormat::as_str).collect()
    }

    /// Opens a sealed value (either format); an `UnsealError`'s `detail` says why it cannot.
    #[napi(ts_args_type = "sealed: string, options?: AuthenticateOptions")]
    pub fn unseal_data(&self, env: Env, sealed: Option<Either<String, Unknown>>, options: Arg) -> napi::Result<Unsealed> {
        catch_panic(|| match sealed {
            Some(Either::A(sealed)) => self.inner.unseal_data_at(&sealed, read_now(options)?),
            _ => Err(Error::Unseal(FailureDetail::MalformedSeal)),
        })
        .map(|unsealed| Unsealed { format: unsealed.format.as_str().to_owned(), data: unsealed.data })
        .map_err(|e| runtime::to_js(&env, &e))
    }
}

impl SessionGate {
    fn verify(&self, id_token: bool, token: Option<Either<String, Unknown>>, options: Arg) -> AsyncTask<Work> {
        let token = if let Some(Either::A(text)) = token { Some(text) } else { None };
        let job = read_now(options).map(|now| Job::Verify { id_token, token, now });
        AsyncTask::new(Work { gate: Arc::clone(&self.inner), job })
    }
}

/// What `unsealData` returns.
#[napi(object, object_from_js = false)]
pub struct Unsealed {
    #[napi(ts_type = "SealFormatName")]
    pub format: String,
    /// The unsealed value, as sealed: check its shape before use.
    #[napi(ts_type = "unknown")]
    pub data: Value,
}

/// A format name by the core's rule, its error as a seal error (the argument of a seal call).
fn format_named(name: &str) -> CoreResult<SealFormat> {
    SealFormat::from_name(name).map_err(|e| match e {
        Error::Configuration(message) => Error::Seal(message),
        other => other,
    })
}

fn seal_format(options: Arg) -> CoreResult<SealFormat> {
    let o = Options::new(options, "seal options", "format", Error::Seal)?;
    o.get::<String>("format", "a seal format name")?.map_or(Ok(SealFormat::Iron), |name| format_named(&name))
}

fn read_session_input(env: &Env, session: Arg) -> CoreResult<SessionData> {
    let o = Options::new(session, "session", "accessToken refreshToken user impersonator authenticationMethod organizationId", Error::Seal)?;
    let Some(object) = &o.object else {
        return Err(Error::Seal("session must be an object { accessToken, refreshToken, user }".into()));
    };
    let required = |key: &str| Error::Seal(format!("session.{key} is required"));
    let json = |key: &str| -> CoreResult<Option<Value>> {
        match object.get_named_property::<Option<Unknown>>(key) {
            Ok(Some(value)) => Ok(Some(to_json(env, value, &format!("session.{key}"), Error::Seal)?).filter(|v| !v.is_null())),
            Ok(None) => Ok(None),
            Err(_) => Err(Error::Seal(format!("cannot read session.{key}"))),
        }
    };
    Ok(SessionData {
        access_token: o.get("accessToken", "a string")?.ok_or_else(|| required("accessToken"))?,
        refresh_token: o.get("refreshToken", "a string")?.ok_or_else(|| required("refreshToken"))?,
        user: json("user")?.ok_or_else(|| required("user"))?,
        impersonator: json("impersonator")?,
        authentication_method: o.get("authenticationMethod", "a string")?,
        organization_id: o.get("organizationId", "a string")?,
    })
}

/// The SDKs' `cookiePassword`, where one is given: one of the gate's own passwords.
fn check_password(gate: &sessiongate::SessionGate, o: &Options) -> CoreResult<()> {
    o.get::<String>("cookiePassword", "a string")?.map_or(Ok(()), |password| gate.check_cookie_password(&password))
}

/// The logout URL of `cookie` (options `returnTo`, `now`).
fn logout_url(gate: &sessiongate::SessionGate, cookie: Option<&str>, options: Arg) -> CoreResult<String> {
    catch_panic(|| {
        let o = Options::new(options, "getLogoutUrl options", "returnTo now", Error::Configuration)?;
        let return_to = o.get::<String>("returnTo", "a string")?;
        let now = now_of(&o)?;
        match cookie {
            Some(cookie) => gate.logout_url_at(cookie, return_to.as_deref(), now),
            None => Err(Error::Unseal(FailureDetail::MalformedSeal)),
        }
    })
}

/// A sealed session bound to a gate (from `gate.loadSealedSession({ sessionData })`), shaped
/// like @workos-inc/node's `CookieSession`.
#[napi]
pub struct CookieSession {
    gate: Arc<sessiongate::SessionGate>,
    cookie: Option<String>,
}

#[napi]
impl CookieSession {
    /// Authenticates the session, as `gate.authenticate(sessionData, options)`.
    #[napi(ts_args_type = "options?: AuthenticateOptions", ts_return_type = "Promise<AuthenticateResult>")]
    pub fn authenticate(&self, env: Env, options: Arg) -> napi::Result<AuthenticatePromise> {
        authenticate(&env, &self.gate, self.cookie.clone(), read_now(options))
    }

    /// Refreshes the session, as `gate.refresh(sessionData, options)` and @workos-inc/node's
    /// `session.refresh({ cookiePassword, organizationId })`: the new cookie is sealed with the
    /// gate's first password (a `cookiePassword` must be one of the gate's).
    #[napi(ts_args_type = "options?: CookieRefreshOptions", ts_return_type = "Promise<RefreshResult>")]
    pub fn refresh(&self, options: Arg) -> AsyncTask<Work> {
        let job = || {
            let o = Options::new(options, "refresh options", "cookiePassword organizationId now", Error::Configuration)?;
            check_password(&self.gate, &o)?;
            let organization_id = o.get::<String>("organizationId", "a string")?;
            Ok(Job::Refresh { cookie: self.cookie.clone(), organization_id, now: now_of(&o)? })
        };
        AsyncTask::new(Work { gate: Arc::clone(&self.gate), job: job() })
    }

    /// The WorkOS logout URL, as `gate.getLogoutUrl(sessionData, options)`; a Promise, as
    /// @workos-inc/node's `session.getLogoutUrl({ returnTo })` (rejects with an `UnsealError`).
    #[napi(ts_args_type = "options?: LogoutUrlOptions", ts_return_type = "Promise<string>")]
    pub fn get_logout_url(&self, env: Env, options: Arg) -> napi::Result<PromiseRaw<'static, String>> {
        match logout_url(&self.gate, self.cookie.as_deref(), options) {
            Ok(url) => PromiseRaw::resolve(&env, url),
            Err(e) => PromiseRaw::reject(&env, runtime::to_js(&env, &e)),
        }
    }
}
