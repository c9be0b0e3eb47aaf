//! Step-up completion for Swift: the started challenge and the grant as records (their
//! descriptions never show `pending` or `grant`), the check's extras, and the audit callback.

use std::fmt;
use std::sync::Arc;

use sessiongate::{AuditSink, to_unix_seconds};

/// A started step-up: ask for the code of `factorType` (`totp` or `sms`), keep `pending` for
/// `completeStepUp`. `expiresAt` is in seconds since the epoch.
#[derive(Clone, PartialEq, uniffi::Record)]
#[uniffi::export(Debug, Eq)]
pub struct StepUpChallenge {
    pub challenge_id: String,
    pub factor_id: String,
    pub factor_type: String,
    pub expires_at: f64,
    pub pending: String,
}

impl From<sessiongate::StepUpChallenge> for StepUpChallenge {
    fn from(c: sessiongate::StepUpChallenge) -> Self {
        StepUpChallenge {
            expires_at: to_unix_seconds(c.expires_at),
            challenge_id: c.challenge_id,
            factor_id: c.factor_id,
            factor_type: c.factor_type,
            pending: c.pending,
        }
    }
}

impl fmt::Debug for StepUpChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StepUpChallenge")
            .field("challenge_id", &self.challenge_id)
            .field("factor_id", &self.factor_id)
            .field("factor_type", &self.factor_type)
            .field("expires_at", &self.expires_at)
            .field("pending", &"<redacted>")
            .finish()
    }
}

/// A completed step-up: keep `grant` beside the session cookie and pass it to `check`.
/// `amr` is what was proven (`["mfa", "otp"]` or `["mfa", "sms"]`); times in seconds.
#[derive(Clone, PartialEq, uniffi::Record)]
#[uniffi::export(Debug, Eq)]
pub struct StepUpGrant {
    pub grant: String,
    pub amr: Vec<String>,
    pub verified_at: f64,
    pub expires_at: f64,
    pub factor_id: String,
    pub challenge_id: String,
}

impl From<sessiongate::StepUpGrant> for StepUpGrant {
    fn from(g: sessiongate::StepUpGrant) -> Self {
        StepUpGrant {
            verified_at: to_unix_seconds(g.verified_at),
            expires_at: to_unix_seconds(g.expires_at),
            grant: g.grant,
            amr: g.amr,
            factor_id: g.factor_id,
            challenge_id: g.challenge_id,
        }
    }
}

impl fmt::Debug for StepUpGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StepUpGrant")
            .field("amr", &self.amr)
            .field("verified_at", &self.verified_at)
            .field("expires_at", &self.expires_at)
            .field("factor_id", &self.factor_id)
            .field("challenge_id", &self.challenge_id)
            .field("grant", &"<redacted>")
            .finish()
    }
}

/// A policy checked with an optional grant: the decision, what satisfied it (`token` or
/// `grant`), and why a grant handed over did not count (`grant_invalid`,
/// `grant_other_session`, `grant_other_user`, `grant_expired`).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct StepUpCheck {
    pub decision: crate::StepUpDecision,
    pub satisfied_by: Option<String>,
    pub grant_ignored: Option<String>,
}

impl From<sessiongate::StepUpCheck> for StepUpCheck {
    fn from(check: sessiongate::StepUpCheck) -> Self {
        StepUpCheck {
            decision: check.decision.into(),
            satisfied_by: check.satisfied_by.map(|s| s.as_str().to_owned()),
            grant_ignored: check.grant_ignored.map(|g| g.as_str().to_owned()),
        }
    }
}

/// Receives every step-up audit event, as the JSON object every language emits (`event`,
/// `time`, `outcome`, `reason`, `session_id`, `user_id`, `organization_id`, `policy`,
/// `amr_source`, `grant_ignored`, `factor_id`, `factor_type`, `challenge_id`). Never a code,
/// token or secret. Called on the thread of the call that made the event.
#[uniffi::export(with_foreign)]
pub trait AuditListener: Send + Sync {
    fn on_audit(&self, event_json: String);
}

pub(crate) fn audit_sink(listener: Arc<dyn AuditListener>) -> AuditSink {
    AuditSink::new(move |event| listener.on_audit(event.to_json().to_string()))
}
