//! Refreshes shared by a fleet of processes through Redis (or Valkey): one rotation per refresh
//! token however many processes race for it.
//!
//! The first process to need a refresh takes a short lease (`SET … NX PX`), calls the API and
//! publishes the result for the grace window; the others wait for it and reuse it, so a late
//! request with the old cookie on any process gets the new cookie. Inside each process the
//! in-process single-flight still runs first: one Redis round per refresh per process.
//!
//! * Nothing secret is stored in the clear: key names are an HMAC of the refresh key (itself a
//!   hash of the refresh token and organization), and values are AES-256-GCM sealed with a key
//!   derived from the first cookie password, bound to their key name (a value copied to another
//!   name, or altered, is refused and a fresh refresh happens).
//! * Redis trouble never fails a request: every command is bounded (50 ms by default); an
//!   error makes this process refresh on its own (in-process single-flight) and rest Redis for
//!   a second; the status says so. A lease holder that dies only costs its lease time: the
//!   lease expires and a waiting process takes over.
//! * Redis is touched only when a refresh is due: authenticating never talks to it.

use std::fmt;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::Error;
use crate::seal::SealFormat;
use crate::util::flight::{Key, Role};
use crate::util::{redact, time};
use crate::workos::{ApiSession, InProcessStore, RefreshOutcome, RefreshStore, Refreshed};

/// The default bound on each Redis command (connect, read, write).
pub const DEFAULT_COORDINATOR_TIMEOUT: Duration = Duration::from_millis(50);
/// The longest command bound accepted.
pub const MAX_COORDINATOR_TIMEOUT: Duration = Duration::from_secs(5);
/// After a Redis error, this process refreshes on its own for this long before trying again.
const REST: Duration = Duration::from_secs(1);
/// How often a waiting process looks for the published result.
const POLL: Duration = Duration::from_millis(15);
/// Key names: a version, so a later layout never reads this one.
const PREFIX: &str = "sessiongate:refresh:v1:";
/// Releases the lease only if this process still holds it.
const RELEASE: &str = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";
const VALUE_VERSION: u8 = 1;

/// Where a gate's refreshes are coordinated, as `SessionGate::refresh_coordinator_status`
/// reports it. Never shows the Redis password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoordinatorStatus {
    /// `in_process` (the default) or `redis`.
    pub kind: &'static str,
    /// The Redis URL, redacted (`None` in process).
    pub url: Option<String>,
    /// Whether Redis is being used now (false while resting after an error).
    pub available: bool,
    /// Refreshes this process ran on its own because Redis failed, was resting, or a lease
    /// holder never published.
    pub fallbacks: u64,
    /// Refreshes whose result came from another process through Redis.
    pub shared: u64,
    /// Values found in Redis and refused (altered, or sealed for another name or secret).
    pub refused_values: u64,
    /// The last Redis error (redacted), if any.
    pub last_error: Option<String>,
}

impl CoordinatorStatus {
    /// The in-process coordinator's status.
    pub fn in_process() -> CoordinatorStatus {
        CoordinatorStatus {
            kind: "in_process",
            url: None,
            available: true,
            fallbacks: 0,
            shared: 0,
            refused_values: 0,
            last_error: None,
        }
    }

    /// As JSON, for every binding.
    pub fn to_json(&self) -> Value {
        json!({
            "kind": self.kind,
            "url": self.url,
            "available": self.available,
            "fallbacks": self.fallbacks,
            "shared": self.shared,
            "refused_values": self.refused_values,
            "last_error": self.last_error,
        })
    }
}

#[derive(Default)]
struct Health {
    resting_until: Option<Instant>,
    last_error: Option<String>,
    fallbacks: u64,
    shared: u64,
    refused_values: u64,
}

/// Checks a coordinator URL: `redis://` or `rediss://` (TLS), parsed by the Redis client.
pub fn check_url(url: &str) -> Result<(), Error> {
    if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
        return Err(Error::Configuration("refresh_coordinator must be a redis:// or rediss:// URL".into()));
    }
    redis::Client::open(url)
        .map(drop)
        .map_err(|_| Error::Configuration(format!("refresh_coordinator is not a valid Redis URL: {}", redact::url(url))))
}

