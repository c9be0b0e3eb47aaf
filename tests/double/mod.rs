//! A double of the WorkOS API for every language's tests: refresh-token exchange with rotation
//! and a replay grace window, organization switching, the JWKS, the MFA endpoints, the logout
//! redirect, call counts, an injectable clock, and faults on request.
//!
//! It signs access tokens with the vectors' test key (the workos-python peer file's
//! `test_keys.signing`, kid `sso_oidc_key_pair_01PEERTEST`) and publishes that key at
//! `/sso/jwks/{client_id}`; the "unknown key" fault signs with `test_keys.foreign`, which it
//! never publishes. The same control as the Rust API is served over HTTP under `/_double/`
//! (see `tests/double/README.md`), so Python, Node and Swift suites can drive a double started
//! with the `workos-double` binary.
//!
//! A test double, not a server: no TLS, everything in memory, state behind one mutex.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, SystemTime};

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::signature::RsaKeyPair;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::sign_rs256;

mod http;

/// The vectors' client id (the workos-python peer file's).
pub const CLIENT_ID: &str = "client_01PEERTEST000000000000000";
/// The API key the double accepts by default.
pub const API_KEY: &str = "sk_test_sessiongate_double";
/// The code every MFA challenge of the double accepts by default.
pub const MFA_CODE: &str = "123456";

const PEER_FILE: &str = include_str!("../vectors/peers/workos-python-10.8.0.json");

/// How the double is set up.
#[derive(Debug, Clone)]
pub struct Options {
    /// The client id it accepts and whose JWKS it serves.
    pub client_id: String,
    /// The API key it accepts (as `client_secret` or `Authorization: Bearer`).
    pub api_key: String,
    /// How long a used refresh token may be replayed for the same pair (default 2 s).
    pub grace: Duration,
    /// Lifetime of the access tokens it mints (default 300 s, as WorkOS's).
    pub access_token_ttl: Duration,
    /// How long an MFA challenge stays valid (default 10 min).
    pub challenge_ttl: Duration,
    /// The code MFA challenges accept (default [`MFA_CODE`]).
    pub mfa_code: String,
    /// The `iss` of minted tokens (default `https://api.workos.com/user_management/{client_id}`).
    pub issuer: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            client_id: CLIENT_ID.into(),
            api_key: API_KEY.into(),
            grace: Duration::from_secs(2),
            access_token_ttl: Duration::from_secs(300),
            challenge_ttl: Duration::from_secs(600),
            mfa_code: MFA_CODE.into(),
            issuer: None,
        }
    }
}

/// The endpoints the double counts, and the keys of [`Double::stats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// `POST /user_management/authenticate`.
    Authenticate,
    /// `GET /sso/jwks/{client_id}`.
    Jwks,
    /// `GET /user_management/users/{user_id}/auth_factors`.
    ListFactors,
    /// `GET /auth/factors/{id}`.
    GetFactor,
    /// `POST /auth/factors/{id}/challenge`.
    Challenge,
    /// `POST /auth/challenges/{id}/verify`.
    Verify,
    /// `GET /user_management/sessions/logout`.
    Logout,
}

impl Endpoint {
    /// Every endpoint.
    pub const ALL: [Endpoint; 7] = [
        Endpoint::Authenticate,
        Endpoint::Jwks,
        Endpoint::ListFactors,
        Endpoint::GetFactor,
        Endpoint::Challenge,
        Endpoint::Verify,
        Endpoint::Logout,
    ];

    /// The snake_case name (`authenticate`…), as in the HTTP control.
    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::Authenticate => "authenticate",
            Endpoint::Jwks => "jwks",
            Endpoint::ListFactors => "list_factors",
            Endpoint::GetFactor => "get_factor",
            Endpoint::Challenge => "challenge",
            Endpoint::Verify => "verify",
            Endpoint::Logout => "logout",
        }
    }
}

