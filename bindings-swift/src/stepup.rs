//! Step-up (RFC 9470): the policy, the handle a policy judges, the challenge, verified tokens.
//! Every rule (the policy default, 403/401, messages) is the core's.

use std::sync::Arc;

use sessiongate::{Challenge, DenialReason, FailureReason, StepUpPolicy, StepUpPolicyOptions, now_or};

use crate::error::{Result, SessionGateError, guard};

/// Why a policy denied (`description`: the core's code, `mfa_required`…; `claimsMissing`: the
/// token lacks a claim the policy needs).
#[uniffi::remote(Enum)]
pub enum DenialReason {
    MfaRequired,
    AuthenticationTooOld,
    AcrInsufficient,
    ClaimsMissing,
    AuthenticationInFuture,
}

#[uniffi::export] // `DenialReason.description`, like `seal_format_name`.
pub fn denial_reason_code(reason: DenialReason) -> String {
    reason.code().to_owned()
}

/// A step-up policy: the core's options, built by the core's one rule. Neither `amr` list
/// (RFC 8176 values) given means `mfa` in `amr`; else exactly those ("all of `amrAllOf` and one
/// of `amrAnyOf`"; `[]`: none). `maxAgeSeconds`: since `auth_time`; `acrValues`: any one.
#[uniffi::remote(Record)]
#[uniffi(name = "StepUpPolicy")]
pub struct StepUpPolicyOptions {
    #[uniffi(default = None)]
    pub amr_any_of: Option<Vec<String>>,
    #[uniffi(default = None)]
    pub amr_all_of: Option<Vec<String>>,
    #[uniffi(default = None)]
    pub max_age_seconds: Option<f64>,
    #[uniffi(default = None)]
    pub acr_values: Option<Vec<String>>,
    /// How far in the future `auth_time` may be, in seconds (default 0).
    #[uniffi(default = None)]
    pub leeway_seconds: Option<f64>,
}

/// `policy.checkClaims(claimsJson:now:)` (StepUpPolicy+MFA.swift): the policy, as for a bearer
/// token, on claims (a JSON object) *you* verified. For sessiongate's: `gate.check(subject:…)`.
#[uniffi::export(default(now = None))]
pub fn policy_check_claims(policy: StepUpPolicyOptions, claims_json: String, now: Option<f64>) -> Result<StepUpDecision> {
    guard(|| {
        let Some(serde_json::Value::Object(claims)) = sessiongate::parse_json_lenient(&claims_json) else {
            return Err(SessionGateError::Configuration { message: "claimsJson must be a JSON object".into() });
        };
        Ok(StepUpPolicy::from_options(policy)?.check_claims_at(&claims, now_or("now", now)?).into())
    })
}

/// What sessiongate verified (a cookie session, a bearer / ID token), kept in Rust so that a
/// policy judges exactly that, never a record the app can edit: the records' `handle`.
#[derive(Debug, PartialEq, uniffi::Object)]
#[uniffi::export(Debug, Eq)]
pub enum VerifiedHandle {
    Session(Box<sessiongate::Session>),
    Token(sessiongate::VerifiedToken),
}

impl VerifiedHandle {
    /// The session a step-up is for (a token has none).
    pub(crate) fn session(&self) -> Result<&sessiongate::Session> {
        match self {
            VerifiedHandle::Session(session) => Ok(session),
            VerifiedHandle::Token(_) => Err(sessiongate::Error::Configuration("a step-up is for a cookie session, not a verified token".into()).into()),
        }
    }
}

/// The outcome of a step-up check.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum StepUpDecision {
    Allowed,
    /// It does not: answer with the challenge (`require` throws with the status).
    Denied {
        reason: DenialReason,
        challenge: Challenge,
    },
}

impl From<sessiongate::StepUpDecision> for StepUpDecision {
    fn from(decision: sessiongate::StepUpDecision) -> Self {
        match decision {
            sessiongate::StepUpDecision::Allowed => StepUpDecision::Allowed,
            sessiongate::StepUpDecision::Denied(d) => StepUpDecision::Denied { reason: d.reason, challenge: d.challenge },
        }
    }
}

/// An RFC 9470 `insufficient_user_authentication` challenge.
#[uniffi::remote(Record)]
pub struct Challenge {
    pub error_description: Option<String>,
    pub acr_values: Vec<String>,
    /// Seconds.
    pub max_age: Option<u64>,
}

#[uniffi::export] // `challenge.wwwAuthenticate()` (Descriptions.swift)
pub fn challenge_www_authenticate(challenge: Challenge) -> String {
    challenge.www_authenticate()
}

#[uniffi::export] // `challenge.bodyJson()`
pub fn challenge_body_json(challenge: Challenge) -> String {
    challenge.to_json().to_string()
}

/// Parses a `WWW-Authenticate` value; `nil` unless it is a Bearer
/// `insufficient_user_authentication` challenge (never traps on hostile input).
#[uniffi::export]
pub fn parse_challenge(header: String) -> Option<Challenge> {
    guard(|| Ok(Challenge::parse(&header))).ok().flatten()
}

/// A verified bearer or ID token (the core's token view), and the `handle` a policy judges.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
#[uniffi::export(Debug, Eq)]
pub struct VerifiedToken {
    pub subject: Option<String>,
    pub amr: Option<Vec<String>>,
    pub acr: Option<String>,
    /// Seconds since the epoch.
    pub auth_time: Option<i64>,
    /// Every claim (a JSON object).
    pub claims_json: String,
    /// The protected header (a JSON object).
    pub header_json: String,
    /// For `gate.check(subject:policy:now:)` / `gate.require(subject:policy:now:)`.
    pub handle: Arc<VerifiedHandle>,
}

impl From<sessiongate::VerifiedToken> for VerifiedToken {
    fn from(token: sessiongate::VerifiedToken) -> Self {
        let v = token.view();
        VerifiedToken {
            subject: v.subject.map(str::to_owned),
            amr: v.amr,
            acr: v.acr.map(str::to_owned),
            auth_time: v.auth_time,
            claims_json: serde_json::to_string(v.claims).unwrap_or_default(),
            header_json: serde_json::to_string(v.header).unwrap_or_default(),
            handle: Arc::new(VerifiedHandle::Token(token)),
        }
    }
}

/// The outcome of `verifyAccessToken` / `verifyIdToken`: a bad token is `.failed`, not an error.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
#[uniffi::export(Debug, Eq)]
#[allow(clippy::large_enum_variant)] // lowered by value across the FFI right away
pub enum TokenVerificationResult {
    Verified(VerifiedToken),
    /// `reason` is `invalid_jwt`; `detail` a stable code (`expired`, `audience_mismatch`…).
    Failed {
        reason: FailureReason,
        detail: String,
    },
}

impl From<sessiongate::TokenVerification> for TokenVerificationResult {
    fn from(result: sessiongate::TokenVerification) -> Self {
        match result {
            sessiongate::TokenVerification::Verified(token) => TokenVerificationResult::Verified(token.into()),
            sessiongate::TokenVerification::Failed(f) => {
                TokenVerificationResult::Failed { reason: f.reason, detail: f.detail.code().to_owned() }
            }
        }
    }
}