/// A [`RefreshStore`] shared by every process using the same Redis and first cookie password.
pub struct RedisStore {
    client: redis::Client,
    shown_url: String,
    secret_url: Zeroizing<String>,
    timeout: Duration,
    lease: Duration,
    name_key: Zeroizing<[u8; 32]>,
    seal_key: Zeroizing<[u8; 32]>,
    local: InProcessStore,
    idle: Mutex<Vec<redis::Connection>>,
    health: Mutex<Health>,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("url", &self.shown_url)
            .field("timeout", &self.timeout)
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The two keys every process derives from the first cookie password.
fn derive(cookie_password: &str) -> (Zeroizing<[u8; 32]>, Zeroizing<[u8; 32]>) {
    let hkdf = Hkdf::<Sha256>::new(Some(b"sessiongate refresh coordinator v1"), cookie_password.as_bytes());
    let mut names = Zeroizing::new([0u8; 32]);
    let mut values = Zeroizing::new([0u8; 32]);
    // 32 bytes is far below HKDF-SHA256's 8160-byte limit: expand cannot fail.
    let _ = hkdf.expand(b"key names", names.as_mut());
    let _ = hkdf.expand(b"values", values.as_mut());
    (names, values)
}

/// The Redis key name of a refresh key: HMAC-SHA256 under the derived name key.
fn name_of(name_key: &[u8; 32], key: &Key) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(name_key).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(key);
    let digest = mac.finalize().into_bytes();
    let mut name = String::with_capacity(PREFIX.len() + 64);
    name.push_str(PREFIX);
    for byte in digest {
        name.push_str(&format!("{byte:02x}"));
    }
    name
}

/// The names a gate with `cookie_password` uses for the refresh of `key`: (result, lease).
/// For tests that play a dead lease holder or tamper with values.
pub fn key_names(cookie_password: &str, key: &Key) -> (String, String) {
    let name = name_of(&derive(cookie_password).0, key);
    let lease = format!("{name}:lease");
    (name, lease)
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX).max(1)
}

fn unix_seconds(at: SystemTime) -> Option<f64> {
    at.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs_f64())
}

impl RedisStore {
    /// A coordinator on `url` (checked by [`check_url`]), each command bounded by `timeout`,
    /// leases lasting `lease` (the refresh timeout: a holder's call never outlives it), keys
    /// derived from `cookie_password` (the gate's first).
    pub fn new(url: &str, timeout: Duration, lease: Duration, cookie_password: &str) -> Result<RedisStore, Error> {
        check_url(url)?;
        let client = redis::Client::open(url)
            .map_err(|_| Error::Configuration(format!("refresh_coordinator is not a valid Redis URL: {}", redact::url(url))))?;
        let (name_key, seal_key) = derive(cookie_password);
        Ok(RedisStore {
            client,
            shown_url: redact::url(url),
            secret_url: Zeroizing::new(url.to_owned()),
            timeout,
            lease,
            name_key,
            seal_key,
            local: InProcessStore::new(crate::workos::REMEMBERED_REFRESHES),
            idle: Mutex::new(Vec::new()),
            health: Mutex::new(Health::default()),
        })
    }

    fn connection(&self) -> redis::RedisResult<redis::Connection> {
        if let Some(connection) = lock(&self.idle).pop() {
            return Ok(connection);
        }
        let connection = self.client.get_connection_with_timeout(self.timeout)?;
        connection.set_read_timeout(Some(self.timeout))?;
        connection.set_write_timeout(Some(self.timeout))?;
        Ok(connection)
    }

    /// A connection that answered goes back for the next refresh (a few at most).
    fn keep(&self, connection: redis::Connection) {
        let mut idle = lock(&self.idle);
        if idle.len() < 8 {
            idle.push(connection);
        }
    }

    fn resting(&self) -> bool {
        lock(&self.health).resting_until.is_some_and(|until| Instant::now() < until)
    }

