//! Step-up completion through the WorkOS MFA API double: a password-only session is denied,
//! starts a step-up, completes it with the double's code, and the grant then satisfies the
//! policy (and `max_age` runs from `verified_at`); every way a grant or a pending value can be
//! misused is refused with its own detail; outages are retryable; every step is audited, and
//! no event holds a code, token or secret.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use sessiongate::{
    AmrSource, AuditEvent, AuditSink, Config, Error, GrantIgnored, JwksSource, SealFormat, Session, SessionData, SessionGate,
    StepUpDecision, StepUpPolicy,
};
use sessiongate_vectors::at;
use sessiongate_vectors::double::{API_KEY, CLIENT_ID, Double, Endpoint, Fault, MFA_CODE, NewSession, Options};

const SECRET: &str = "c3RlcC11cC1zdWl0ZS1jb29raWUtc2VjcmV0LTMyYiE=";
const OLD_SECRET: &str = "an-older-cookie-password-of-32-characters-at-least";
const T0: u64 = 1_800_000_000;
const ADA: &str = "user_01ADA";
const BOB: &str = "user_01BOB";

struct Setup {
    double: Double,
    gate: SessionGate,
    events: Arc<Mutex<Vec<AuditEvent>>>,
}

fn config(double: &Double, passwords: &[&str], events: &Arc<Mutex<Vec<AuditEvent>>>) -> Config {
    let mut config = Config::new(CLIENT_ID, passwords.iter().map(|p| (*p).to_owned()).collect(), JwksSource::Static(double.jwks().to_string()));
    config.api_key = Some(API_KEY.into());
    config.api_base_url = double.url().to_owned();
    config.refresh_timeout = Duration::from_secs(3);
    let events = Arc::clone(events);
    config.audit = Some(AuditSink::new(move |event| events.lock().unwrap().push(event.clone())));
    config
}

fn setup_with(options: Options) -> Setup {
    let double = Double::start(options);
    double.set_clock(T0);
    let events = Arc::new(Mutex::new(Vec::new()));
    let gate = SessionGate::new(config(&double, &[SECRET], &events)).unwrap();
    Setup { double, gate, events }
}

fn setup() -> Setup {
    setup_with(Options::default())
}

impl Setup {
    /// A session of `user` signed in at T0 with `amr` (none: WorkOS's tokens today).
    fn session(&self, user: &str, amr: &[&str]) -> Session {
        let issued = self.double.create_session_with(NewSession {
            user: json!({"object": "user", "id": user, "email": format!("{user}@example.com")}),
            organization_id: Some("org_01HOME".into()),
            amr: amr.iter().map(|s| (*s).to_owned()).collect(),
            auth_time: Some(T0),
            ..NewSession::default()
        });
        let data = SessionData { access_token: issued.access_token, refresh_token: issued.refresh_token, user: issued.user, ..SessionData::default() };
        let cookie = self.gate.seal_session_at(&data, SealFormat::Iron, at(T0 as f64)).unwrap();
        match self.gate.authenticate_at(&cookie, at(T0 as f64)).unwrap().session() {
            Some(session) => session.clone(),
            None => panic!("the double's session did not authenticate"),
        }
    }

    fn events(&self) -> Vec<Value> {
        std::mem::take(&mut *self.events.lock().unwrap()).iter().map(AuditEvent::to_json).collect()
    }
}

fn failure(outcome: Result<impl std::fmt::Debug, Error>) -> &'static str {
    match outcome {
        Err(Error::StepUpFailed(failure)) => failure.code(),
        other => panic!("expected a step-up failure, got {other:?}"),
    }
}

fn denial(decision: &StepUpDecision) -> Option<&'static str> {
    decision.denial().map(|d| d.reason.code())
}

