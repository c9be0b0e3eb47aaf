//! Refresh through the WorkOS API double: both cookie formats, single-flight and the grace
//! window under 50 threads, every fault's outcome class, the rotated token never lost,
//! authenticate-or-refresh at each side of the buffer edge (injected time), organization
//! switching, the logout URL, and a gate without an API key.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sessiongate::{
    Authentication, Config, Error, JwksSource, Refresh, SealFormat, SessionData, SessionGate, SessionRenewal,
};
use sessiongate_vectors::at;
use sessiongate_vectors::double::{API_KEY, CLIENT_ID, Double, Endpoint, Fault, NewSession, Options};

/// A Fernet key (url-safe base64 of 32 bytes) is also an iron password: one secret, both formats.
const SECRET: &str = "cmVmcmVzaC1zdWl0ZS1jb29raWUtc2VjcmV0LTMyYiE=";
const T0: u64 = 1_800_000_000;
const FORMATS: [SealFormat; 2] = [SealFormat::Iron, SealFormat::Fernet];

struct Setup {
    double: Double,
    gate: SessionGate,
}

fn config(double: &Double) -> Config {
    let mut config = Config::new(CLIENT_ID, vec![SECRET.into()], JwksSource::Url(double.jwks_url()));
    config.api_key = Some(API_KEY.into());
    config.api_base_url = double.url().to_owned();
    config
}

fn setup_with(options: Options, adjust: impl FnOnce(&mut Config)) -> Setup {
    let double = Double::start(options);
    double.set_clock(T0);
    let mut c = config(&double);
    adjust(&mut c);
    Setup { gate: SessionGate::new(c).unwrap(), double }
}

fn setup() -> Setup {
    setup_with(Options::default(), |_| {})
}

impl Setup {
    /// A session signed in at T0 (token valid until T0 + 300), sealed in `format`.
    fn cookie(&self, format: SealFormat) -> String {
        self.cookie_with(format, NewSession {
            user: json!({"object": "user", "id": "user_01ADA", "email": "ada@example.com", "first_name": "Ada"}),
            organization_id: Some("org_01HOME".into()),
            amr: vec!["pwd".into(), "mfa".into()],
            auth_time: Some(T0 - 100),
            authentication_method: Some("Password".into()),
            ..NewSession::default()
        })
    }

    fn cookie_with(&self, format: SealFormat, new: NewSession) -> String {
        let org = new.organization_id.clone();
        let method = new.authentication_method.clone();
        let issued = self.double.create_session_with(new);
        let data = SessionData {
            access_token: issued.access_token,
            refresh_token: issued.refresh_token,
            user: issued.user,
            impersonator: None,
            authentication_method: method,
            organization_id: org,
        };
        self.gate.seal_session_at(&data, format, at(T0 as f64)).unwrap()
    }

    fn calls(&self) -> u64 {
        self.double.stats().get(Endpoint::Authenticate)
    }

    fn refresh(&self, cookie: &str, now: u64) -> Result<Refresh, Error> {
        self.gate.refresh_at(cookie, None, at(now as f64))
    }

    fn renew(&self, cookie: &str, now: u64) -> Result<SessionRenewal, Error> {
        self.gate.authenticate_or_refresh_at(cookie, at(now as f64))
    }
}

fn refreshed(outcome: Result<Refresh, Error>) -> (String, Box<sessiongate::Session>) {
    match outcome {
        Ok(Refresh::Refreshed { sealed_session, session }) => (sealed_session, session),
        other => panic!("expected a refresh, got {other:?}"),
    }
}

fn failed(outcome: Result<Refresh, Error>) -> (String, String, Option<String>) {
    match outcome {
        Ok(Refresh::Failed { failure, sealed_session }) => (failure.reason.as_str().into(), failure.detail.code().into(), sealed_session),
        other => panic!("expected a failure, got {other:?}"),
    }
}

fn sealed_refresh_token(gate: &SessionGate, cookie: &str) -> String {
    let data = gate.unseal_data(cookie).unwrap().data;
    data.get("refreshToken").or_else(|| data.get("refresh_token")).and_then(Value::as_str).unwrap().to_owned()
}

