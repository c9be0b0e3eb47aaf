//! Step-up: "did this session use MFA, recently enough?", answered in one call, with a
//! standard challenge (RFC 9470) when the answer is no.
//!
//! A [`StepUpPolicy`] is evaluated on an authenticated session (or on verified token claims).
//! It fails closed: a claim the policy needs but the token lacks denies (`claims_missing`).
//! A denial carries a [`Challenge`] that renders both as the RFC 9470 header
//!
//! ```text
//! WWW-Authenticate: Bearer error="insufficient_user_authentication",
//!   error_description="Multi-factor authentication is required", acr_values="…", max_age=300
//! ```
//!
//! (status 401, for bearer APIs) and as a JSON body with the same fields (status 403, for
//! cookie/BFF apps).
//!
//! `amr` values are RFC 8176's: `pwd` (password), `mfa` (multiple factors), `otp` (one-time
//! code), `hwk`/`swk` (hardware/software key), `fido`, `face`, `fpt` (fingerprint), `sms`,
//! `tel`, `user` (presence test), `pin`, `kba`, `geo`, `wia`, `rba`, `sc`, `iris`, `retina`,
//! `vbm`, `mca` (multiple-channel).

use std::fmt;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use crate::config::MAX_LEEWAY;
use crate::error::{Error, ErrorCode};
use crate::session::Session;
use crate::token::{self, Claims, VerifiedToken};
use crate::util::time::{self as time_util, unix_seconds};

/// The RFC 9470 error code.
pub const INSUFFICIENT_USER_AUTHENTICATION: &str = "insufficient_user_authentication";

/// The longest `max_age` a policy accepts (ten years).
pub const MAX_MAX_AGE: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// A step-up policy: every requirement that is set must hold. [`StepUpPolicy::default`] (and
/// a policy built from options that name no `amr` list) requires `mfa` in `amr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepUpPolicy {
    /// At least one of these `amr` values (empty: no such requirement).
    pub amr_any_of: Vec<String>,
    /// Every one of these `amr` values (empty: no such requirement). Both lists may be set:
    /// "all of A, and one of B".
    pub amr_all_of: Vec<String>,
    /// The longest time since `auth_time` (OIDC `max_age`).
    pub max_age: Option<Duration>,
    /// Accepted `acr` values (any one); empty: `acr` is not checked.
    pub acr_values: Vec<String>,
    /// How far in the future `auth_time` may be (clock skew) before `max_age` denies with
    /// `authentication_in_future` (default 0; use the gate's leeway).
    pub leeway: Duration,
}

impl Default for StepUpPolicy {
    fn default() -> Self {
        StepUpPolicy::mfa()
    }
}

/// A policy as every binding hands it over (`None`: the default of that field).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepUpPolicyOptions {
    /// At least one of these `amr` values. When neither list is given: `["mfa"]`.
    pub amr_any_of: Option<Vec<String>>,
    /// Every one of these `amr` values.
    pub amr_all_of: Option<Vec<String>>,
    /// The longest time since `auth_time`, in seconds.
    pub max_age_seconds: Option<f64>,
    /// Accepted `acr` values.
    pub acr_values: Option<Vec<String>>,
    /// How far in the future `auth_time` may be, in seconds (0 to 3600; default 0).
    pub leeway_seconds: Option<f64>,
}

/// What a policy is checked against, which decides the status of a denial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    /// A cookie session (a browser, a BFF): answer 403 with the JSON body.
    Cookie,
    /// A bearer or ID token (an API): answer 401 with `WWW-Authenticate`.
    Bearer,
}

impl Subject {
    /// 403 for a cookie session, 401 for a bearer token (RFC 9470).
    pub fn status(self) -> u16 {
        match self {
            Subject::Cookie => Challenge::COOKIE_STATUS,
            Subject::Bearer => Challenge::BEARER_STATUS,
        }
    }
}

impl StepUpPolicy {
    /// Requires `mfa` in `amr`.
    pub fn mfa() -> StepUpPolicy {
        StepUpPolicy {
            amr_any_of: vec!["mfa".into()],
            amr_all_of: Vec::new(),
            max_age: None,
            acr_values: Vec::new(),
            leeway: Duration::ZERO,
        }
    }

