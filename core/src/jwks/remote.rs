//! The issuer's JWKS over HTTP: fetched, cached, refreshed, and kept through outages.
//!
//! * Fresh for 10 minutes; after that the next caller refreshes while every other caller
//!   keeps using the cached set (no request waits on the network once warm, but that one).
//! * An unknown `kid` refetches at most once per 30 s cooldown (key rotation), then the
//!   token is `unknown_kid`.
//! * Cold start: concurrent callers share one fetch (single-flight).
//! * A failed refresh keeps serving the last good set (stale-if-error) for up to 24 h; with
//!   no usable set, callers get the retryable [`Error::JwksUnavailable`], never `invalid_jwt`.
//! * Hygiene: 5 s timeout, 1 MiB cap, HTTP 200 with a JSON object only, no redirects,
//!   `https` (plain `http` only for loopback), the standard proxy environment variables.
//!
//! The HTTP client is ureq: small, blocking (no async runtime in the core), rustls with the
//! aws-lc-rs provider the JWT verification already uses.

use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use serde_json::Value;

use super::KeySet;
use crate::error::Error;
use crate::util::redact;

/// Cache and network settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwksOptions {
    /// How long a fetched set is fresh (default 10 min).
    pub fresh_for: Duration,
    /// The least time between two fetches caused by unknown `kid`s (default 30 s).
    pub unknown_kid_cooldown: Duration,
    /// How long a set may be served past its freshness while refreshes fail (default 24 h).
    pub stale_if_error: Duration,
    /// After a failed fetch with nothing cached, how long callers fail fast (default 1 s).
    pub retry_after_failure: Duration,
    /// The whole request's time limit (default 5 s).
    pub timeout: Duration,
    /// The largest response accepted (default 1 MiB).
    pub max_bytes: u64,
}

impl Default for JwksOptions {
    fn default() -> Self {
        JwksOptions {
            fresh_for: Duration::from_secs(600),
            unknown_kid_cooldown: Duration::from_secs(30),
            stale_if_error: Duration::from_secs(24 * 3600),
            retry_after_failure: Duration::from_secs(1),
            timeout: Duration::from_secs(5),
            max_bytes: 1024 * 1024,
        }
    }
}

/// A snapshot of the cache, for health endpoints and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwksStatus {
    /// The JWKS URL (after discovery, when known), redacted: no user info, query or fragment.
    pub url: Option<String>,
    /// When the current set was fetched.
    pub fetched_at: Option<SystemTime>,
    /// The ids of the usable keys of the current set.
    pub kids: Vec<String>,
    /// Whether the current set is past its freshness (or absent).
    pub stale: bool,
    /// Successful fetches so far.
    pub fetches: u64,
    /// Failed fetches so far.
    pub failures: u64,
    /// The last failure, if the last fetch failed.
    pub last_error: Option<String>,
}

impl JwksStatus {
    /// The field names every binding shows, in order (`fetched_at` in seconds since the epoch).
    pub const FIELDS: [&'static str; 7] = ["url", "fetched_at", "kids", "stale", "fetches", "failures", "last_error"];

    /// The status as a JSON object, `fetched_at` as seconds since the epoch.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "url": self.url,
            "fetched_at": self.fetched_at.map(crate::util::time::to_unix_seconds),
            "kids": self.kids,
            "stale": self.stale,
            "fetches": self.fetches,
            "failures": self.failures,
            "last_error": self.last_error,
        })
    }
}

/// Where the key set URL comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Location {
    Jwks(String),
    /// An OIDC issuer: `{issuer}/.well-known/openid-configuration` names `jwks_uri`.
    Discovery { issuer: String, jwks_uri: Option<String> },
}

struct Cached {
    set: Arc<KeySet>,
    fetched_at: SystemTime,
}

#[derive(Default)]
struct State {
    current: Option<Cached>,
    in_flight: bool,
    /// Bumped after every fetch attempt, so waiters know theirs completed.
    attempts: u64,
    last_attempt: Option<SystemTime>,
    last_error: Option<String>,
    fetches: u64,
    failures: u64,
}

/// A JWKS fetched over HTTP and cached. Shared by every request of a gate.
pub struct RemoteJwks {
    location: Mutex<Location>,
    options: JwksOptions,
    agent: ureq::Agent,
    state: Mutex<State>,
    fetched: Condvar,
}

impl fmt::Debug for RemoteJwks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = match &*lock(&self.location) {
            Location::Jwks(url) => redact::url(url),
            Location::Discovery { issuer, .. } => format!("discovery {}", redact::url(issuer)),
        };
        f.debug_struct("RemoteJwks").field("url", &url).finish_non_exhaustive()
    }
}

