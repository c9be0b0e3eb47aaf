//! `cargo xtask bench core`, memory part: RSS growth over 1,000,000 authenticate calls (1,000
//! distinct sessions, so both the cold and the cached path run), written to
//! target/bench/memory.json.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant, SystemTime};

use serde_json::json;
use sessiongate::{Config, JwksSource, SealFormat, SessionData, SessionGate};
use sessiongate_vectors::{generate_rsa, public_jwk, sign_rs256};

const CALLS: usize = 1_000_000;
const SESSIONS: usize = 1_000;

fn rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|kb| kb.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let out = std::env::args().nth(1).unwrap_or_else(|| "target/bench/memory.json".into());
    let key = generate_rsa();
    let jwks = json!({"keys": [public_jwk(&key, "k")]}).to_string();
    let gate = SessionGate::new(Config::new("c", vec!["bWVtb3J5LWJlbmNoLWNvb2tpZS1wYXNzd29yZC0zMiE=".into()], JwksSource::Static(jwks))).unwrap();
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let cookies: Vec<String> = (0..SESSIONS)
        .map(|i| {
            let claims = json!({"sub": format!("user_{i}"), "sid": format!("session_{i}"), "exp": 4_102_444_800_u64, "amr": ["pwd", "mfa"], "permissions": ["a:read", "b:write"]});
            let token = sign_rs256(&key, &json!({"alg": "RS256", "kid": "k"}), &claims);
            let data = SessionData { access_token: token, refresh_token: "r".into(), user: json!({"id": format!("user_{i}"), "email": "a@example.com"}), ..Default::default() };
            gate.seal_session(&data, if i % 2 == 0 { SealFormat::Iron } else { SealFormat::Fernet }).unwrap()
        })
        .collect();
    // Warm up allocator pools and the verified-token cache, then measure.
    for cookie in &cookies {
        assert!(gate.authenticate_at(cookie, now).unwrap().is_authenticated());
    }
    let before = rss_kb();
    let started = Instant::now();
    for i in 0..CALLS {
        assert!(gate.authenticate_at(&cookies[i % SESSIONS], now).unwrap().is_authenticated());
    }
    let elapsed = started.elapsed();
    let after = rss_kb();
    let result = json!({
        "calls": CALLS,
        "distinct_sessions": SESSIONS,
        "rss_before_kb": before,
        "rss_after_kb": after,
        "rss_growth_kb": after.saturating_sub(before),
        "us_per_call": (elapsed.as_secs_f64() * 1e6 / CALLS as f64 * 100.0).round() / 100.0,
    });
    println!("{result}");
    std::fs::create_dir_all(std::path::Path::new(&out).parent().unwrap()).unwrap();
    std::fs::write(&out, serde_json::to_string_pretty(&result).unwrap()).unwrap();
}