#[test]
fn a_password_only_session_steps_up_with_a_totp_code_and_max_age_runs_from_verified_at() {
    let s = setup();
    s.double.add_factor(ADA, "sms");
    let totp = s.double.add_factor(ADA, "totp");
    let session = s.session(ADA, &[]);
    let mfa = StepUpPolicy::mfa();
    let now = at((T0 + 5) as f64);
    let before = s.gate.check_step_up_at(&session, &mfa, None, now);
    assert_eq!(denial(&before.decision), Some("claims_missing"), "WorkOS tokens carry no amr");

    let challenge = s.gate.start_step_up_at(&session, None, now).unwrap();
    assert_eq!((challenge.factor_id.as_str(), challenge.factor_type.as_str()), (totp.as_str(), "totp"), "TOTP before SMS");
    assert!(challenge.pending.starts_with("sgp1.") && !format!("{challenge:?}").contains(&challenge.pending));
    assert_eq!(sessiongate::to_unix_seconds(challenge.expires_at), (T0 + 600) as f64, "the double's challenge expiry");

    let later = at((T0 + 20) as f64);
    let grant = s.gate.complete_step_up_at(&session, &challenge.pending, MFA_CODE, later).unwrap();
    assert_eq!(grant.amr, ["mfa", "otp"]);
    assert_eq!(sessiongate::to_unix_seconds(grant.verified_at), (T0 + 20) as f64);
    assert_eq!(sessiongate::to_unix_seconds(grant.expires_at), (T0 + 20 + 12 * 3600) as f64, "12 h by default");
    assert!(!format!("{grant:?}").contains(&grant.grant));
    let with = s.gate.check_step_up_at(&session, &mfa, Some(&grant.grant), later);
    assert_eq!((with.decision.is_allowed(), with.satisfied_by, with.grant_ignored), (true, Some(AmrSource::Grant), None));

    // max_age counts from verified_at: allowed 600 s later, denied 601 s later.
    let recent = StepUpPolicy::mfa().with_max_age(Duration::from_secs(600));
    assert!(s.gate.check_step_up_at(&session, &recent, Some(&grant.grant), at((T0 + 620) as f64)).decision.is_allowed());
    let old = s.gate.check_step_up_at(&session, &recent, Some(&grant.grant), at((T0 + 621) as f64));
    assert_eq!(denial(&old.decision), Some("authentication_too_old"));
    assert_eq!(old.decision.denial().unwrap().challenge.max_age, Some(600));

    // A token that carries amr needs no grant.
    let strong = s.session(ADA, &["pwd", "mfa"]);
    let by_token = s.gate.check_step_up_at(&strong, &mfa, None, now);
    assert_eq!((by_token.decision.is_allowed(), by_token.satisfied_by), (true, Some(AmrSource::Token)));

    // One call per endpoint of the flow: list, challenge, factor, verify.
    let stats = s.double.stats();
    for endpoint in [Endpoint::ListFactors, Endpoint::Challenge, Endpoint::GetFactor, Endpoint::Verify] {
        assert_eq!(stats.get(endpoint), 1, "{endpoint:?}");
    }
}

#[test]
fn an_sms_factor_proves_mfa_and_sms_and_a_named_factor_must_be_the_users() {
    let s = setup();
    let sms = s.double.add_factor(ADA, "sms");
    let bobs = s.double.add_factor(BOB, "totp");
    let session = s.session(ADA, &[]);
    let now = at((T0 + 1) as f64);
    let challenge = s.gate.start_step_up_at(&session, Some(&sms), now).unwrap();
    assert_eq!(challenge.factor_type, "sms");
    let grant = s.gate.complete_step_up_at(&session, &challenge.pending, MFA_CODE, now).unwrap();
    assert_eq!(grant.amr, ["mfa", "sms"]);
    let needs_sms = StepUpPolicy { amr_all_of: vec!["sms".into()], ..StepUpPolicy::mfa() };
    assert!(s.gate.check_step_up_at(&session, &needs_sms, Some(&grant.grant), now).decision.is_allowed());

    assert_eq!(failure(s.gate.start_step_up_at(&session, Some(&bobs), now)), "factor_other_user");
    assert_eq!(failure(s.gate.start_step_up_at(&session, Some("auth_factor_01NOPE"), now)), "factor_not_found");
    assert_eq!(failure(s.gate.start_step_up_at(&session, Some("../../user_management/users"), now)), "factor_not_found");
    let carol = s.session("user_01CAROL", &[]);
    assert_eq!(failure(s.gate.start_step_up_at(&carol, None, now)), "no_factor_enrolled");
}