/// Poisoning only means another thread panicked mid-update; the state stays consistent
/// (every field is written in one step), so keep going.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn check_url(url: &str) -> Result<(), Error> {
    let rest = if let Some(rest) = url.strip_prefix("https://") {
        rest
    } else if let Some(rest) = url.strip_prefix("http://") {
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
        let name = if host.starts_with('[') { host.split(']').next().map(|h| &h[1..]) } else { host.split(':').next() };
        let loopback = match name.unwrap_or_default() {
            "localhost" => true,
            ip => ip.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback()),
        };
        if !loopback {
            return Err(Error::Configuration("JWKS URLs must use https (plain http only for loopback)".into()));
        }
        rest
    } else {
        return Err(Error::Configuration("a JWKS or issuer URL must start with https://".into()));
    };
    if rest.is_empty() || rest.starts_with('/') {
        return Err(Error::Configuration("a JWKS or issuer URL has no host".into()));
    }
    Ok(())
}

impl RemoteJwks {
    /// Keys from a JWKS URL.
    pub fn from_url(url: &str, options: JwksOptions) -> Result<RemoteJwks, Error> {
        check_url(url)?;
        Ok(RemoteJwks::new(Location::Jwks(url.to_owned()), options))
    }

    /// Keys from an OIDC issuer's discovery document.
    pub fn from_issuer(issuer: &str, options: JwksOptions) -> Result<RemoteJwks, Error> {
        check_url(issuer)?;
        Ok(RemoteJwks::new(Location::Discovery { issuer: issuer.trim_end_matches('/').to_owned(), jwks_uri: None }, options))
    }

