//! Step-up: `StepUpPolicy` (built by the core's one options rule), and decisions and RFC 9470
//! challenges as JavaScript objects.

use napi::Env;
use napi::bindgen_prelude::{Either, Unknown};
use napi_derive::napi;
use serde_json::Value;
use sessiongate::{
    Challenge as CoreChallenge, Error, StepUpDecision as CoreDecision, StepUpPolicy as CorePolicy, StepUpPolicyOptions,
};

use crate::runtime;
use crate::{Arg, Options, read_now};

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

impl From<&CoreChallenge> for ChallengeInfo {
    fn from(challenge: &CoreChallenge) -> Self {
        ChallengeInfo {
            www_authenticate: challenge.www_authenticate(),
            body: challenge.to_json(),
            error_description: challenge.error_description.clone(),
            acr_values: challenge.acr_values.clone(),
            max_age: challenge.max_age.map(|seconds| seconds as f64),
        }
    }
}

/// The outcome of a step-up check: `{ allowed: true }`, or the reason and the challenge. A
/// plain object, always truthy: test `.allowed`.
#[napi(object, object_from_js = false)]
pub struct StepUpDecision {
    pub allowed: bool,
    #[napi(ts_type = "StepUpReason")]
    pub reason: Option<String>,
    pub challenge: Option<ChallengeInfo>,
    /// What satisfied the policy: the token's own `amr`, or a step-up grant (`gate.check`).
    #[napi(ts_type = "'token' | 'grant'")]
    pub satisfied_by: Option<String>,
    /// Why a grant handed to `gate.check` did not count.
    #[napi(ts_type = "GrantIgnoredReason")]
    pub grant_ignored: Option<String>,
}

impl From<CoreDecision> for StepUpDecision {
    fn from(decision: CoreDecision) -> Self {
        sessiongate::StepUpCheck::from(decision).into()
    }
}

impl From<sessiongate::StepUpCheck> for StepUpDecision {
    fn from(check: sessiongate::StepUpCheck) -> Self {
        let denial = check.decision.denial();
        let (reason, challenge) = (denial.map(|d| d.reason.code().to_owned()), denial.map(|d| ChallengeInfo::from(&d.challenge)));
        StepUpDecision {
            allowed: denial.is_none(),
            reason,
            challenge,
            satisfied_by: check.satisfied_by.map(|s| s.as_str().to_owned()),
            grant_ignored: check.grant_ignored.map(|g| g.as_str().to_owned()),
        }
    }
}

/// A step-up policy: which `amr` methods, how recent an authentication (`maxAge`), which
/// `acr`. A claim the policy needs but the token lacks denies (`claims_missing`).
#[napi]
pub struct StepUpPolicy {
    pub(crate) inner: CorePolicy,
}

#[napi]
impl StepUpPolicy {
    /// `new StepUpPolicy()` requires `mfa` in `amr`; given `amrAnyOf` and/or `amrAllOf`, exactly
    /// those (both: all of `amrAllOf` and one of `amrAnyOf`; `[]`: no such requirement).
    #[napi(constructor, ts_args_type = "options?: StepUpPolicyOptions")]
    pub fn new(env: Env, options: Arg) -> napi::Result<Self> {
        let policy = || {
            let o = Options::new(options, "StepUpPolicy options", "amrAnyOf amrAllOf maxAge acrValues leewaySeconds", Error::Configuration)?;
            let list = "an array of strings";
            CorePolicy::from_options(StepUpPolicyOptions {
                amr_any_of: o.get("amrAnyOf", list)?,
                amr_all_of: o.get("amrAllOf", list)?,
                max_age_seconds: o.get("maxAge", "a number of seconds")?,
                acr_values: o.get("acrValues", list)?,
                leeway_seconds: o.get("leewaySeconds", "a number of seconds")?,
            })
        };
        policy().map(|inner| StepUpPolicy { inner }).map_err(|e| runtime::to_js(&env, &e))
    }

    /// Evaluates the policy on claims verified elsewhere, as for a bearer token (`amr`: a list, a
    /// string, or Supabase's `[{ method }]`). For what this package verified: `gate.check`.
    #[napi(ts_args_type = "claims: Record<string, unknown>, options?: AuthenticateOptions")]
    pub fn check_claims(&self, env: Env, claims: Unknown, options: Arg) -> napi::Result<StepUpDecision> {
        let claims = match crate::to_json(&env, claims, "claims", Error::Configuration) {
            Ok(Value::Object(claims)) => claims,
            _ => return Err(runtime::invalid_argument(&env, "claims must be an object")),
        };
        let now = read_now(options).map_err(|e| runtime::to_js(&env, &e))?;
        Ok(self.inner.check_claims_at(&claims, now).into())
    }

    #[napi(getter)]
    pub fn amr_any_of(&self) -> Vec<String> {
        self.inner.amr_any_of.clone()
    }

    #[napi(getter)]
    pub fn amr_all_of(&self) -> Vec<String> {
        self.inner.amr_all_of.clone()
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

/// RFC 9470 challenges, for clients of APIs that step up.
#[napi]
pub struct Challenge;

#[napi]
impl Challenge {
    /// Parses a `WWW-Authenticate` value: the challenge, or `null` unless it is a Bearer
    /// challenge with `error="insufficient_user_authentication"`.
    #[napi(ts_args_type = "header: string", ts_return_type = "ChallengeInfo | null")]
    pub fn parse(header: Option<Either<String, Unknown>>) -> Option<ChallengeInfo> {
        let Some(Either::A(header)) = header else { return None };
        CoreChallenge::parse(&header).as_ref().map(ChallengeInfo::from)
    }
}