#[test]
fn every_format_in_is_the_same_format_out() {
    for format in SealFormat::ALL {
        // ruby-legacy keys are exactly 32 bytes; every other format takes the suite's secret.
        let secret = if format == SealFormat::RubyLegacy { "ruby-legacy-key-of-32-bytes-long" } else { SECRET };
        let s = setup_with(Options::default(), |c| {
            c.formats = SealFormat::ALL.to_vec();
            c.cookie_passwords = vec![secret.into()];
        });
        let cookie = s.cookie(format);
        s.double.set_clock(T0 + 400);
        let (sealed, session) = refreshed(s.refresh(&cookie, T0 + 400));
        assert_eq!(session.format, format);
        assert_eq!(s.gate.unseal_data(&sealed).unwrap().format, format, "{format} in, {format} out");
        assert_eq!(session.amr(), Some(vec!["pwd".to_string(), "mfa".to_string()]), "{format}");
        let again = s.gate.authenticate_at(&sealed, at((T0 + 400) as f64)).unwrap();
        let again = again.session().unwrap_or_else(|| panic!("{format}: {again:?}"));
        assert_eq!(again.session_id(), session.session_id(), "{format}");
    }
}

#[test]
fn refreshes_in_both_formats_keeping_amr_and_auth_time() {
    let s = setup();
    for format in FORMATS {
        let cookie = s.cookie(format);
        let old_refresh = sealed_refresh_token(&s.gate, &cookie);
        // The token expired at T0 + 300.
        s.double.set_clock(T0 + 400);
        let expired = s.gate.authenticate_at(&cookie, at((T0 + 400) as f64)).unwrap();
        assert_eq!(expired.failure().unwrap().detail.code(), "expired");
        let (sealed, session) = refreshed(s.refresh(&cookie, T0 + 400));
        assert_eq!(SealFormat::detect(&sealed), Some(format), "{format} in, {format} out");
        assert_eq!(session.format, format);
        assert_eq!(session.amr(), Some(vec!["pwd".to_string(), "mfa".to_string()]), "{format}");
        assert_eq!(session.auth_time(), Some((T0 - 100) as i64), "auth_time unchanged by a refresh");
        assert_eq!(session.organization_id(), Some("org_01HOME"));
        assert_eq!(session.authentication_method.as_deref(), Some("Password"));
        assert_eq!(session.typed_user().unwrap().first_name.as_deref(), Some("Ada"));
        assert_eq!(session.claims["exp"].as_u64(), Some(T0 + 700));

        // The new cookie opens like any other, in the SDK's own naming, with the new tokens.
        let again = s.gate.authenticate_at(&sealed, at((T0 + 400) as f64)).unwrap();
        assert_eq!(again.session().unwrap().session_id(), session.session_id());
        let payload = s.gate.unseal_data(&sealed).unwrap().data;
        let (access, refresh, org) = match format {
            SealFormat::Iron => ("accessToken", "refreshToken", "organizationId"),
            SealFormat::Fernet => ("access_token", "refresh_token", "organization_id"),
            other => panic!("{other} is not one of FORMATS"),
        };
        assert_eq!(payload[access].as_str(), Some(session.access_token.as_str()));
        assert_ne!(payload[refresh].as_str(), Some(old_refresh.as_str()), "the rotated refresh token is sealed");
        assert_eq!(payload[org], "org_01HOME");

        // What went over the wire: the old refresh token, the API key both ways, the current
        // organization; never the cookie password.
        let sent = s.double.requests().pop().unwrap();
        assert_eq!(sent.body["grant_type"], "refresh_token");
        assert_eq!(sent.body["client_id"], CLIENT_ID);
        assert_eq!(sent.body["client_secret"], API_KEY);
        assert_eq!(sent.body["refresh_token"], json!(old_refresh));
        assert_eq!(sent.body["organization_id"], "org_01HOME");
        assert_eq!(sent.authorization.as_deref(), Some(format!("Bearer {API_KEY}").as_str()));
        assert!(!sent.body.to_string().contains(SECRET), "the cookie password never leaves");
        s.double.set_clock(T0);
    }
    assert_eq!(s.calls(), 2);
}