    fn new(location: Location, options: JwksOptions) -> RemoteJwks {
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
            .build();
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(options.timeout))
            .max_redirects(0)
            .http_status_as_error(false)
            .user_agent(concat!("sessiongate/", env!("CARGO_PKG_VERSION")))
            .tls_config(tls)
            .build()
            .new_agent();
        RemoteJwks { location: Mutex::new(location), options, agent, state: Mutex::new(State::default()), fetched: Condvar::new() }
    }

    /// The key set to verify a token with `kid` at `now`.
    pub fn key_set_for(&self, kid: Option<&str>, now: SystemTime) -> Result<Arc<KeySet>, Error> {
        let mut state = lock(&self.state);
        loop {
            let Some(current) = &state.current else {
                // Cold: one caller fetches, the others wait for its result.
                if state.in_flight {
                    let attempt = state.attempts;
                    while state.in_flight && state.attempts == attempt {
                        state = self.fetched.wait(state).unwrap_or_else(|p| p.into_inner());
                    }
                    if state.current.is_none() {
                        return Err(self.unavailable(&state));
                    }
                    continue;
                }
                if let (Some(last), Some(_)) = (state.last_attempt, &state.last_error)
                    && now < last + self.options.retry_after_failure
                {
                    return Err(self.unavailable(&state));
                }
                state = self.fetch(state, now);
                if state.current.is_none() {
                    return Err(self.unavailable(&state));
                }
                continue;
            };

            let set = Arc::clone(&current.set);
            let stale = now >= current.fetched_at + self.options.fresh_for;
            let unknown_kid = kid.is_some_and(|kid| !set.contains_kid(kid));
            let since_last = |wait: Duration| state.last_attempt.is_none_or(|last| now >= last + wait);
            let expired = now >= current.fetched_at + self.options.fresh_for + self.options.stale_if_error;
            // Refreshes (stale set, unknown kid) are spaced by the cooldown; past the
            // stale-if-error bound, retry as soon as a cold start would.
            let should_fetch = !state.in_flight
                && (((stale || unknown_kid) && since_last(self.options.unknown_kid_cooldown))
                    || (expired && since_last(self.options.retry_after_failure)));
            if !should_fetch {
                if expired {
                    return Err(self.unavailable(&state));
                }
                return Ok(set);
            }
            // This caller refreshes; concurrent callers keep the cached set meanwhile.
            state = self.fetch(state, now);
            let current = state.current.as_ref().map(|c| (Arc::clone(&c.set), c.fetched_at));
            return match current {
                Some((_, fetched_at)) if now >= fetched_at + self.options.fresh_for + self.options.stale_if_error => {
                    Err(self.unavailable(&state))
                }
                Some((set, _)) => Ok(set),
                None => Err(self.unavailable(&state)),
            };
        }
    }

    /// The cached set, if it is fresh at `now` and knows `kid`: never fetches, never waits on
    /// another caller's fetch (the lock is never held across network I/O).
    pub fn cached_key_set_for(&self, kid: Option<&str>, now: SystemTime) -> Option<Arc<KeySet>> {
        let state = lock(&self.state);
        let current = state.current.as_ref()?;
        let fresh = now < current.fetched_at + self.options.fresh_for;
        (fresh && kid.is_none_or(|kid| current.set.contains_kid(kid))).then(|| Arc::clone(&current.set))
    }

    /// Runs one fetch with the lock released, then records its outcome.
    fn fetch<'a>(&'a self, mut state: MutexGuard<'a, State>, now: SystemTime) -> MutexGuard<'a, State> {
        state.in_flight = true;
        state.last_attempt = Some(now);
        drop(state);
        let result = self.download();
        let mut state = lock(&self.state);
        state.in_flight = false;
        state.attempts += 1;
        match result {
            Ok(set) => {
                state.current = Some(Cached { set: Arc::new(set), fetched_at: now });
                state.fetches += 1;
                state.last_error = None;
            }
            Err(message) => {
                state.failures += 1;
                state.last_error = Some(message);
            }
        }
        self.fetched.notify_all();
        state
    }

    fn unavailable(&self, state: &State) -> Error {
        let why = state.last_error.as_deref().unwrap_or("the cached key set is too old and could not be refreshed");
        Error::JwksUnavailable(why.to_owned())
    }

    fn download(&self) -> Result<KeySet, String> {
        let url = self.jwks_url()?;
        let doc = self.get_json(&url)?;
        KeySet::from_value(&doc).map_err(|e| e.to_string())
    }

    fn jwks_url(&self) -> Result<String, String> {
        let location = lock(&self.location).clone();
        match location {
            Location::Jwks(url) | Location::Discovery { jwks_uri: Some(url), .. } => Ok(url),
            Location::Discovery { issuer, jwks_uri: None } => {
                let doc = self.get_json(&format!("{issuer}/.well-known/openid-configuration"))?;
                if doc.get("issuer").and_then(Value::as_str).map(|i| i.trim_end_matches('/')) != Some(issuer.as_str()) {
                    return Err("the discovery document names another issuer".into());
                }
                let uri = doc.get("jwks_uri").and_then(Value::as_str).ok_or("the discovery document has no jwks_uri")?;
                check_url(uri).map_err(|e| e.to_string())?;
                *lock(&self.location) = Location::Discovery { issuer, jwks_uri: Some(uri.to_owned()) };
                Ok(uri.to_owned())
            }
        }
    }

    /// Fetches a JSON object. Error messages show the URL redacted (they reach logs and
    /// `jwks_status`), and so does any text the HTTP client quotes it in.
    fn get_json(&self, url: &str) -> Result<Value, String> {
        let shown = redact::url(url);
        let failed = |e: &dyn std::fmt::Display| format!("GET {shown}: {}", redact::in_message(&e.to_string(), url));
        let mut response = self.agent.get(url).header("accept", "application/json").call().map_err(|e| failed(&e))?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(format!("GET {shown}: HTTP {status}"));
        }
        let body =
            response.body_mut().with_config().limit(self.options.max_bytes).read_to_vec().map_err(|e| failed(&e))?;
        match serde_json::from_slice(&body) {
            Ok(Value::Object(map)) => Ok(Value::Object(map)),
            _ => Err(format!("GET {shown}: the response is not a JSON object")),
        }
    }

    /// The cache's state at `now`.
    pub fn status_at(&self, now: SystemTime) -> JwksStatus {
        let url = match &*lock(&self.location) {
            Location::Jwks(url) => Some(redact::url(url)),
            Location::Discovery { jwks_uri, .. } => jwks_uri.as_deref().map(redact::url),
        };
        let state = lock(&self.state);
        let current = state.current.as_ref();
        JwksStatus {
            url,
            fetched_at: current.map(|c| c.fetched_at),
            kids: current.map(|c| c.set.kids().into_iter().flatten().collect()).unwrap_or_default(),
            stale: current.is_none_or(|c| now >= c.fetched_at + self.options.fresh_for),
            fetches: state.fetches,
            failures: state.failures,
            last_error: state.last_error.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_https_or_loopback() {
        assert!(check_url("https://api.workos.com/sso/jwks/client_1").is_ok());
        assert!(check_url("http://127.0.0.1:8080/jwks").is_ok());
        assert!(check_url("http://localhost/jwks").is_ok());
        assert!(check_url("http://[::1]:9/jwks").is_ok());
        assert!(check_url("http://example.com/jwks").is_err());
        assert!(check_url("http://127.0.0.1.evil.example/jwks").is_err());
        assert!(check_url("ftp://example.com").is_err());
        assert!(check_url("https://").is_err());
    }
}