    /// The policy the options describe: the one rule for every binding. Neither `amr` list
    /// given: `amr_any_of = ["mfa"]`; one or both given: exactly those (an empty list is no
    /// requirement). `max_age_seconds` from 0 to ten years, `leeway_seconds` from 0 to 3600.
    /// Values must be non-empty strings.
    pub fn from_options(options: StepUpPolicyOptions) -> Result<StepUpPolicy, Error> {
        let (amr_any_of, amr_all_of) = match (options.amr_any_of, options.amr_all_of) {
            (None, None) => (vec!["mfa".to_owned()], Vec::new()),
            (any_of, all_of) => (any_of.unwrap_or_default(), all_of.unwrap_or_default()),
        };
        let acr_values = options.acr_values.unwrap_or_default();
        for (what, values) in [("amr_any_of", &amr_any_of), ("amr_all_of", &amr_all_of), ("acr_values", &acr_values)] {
            if values.iter().any(String::is_empty) {
                return Err(Error::Configuration(format!("{what}: values must be non-empty strings")));
            }
        }
        let max_age = options.max_age_seconds.map(|s| time_util::duration_from_seconds("max_age", s, MAX_MAX_AGE)).transpose()?;
        let leeway = options.leeway_seconds.map(|s| time_util::duration_from_seconds("leeway", s, MAX_LEEWAY)).transpose()?;
        Ok(StepUpPolicy { amr_any_of, amr_all_of, max_age, acr_values, leeway: leeway.unwrap_or_default() })
    }

    /// Also requires the user to have authenticated at most `max_age` ago.
    pub fn with_max_age(mut self, max_age: Duration) -> StepUpPolicy {
        self.max_age = Some(max_age);
        self
    }

    /// Tolerates an `auth_time` up to `leeway` in the future (clock skew; use the gate's).
    pub fn with_leeway(mut self, leeway: Duration) -> StepUpPolicy {
        self.leeway = leeway;
        self
    }

    /// Also requires one of these `acr` values.
    pub fn with_acr_values(mut self, values: Vec<String>) -> StepUpPolicy {
        self.acr_values = values;
        self
    }

    /// Evaluates the policy on an authenticated cookie session at `now` (a denial answers 403).
    pub fn check_at(&self, session: &Session, now: SystemTime) -> StepUpDecision {
        self.evaluate(session.amr().as_deref(), session.acr(), session.auth_time(), now, Subject::Cookie)
    }

    /// [`StepUpPolicy::check_at`] now.
    pub fn check(&self, session: &Session) -> StepUpDecision {
        self.check_at(session, SystemTime::now())
    }

    /// Evaluates the policy on a verified bearer or ID token at `now` (a denial answers 401).
    pub fn check_token_at(&self, token: &VerifiedToken, now: SystemTime) -> StepUpDecision {
        self.check_claims_at(&token.claims, now)
    }

    /// [`StepUpPolicy::check_token_at`] now.
    pub fn check_token(&self, token: &VerifiedToken) -> StepUpDecision {
        self.check_token_at(token, SystemTime::now())
    }

    /// Evaluates the policy on raw claims the caller verified at `now`, as for a bearer token
    /// (a denial answers 401).
    pub fn check_claims_at(&self, claims: &Claims, now: SystemTime) -> StepUpDecision {
        let amr = token::amr(claims);
        let acr = claims.get("acr").and_then(Value::as_str);
        self.evaluate(amr.as_deref(), acr, token::auth_time(claims), now, Subject::Bearer)
    }

    /// [`StepUpPolicy::check_claims_at`] now.
    pub fn check_claims(&self, claims: &Claims) -> StepUpDecision {
        self.check_claims_at(claims, SystemTime::now())
    }

    /// Evaluates the policy on what a step-up grant proved (`amr`, and `verified_at` as the
    /// authentication time) for a cookie session, whose `acr` still counts.
    pub(crate) fn check_proven_at(&self, session: &Session, amr: &[String], verified_at: i64, now: SystemTime) -> StepUpDecision {
        self.evaluate(Some(amr), session.acr(), Some(verified_at), now, Subject::Cookie)
    }

