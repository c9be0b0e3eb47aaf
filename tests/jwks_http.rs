//! The remote JWKS against a real HTTP server on 127.0.0.1: rotation, cooldown, single
//! flight, outages, timeouts, hostile responses, proxies, redaction. Time is injected (the
//! cache's manual clock for fetch timing, `now` for the claims): no test sleeps for minutes.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};
use sessiongate::{Authentication, Config, JwksClock, JwksOptions, JwksSource, SealFormat, SessionData, SessionGate};
use sessiongate_vectors::{generate_rsa, public_jwk, sign_rs256};

const PASSWORD: &str = "jwks-http-test-cookie-password-0123456789";
const T0: u64 = 1_800_000_000;

/// What the test server answers.
#[derive(Clone)]
enum Reply {
    Json(Value),
    Raw { status: u16, headers: Vec<(String, String)>, body: Vec<u8> },
    Slow(Duration, Value),
}

struct Server {
    addr: String,
    replies: Arc<Mutex<Vec<(String, Reply)>>>,
    hits: Arc<AtomicUsize>,
    paths: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = format!("http://{}", listener.local_addr().unwrap());
        let replies: Arc<Mutex<Vec<(String, Reply)>>> = Arc::default();
        let hits = Arc::new(AtomicUsize::new(0));
        let paths: Arc<Mutex<Vec<String>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (r, h, p, s) = (Arc::clone(&replies), Arc::clone(&hits), Arc::clone(&paths), Arc::clone(&stop));
        let thread = thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            while !s.load(Ordering::SeqCst) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (r, h, p) = (Arc::clone(&r), Arc::clone(&h), Arc::clone(&p));
                        thread::spawn(move || serve(stream, &r, &h, &p));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        Server { addr, replies, hits, paths, stop, thread: Some(thread) }
    }

    fn route(&self, path: &str, reply: Reply) {
        let mut replies = self.replies.lock().unwrap();
        replies.retain(|(p, _)| p != path);
        replies.push((path.to_owned(), reply));
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.addr)
    }

    fn shut_down(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shut_down();
    }
}

fn serve(stream: TcpStream, replies: &Mutex<Vec<(String, Reply)>>, hits: &AtomicUsize, paths: &Mutex<Vec<String>>) {
    stream.set_nonblocking(false).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).is_err() || line == "\r\n" || line.is_empty() {
            break;
        }
    }
    hits.fetch_add(1, Ordering::SeqCst);
    let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    // A request through an HTTP proxy names the whole URL; the routes are paths.
    let path = path.strip_prefix("http://").map_or(path.clone(), |rest| rest.find('/').map_or("/".into(), |i| rest[i..].to_owned()));
    paths.lock().unwrap().push(path.clone());
    let reply = replies.lock().unwrap().iter().find(|(p, _)| *p == path).map(|(_, r)| r.clone());
    let (status, headers, body) = match reply {
        Some(Reply::Json(v)) => (200, vec![], v.to_string().into_bytes()),
        Some(Reply::Slow(delay, v)) => {
            thread::sleep(delay);
            (200, vec![], v.to_string().into_bytes())
        }
        Some(Reply::Raw { status, headers, body }) => (status, headers, body),
        None => (404, vec![], b"not found".to_vec()),
    };
    let mut out = stream;
    let mut head = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n", body.len());
    if !headers.iter().any(|(k, _)| k == "content-type") {
        head.push_str("content-type: application/json\r\n");
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(&body);
}

struct Keys {
    a: aws_lc_rs::signature::RsaKeyPair,
    b: aws_lc_rs::signature::RsaKeyPair,
}

fn keys() -> Keys {
    Keys { a: generate_rsa(), b: generate_rsa() }
}

fn at(offset: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(T0 + offset)
}

/// One test's time: the cache's manual clock and the callers' `now`, moved together.
struct Time(JwksClock);

impl Time {
    fn new() -> Time {
        Time(JwksClock::manual())
    }

    fn options(&self) -> JwksOptions {
        JwksOptions { clock: self.0.clone(), ..JwksOptions::default() }
    }

    /// Sets the clock to `offset` seconds and returns the matching `now`.
    fn at(&self, offset: u64) -> SystemTime {
        self.0.set(Duration::from_secs(offset));
        at(offset)
    }
}