/// A fault the next call to an endpoint answers with instead of its normal answer. Faults are
/// queued per endpoint and used once each, in order. Except [`Fault::UnknownKey`], a faulted
/// call changes nothing (a refresh token stays unused).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// 429 with `Retry-After: {retry_after}` (seconds).
    RateLimited {
        /// Seconds.
        retry_after: u64,
    },
    /// An error status with a JSON `{"message"}` body (500, 502, 503, 401...).
    Status {
        /// The HTTP status.
        status: u16,
    },
    /// Waits this long, then answers 504: past any sensible client timeout.
    Stall {
        /// Milliseconds.
        ms: u64,
    },
    /// 200 with a truncated JSON body.
    MalformedJson,
    /// 400 `{"error": "sso_required", ...}` as the API's OAuth-shaped error.
    SsoRequired,
    /// 403 `{"code": "mfa_enrollment", ...}`.
    MfaEnrollment,
    /// 403 `{"code": code, "message"}`: `mfa_challenge`, `email_verification_required`,
    /// `organization_selection_required`, `authentication_method_not_allowed`...
    Forbidden {
        /// The API's error code.
        code: String,
    },
    /// An OAuth-shaped error `{"error", "error_description"}` with any status and code.
    OauthError {
        /// The HTTP status.
        status: u16,
        /// The `error` code.
        error: String,
    },
    /// The exchange succeeds (the token rotates) but the new access token is signed by a key
    /// the JWKS does not publish.
    UnknownKey,
}

/// Call counts per endpoint (every call, faulted or not).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Calls per endpoint; endpoints never called are absent.
    pub calls: BTreeMap<Endpoint, u64>,
}

impl Stats {
    /// Calls to one endpoint.
    pub fn get(&self, endpoint: Endpoint) -> u64 {
        self.calls.get(&endpoint).copied().unwrap_or(0)
    }

    /// As the HTTP control shows it: `{"authenticate": 1, ...}` with every endpoint.
    pub fn to_json(&self) -> Value {
        Value::Object(Endpoint::ALL.iter().map(|e| (e.as_str().to_owned(), json!(self.get(*e)))).collect())
    }
}

/// One request the double received at `POST /user_management/authenticate`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recorded {
    /// The JSON body as sent (null when it was not JSON).
    pub body: Value,
    /// The `Authorization` header.
    pub authorization: Option<String>,
}

/// What a new session is made of. [`Double::create_session`] covers the common case.
#[derive(Debug, Clone, Default)]
pub struct NewSession {
    /// The user object (must have `id`), or `{"id"}` alone: the double fills `object` and
    /// `email`.
    pub user: Value,
    /// The organization (registered, with the user as a member, if new).
    pub organization_id: Option<String>,
    /// `amr` in the tokens (absent when empty, as WorkOS's today).
    pub amr: Vec<String>,
    /// `auth_time` (default: the double's now).
    pub auth_time: Option<u64>,
    /// `role` (default `member` when in an organization).
    pub role: Option<String>,
    /// `permissions` (default none).
    pub permissions: Vec<String>,
    /// The impersonator object, if any.
    pub impersonator: Option<Value>,
    /// `authentication_method` (default `Password`).
    pub authentication_method: Option<String>,
}

/// The tokens of a new session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// The access token (RS256, the vectors' key).
    pub access_token: String,
    /// The refresh token.
    pub refresh_token: String,
    /// `sid`.
    pub session_id: String,
    /// The user object, as the API returns it.
    pub user: Value,
}

#[derive(Debug, Clone)]
struct SessionRecord {
    user: Value,
    organization_id: Option<String>,
    amr: Vec<String>,
    auth_time: u64,
    role: Option<String>,
    permissions: Vec<String>,
    impersonator: Option<Value>,
    authentication_method: String,
    ended: bool,
}

#[derive(Debug, Clone)]
struct RefreshRecord {
    session_id: String,
    /// When it was exchanged, and the answer it got (replayed inside the grace window).
    used: Option<(u64, Value)>,
}

#[derive(Debug, Clone)]
struct Factor {
    id: String,
    kind: String,
    user_id: String,
    created_at: u64,
}

#[derive(Debug, Clone)]
struct ChallengeRecord {
    id: String,
    factor_id: String,
    created_at: u64,
    expires_at: u64,
    verified: bool,
}

#[derive(Debug, Default)]
struct State {
    /// Milliseconds since the epoch, when frozen by `set_clock`.
    clock_ms: Option<u64>,
    sessions: HashMap<String, SessionRecord>,
    refresh_tokens: HashMap<String, RefreshRecord>,
    /// Organization id -> (user id -> role).
    organizations: HashMap<String, HashMap<String, String>>,
    factors: Vec<Factor>,
    challenges: HashMap<String, ChallengeRecord>,
    faults: HashMap<Endpoint, VecDeque<Fault>>,
    stats: Stats,
    recorded: Vec<Recorded>,
}

struct Keys {
    signing: RsaKeyPair,
    signing_kid: String,
    foreign: RsaKeyPair,
    foreign_kid: String,
    jwks: Value,
}