    /// The requirements, for audit events: `amr_any_of`, `amr_all_of`, `max_age` (seconds or
    /// null), `acr_values`.
    pub fn to_json(&self) -> Value {
        json!({
            "amr_any_of": self.amr_any_of,
            "amr_all_of": self.amr_all_of,
            "max_age": self.max_age.map(|d| d.as_secs()),
            "acr_values": self.acr_values,
        })
    }

    fn needs_amr(&self) -> bool {
        !self.amr_any_of.is_empty() || !self.amr_all_of.is_empty()
    }

    /// Evaluates the policy on the three claims it reads.
    fn evaluate(
        &self,
        amr: Option<&[String]>,
        acr: Option<&str>,
        auth_time: Option<i64>,
        now: SystemTime,
        subject: Subject,
    ) -> StepUpDecision {
        let missing = (self.needs_amr() && amr.is_none())
            || (self.max_age.is_some() && auth_time.is_none())
            || (!self.acr_values.is_empty() && acr.is_none());
        let reason = if missing {
            Some(DenialReason::ClaimsMissing)
        } else if !self.amr_satisfied(amr.unwrap_or_default()) {
            Some(DenialReason::MfaRequired)
        } else if let (Some(_), Some(auth_time)) = (self.max_age, auth_time)
            && auth_time as f64 > unix_seconds(now) + self.leeway.as_secs_f64()
        {
            // F3: an authentication in the future cannot have happened; it would meet any
            // max_age forever (`1e300` saturates to i64::MAX).
            Some(DenialReason::AuthenticationInFuture)
        } else if let (Some(max_age), Some(auth_time)) = (self.max_age, auth_time)
            && unix_seconds(now) - auth_time as f64 > max_age.as_secs_f64()
        {
            Some(DenialReason::AuthenticationTooOld)
        } else if !self.acr_values.is_empty() && !acr.is_some_and(|acr| self.acr_values.iter().any(|v| v == acr)) {
            Some(DenialReason::AcrInsufficient)
        } else {
            None
        };
        match reason {
            None => StepUpDecision::Allowed,
            Some(reason) => StepUpDecision::Denied(StepUpDenial { reason, subject, challenge: self.challenge(reason) }),
        }
    }

    fn amr_satisfied(&self, amr: &[String]) -> bool {
        let has = |value: &String| amr.contains(value);
        (self.amr_any_of.is_empty() || self.amr_any_of.iter().any(has)) && self.amr_all_of.iter().all(has)
    }

    fn challenge(&self, reason: DenialReason) -> Challenge {
        Challenge {
            error_description: Some(reason.description().into()),
            acr_values: self.acr_values.clone(),
            max_age: self.max_age.map(|d| d.as_secs()),
        }
    }
}

/// The outcome of a policy check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepUpDecision {
    /// The session satisfies the policy.
    Allowed,
    /// It does not: send the challenge.
    Denied(StepUpDenial),
}

impl StepUpDecision {
    /// Whether the session satisfies the policy.
    pub fn is_allowed(&self) -> bool {
        matches!(self, StepUpDecision::Allowed)
    }

    /// The denial, if any.
    pub fn denial(&self) -> Option<&StepUpDenial> {
        match self {
            StepUpDecision::Allowed => None,
            StepUpDecision::Denied(denial) => Some(denial),
        }
    }

    /// `Ok` when allowed, the denial as `Err` otherwise: what every binding's `require` raises.
    pub fn require(self) -> Result<(), StepUpDenial> {
        match self {
            StepUpDecision::Allowed => Ok(()),
            StepUpDecision::Denied(denial) => Err(denial),
        }
    }
}

/// Why a policy denied, what to tell the client, and with which status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepUpDenial {
    /// Why.
    pub reason: DenialReason,
    /// What was checked: a cookie session or a bearer token.
    pub subject: Subject,
    /// The RFC 9470 challenge.
    pub challenge: Challenge,
}

impl StepUpDenial {
    /// The error code the bindings raise a denial with: `step_up_required`.
    pub const CODE: ErrorCode = ErrorCode::StepUpRequired;

    /// 403 for a cookie session (send [`Challenge::to_json`]), 401 for a bearer token (send
    /// [`Challenge::www_authenticate`]).
    pub fn status(&self) -> u16 {
        self.subject.status()
    }
}