    fn note_error(&self, error: &redis::RedisError) {
        let message = redact::in_message(&error.to_string(), &self.secret_url);
        let mut health = lock(&self.health);
        health.resting_until = Some(Instant::now() + REST);
        health.last_error = Some(format!("{}: {message}", self.shown_url));
    }

    /// Redis failed before the API call: refresh in this process alone.
    fn alone(&self, error: Option<&redis::RedisError>, refresh: &mut dyn FnMut() -> RefreshOutcome) -> RefreshOutcome {
        if let Some(error) = error {
            self.note_error(error);
        }
        lock(&self.health).fallbacks += 1;
        refresh()
    }

    fn seal(&self, name: &str, refreshed: &Refreshed) -> Option<Vec<u8>> {
        let s = &refreshed.session;
        let plain = Zeroizing::new(
            json!({
                "format": refreshed.format.as_str(),
                "sealed_session": refreshed.sealed_session.as_str(),
                "expires_at": refreshed.expires_at.and_then(unix_seconds),
                "access_token": s.access_token,
                "refresh_token": s.refresh_token,
                "user": s.user,
                "organization_id": s.organization_id,
                "authentication_method": s.authentication_method,
                "impersonator": s.impersonator,
            })
            .to_string(),
        );
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).ok()?;
        let cipher = Aes256Gcm::new(self.seal_key.as_ref().into());
        let sealed = cipher.encrypt(Nonce::from_slice(&nonce), Payload { msg: plain.as_bytes(), aad: name.as_bytes() }).ok()?;
        let mut value = Vec::with_capacity(1 + nonce.len() + sealed.len());
        value.push(VALUE_VERSION);
        value.extend_from_slice(&nonce);
        value.extend_from_slice(&sealed);
        Some(value)
    }

    /// The published result in `value`, if it opens under `name` and has not expired at `now`.
    fn open(&self, name: &str, value: &[u8], now: SystemTime) -> Option<Refreshed> {
        let (&version, rest) = value.split_first()?;
        if version != VALUE_VERSION || rest.len() < 12 {
            return None;
        }
        let (nonce, sealed) = rest.split_at(12);
        let cipher = Aes256Gcm::new(self.seal_key.as_ref().into());
        let plain = Zeroizing::new(cipher.decrypt(Nonce::from_slice(nonce), Payload { msg: sealed, aad: name.as_bytes() }).ok()?);
        let v: Value = serde_json::from_slice(&plain).ok()?;
        let text = |field: &str| v.get(field).and_then(Value::as_str).map(str::to_owned);
        let expires_at = match v.get("expires_at").and_then(Value::as_f64) {
            Some(exp) => Some(time::from_unix_seconds("exp", exp).ok()?),
            None => None,
        };
        if expires_at.is_some_and(|exp| exp <= now) {
            return None;
        }
        Some(Refreshed {
            sealed_session: Zeroizing::new(text("sealed_session")?),
            format: SealFormat::from_name(v.get("format")?.as_str()?).ok()?,
            session: ApiSession {
                access_token: text("access_token")?,
                refresh_token: text("refresh_token")?,
                user: v.get("user").cloned().unwrap_or(Value::Null),
                organization_id: text("organization_id"),
                authentication_method: text("authentication_method"),
                impersonator: v.get("impersonator").filter(|i| !i.is_null()).cloned(),
            },
            expires_at,
        })
    }

    /// Hands over another process's published result (the connection answered: keep it).
    fn shared(&self, connection: redis::Connection, refreshed: Refreshed) -> RefreshOutcome {
        self.keep(connection);
        lock(&self.health).shared += 1;
        Ok(Ok(std::sync::Arc::new(refreshed)))
    }

    /// Another process's result for `name`, if one is published and opens. `recheck`: the
    /// read after taking the lease, which does not count a refused value a second time.
    fn published(&self, connection: &mut redis::Connection, name: &str, now: SystemTime, recheck: bool) -> redis::RedisResult<Option<Refreshed>> {
        let value: Option<Vec<u8>> = redis::cmd("GET").arg(name).query(connection)?;
        let Some(value) = value else { return Ok(None) };
        let opened = self.open(name, &value, now);
        if opened.is_none() && !recheck {
            lock(&self.health).refused_values += 1;
        }
        Ok(opened)
    }

    fn publish(
        &self,
        connection: &mut redis::Connection,
        (name, lease, token): (&str, &str, &str),
        now: SystemTime,
        outcome: &RefreshOutcome,
        remember_until: &dyn Fn(&Refreshed) -> Option<SystemTime>,
    ) -> redis::RedisResult<()> {
        if let Ok(Ok(refreshed)) = outcome
            && let Some(until) = remember_until(refreshed)
            && let Ok(ttl) = until.duration_since(now)
            && !ttl.is_zero()
            && let Some(value) = self.seal(name, refreshed)
        {
            redis::cmd("SET").arg(name).arg(value).arg("PX").arg(millis(ttl)).query::<()>(connection)?;
        }
        redis::cmd("EVAL").arg(RELEASE).arg(1).arg(lease).arg(token).query::<i64>(connection)?;
        Ok(())
    }

    fn coordinate(
        &self,
        key: &Key,
        now: SystemTime,
        refresh: &mut dyn FnMut() -> RefreshOutcome,
        remember_until: &dyn Fn(&Refreshed) -> Option<SystemTime>,
    ) -> RefreshOutcome {
        if self.resting() {
            return self.alone(None, refresh);
        }
        let name = name_of(&self.name_key, key);
        let lease = format!("{name}:lease");
        let mut token = [0u8; 16];
        if getrandom::fill(&mut token).is_err() {
            return self.alone(None, refresh);
        }
        let token: String = token.iter().map(|b| format!("{b:02x}")).collect();
        let mut connection = match self.connection() {
            Ok(connection) => connection,
            Err(e) => return self.alone(Some(&e), refresh),
        };
        // A holder's call is bounded by the lease; waiting two leases covers one holder dying
        // and the next one's call.
        let give_up = Instant::now() + self.lease * 2;
        loop {
            match self.published(&mut connection, &name, now, false) {
                Ok(Some(refreshed)) => return self.shared(connection, refreshed),
                Ok(None) => {}
                Err(e) => return self.alone(Some(&e), refresh),
            }
            let taken: redis::RedisResult<Option<String>> =
                redis::cmd("SET").arg(&lease).arg(&token).arg("NX").arg("PX").arg(millis(self.lease)).query(&mut connection);
            match taken {
                Ok(Some(_)) => {
                    // The previous holder may have published and released its lease between
                    // our read and our lease: read again, or this process would spend the
                    // rotated refresh token a second time (`invalid_grant`, a log-out).
                    match self.published(&mut connection, &name, now, true) {
                        Ok(Some(refreshed)) => {
                            let _ = redis::cmd("EVAL").arg(RELEASE).arg(1).arg(&lease).arg(&token).query::<i64>(&mut connection);
                            return self.shared(connection, refreshed);
                        }
                        Ok(None) => {}
                        Err(e) => return self.alone(Some(&e), refresh),
                    }
                    let outcome = refresh();
                    match self.publish(&mut connection, (&name, &lease, &token), now, &outcome, remember_until) {
                        Ok(()) => self.keep(connection),
                        Err(e) => self.note_error(&e),
                    }
                    return outcome;
                }
                Ok(None) if Instant::now() < give_up => std::thread::sleep(POLL),
                Ok(None) => {
                    self.keep(connection);
                    lock(&self.health).last_error = Some("a lease holder never published its refresh".into());
                    return self.alone(None, refresh);
                }
                Err(e) => return self.alone(Some(&e), refresh),
            }
        }
    }
}