#[test]
fn fifty_threads_make_one_call_and_get_one_cookie_then_the_grace_window_serves_twenty_more() {
    let s = Arc::new(setup());
    for format in FORMATS {
        s.double.reset();
        s.double.set_clock(T0);
        let cookie = Arc::new(s.cookie(format));
        s.double.set_clock(T0 + 301);
        let barrier = Arc::new(Barrier::new(50));
        let handles: Vec<_> = (0..50)
            .map(|_| {
                let (s, cookie, barrier) = (Arc::clone(&s), Arc::clone(&cookie), Arc::clone(&barrier));
                thread::spawn(move || {
                    barrier.wait();
                    refreshed(s.refresh(&cookie, T0 + 301)).0
                })
            })
            .collect();
        let cookies: Vec<String> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(s.calls(), 1, "{format}: one API call for 50 concurrent refreshes");
        assert!(cookies.iter().all(|c| *c == cookies[0]), "{format}: 50 identical cookies");

        // 20 more requests with the old cookie inside the grace window (60 s): no call.
        s.double.set_clock(T0 + 340);
        let late: Vec<_> = (0..20)
            .map(|i| {
                let (s, cookie) = (Arc::clone(&s), Arc::clone(&cookie));
                thread::spawn(move || refreshed(s.refresh(&cookie, T0 + 302 + i)).0)
            })
            .collect();
        for handle in late {
            assert_eq!(handle.join().unwrap(), cookies[0], "{format}: the remembered cookie");
        }
        assert_eq!(s.calls(), 1, "{format}: still one call");

        // Past the grace window the old cookie is asked again, and the API (past its own
        // window) refuses it: terminal.
        let (reason, detail, sealed) = failed(s.refresh(&cookie, T0 + 361));
        assert_eq!((reason.as_str(), detail.as_str(), sealed), ("invalid_grant", "refresh_token_rejected", None));
        assert_eq!(s.calls(), 2);
        // The new cookie refreshes normally.
        let (next, _) = refreshed(s.refresh(&cookies[0], T0 + 362));
        assert_ne!(next, cookies[0]);
    }
}

#[test]
fn a_remembered_refresh_is_never_served_past_its_access_token() {
    // Grace (900 s) longer than the new token's life (300 s).
    let s = setup_with(Options { grace: Duration::from_secs(3600), ..Options::default() }, |c| c.refresh_grace = Duration::from_secs(900));
    let cookie = s.cookie(SealFormat::Iron);
    s.double.set_clock(T0 + 400);
    let (first, _) = refreshed(s.refresh(&cookie, T0 + 400));
    assert_eq!(refreshed(s.refresh(&cookie, T0 + 699)).0, first, "remembered while its token is valid");
    assert_eq!(s.calls(), 1);
    // At its token's expiry (T0 + 700) the memory is not used: a new call (the double's own
    // window still answers it with the same pair, whose token is expired now).
    let (reason, detail, sealed) = failed(s.refresh(&cookie, T0 + 700));
    assert_eq!(s.calls(), 2);
    assert_eq!((reason.as_str(), detail.as_str()), ("invalid_jwt", "expired"));
    let sealed = sealed.expect("the API's answer is still handed over");
    assert_eq!(sealed_refresh_token(&s.gate, &sealed), sealed_refresh_token(&s.gate, &first), "the same pair");
}

#[test]
fn transient_faults_are_retried_then_retryable_and_never_clear_the_cookie() {
    let s = setup();
    let cookie = s.cookie(SealFormat::Iron);
    let now = T0 + 400;
    s.double.set_clock(now);
    for fault in [Fault::Status { status: 500 }, Fault::Status { status: 503 }, Fault::Status { status: 502 }, Fault::MalformedJson] {
        let before = s.calls();
        // Three faults outlast the two retries.
        s.double.push_faults(Endpoint::Authenticate, vec![fault.clone(); 3]);
        let err = s.refresh(&cookie, now).unwrap_err();
        assert_eq!((err.code().as_str(), err.is_retryable()), ("api_unavailable", true), "{fault:?}: {err}");
        assert_eq!(s.calls(), before + 3, "{fault:?}: one call and two retries");
        assert!(!err.to_string().contains(API_KEY) && !err.to_string().contains("refresh_01"), "{err}");
        // authenticate_or_refresh on the expired cookie: the same retryable error, no clear.
        s.double.push_faults(Endpoint::Authenticate, vec![fault.clone(); 3]);
        assert_eq!(s.renew(&cookie, now).unwrap_err().code().as_str(), "api_unavailable");
    }
    // One fault, then success inside the same call.
    s.double.push_faults(Endpoint::Authenticate, [Fault::Status { status: 503 }, Fault::MalformedJson]);
    let before = s.calls();
    let (sealed, _) = refreshed(s.refresh(&cookie, now));
    assert_eq!(s.calls(), before + 3, "two retries, then the answer");

    // 429 with Retry-After: waited (up to the 2 s cap) and handed to the caller.
    let cookie = sealed;
    let now = now + 1;
    s.double.push_faults(Endpoint::Authenticate, vec![Fault::RateLimited { retry_after: 1 }; 3]);
    let started = Instant::now();
    let err = s.refresh(&cookie, now).unwrap_err();
    assert!(started.elapsed() >= Duration::from_secs(2), "waited Retry-After twice: {:?}", started.elapsed());
    assert_eq!((err.code().as_str(), err.retry_after()), ("api_unavailable", Some(Duration::from_secs(1))));
    // A Retry-After past the cap is not waited for: answered at once.
    s.double.push_faults(Endpoint::Authenticate, [Fault::RateLimited { retry_after: 30 }]);
    let (before, started) = (s.calls(), Instant::now());
    let err = s.refresh(&cookie, now).unwrap_err();
    assert_eq!((err.retry_after(), s.calls()), (Some(Duration::from_secs(30)), before + 1));
    assert!(started.elapsed() < Duration::from_secs(1));
    // The refresh token survived every transient fault.
    refreshed(s.refresh(&cookie, now));
}

