//! Step-up completion: a user proves a second factor through the WorkOS MFA API, and the gate
//! issues a grant bound to this session that the step-up policy counts.
//!
//! WorkOS access tokens carry no `amr` today, so without this a policy requiring `mfa` denies
//! every WorkOS session with `claims_missing` and offers no way to pass. The flow:
//!
//! 1. [`SessionGate::start_step_up_at`]: picks the user's factor (the one named, which must be
//!    the session user's, read from the API; else the first TOTP, else SMS), creates a
//!    challenge, and returns it with a sealed *pending* value bound to the session's `sid` and
//!    `sub`, which the app keeps (a cookie or a form field).
//! 2. [`SessionGate::complete_step_up_at`]: checks the pending value belongs to this session,
//!    that the factor is this user's (from the API, never the client), verifies the code with
//!    the API, and on `valid: true` seals a grant: `sid`, `sub`, the methods proven (RFC 8176:
//!    `mfa` plus `otp` for TOTP, `sms` for SMS), `verified_at`, factor and challenge ids, and
//!    an expiry (default 12 h).
//! 3. [`SessionGate::check_step_up_at`]: the policy is met by the token's own `amr`, or by a
//!    valid grant for this very `sid` and `sub` (its `verified_at` standing for `auth_time`). A
//!    grant for another session or user, expired, tampered or sealed with an unknown password is
//!    ignored, and the check says why.
//!
//! Every step emits one [`AuditEvent`]. An API outage or 429 is the retryable
//! [`Error::ApiUnavailable`], never a failure.

use std::fmt;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value, json};

use crate::audit::{AuditEvent, AuditKind};
use crate::error::{Error, StepUpFailure};
use crate::grant::{self, Kind};
use crate::session::{Session, SessionGate};
use crate::stepup::{StepUpDecision, StepUpPolicy};
use crate::token::VerifiedToken;
use crate::util::time;
use crate::workos::{MfaRefusal, WorkosApi};

/// The longest a pending value is accepted, whatever the challenge's own expiry.
pub const PENDING_TTL: Duration = Duration::from_secs(10 * 60);
/// The longest code sent to the API (TOTP and SMS codes have 6 digits).
const MAX_CODE_CHARS: usize = 64;

/// A started step-up: what the app needs to ask for the code. `Debug` hides `pending`.
#[derive(Clone, PartialEq)]
pub struct StepUpChallenge {
    pub challenge_id: String,
    pub factor_id: String,
    /// `totp` or `sms`.
    pub factor_type: String,
    /// When the pending value stops being accepted (the challenge's expiry, at most 10 min).
    pub expires_at: SystemTime,
    /// The sealed pending value: keep it (cookie or form field) for `complete_step_up`.
    pub pending: String,
}

impl fmt::Debug for StepUpChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StepUpChallenge")
            .field("challenge_id", &self.challenge_id)
            .field("factor_id", &self.factor_id)
            .field("factor_type", &self.factor_type)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A completed step-up. `Debug` hides `grant`.
#[derive(Clone, PartialEq)]
pub struct StepUpGrant {
    /// The sealed grant: keep it beside the session cookie, hand it to `check`.
    pub grant: String,
    /// The methods proven (RFC 8176): `["mfa", "otp"]` or `["mfa", "sms"]`.
    pub amr: Vec<String>,
    pub verified_at: SystemTime,
    pub expires_at: SystemTime,
    pub factor_id: String,
    pub challenge_id: String,
}

impl fmt::Debug for StepUpGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StepUpGrant")
            .field("amr", &self.amr)
            .field("verified_at", &self.verified_at)
            .field("expires_at", &self.expires_at)
            .field("factor_id", &self.factor_id)
            .field("challenge_id", &self.challenge_id)
            .finish_non_exhaustive()
    }
}

/// What satisfied a policy's `amr` requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AmrSource {
    Token,
    Grant,
}

impl AmrSource {
    pub fn as_str(self) -> &'static str {
        match self {
            AmrSource::Token => "token",
            AmrSource::Grant => "grant",
        }
    }
}

/// Why a grant handed to a check did not count (the policy then judged the token alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GrantIgnored {
    /// Tampered, truncated, not a grant, or sealed with a password this gate no longer has.
    Invalid,
    /// Issued for another session.
    OtherSession,
    /// Issued for another user.
    OtherUser,
    /// Past its expiry.
    Expired,
}

impl GrantIgnored {
    pub const ALL: [GrantIgnored; 4] = [GrantIgnored::Invalid, GrantIgnored::OtherSession, GrantIgnored::OtherUser, GrantIgnored::Expired];