impl RefreshStore for RedisStore {
    fn run(
        &self,
        key: &Key,
        now: SystemTime,
        refresh: &mut dyn FnMut() -> RefreshOutcome,
        remember_until: &dyn Fn(&Refreshed) -> Option<SystemTime>,
    ) -> (RefreshOutcome, Role) {
        self.local.run(key, now, &mut || self.coordinate(key, now, refresh, remember_until), remember_until)
    }

    fn status(&self) -> CoordinatorStatus {
        let health = lock(&self.health);
        CoordinatorStatus {
            kind: "redis",
            url: Some(self.shown_url.clone()),
            available: health.resting_until.is_none_or(|until| Instant::now() >= until),
            fallbacks: health.fallbacks,
            shared: health.shared,
            refused_values: health.refused_values,
            last_error: health.last_error.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> RedisStore {
        RedisStore::new("redis://:hunter2@127.0.0.1:1/0", DEFAULT_COORDINATOR_TIMEOUT, Duration::from_secs(10), "p".repeat(32).as_str())
            .unwrap()
    }

    fn refreshed() -> Refreshed {
        Refreshed {
            sealed_session: Zeroizing::new("Fe26.2**cookie".into()),
            format: SealFormat::Iron,
            session: ApiSession {
                access_token: "header.claims.sig".into(),
                refresh_token: "refresh_secret".into(),
                user: json!({"id": "user_1"}),
                organization_id: Some("org_1".into()),
                authentication_method: None,
                impersonator: None,
            },
            expires_at: Some(UNIX_EPOCH + Duration::from_secs(2_000_000_000)),
        }
    }

    #[test]
    fn values_are_sealed_and_bound_to_their_name() {
        let store = store();
        let now = UNIX_EPOCH + Duration::from_secs(1_900_000_000);
        let value = store.seal("a", &refreshed()).unwrap();
        let text = String::from_utf8_lossy(&value);
        for secret in ["refresh_secret", "header.claims.sig", "Fe26.2", "user_1"] {
            assert!(!text.contains(secret), "{secret} in the clear");
        }
        let opened = store.open("a", &value, now).unwrap();
        let original = refreshed();
        assert_eq!(opened.sealed_session, original.sealed_session);
        assert_eq!((opened.format, opened.expires_at), (original.format, original.expires_at));
        assert_eq!(opened.session, original.session);
        assert!(store.open("b", &value, now).is_none(), "copied to another name");
        let mut altered = value.clone();
        let last = altered.len() - 1;
        altered[last] ^= 1;
        assert!(store.open("a", &altered, now).is_none(), "altered");
        assert!(store.open("a", &value[..10], now).is_none(), "truncated");
        let other = RedisStore::new("redis://127.0.0.1:1", DEFAULT_COORDINATOR_TIMEOUT, Duration::from_secs(1), &"q".repeat(32)).unwrap();
        assert!(other.open("a", &value, now).is_none(), "another secret");
        let late = UNIX_EPOCH + Duration::from_secs(2_000_000_000);
        assert!(store.open("a", &value, late).is_none(), "never past the new token's expiry");
    }

    #[test]
    fn names_are_keyed_hashes() {
        let key = [7u8; 32];
        let (a, lease) = key_names(&"p".repeat(32), &key);
        let (b, _) = key_names(&"q".repeat(32), &key);
        assert!(a.starts_with(PREFIX) && a.len() == PREFIX.len() + 64);
        assert_eq!(lease, format!("{a}:lease"));
        assert_ne!(a, b, "the name depends on the secret");
    }

    #[test]
    fn urls_and_status_never_show_the_password() {
        assert!(check_url("redis://127.0.0.1:6379").is_ok());
        assert!(check_url("rediss://cache.example:6380/0").is_ok());
        for bad in ["http://127.0.0.1", "127.0.0.1:6379", "redis+unix:///tmp/r.sock", ""] {
            assert_eq!(check_url(bad).map_err(|e| e.code().as_str()), Err("configuration_error"), "{bad}");
        }
        let store = store();
        let mut connection_refused = || -> RefreshOutcome { Err(Error::Internal("not called in this test".into())) };
        let _ = store.coordinate(&[1; 32], SystemTime::now(), &mut connection_refused, &|_| None);
        let status = store.status();
        assert_eq!((status.kind, status.available, status.fallbacks), ("redis", false, 1));
        let shown = format!("{:?} {:?} {}", store, status, status.to_json());
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(status.last_error.is_some());
    }
}
