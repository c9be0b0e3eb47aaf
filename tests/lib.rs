//! The shared vectors: their schema, a runner that puts one case through the core, and the
//! small signing helpers the vector and demo generators use.
//!
//! `vectors/cases.json` is the one file every language's suite reads (see vectors/README.md).

#![allow(clippy::unwrap_used, clippy::panic, missing_debug_implementations)]

pub mod cases_gen;
#[path = "double/mod.rs"]
pub mod double;
#[path = "redis_server.rs"]
pub mod redis_server;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{KeyPair, RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sessiongate::{Authentication, Config, JwksSource, SessionGate};

/// The `tests/vectors` folder.
pub fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors")
}

/// Reads a JSON file (leniently: the node peer file holds a lone surrogate on purpose).
pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    sessiongate::parse_json_lenient(&text).unwrap_or_else(|| panic!("{}: not JSON", path.display()))
}

/// `vectors/cases.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cases {
    pub about: String,
    /// The session keys every binding compares (the core's `SessionView` fields without
    /// `claims`), in order; each language reads them in its own naming.
    #[serde(default)]
    pub session_keys: Vec<String>,
    pub jwks: Map<String, Value>,
    pub cases: Vec<Case>,
}

/// One case: a gate configuration, a cookie, a time, and what must come out.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Case {
    pub id: String,
    pub description: String,
    pub config: CaseConfig,
    /// Unix seconds.
    pub now: f64,
    pub cookie: String,
    pub expected: Expected,
    /// The peer's own expectation, verbatim (null for our own cases).
    pub peer: Value,
    /// Where we deliberately differ from the peer: the contract rule, in words.
    pub contract: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseConfig {
    pub client_id: String,
    pub cookie_passwords: Vec<String>,
    /// A key of `Cases::jwks`.
    pub jwks: String,
    pub issuers: Vec<String>,
    pub audiences: Vec<String>,
    pub leeway: u64,
    pub require_exp: bool,
    pub max_cookie_bytes: usize,
    /// Seal format names the gate reads; absent: the default set (every one but dotnet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formats: Option<Vec<String>>,
    /// Let short secrets be derived into keys (go, php-halite, dotnet, ruby); absent: false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_weak_secrets: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Expected {
    Authenticated { session: Map<String, Value> },
    Failed { reason: String, detail: String },
    ConfigurationError,
}

/// The session keys the cases compare: every field of the core's `SessionView` but `claims`.
pub fn session_keys() -> Vec<String> {
    sessiongate::SessionView::FIELDS.iter().filter(|k| **k != "claims").map(|k| (*k).to_owned()).collect()
}

impl Cases {
    pub fn load() -> Cases {
        serde_json::from_value(read_json(&vectors_dir().join("cases.json"))).unwrap()
    }

    /// Builds the gate a case asks for.
    pub fn gate(&self, config: &CaseConfig) -> Result<SessionGate, sessiongate::Error> {
        let jwks = self.jwks.get(&config.jwks).unwrap_or_else(|| panic!("no jwks named {}", config.jwks));
        let mut c = Config::new(
            config.client_id.clone(),
            config.cookie_passwords.clone(),
            JwksSource::Static(jwks.to_string()),
        );
        c.issuers = config.issuers.clone();
        c.audiences = config.audiences.clone();
        c.leeway = Duration::from_secs(config.leeway);
        c.require_exp = config.require_exp;
        c.max_cookie_bytes = config.max_cookie_bytes;
        if let Some(names) = &config.formats {
            c.formats = names.iter().map(|n| n.parse()).collect::<Result<_, _>>()?;
        }
        c.allow_weak_secrets = config.allow_weak_secrets;
        SessionGate::new(c)
    }
}

/// Unix seconds to a `SystemTime`.
pub fn at(seconds: f64) -> SystemTime {
    sessiongate::from_unix_seconds("now", seconds).unwrap()
}

/// A session as the JSON object the cases compare: the core's view, without `claims`.
pub fn session_json(session: &sessiongate::Session) -> Map<String, Value> {
    let mut view = session.view();
    view.claims = None;
    view.to_json()
}

/// What a case produced, in the shape of [`Expected`].
pub fn observe(cases: &Cases, case: &Case) -> Expected {
    let gate = match cases.gate(&case.config) {
        Ok(gate) => gate,
        Err(e) if e.code() == "configuration_error" => return Expected::ConfigurationError,
        Err(e) => panic!("{}: unexpected error {e}", case.id),
    };
    let once = |gate: &SessionGate| match gate.authenticate_at(&case.cookie, at(case.now)) {
        Ok(Authentication::Authenticated(session)) => Expected::Authenticated { session: session_json(&session) },
        Ok(Authentication::Failed(f)) => {
            Expected::Failed { reason: f.reason.as_str().into(), detail: f.detail.code().into() }
        }
        Err(e) => panic!("{}: authenticate returned Err({e}) for a static key set", case.id),
    };
    let first = once(&gate);
    // The second call may be answered from the verified-token cache: it must agree.
    assert_eq!(once(&gate), first, "{}: a repeated call (verified-token cache) disagrees", case.id);
    first
}

/// Base64url without padding.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Signs a JWT with RS256.
pub fn sign_rs256(key: &RsaKeyPair, header: &Value, claims: &Value) -> String {
    let input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
    let mut signature = vec![0; key.public_modulus_len()];
    key.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), input.as_bytes(), &mut signature).unwrap();
    format!("{input}.{}", b64(&signature))
}

/// A fresh RSA-2048 key pair.
pub fn generate_rsa() -> RsaKeyPair {
    RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap()
}

/// The public JWK of a key pair.
pub fn public_jwk(key: &RsaKeyPair, kid: &str) -> Value {
    let public = key.public_key();
    json!({
        "kty": "RSA",
        "use": "sig",
        "alg": "RS256",
        "kid": kid,
        "n": b64(public.modulus().big_endian_without_leading_zero()),
        "e": b64(public.exponent().big_endian_without_leading_zero()),
    })
}

/// Seconds since the epoch, now.
pub fn unix_now() -> u64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}
