//! `cargo xtask demo`, Rust part: generate a key pair and JWKS, seal one MFA session and one
//! password-only session in both formats, authenticate all four, apply the MFA step-up
//! policy, then keep a session alive: an expired MFA session refreshed through the WorkOS API
//! double (on 127.0.0.1) with its `amr` kept, and its logout URL; step a password-only
//! session (no `amr`, as WorkOS's tokens today) up with a TOTP code through the double's MFA API
//! and show the policy allow it; write `target/demo/fixture.json` for the bindings' demos.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::time::Duration;

use serde_json::{Value, json};
use sessiongate::{Authentication, Config, JwksSource, SealFormat, SessionData, SessionGate, StepUpDecision, StepUpPolicy};
use sessiongate_vectors::double::{self, Double, Endpoint, NewSession};
use sessiongate_vectors::{at, generate_rsa, public_jwk, sign_rs256, unix_now};

const CLIENT_ID: &str = "client_01DEMO";
/// A Fernet key is also a valid iron password: one secret seals both formats.
const COOKIE_PASSWORD: &str = "ZGVtby1jb29raWUtcGFzc3dvcmQtMzItYnl0ZXMhISE=";

fn main() {
    let out = std::env::args().nth(1).unwrap_or_else(|| "target/demo/fixture.json".into());
    let key = generate_rsa();
    let jwks = json!({"keys": [public_jwk(&key, "demo_key_1")]});
    let gate = SessionGate::new(Config::new(CLIENT_ID, vec![COOKIE_PASSWORD.into()], JwksSource::Static(jwks.to_string())))
        .unwrap();
    let now = unix_now();

    let users = [("ada@example.com", "user_01ADA", json!(["pwd", "mfa"])), ("bob@example.com", "user_01BOB", json!(["pwd"]))];
    let mut sessions = Vec::new();
    for format in [SealFormat::Iron, SealFormat::Fernet] {
        for (email, id, amr) in &users {
            let claims = json!({
                "iss": format!("https://api.workos.com/user_management/{CLIENT_ID}"),
                "sub": id, "sid": format!("session_{}_{}", &id[5..], format.as_str()), "org_id": "org_01DEMO",
                "role": "member", "amr": amr, "auth_time": now - 120, "iat": now - 60, "exp": now + 3600,
            });
            let token = sign_rs256(&key, &json!({"alg": "RS256", "kid": "demo_key_1", "typ": "JWT"}), &claims);
            let data = SessionData {
                access_token: token,
                refresh_token: "refresh_demo".into(),
                user: json!({"object": "user", "id": id, "email": email}),
                authentication_method: Some("Password".into()),
                ..SessionData::default()
            };
            let cookie = gate.seal_session(&data, format).unwrap();
            sessions.push(json!({"label": format!("{} / {}", email, format.as_str()), "format": format.as_str(), "cookie": cookie}));
        }
    }

    let policy = StepUpPolicy::mfa().with_max_age(Duration::from_secs(600));
    println!("{:<8} {:<7} {:<22} {:<17} {:<16} step-up (mfa, max_age 600 s)", "binding", "format", "session", "user", "amr");
    let mut denied_header = None;
    for s in &sessions {
        let cookie = s["cookie"].as_str().unwrap();
        match gate.authenticate(cookie).unwrap() {
            Authentication::Authenticated(session) => {
                let email = session.user.as_ref().and_then(|u| u.get("email")).and_then(Value::as_str).unwrap_or("-");
                let decision = match policy.check(&session) {
                    StepUpDecision::Allowed => "allowed".to_string(),
                    StepUpDecision::Denied(denial) => {
                        denied_header.get_or_insert(denial.challenge.www_authenticate());
                        format!("denied: {}", denial.reason)
                    }
                };
                println!(
                    "{:<8} {:<7} {:<22} {:<17} {:<16} {decision}",
                    "rust",
                    session.format.as_str(),
                    session.session_id(),
                    email,
                    format!("{:?}", session.amr().unwrap_or_default()),
                );
            }
            Authentication::Failed(failure) => panic!("demo session refused: {failure}"),
        }
    }
    if let Some(header) = denied_header {
        println!("\nA denied request gets 401 with\n  WWW-Authenticate: {header}\n(or 403 with the same fields as JSON for cookie apps)");
    }
    refresh_demo(&policy);
    step_up_demo(&policy);
    let fixture = json!({"client_id": CLIENT_ID, "cookie_passwords": [COOKIE_PASSWORD], "jwks": jwks, "now": now, "sessions": sessions});
    let path = std::path::Path::new(&out);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_json::to_string_pretty(&fixture).unwrap()).unwrap();
}