#[test]
fn grants_count_only_for_their_session_user_and_time_and_only_sealed_by_a_configured_password() {
    let s = setup();
    s.double.add_factor(ADA, "totp");
    s.double.add_factor(BOB, "totp");
    let session = s.session(ADA, &[]);
    let now = at((T0 + 1) as f64);
    let pending = s.gate.start_step_up_at(&session, None, now).unwrap().pending;
    let grant = s.gate.complete_step_up_at(&session, &pending, MFA_CODE, now).unwrap().grant;
    let mfa = StepUpPolicy::mfa();
    let ignored = |session: &Session, grant: &str, t: u64| {
        let check = s.gate.check_step_up_at(session, &mfa, Some(grant), at(t as f64));
        assert!(!check.decision.is_allowed());
        assert_eq!(denial(&check.decision), Some("claims_missing"), "judged on the token alone");
        check.grant_ignored.map(GrantIgnored::as_str)
    };
    let other_session = s.session(ADA, &[]);
    assert_ne!(other_session.session_id(), session.session_id());
    assert_eq!(ignored(&other_session, &grant, T0 + 1), Some("grant_other_session"));
    assert_eq!(ignored(&s.session(BOB, &[]), &grant, T0 + 1), Some("grant_other_user"));
    assert_eq!(ignored(&session, &grant, T0 + 1 + 12 * 3600), Some("grant_expired"));
    let mut tampered = grant.clone().into_bytes();
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    assert_eq!(ignored(&session, &String::from_utf8(tampered).unwrap(), T0 + 1), Some("grant_invalid"));
    assert_eq!(ignored(&session, &pending, T0 + 1), Some("grant_invalid"), "a pending value is no grant");
    assert_eq!(ignored(&session, "", T0 + 1), Some("grant_invalid"));

    // Rotation: a gate whose first password is new still honours grants of the old one while
    // it is configured; a gate without it ignores them.
    let events = Arc::new(Mutex::new(Vec::new()));
    let rotated = SessionGate::new(config(&s.double, &[OLD_SECRET, SECRET], &events)).unwrap();
    assert!(rotated.check_step_up_at(&session, &mfa, Some(&grant), now).decision.is_allowed());
    let rotated_out = SessionGate::new(config(&s.double, &[OLD_SECRET], &events)).unwrap();
    assert_eq!(rotated_out.check_step_up_at(&session, &mfa, Some(&grant), now).grant_ignored, Some(GrantIgnored::Invalid));
}