struct Shared {
    options: Options,
    keys: Keys,
    state: Mutex<State>,
    url: String,
}

/// A running double on 127.0.0.1. Stops when dropped (its server's `Drop`).
pub struct Double {
    shared: Arc<Shared>,
    _server: http::Server,
}

impl std::fmt::Debug for Double {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Double").field("url", &self.shared.url).finish_non_exhaustive()
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

fn key_from_peer_file(peer: &Value, which: &str) -> (RsaKeyPair, String, Value) {
    let entry = &peer["test_keys"][which];
    let pem = entry["private_pem"].as_str().expect("the peer file has the test key");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(body).expect("PEM base64");
    let key = RsaKeyPair::from_pkcs8(&der).expect("a PKCS#8 RSA key");
    (key, entry["kid"].as_str().expect("kid").to_owned(), entry["public_jwk"].clone())
}

fn random_id(prefix: &str) -> String {
    let mut bytes = [0u8; 13];
    SystemRandom::new().fill(&mut bytes).expect("randomness");
    // Crockford-like upper-case alphabet, as WorkOS's ULID-looking ids.
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let id: String = bytes.iter().flat_map(|b| [ALPHABET[(b >> 3) as usize], ALPHABET[(b & 31) as usize]]).map(char::from).collect();
    format!("{prefix}_01{id}")
}

/// `YYYY-MM-DDTHH:MM:SS.000Z` for Unix seconds (the API's timestamps).
pub fn iso8601(unix: u64) -> String {
    let days = (unix / 86_400) as i64;
    let secs = unix % 86_400;
    // Days to civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.000Z", secs / 3600, secs / 60 % 60, secs % 60)
}

impl Double {
    /// Starts a double on 127.0.0.1 (a free port).
    pub fn start(options: Options) -> Double {
        let peer: Value = serde_json::from_str(PEER_FILE).expect("peer file JSON");
        let (signing, signing_kid, public) = key_from_peer_file(&peer, "signing");
        let (foreign, foreign_kid, _) = key_from_peer_file(&peer, "foreign");
        let keys = Keys { signing, signing_kid, foreign, foreign_kid, jwks: json!({"keys": [public]}) };
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("a local address").port();
        let url = format!("http://127.0.0.1:{port}");
        let shared = Arc::new(Shared { options, keys, state: Mutex::new(State::default()), url });
        let handler = Arc::clone(&shared);
        let server = http::Server::start(listener, move |request| handler.serve(request));
        Double { shared, _server: server }
    }

    /// The base URL, `http://127.0.0.1:PORT` (the API base to configure).
    pub fn url(&self) -> &str {
        &self.shared.url
    }

    /// The JWKS URL for the configured client id.
    pub fn jwks_url(&self) -> String {
        format!("{}/sso/jwks/{}", self.shared.url, self.shared.options.client_id)
    }

    /// The published key set (JSON).
    pub fn jwks(&self) -> Value {
        self.shared.keys.jwks.clone()
    }

    /// The options it runs with.
    pub fn options(&self) -> &Options {
        &self.shared.options
    }

    /// A new session for `user` (a user object or `{"id"}`), as after a sign-in.
    pub fn create_session(&self, user: Value, org: Option<&str>, amr: &[&str], auth_time: u64) -> (String, String) {
        let issued = self.create_session_with(NewSession {
            user,
            organization_id: org.map(str::to_owned),
            amr: amr.iter().map(|s| (*s).to_owned()).collect(),
            auth_time: Some(auth_time),
            ..NewSession::default()
        });
        (issued.access_token, issued.refresh_token)
    }

    /// A new session with every field chosen.
    pub fn create_session_with(&self, new: NewSession) -> Issued {
        self.shared.create_session(new)
    }

    /// Registers an organization (no members).
    pub fn add_organization(&self, organization_id: &str) {
        lock(&self.shared.state).organizations.entry(organization_id.to_owned()).or_default();
    }

    /// Makes a user a member of an organization (registered if new) with a role.
    pub fn add_membership(&self, user_id: &str, organization_id: &str, role: &str) {
        let mut state = lock(&self.shared.state);
        state.organizations.entry(organization_id.to_owned()).or_default().insert(user_id.to_owned(), role.to_owned());
    }

    /// Enrolls an MFA factor (`totp` or `sms`) for a user; returns its id.
    pub fn add_factor(&self, user_id: &str, kind: &str) -> String {
        self.shared.add_factor(user_id, kind)
    }