fn claims() -> Value {
    json!({"sub": "user_1", "sid": "session_1", "iat": T0, "exp": T0 + 200_000, "amr": ["pwd", "mfa"]})
}

fn cookie_with(gate: &SessionGate, key: &aws_lc_rs::signature::RsaKeyPair, kid: &str, claims: &Value) -> String {
    let token = sign_rs256(key, &json!({"alg": "RS256", "kid": kid}), claims);
    let data = SessionData { access_token: token, refresh_token: "rt".into(), user: json!({"id": "user_1"}), ..Default::default() };
    gate.seal_session(&data, SealFormat::Iron).unwrap()
}

fn cookie(gate: &SessionGate, key: &aws_lc_rs::signature::RsaKeyPair, kid: &str) -> String {
    cookie_with(gate, key, kid, &claims())
}

fn gate(source: JwksSource, options: JwksOptions) -> SessionGate {
    let mut config = Config::new("client_1", vec![PASSWORD.into()], source);
    config.jwks_options = options;
    SessionGate::new(config).unwrap()
}

fn detail(auth: &Authentication) -> Option<&'static str> {
    auth.failure().map(|f| f.detail.code())
}

#[test]
fn rotation_new_kid_appears_old_kid_retired() {
    let server = Server::start();
    let k = keys();
    let t = Time::new();
    server.route("/jwks", Reply::Json(json!({"keys": [public_jwk(&k.a, "a")]})));
    let gate = gate(JwksSource::Url(server.url("/jwks")), t.options());
    let (old, new) = (cookie(&gate, &k.a, "a"), cookie(&gate, &k.b, "b"));

    assert!(gate.authenticate_at(&old, t.at(0)).unwrap().is_authenticated());
    assert_eq!(server.hits(), 1);
    server.route("/jwks", Reply::Json(json!({"keys": [public_jwk(&k.b, "b")]})));
    // Within the cooldown (the server answered fine), the new kid is unknown and nothing is fetched.
    assert_eq!(detail(&gate.authenticate_at(&new, t.at(10)).unwrap()), Some("unknown_kid"));
    assert_eq!(server.hits(), 1);
    // After it, one refetch finds the new key.
    assert!(gate.authenticate_at(&new, t.at(31)).unwrap().is_authenticated());
    assert_eq!(server.hits(), 2);
    // The retired key is gone: its tokens are unknown_kid, and fetch nothing within the cooldown.
    assert_eq!(detail(&gate.authenticate_at(&old, t.at(32)).unwrap()), Some("unknown_kid"));
    assert_eq!(server.hits(), 2);
    let status = gate.jwks_status().unwrap();
    assert_eq!(status.kids, vec!["b".to_string()]);
    assert_eq!((status.fetches, status.failures, status.stale, status.skipped_keys), (2, 0, false, 0));
}

#[test]
fn unknown_kid_storm_fetches_at_most_once_per_cooldown() {
    let server = Server::start();
    let k = keys();
    let t = Time::new();
    server.route("/jwks", Reply::Json(json!({"keys": [public_jwk(&k.a, "a")]})));
    let gate = gate(JwksSource::Url(server.url("/jwks")), t.options());
    let good = cookie(&gate, &k.a, "a");
    assert!(gate.authenticate_at(&good, t.at(0)).unwrap().is_authenticated());
    let forged = cookie(&gate, &k.b, "attacker-kid");
    for i in 0..1000 {
        let auth = gate.authenticate_at(&forged, t.at(40 + i / 100)).unwrap();
        assert_eq!(detail(&auth), Some("unknown_kid"));
    }
    // One fetch to warm up, at most one more for the whole storm (all within one cooldown).
    assert_eq!(server.hits(), 2);
}

#[test]
fn cold_start_is_single_flight() {
    let server = Server::start();
    let k = keys();
    server.route("/jwks", Reply::Slow(Duration::from_millis(300), json!({"keys": [public_jwk(&k.a, "a")]})));
    let gate = Arc::new(gate(JwksSource::Url(server.url("/jwks")), JwksOptions::default()));
    let c = cookie(&gate, &k.a, "a");
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (gate, c) = (Arc::clone(&gate), c.clone());
            thread::spawn(move || gate.authenticate_at(&c, at(0)).unwrap().is_authenticated())
        })
        .collect();
    assert!(threads.into_iter().all(|t| t.join().unwrap()));
    assert_eq!(server.hits(), 1);
}

