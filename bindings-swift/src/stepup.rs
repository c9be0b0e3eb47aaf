//! Step-up (RFC 9470) types for Swift: the policy, its decision, the challenge, and verified
//! bearer / ID tokens. Conversions only; the rules are the core's (`sessiongate::stepup`).

use std::time::Duration;


use crate::error::{SessionGateError, guard};
use crate::{FailureReason, time_or_now};

/// A step-up policy: what the session's authentication must show. An empty list (or `nil`) is
/// no requirement of that kind; `StepUpPolicy.mfa()` is the usual one (`mfa` in `amr`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct StepUpPolicy {
    /// At least one of these `amr` values (RFC 8176: `mfa`, `otp`, `hwk`, `fido`…).
    pub amr_any_of: Vec<String>,
    /// Every one of these `amr` values (set this or `amrAnyOf`, not both).
    #[uniffi(default = [])]
    pub amr_all_of: Vec<String>,
    /// The longest time since `auth_time`, in seconds (OIDC `max_age`).
    #[uniffi(default = None)]
    pub max_age_seconds: Option<u64>,
    /// Accepted `acr` values (any one).
    #[uniffi(default = [])]
    pub acr_values: Vec<String>,
}

impl StepUpPolicy {
    fn to_core(&self) -> Result<sessiongate::StepUpPolicy, SessionGateError> {
        use sessiongate::AmrRequirement;
        let amr = match (self.amr_any_of.is_empty(), self.amr_all_of.is_empty()) {
            (false, false) => return Err(SessionGateError::configuration("set amrAnyOf or amrAllOf, not both")),
            (false, true) => AmrRequirement::AnyOf(self.amr_any_of.clone()),
            (true, false) => AmrRequirement::AllOf(self.amr_all_of.clone()),
            (true, true) => AmrRequirement::None,
        };
        Ok(sessiongate::StepUpPolicy {
            amr,
            max_age: self.max_age_seconds.map(Duration::from_secs),
            acr_values: self.acr_values.clone(),
        })
    }
}

#[uniffi::export]
impl StepUpPolicy {
    /// Evaluates the policy on raw token claims (a JSON object; `amr` as a list, a single
    /// string or Supabase `[{method}]` objects) at `now` (`nil`: the current time).
    #[uniffi::method(default(now = None))]
    pub fn check_claims(&self, claims_json: String, now: Option<f64>) -> Result<StepUpDecision, SessionGateError> {
        guard(|| {
            let claims: sessiongate::Claims = serde_json::from_str(&claims_json)
                .map_err(|_| SessionGateError::configuration("claimsJson must be a JSON object"))?;
            Ok(self.to_core()?.check_claims(&claims, time_or_now(now)?).into())
        })
    }
}

/// Evaluates `policy` on the three claims it reads (as `sessiongate::StepUpPolicy::check`).
pub(crate) fn check(
    policy: &StepUpPolicy,
    amr: Option<&[String]>,
    acr: Option<&str>,
    auth_time: Option<i64>,
    now: Option<f64>,
) -> Result<StepUpDecision, SessionGateError> {
    Ok(policy.to_core()?.evaluate(amr, acr, auth_time, time_or_now(now)?).into())
}

/// `Ok` when allowed, else `SessionGateError.StepUpRequired` with `status`.
pub(crate) fn require(decision: StepUpDecision, status: u16) -> Result<(), SessionGateError> {
    match decision {
        StepUpDecision::Allowed => Ok(()),
        StepUpDecision::Denied { reason, challenge } => {
            let core = challenge.to_core();
            Err(SessionGateError::StepUpRequired {
                message: format!("step-up authentication required: {reason}"),
                reason,
                status,
                www_authenticate: core.www_authenticate(),
                body_json: core.to_json().to_string(),
            })
        }
    }
}

/// The outcome of a step-up check.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum StepUpDecision {
    /// The session satisfies the policy.
    Allowed,
    /// It does not: answer with the challenge (401 + `WWW-Authenticate` for bearer APIs,
    /// 403 + the JSON body for cookie apps).
    Denied { reason: DenialReason, challenge: Challenge },
}

impl From<sessiongate::StepUpDecision> for StepUpDecision {
    fn from(decision: sessiongate::StepUpDecision) -> Self {
        match decision {
            sessiongate::StepUpDecision::Allowed => StepUpDecision::Allowed,
            sessiongate::StepUpDecision::Denied(denial) => {
                StepUpDecision::Denied { reason: denial.reason.into(), challenge: denial.challenge.into() }
            }
        }
    }
}

/// Why a policy denied. `description` is the stable code: `mfa_required`,
/// `authentication_too_old`, `acr_insufficient` or `claims_missing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
#[uniffi::export(Display)]
pub enum DenialReason {
    /// `amr` lacks the required method(s).
    MfaRequired,
    /// `auth_time` is older than `maxAgeSeconds`.
    AuthenticationTooOld,
    /// `acr` is not one of the accepted values.
    AcrInsufficient,
    /// A claim the policy needs (`amr`, `auth_time`, `acr`) is absent.
    ClaimsMissing,
}

impl DenialReason {
    fn core(self) -> sessiongate::DenialReason {
        match self {
            DenialReason::MfaRequired => sessiongate::DenialReason::MfaRequired,
            DenialReason::AuthenticationTooOld => sessiongate::DenialReason::AuthenticationTooOld,
            DenialReason::AcrInsufficient => sessiongate::DenialReason::AcrInsufficient,
            DenialReason::ClaimsMissing => sessiongate::DenialReason::ClaimsMissing,
        }
    }
}