    /// Queues faults for the next calls to an endpoint.
    pub fn push_faults(&self, endpoint: Endpoint, faults: impl IntoIterator<Item = Fault>) {
        lock(&self.shared.state).faults.entry(endpoint).or_default().extend(faults);
    }

    /// Call counts per endpoint.
    pub fn stats(&self) -> Stats {
        lock(&self.shared.state).stats.clone()
    }

    /// Every `POST /user_management/authenticate` received, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.shared.state).recorded.clone()
    }

    /// Forgets every session, token, organization, factor, fault, count and the clock.
    pub fn reset(&self) {
        *lock(&self.shared.state) = State::default();
    }

    /// Freezes the double's clock at `unix` seconds (token times, grace window, challenge
    /// expiry).
    pub fn set_clock(&self, unix: u64) {
        lock(&self.shared.state).clock_ms = Some(unix * 1000);
    }

    /// Freezes the clock at a time with milliseconds.
    pub fn set_clock_ms(&self, unix_ms: u64) {
        lock(&self.shared.state).clock_ms = Some(unix_ms);
    }

    /// Back to the real clock.
    pub fn clear_clock(&self) {
        lock(&self.shared.state).clock_ms = None;
    }

    /// The double's time, in Unix seconds.
    pub fn now(&self) -> u64 {
        lock(&self.shared.state).now_ms() / 1000
    }
}

impl State {
    fn now_ms(&self) -> u64 {
        self.clock_ms.unwrap_or_else(|| {
            SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
        })
    }
}

/// An answer: status, extra headers, JSON (or raw) body.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn json(status: u16, body: &Value) -> Reply {
        Reply { status, headers: vec![("Content-Type".into(), "application/json".into())], body: body.to_string().into_bytes() }
    }

    fn message(status: u16, message: &str) -> Reply {
        Reply::json(status, &json!({"message": message}))
    }

    fn oauth(status: u16, error: &str, description: &str) -> Reply {
        Reply::json(status, &json!({"error": error, "error_description": description}))
    }

    fn not_found(what: &str) -> Reply {
        Reply::json(404, &json!({"code": "entity_not_found", "message": format!("{what} not found.")}))
    }
}

struct Incoming {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    authorization: Option<String>,
    body: Vec<u8>,
}