#[test]
fn outage_serves_cached_keys_then_fails_retryably() {
    let mut server = Server::start();
    let k = keys();
    let t = Time::new();
    server.route("/jwks", Reply::Json(json!({"keys": [public_jwk(&k.a, "a")]})));
    let url = server.url("/jwks");
    let gate = gate(JwksSource::Url(url.clone()), t.options());
    let c = cookie(&gate, &k.a, "a");
    assert!(gate.authenticate_at(&c, t.at(0)).unwrap().is_authenticated());
    server.shut_down();

    // Stale (past 10 min): the refresh fails, the cached keys keep working.
    assert!(gate.authenticate_at(&c, t.at(700)).unwrap().is_authenticated());
    let status = gate.jwks_status().unwrap();
    assert!(status.stale && status.failures == 1 && status.last_error.is_some(), "{status:?}");
    // Past the stale-if-error bound (24 h): a retryable error, not invalid_jwt.
    let err = gate.authenticate_at(&c, t.at(600 + 86_400 + 1)).unwrap_err();
    assert_eq!(err.code(), "jwks_unavailable");
    assert!(err.is_retryable());

    // Cold start with the server down: the retryable error, never a failure reason.
    let cold = gate_for(&url);
    let err = cold.authenticate_at(&c, at(0)).unwrap_err();
    assert_eq!(err.code(), "jwks_unavailable");
    // Fail fast right after: no second connection attempt within retry_after_failure.
    assert_eq!(cold.authenticate_at(&c, at(0)).unwrap_err().code(), "jwks_unavailable");
    assert_eq!(cold.jwks_status().unwrap().failures, 1);
}

/// F8: a kid the cached set lacks, while the key server is failing, cannot be told from a
/// freshly rotated key: the retryable error (inside the cooldown too), never invalid_jwt.
/// With the server healthy, inside the cooldown, unknown_kid stands.
#[test]
fn unknown_kid_during_an_outage_is_retryable() {
    let server = Server::start();
    let k = keys();
    let t = Time::new();
    server.route("/jwks", Reply::Json(json!({"keys": [public_jwk(&k.a, "a")]})));
    let gate = gate(JwksSource::Url(server.url("/jwks")), t.options());
    let (known, rotated) = (cookie(&gate, &k.a, "a"), cookie(&gate, &k.b, "b"));
    assert!(gate.authenticate_at(&known, t.at(0)).unwrap().is_authenticated());
    // Healthy server, inside the cooldown: its answer stands.
    assert_eq!(detail(&gate.authenticate_at(&rotated, t.at(5)).unwrap()), Some("unknown_kid"));

    server.route("/jwks", Reply::Raw { status: 503, headers: vec![], body: b"down".to_vec() });
    // After the cooldown the unknown kid refetches; the fetch fails: retryable.
    let err = gate.authenticate_at(&rotated, t.at(40)).unwrap_err();
    assert!(err.code() == "jwks_unavailable" && err.is_retryable(), "{err}");
    assert!(err.to_string().contains("kid"), "{err}");
    assert_eq!(server.hits(), 2);
    // Inside the next cooldown, the server still failing: retryable again, without a fetch.
    assert_eq!(gate.authenticate_at(&rotated, t.at(45)).unwrap_err().code(), "jwks_unavailable");
    assert_eq!(server.hits(), 2);
    // Known kids keep working from the cached set (stale-if-error).
    assert!(gate.authenticate_at(&known, t.at(46)).unwrap().is_authenticated());
    // The server recovers with the rotated key: after the cooldown, it authenticates.
    server.route("/jwks", Reply::Json(json!({"keys": [public_jwk(&k.a, "a"), public_jwk(&k.b, "b")]})));
    assert!(gate.authenticate_at(&rotated, t.at(71)).unwrap().is_authenticated());
    // No keys yet and the server down: retryable for any kid.
    server.route("/cold", Reply::Raw { status: 500, headers: vec![], body: vec![] });
    let cold = gate_for(&server.url("/cold"));
    assert_eq!(cold.authenticate_at(&rotated, at(0)).unwrap_err().code(), "jwks_unavailable");
}

