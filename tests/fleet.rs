//! The Redis refresh coordinator (issue 16) against a real `redis-server` on 127.0.0.1 and the
//! WorkOS API double. Each gate has its own in-process store, exactly as a separate process
//! would: only Redis connects them. `redis-server` is found on PATH or in
//! `SESSIONGATE_REDIS_SERVER` (`cargo xtask test` installs Debian's package).

#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::Read;
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::json;
use sessiongate::internals::{fleet_key_names, refresh_key};
use sessiongate::{Config, Error, JwksSource, Refresh, SealFormat, SessionData, SessionGate};
use sessiongate_vectors::at;
use sessiongate_vectors::redis_server::RedisServer;
use sessiongate_vectors::double::{API_KEY, CLIENT_ID, Double, Endpoint, Fault, NewSession, Options};

const SECRET: &str = "ZmxlZXQtc3VpdGUtY29va2llLXNlY3JldC0zMmJ5dGU=";
const T0: u64 = 1_800_000_000;

fn connection(redis: &RedisServer) -> redis::Connection {
    redis::Client::open(redis.url()).unwrap().get_connection().unwrap()
}

fn gate(double: &Double, coordinator: Option<String>) -> SessionGate {
    let mut config = Config::new(CLIENT_ID, vec![SECRET.into()], JwksSource::Url(double.jwks_url()));
    config.api_key = Some(API_KEY.into());
    config.api_base_url = double.url().to_owned();
    config.refresh_coordinator = coordinator;
    config.refresh_timeout = Duration::from_secs(3);
    SessionGate::new(config).unwrap()
}

/// A session signed in at T0 (its token valid until T0 + 300), sealed by `gate`; with its
/// refresh token.
fn session_cookie(double: &Double, gate: &SessionGate, email: &str) -> (String, String) {
    let issued = double.create_session_with(NewSession {
        user: json!({"object": "user", "id": format!("user_{email}"), "email": email}),
        organization_id: Some("org_01FLEET".into()),
        amr: vec!["pwd".into(), "mfa".into()],
        auth_time: Some(T0 - 10),
        ..NewSession::default()
    });
    let refresh_token = issued.refresh_token.clone();
    let data = SessionData {
        access_token: issued.access_token,
        refresh_token: issued.refresh_token,
        user: issued.user,
        organization_id: Some("org_01FLEET".into()),
        ..SessionData::default()
    };
    (gate.seal_session(&data, SealFormat::Iron).unwrap(), refresh_token)
}

fn new_cookie(outcome: Result<Refresh, Error>) -> String {
    match outcome {
        Ok(Refresh::Refreshed { sealed_session, session }) => {
            assert_eq!(session.amr(), Some(vec!["pwd".to_string(), "mfa".to_string()]));
            sealed_session
        }
        other => panic!("expected a refresh, got {other:?}"),
    }
}

fn double() -> Double {
    let double = Double::start(Options { grace: Duration::ZERO, ..Options::default() });
    double.set_clock(T0 + 400);
    double
}