#[test]
fn a_stall_past_the_timeout_is_retryable_within_the_timeout() {
    let s = setup_with(Options::default(), |c| c.refresh_timeout = Duration::from_millis(800));
    let cookie = s.cookie(SealFormat::Fernet);
    s.double.set_clock(T0 + 400);
    s.double.push_faults(Endpoint::Authenticate, [Fault::Stall { ms: 3000 }]);
    let started = Instant::now();
    let err = s.refresh(&cookie, T0 + 400).unwrap_err();
    assert_eq!(err.code().as_str(), "api_unavailable", "{err}");
    assert!(started.elapsed() < Duration::from_millis(1500), "bounded by the refresh timeout: {:?}", started.elapsed());
    assert_eq!(s.calls(), 1, "no retry once the timeout is spent");
    // A proactive refresh stalling while the token is still valid serves the current token.
    s.double.set_clock(T0);
    let cookie = s.cookie(SealFormat::Fernet);
    s.double.push_faults(Endpoint::Authenticate, [Fault::Stall { ms: 3000 }]);
    let renewal = s.renew(&cookie, T0 + 280).unwrap();
    assert!(renewal.authentication.is_authenticated());
    assert_eq!((renewal.sealed_session, renewal.clear_cookie), (None, false));
}

#[test]
fn terminal_refusals_are_failures_that_clear_the_cookie() {
    let s = setup();
    let now = T0 + 400;
    let cases = [
        (Fault::SsoRequired, "sso_required", "sso_required"),
        (Fault::MfaEnrollment, "mfa_enrollment", "mfa_enrollment"),
        (Fault::Forbidden { code: "mfa_challenge".into() }, "mfa_challenge", "mfa_challenge"),
        (Fault::Forbidden { code: "email_verification_required".into() }, "email_verification_required", "email_verification_required"),
        (Fault::Forbidden { code: "organization_selection_required".into() }, "organization_selection_required", "organization_selection_required"),
        (Fault::Forbidden { code: "authentication_method_not_allowed".into() }, "authentication_method_not_allowed", "authentication_method_not_allowed"),
        (Fault::Forbidden { code: "radar_challenge".into() }, "radar_challenge", "radar_challenge"),
        (Fault::OauthError { status: 400, error: "invalid_grant".into() }, "invalid_grant", "refresh_token_rejected"),
        (Fault::OauthError { status: 400, error: "invalid_request".into() }, "refresh_rejected", "api_rejected"),
        (Fault::Status { status: 404 }, "refresh_rejected", "api_rejected"),
    ];
    for (fault, reason, detail) in cases {
        s.double.set_clock(T0);
        let cookie = s.cookie(SealFormat::Iron);
        s.double.set_clock(now);
        let before = s.calls();
        s.double.push_faults(Endpoint::Authenticate, [fault.clone()]);
        let outcome = failed(s.refresh(&cookie, now));
        assert_eq!((outcome.0.as_str(), outcome.1.as_str(), outcome.2), (reason, detail, None), "{fault:?}");
        assert_eq!(s.calls(), before + 1, "{fault:?}: terminal, not retried");
        s.double.push_faults(Endpoint::Authenticate, [fault.clone()]);
        let renewal = s.renew(&cookie, now).unwrap();
        assert_eq!(renewal.authentication.failure().unwrap().reason.as_str(), reason);
        assert!(renewal.clear_cookie && renewal.sealed_session.is_none(), "{fault:?}: clear the cookie");
        // A terminal refusal of a *proactive* refresh while the token is valid serves it.
        s.double.push_faults(Endpoint::Authenticate, [fault.clone()]);
        let renewal = s.renew(&cookie, T0 + 290).unwrap();
        assert!(renewal.authentication.is_authenticated() && !renewal.clear_cookie, "{fault:?}");
    }
    // A 401 means the API key is wrong: a configuration error, not the user's problem.
    let cookie = s.cookie(SealFormat::Iron);
    s.double.push_faults(Endpoint::Authenticate, [Fault::Status { status: 401 }]);
    let err = s.refresh(&cookie, now).unwrap_err();
    assert_eq!(err.code().as_str(), "configuration_error");
    assert!(err.to_string().contains("api_key"), "{err}");
    let wrong_key = SessionGate::new(Config { api_key: Some("sk_wrong".into()), ..config(&s.double) }).unwrap();
    assert_eq!(wrong_key.refresh_at(&cookie, None, at(now as f64)).unwrap_err().code().as_str(), "configuration_error");
}