/// Callers with a kid the cache lacks wait for the fetch already under way (it may bring the
/// new key) instead of answering unknown_kid before it completes.
#[test]
fn unknown_kid_waits_for_the_fetch_under_way() {
    let server = Server::start();
    let k = keys();
    let t = Time::new();
    server.route("/jwks", Reply::Json(json!({"keys": [public_jwk(&k.a, "a")]})));
    let gate = Arc::new(gate(JwksSource::Url(server.url("/jwks")), t.options()));
    assert!(gate.authenticate_at(&cookie(&gate, &k.a, "a"), t.at(0)).unwrap().is_authenticated());
    server.route("/jwks", Reply::Slow(Duration::from_millis(400), json!({"keys": [public_jwk(&k.a, "a"), public_jwk(&k.b, "b")]})));
    let rotated = cookie(&gate, &k.b, "b");
    let now = t.at(40);
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let (gate, c) = (Arc::clone(&gate), rotated.clone());
            thread::spawn(move || {
                thread::sleep(Duration::from_millis(50 * i));
                gate.authenticate_at(&c, now).unwrap().is_authenticated()
            })
        })
        .collect();
    assert!(threads.into_iter().all(|t| t.join().unwrap()));
    assert_eq!(server.hits(), 2);
}

/// F6: no caller's `now` can break or freeze the shared cache: a far-future or pre-epoch
/// `now` neither panics nor moves the refresh schedule, which follows the cache's clock.
#[test]
fn hostile_now_never_breaks_the_shared_cache() {
    let server = Server::start();
    let k = keys();
    let t = Time::new();
    server.route("/jwks", Reply::Json(json!({"keys": [public_jwk(&k.a, "a")]})));
    let gate = gate(JwksSource::Url(server.url("/jwks")), t.options());
    let c = cookie(&gate, &k.a, "a");
    let far_future = SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(i64::MAX as u64 / 2)).unwrap();
    // The latest time the platform can hold: any duration added to it overflows.
    let latest = SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(i64::MAX as u64 - 1)).unwrap();
    let before_epoch = SystemTime::UNIX_EPOCH.checked_sub(Duration::from_secs(86_400 * 365)).unwrap();
    t.at(0);
    for now in [far_future, latest, before_epoch, SystemTime::UNIX_EPOCH] {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| gate.authenticate_at(&c, now)));
        let auth = outcome.expect("a hostile now panicked").unwrap();
        // The token's own rules judge that time: expired in the far future, not yet issued before.
        assert!(!auth.is_authenticated());
        assert!(gate.verify_access_token_at("a.b.c", now).is_ok());
    }
    assert_eq!(server.hits(), 1, "the first call fetched once; the others used the cache");
    // Normal calls still work, and the refresh schedule is the clock's, untouched by them.
    assert!(gate.authenticate_at(&c, t.at(1)).unwrap().is_authenticated());
    assert_eq!(server.hits(), 1);
    assert!(gate.authenticate_at(&c, t.at(601)).unwrap().is_authenticated());
    assert_eq!(server.hits(), 2, "stale after 10 min of the cache's clock: refreshed");
    assert!(!gate.jwks_status().unwrap().stale);
}

fn gate_for(url: &str) -> SessionGate {
    gate(JwksSource::Url(url.to_owned()), JwksOptions::default())
}

#[test]
fn slow_server_times_out() {
    let server = Server::start();
    let k = keys();
    server.route("/jwks", Reply::Slow(Duration::from_secs(3), json!({"keys": [public_jwk(&k.a, "a")]})));
    let options = JwksOptions { timeout: Duration::from_millis(300), ..JwksOptions::default() };
    let gate = gate(JwksSource::Url(server.url("/jwks")), options);
    let c = cookie(&gate, &k.a, "a");
    let started = Instant::now();
    let err = gate.authenticate_at(&c, at(0)).unwrap_err();
    assert_eq!(err.code(), "jwks_unavailable");
    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
}

