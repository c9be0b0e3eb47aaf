//! The JavaScript side of the binding, evaluated once per environment when the addon loads
//! ([`install`]): the error classes (the core's [`sessiongate::Error::code`] mapped to `Error`
//! subclasses with a stable `code` and `retryable`, plus `StepUpRequiredError`), and small
//! builders that turn one JSON string made in Rust into a result object (one boundary
//! crossing and one `JSON.parse` instead of a napi call per property).
//!
//! The builders are kept in the environment's instance data and called from Rust. Messages
//! are the core's, which never contain cookie, token, claim or key bytes.

use napi::bindgen_prelude::{FnArgs, Function, FunctionRef, JsObjectValue, Object, Unknown};
use napi::{Env, Status};

/// The JavaScript error classes for core errors, by name, with their codes. Their typings are
/// in `typings/header.d.ts` (prepended to the generated `index.d.ts`).
pub const CLASSES: [(&str, &str, &str); 5] = [
    ("ConfigurationError", "configuration_error", "ERR_SESSIONGATE_CONFIG"),
    ("JwksUnavailableError", "jwks_unavailable", "ERR_SESSIONGATE_JWKS_UNAVAILABLE"),
    ("SealError", "seal_error", "ERR_SESSIONGATE_SEAL"),
    ("UnsealError", "unseal_error", "ERR_SESSIONGATE_UNSEAL"),
    ("InternalError", "internal_error", "ERR_SESSIONGATE_INTERNAL"),
];

/// The code of a step-up refusal (`step_up_required` in every language).
pub const STEP_UP_CODE: &str = "ERR_SESSIONGATE_STEP_UP_REQUIRED";

/// The code `authenticateSync` throws when the keys are not cached (the core's
/// `authenticate_cached_at` answered `None`): retryable, once `await authenticate()` fetched.
pub const NOT_CACHED_CODE: &str = "ERR_SESSIONGATE_JWKS_NOT_CACHED";

/// The builders' JavaScript. `session` lists @workos-inc/node's 12 keys in its order, then
/// ours: every key is present (absent values are `undefined`, as in the SDK). The access
/// token comes as its own string (no JSON escaping or scanning of its ~1 KB).
const BUILDERS: &str = r#"
  // `claims` (every verified claim, a repeat of fields above) is parsed on first read only:
  // an own enumerable accessor that replaces itself with a plain data property.
  const lazyClaims = (object, json) => {
    Object.defineProperty(object, 'claims', {
      enumerable: true,
      configurable: true,
      get() {
        const claims = JSON.parse(json);
        Object.defineProperty(this, 'claims', { value: claims, enumerable: true, writable: true, configurable: true });
        return claims;
      },
      set(value) {
        Object.defineProperty(this, 'claims', { value, enumerable: true, writable: true, configurable: true });
      },
    });
    return object;
  };
  const session = (json, accessToken, claims) => {
    const s = JSON.parse(json);
    const object = {
      authenticated: true, sessionId: s.sessionId, organizationId: s.organizationId, role: s.role,
      roles: s.roles, permissions: s.permissions, entitlements: s.entitlements, featureFlags: s.featureFlags,
      user: s.user, authenticationMethod: s.authenticationMethod, impersonator: s.impersonator,
      accessToken, amr: s.amr, acr: s.acr, authTime: s.authTime, claims: undefined, format: s.format,
    };
    return lazyClaims(object, claims);
  };
  const failure = (reason, detail) => ({ authenticated: false, reason, detail });
  const token = (json) => {
    const t = JSON.parse(json);
    return { valid: true, subject: t.subject, amr: t.amr, acr: t.acr, authTime: t.authTime, claims: t.claims, header: t.header };
  };
  const tokenFailure = (reason, detail) => ({ valid: false, reason, detail });
  const stepUp = (reason, status, challenge) => new StepUpRequiredError(reason, status, challenge);
  const invalidArgument = (message) => {
    const e = new TypeError(message);
    Object.defineProperty(e, 'code', { value: 'ERR_INVALID_ARG_VALUE', enumerable: true, configurable: true });
    return e;
  };
"#;

