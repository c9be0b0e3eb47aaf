//! Audit events: one per step-up decision, challenge started, grant issued or refused.
//!
//! The gate hands each event to the sink the binding configured (Python's `sessiongate.audit`
//! logger and `on_audit`, Node's `onAudit`, Swift's callback). An event names the session,
//! the user, the organization, the policy and the outcome, never a code, token or secret. A
//! sink that fails (panics, raises) changes nothing: the decision stands.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use serde_json::{Map, Value, json};

use crate::util::time;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditKind {
    /// A policy was checked on a session (`outcome`: `allowed` or `denied`).
    StepUpDecision,
    /// A challenge was created for the user's factor (`outcome`: `started`), or could not be
    /// (`refused`, with `reason`).
    StepUpStarted,
    /// A code was checked (`outcome`: `granted`, or `refused` with `reason`).
    StepUpCompleted,
}

impl AuditKind {
    /// The event name: `step_up.decision`, `step_up.started`, `step_up.completed`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::StepUpDecision => "step_up.decision",
            AuditKind::StepUpStarted => "step_up.started",
            AuditKind::StepUpCompleted => "step_up.completed",
        }
    }
}

/// One audit event. Every field is safe to log.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub kind: AuditKind,
    pub time: SystemTime,
    /// `allowed`, `denied`, `started`, `granted` or `refused`.
    pub outcome: &'static str,
    /// Why it was denied or refused (a denial reason or a step-up failure detail).
    pub reason: Option<&'static str>,
    pub session_id: String,
    pub user_id: String,
    pub organization_id: Option<String>,
    /// The policy checked (its requirements), for decisions.
    pub policy: Option<Value>,
    /// Where the `amr` that satisfied the policy came from: `token` or `grant`.
    pub amr_source: Option<&'static str>,
    /// A grant that was handed over but did not count, and why.
    pub grant_ignored: Option<&'static str>,
    pub factor_id: Option<String>,
    pub factor_type: Option<String>,
    pub challenge_id: Option<String>,
}

impl AuditEvent {
    pub(crate) fn new(kind: AuditKind, time: SystemTime, outcome: &'static str, session_id: &str, user_id: &str, organization_id: Option<&str>) -> AuditEvent {
        AuditEvent {
            kind,
            time,
            outcome,
            reason: None,
            session_id: session_id.to_owned(),
            user_id: user_id.to_owned(),
            organization_id: organization_id.map(str::to_owned),
            policy: None,
            amr_source: None,
            grant_ignored: None,
            factor_id: None,
            factor_type: None,
            challenge_id: None,
        }
    }

    /// The event as one JSON object, the shape every binding emits: `event`, `time` (unix
    /// seconds), `outcome`, then every field that is set, snake_case.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("event".into(), json!(self.kind.as_str()));
        map.insert("time".into(), json!(time::to_unix_seconds(self.time)));
        map.insert("outcome".into(), json!(self.outcome));
        let mut put = |name: &str, value: Option<Value>| {
            if let Some(value) = value {
                map.insert(name.into(), value);
            }
        };
        put("reason", self.reason.map(Value::from));
        put("session_id", Some(json!(self.session_id)));
        put("user_id", Some(json!(self.user_id)));
        put("organization_id", self.organization_id.as_deref().map(Value::from));
        put("policy", self.policy.clone());
        put("amr_source", self.amr_source.map(Value::from));
        put("grant_ignored", self.grant_ignored.map(Value::from));
        put("factor_id", self.factor_id.as_deref().map(Value::from));
        put("factor_type", self.factor_type.as_deref().map(Value::from));
        put("challenge_id", self.challenge_id.as_deref().map(Value::from));
        Value::Object(map)
    }
}

/// Where a gate sends its audit events.
#[derive(Clone)]
pub struct AuditSink(Arc<dyn Fn(&AuditEvent) + Send + Sync>);

impl AuditSink {
    pub fn new(sink: impl Fn(&AuditEvent) + Send + Sync + 'static) -> AuditSink {
        AuditSink(Arc::new(sink))
    }

    /// Hands `event` over; a sink that panics is contained (the decision stands).
    pub(crate) fn emit(&self, event: &AuditEvent) {
        let sink = &self.0;
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sink(event)));
    }
}

impl fmt::Debug for AuditSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuditSink")
    }
}

impl PartialEq for AuditSink {
    fn eq(&self, other: &AuditSink) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}