    /// `grant_invalid`, `grant_other_session`, `grant_other_user`, `grant_expired`.
    pub fn as_str(self) -> &'static str {
        match self {
            GrantIgnored::Invalid => "grant_invalid",
            GrantIgnored::OtherSession => "grant_other_session",
            GrantIgnored::OtherUser => "grant_other_user",
            GrantIgnored::Expired => "grant_expired",
        }
    }
}

/// A policy checked with an optional grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepUpCheck {
    pub decision: StepUpDecision,
    /// What satisfied the policy, when it was allowed.
    pub satisfied_by: Option<AmrSource>,
    /// A grant that was handed over but did not count, and why.
    pub grant_ignored: Option<GrantIgnored>,
}

impl From<StepUpDecision> for StepUpCheck {
    /// A check on the token alone: what allowed it was the token's own `amr`.
    fn from(decision: StepUpDecision) -> Self {
        let satisfied_by = decision.is_allowed().then_some(AmrSource::Token);
        StepUpCheck { decision, satisfied_by, grant_ignored: None }
    }
}

/// A grant that opened and belongs to the session.
struct Proven {
    amr: Vec<String>,
    verified_at: i64,
}

fn sid_sub(session: &Session) -> Option<(&str, &str)> {
    let sid = session.session_id();
    let sub = session.claims.get("sub").and_then(Value::as_str).unwrap_or_default();
    (!sid.is_empty() && !sub.is_empty()).then_some((sid, sub))
}

/// One path segment, percent-encoded (ids come from tokens, sealed values and callers).
fn segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for byte in id.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' | b'.' | b'~' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// An ISO 8601 time of the API (`2026-12-01T10:00:00.000Z`).
fn api_time(value: Option<&Value>) -> Option<SystemTime> {
    let text = value?.as_str()?;
    let parsed = ::time::OffsetDateTime::parse(text, &::time::format_description::well_known::Rfc3339).ok()?;
    time::from_unix_seconds("expires_at", parsed.unix_timestamp() as f64).ok()
}

/// The failure for an MFA endpoint's refusal.
fn refused(refusal: &MfaRefusal, not_found: StepUpFailure) -> StepUpFailure {
    match (refusal.status, refusal.code.as_str()) {
        (_, "authentication_challenge_expired") => StepUpFailure::ChallengeExpired,
        (_, "authentication_challenge_previously_verified") => StepUpFailure::ChallengeAlreadyVerified,
        (404, _) | (_, "entity_not_found") => not_found,
        _ => StepUpFailure::ApiRejected,
    }
}

fn factor_type(factor: &Map<String, Value>) -> Option<&str> {
    factor.get("type").and_then(Value::as_str).filter(|t| matches!(*t, "totp" | "sms"))
}

impl SessionGate {
    fn mfa_api(&self) -> Result<&WorkosApi, Error> {
        self.refresh.api.as_ref().ok_or_else(|| {
            Error::Configuration("a step-up needs the WorkOS API key: set api_key (apiKey in Node)".into())
        })
    }

    fn audit(&self, event: AuditEvent) {
        if let Some(sink) = &self.step_up.audit {
            sink.emit(&event);
        }
    }

    fn event(&self, kind: AuditKind, session: &Session, now: SystemTime, outcome: &'static str) -> AuditEvent {
        let sub = session.claims.get("sub").and_then(Value::as_str).unwrap_or_default();
        AuditEvent::new(kind, now, outcome, session.session_id(), sub, session.organization_id())
    }

    /// [`SessionGate::start_step_up_at`] now.
    pub fn start_step_up(&self, session: &Session, factor_id: Option<&str>) -> Result<StepUpChallenge, Error> {
        self.start_step_up_at(session, factor_id, SystemTime::now())
    }

