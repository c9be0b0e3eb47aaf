//! `cargo xtask bench refresh`: what a refresh costs against the WorkOS API double on 127.0.0.1
//! (release build), beside the bare round trip it cannot beat; the single-flight call count; and
//! the Redis coordinator's added latency on the refresh path and on the no-refresh path (where
//! it must be zero: Redis is only touched when a refresh is due, counted by Redis itself).
//! Writes JSON to the path given.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Barrier;
use std::thread;
use std::time::Instant;

use serde_json::{Value, json};
use sessiongate::{Config, JwksSource, Refresh, SealFormat, SessionData, SessionGate};
use sessiongate_vectors::at;
use sessiongate_vectors::redis_server::RedisServer;
use sessiongate_vectors::double::{API_KEY, CLIENT_ID, Double, Endpoint, NewSession, Options};

const SECRET: &str = "YmVuY2gtc3VpdGUtY29va2llLXNlY3JldC0zMmJ5dGVzIQ==";
const T0: u64 = 1_800_000_000;
const ROUNDS: usize = 300;
/// authenticate_or_refresh calls per gate on the no-refresh path (warm-up included).
const CALLS: usize = 21_000;

fn gate(double: &Double, coordinator: Option<String>) -> SessionGate {
    let mut config = Config::new(CLIENT_ID, vec![SECRET.into()], JwksSource::Url(double.jwks_url()));
    config.api_key = Some(API_KEY.into());
    config.api_base_url = double.url().to_owned();
    config.refresh_coordinator = coordinator;
    SessionGate::new(config).unwrap()
}

fn cookie(double: &Double, gate: &SessionGate, n: usize) -> String {
    let issued = double.create_session_with(NewSession {
        user: json!({"object": "user", "id": format!("user_{n}"), "email": format!("u{n}@example.com")}),
        organization_id: Some("org_01BENCH".into()),
        amr: vec!["pwd".into(), "mfa".into()],
        auth_time: Some(T0 - 10),
        ..NewSession::default()
    });
    let data = SessionData {
        access_token: issued.access_token,
        refresh_token: issued.refresh_token,
        user: issued.user,
        organization_id: Some("org_01BENCH".into()),
        ..SessionData::default()
    };
    gate.seal_session(&data, SealFormat::Iron).unwrap()
}

/// Median and 95th percentile, µs.
fn summary(mut samples: Vec<f64>) -> Value {
    samples.sort_by(f64::total_cmp);
    let pick = |q: f64| (samples[((samples.len() - 1) as f64 * q).round() as usize] * 10.0).round() / 10.0;
    json!({"median_us": pick(0.5), "p95_us": pick(0.95), "samples": samples.len()})
}

/// `ROUNDS` refreshes of fresh sessions, one at a time (each is one API call and a verification).
fn refresh_latency(double: &Double, gate: &SessionGate) -> Value {
    let cookies: Vec<String> = (0..ROUNDS).map(|n| cookie(double, gate, n)).collect();
    let samples = cookies
        .iter()
        .map(|c| {
            let started = Instant::now();
            let outcome = gate.refresh_at(c, None, at((T0 + 400) as f64));
            let took = started.elapsed().as_secs_f64() * 1e6;
            assert!(matches!(outcome, Ok(Refresh::Refreshed { .. })), "{outcome:?}");
            took
        })
        .collect();
    summary(samples)
}