/// Each "process" (gate) × 10 concurrent requests with one expired cookie.
fn race(gates: &[SessionGate], cookie: &str) -> Vec<String> {
    let barrier = Barrier::new(gates.len() * 10);
    thread::scope(|scope| {
        let handles: Vec<_> = (0..gates.len() * 10)
            .map(|i| {
                let gate = &gates[i % gates.len()];
                let barrier = &barrier;
                scope.spawn(move || {
                    barrier.wait();
                    let r = gate.refresh_at(cookie, None, at((T0 + 400) as f64));
                    new_cookie(r)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn forty_requests_on_four_processes_make_one_call() {
    let redis = RedisServer::start();
    // The double's replay grace is zero: a second exchange of the token would be invalid_grant.
    let double = double();
    let gates: Vec<_> = (0..4).map(|_| gate(&double, Some(redis.url()))).collect();
    let (cookie, _) = session_cookie(&double, &gates[0], "ada@example.com");
    let cookies = race(&gates, &cookie);
    assert_eq!(double.stats().get(Endpoint::Authenticate), 1, "one rotation for the whole fleet");
    assert!(cookies.iter().all(|c| c == &cookies[0]), "every response carries the same new cookie");
    let shared: u64 = gates.iter().map(|g| g.refresh_coordinator_status().shared).sum();
    assert!(shared >= 1, "at least the other processes took the result from Redis");
    // A late request with the old cookie, on a fifth process: the same cookie, no call.
    let late = gate(&double, Some(redis.url()));
    assert_eq!(new_cookie(late.refresh_at(&cookie, None, at((T0 + 400) as f64))), cookies[0]);
    assert_eq!(double.stats().get(Endpoint::Authenticate), 1);
    for gate in &gates {
        let status = gate.refresh_coordinator_status();
        assert_eq!((status.kind, status.available, status.fallbacks), ("redis", true, 0), "{status:?}");
    }
}

#[test]
fn without_a_coordinator_each_process_rotates_and_the_losers_are_logged_out() {
    // The race the coordinator closes, shown with the same double: the control experiment.
    let double = double();
    let gates: Vec<_> = (0..4).map(|_| gate(&double, None)).collect();
    let (cookie, _) = session_cookie(&double, &gates[0], "bob@example.com");
    let outcomes: Vec<_> = thread::scope(|scope| {
        let handles: Vec<_> = gates.iter().map(|g| scope.spawn(|| g.refresh_at(&cookie, None, at((T0 + 400) as f64)))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let lost = outcomes.iter().filter(|o| matches!(o, Ok(Refresh::Failed { failure, .. }) if failure.reason.as_str() == "invalid_grant")).count();
    assert!(double.stats().get(Endpoint::Authenticate) >= 2);
    assert!(lost >= 1, "in-process single-flight cannot see the other processes");
}

#[test]
fn nothing_secret_is_stored_in_the_clear() {
    let redis = RedisServer::start();
    let double = double();
    let gate = gate(&double, Some(redis.url()));
    let (cookie, refresh_token) = session_cookie(&double, &gate, "eve@example.com");
    let sealed = new_cookie(gate.refresh_at(&cookie, None, at((T0 + 400) as f64)));
    let mut connection = connection(&redis);
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut connection).unwrap();
    assert_eq!(keys.len(), 1, "one published result, the lease released: {keys:?}");
    let value: Vec<u8> = redis::cmd("GET").arg(&keys[0]).query(&mut connection).unwrap();
    let text = String::from_utf8_lossy(&value).into_owned() + &keys[0];
    let new = gate.unseal_data(&sealed).unwrap().data;
    for secret in [&refresh_token, new["refreshToken"].as_str().unwrap(), new["accessToken"].as_str().unwrap(), &sealed, SECRET, "eve@example.com"] {
        assert!(!text.contains(secret), "a secret is readable in Redis");
    }
    let ttl: i64 = redis::cmd("PTTL").arg(&keys[0]).query(&mut connection).unwrap();
    assert!(ttl > 0 && ttl <= 60_000, "kept for the grace window only: {ttl} ms");
}

#[test]
fn tampered_or_foreign_values_are_refused_and_a_fresh_refresh_happens() {
    let redis = RedisServer::start();
    let double = double();
    let gate_a = gate(&double, Some(redis.url()));
    let (cookie_a, token_a) = session_cookie(&double, &gate_a, "a@example.com");
    let (cookie_b, token_b) = session_cookie(&double, &gate_a, "b@example.com");
    let org = Some("org_01FLEET");
    let (name_a, _) = fleet_key_names(SECRET, &refresh_key(&token_a, org));
    let (name_b, _) = fleet_key_names(SECRET, &refresh_key(&token_b, org));
    let mut connection = connection(&redis);

    // Garbage where B's result would be.
    redis::cmd("SET").arg(&name_b).arg("not a sealed value").query::<()>(&mut connection).unwrap();
    let gate_b = gate(&double, Some(redis.url()));
    new_cookie(gate_b.refresh_at(&cookie_b, None, at((T0 + 400) as f64)));
    assert_eq!(double.stats().get(Endpoint::Authenticate), 1, "refused, then refreshed");
    assert_eq!(gate_b.refresh_coordinator_status().refused_values, 1);

    // A's genuine result copied under another session's name is refused too (bound to its name).
    new_cookie(gate_a.refresh_at(&cookie_a, None, at((T0 + 400) as f64)));
    let a_value: Vec<u8> = redis::cmd("GET").arg(&name_a).query(&mut connection).unwrap();
    let (cookie_c, token_c) = session_cookie(&double, &gate_a, "c@example.com");
    let (name_c, _) = fleet_key_names(SECRET, &refresh_key(&token_c, org));
    redis::cmd("SET").arg(&name_c).arg(a_value).query::<()>(&mut connection).unwrap();
    let gate_c = gate(&double, Some(redis.url()));
    let c_cookie = new_cookie(gate_c.refresh_at(&cookie_c, None, at((T0 + 400) as f64)));
    let c_user = gate_c.authenticate_at(&c_cookie, at((T0 + 400) as f64)).unwrap().session().unwrap().user.clone().unwrap();
    assert_eq!(c_user["email"], "c@example.com", "never another session's cookie");
    assert_eq!(double.stats().get(Endpoint::Authenticate), 3);
}

#[test]
fn redis_down_never_fails_a_request_and_coordination_resumes() {
    let mut redis = RedisServer::start();
    let double = double();
    let gates: Vec<_> = (0..4).map(|_| gate(&double, Some(redis.url()))).collect();
    redis.stop();
    let (cookie, _) = session_cookie(&double, &gates[0], "dan@example.com");
    // The API keeps no replay grace here, so each process that refreshes alone rotates: one
    // process's requests all succeed (in-process single-flight), at most one call each.
    let gate = &gates[0];
    let cookies = race(std::slice::from_ref(gate), &cookie);
    assert!(cookies.iter().all(|c| c == &cookies[0]));
    assert_eq!(double.stats().get(Endpoint::Authenticate), 1);
    let status = gate.refresh_coordinator_status();
    assert!(!status.available && status.fallbacks == 1 && status.last_error.is_some(), "{status:?}");

    // Redis back: after the rest period, coordination resumes across the processes.
    redis.restart();
    thread::sleep(Duration::from_millis(1100));
    let (cookie, _) = session_cookie(&double, &gates[0], "erin@example.com");
    let cookies = race(&gates, &cookie);
    assert!(cookies.iter().all(|c| c == &cookies[0]));
    assert_eq!(double.stats().get(Endpoint::Authenticate), 2, "one more call for the whole fleet");
    assert!(gates[1].refresh_coordinator_status().available);
}

#[test]
fn a_dead_lease_holder_costs_only_its_lease() {
    let redis = RedisServer::start();
    let double = double();
    let gates: Vec<_> = (0..4).map(|_| gate(&double, Some(redis.url()))).collect();
    let (cookie, token) = session_cookie(&double, &gates[0], "fay@example.com");
    // A process took the lease (its refresh timeout: 3 s here, 800 ms left) and died.
    let (_, lease) = fleet_key_names(SECRET, &refresh_key(&token, Some("org_01FLEET")));
    let mut connection = connection(&redis);
    redis::cmd("SET").arg(&lease).arg("dead-process").arg("PX").arg(800).query::<()>(&mut connection).unwrap();
    let started = Instant::now();
    let cookies = race(&gates, &cookie);
    let took = started.elapsed();
    assert!(cookies.iter().all(|c| c == &cookies[0]), "nobody got invalid_grant, all got one cookie");
    assert_eq!(double.stats().get(Endpoint::Authenticate), 1);
    assert!(took >= Duration::from_millis(700) && took < Duration::from_secs(3), "took over after the lease: {took:?}");
}

#[test]
fn a_transient_api_failure_is_retryable_for_the_whole_fleet() {
    let redis = RedisServer::start();
    let double = double();
    let gates: Vec<_> = (0..2).map(|_| gate(&double, Some(redis.url()))).collect();
    let (cookie, _) = session_cookie(&double, &gates[0], "gus@example.com");
    double.push_faults(Endpoint::Authenticate, [Fault::Status { status: 503 }, Fault::Status { status: 503 }, Fault::Status { status: 503 }]);
    let outcome = gates[0].refresh_at(&cookie, None, at((T0 + 400) as f64));
    assert!(matches!(outcome, Err(Error::ApiUnavailable { .. })), "{outcome:?}");
    // The lease was released: the other process refreshes at once.
    new_cookie(gates[1].refresh_at(&cookie, None, at((T0 + 400) as f64)));
}

/// Counts the connections a fake Redis accepts (and reads nothing from them).
fn counting_listener() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("redis://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            seen.fetch_add(1, Ordering::SeqCst);
            let mut stream = stream;
            let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
            let _ = stream.read(&mut [0u8; 64]);
        }
    });
    (url, count)
}

#[test]
fn authenticating_never_touches_redis() {
    let double = double();
    double.set_clock(T0);
    let (url, connections) = counting_listener();
    let gate = gate(&double, Some(url));
    let (cookie, _) = session_cookie(&double, &gate, "hal@example.com");
    for _ in 0..100 {
        assert!(gate.authenticate_at(&cookie, at((T0 + 10) as f64)).unwrap().is_authenticated());
        let renewal = gate.authenticate_or_refresh_at(&cookie, at((T0 + 10) as f64)).unwrap();
        assert!(renewal.sealed_session.is_none());
    }
    assert_eq!(connections.load(Ordering::SeqCst), 0, "Redis is only touched when a refresh is due");
    // A Redis that accepts but never answers: bounded by the command timeout, then alone.
    double.set_clock(T0 + 400);
    let renewal = gate.authenticate_or_refresh_at(&cookie, at((T0 + 400) as f64)).unwrap();
    assert!(renewal.sealed_session.is_some());
    assert_eq!(connections.load(Ordering::SeqCst), 1);
    assert_eq!(gate.refresh_coordinator_status().fallbacks, 1);
}