#[test]
fn every_refresh_refusal_detail_comes_from_its_api_code() {
    let s = setup();
    let now = T0 + 400;
    let mut seen = std::collections::BTreeSet::new();
    for detail in sessiongate::FailureDetail::ALL.iter().filter(|d| d.reason().is_refresh_refusal()) {
        // The API code of each: the reason string, except for the catch-all.
        let code = match detail.code() {
            "api_rejected" => "some_new_code",
            _ => detail.reason().as_str(),
        };
        s.double.set_clock(T0);
        let cookie = s.cookie(SealFormat::Fernet);
        s.double.set_clock(now);
        // Both error shapes the API uses: 403 `{code}` and 400 `{error}`.
        for fault in [Fault::Forbidden { code: code.into() }, Fault::OauthError { status: 400, error: code.into() }] {
            s.double.push_faults(Endpoint::Authenticate, [fault]);
            let (reason, got, sealed) = failed(s.refresh(&cookie, now));
            assert_eq!((reason.as_str(), got.as_str(), sealed), (detail.reason().as_str(), detail.code(), None), "{code}");
        }
        seen.insert(detail.code());
    }
    assert_eq!(seen.len(), 12, "{seen:?}");
}

#[test]
fn a_rotated_token_is_never_lost_when_the_new_access_token_does_not_verify() {
    let s = setup();
    for format in FORMATS {
        s.double.set_clock(T0);
        let cookie = s.cookie(format);
        s.double.set_clock(T0 + 400);
        s.double.push_faults(Endpoint::Authenticate, [Fault::UnknownKey]);
        let (reason, detail, sealed) = failed(s.refresh(&cookie, T0 + 400));
        assert_eq!((reason.as_str(), detail.as_str()), ("invalid_jwt", "unknown_kid"));
        let sealed = sealed.expect("the new cookie comes with the failure");
        assert_eq!(SealFormat::detect(&sealed), Some(format));
        assert_ne!(sealed_refresh_token(&s.gate, &sealed), sealed_refresh_token(&s.gate, &cookie));
        // authenticate_or_refresh hands it over without clearing.
        s.double.set_clock(T0);
        let cookie = s.cookie(format);
        s.double.set_clock(T0 + 400);
        s.double.push_faults(Endpoint::Authenticate, [Fault::UnknownKey]);
        let renewal = s.renew(&cookie, T0 + 400).unwrap();
        assert!(!renewal.clear_cookie);
        let rotated = renewal.sealed_session.expect("the rotated session is set");
        assert_eq!(renewal.authentication.failure().unwrap().detail.code(), "unknown_kid");
        // The rotated refresh token works: the next request refreshes with it.
        let renewal = s.renew(&rotated, T0 + 401).unwrap();
        assert!(renewal.authentication.is_authenticated(), "{renewal:?}");
        assert!(renewal.sealed_session.is_some());
    }
}