#[test]
fn hostile_responses_are_refused() {
    let server = Server::start();
    let k = keys();
    let big = format!("{{\"keys\": [], \"pad\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let gzip = vec![("content-encoding".to_owned(), "gzip".to_owned())];
    let cases = [
        ("/big", Reply::Raw { status: 200, headers: vec![], body: big.into_bytes() }),
        ("/html", Reply::Raw { status: 200, headers: vec![("content-type".into(), "text/html".into())], body: b"<html>".to_vec() }),
        ("/array", Reply::Json(json!([public_jwk(&k.a, "a")]))),
        ("/error", Reply::Raw { status: 500, headers: vec![], body: br#"{"keys": []}"#.to_vec() }),
        ("/redirect", Reply::Raw { status: 302, headers: vec![("location".into(), server.url("/good"))], body: vec![] }),
        ("/weak", Reply::Json(json!({"keys": [{"kty": "RSA", "kid": "weak", "n": sessiongate_vectors::b64(&[0xC1; 128]), "e": "AQAB"}]}))),
        // I8: nothing is decompressed; the message says why.
        ("/gzip", Reply::Raw { status: 200, headers: gzip, body: json!({"keys": [public_jwk(&k.a, "a")]}).to_string().into_bytes() }),
    ];
    server.route("/good", Reply::Json(json!({"keys": [public_jwk(&k.a, "a")]})));
    for (path, reply) in cases {
        server.route(path, reply);
        let gate = gate_for(&server.url(path));
        let c = cookie(&gate, &k.a, "a");
        let err = gate.authenticate_at(&c, at(0)).unwrap_err();
        assert_eq!(err.code(), "jwks_unavailable", "{path}");
        if path == "/gzip" {
            assert!(err.to_string().contains("Content-Encoding: gzip"), "{err}");
        }
    }
    // The redirect target was never requested: redirects are not followed.
    assert!(!server.paths.lock().unwrap().iter().any(|p| p == "/good"));
    let before = server.hits();
    let gate = gate_for(&server.url("/good"));
    assert!(gate.authenticate_at(&cookie(&gate, &k.a, "a"), at(0)).unwrap().is_authenticated());
    assert_eq!(server.hits(), before + 1);
}

#[test]
fn keys_under_2048_bits_are_ignored_and_counted() {
    let server = Server::start();
    let k = keys();
    let weak = json!({"kty": "RSA", "kid": "weak", "alg": "RS256", "n": sessiongate_vectors::b64(&[0xC1; 128]), "e": "AQAB"});
    server.route("/jwks", Reply::Json(json!({"keys": [weak, public_jwk(&k.a, "a")]})));
    let gate = gate_for(&server.url("/jwks"));
    assert!(gate.authenticate_at(&cookie(&gate, &k.a, "a"), at(0)).unwrap().is_authenticated());
    let status = gate.jwks_status().unwrap();
    assert_eq!((status.kids, status.skipped_keys), (vec!["a".to_string()], 1));
}

/// I12: keys past the 64th usable one are not used, and the status says how many were skipped.
#[test]
fn keys_past_the_limit_are_reported() {
    let server = Server::start();
    let k = keys();
    let mut set: Vec<Value> = (0..64).map(|i| public_jwk(&k.b, &format!("filler-{i}"))).collect();
    set.push(public_jwk(&k.a, "late"));
    server.route("/jwks", Reply::Json(json!({"keys": set})));
    let gate = gate_for(&server.url("/jwks"));
    assert_eq!(detail(&gate.authenticate_at(&cookie(&gate, &k.a, "late"), at(0)).unwrap()), Some("unknown_kid"));
    let status = gate.jwks_status().unwrap();
    assert_eq!((status.kids.len(), status.skipped_keys), (64, 1));
    assert_eq!(status.to_json()["skipped_keys"], 1);
    assert_eq!(status.to_json().as_object().unwrap().keys().collect::<Vec<_>>(), sessiongate::JwksStatus::FIELDS.iter().collect::<Vec<_>>());
}

#[test]
fn oidc_discovery_finds_the_jwks() {
    let server = Server::start();
    let k = keys();
    let issuer = server.url("/issuer");
    server.route(
        "/issuer/.well-known/openid-configuration",
        Reply::Json(json!({"issuer": issuer, "jwks_uri": server.url("/issuer/keys")})),
    );
    server.route("/issuer/keys", Reply::Json(json!({"keys": [public_jwk(&k.a, "a")]})));
    let gate = gate(JwksSource::Discovery(issuer.clone()), JwksOptions::default());
    let mut claims = claims();
    claims["iss"] = json!(issuer);
    assert!(gate.authenticate_at(&cookie_with(&gate, &k.a, "a", &claims), at(0)).unwrap().is_authenticated());
    assert_eq!(server.hits(), 2);
    assert_eq!(gate.jwks_status().unwrap().url, Some(server.url("/issuer/keys")));
}

/// F9: the discovered issuer is the expected `iss` (exactly), unless the configuration lists
/// the accepted issuers itself.
#[test]
fn discovery_issuer_is_the_expected_iss() {
    let server = Server::start();
    let k = keys();
    let issuer = server.url("/tenant");
    server.route("/tenant/.well-known/openid-configuration", Reply::Json(json!({"issuer": issuer, "jwks_uri": server.url("/tenant/keys")})));
    server.route("/tenant/keys", Reply::Json(json!({"keys": [public_jwk(&k.a, "a")]})));
    let gate = gate(JwksSource::Discovery(issuer.clone()), JwksOptions::default());
    let with_iss = |iss: Option<&str>| {
        let mut c = claims();
        if let Some(iss) = iss {
            c["iss"] = json!(iss);
        }
        c
    };
    let detail_for = |gate: &SessionGate, iss: Option<&str>| detail(&gate.authenticate_at(&cookie_with(gate, &k.a, "a", &with_iss(iss)), at(0)).unwrap());
    assert_eq!(detail_for(&gate, Some(&issuer)), None);
    assert_eq!(detail_for(&gate, Some("https://other-tenant.example")), Some("issuer_mismatch"));
    assert_eq!(detail_for(&gate, Some(&format!("{issuer}/"))), Some("issuer_mismatch"), "compared exactly");
    assert_eq!(detail_for(&gate, None), Some("issuer_mismatch"));
    let bearer = sign_rs256(&k.a, &json!({"alg": "RS256", "kid": "a"}), &with_iss(Some("https://other-tenant.example")));
    assert_eq!(gate.verify_access_token_at(&bearer, at(0)).unwrap().failure().map(|f| f.detail.code()), Some("issuer_mismatch"));
    // Issuers set explicitly are the ones accepted.
    let mut config = Config::new("client_1", vec![PASSWORD.into()], JwksSource::Discovery(issuer.clone()));
    config.issuers = vec!["https://other-tenant.example".into()];
    let explicit = SessionGate::new(config).unwrap();
    assert_eq!(detail_for(&explicit, Some("https://other-tenant.example")), None);
    assert_eq!(detail_for(&explicit, Some(&issuer)), Some("issuer_mismatch"));
    // I10: the discovery document must name the issuer exactly (no trailing-slash folding).
    let slashed = gate_with_discovery(&format!("{issuer}/"));
    let err = slashed.authenticate_at(&cookie(&slashed, &k.a, "a"), at(0)).unwrap_err();
    assert!(err.code() == "jwks_unavailable" && err.to_string().contains("names another issuer"), "{err}");
}

fn gate_with_discovery(issuer: &str) -> SessionGate {
    gate(JwksSource::Discovery(issuer.to_owned()), JwksOptions::default())
}

/// I10: after a failed key fetch, the discovery document is read again (a moved jwks_uri is
/// found without a restart).
#[test]
fn discovery_is_read_again_after_a_failed_fetch() {
    let server = Server::start();
    let k = keys();
    let t = Time::new();
    let issuer = server.url("/moving");
    let document = |keys: &str| Reply::Json(json!({"issuer": server.url("/moving"), "jwks_uri": server.url(keys)}));
    server.route("/moving/.well-known/openid-configuration", document("/moving/old"));
    server.route("/moving/old", Reply::Json(json!({"keys": [public_jwk(&k.a, "a")]})));
    let gate = gate(JwksSource::Discovery(issuer.clone()), t.options());
    let mut c = claims();
    c["iss"] = json!(issuer);
    let (old, new) = (cookie_with(&gate, &k.a, "a", &c), cookie_with(&gate, &k.b, "b", &c));
    assert!(gate.authenticate_at(&old, t.at(0)).unwrap().is_authenticated());
    server.route("/moving/old", Reply::Raw { status: 404, headers: vec![], body: vec![] });
    server.route("/moving/.well-known/openid-configuration", document("/moving/new"));
    server.route("/moving/new", Reply::Json(json!({"keys": [public_jwk(&k.b, "b")]})));
    assert_eq!(gate.authenticate_at(&new, t.at(40)).unwrap_err().code(), "jwks_unavailable");
    assert!(gate.authenticate_at(&new, t.at(80)).unwrap().is_authenticated());
    assert_eq!(gate.jwks_status().unwrap().url, Some(server.url("/moving/new")));
}

#[test]
fn configuration_refuses_plain_http_to_other_hosts() {
    let config = Config::new("c", vec![PASSWORD.into()], JwksSource::Url("http://api.example.com/jwks".into()));
    assert_eq!(SessionGate::new(config).unwrap_err().code(), "configuration_error");
    match JwksSource::workos("client_9") {
        JwksSource::Url(url) => assert_eq!(url, "https://api.workos.com/sso/jwks/client_9"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn cached_path_never_fetches() {
    let server = Server::start();
    let k = keys();
    let t = Time::new();
    server.route("/jwks", Reply::Json(json!({"keys": [public_jwk(&k.a, "a")]})));
    let gate = gate(JwksSource::Url(server.url("/jwks")), t.options());
    let (known, unknown) = (cookie(&gate, &k.a, "a"), cookie(&gate, &k.b, "b"));
    // Cold: no answer without the network, and nothing fetched.
    assert!(matches!(gate.authenticate_cached_at(&known, t.at(0)), Err(sessiongate::Error::JwksNotCached)));
    assert_eq!(server.hits(), 0);
    assert!(gate.authenticate_at(&known, t.at(0)).unwrap().is_authenticated());
    // Warm: answered inline, same result as the fetching path.
    assert!(gate.authenticate_cached_at(&known, t.at(1)).unwrap().is_authenticated());
    // A bad cookie needs no key: answered inline too.
    assert_eq!(gate.authenticate_cached_at("garbage", t.at(1)).unwrap().failure().map(|f| f.detail.code()), Some("bad_base64"));
    // An unknown kid or a stale set would need a fetch: no answer, still no fetch.
    assert!(matches!(gate.authenticate_cached_at(&unknown, t.at(2)), Err(sessiongate::Error::JwksNotCached)));
    assert!(matches!(gate.authenticate_cached_at(&known, t.at(601)), Err(sessiongate::Error::JwksNotCached)));
    assert_eq!(server.hits(), 1);
}

/// F11: gates built with `SessionGate::shared` for the same source and options share one key
/// cache (the one-shot helpers build one per call); `SessionGate::new` keeps its own.
#[test]
fn shared_gates_fetch_the_keys_once() {
    let server = Server::start();
    let k = keys();
    server.route("/shared", Reply::Json(json!({"keys": [public_jwk(&k.a, "a")]})));
    let config = || Config::new("client_1", vec![PASSWORD.into()], JwksSource::Url(server.url("/shared")));
    for _ in 0..20 {
        let one_shot = SessionGate::shared(config()).unwrap();
        assert!(one_shot.authenticate_at(&cookie(&one_shot, &k.a, "a"), at(0)).unwrap().is_authenticated());
    }
    assert_eq!(server.hits(), 1);
    // Other options are another cache; so is a gate built with `new`.
    let mut other = config();
    other.jwks_options.timeout = Duration::from_secs(2);
    let other = SessionGate::shared(other).unwrap();
    assert!(other.authenticate_at(&cookie(&other, &k.a, "a"), at(0)).unwrap().is_authenticated());
    let own = SessionGate::new(config()).unwrap();
    assert!(own.authenticate_at(&cookie(&own, &k.a, "a"), at(0)).unwrap().is_authenticated());
    assert_eq!(server.hits(), 3);
}

/// F2: credentials in a JWKS or issuer URL never reach an error message, the status or Debug.
#[test]
fn url_credentials_never_shown() {
    let server = Server::start();
    let k = keys();
    let port = server.addr.rsplit(':').next().unwrap().to_owned();
    server.route("/jwks?api_key=s3cr3t-query", Reply::Raw { status: 500, headers: vec![], body: b"oops".to_vec() });
    let secret_url = format!("http://svc:s3cr3t-user@127.0.0.1:{port}/jwks?api_key=s3cr3t-query#s3cr3t-frag");
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let refused_url = format!("http://svc:s3cr3t-user@127.0.0.1:{closed}/jwks?api_key=s3cr3t-query");
    let issuer = format!("http://svc:s3cr3t-user@127.0.0.1:{port}/issuer?k=s3cr3t-query");
    for source in [JwksSource::Url(secret_url), JwksSource::Url(refused_url), JwksSource::Discovery(issuer)] {
        let mut config = Config::new("client_1", vec![PASSWORD.into()], source);
        config.issuers = vec!["https://s3cr3t-user@issuer.example/?k=s3cr3t-query".into()];
        let shown_config = format!("{config:?}");
        let gate = SessionGate::new(config).unwrap();
        let err = gate.authenticate_at(&cookie(&gate, &k.a, "a"), at(0)).unwrap_err();
        let status = gate.jwks_status().unwrap();
        let surfaces = [
            ("error Display", err.to_string()),
            ("error Debug", format!("{err:?}")),
            ("status", format!("{status:?}")),
            ("status JSON", status.to_json().to_string()),
            ("gate Debug", format!("{gate:?}")),
            ("config Debug", shown_config),
        ];
        for (surface, shown) in surfaces {
            assert!(!shown.contains("s3cr3t"), "{surface}: {shown}");
        }
        assert!(status.last_error.is_some() && err.to_string().contains("127.0.0.1"), "{err}");
    }
}

/// F1: a loopback `http://` JWKS is never fetched through a proxy, whatever the environment;
/// an https host follows the environment's proxy. The proxy environment is read when a gate
/// is built, so the check runs in a child process with HTTP_PROXY, HTTPS_PROXY and ALL_PROXY
/// all pointing at a 127.0.0.1 listener that answers with an attacker's key set.
#[test]
fn loopback_is_never_fetched_through_a_proxy() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy = format!("http://{}", listener.local_addr().unwrap());
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let attacker = generate_rsa();
    let forged_jwks = json!({"keys": [public_jwk(&attacker, "a")]}).to_string();
    let attacker_der = sessiongate_vectors::b64(aws_lc_rs::encoding::AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&attacker).unwrap().as_ref());
    let log = Arc::clone(&seen);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            log.lock().unwrap().push(line.trim().to_owned());
            let mut rest = [0u8; 4096];
            let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
            let _ = reader.read(&mut rest);
            if !line.starts_with("CONNECT") {
                let reply = format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{forged_jwks}", forged_jwks.len());
                let _ = (&stream).write_all(reply.as_bytes());
            }
        }
    });
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "proxy_child", "--ignored", "--nocapture", "--test-threads=1"])
        .env("HTTP_PROXY", &proxy)
        .env("HTTPS_PROXY", &proxy)
        .env("ALL_PROXY", &proxy)
        .env("SG_PROXY_CHILD_ATTACKER_KEY", attacker_der)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success() && stdout.contains("1 passed"), "child: {stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let seen = seen.lock().unwrap().clone();
    // Only the https fetch went to the proxy, as a CONNECT tunnel; no loopback request did.
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen[0].starts_with("CONNECT keys.invalid.example:443 "), "{seen:?}");
}