/// A session that expires and is refreshed through the API double, as a request would see it.
fn refresh_demo(policy: &StepUpPolicy) {
    let api = Double::start(double::Options::default());
    let mut config = Config::new(double::CLIENT_ID, vec![COOKIE_PASSWORD.into()], JwksSource::Url(api.jwks_url()));
    config.api_key = Some(double::API_KEY.into());
    config.api_base_url = api.url().to_owned();
    let gate = SessionGate::new(config).unwrap();
    let signed_in = unix_now();
    api.set_clock(signed_in);
    let issued = api.create_session_with(NewSession {
        user: json!({"object": "user", "id": "user_01ADA", "email": "ada@example.com"}),
        organization_id: Some("org_01DEMO".into()),
        amr: vec!["pwd".into(), "mfa".into()],
        auth_time: Some(signed_in),
        authentication_method: Some("Password".into()),
        ..NewSession::default()
    });
    let data = SessionData {
        access_token: issued.access_token,
        refresh_token: issued.refresh_token,
        user: issued.user,
        authentication_method: Some("Password".into()),
        organization_id: Some("org_01DEMO".into()),
        ..SessionData::default()
    };
    let cookie = gate.seal_session(&data, SealFormat::Iron).unwrap();
    // Six minutes later the five-minute access token has expired.
    let later = signed_in + 360;
    api.set_clock(later);
    println!("\nKeeping a session alive (WorkOS API double on {}):", api.url());
    match gate.authenticate_at(&cookie, at(later as f64)).unwrap() {
        Authentication::Failed(failure) => println!("  6 min later, authenticate:   {failure}"),
        Authentication::Authenticated(_) => panic!("the demo token should have expired"),
    }
    let renewal = gate.authenticate_or_refresh_at(&cookie, at(later as f64)).unwrap();
    let Authentication::Authenticated(session) = &renewal.authentication else { panic!("refresh failed: {renewal:?}") };
    let decision = match policy.check(session) {
        StepUpDecision::Allowed => "allowed".to_string(),
        StepUpDecision::Denied(denial) => format!("denied: {}", denial.reason),
    };
    println!(
        "  authenticate_or_refresh:     refreshed, new cookie {} ({} bytes), amr {:?}, auth_time kept ({}), step-up {decision}",
        renewal.sealed_session.as_deref().map_or("none", |c| if c.starts_with("Fe26.2") { "iron" } else { "other" }),
        renewal.sealed_session.as_deref().map_or(0, str::len),
        session.amr().unwrap_or_default(),
        session.auth_time() == i64::try_from(signed_in).ok(),
    );
    // The same old cookie again (a parallel request): served from the grace memory, no call.
    let again = gate.authenticate_or_refresh_at(&cookie, at(later as f64)).unwrap();
    println!(
        "  the old cookie again:        same new cookie: {}; WorkOS API calls: {}",
        again.sealed_session == renewal.sealed_session,
        api.stats().get(Endpoint::Authenticate)
    );
    let url = gate.logout_url(renewal.sealed_session.as_deref().unwrap(), Some("https://app.example/")).unwrap();
    println!("  log out:                     {url}");
}

/// A password-only WorkOS session (its token has no `amr`) passes the step-up with a TOTP code.
fn step_up_demo(policy: &StepUpPolicy) {
    let api = Double::start(double::Options::default());
    let mut config = Config::new(double::CLIENT_ID, vec![COOKIE_PASSWORD.into()], JwksSource::Url(api.jwks_url()));
    config.api_key = Some(double::API_KEY.into());
    config.api_base_url = api.url().to_owned();
    config.audit = Some(sessiongate::AuditSink::new(|event| {
        let e = event.to_json();
        println!("    audit: {} {} {}", e["event"].as_str().unwrap_or(""), e["outcome"].as_str().unwrap_or(""), e["reason"].as_str().unwrap_or(""));
    }));
    let gate = SessionGate::new(config).unwrap();
    let now = unix_now();
    api.set_clock(now);
    api.add_factor("user_01BOB", "totp");
    let issued = api.create_session_with(NewSession {
        user: json!({"object": "user", "id": "user_01BOB", "email": "bob@example.com"}),
        auth_time: Some(now),
        ..NewSession::default()
    });
    let data = SessionData { access_token: issued.access_token, refresh_token: issued.refresh_token, user: issued.user, ..SessionData::default() };
    let cookie = gate.seal_session(&data, SealFormat::Iron).unwrap();
    let Authentication::Authenticated(session) = gate.authenticate(&cookie).unwrap() else { panic!("the demo session was refused") };
    println!("
Step-up a WorkOS session can pass (MFA API of the double; its token has amr {:?}):", session.amr());
    let shown = |check: &sessiongate::StepUpCheck| match &check.decision {
        StepUpDecision::Allowed => format!("allowed (amr from the {})", check.satisfied_by.map_or("?", |s| s.as_str())),
        StepUpDecision::Denied(denial) => format!("denied: {}", denial.reason),
    };
    println!("  check:                       {}", shown(&gate.check_step_up(&session, policy, None)));
    let challenge = gate.start_step_up(&session, None).unwrap();
    println!("  start_step_up:               {} challenge {} (pending value {} bytes)", challenge.factor_type, challenge.challenge_id, challenge.pending.len());
    let grant = gate.complete_step_up(&session, &challenge.pending, double::MFA_CODE).unwrap();
    println!("  complete_step_up (code {}): grant amr {:?} ({} bytes)", double::MFA_CODE, grant.amr, grant.grant.len());
    println!("  check with the grant:        {}", shown(&gate.check_step_up(&session, policy, Some(&grant.grant))));
}