/// The floor: the same POST to the double's token endpoint over a bare socket (no client
/// library, no seal, no verification), answered `invalid_grant` after the same lookup.
fn bare_round_trip(double: &Double) -> Value {
    let address = double.url().trim_start_matches("http://").to_owned();
    let body = json!({"grant_type": "refresh_token", "client_id": CLIENT_ID, "client_secret": API_KEY, "refresh_token": "unknown"}).to_string();
    let request = format!(
        "POST /user_management/authenticate HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let samples = (0..ROUNDS)
        .map(|_| {
            let started = Instant::now();
            let mut stream = TcpStream::connect(&address).unwrap();
            stream.write_all(request.as_bytes()).unwrap();
            let mut answer = Vec::new();
            let _ = stream.read_to_end(&mut answer); // the double closes after one answer
            assert!(answer.starts_with(b"HTTP/1.1 400"), "{}", String::from_utf8_lossy(&answer));
            started.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    summary(samples)
}

/// 50 threads refreshing one cookie at once: API calls and wall time.
fn single_flight(double: &Double, gate: &SessionGate) -> Value {
    let c = cookie(double, gate, 1_000_000);
    let before = double.stats().get(Endpoint::Authenticate);
    let barrier = Barrier::new(50);
    let started = Instant::now();
    let cookies: Vec<String> = thread::scope(|scope| {
        let handles: Vec<_> = (0..50)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    match gate.refresh_at(&c, None, at((T0 + 400) as f64)) {
                        Ok(Refresh::Refreshed { sealed_session, .. }) => sealed_session,
                        other => panic!("{other:?}"),
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let took_ms = started.elapsed().as_secs_f64() * 1e3;
    let distinct = cookies.iter().collect::<std::collections::BTreeSet<_>>().len();
    json!({"concurrent_refreshes": 50, "api_calls": double.stats().get(Endpoint::Authenticate) - before, "distinct_cookies": distinct, "wall_ms": (took_ms * 10.0).round() / 10.0})
}

/// Redis's own count of the commands it has processed (`INFO stats`), minus this query.
fn redis_commands(port: u16) -> u64 {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.write_all(b"INFO stats\r\nQUIT\r\n").unwrap();
    let mut text = String::new();
    let _ = stream.read_to_string(&mut text);
    text.lines()
        .find_map(|l| l.strip_prefix("total_commands_processed:"))
        .and_then(|n| n.trim().parse::<u64>().ok())
        .expect("INFO stats has total_commands_processed")
}

fn authenticate_us(gate: &SessionGate, cookie: &str) -> Value {
    for _ in 0..CALLS - 20_000 {
        assert!(gate.authenticate_or_refresh_at(cookie, at((T0 + 10) as f64)).unwrap().sealed_session.is_none());
    }
    let samples = (0..20)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..1000 {
                let _ = gate.authenticate_or_refresh_at(cookie, at((T0 + 10) as f64));
            }
            started.elapsed().as_secs_f64() * 1e3 // µs per call: 1000 calls in ms
        })
        .collect();
    summary(samples)
}

fn main() {
    let out = std::env::args().nth(1).expect("usage: refresh-bench OUT.json");
    let double = Double::start(Options::default());
    double.set_clock(T0);
    let local = gate(&double, None);
    // Warm the JWKS cache: a refresh verifies the new token with the cached keys.
    double.set_clock(T0 + 400);
    let _ = local.refresh_at(&cookie(&double, &local, usize::MAX), None, at((T0 + 400) as f64));

    let bare = bare_round_trip(&double);
    let in_process = refresh_latency(&double, &local);
    let flight = single_flight(&double, &local);

    let server = RedisServer::start();
    let url = format!("redis://127.0.0.1:{}/0", server.port());
    let fleet = gate(&double, Some(url));
    let _ = fleet.refresh_at(&cookie(&double, &fleet, usize::MAX - 1), None, at((T0 + 400) as f64));
    let with_redis = refresh_latency(&double, &fleet);

    // The no-refresh path: a valid token, with and without a coordinator; Redis counts.
    double.set_clock(T0);
    let valid = cookie(&double, &local, 2_000_000);
    // What one reading of the count adds to it, so that only the gate's commands are counted.
    let (first, second) = (redis_commands(server.port()), redis_commands(server.port()));
    let reading = second - first;
    let auth_local = authenticate_us(&local, &valid);
    let auth_fleet = authenticate_us(&fleet, &valid);
    let commands = redis_commands(server.port()) - second - reading;

    let result = json!({
        "bare_round_trip": bare,
        "refresh_in_process": in_process,
        "refresh_with_redis": with_redis,
        "single_flight": flight,
        "authenticate_or_refresh_valid_token": {
            "in_process_us": auth_local,
            "with_redis_us": auth_fleet,
            "calls_with_redis": CALLS, "redis_commands_during_them": commands,
        },
    });
    std::fs::write(&out, serde_json::to_string_pretty(&result).unwrap()).unwrap();
    println!("{}", serde_json::to_string_pretty(&result).unwrap());
}
