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

use crate::session::Session;
use crate::token::{self, Claims, unix_seconds};

/// The RFC 9470 error code.
pub const INSUFFICIENT_USER_AUTHENTICATION: &str = "insufficient_user_authentication";

/// What a policy requires of `amr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AmrRequirement {
    /// Nothing.
    None,
    /// At least one of these values.
    AnyOf(Vec<String>),
    /// Every one of these values.
    AllOf(Vec<String>),
}

/// A step-up policy. [`StepUpPolicy::default`] requires `mfa` in `amr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepUpPolicy {
    /// The `amr` requirement.
    pub amr: AmrRequirement,
    /// The longest time since `auth_time` (OIDC `max_age`).
    pub max_age: Option<Duration>,
    /// Accepted `acr` values (any one); empty: `acr` is not checked.
    pub acr_values: Vec<String>,
}

impl Default for StepUpPolicy {
    fn default() -> Self {
        StepUpPolicy::mfa()
    }
}

impl StepUpPolicy {
    /// Requires `mfa` in `amr`.
    pub fn mfa() -> StepUpPolicy {
        StepUpPolicy { amr: AmrRequirement::AnyOf(vec!["mfa".into()]), max_age: None, acr_values: Vec::new() }
    }

    /// Also requires the user to have authenticated at most `max_age` ago.
    pub fn with_max_age(mut self, max_age: Duration) -> StepUpPolicy {
        self.max_age = Some(max_age);
        self
    }

    /// Also requires one of these `acr` values.
    pub fn with_acr_values(mut self, values: Vec<String>) -> StepUpPolicy {
        self.acr_values = values;
        self
    }

    /// Evaluates the policy on an authenticated session at `now`.
    pub fn check(&self, session: &Session, now: SystemTime) -> StepUpDecision {
        self.evaluate(session.amr().as_deref(), session.acr(), session.auth_time(), now)
    }

    /// Evaluates the policy on verified token claims at `now` (bearer access or ID tokens).
    pub fn check_claims(&self, claims: &Claims, now: SystemTime) -> StepUpDecision {
        let amr = token::amr(claims);
        let acr = claims.get("acr").and_then(Value::as_str);
        self.evaluate(amr.as_deref(), acr, token::auth_time(claims), now)
    }

    /// Evaluates the policy on the three claims it reads.
    pub fn evaluate(
        &self,
        amr: Option<&[String]>,
        acr: Option<&str>,
        auth_time: Option<i64>,
        now: SystemTime,
    ) -> StepUpDecision {
        let needs_amr = self.amr != AmrRequirement::None;
        let missing = (needs_amr && amr.is_none())
            || (self.max_age.is_some() && auth_time.is_none())
            || (!self.acr_values.is_empty() && acr.is_none());
        let reason = if missing {
            Some(DenialReason::ClaimsMissing)
        } else if !self.amr_satisfied(amr.unwrap_or_default()) {
            Some(DenialReason::MfaRequired)
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
            Some(reason) => StepUpDecision::Denied(StepUpDenial { reason, challenge: self.challenge(reason) }),
        }
    }

    fn amr_satisfied(&self, amr: &[String]) -> bool {
        let has = |value: &String| amr.contains(value);
        match &self.amr {
            AmrRequirement::None => true,
            AmrRequirement::AnyOf(values) => values.iter().any(has),
            AmrRequirement::AllOf(values) => values.iter().all(has),
        }
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
}

/// Why a policy denied, and what to tell the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepUpDenial {
    /// Why.
    pub reason: DenialReason,
    /// The RFC 9470 challenge.
    pub challenge: Challenge,
}

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
}