#[test]
fn authenticate_or_refresh_at_each_side_of_the_buffer_edge() {
    // 300 s tokens: buffer 30 s (refresh when exp < now + 30, exp = T0 + 300).
    let s = setup();
    let cookie = s.cookie(SealFormat::Iron);
    for now in [T0 + 10, T0 + 269, T0 + 270] {
        let renewal = s.renew(&cookie, now).unwrap();
        assert!(renewal.authentication.is_authenticated() && renewal.sealed_session.is_none(), "{now}");
    }
    assert_eq!(s.calls(), 0, "outside the buffer: no refresh");
    s.double.set_clock(T0 + 271);
    let renewal = s.renew(&cookie, T0 + 271).unwrap();
    let sealed = renewal.sealed_session.expect("inside the buffer: refreshed");
    assert_eq!(renewal.authentication.session().unwrap().claims["exp"].as_u64(), Some(T0 + 571));
    assert!(!renewal.clear_cookie);
    assert_eq!(s.calls(), 1);
    assert!(s.renew(&sealed, T0 + 272).unwrap().sealed_session.is_none(), "the new cookie is fresh");

    // 1 h tokens: buffer 60 s.
    let s = setup_with(Options { access_token_ttl: Duration::from_secs(3600), ..Options::default() }, |_| {});
    let cookie = s.cookie(SealFormat::Fernet);
    assert!(s.renew(&cookie, T0 + 3540).unwrap().sealed_session.is_none());
    s.double.set_clock(T0 + 3541);
    assert!(s.renew(&cookie, T0 + 3541).unwrap().sealed_session.is_some());

    // A configured buffer, and 0 to disable proactive refresh (an expired token still refreshes).
    let s = setup_with(Options::default(), |c| c.refresh_buffer = Some(Duration::from_secs(100)));
    let cookie = s.cookie(SealFormat::Iron);
    assert!(s.renew(&cookie, T0 + 200).unwrap().sealed_session.is_none());
    assert!(s.renew(&cookie, T0 + 201).unwrap().sealed_session.is_some());
    let s = setup_with(Options::default(), |c| c.refresh_buffer = Some(Duration::ZERO));
    let cookie = s.cookie(SealFormat::Iron);
    assert!(s.renew(&cookie, T0 + 299).unwrap().sealed_session.is_none());
    assert_eq!(s.calls(), 0);
    s.double.set_clock(T0 + 300);
    let renewal = s.renew(&cookie, T0 + 300).unwrap();
    assert!(renewal.authentication.is_authenticated() && renewal.sealed_session.is_some(), "expired at exp: refreshed");

    // Cookies a refresh cannot help.
    let bad = s.renew("Fe26.2*garbage", T0).unwrap();
    assert_eq!(bad.authentication.failure().unwrap().reason.as_str(), "invalid_session_cookie");
    assert!(bad.clear_cookie);
    let none = s.renew("", T0).unwrap();
    assert_eq!(none.authentication.failure().unwrap().reason.as_str(), "no_session_cookie_provided");
    assert!(!none.clear_cookie);
}

#[test]
fn organization_switching() {
    let s = setup();
    let cookie = s.cookie(SealFormat::Iron);
    s.double.add_membership("user_01ADA", "org_01OTHER", "admin");
    s.double.add_organization("org_01NOTMINE");
    let (reason, _, _) = failed(s.gate.refresh_at(&cookie, Some("org_01NOWHERE"), at((T0 + 10) as f64)));
    assert_eq!(reason, "organization_not_found");
    let (reason, _, _) = failed(s.gate.refresh_at(&cookie, Some("org_01NOTMINE"), at((T0 + 10) as f64)));
    assert_eq!(reason, "organization_membership_not_found");
    let (sealed, session) = refreshed(s.gate.refresh_at(&cookie, Some("org_01OTHER"), at((T0 + 10) as f64)));
    assert_eq!((session.organization_id(), session.role()), (Some("org_01OTHER"), Some("admin")));
    assert_eq!(s.double.requests().pop().unwrap().body["organization_id"], "org_01OTHER");
    // The default organization is now the new one (the current token's org_id).
    let (_, next) = refreshed(s.refresh(&sealed, T0 + 20));
    assert_eq!(next.organization_id(), Some("org_01OTHER"));
    assert_eq!(s.double.requests().pop().unwrap().body["organization_id"], "org_01OTHER");
    assert_eq!(s.gate.refresh_at(&sealed, Some(""), at(T0 as f64)).unwrap_err().code().as_str(), "configuration_error");
}

#[test]
fn cookies_that_cannot_be_refreshed() {
    let s = setup();
    let (reason, detail, _) = failed(s.refresh("", T0));
    assert_eq!((reason.as_str(), detail.as_str()), ("no_session_cookie_provided", "empty_cookie"));
    let (reason, _, _) = failed(s.refresh("gAAAAAnotfernet", T0));
    assert_eq!(reason, "invalid_session_cookie");
    let (access, _) = s.double.create_session(json!({"id": "user_01NORT"}), None, &[], T0);
    let no_refresh = s.gate.seal_data(&json!({"accessToken": access, "user": {"id": "user_01NORT"}}), SealFormat::Iron).unwrap();
    let (reason, detail, _) = failed(s.refresh(&no_refresh, T0 + 400));
    assert_eq!((reason.as_str(), detail.as_str()), ("invalid_session_cookie", "refresh_token_missing"));
    assert_eq!(s.calls(), 0);

    // The first secret cannot seal Fernet: refused before the API is called, so no rotated
    // token can be lost.
    let fernet = s.cookie(SealFormat::Fernet);
    let mut c = config(&s.double);
    c.cookie_passwords = vec!["an-iron-only-password-that-is-no-fernet-key".into(), SECRET.into()];
    let iron_first = SessionGate::new(c).unwrap();
    let err = iron_first.refresh_at(&fernet, None, at((T0 + 400) as f64)).unwrap_err();
    assert_eq!(err.code().as_str(), "configuration_error");
    assert!(err.to_string().contains("cannot seal fernet"), "{err}");
    assert_eq!(s.calls(), 0);
}