#[test]
fn pending_values_codes_and_challenges_that_cannot_complete() {
    let s = setup_with(Options { challenge_ttl: Duration::from_secs(60), ..Options::default() });
    s.double.add_factor(ADA, "totp");
    let session = s.session(ADA, &[]);
    let now = at((T0 + 1) as f64);
    let start = || s.gate.start_step_up_at(&session, None, now).unwrap().pending;

    let pending = start();
    assert_eq!(failure(s.gate.complete_step_up_at(&s.session(ADA, &[]), &pending, MFA_CODE, now)), "pending_other_session");
    assert_eq!(failure(s.gate.complete_step_up_at(&session, &pending, "000000", now)), "code_invalid");
    assert_eq!(failure(s.gate.complete_step_up_at(&session, &pending, "", now)), "code_invalid");
    assert_eq!(failure(s.gate.complete_step_up_at(&session, &pending[..pending.len() - 2], MFA_CODE, now)), "pending_invalid");
    assert_eq!(failure(s.gate.complete_step_up_at(&session, "garbage", MFA_CODE, now)), "pending_invalid");
    // The wrong code did not use the challenge up: the right one still passes, once.
    s.gate.complete_step_up_at(&session, &pending, MFA_CODE, now).unwrap();
    assert_eq!(failure(s.gate.complete_step_up_at(&session, &pending, MFA_CODE, now)), "challenge_already_verified");

    // Expired by the pending value's own time (the challenge's 60 s), with no API call...
    let pending = start();
    let calls = s.double.stats().get(Endpoint::Verify);
    assert_eq!(failure(s.gate.complete_step_up_at(&session, &pending, MFA_CODE, at((T0 + 61) as f64))), "challenge_expired");
    assert_eq!(s.double.stats().get(Endpoint::Verify), calls);
    // ...or by the API's clock.
    s.double.set_clock(T0 + 120);
    assert_eq!(failure(s.gate.complete_step_up_at(&session, &pending, MFA_CODE, now)), "challenge_expired");
}

#[test]
fn api_outages_are_retryable_never_a_failure() {
    let s = setup();
    s.double.add_factor(ADA, "totp");
    let session = s.session(ADA, &[]);
    let now = at((T0 + 1) as f64);
    s.double.push_faults(Endpoint::ListFactors, vec![Fault::Status { status: 503 }; 3]);
    let err = s.gate.start_step_up_at(&session, None, now).unwrap_err();
    assert!(matches!(err, Error::ApiUnavailable { .. }) && err.is_retryable(), "{err:?}");
    let pending = s.gate.start_step_up_at(&session, None, now).unwrap().pending;
    s.double.push_faults(Endpoint::Verify, vec![Fault::RateLimited { retry_after: 30 }]);
    let err = s.gate.complete_step_up_at(&session, &pending, MFA_CODE, now).unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)), "{err:?}");
    s.double.push_faults(Endpoint::GetFactor, vec![Fault::Stall { ms: 4000 }]);
    let err = s.gate.complete_step_up_at(&session, &pending, MFA_CODE, now).unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    // After the outage the same pending value completes.
    assert!(s.gate.complete_step_up_at(&session, &pending, MFA_CODE, now).is_ok());
    // A refused API key is the configuration's problem.
    s.double.push_faults(Endpoint::ListFactors, vec![Fault::Status { status: 401 }]);
    assert_eq!(s.gate.start_step_up_at(&session, None, now).unwrap_err().code().as_str(), "configuration_error");
    let keyless = SessionGate::new(Config { api_key: None, ..config(&s.double, &[SECRET], &s.events) }).unwrap();
    let err = keyless.start_step_up_at(&session, None, now).unwrap_err();
    assert!(err.to_string().contains("api_key"), "{err}");
}