impl std::fmt::Display for DenialReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.core().code())
    }
}

impl From<sessiongate::DenialReason> for DenialReason {
    fn from(reason: sessiongate::DenialReason) -> Self {
        match reason {
            sessiongate::DenialReason::MfaRequired => DenialReason::MfaRequired,
            sessiongate::DenialReason::AuthenticationTooOld => DenialReason::AuthenticationTooOld,
            sessiongate::DenialReason::AcrInsufficient => DenialReason::AcrInsufficient,
            sessiongate::DenialReason::ClaimsMissing => DenialReason::ClaimsMissing,
        }
    }
}

/// An RFC 9470 `insufficient_user_authentication` challenge.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct Challenge {
    /// Human-readable text for the client's developer.
    pub error_description: Option<String>,
    /// Acceptable `acr` values, in order.
    pub acr_values: Vec<String>,
    /// The largest acceptable age of the authentication, in seconds.
    pub max_age: Option<u64>,
}

impl Challenge {
    fn to_core(&self) -> sessiongate::Challenge {
        sessiongate::Challenge {
            error_description: self.error_description.clone(),
            acr_values: self.acr_values.clone(),
            max_age: self.max_age,
        }
    }
}

impl From<sessiongate::Challenge> for Challenge {
    fn from(challenge: sessiongate::Challenge) -> Self {
        Challenge { error_description: challenge.error_description, acr_values: challenge.acr_values, max_age: challenge.max_age }
    }
}

#[uniffi::export]
impl Challenge {
    /// The `WWW-Authenticate` header value (send with status 401).
    pub fn www_authenticate(&self) -> String {
        self.to_core().www_authenticate()
    }

    /// The JSON body (send with status 403): `{"error": "insufficient_user_authentication", …}`.
    pub fn body_json(&self) -> String {
        self.to_core().to_json().to_string()
    }
}

/// Parses a `WWW-Authenticate` value (for clients of APIs that step up); `nil` unless it is a
/// Bearer `insufficient_user_authentication` challenge.
#[uniffi::export]
pub fn parse_challenge(header: String) -> Option<Challenge> {
    guard(|| Ok(sessiongate::Challenge::parse(&header).map(Challenge::from))).ok().flatten()
}

/// A verified bearer access token or ID token: the claims step-up reads, typed, and every
/// claim (`claimsJson`) and the protected header (`headerJson`) as JSON objects.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VerifiedToken {
    /// `sub`.
    pub subject: Option<String>,
    /// `amr`, normalized as for sessions; `nil` when absent or malformed.
    pub amr: Option<Vec<String>>,
    pub acr: Option<String>,
    /// `auth_time`, in whole seconds since the epoch.
    pub auth_time: Option<i64>,
    pub claims_json: String,
    pub header_json: String,
}

impl From<sessiongate::VerifiedToken> for VerifiedToken {
    fn from(token: sessiongate::VerifiedToken) -> Self {
        VerifiedToken {
            subject: token.subject().map(str::to_owned),
            amr: token.amr(),
            acr: token.acr().map(str::to_owned),
            auth_time: token.auth_time(),
            claims_json: serde_json::to_string(&*token.claims).unwrap_or_default(),
            header_json: serde_json::to_string(&*token.header).unwrap_or_default(),
        }
    }
}

/// The outcome of `verifyAccessToken` / `verifyIdToken`: a bad token is `.failed`, not an error.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
#[allow(clippy::large_enum_variant)] // lowered by value across the FFI right away
pub enum TokenVerificationResult {
    Verified(VerifiedToken),
    /// `reason` is `invalid_jwt`; `detail` a stable code (`expired`, `audience_mismatch`…).
    Failed { reason: FailureReason, detail: String },
}

impl From<Result<sessiongate::VerifiedToken, sessiongate::Failure>> for TokenVerificationResult {
    fn from(result: Result<sessiongate::VerifiedToken, sessiongate::Failure>) -> Self {
        match result {
            Ok(token) => TokenVerificationResult::Verified(token.into()),
            Err(failure) => TokenVerificationResult::Failed {
                reason: failure.reason.into(),
                detail: failure.detail.code().to_owned(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mfa() -> StepUpPolicy {
        StepUpPolicy { amr_any_of: vec!["mfa".into()], amr_all_of: vec![], max_age_seconds: Some(300), acr_values: vec![] }
    }

    #[test]
    #[allow(clippy::panic)]
    fn decisions_and_challenges_convert() {
        let claims = r#"{"amr": ["pwd"], "auth_time": 1800000000}"#.to_owned();
        let decision = mfa().check_claims(claims, Some(1_800_000_000.0)).unwrap();
        let StepUpDecision::Denied { reason, challenge } = decision.clone() else { panic!("allowed") };
        assert_eq!(reason.to_string(), "mfa_required");
        assert_eq!(parse_challenge(challenge.www_authenticate()), Some(challenge.clone()));
        let err = require(decision, 401).unwrap_err();
        assert_eq!(err.code(), "step_up_required");
        let SessionGateError::StepUpRequired { status, www_authenticate, body_json, .. } = err else { panic!() };
        assert_eq!(status, 401);
        assert!(www_authenticate.contains("max_age=300"));
        assert_eq!(serde_json::from_str::<serde_json::Value>(&body_json).unwrap()["max_age"], 300);
        let both = StepUpPolicy { amr_all_of: vec!["pwd".into()], ..mfa() };
        assert_eq!(both.check_claims("{}".into(), None).unwrap_err().code(), "configuration_error");
        assert_eq!(mfa().check_claims("[1]".into(), None).unwrap_err().code(), "configuration_error");
    }
}