/// The message every binding's step-up error carries.
impl fmt::Display for StepUpDenial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "step-up required ({}): {}", self.reason, self.reason.description())
    }
}

impl std::error::Error for StepUpDenial {}

/// Why a step-up policy denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DenialReason {
    /// `amr` lacks the required method(s).
    MfaRequired,
    /// `auth_time` is older than `max_age`.
    AuthenticationTooOld,
    /// `acr` is not one of the accepted values.
    AcrInsufficient,
    /// A claim the policy needs (`amr`, `auth_time`, `acr`) is absent.
    ClaimsMissing,
    /// `auth_time` is later than now (plus the policy's leeway): no authentication can be.
    AuthenticationInFuture,
}

impl DenialReason {
    /// Every reason, in declaration order.
    pub const ALL: [DenialReason; 5] = [
        DenialReason::MfaRequired,
        DenialReason::AuthenticationTooOld,
        DenialReason::AcrInsufficient,
        DenialReason::ClaimsMissing,
        DenialReason::AuthenticationInFuture,
    ];

    /// The stable code: `mfa_required`, `authentication_too_old`, `acr_insufficient`,
    /// `claims_missing`, `authentication_in_future`.
    pub fn code(self) -> &'static str {
        match self {
            DenialReason::MfaRequired => "mfa_required",
            DenialReason::AuthenticationTooOld => "authentication_too_old",
            DenialReason::AcrInsufficient => "acr_insufficient",
            DenialReason::ClaimsMissing => "claims_missing",
            DenialReason::AuthenticationInFuture => "authentication_in_future",
        }
    }

    /// The challenge's `error_description`.
    pub fn description(self) -> &'static str {
        match self {
            DenialReason::MfaRequired => "Multi-factor authentication is required",
            DenialReason::AuthenticationTooOld => "A more recent authentication is required",
            DenialReason::AcrInsufficient => "A different authentication level is required",
            DenialReason::ClaimsMissing => "The authentication event is unknown: authenticate again",
            DenialReason::AuthenticationInFuture => "The authentication time is in the future: authenticate again",
        }
    }
}

impl fmt::Display for DenialReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An RFC 9470 `insufficient_user_authentication` challenge.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Challenge {
    /// Human-readable text for the developer of the client.
    pub error_description: Option<String>,
    /// Acceptable `acr` values, in order.
    pub acr_values: Vec<String>,
    /// The largest acceptable age of the authentication, in seconds.
    pub max_age: Option<u64>,
}

impl Challenge {
    /// The status for bearer APIs (with the `WWW-Authenticate` header).
    pub const BEARER_STATUS: u16 = 401;
    /// The status for cookie/BFF apps (with the JSON body).
    pub const COOKIE_STATUS: u16 = 403;

    /// The `WWW-Authenticate` header value.
    pub fn www_authenticate(&self) -> String {
        let mut header = format!("Bearer error=\"{INSUFFICIENT_USER_AUTHENTICATION}\"");
        if let Some(description) = &self.error_description {
            header.push_str(&format!(", error_description={}", quote(description)));
        }
        if !self.acr_values.is_empty() {
            header.push_str(&format!(", acr_values={}", quote(&self.acr_values.join(" "))));
        }
        if let Some(max_age) = self.max_age {
            header.push_str(&format!(", max_age={max_age}"));
        }
        header
    }

    /// The JSON body: `{"error": "insufficient_user_authentication", "error_description": …,
    /// "acr_values": "…", "max_age": N}` (absent members omitted).
    pub fn to_json(&self) -> Value {
        let mut body = json!({"error": INSUFFICIENT_USER_AUTHENTICATION});
        if let Some(description) = &self.error_description {
            body["error_description"] = json!(description);
        }
        if !self.acr_values.is_empty() {
            body["acr_values"] = json!(self.acr_values.join(" "));
        }
        if let Some(max_age) = self.max_age {
            body["max_age"] = json!(max_age);
        }
        body
    }

    /// [`Challenge::parse`] for a header handed over as bytes: `None` unless it is UTF-8.
    pub fn parse_bytes(header: &[u8]) -> Option<Challenge> {
        Challenge::parse(std::str::from_utf8(header).ok()?)
    }

