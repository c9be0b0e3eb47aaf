//! The WorkOS API double over real HTTP (ureq): rotation and the grace window, client
//! authentication, organization switching, every fault, the MFA endpoints, the logout
//! redirect, the `/_double` control, and the `workos-double` binary's start/stop contract.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};
use sessiongate::{Config, JwksSource, SessionGate, TokenVerification};
use sessiongate_vectors::double::{API_KEY, CLIENT_ID, Double, Endpoint, Fault, MFA_CODE, NewSession, Options};

const T0: u64 = 1_800_000_000;

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
    text: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(timeout))
        .build()
        .new_agent()
}

fn answer(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
    let mut response = result.unwrap();
    let status = response.status().as_u16();
    let headers =
        response.headers().iter().map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned())).collect();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer { status, headers, body, text }
}

fn post(url: &str, body: &Value, bearer: Option<&str>) -> Answer {
    let mut request = agent(Duration::from_secs(10)).post(url).header("content-type", "application/json");
    if let Some(key) = bearer {
        request = request.header("authorization", &format!("Bearer {key}"));
    }
    answer(request.send(body.to_string().as_bytes()))
}

fn get(url: &str, bearer: Option<&str>) -> Answer {
    let mut request = agent(Duration::from_secs(10)).get(url);
    if let Some(key) = bearer {
        request = request.header("authorization", &format!("Bearer {key}"));
    }
    answer(request.call())
}