impl DenialReason {
    /// The stable code: `mfa_required`, `authentication_too_old`, `acr_insufficient`,
    /// `claims_missing`.
    pub fn code(self) -> &'static str {
        match self {
            DenialReason::MfaRequired => "mfa_required",
            DenialReason::AuthenticationTooOld => "authentication_too_old",
            DenialReason::AcrInsufficient => "acr_insufficient",
            DenialReason::ClaimsMissing => "claims_missing",
        }
    }

    fn description(self) -> &'static str {
        match self {
            DenialReason::MfaRequired => "Multi-factor authentication is required",
            DenialReason::AuthenticationTooOld => "A more recent authentication is required",
            DenialReason::AcrInsufficient => "A different authentication level is required",
            DenialReason::ClaimsMissing => "The authentication event is unknown: authenticate again",
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
        // amr × auth_time
        assert_eq!(reason(policy.evaluate(Some(&mfa), None, fresh, now())), None);
        assert_eq!(reason(policy.evaluate(Some(&mfa), None, stale, now())), Some(DenialReason::AuthenticationTooOld));
        assert_eq!(reason(policy.evaluate(Some(&mfa), None, None, now())), Some(DenialReason::ClaimsMissing));
        assert_eq!(reason(policy.evaluate(Some(&pwd), None, fresh, now())), Some(DenialReason::MfaRequired));
        assert_eq!(reason(policy.evaluate(Some(&pwd), None, stale, now())), Some(DenialReason::MfaRequired));
        assert_eq!(reason(policy.evaluate(None, None, fresh, now())), Some(DenialReason::ClaimsMissing));
        assert_eq!(reason(policy.evaluate(Some(&[]), None, fresh, now())), Some(DenialReason::MfaRequired));
        // Exactly max_age old is still allowed; one second more is not.
        assert!(policy.evaluate(Some(&mfa), None, Some(NOW as i64 - 600), now()).is_allowed());
        assert!(!policy.evaluate(Some(&mfa), None, Some(NOW as i64 - 601), now()).is_allowed());
        // acr
        let acr_policy = StepUpPolicy { amr: AmrRequirement::None, max_age: None, acr_values: amr(&["gold", "silver"]) };
        assert!(acr_policy.evaluate(None, Some("silver"), None, now()).is_allowed());
        assert_eq!(reason(acr_policy.evaluate(None, Some("bronze"), None, now())), Some(DenialReason::AcrInsufficient));
        assert_eq!(reason(acr_policy.evaluate(None, None, None, now())), Some(DenialReason::ClaimsMissing));
        // any-of / all-of
        let any = StepUpPolicy { amr: AmrRequirement::AnyOf(amr(&["hwk", "otp"])), ..StepUpPolicy::mfa() };
        assert!(any.evaluate(Some(&amr(&["pwd", "otp"])), None, None, now()).is_allowed());
        let all = StepUpPolicy { amr: AmrRequirement::AllOf(amr(&["pwd", "otp"])), ..StepUpPolicy::mfa() };
        assert!(!all.evaluate(Some(&amr(&["otp"])), None, None, now()).is_allowed());
        assert!(all.evaluate(Some(&amr(&["otp", "pwd"])), None, None, now()).is_allowed());
    }

    #[test]
    fn claims_are_normalized() {
        let claims: Claims = serde_json::from_value(json!({"amr": "mfa", "auth_time": NOW as f64 - 1.5})).unwrap();
        assert!(StepUpPolicy::mfa().with_max_age(Duration::from_secs(5)).check_claims(&claims, now()).is_allowed());
        let claims: Claims = serde_json::from_value(json!({"amr": 7})).unwrap();
        let decision = StepUpPolicy::mfa().check_claims(&claims, now());
        assert_eq!(decision.denial().map(|d| d.reason), Some(DenialReason::ClaimsMissing));
    }

    #[test]
    fn renders_rfc9470() {
        let policy = StepUpPolicy::mfa().with_max_age(Duration::from_secs(300)).with_acr_values(amr(&["urn:a", "urn:b"]));
        let decision = policy.evaluate(Some(&amr(&["pwd"])), Some("urn:a"), Some(NOW as i64), now());
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