#[test]
fn every_step_is_audited_and_no_event_holds_a_secret() {
    let s = setup();
    let factor = s.double.add_factor(ADA, "totp");
    let session = s.session(ADA, &[]);
    let now = at((T0 + 1) as f64);
    let mfa = StepUpPolicy::mfa().with_max_age(Duration::from_secs(600));
    s.gate.check_step_up_at(&session, &mfa, None, now);
    let challenge = s.gate.start_step_up_at(&session, None, now).unwrap();
    let _ = s.gate.complete_step_up_at(&session, &challenge.pending, "999999", now);
    let grant = s.gate.complete_step_up_at(&session, &challenge.pending, MFA_CODE, now).unwrap();
    s.gate.check_step_up_at(&session, &mfa, Some(&grant.grant), now);
    s.gate.check_step_up_at(&session, &mfa, Some("sgg1.forged"), now);
    s.double.push_faults(Endpoint::ListFactors, vec![Fault::Status { status: 503 }; 3]);
    let _ = s.gate.start_step_up_at(&session, None, now);
    let events = s.events();
    let summary: Vec<(&str, &str, Option<&str>)> =
        events.iter().map(|e| (e["event"].as_str().unwrap(), e["outcome"].as_str().unwrap(), e["reason"].as_str())).collect();
    assert_eq!(summary, [
        ("step_up.decision", "denied", Some("claims_missing")),
        ("step_up.started", "started", None),
        ("step_up.completed", "refused", Some("code_invalid")),
        ("step_up.completed", "granted", None),
        ("step_up.decision", "allowed", None),
        ("step_up.decision", "denied", Some("claims_missing")),
        ("step_up.started", "error", Some("api_unavailable")),
    ]);
    for event in &events {
        assert_eq!(event["session_id"], session.session_id());
        assert_eq!(event["user_id"], ADA);
        assert_eq!(event["organization_id"], "org_01HOME");
        assert_eq!(event["time"], (T0 + 1) as f64);
    }
    assert_eq!(events[0]["policy"], json!({"amr_any_of": ["mfa"], "amr_all_of": [], "max_age": 600, "acr_values": []}));
    assert_eq!((events[1]["factor_id"].as_str(), events[1]["factor_type"].as_str()), (Some(factor.as_str()), Some("totp")));
    assert_eq!(events[3]["challenge_id"], challenge.challenge_id);
    assert_eq!(events[4]["amr_source"], "grant");
    assert_eq!(events[5]["grant_ignored"], "grant_invalid");
    let shown = serde_json::to_string(&events).unwrap();
    for secret in [MFA_CODE, "999999", SECRET, API_KEY, &session.access_token, &challenge.pending, &grant.grant] {
        assert!(!shown.contains(secret), "an audit event holds a secret: {secret}");
    }
    assert!(!shown.contains(session.refresh_token.as_deref().unwrap()));
}

#[test]
fn a_failing_audit_sink_changes_no_decision() {
    let s = setup();
    s.double.add_factor(ADA, "totp");
    let mut c = config(&s.double, &[SECRET], &s.events);
    c.audit = Some(AuditSink::new(|_| panic!("the audit sink is down")));
    let gate = SessionGate::new(c).unwrap();
    let session = s.session(ADA, &[]);
    let now = at((T0 + 1) as f64);
    let pending = gate.start_step_up_at(&session, None, now).unwrap().pending;
    let grant = gate.complete_step_up_at(&session, &pending, MFA_CODE, now).unwrap().grant;
    assert!(gate.check_step_up_at(&session, &StepUpPolicy::mfa(), Some(&grant), now).decision.is_allowed());
}

#[test]
fn grant_lifetime_is_configurable_within_bounds() {
    let s = setup();
    s.double.add_factor(ADA, "totp");
    let mut c = config(&s.double, &[SECRET], &s.events);
    c.step_up_grant_ttl = Duration::from_secs(60);
    let gate = SessionGate::new(c).unwrap();
    let session = s.session(ADA, &[]);
    let now = at((T0 + 1) as f64);
    let pending = gate.start_step_up_at(&session, None, now).unwrap().pending;
    let grant = gate.complete_step_up_at(&session, &pending, MFA_CODE, now).unwrap();
    assert_eq!(sessiongate::to_unix_seconds(grant.expires_at), (T0 + 61) as f64);
    let check = gate.check_step_up_at(&session, &StepUpPolicy::mfa(), Some(&grant.grant), at((T0 + 61) as f64));
    assert_eq!(check.grant_ignored, Some(GrantIgnored::Expired));
    for ttl in [Duration::ZERO, Duration::from_secs(31 * 24 * 3600)] {
        let bad = Config { step_up_grant_ttl: ttl, ..config(&s.double, &[SECRET], &s.events) };
        assert_eq!(SessionGate::new(bad).unwrap_err().code().as_str(), "configuration_error");
    }
}