    /// Starts a step-up for an authenticated session: the named factor (it must be the
    /// session user's, as the API says) or the user's first TOTP factor, else SMS; creates a
    /// challenge; returns it with the sealed pending value.
    ///
    /// `Err`: [`Error::StepUpFailed`] (`no_factor_enrolled`, `factor_not_found`,
    /// `factor_other_user`, `factor_type_unsupported`, `session_incomplete`, `api_rejected`),
    /// [`Error::ApiUnavailable`] (retryable), [`Error::Configuration`] (no API key; the API
    /// refused the key).
    pub fn start_step_up_at(&self, session: &Session, factor_id: Option<&str>, now: SystemTime) -> Result<StepUpChallenge, Error> {
        let outcome = self.start(session, factor_id, now);
        let mut event = self.event(AuditKind::StepUpStarted, session, now, "started");
        match &outcome {
            Ok(challenge) => {
                event.factor_id = Some(challenge.factor_id.clone());
                event.factor_type = Some(challenge.factor_type.clone());
                event.challenge_id = Some(challenge.challenge_id.clone());
            }
            Err(e) => {
                event.outcome = if e.is_retryable() { "error" } else { "refused" };
                event.reason = Some(e.detail_code().unwrap_or(e.code().as_str()));
                event.factor_id = factor_id.map(str::to_owned);
            }
        }
        self.audit(event);
        outcome
    }

    fn start(&self, session: &Session, factor_id: Option<&str>, now: SystemTime) -> Result<StepUpChallenge, Error> {
        let api = self.mfa_api()?;
        let (sid, sub) = sid_sub(session).ok_or(Error::StepUpFailed(StepUpFailure::SessionIncomplete))?;
        let failed = |failure| Err(Error::StepUpFailed(failure));
        let factor = match factor_id {
            Some(id) => {
                let factor = match api.mfa_get(&format!("/auth/factors/{}", segment(id)))? {
                    Ok(factor) => factor,
                    Err(refusal) => return failed(refused(&refusal, StepUpFailure::FactorNotFound)),
                };
                if factor.get("user_id").and_then(Value::as_str) != Some(sub) {
                    return failed(StepUpFailure::FactorOtherUser);
                }
                if factor_type(&factor).is_none() {
                    return failed(StepUpFailure::FactorTypeUnsupported);
                }
                factor
            }
            None => {
                let list = match api.mfa_get(&format!("/user_management/users/{}/auth_factors", segment(sub)))? {
                    Ok(list) => list,
                    Err(refusal) => return failed(refused(&refusal, StepUpFailure::NoFactorEnrolled)),
                };
                let factors: Vec<&Map<String, Value>> = list
                    .get("data")
                    .and_then(Value::as_array)
                    .map(|data| data.iter().filter_map(Value::as_object).filter(|f| f.get("user_id").and_then(Value::as_str) == Some(sub)).collect())
                    .unwrap_or_default();
                let pick = |kind: &str| factors.iter().find(|f| factor_type(f) == Some(kind)).map(|f| (*f).clone());
                match pick("totp").or_else(|| pick("sms")) {
                    Some(factor) => factor,
                    None => return failed(StepUpFailure::NoFactorEnrolled),
                }
            }
        };
        let (Some(factor_id), Some(kind)) = (factor.get("id").and_then(Value::as_str), factor_type(&factor)) else {
            return failed(StepUpFailure::ApiRejected);
        };
        let challenge = match api.mfa_post(&format!("/auth/factors/{}/challenge", segment(factor_id)), &json!({}))? {
            Ok(challenge) => challenge,
            Err(refusal) => return failed(refused(&refusal, StepUpFailure::FactorNotFound)),
        };
        let Some(challenge_id) = challenge.get("id").and_then(Value::as_str).filter(|id| !id.is_empty()) else {
            return failed(StepUpFailure::ApiRejected);
        };
        let latest = now + PENDING_TTL;
        let expires_at = api_time(challenge.get("expires_at")).map_or(latest, |at| at.min(latest));
        let mut fields = Map::new();
        fields.insert("sid".into(), json!(sid));
        fields.insert("sub".into(), json!(sub));
        fields.insert("factor_id".into(), json!(factor_id));
        fields.insert("factor_type".into(), json!(kind));
        fields.insert("challenge_id".into(), json!(challenge_id));
        fields.insert("iat".into(), grant::seconds(now));
        fields.insert("exp".into(), grant::seconds(expires_at));
        Ok(StepUpChallenge {
            challenge_id: challenge_id.to_owned(),
            factor_id: factor_id.to_owned(),
            factor_type: kind.to_owned(),
            expires_at,
            pending: self.step_up.keys.seal(Kind::Pending, &fields)?,
        })
    }

    /// [`SessionGate::complete_step_up_at`] now.
    pub fn complete_step_up(&self, session: &Session, pending: &str, code: &str) -> Result<StepUpGrant, Error> {
        self.complete_step_up_at(session, pending, code, SystemTime::now())
    }