#[test]
fn logout_url() {
    let s = setup();
    let cookie = s.cookie(SealFormat::Fernet);
    let sid = s.gate.authenticate_at(&cookie, at(T0 as f64)).unwrap().session().unwrap().session_id().to_owned();
    let base = format!("{}/user_management/sessions/logout?session_id={sid}", s.double.url());
    // Works for an expired session too.
    assert_eq!(s.gate.logout_url_at(&cookie, None, at((T0 + 9999) as f64)).unwrap(), base);
    let url = s.gate.logout_url_at(&cookie, Some("https://app.example/signed out?x=1"), at(T0 as f64)).unwrap();
    assert_eq!(url, format!("{base}&return_to=https%3A%2F%2Fapp.example%2Fsigned+out%3Fx%3D1"));
    let answer = ureq::Agent::config_builder().max_redirects(0).http_status_as_error(false).build().new_agent().get(&url).call().unwrap();
    assert_eq!(answer.status().as_u16(), 302);
    assert_eq!(answer.headers().get("location").unwrap().to_str().unwrap(), "https://app.example/signed out?x=1");
    let Err(Error::Unseal(detail)) = s.gate.logout_url_at("Fe26.2*nope", None, at(T0 as f64)) else { panic!("opened a forged cookie") };
    assert_eq!(detail.reason().as_str(), "invalid_session_cookie");
    let default_base = SessionGate::new(Config::new(CLIENT_ID, vec![SECRET.into()], JwksSource::Static(s.double.jwks().to_string()))).unwrap();
    assert!(default_base.logout_url_at(&cookie, None, at(T0 as f64)).unwrap().starts_with("https://api.workos.com/user_management/sessions/logout?session_id="));
}

#[test]
fn no_secret_in_debug_or_errors() {
    let s = setup();
    let cookie = s.cookie(SealFormat::Iron);
    s.double.set_clock(T0 + 400);
    let outcome = s.refresh(&cookie, T0 + 400).unwrap();
    let refresh_token = sealed_refresh_token(&s.gate, outcome.sealed_session().unwrap());
    let shown = format!("{:?} {outcome:?}", s.gate);
    for secret in [API_KEY, SECRET, refresh_token.as_str(), outcome.sealed_session().unwrap()] {
        assert!(!shown.contains(secret), "{secret} shown in {shown}");
    }
    s.double.push_faults(Endpoint::Authenticate, vec![Fault::Status { status: 500 }; 3]);
    let err = s.refresh(outcome.sealed_session().unwrap(), T0 + 401).unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(API_KEY) && !shown.contains(&refresh_token), "{shown}");
}

#[test]
fn without_an_api_key() {
    let s = setup();
    let gate = SessionGate::new(Config { api_key: None, ..config(&s.double) }).unwrap();
    let cookie = s.cookie(SealFormat::Iron);
    let err = gate.refresh_at(&cookie, None, at((T0 + 400) as f64)).unwrap_err();
    assert_eq!(err.code().as_str(), "configuration_error");
    assert!(err.to_string().contains("api_key"), "{err}");
    // A valid token is served (no proactive refresh without a key); an expired one cannot be
    // refreshed: the same configuration error.
    let renewal = gate.authenticate_or_refresh_at(&cookie, at((T0 + 290) as f64)).unwrap();
    assert!(renewal.authentication.is_authenticated() && renewal.sealed_session.is_none());
    assert_eq!(gate.authenticate_or_refresh_at(&cookie, at((T0 + 400) as f64)).unwrap_err().code().as_str(), "configuration_error");
    assert_eq!(s.calls(), 0);
}

#[test]
fn an_unreachable_api_is_retryable() {
    let s = setup();
    let cookie = s.cookie(SealFormat::Iron);
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let mut c = config(&s.double);
    c.api_base_url = url;
    let gate = SessionGate::new(c).unwrap();
    let err = gate.refresh_at(&cookie, None, at((T0 + 400) as f64)).unwrap_err();
    assert_eq!((err.code().as_str(), err.is_retryable()), ("api_unavailable", true), "{err}");
    let authentication = gate.authenticate_or_refresh_at(&cookie, at((T0 + 290) as f64)).unwrap().authentication;
    assert!(matches!(authentication, Authentication::Authenticated(_)), "a valid token is served through an outage");
}