/// The child half of [`loopback_is_never_fetched_through_a_proxy`] (runs only there).
#[test]
#[ignore = "run by loopback_is_never_fetched_through_a_proxy, with proxy variables set"]
fn proxy_child() {
    let Ok(attacker_der) = std::env::var("SG_PROXY_CHILD_ATTACKER_KEY") else { return };
    let attacker = aws_lc_rs::signature::RsaKeyPair::from_pkcs8(&base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, attacker_der).unwrap()).unwrap();
    assert!(std::env::var("HTTP_PROXY").is_ok());
    let server = Server::start();
    let real = generate_rsa();
    server.route("/jwks", Reply::Json(json!({"keys": [public_jwk(&real, "a")]})));
    for url in [server.url("/jwks"), server.url("/jwks").replace("127.0.0.1", "localhost")] {
        let gate = gate_for(&url);
        let forged = sign_rs256(&attacker, &json!({"alg": "RS256", "kid": "a"}), &claims());
        assert_eq!(gate.verify_access_token_at(&forged, at(0)).unwrap().failure().map(|f| f.detail.code()), Some("signature_invalid"), "{url}");
        assert!(gate.authenticate_at(&cookie(&gate, &real, "a"), at(0)).unwrap().is_authenticated(), "{url}");
    }
    assert_eq!(server.hits(), 2, "both loopback gates fetched from the real server");
    let https = gate_for("https://keys.invalid.example/jwks");
    assert_eq!(https.authenticate_at(&cookie(&https, &real, "a"), at(0)).unwrap_err().code(), "jwks_unavailable");
}