    /// Completes a step-up: the pending value must be this gate's, for this session, not
    /// expired; the factor must be the session user's (read from the API); the API must verify
    /// the code. Returns the sealed grant.
    ///
    /// `Err`: [`Error::StepUpFailed`] with its detail (`pending_invalid`,
    /// `pending_other_session`, `challenge_expired`, `challenge_already_verified`,
    /// `challenge_not_found`, `factor_not_found`, `factor_other_user`, `code_invalid`,
    /// `session_incomplete`, `api_rejected`), never a grant; [`Error::ApiUnavailable`]
    /// (retryable); [`Error::Configuration`].
    pub fn complete_step_up_at(&self, session: &Session, pending: &str, code: &str, now: SystemTime) -> Result<StepUpGrant, Error> {
        let opened = self.step_up.keys.open(Kind::Pending, pending);
        let outcome = self.complete(session, opened.as_ref(), code, now);
        let mut event = self.event(AuditKind::StepUpCompleted, session, now, "granted");
        if let Some(fields) = &opened {
            event.factor_id = grant::text(fields, "factor_id").map(str::to_owned);
            event.factor_type = grant::text(fields, "factor_type").map(str::to_owned);
            event.challenge_id = grant::text(fields, "challenge_id").map(str::to_owned);
        }
        if let Err(e) = &outcome {
            event.outcome = if e.is_retryable() { "error" } else { "refused" };
            event.reason = Some(e.detail_code().unwrap_or(e.code().as_str()));
        }
        self.audit(event);
        outcome
    }

    fn complete(&self, session: &Session, pending: Option<&Map<String, Value>>, code: &str, now: SystemTime) -> Result<StepUpGrant, Error> {
        let api = self.mfa_api()?;
        let failed = |failure| Err(Error::StepUpFailed(failure));
        let (sid, sub) = sid_sub(session).ok_or(Error::StepUpFailed(StepUpFailure::SessionIncomplete))?;
        let Some(pending) = pending else { return failed(StepUpFailure::PendingInvalid) };
        let (Some(factor_id), Some(kind), Some(challenge_id), Some(expires_at)) = (
            grant::text(pending, "factor_id"),
            grant::text(pending, "factor_type"),
            grant::text(pending, "challenge_id"),
            grant::instant(pending, "exp"),
        ) else {
            return failed(StepUpFailure::PendingInvalid);
        };
        if grant::text(pending, "sid") != Some(sid) || grant::text(pending, "sub") != Some(sub) {
            return failed(StepUpFailure::PendingOtherSession);
        }
        if now >= expires_at {
            return failed(StepUpFailure::ChallengeExpired);
        }
        if code.is_empty() || code.chars().count() > MAX_CODE_CHARS {
            return failed(StepUpFailure::CodeInvalid);
        }
        let factor = match api.mfa_get(&format!("/auth/factors/{}", segment(factor_id)))? {
            Ok(factor) => factor,
            Err(refusal) => return failed(refused(&refusal, StepUpFailure::FactorNotFound)),
        };
        if factor.get("user_id").and_then(Value::as_str) != Some(sub) {
            return failed(StepUpFailure::FactorOtherUser);
        }
        let verified = match api.mfa_post(&format!("/auth/challenges/{}/verify", segment(challenge_id)), &json!({"code": code}))? {
            Ok(verified) => verified,
            Err(refusal) => return failed(refused(&refusal, StepUpFailure::ChallengeNotFound)),
        };
        let for_factor = verified.get("challenge").and_then(|c| c.get("authentication_factor_id")).and_then(Value::as_str);
        if for_factor.is_some_and(|id| id != factor_id) {
            return failed(StepUpFailure::ApiRejected);
        }
        if verified.get("valid") != Some(&Value::Bool(true)) {
            return failed(StepUpFailure::CodeInvalid);
        }
        let amr = vec!["mfa".to_owned(), if kind == "sms" { "sms" } else { "otp" }.to_owned()];
        let grant_expires_at = now + self.step_up.grant_ttl;
        let mut fields = Map::new();
        fields.insert("sid".into(), json!(sid));
        fields.insert("sub".into(), json!(sub));
        fields.insert("amr".into(), json!(amr));
        fields.insert("verified_at".into(), grant::seconds(now));
        fields.insert("factor_id".into(), json!(factor_id));
        fields.insert("challenge_id".into(), json!(challenge_id));
        fields.insert("exp".into(), grant::seconds(grant_expires_at));
        Ok(StepUpGrant {
            grant: self.step_up.keys.seal(Kind::Grant, &fields)?,
            amr,
            verified_at: now,
            expires_at: grant_expires_at,
            factor_id: factor_id.to_owned(),
            challenge_id: challenge_id.to_owned(),
        })
    }