fn refresh(double: &Double, token: &str, org: Option<&str>) -> Answer {
    let mut body = json!({"grant_type": "refresh_token", "client_id": CLIENT_ID, "client_secret": API_KEY, "refresh_token": token});
    if let Some(org) = org {
        body["organization_id"] = json!(org);
    }
    post(&format!("{}/user_management/authenticate", double.url()), &body, Some(API_KEY))
}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn header(token: &str) -> Value {
    let part = token.split('.').next().unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

fn started() -> Double {
    let double = Double::start(Options::default());
    double.set_clock(T0);
    double
}

#[test]
fn minted_tokens_verify_against_its_jwks() {
    let double = started();
    let (access, _) = double.create_session(json!({"id": "user_01A"}), Some("org_01A"), &["pwd", "mfa"], T0 - 100);
    let gate = SessionGate::new(Config::new(
        CLIENT_ID,
        vec!["double-test-cookie-password-0123456789".into()],
        JwksSource::Url(double.jwks_url()),
    ))
    .unwrap();
    let at = sessiongate_vectors::at((T0 + 10) as f64);
    match gate.verify_access_token_at(&access, at).unwrap() {
        TokenVerification::Verified(token) => {
            assert_eq!(token.amr(), Some(vec!["pwd".to_string(), "mfa".to_string()]));
            assert_eq!(token.auth_time(), Some((T0 - 100) as i64));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(header(&access)["kid"], "sso_oidc_key_pair_01PEERTEST", "the vectors' kid");
    let c = claims(&access);
    assert_eq!((c["sub"].as_str(), c["org_id"].as_str(), c["role"].as_str()), (Some("user_01A"), Some("org_01A"), Some("member")));
    assert_eq!(c["exp"].as_u64(), Some(T0 + 300));
    assert_eq!(c["iss"], format!("https://api.workos.com/user_management/{CLIENT_ID}"));
    assert_eq!(get(&format!("{}/sso/jwks/client_other", double.url()), None).status, 404);
    assert_eq!(double.stats().get(Endpoint::Jwks), 2, "one fetch by the gate, one 404");
}

#[test]
fn rotation_keeps_the_session_and_replays_only_inside_the_grace_window() {
    let double = started();
    let issued = double.create_session_with(NewSession {
        user: json!({"id": "user_01B", "email": "b@example.com", "first_name": "Bea"}),
        organization_id: Some("org_01B".into()),
        amr: vec!["pwd".into()],
        auth_time: Some(T0 - 3600),
        role: Some("admin".into()),
        permissions: vec!["posts:write".into()],
        impersonator: Some(json!({"email": "admin@example.com", "reason": "support"})),
        authentication_method: Some("GoogleOAuth".into()),
    });
    double.set_clock(T0 + 250);
    let first = refresh(&double, &issued.refresh_token, None);
    assert_eq!(first.status, 200, "{}", first.text);
    let body = &first.body;
    assert_ne!(body["refresh_token"], json!(issued.refresh_token), "a new refresh token");
    assert_eq!(body["user"]["first_name"], "Bea");
    assert_eq!(body["organization_id"], "org_01B");
    assert_eq!(body["authentication_method"], "GoogleOAuth");
    assert_eq!(body["impersonator"]["reason"], "support");
    let new = claims(body["access_token"].as_str().unwrap());
    let old = claims(&issued.access_token);
    for kept in ["sid", "sub", "org_id", "role", "permissions", "amr", "auth_time"] {
        assert_eq!(new[kept], old[kept], "{kept} kept across the refresh");
    }
    assert_eq!(new["auth_time"].as_u64(), Some(T0 - 3600));
    assert_eq!((new["iat"].as_u64(), new["exp"].as_u64()), (Some(T0 + 250), Some(T0 + 550)));

    // A replay inside the grace window (2 s) gets the very same pair.
    double.set_clock_ms((T0 + 251) * 1000 + 999);
    let replay = refresh(&double, &issued.refresh_token, None);
    assert_eq!(replay.status, 200);
    assert_eq!(replay.body, first.body);
    // At the window's end: refused.
    double.set_clock(T0 + 252);
    let late = refresh(&double, &issued.refresh_token, None);
    assert_eq!((late.status, late.body["error"].as_str()), (400, Some("invalid_grant")));
    assert_eq!(late.body["error_description"], "Refresh token already exchanged.");
    // The new token works, once.
    let second = refresh(&double, body["refresh_token"].as_str().unwrap(), None);
    assert_eq!(second.status, 200);
    let unknown = refresh(&double, "refresh_unknown", None);
    assert_eq!((unknown.status, unknown.body["error"].as_str()), (400, Some("invalid_grant")));
    assert_eq!(double.stats().get(Endpoint::Authenticate), 5);
}

#[test]
fn the_grace_window_is_configurable() {
    let double = Double::start(Options { grace: Duration::ZERO, ..Options::default() });
    double.set_clock(T0);
    let (_, token) = double.create_session(json!({"id": "user_01G"}), None, &[], T0);
    assert_eq!(refresh(&double, &token, None).status, 200);
    assert_eq!(refresh(&double, &token, None).body["error"], "invalid_grant", "no grace at all");
}

#[test]
fn client_authentication() {
    let double = started();
    let (_, token) = double.create_session(json!({"id": "user_01C"}), None, &[], T0);
    let url = format!("{}/user_management/authenticate", double.url());
    let body = |client: &str, secret: Option<&str>| {
        let mut b = json!({"grant_type": "refresh_token", "client_id": client, "refresh_token": token});
        if let Some(s) = secret {
            b["client_secret"] = json!(s);
        }
        b
    };
    assert_eq!(post(&url, &body("client_other", Some(API_KEY)), Some(API_KEY)).body["error"], "invalid_client");
    assert_eq!(post(&url, &body(CLIENT_ID, Some("sk_wrong")), Some(API_KEY)).status, 401);
    assert_eq!(post(&url, &body(CLIENT_ID, Some(API_KEY)), Some("sk_wrong")).status, 401);
    assert_eq!(post(&url, &body(CLIENT_ID, None), None).status, 401, "no key at all");
    let grant = post(&url, &json!({"grant_type": "authorization_code", "client_id": CLIENT_ID, "client_secret": API_KEY}), None);
    assert_eq!(grant.body["error"], "unsupported_grant_type");
    // Bearer alone is enough (ruby sends no client_secret); the token was not spent above.
    assert_eq!(post(&url, &body(CLIENT_ID, None), Some(API_KEY)).status, 200);
    let recorded = double.requests();
    assert_eq!(recorded.len(), 6);
    assert_eq!(recorded[5].authorization.as_deref(), Some(format!("Bearer {API_KEY}").as_str()));
    assert_eq!(recorded[5].body["refresh_token"], json!(token));
}

#[test]
fn organization_switching() {
    let double = started();
    let (_, token) = double.create_session(json!({"id": "user_01D"}), Some("org_01HOME"), &[], T0);
    double.add_organization("org_01OTHER");
    let missing = refresh(&double, &token, Some("org_01NOWHERE"));
    assert_eq!((missing.status, missing.body["error"].as_str()), (400, Some("organization_not_found")));
    let not_member = refresh(&double, &token, Some("org_01OTHER"));
    assert_eq!(not_member.body["error"], "organization_membership_not_found");
    // Refused switches spent nothing: the token still works.
    double.add_membership("user_01D", "org_01OTHER", "viewer");
    let switched = refresh(&double, &token, Some("org_01OTHER"));
    assert_eq!(switched.status, 200, "{}", switched.text);
    assert_eq!(switched.body["organization_id"], "org_01OTHER");
    let c = claims(switched.body["access_token"].as_str().unwrap());
    assert_eq!((c["org_id"].as_str(), c["role"].as_str()), (Some("org_01OTHER"), Some("viewer")));
    // The session remembers the organization it was switched to.
    let next = refresh(&double, switched.body["refresh_token"].as_str().unwrap(), None);
    assert_eq!(next.body["organization_id"], "org_01OTHER");
}

#[test]
fn every_fault() {
    let double = started();
    let (_, token) = double.create_session(json!({"id": "user_01E"}), None, &[], T0);
    double.push_faults(
        Endpoint::Authenticate,
        [
            Fault::RateLimited { retry_after: 7 },
            Fault::Status { status: 500 },
            Fault::Status { status: 503 },
            Fault::MalformedJson,
            Fault::SsoRequired,
            Fault::MfaEnrollment,
            Fault::Forbidden { code: "email_verification_required".into() },
            Fault::OauthError { status: 400, error: "invalid_request".into() },
        ],
    );
    let a = refresh(&double, &token, None);
    assert_eq!((a.status, a.header("retry-after")), (429, Some("7")));
    assert_eq!(refresh(&double, &token, None).status, 500);
    assert_eq!(refresh(&double, &token, None).status, 503);
    let malformed = refresh(&double, &token, None);
    assert_eq!(malformed.status, 200);
    assert!(serde_json::from_str::<Value>(&malformed.text).is_err(), "{}", malformed.text);
    let sso = refresh(&double, &token, None);
    assert_eq!((sso.status, sso.body["error"].as_str()), (400, Some("sso_required")));
    assert!(sso.body["connection_ids"].is_array() && sso.body["pending_authentication_token"].is_string());
    let mfa = refresh(&double, &token, None);
    assert_eq!((mfa.status, mfa.body["code"].as_str()), (403, Some("mfa_enrollment")));
    let forbidden = refresh(&double, &token, None);
    assert_eq!((forbidden.status, forbidden.body["code"].as_str()), (403, Some("email_verification_required")));
    assert_eq!(refresh(&double, &token, None).body["error"], "invalid_request");
    // Faults spend nothing: the token still rotates.
    let ok = refresh(&double, &token, None);
    assert_eq!(ok.status, 200);

    // A stall outlasts the client's timeout.
    double.push_faults(Endpoint::Authenticate, [Fault::Stall { ms: 1500 }]);
    let started = Instant::now();
    let body = json!({"grant_type": "refresh_token", "client_id": CLIENT_ID, "client_secret": API_KEY, "refresh_token": "x"});
    let timed_out =
        agent(Duration::from_millis(300)).post(&format!("{}/user_management/authenticate", double.url())).send(body.to_string().as_bytes());
    assert!(timed_out.is_err(), "the client timed out");
    assert!(started.elapsed() < Duration::from_millis(1200));

    // The unknown-key fault rotates, with a token signed by a key the JWKS does not publish.
    double.push_faults(Endpoint::Authenticate, [Fault::UnknownKey]);
    let foreign = refresh(&double, ok.body["refresh_token"].as_str().unwrap(), None);
    assert_eq!(foreign.status, 200);
    let kid = header(foreign.body["access_token"].as_str().unwrap())["kid"].as_str().unwrap().to_owned();
    let jwks = double.jwks();
    let published: Vec<&str> = jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap()).collect();
    assert!(!published.contains(&kid.as_str()), "{kid} is not published");
    assert_eq!(refresh(&double, ok.body["refresh_token"].as_str().unwrap(), None).body, foreign.body, "replayable");
    assert_eq!(double.stats().get(Endpoint::Authenticate), 12);

    // Faults on other endpoints.
    double.push_faults(Endpoint::Jwks, [Fault::Status { status: 502 }]);
    assert_eq!(get(&double.jwks_url(), None).status, 502);
    assert_eq!(get(&double.jwks_url(), None).status, 200);
}

#[test]
fn mfa_endpoints() {
    let double = started();
    let totp = double.add_factor("user_01F", "totp");
    let sms = double.add_factor("user_01F", "sms");
    double.add_factor("user_01OTHER", "totp");
    let base = double.url().to_owned();
    assert_eq!(get(&format!("{base}/user_management/users/user_01F/auth_factors"), None).status, 401, "API key required");
    let list = get(&format!("{base}/user_management/users/user_01F/auth_factors"), Some(API_KEY));
    let data = list.body["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!((data[0]["id"].as_str(), data[0]["type"].as_str()), (Some(totp.as_str()), Some("totp")));
    assert_eq!((data[1]["id"].as_str(), data[1]["type"].as_str()), (Some(sms.as_str()), Some("sms")));
    assert_eq!(data[0]["user_id"], "user_01F");
    let factor = get(&format!("{base}/auth/factors/{totp}"), Some(API_KEY));
    assert_eq!((factor.body["user_id"].as_str(), factor.body["object"].as_str()), (Some("user_01F"), Some("authentication_factor")));
    assert_eq!(get(&format!("{base}/auth/factors/auth_factor_nope"), Some(API_KEY)).status, 404);

    let challenge = post(&format!("{base}/auth/factors/{totp}/challenge"), &json!({}), Some(API_KEY));
    assert_eq!(challenge.status, 201);
    let id = challenge.body["id"].as_str().unwrap().to_owned();
    assert_eq!(challenge.body["authentication_factor_id"], json!(totp));
    assert_eq!(challenge.body["expires_at"], "2027-01-15T08:10:00.000Z", "T0 + 10 min");
    let verify = |code: &str| post(&format!("{base}/auth/challenges/{id}/verify"), &json!({"code": code}), Some(API_KEY));
    let wrong = verify("000000");
    assert_eq!((wrong.status, wrong.body["valid"].as_bool()), (200, Some(false)));
    let right = verify(MFA_CODE);
    assert_eq!((right.status, right.body["valid"].as_bool()), (200, Some(true)));
    assert_eq!(right.body["challenge"]["id"], json!(id));
    assert_eq!(verify(MFA_CODE).body["code"], "authentication_challenge_previously_verified");

    let late = post(&format!("{base}/auth/factors/{sms}/challenge"), &json!({}), Some(API_KEY));
    let late_id = late.body["id"].as_str().unwrap();
    double.set_clock(T0 + 600);
    let expired = post(&format!("{base}/auth/challenges/{late_id}/verify"), &json!({"code": MFA_CODE}), Some(API_KEY));
    assert_eq!((expired.status, expired.body["code"].as_str()), (422, Some("authentication_challenge_expired")));
    let stats = double.stats();
    assert_eq!(
        (stats.get(Endpoint::ListFactors), stats.get(Endpoint::GetFactor), stats.get(Endpoint::Challenge), stats.get(Endpoint::Verify)),
        (2, 2, 2, 4)
    );
}

#[test]
fn logout_redirects_and_ends_the_session() {
    let double = started();
    let issued = double.create_session_with(NewSession { user: json!({"id": "user_01L"}), ..NewSession::default() });
    let url = format!(
        "{}/user_management/sessions/logout?session_id={}&return_to=https%3A%2F%2Fapp.example%2Fbye%3Fa%3D1",
        double.url(),
        issued.session_id
    );
    let answer = get(&url, None);
    assert_eq!((answer.status, answer.header("location")), (302, Some("https://app.example/bye?a=1")));
    assert_eq!(refresh(&double, &issued.refresh_token, None).body["error"], "invalid_grant");
    assert_eq!(get(&format!("{}/user_management/sessions/logout?session_id=session_nope", double.url()), None).status, 404);
    assert_eq!(double.stats().get(Endpoint::Logout), 2);
}

#[test]
fn http_control_matches_the_rust_api() {
    let double = started();
    let base = double.url().to_owned();
    let config = get(&format!("{base}/_double/config"), None);
    assert_eq!((config.body["client_id"].as_str(), config.body["api_key"].as_str()), (Some(CLIENT_ID), Some(API_KEY)));
    assert_eq!(config.body["jwks"], double.jwks());
    let session = post(
        &format!("{base}/_double/sessions"),
        &json!({"user": {"id": "user_01H"}, "organization_id": "org_01H", "amr": ["pwd"], "auth_time": T0 - 5}),
        None,
    );
    let token = session.body["refresh_token"].as_str().unwrap().to_owned();
    let c = claims(session.body["access_token"].as_str().unwrap());
    assert_eq!((c["amr"].clone(), c["auth_time"].as_u64(), c["org_id"].as_str()), (json!(["pwd"]), Some(T0 - 5), Some("org_01H")));
    let pushed = post(&format!("{base}/_double/faults"), &json!({"endpoint": "authenticate", "faults": [{"kind": "rate_limited", "retry_after": 1}, {"kind": "status", "status": 503}]}), None);
    assert_eq!(pushed.status, 200, "{}", pushed.text);
    assert_eq!(post(&format!("{base}/_double/faults"), &json!({"faults": [{"kind": "nope"}]}), None).status, 400);
    assert_eq!(refresh(&double, &token, None).status, 429);
    assert_eq!(refresh(&double, &token, None).status, 503);
    assert_eq!(refresh(&double, &token, None).status, 200);
    let stats = get(&format!("{base}/_double/stats"), None);
    assert_eq!((stats.body["authenticate"].as_u64(), stats.body["verify"].as_u64()), (Some(3), Some(0)));
    assert_eq!(get(&format!("{base}/_double/requests"), None).body.as_array().unwrap().len(), 3);
    let clock = post(&format!("{base}/_double/clock"), &json!({"now": T0 + 42}), None);
    assert_eq!(clock.body["now"].as_f64(), Some((T0 + 42) as f64));
    assert_eq!(double.now(), T0 + 42);
    let factor = post(&format!("{base}/_double/factors"), &json!({"user_id": "user_01H", "type": "totp"}), None);
    assert!(factor.body["id"].as_str().unwrap().starts_with("auth_factor_"));
    post(&format!("{base}/_double/memberships"), &json!({"user_id": "user_01H", "organization_id": "org_01X", "role": "admin"}), None);
    assert_eq!(post(&format!("{base}/_double/reset"), &json!({}), None).status, 200);
    assert_eq!(double.stats().get(Endpoint::Authenticate), 0);
    assert_eq!(refresh(&double, &token, None).body["error"], "invalid_grant", "reset forgets sessions");
    assert!(double.now() > T0 + 1_000_000 || double.now() < T0, "reset returns to the real clock");
}

#[test]
fn the_binary_prints_its_url_and_exits_when_stdin_closes() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_workos-double"))
        .args(["--grace-ms", "5000", "--api-key", "sk_bin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let started: Value = serde_json::from_str(&line).unwrap();
    let url = started["url"].as_str().unwrap();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert_eq!(started["api_key"], "sk_bin");
    let config = get(&format!("{url}/_double/config"), None);
    assert_eq!(config.body["grace_ms"].as_u64(), Some(5000));
    drop(child.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success());
            break;
        }
        assert!(Instant::now() < deadline, "the double did not exit after stdin closed");
        std::thread::sleep(Duration::from_millis(20));
    }
}