    /// Parses a `WWW-Authenticate` value back (for clients of APIs that step up). Returns
    /// `None` unless it is a Bearer challenge with `error="insufficient_user_authentication"`.
    pub fn parse(header: &str) -> Option<Challenge> {
        let rest = header.trim_start();
        let (scheme, params) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        if !scheme.eq_ignore_ascii_case("bearer") {
            return None;
        }
        let mut challenge = Challenge::default();
        let mut error = None;
        for (name, value) in parse_auth_params(params)? {
            match name.to_ascii_lowercase().as_str() {
                "error" => error = Some(value),
                "error_description" => challenge.error_description = Some(value),
                "acr_values" => challenge.acr_values = value.split(' ').filter(|v| !v.is_empty()).map(str::to_owned).collect(),
                "max_age" => challenge.max_age = Some(value.parse().ok()?),
                _ => {}
            }
        }
        (error.as_deref() == Some(INSUFFICIENT_USER_AUTHENTICATION)).then_some(challenge)
    }
}

/// An RFC 9110 quoted-string.
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        // Header values cannot carry control characters; drop them rather than break the header.
        if !c.is_control() {
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// `name=token` or `name="quoted"` pairs separated by commas (RFC 9110 auth-param).
fn parse_auth_params(input: &str) -> Option<Vec<(String, String)>> {
    let mut params = Vec::new();
    let mut chars = input.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        if chars.peek().is_none() {
            return Some(params);
        }
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            name.push(c);
            chars.next();
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.next() != Some('=') || name.is_empty() {
            return None;
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => value.push(chars.next()?),
                    c => value.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' || c.is_whitespace() {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        params.push((name, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000;

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(NOW)
    }

    fn amr(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    #[test]
    fn truth_table() {
        let fresh = Some(NOW as i64 - 60);
        let stale = Some(NOW as i64 - 3600);
        let mfa = amr(&["pwd", "mfa"]);
        let pwd = amr(&["pwd"]);
        let policy = StepUpPolicy::mfa().with_max_age(Duration::from_secs(600));
        let reason = |d: StepUpDecision| d.denial().map(|d| d.reason);
        let eval = |p: &StepUpPolicy, amr: Option<&[String]>, acr: Option<&str>, auth_time: Option<i64>, now: SystemTime| {
            p.evaluate(amr, acr, auth_time, now, Subject::Cookie)
        };
        // amr × auth_time
        assert_eq!(reason(eval(&policy, Some(&mfa), None, fresh, now())), None);
        assert_eq!(reason(eval(&policy, Some(&mfa), None, stale, now())), Some(DenialReason::AuthenticationTooOld));
        assert_eq!(reason(eval(&policy, Some(&mfa), None, None, now())), Some(DenialReason::ClaimsMissing));
        assert_eq!(reason(eval(&policy, Some(&pwd), None, fresh, now())), Some(DenialReason::MfaRequired));
        assert_eq!(reason(eval(&policy, Some(&pwd), None, stale, now())), Some(DenialReason::MfaRequired));
        assert_eq!(reason(eval(&policy, None, None, fresh, now())), Some(DenialReason::ClaimsMissing));
        assert_eq!(reason(eval(&policy, Some(&[]), None, fresh, now())), Some(DenialReason::MfaRequired));
        // Exactly max_age old is still allowed; one second more is not.
        assert!(eval(&policy, Some(&mfa), None, Some(NOW as i64 - 600), now()).is_allowed());
        assert!(!eval(&policy, Some(&mfa), None, Some(NOW as i64 - 601), now()).is_allowed());
        // acr
        let acr_policy = StepUpPolicy { amr_any_of: vec![], amr_all_of: vec![], acr_values: amr(&["gold", "silver"]), ..StepUpPolicy::mfa() };
        assert!(eval(&acr_policy, None, Some("silver"), None, now()).is_allowed());
        assert_eq!(reason(eval(&acr_policy, None, Some("bronze"), None, now())), Some(DenialReason::AcrInsufficient));
        assert_eq!(reason(eval(&acr_policy, None, None, None, now())), Some(DenialReason::ClaimsMissing));
        // any-of / all-of
        let any = StepUpPolicy { amr_any_of: amr(&["hwk", "otp"]), ..StepUpPolicy::mfa() };
        assert!(eval(&any, Some(&amr(&["pwd", "otp"])), None, None, now()).is_allowed());
        let all = StepUpPolicy { amr_any_of: vec![], amr_all_of: amr(&["pwd", "otp"]), ..StepUpPolicy::mfa() };
        assert!(!eval(&all, Some(&amr(&["otp"])), None, None, now()).is_allowed());
        assert!(eval(&all, Some(&amr(&["otp", "pwd"])), None, None, now()).is_allowed());
        // Both lists: all of A and one of B.
        let both = StepUpPolicy { amr_any_of: amr(&["hwk", "otp"]), amr_all_of: amr(&["pwd"]), ..StepUpPolicy::mfa() };
        assert!(eval(&both, Some(&amr(&["pwd", "otp"])), None, None, now()).is_allowed());
        assert!(!eval(&both, Some(&amr(&["otp"])), None, None, now()).is_allowed());
        assert!(!eval(&both, Some(&amr(&["pwd"])), None, None, now()).is_allowed());
    }

    #[test]
    fn auth_time_in_the_future_denies() {
        let mfa = amr(&["pwd", "mfa"]);
        let reason = |p: &StepUpPolicy, auth_time: i64| p.evaluate(Some(&mfa), None, Some(auth_time), now(), Subject::Cookie).denial().map(|d| d.reason);
        for max_age in [0, 600, MAX_MAX_AGE.as_secs()] {
            let policy = StepUpPolicy::mfa().with_max_age(Duration::from_secs(max_age));
            for ahead in [NOW as i64 + 1, NOW as i64 + 86_400, i64::MAX] {
                assert_eq!(reason(&policy, ahead), Some(DenialReason::AuthenticationInFuture), "max_age {max_age}, {ahead}");
            }
            assert_eq!(reason(&policy, NOW as i64), None);
        }
        let skewed = StepUpPolicy::mfa().with_max_age(Duration::from_secs(600)).with_leeway(Duration::from_secs(5));
        assert_eq!(reason(&skewed, NOW as i64 + 5), None);
        assert_eq!(reason(&skewed, NOW as i64 + 6), Some(DenialReason::AuthenticationInFuture));
        // A policy without max_age does not read auth_time.
        assert_eq!(reason(&StepUpPolicy::mfa(), i64::MAX), None);
        // 1e300 floors and saturates to i64::MAX: still in the future.
        let claims: Claims = serde_json::from_value(json!({"amr": ["mfa"], "auth_time": 1e300})).unwrap();
        let denial = StepUpPolicy::mfa().with_max_age(Duration::from_secs(600)).check_claims_at(&claims, now());
        assert_eq!(denial.denial().map(|d| d.reason.code()), Some("authentication_in_future"));
        let mut codes: Vec<_> = DenialReason::ALL.iter().map(|r| r.code()).collect();
        codes.dedup();
        assert_eq!(codes.len(), DenialReason::ALL.len());
        let leeway = |s: f64| StepUpPolicy::from_options(StepUpPolicyOptions { leeway_seconds: Some(s), ..Default::default() });
        assert_eq!(leeway(5.0).unwrap().leeway, Duration::from_secs(5));
        assert!(leeway(-1.0).unwrap_err().to_string().contains("leeway"));
        assert!(leeway(3601.0).unwrap_err().to_string().contains("leeway"));
        assert_eq!(Challenge::parse_bytes(b"Bearer error=\"insufficient_user_authentication\""), Some(Challenge::default()));
        assert_eq!(Challenge::parse_bytes(b"Bearer error=\"insufficient_user_authentication\", error_description=\"\xff\""), None);
    }

    #[test]
    fn claims_are_normalized() {
        let claims: Claims = serde_json::from_value(json!({"amr": "mfa", "auth_time": NOW as f64 - 1.5})).unwrap();
        assert!(StepUpPolicy::mfa().with_max_age(Duration::from_secs(5)).check_claims_at(&claims, now()).is_allowed());
        let claims: Claims = serde_json::from_value(json!({"amr": 7})).unwrap();
        let decision = StepUpPolicy::mfa().check_claims_at(&claims, now());
        assert_eq!(decision.denial().map(|d| d.reason), Some(DenialReason::ClaimsMissing));
        assert_eq!(decision.denial().map(StepUpDenial::status), Some(401));
    }

    #[test]
    fn options_have_one_rule() {
        let from = |o: StepUpPolicyOptions| StepUpPolicy::from_options(o);
        assert_eq!(from(StepUpPolicyOptions::default()).unwrap(), StepUpPolicy::mfa());
        let all = from(StepUpPolicyOptions { amr_all_of: Some(vec!["pwd".into()]), ..Default::default() }).unwrap();
        assert_eq!((all.amr_any_of.len(), all.amr_all_of.len()), (0, 1), "an amr_all_of alone replaces the default");
        let none = from(StepUpPolicyOptions { amr_any_of: Some(vec![]), ..Default::default() }).unwrap();
        assert!(!none.needs_amr());
        let both = StepUpPolicyOptions { amr_any_of: Some(vec!["otp".into()]), amr_all_of: Some(vec!["pwd".into()]), ..Default::default() };
        assert!(from(both).is_ok(), "both lists may be set");
        for bad in [-1.0, f64::NAN, f64::INFINITY, 1e12] {
            let err = from(StepUpPolicyOptions { max_age_seconds: Some(bad), ..Default::default() }).unwrap_err();
            assert!(err.to_string().contains("max_age"), "{err}");
        }
        let empty = StepUpPolicyOptions { acr_values: Some(vec![String::new()]), ..Default::default() };
        assert!(from(empty).unwrap_err().to_string().contains("acr_values"));
    }

    #[test]
    fn denials_carry_their_status_and_message() {
        let claims: Claims = serde_json::from_value(json!({"amr": ["pwd"]})).unwrap();
        let denial = StepUpPolicy::mfa().check_claims_at(&claims, now()).require().unwrap_err();
        assert_eq!((denial.status(), StepUpDenial::CODE.as_str()), (401, "step_up_required"));
        assert_eq!(denial.to_string(), "step-up required (mfa_required): Multi-factor authentication is required");
    }

    #[test]
    fn renders_rfc9470() {
        let policy = StepUpPolicy::mfa().with_max_age(Duration::from_secs(300)).with_acr_values(amr(&["urn:a", "urn:b"]));
        let decision = policy.evaluate(Some(&amr(&["pwd"])), Some("urn:a"), Some(NOW as i64), now(), Subject::Bearer);
        let challenge = &decision.denial().unwrap().challenge;
        assert_eq!(
            challenge.www_authenticate(),
            "Bearer error=\"insufficient_user_authentication\", error_description=\"Multi-factor authentication is \
             required\", acr_values=\"urn:a urn:b\", max_age=300"
        );
        assert_eq!(
            challenge.to_json(),
            json!({"error": "insufficient_user_authentication", "error_description": "Multi-factor authentication is required", "acr_values": "urn:a urn:b", "max_age": 300})
        );
        assert_eq!(Challenge::parse(&challenge.www_authenticate()).as_ref(), Some(challenge));
    }

    #[test]
    fn parses_the_rfc_examples() {
        let a = Challenge::parse(
            "Bearer error=\"insufficient_user_authentication\", error_description=\"A different authentication level is required\", acr_values=\"myACR\"",
        )
        .unwrap();
        assert_eq!(a.acr_values, vec!["myACR".to_string()]);
        assert_eq!(a.error_description.as_deref(), Some("A different authentication level is required"));
        let b = Challenge::parse("Bearer error=\"insufficient_user_authentication\", error_description=\"More recent authentication is required\", max_age=5").unwrap();
        assert_eq!(b.max_age, Some(5));
        assert_eq!(Challenge::parse("Bearer error=\"invalid_token\""), None);
        assert_eq!(Challenge::parse("Basic realm=\"x\""), None);
        assert_eq!(Challenge::parse("Bearer error=\"insufficient_user_authentication\", max_age=soon"), None);
        assert_eq!(Challenge::parse("Bearer error=\"unterminated"), None);
    }

    #[test]
    fn quoting_round_trips() {
        let c = Challenge { error_description: Some("say \"hi\" \\ bye".into()), acr_values: vec![], max_age: None };
        assert_eq!(Challenge::parse(&c.www_authenticate()), Some(c));
    }
}
