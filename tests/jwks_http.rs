//! The remote JWKS against a real HTTP server on 127.0.0.1: rotation, cooldown, single
//! flight, outages, timeouts, hostile responses. Time is injected: no test sleeps for minutes.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};
use sessiongate::{Authentication, Config, JwksOptions, JwksSource, SealFormat, SessionData, SessionGate};
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

fn cookie(gate: &SessionGate, key: &aws_lc_rs::signature::RsaKeyPair, kid: &str) -> String {
    let claims = json!({"sub": "user_1", "sid": "session_1", "iat": T0, "exp": T0 + 200_000, "amr": ["pwd", "mfa"]});
    let token = sign_rs256(key, &json!({"alg": "RS256", "kid": kid}), &claims);
    let data = SessionData { access_token: token, refresh_token: "rt".into(), user: json!({"id": "user_1"}), ..Default::default() };
    gate.seal_session(&data, SealFormat::Iron).unwrap()
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
    server.route("/jwks", Reply::Json(json!({"keys": [public_jwk(&k.a, "a")]})));
    let gate = gate(JwksSource::Url(server.url("/jwks")), JwksOptions::default());
    let (old, new) = (cookie(&gate, &k.a, "a"), cookie(&gate, &k.b, "b"));

    assert!(gate.authenticate_at(&old, at(0)).unwrap().is_authenticated());
    assert_eq!(server.hits(), 1);
    server.route("/jwks", Reply::Json(json!({"keys": [public_jwk(&k.b, "b")]})));
    // Within the cooldown, the new kid is unknown and nothing is fetched.
    assert_eq!(detail(&gate.authenticate_at(&new, at(10)).unwrap()), Some("unknown_kid"));
    assert_eq!(server.hits(), 1);
    // After it, one refetch finds the new key.
    assert!(gate.authenticate_at(&new, at(31)).unwrap().is_authenticated());
    assert_eq!(server.hits(), 2);
    // The retired key is gone: its tokens are unknown_kid, and fetch nothing within the cooldown.
    assert_eq!(detail(&gate.authenticate_at(&old, at(32)).unwrap()), Some("unknown_kid"));
    assert_eq!(server.hits(), 2);
    let status = gate.jwks_status_at(at(32)).unwrap();
    assert_eq!(status.kids, vec!["b".to_string()]);
    assert_eq!((status.fetches, status.failures, status.stale), (2, 0, false));
}