fn script() -> String {
    let mut classes = String::new();
    for (name, _, code) in CLASSES {
        classes.push_str(&format!(
            "  const {name} = class {name} extends SessionGateError {{ constructor(message, retryable = false) {{ super(message, '{code}', retryable); }} }};\n  named({name});\n  byCode['{code}'] = {name};\n  exported.{name} = {name};\n"
        ));
    }
    format!(
        r#"(() => {{
  'use strict';
  const define = (object, key, value) =>
    Object.defineProperty(object, key, {{ value, enumerable: true, writable: false, configurable: true }});
  const named = (cls) =>
    Object.defineProperty(cls.prototype, 'name', {{ value: cls.name, writable: true, configurable: true }});
  class SessionGateError extends Error {{
    constructor(message, code = 'ERR_SESSIONGATE_INTERNAL', retryable = false) {{
      super(message);
      define(this, 'code', code);
      define(this, 'retryable', retryable);
    }}
  }}
  named(SessionGateError);
  const byCode = Object.create(null);
  const exported = {{ SessionGateError }};
{classes}  class StepUpRequiredError extends SessionGateError {{
    constructor(reason, status, challenge) {{
      const description = challenge && challenge.errorDescription;
      super(`step-up required: ${{reason}}${{description ? ` (${{description}})` : ''}}`, '{STEP_UP_CODE}', false);
      define(this, 'reason', reason);
      define(this, 'status', status);
      define(this, 'wwwAuthenticate', challenge ? challenge.wwwAuthenticate : 'Bearer error="insufficient_user_authentication"');
      define(this, 'challenge', challenge);
    }}
    /** The RFC 9470 JSON body. */
    toJSON() {{
      return this.challenge ? {{ ...this.challenge.body }} : {{ error: 'insufficient_user_authentication' }};
    }}
  }}
  named(StepUpRequiredError);
  byCode['{STEP_UP_CODE}'] = StepUpRequiredError;
  exported.StepUpRequiredError = StepUpRequiredError;
  class JwksNotCachedError extends SessionGateError {{
    constructor(message) {{ super(message, '{NOT_CACHED_CODE}', true); }}
  }}
  named(JwksNotCachedError);
  byCode['{NOT_CACHED_CODE}'] = JwksNotCachedError;
  exported.JwksNotCachedError = JwksNotCachedError;
  const create = (code, message, retryable) => new (byCode[code] || SessionGateError)(message, retryable);
{BUILDERS}
  return {{ classes: exported, create, session, failure, token, tokenFailure, stepUp, invalidArgument }};
}})()"#
    )
}

type Ref<Args> = FunctionRef<Args, Unknown<'static>>;

/// The builders, kept in the environment's instance data.
pub struct Runtime {
    create: Ref<FnArgs<(&'static str, String, bool)>>,
    session: Ref<FnArgs<(String, String, String)>>,
    failure: Ref<FnArgs<(&'static str, &'static str)>>,
    token: Ref<String>,
    token_failure: Ref<FnArgs<(&'static str, &'static str)>>,
    step_up: Ref<FnArgs<(&'static str, u32, crate::ChallengeInfo)>>,
    invalid_argument: Ref<String>,
}

fn take<Args: napi::bindgen_prelude::JsValuesTupleIntoVec>(made: &Object, name: &str) -> napi::Result<Ref<Args>> {
    let function: Function<Args, Unknown<'static>> = made.get_named_property(name)?;
    function.create_ref()
}

/// Defines the classes and builders in this environment; adds the classes to the exports.
pub fn install(env: &Env, exports: &mut Object) -> napi::Result<()> {
    let made: Object = env.run_script(script())?;
    let classes: Object = made.get_named_property("classes")?;
    for name in ["SessionGateError", "StepUpRequiredError", "JwksNotCachedError"].into_iter().chain(CLASSES.iter().map(|(name, _, _)| *name)) {
        exports.set_named_property(name, classes.get_named_property::<Unknown>(name)?)?;
    }
    let runtime = Runtime {
        create: take(&made, "create")?,
        session: take(&made, "session")?,
        failure: take(&made, "failure")?,
        token: take(&made, "token")?,
        token_failure: take(&made, "tokenFailure")?,
        step_up: take(&made, "stepUp")?,
        invalid_argument: take(&made, "invalidArgument")?,
    };
    env.set_instance_data::<Runtime, (), _>(runtime, (), |_| {})
}

fn runtime(env: &Env) -> napi::Result<&'static Runtime> {
    env.get_instance_data::<Runtime>()?
        .map(|runtime| &*runtime)
        .ok_or_else(|| napi::Error::new(Status::GenericFailure, "sessiongate: the module did not initialize"))
}

fn call<Args: napi::bindgen_prelude::JsValuesTupleIntoVec>(
    env: &Env,
    pick: fn(&Runtime) -> &Ref<Args>,
    args: Args,
) -> napi::Result<Unknown<'static>> {
    pick(runtime(env)?).borrow_back(env)?.call(args)
}