    /// [`SessionGate::check_step_up_at`] now.
    pub fn check_step_up(&self, session: &Session, policy: &StepUpPolicy, grant: Option<&str>) -> StepUpCheck {
        self.check_step_up_at(session, policy, grant, SystemTime::now())
    }

    /// Checks `policy` on an authenticated session, counting a step-up grant: the token's own
    /// `amr` (and `auth_time`), or a valid grant for this `sid` and `sub` (its methods, and
    /// `verified_at` for `max_age`). An unusable grant is ignored and named in the result.
    /// Emits one audit event.
    pub fn check_step_up_at(&self, session: &Session, policy: &StepUpPolicy, grant: Option<&str>, now: SystemTime) -> StepUpCheck {
        let by_token = policy.check_at(session, now);
        let proven = grant.map(|grant| self.open_grant(session, grant, now));
        let check = match (by_token, proven) {
            (StepUpDecision::Allowed, proven) => StepUpCheck {
                decision: StepUpDecision::Allowed,
                satisfied_by: Some(AmrSource::Token),
                grant_ignored: proven.and_then(Result::err),
            },
            (denied, Some(Ok(proven))) => match policy.check_proven_at(session, &proven.amr, proven.verified_at, now) {
                StepUpDecision::Allowed => StepUpCheck { decision: StepUpDecision::Allowed, satisfied_by: Some(AmrSource::Grant), grant_ignored: None },
                // The grant's own shortfall (too old...) says more than the token's.
                by_grant => StepUpCheck { decision: if grant_denial_says_more(&denied) { by_grant } else { denied }, satisfied_by: None, grant_ignored: None },
            },
            (denied, ignored) => StepUpCheck { decision: denied, satisfied_by: None, grant_ignored: ignored.and_then(Result::err) },
        };
        let mut event = self.event(AuditKind::StepUpDecision, session, now, if check.decision.is_allowed() { "allowed" } else { "denied" });
        event.reason = check.decision.denial().map(|d| d.reason.code());
        event.policy = Some(policy.to_json());
        event.amr_source = check.satisfied_by.map(AmrSource::as_str);
        event.grant_ignored = check.grant_ignored.map(GrantIgnored::as_str);
        self.audit(event);
        check
    }

    /// [`StepUpPolicy::check_token_at`] as a [`StepUpCheck`], for the bindings' one `check`:
    /// a grant is bound to a cookie session, so handing one over with a bearer or ID token is a
    /// [`Error::Configuration`] (the caller mixed the two up), never silently ignored.
    pub fn check_token_step_up_at(&self, token: &VerifiedToken, policy: &StepUpPolicy, grant: Option<&str>, now: SystemTime) -> Result<StepUpCheck, Error> {
        if grant.is_some() {
            return Err(Error::Configuration("a step-up grant counts for cookie sessions only, not for a verified token".into()));
        }
        Ok(policy.check_token_at(token, now).into())
    }

    fn open_grant(&self, session: &Session, grant: &str, now: SystemTime) -> Result<Proven, GrantIgnored> {
        let fields = self.step_up.keys.open(Kind::Grant, grant).ok_or(GrantIgnored::Invalid)?;
        let amr: Option<Vec<String>> =
            fields.get("amr").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect());
        let (Some(sid), Some(sub), Some(amr), Some(verified_at), Some(expires_at)) = (
            grant::text(&fields, "sid"),
            grant::text(&fields, "sub"),
            amr,
            fields.get("verified_at").and_then(Value::as_i64),
            grant::instant(&fields, "exp"),
        ) else {
            return Err(GrantIgnored::Invalid);
        };
        let Some((session_sid, session_sub)) = sid_sub(session) else { return Err(GrantIgnored::OtherSession) };
        if sub != session_sub {
            return Err(GrantIgnored::OtherUser);
        }
        if sid != session_sid {
            return Err(GrantIgnored::OtherSession);
        }
        if now >= expires_at {
            return Err(GrantIgnored::Expired);
        }
        Ok(Proven { amr, verified_at })
    }
}

/// When the token alone lacks the claims (every WorkOS token: no `amr`), the valid grant's
/// denial (too old, `acr`) is the one to act on.
fn grant_denial_says_more(by_token: &StepUpDecision) -> bool {
    by_token.denial().is_some_and(|d| matches!(d.reason, crate::stepup::DenialReason::ClaimsMissing | crate::stepup::DenialReason::MfaRequired))
}