#[test]
fn unknown_kid_storm_fetches_at_most_once_per_cooldown() {
    let server = Server::start();
    let k = keys();
    server.route("/jwks", Reply::Json(json!({"keys": [public_jwk(&k.a, "a")]})));
    let gate = gate(JwksSource::Url(server.url("/jwks")), JwksOptions::default());
    let good = cookie(&gate, &k.a, "a");
    assert!(gate.authenticate_at(&good, at(0)).unwrap().is_authenticated());
    let forged = cookie(&gate, &k.b, "attacker-kid");
    for i in 0..1000 {
        let auth = gate.authenticate_at(&forged, at(40 + i / 100)).unwrap();
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
    server.route("/jwks", Reply::Json(json!({"keys": [public_jwk(&k.a, "a")]})));
    let url = server.url("/jwks");
    let gate = gate(JwksSource::Url(url.clone()), JwksOptions::default());
    let c = cookie(&gate, &k.a, "a");
    assert!(gate.authenticate_at(&c, at(0)).unwrap().is_authenticated());
    server.shut_down();

    // Stale (past 10 min): the refresh fails, the cached keys keep working.
    assert!(gate.authenticate_at(&c, at(700)).unwrap().is_authenticated());
    let status = gate.jwks_status_at(at(700)).unwrap();
    assert!(status.stale && status.failures == 1 && status.last_error.is_some(), "{status:?}");
    // Past the stale-if-error bound (24 h): a retryable error, not invalid_jwt.
    let err = gate.authenticate_at(&c, at(600 + 86_400 + 1)).unwrap_err();
    assert_eq!(err.code(), "jwks_unavailable");
    assert!(err.is_retryable());

    // Cold start with the server down: the retryable error, never a failure reason.
    let cold = gate_for(&url);
    let err = cold.authenticate_at(&c, at(0)).unwrap_err();
    assert_eq!(err.code(), "jwks_unavailable");
    // Fail fast right after: no second connection attempt within retry_after_failure.
    assert_eq!(cold.authenticate_at(&c, at(0)).unwrap_err().code(), "jwks_unavailable");
    assert_eq!(cold.jwks_status_at(at(0)).unwrap().failures, 1);
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
    let cases = [
        ("/big", Reply::Raw { status: 200, headers: vec![], body: big.into_bytes() }),
        ("/html", Reply::Raw { status: 200, headers: vec![("content-type".into(), "text/html".into())], body: b"<html>".to_vec() }),
        ("/array", Reply::Json(json!([public_jwk(&k.a, "a")]))),
        ("/error", Reply::Raw { status: 500, headers: vec![], body: br#"{"keys": []}"#.to_vec() }),
        ("/redirect", Reply::Raw { status: 302, headers: vec![("location".into(), server.url("/good"))], body: vec![] }),
        ("/weak", Reply::Json(json!({"keys": [{"kty": "RSA", "kid": "weak", "n": sessiongate_vectors::b64(&[0xC1; 128]), "e": "AQAB"}]}))),
    ];
    server.route("/good", Reply::Json(json!({"keys": [public_jwk(&k.a, "a")]})));
    for (path, reply) in cases {
        server.route(path, reply);
        let gate = gate_for(&server.url(path));
        let c = cookie(&gate, &k.a, "a");
        let err = gate.authenticate_at(&c, at(0)).unwrap_err();
        assert_eq!(err.code(), "jwks_unavailable", "{path}");
    }
    // The redirect target was never requested: redirects are not followed.
    assert!(!server.paths.lock().unwrap().iter().any(|p| p == "/good"));
    let before = server.hits();
    let gate = gate_for(&server.url("/good"));
    assert!(gate.authenticate_at(&cookie(&gate, &k.a, "a"), at(0)).unwrap().is_authenticated());
    assert_eq!(server.hits(), before + 1);
}

#[test]
fn keys_under_2048_bits_are_ignored() {
    let server = Server::start();
    let k = keys();
    let weak = json!({"kty": "RSA", "kid": "weak", "alg": "RS256", "n": sessiongate_vectors::b64(&[0xC1; 128]), "e": "AQAB"});
    server.route("/jwks", Reply::Json(json!({"keys": [weak, public_jwk(&k.a, "a")]})));
    let gate = gate_for(&server.url("/jwks"));
    assert!(gate.authenticate_at(&cookie(&gate, &k.a, "a"), at(0)).unwrap().is_authenticated());
    assert_eq!(gate.jwks_status_at(at(0)).unwrap().kids, vec!["a".to_string()]);
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
    let gate = gate(JwksSource::Discovery(issuer), JwksOptions::default());
    assert!(gate.authenticate_at(&cookie(&gate, &k.a, "a"), at(0)).unwrap().is_authenticated());
    assert_eq!(server.hits(), 2);
    assert_eq!(gate.jwks_status_at(at(0)).unwrap().url, Some(server.url("/issuer/keys")));
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
    server.route("/jwks", Reply::Json(json!({"keys": [public_jwk(&k.a, "a")]})));
    let gate = gate(JwksSource::Url(server.url("/jwks")), JwksOptions::default());
    let (known, unknown) = (cookie(&gate, &k.a, "a"), cookie(&gate, &k.b, "b"));
    // Cold: no answer without the network, and nothing fetched.
    assert!(matches!(gate.authenticate_cached_at(&known, at(0)), Err(sessiongate::Error::JwksNotCached)));
    assert_eq!(server.hits(), 0);
    assert!(gate.authenticate_at(&known, at(0)).unwrap().is_authenticated());
    // Warm: answered inline, same result as the fetching path.
    assert!(gate.authenticate_cached_at(&known, at(1)).unwrap().is_authenticated());
    // A bad cookie needs no key: answered inline too.
    assert_eq!(gate.authenticate_cached_at("garbage", at(1)).unwrap().failure().map(|f| f.detail.code()), Some("bad_base64"));
    // An unknown kid or a stale set would need a fetch: no answer, still no fetch.
    assert!(matches!(gate.authenticate_cached_at(&unknown, at(2)), Err(sessiongate::Error::JwksNotCached)));
    assert!(matches!(gate.authenticate_cached_at(&known, at(601)), Err(sessiongate::Error::JwksNotCached)));
    assert_eq!(server.hits(), 1);
}