/// A success object from its JSON, access token and claims JSON (made off the event loop).
pub fn session(env: &Env, json: String, access_token: String, claims: String) -> napi::Result<Unknown<'static>> {
    call(env, |r| &r.session, FnArgs::from((json, access_token, claims)))
}

/// `{ authenticated: false, reason, detail }`.
pub fn failure(env: &Env, failure: sessiongate::Failure) -> napi::Result<Unknown<'static>> {
    call(env, |r| &r.failure, FnArgs::from((failure.reason.as_str(), failure.detail.code())))
}

/// A verified token from its JSON.
pub fn token(env: &Env, json: String) -> napi::Result<Unknown<'static>> {
    call(env, |r| &r.token, json)
}

/// `{ valid: false, reason, detail }`.
pub fn token_failure(env: &Env, failure: sessiongate::Failure) -> napi::Result<Unknown<'static>> {
    call(env, |r| &r.token_failure, FnArgs::from((failure.reason.as_str(), failure.detail.code())))
}

/// A `StepUpRequiredError` to throw.
pub fn step_up(env: &Env, reason: &'static str, status: u16, challenge: crate::ChallengeInfo) -> napi::Error {
    match call(env, |r| &r.step_up, FnArgs::from((reason, u32::from(status), challenge))) {
        Ok(value) => napi::Error::from(value),
        Err(e) => e,
    }
}

/// A `TypeError` (code `ERR_INVALID_ARG_VALUE`) to throw: the caller passed the wrong thing.
pub fn invalid_argument(env: &Env, message: impl Into<String>) -> napi::Error {
    let message = message.into();
    match call(env, |r| &r.invalid_argument, message.clone()) {
        Ok(value) => napi::Error::from(value),
        Err(_) => napi::Error::new(Status::InvalidArg, message),
    }
}

/// The JavaScript code for a core error code.
pub fn js_code(core_code: &str) -> &'static str {
    CLASSES.iter().find(|(_, core, _)| *core == core_code).map_or("ERR_SESSIONGATE_INTERNAL", |(_, _, js)| js)
}

/// The JavaScript error (an instance of the matching class) for a core error.
pub fn to_js(env: &Env, error: &sessiongate::Error) -> napi::Error {
    let code = js_code(error.code());
    let message = error.to_string();
    match call(env, |r| &r.create, FnArgs::from((code, message.clone(), error.is_retryable()))) {
        Ok(value) => napi::Error::from(value),
        // Only if the module init did not run (never in practice): a plain Error.
        Err(_) => napi::Error::new(Status::GenericFailure, format!("{code}: {message}")),
    }
}

/// A `JwksNotCachedError` to throw: `authenticateSync` would need a key fetch.
pub fn jwks_not_cached(env: &Env) -> napi::Error {
    let message = "the key set is not cached (not fetched yet, stale, or without the token's kid): \
                   authenticateSync never fetches; use `await gate.authenticate()`, which fetches off the event loop"
        .to_owned();
    match call(env, |r| &r.create, FnArgs::from((NOT_CACHED_CODE, message.clone(), true))) {
        Ok(value) => napi::Error::from(value),
        Err(_) => napi::Error::new(Status::GenericFailure, format!("{NOT_CACHED_CODE}: {message}")),
    }
}

/// A configuration error (bad constructor options).
pub fn config(message: impl Into<String>) -> sessiongate::Error {
    sessiongate::Error::Configuration(message.into())
}

/// A seal error (bad `sealSession` / `sealData` input).
pub fn seal(message: impl Into<String>) -> sessiongate::Error {
    sessiongate::Error::Seal(message.into())
}

/// Runs `f`, turning a panic into an internal error: no panic crosses the FFI boundary.
pub fn guard<T>(what: &str, f: impl FnOnce() -> Result<T, sessiongate::Error>) -> Result<T, sessiongate::Error> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(sessiongate::Error::Internal(format!("panic in {what}"))))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn a_forced_panic_becomes_the_internal_error() {
        let caught: Result<(), sessiongate::Error> = guard("test", || panic!("forced panic: never crosses into JavaScript"));
        let error = caught.unwrap_err();
        assert_eq!(error.code(), "internal_error");
        assert!(!error.is_retryable());
        assert_eq!(js_code(error.code()), "ERR_SESSIONGATE_INTERNAL");
        assert!(error.to_string().contains("panic in test"));
        assert_eq!(guard("test", || Ok::<_, sessiongate::Error>(7)).unwrap(), 7);
        assert_eq!(js_code("configuration_error"), "ERR_SESSIONGATE_CONFIG");
    }
}