#[test]
fn a_token_issued_by_a_clock_a_moment_ahead_is_accepted_after_a_refresh() {
    // The API's clock leads ours by 0.6 s: the new token's iat (T0 + 401) is ahead of our
    // now (T0 + 400.4). Within the issuer's skew (1 s) it verifies, and so does the next
    // request with the new cookie: no refresh loop. Further ahead it is iat_in_future.
    let s = setup();
    let cookie = s.cookie(SealFormat::Iron);
    s.double.set_clock(T0 + 401);
    let (sealed, session) = refreshed(s.gate.refresh_at(&cookie, None, at(T0 as f64 + 400.4)));
    assert_eq!(session.claims["iat"].as_u64(), Some(T0 + 401));
    assert!(s.gate.authenticate_at(&sealed, at(T0 as f64 + 400.4)).unwrap().is_authenticated());
    let cookie = s.cookie(SealFormat::Iron);
    s.double.set_clock(T0 + 402);
    let (reason, detail, kept) = failed(s.gate.refresh_at(&cookie, None, at(T0 as f64 + 400.4)));
    assert_eq!((reason.as_str(), detail.as_str()), ("invalid_jwt", "iat_in_future"));
    assert!(kept.is_some(), "the rotated cookie is still handed over");
}

/// F4 for the session-changing calls: a cookie that is not UTF-8 (a Python str with a lone
/// surrogate, as `surrogatepass` writes it) gets the detail `authenticate` gives, with no API
/// call; valid bytes behave as the text does.
#[test]
fn byte_entry_points_refuse_what_is_not_utf8_as_authenticate_does() {
    let s = setup();
    let cookie = s.cookie(SealFormat::Iron);
    let mut surrogate = cookie.clone().into_bytes();
    surrogate.splice(10..10, [0xED, 0xB3, 0xBF]);
    let later = at((T0 + 400) as f64);
    let detail = |a: &Authentication| a.failure().map(|f| f.detail.code());
    assert_eq!(detail(&s.gate.authenticate_bytes_at(&surrogate, later).unwrap()), Some("malformed_seal"));

    let (reason, detail_code, sealed) = failed(s.gate.refresh_bytes_at(&surrogate, None, later));
    assert_eq!((reason.as_str(), detail_code.as_str(), sealed), ("invalid_session_cookie", "malformed_seal", None));
    let (reason, detail_code, _) = failed(s.gate.refresh_bytes_at(b"", None, later));
    assert_eq!((reason.as_str(), detail_code.as_str()), ("no_session_cookie_provided", "empty_cookie"));

    let renewal = s.gate.authenticate_or_refresh_bytes_at(&surrogate, later).unwrap();
    assert_eq!(detail(&renewal.authentication), Some("malformed_seal"));
    assert!(renewal.clear_cookie && renewal.sealed_session.is_none());
    let renewal = s.gate.authenticate_or_refresh_bytes_at(b"", later).unwrap();
    assert_eq!(detail(&renewal.authentication), Some("empty_cookie"));
    assert!(!renewal.clear_cookie, "no cookie: nothing to clear");

    let Err(Error::Unseal(d)) = s.gate.logout_url_bytes_at(&surrogate, None, later) else { panic!("a logout URL for bytes that are not UTF-8") };
    assert_eq!(d.code(), "malformed_seal");
    let Err(Error::Unseal(d)) = s.gate.reseal_bytes_at(&vec![b'a'; 1 << 20], SealFormat::Fernet, later) else { panic!("resealed an oversized cookie") };
    assert_eq!(d.code(), "cookie_too_large");
    assert_eq!(s.calls(), 0, "no bytes refused here reached the API");

    // Valid bytes: the same answers as the text.
    assert!(s.gate.logout_url_bytes_at(cookie.as_bytes(), None, later).unwrap().contains("session_id="));
    assert!(s.gate.reseal_bytes_at(cookie.as_bytes(), SealFormat::Fernet, later).unwrap().starts_with("gAAAAA"));
    s.double.set_clock(T0 + 400);
    let renewal = s.gate.authenticate_or_refresh_bytes_at(cookie.as_bytes(), later).unwrap();
    assert!(renewal.authentication.is_authenticated() && renewal.sealed_session.is_some());
    assert_eq!(s.calls(), 1);

    // Without an API key, the configuration error comes first, for bytes as for text.
    let keyless = SessionGate::new(Config { api_key: None, ..config(&s.double) }).unwrap();
    assert_eq!(keyless.refresh_bytes_at(&surrogate, None, later).unwrap_err().code().as_str(), "configuration_error");
}