impl Incoming {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    fn query(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn bearer_ok(&self, api_key: &str) -> bool {
        self.authorization.as_deref() == Some(&format!("Bearer {api_key}"))
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'+', _) => out.push(b' '),
            (b'%', Some(b)) => {
                out.push(b);
                i += 2;
            }
            (b, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Shared {
    fn serve(&self, request: http::Request) -> http::Response {
        let (path, query) = match request.target.split_once('?') {
            Some((p, q)) => (p.to_owned(), q),
            None => (request.target.clone(), ""),
        };
        let query = query
            .split('&')
            .filter(|kv| !kv.is_empty())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (percent_decode(k), percent_decode(v))
            })
            .collect();
        let authorization = request.header("Authorization").map(str::to_owned);
        let method = request.method.to_uppercase();
        let incoming = Incoming { method, path, query, authorization, body: request.body };
        let reply = self.route(&incoming);
        http::Response { status: reply.status, headers: reply.headers, body: reply.body }
    }

    fn route(&self, req: &Incoming) -> Reply {
        let segments: Vec<&str> = req.path.trim_matches('/').split('/').collect();
        if segments.first() == Some(&"_double") {
            return self.control(req, &segments[1..]);
        }
        let endpoint = match (req.method.as_str(), segments.as_slice()) {
            ("POST", ["user_management", "authenticate"]) => Endpoint::Authenticate,
            ("GET", ["sso", "jwks", _]) => Endpoint::Jwks,
            ("GET", ["user_management", "users", _, "auth_factors"]) => Endpoint::ListFactors,
            ("GET", ["auth", "factors", _]) => Endpoint::GetFactor,
            ("POST", ["auth", "factors", _, "challenge"]) => Endpoint::Challenge,
            ("POST", ["auth", "challenges", _, "verify"]) => Endpoint::Verify,
            ("GET", ["user_management", "sessions", "logout"]) => Endpoint::Logout,
            _ => return Reply::message(404, "Not Found"),
        };
        let fault = {
            let mut state = lock(&self.state);
            *state.stats.calls.entry(endpoint).or_default() += 1;
            if endpoint == Endpoint::Authenticate {
                state.recorded.push(Recorded { body: req.json(), authorization: req.authorization.clone() });
            }
            state.faults.get_mut(&endpoint).and_then(VecDeque::pop_front)
        };
        let mut foreign_key = false;
        match fault {
            None => {}
            Some(Fault::UnknownKey) => foreign_key = true,
            Some(fault) => return self.fault_reply(fault),
        }
        match endpoint {
            Endpoint::Authenticate => self.authenticate(req, foreign_key),
            Endpoint::Jwks => {
                if segments[2] == self.options.client_id {
                    Reply::json(200, &self.keys.jwks)
                } else {
                    Reply::not_found("Client")
                }
            }
            Endpoint::ListFactors => self.with_api_key(req, |s| s.list_factors(segments[2])),
            Endpoint::GetFactor => self.with_api_key(req, |s| s.get_factor(segments[2])),
            Endpoint::Challenge => self.with_api_key(req, |s| s.challenge(segments[2])),
            Endpoint::Verify => self.with_api_key(req, |s| s.verify(segments[2], req)),
            Endpoint::Logout => self.logout(req),
        }
    }

    fn fault_reply(&self, fault: Fault) -> Reply {
        match fault {
            Fault::RateLimited { retry_after } => {
                let mut reply = Reply::message(429, "Too many requests");
                reply.headers.push(("Retry-After".into(), retry_after.to_string()));
                reply
            }
            Fault::Status { status } => Reply::message(status, "The double was told to fail"),
            Fault::Stall { ms } => {
                thread::sleep(Duration::from_millis(ms));
                Reply::message(504, "Gateway Timeout")
            }
            Fault::MalformedJson => Reply {
                status: 200,
                headers: vec![("Content-Type".into(), "application/json".into())],
                body: br#"{"user": {"object": "user", "id": "#.to_vec(),
            },
            Fault::SsoRequired => Reply::json(
                400,
                &json!({
                    "error": "sso_required",
                    "error_description": "User must authenticate using one of the matching connections.",
                    "connection_ids": ["conn_01DOUBLE"],
                    "email": "user@example.com",
                    "pending_authentication_token": random_id("pending"),
                }),
            ),
            Fault::MfaEnrollment => Reply::json(
                403,
                &json!({
                    "code": "mfa_enrollment",
                    "message": "The user must enroll in MFA to finish authenticating.",
                    "pending_authentication_token": random_id("pending"),
                }),
            ),
            Fault::Forbidden { code } => {
                Reply::json(403, &json!({"code": code, "message": "The double was told to refuse", "pending_authentication_token": random_id("pending")}))
            }
            Fault::OauthError { status, error } => Reply::oauth(status, &error, "The double was told to refuse"),
            Fault::UnknownKey => Reply::message(500, "unreachable"),
        }
    }

    fn with_api_key(&self, req: &Incoming, answer: impl FnOnce(&Shared) -> Reply) -> Reply {
        if !req.bearer_ok(&self.options.api_key) {
            return Reply::message(401, "Unauthorized");
        }
        answer(self)
    }

    fn issuer(&self) -> String {
        self.options.issuer.clone().unwrap_or_else(|| format!("https://api.workos.com/user_management/{}", self.options.client_id))
    }

    fn mint(&self, session_id: &str, session: &SessionRecord, now: u64, foreign_key: bool) -> String {
        let mut claims = serde_json::Map::new();
        claims.insert("iss".into(), json!(self.issuer()));
        claims.insert("sub".into(), session.user["id"].clone());
        claims.insert("sid".into(), json!(session_id));
        claims.insert("jti".into(), json!(random_id("jti")));
        if let Some(org) = &session.organization_id {
            claims.insert("org_id".into(), json!(org));
            let role = session.role.clone().unwrap_or_else(|| "member".into());
            claims.insert("role".into(), json!(role));
            claims.insert("roles".into(), json!([role]));
            claims.insert("permissions".into(), json!(session.permissions));
        }
        if !session.amr.is_empty() {
            claims.insert("amr".into(), json!(session.amr));
        }
        claims.insert("auth_time".into(), json!(session.auth_time));
        claims.insert("iat".into(), json!(now));
        claims.insert("exp".into(), json!(now + self.options.access_token_ttl.as_secs()));
        let (key, kid) =
            if foreign_key { (&self.keys.foreign, &self.keys.foreign_kid) } else { (&self.keys.signing, &self.keys.signing_kid) };
        sign_rs256(key, &json!({"alg": "RS256", "kid": kid, "typ": "JWT"}), &Value::Object(claims))
    }

    fn create_session(&self, new: NewSession) -> Issued {
        let mut user = match new.user {
            Value::String(id) => json!({"id": id}),
            user => user,
        };
        let user_id = user["id"].as_str().expect("a user with an id").to_owned();
        if let Value::Object(map) = &mut user {
            map.entry("object").or_insert(json!("user"));
            map.entry("email").or_insert(json!(format!("{}@example.com", user_id.to_lowercase())));
        }
        let mut state = lock(&self.state);
        let now = state.now_ms() / 1000;
        if let Some(org) = &new.organization_id {
            let role = new.role.clone().unwrap_or_else(|| "member".into());
            state.organizations.entry(org.clone()).or_default().entry(user_id.clone()).or_insert(role);
        }
        let record = SessionRecord {
            user: user.clone(),
            organization_id: new.organization_id,
            amr: new.amr,
            auth_time: new.auth_time.unwrap_or(now),
            role: new.role,
            permissions: new.permissions,
            impersonator: new.impersonator,
            authentication_method: new.authentication_method.unwrap_or_else(|| "Password".into()),
            ended: false,
        };
        let session_id = random_id("session");
        let access_token = self.mint(&session_id, &record, now, false);
        let refresh_token = random_id("refresh");
        state.refresh_tokens.insert(refresh_token.clone(), RefreshRecord { session_id: session_id.clone(), used: None });
        state.sessions.insert(session_id.clone(), record);
        Issued { access_token, refresh_token, session_id, user }
    }

    fn authenticate(&self, req: &Incoming, foreign_key: bool) -> Reply {
        let body = req.json();
        let text = |name: &str| body.get(name).and_then(Value::as_str).filter(|s| !s.is_empty());
        if text("client_id") != Some(self.options.client_id.as_str()) {
            return Reply::oauth(400, "invalid_client", "Invalid client ID.");
        }
        // The API key may come as client_secret, as a Bearer header, or both; any one given
        // must be right, and at least one must be given.
        let secret_ok = text("client_secret").map(|s| s == self.options.api_key);
        let bearer_ok = req.authorization.as_ref().map(|_| req.bearer_ok(&self.options.api_key));
        match (secret_ok, bearer_ok) {
            (Some(false), _) | (_, Some(false)) | (None, None) => return Reply::message(401, "Unauthorized"),
            _ => {}
        }
        if text("grant_type") != Some("refresh_token") {
            return Reply::oauth(400, "unsupported_grant_type", "The double only serves grant_type=refresh_token.");
        }
        let Some(token) = text("refresh_token") else {
            return Reply::oauth(400, "invalid_request", "refresh_token is required.");
        };
        let mut state = lock(&self.state);
        let now_ms = state.now_ms();
        let Some(record) = state.refresh_tokens.get(token).cloned() else {
            return Reply::oauth(400, "invalid_grant", "Invalid refresh token.");
        };
        let Some(session) = state.sessions.get(&record.session_id).cloned() else {
            return Reply::oauth(400, "invalid_grant", "Invalid refresh token.");
        };
        if session.ended {
            return Reply::oauth(400, "invalid_grant", "Session has ended.");
        }
        if let Some((used_at, answer)) = &record.used {
            if now_ms < used_at + self.options.grace.as_millis() as u64 {
                return Reply::json(200, answer);
            }
            return Reply::oauth(400, "invalid_grant", "Refresh token already exchanged.");
        }
        let mut session = session;
        if let Some(org) = text("organization_id")
            && session.organization_id.as_deref() != Some(org)
        {
            let user_id = session.user["id"].as_str().unwrap_or_default();
            let Some(members) = state.organizations.get(org) else {
                return Reply::oauth(400, "organization_not_found", &format!("Organization not found: '{org}'."));
            };
            let Some(role) = members.get(user_id) else {
                return Reply::oauth(
                    400,
                    "organization_membership_not_found",
                    &format!("The user is not a member of the organization '{org}'."),
                );
            };
            session.organization_id = Some(org.to_owned());
            session.role = Some(role.clone());
        }
        let now = now_ms / 1000;
        let access_token = self.mint(&record.session_id, &session, now, foreign_key);
        let new_refresh = random_id("refresh");
        let mut answer = json!({
            "user": session.user,
            "organization_id": session.organization_id,
            "access_token": access_token,
            "refresh_token": new_refresh,
            "authentication_method": session.authentication_method,
        });
        if let Some(impersonator) = &session.impersonator {
            answer["impersonator"] = impersonator.clone();
        }
        state.refresh_tokens.insert(new_refresh, RefreshRecord { session_id: record.session_id.clone(), used: None });
        if let Some(r) = state.refresh_tokens.get_mut(token) {
            r.used = Some((now_ms, answer.clone()));
        }
        state.sessions.insert(record.session_id, session);
        Reply::json(200, &answer)
    }

    fn add_factor(&self, user_id: &str, kind: &str) -> String {
        let mut state = lock(&self.state);
        let id = random_id("auth_factor");
        let created_at = state.now_ms() / 1000;
        state.factors.push(Factor { id: id.clone(), kind: kind.to_owned(), user_id: user_id.to_owned(), created_at });
        id
    }

    fn factor_json(factor: &Factor) -> Value {
        let mut value = json!({
            "object": "authentication_factor",
            "id": factor.id,
            "created_at": iso8601(factor.created_at),
            "updated_at": iso8601(factor.created_at),
            "type": factor.kind,
            "user_id": factor.user_id,
        });
        match factor.kind.as_str() {
            "totp" => value["totp"] = json!({"issuer": "sessiongate double", "user": factor.user_id}),
            "sms" => value["sms"] = json!({"phone_number": "+15555550100"}),
            _ => {}
        }
        value
    }

    fn list_factors(&self, user_id: &str) -> Reply {
        let state = lock(&self.state);
        let data: Vec<Value> = state.factors.iter().filter(|f| f.user_id == user_id).map(Shared::factor_json).collect();
        Reply::json(200, &json!({"object": "list", "data": data, "list_metadata": {"before": null, "after": null}}))
    }

    fn get_factor(&self, factor_id: &str) -> Reply {
        let state = lock(&self.state);
        match state.factors.iter().find(|f| f.id == factor_id) {
            Some(factor) => Reply::json(200, &Shared::factor_json(factor)),
            None => Reply::not_found("Authentication Factor"),
        }
    }

    fn challenge_json(challenge: &ChallengeRecord) -> Value {
        json!({
            "object": "authentication_challenge",
            "id": challenge.id,
            "created_at": iso8601(challenge.created_at),
            "updated_at": iso8601(challenge.created_at),
            "expires_at": iso8601(challenge.expires_at),
            "authentication_factor_id": challenge.factor_id,
        })
    }

    fn challenge(&self, factor_id: &str) -> Reply {
        let mut state = lock(&self.state);
        if !state.factors.iter().any(|f| f.id == factor_id) {
            return Reply::not_found("Authentication Factor");
        }
        let now = state.now_ms() / 1000;
        let challenge = ChallengeRecord {
            id: random_id("auth_challenge"),
            factor_id: factor_id.to_owned(),
            created_at: now,
            expires_at: now + self.options.challenge_ttl.as_secs(),
            verified: false,
        };
        let reply = Reply::json(201, &Shared::challenge_json(&challenge));
        state.challenges.insert(challenge.id.clone(), challenge);
        reply
    }

    fn verify(&self, challenge_id: &str, req: &Incoming) -> Reply {
        let code = req.json().get("code").and_then(Value::as_str).map(str::to_owned);
        let mut state = lock(&self.state);
        let now = state.now_ms() / 1000;
        let Some(challenge) = state.challenges.get_mut(challenge_id) else {
            return Reply::not_found("Authentication Challenge");
        };
        let Some(code) = code else {
            return Reply::json(422, &json!({"code": "invalid_request", "message": "code is required"}));
        };
        if challenge.verified {
            return Reply::json(
                422,
                &json!({"code": "authentication_challenge_previously_verified", "message": "The authentication challenge has already been verified."}),
            );
        }
        if now >= challenge.expires_at {
            return Reply::json(
                422,
                &json!({"code": "authentication_challenge_expired", "message": "The authentication challenge has expired."}),
            );
        }
        let valid = code == self.options.mfa_code;
        if valid {
            challenge.verified = true;
        }
        Reply::json(200, &json!({"challenge": Shared::challenge_json(challenge), "valid": valid}))
    }

    fn logout(&self, req: &Incoming) -> Reply {
        let Some(session_id) = req.query("session_id") else {
            return Reply::json(422, &json!({"code": "invalid_request", "message": "session_id is required"}));
        };
        let mut state = lock(&self.state);
        match state.sessions.get_mut(session_id) {
            Some(session) => session.ended = true,
            None => return Reply::not_found("Session"),
        }
        let location = req.query("return_to").map_or_else(|| format!("{}/_double/logged_out", self.url), str::to_owned);
        Reply { status: 302, headers: vec![("Location".into(), location)], body: Vec::new() }
    }

    /// `/_double/...`: the same control as the Rust API, for other languages.
    fn control(&self, req: &Incoming, path: &[&str]) -> Reply {
        let body = req.json();
        let text = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);
        let strings = |name: &str| -> Vec<String> {
            body.get(name).and_then(Value::as_array).map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect()).unwrap_or_default()
        };
        match (req.method.as_str(), path) {
            ("GET", ["config"]) => Reply::json(
                200,
                &json!({
                    "url": self.url,
                    "client_id": self.options.client_id,
                    "api_key": self.options.api_key,
                    "jwks_url": format!("{}/sso/jwks/{}", self.url, self.options.client_id),
                    "jwks": self.keys.jwks,
                    "grace_ms": self.options.grace.as_millis() as u64,
                    "access_token_ttl": self.options.access_token_ttl.as_secs(),
                    "mfa_code": self.options.mfa_code,
                }),
            ),
            ("POST", ["sessions"]) => {
                let Some(user) = body.get("user").cloned().filter(|u| u.is_object() || u.is_string()) else {
                    return Reply::message(400, "user (an object with id, or an id) is required");
                };
                let issued = self.create_session(NewSession {
                    user,
                    organization_id: text("organization_id"),
                    amr: strings("amr"),
                    auth_time: body.get("auth_time").and_then(Value::as_u64),
                    role: text("role"),
                    permissions: strings("permissions"),
                    impersonator: body.get("impersonator").cloned().filter(Value::is_object),
                    authentication_method: text("authentication_method"),
                });
                Reply::json(
                    200,
                    &json!({
                        "access_token": issued.access_token,
                        "refresh_token": issued.refresh_token,
                        "session_id": issued.session_id,
                        "user": issued.user,
                    }),
                )
            }
            ("POST", ["organizations"]) => match text("id") {
                Some(id) => {
                    lock(&self.state).organizations.entry(id).or_default();
                    Reply::json(200, &json!({}))
                }
                None => Reply::message(400, "id is required"),
            },
            ("POST", ["memberships"]) => match (text("user_id"), text("organization_id")) {
                (Some(user), Some(org)) => {
                    let role = text("role").unwrap_or_else(|| "member".into());
                    lock(&self.state).organizations.entry(org).or_default().insert(user, role);
                    Reply::json(200, &json!({}))
                }
                _ => Reply::message(400, "user_id and organization_id are required"),
            },
            ("POST", ["factors"]) => match text("user_id") {
                Some(user) => {
                    let id = self.add_factor(&user, &text("type").unwrap_or_else(|| "totp".into()));
                    Reply::json(200, &json!({"id": id}))
                }
                None => Reply::message(400, "user_id is required"),
            },
            ("POST", ["faults"]) => {
                let endpoint = serde_json::from_value::<Endpoint>(body.get("endpoint").cloned().unwrap_or(json!("authenticate")));
                let faults = serde_json::from_value::<Vec<Fault>>(body.get("faults").cloned().unwrap_or(json!([])));
                match (endpoint, faults) {
                    (Ok(endpoint), Ok(faults)) => {
                        lock(&self.state).faults.entry(endpoint).or_default().extend(faults);
                        Reply::json(200, &json!({}))
                    }
                    (Err(e), _) | (_, Err(e)) => Reply::message(400, &format!("bad fault request: {e}")),
                }
            }
            ("GET", ["stats"]) => Reply::json(200, &lock(&self.state).stats.to_json()),
            ("GET", ["requests"]) => Reply::json(200, &json!(lock(&self.state).recorded)),
            ("POST", ["reset"]) => {
                *lock(&self.state) = State::default();
                Reply::json(200, &json!({}))
            }
            ("POST", ["clock"]) => {
                let mut state = lock(&self.state);
                state.clock_ms = body.get("now").and_then(Value::as_f64).map(|s| (s * 1000.0) as u64);
                Reply::json(200, &json!({"now": state.now_ms() as f64 / 1000.0}))
            }
            ("GET", ["clock"]) => Reply::json(200, &json!({"now": lock(&self.state).now_ms() as f64 / 1000.0})),
            ("GET", ["logged_out"]) => Reply::json(200, &json!({"logged_out": true})),
            _ => Reply::message(404, "unknown control path"),
        }
    }
}
