//! The issuer's JWKS over HTTP: fetched, cached, refreshed, and kept through outages.
//!
//! * Fresh for 10 minutes; after that the next caller refreshes while every other caller
//!   keeps using the cached set (no request waits on the network once warm, but that one).
//! * An unknown `kid` refetches at most once per 30 s cooldown (key rotation). Callers with
//!   an unknown `kid` wait for a fetch already under way rather than answer before it.
//!   Inside the cooldown, a healthy key server's answer stands (`unknown_kid`); while the key
//!   server is failing, an unknown `kid` is the retryable [`Error::JwksUnavailable`]: a
//!   freshly rotated key cannot be told from a bogus one until the keys can be fetched.
//! * Cold start: concurrent callers share one fetch (single-flight).
//! * A failed refresh keeps serving the last good set (stale-if-error) for up to 24 h; with
//!   no usable set, callers get the retryable [`Error::JwksUnavailable`], never `invalid_jwt`.
//! * Timing (freshness, cooldown, retries) comes from the cache's own monotonic clock
//!   ([`JwksClock`]), never from a caller's `now`: no caller can freeze, skip or break the
//!   refresh schedule that every request of the gate shares. The decision is one pure
//!   function, [`next_step`].
//! * Hygiene: 5 s timeout, 1 MiB cap, HTTP 200 with a JSON object only, no redirects, no
//!   decompression, `https` (plain `http` only for loopback).
//! * Proxies: a loopback host (`localhost`, `127.0.0.0/8`, `::1`) is always fetched directly,
//!   whatever the scheme and the environment: its bytes must never leave the machine. Any
//!   other (https) host goes through the proxy ureq reads from the environment when the gate
//!   is built: the first set of `ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY` (either case), except
//!   hosts listed in `NO_PROXY`. Through a proxy the request is a `CONNECT` tunnel with
//!   end-to-end TLS and certificate checks, so the proxy can drop the keys but not alter them.
//!
//! The HTTP client is ureq: small, blocking (no async runtime in the core), rustls with the
//! aws-lc-rs provider the JWT verification already uses.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use super::KeySet;
use crate::error::Error;
use crate::util::{http, redact};

/// The monotonic clock a JWKS cache decides its fetch timing with. The default reads the
/// system's monotonic clock; [`JwksClock::manual`] is a clock tests move by hand (clones share
/// the same time), so rotation, cooldown and staleness can be tested without sleeping.
#[derive(Clone, Default)]
pub struct JwksClock {
    manual: Option<Arc<AtomicU64>>,
}

impl JwksClock {
    /// The system's monotonic clock (the default).
    pub fn system() -> JwksClock {
        JwksClock { manual: None }
    }

    /// A clock that starts at 0 and moves only by [`JwksClock::advance`] or [`JwksClock::set`].
    pub fn manual() -> JwksClock {
        JwksClock { manual: Some(Arc::new(AtomicU64::new(0))) }
    }

    /// Moves a manual clock forward (no effect on the system clock).
    pub fn advance(&self, by: Duration) {
        if let Some(nanos) = &self.manual {
            let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
            let _ = nanos.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |t| Some(t.saturating_add(by)));
        }
    }

    /// Sets a manual clock to `at` since its start (no effect on the system clock). Setting it
    /// back is allowed: the cache treats time that went backwards as no time passed.
    pub fn set(&self, at: Duration) {
        if let Some(nanos) = &self.manual {
            nanos.store(u64::try_from(at.as_nanos()).unwrap_or(u64::MAX), Ordering::SeqCst);
        }
    }

    /// The time since the clock's origin.
    pub fn tick(&self) -> Duration {
        match &self.manual {
            Some(nanos) => Duration::from_nanos(nanos.load(Ordering::SeqCst)),
            None => {
                static ORIGIN: OnceLock<Instant> = OnceLock::new();
                ORIGIN.get_or_init(Instant::now).elapsed()
            }
        }
    }
}

/// Every system clock is the same clock; manual clocks are equal to their clones only.
impl PartialEq for JwksClock {
    fn eq(&self, other: &JwksClock) -> bool {
        match (&self.manual, &other.manual) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl Eq for JwksClock {}

impl fmt::Debug for JwksClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.manual {
            None => f.write_str("JwksClock::system"),
            Some(_) => write!(f, "JwksClock::manual({:?})", self.tick()),
        }
    }
}

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
    /// The clock the cache times fetches with (default: the system's monotonic clock).
    pub clock: JwksClock,
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
            clock: JwksClock::system(),
        }
    }
}

/// A snapshot of the cache, for health endpoints and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwksStatus {
    /// The JWKS URL (after discovery, when known), redacted: no user info, query or fragment.
    pub url: Option<String>,
    /// When the current set was fetched (wall clock, for display).
    pub fetched_at: Option<SystemTime>,
    /// The ids of the usable keys of the current set.
    pub kids: Vec<String>,
    /// Whether the current set is past its freshness (or absent).
    pub stale: bool,
    /// Successful fetches so far.
    pub fetches: u64,
    /// Failed fetches so far.
    pub failures: u64,
    /// The last failure, if the last fetch failed (URLs redacted).
    pub last_error: Option<String>,
    /// How many keys of the current document were not used: unusable ones, and any past the
    /// 64th usable key. Non-zero is worth a look (a signing key past the 64th is `unknown_kid`).
    pub skipped_keys: u64,
}

impl JwksStatus {
    /// The field names every binding shows, in order (`fetched_at` in seconds since the epoch).
    pub const FIELDS: [&'static str; 8] =
        ["url", "fetched_at", "kids", "stale", "fetches", "failures", "last_error", "skipped_keys"];

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
            "skipped_keys": self.skipped_keys,
        })
    }
}

/// What the cache knows when a caller asks for keys: the input of [`next_step`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View {
    /// The tick the current set was fetched at, if there is one.
    pub fetched: Option<Duration>,
    /// Whether the caller's `kid` is missing from the current set.
    pub kid_unknown: bool,
    /// Whether a fetch is under way.
    pub in_flight: bool,
    /// The tick the last fetch attempt ended at, and whether it failed.
    pub last_attempt: Option<(Duration, bool)>,
    /// Whether this call may still start or wait for a fetch (each call does at most one).
    pub may_fetch: bool,
}

/// What a caller does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Answer with the current set.
    Serve,
    /// Fetch now (this caller), then decide again.
    Fetch,
    /// Wait for the fetch under way, then decide again.
    Wait,
    /// Answer with the retryable [`Error::JwksUnavailable`].
    Unavailable,
}

/// The whole fetch policy, as a pure function of the cache's [`View`] at monotonic `tick`.
/// Durations saturate: no option or clock value can overflow.
pub fn next_step(view: View, tick: Duration, options: &JwksOptions) -> Action {
    let since = |t: Duration| tick.saturating_sub(t);
    let since_last = view.last_attempt.map_or(Duration::MAX, |(t, _)| since(t));
    let last_failed = view.last_attempt.is_some_and(|(_, failed)| failed);
    let Some(fetched) = view.fetched else {
        // Cold: one caller fetches, the others wait for it; right after a failure, fail fast.
        return if !view.may_fetch || (last_failed && since_last < options.retry_after_failure) {
            Action::Unavailable
        } else if view.in_flight {
            Action::Wait
        } else {
            Action::Fetch
        };
    };
    let age = since(fetched);
    let stale = age >= options.fresh_for;
    let expired = age >= options.fresh_for.saturating_add(options.stale_if_error);
    if view.may_fetch {
        if view.in_flight {
            // The fetch under way decides what this caller cannot answer from the cache.
            if expired || view.kid_unknown {
                return Action::Wait;
            }
        } else if ((stale || view.kid_unknown) && since_last >= options.unknown_kid_cooldown)
            || (expired && since_last >= options.retry_after_failure)
        {
            return Action::Fetch;
        }
    }
    if expired || (view.kid_unknown && last_failed) { Action::Unavailable } else { Action::Serve }
}

/// Where the key set URL comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Location {
    Jwks(String),
    /// An OIDC issuer: `{issuer}/.well-known/openid-configuration` names `jwks_uri`.
    /// `confirmed` is false until discovery succeeds, and again after a failed key fetch,
    /// so a moved `jwks_uri` is found again; `jwks_uri` keeps the last one for the status.
    Discovery { issuer: String, jwks_uri: Option<String>, confirmed: bool },
}

struct Cached {
    set: Arc<KeySet>,
    /// The monotonic tick of the fetch: what timing is decided on.
    fetched: Duration,
    /// The wall clock at the fetch, for display only.
    fetched_at: SystemTime,
}

#[derive(Default)]
struct State {
    current: Option<Cached>,
    in_flight: bool,
    /// Bumped after every fetch attempt, so waiters know theirs completed.
    attempts: u64,
    last_attempt: Option<(Duration, bool)>,
    last_error: Option<String>,
    fetches: u64,
    failures: u64,
}

impl State {
    fn view(&self, kid: Option<&str>, may_fetch: bool) -> View {
        View {
            fetched: self.current.as_ref().map(|c| c.fetched),
            kid_unknown: self.current.as_ref().is_some_and(|c| kid.is_some_and(|kid| !c.set.contains_kid(kid))),
            in_flight: self.in_flight,
            last_attempt: self.last_attempt,
            may_fetch,
        }
    }
}

/// A JWKS fetched over HTTP and cached. Shared by every request of a gate.
pub struct RemoteJwks {
    location: Mutex<Location>,
    options: JwksOptions,
    /// Loopback hosts never through a proxy (`util::http`).
    http: http::Client,
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

fn check_url(url: &str) -> Result<bool, Error> {
    http::check_url(url, "a JWKS or issuer URL")
}

impl RemoteJwks {
    /// Keys from a JWKS URL.
    pub fn from_url(url: &str, options: JwksOptions) -> Result<RemoteJwks, Error> {
        check_url(url)?;
        Ok(RemoteJwks::new(Location::Jwks(url.to_owned()), options))
    }

    /// Keys from an OIDC issuer's discovery document. The document's `issuer` must be
    /// exactly `issuer` (OIDC Discovery 1.0, section 4.3).
    pub fn from_issuer(issuer: &str, options: JwksOptions) -> Result<RemoteJwks, Error> {
        check_url(issuer)?;
        Ok(RemoteJwks::new(Location::Discovery { issuer: issuer.to_owned(), jwks_uri: None, confirmed: false }, options))
    }

    fn new(location: Location, options: JwksOptions) -> RemoteJwks {
        let http = http::Client::new(options.timeout);
        RemoteJwks { location: Mutex::new(location), options, http, state: Mutex::new(State::default()), fetched: Condvar::new() }
    }

    /// The key set to verify a token with `kid`: fetched, refreshed or waited for as
    /// [`next_step`] decides. `Err` is always the retryable [`Error::JwksUnavailable`].
    pub fn key_set_for(&self, kid: Option<&str>) -> Result<Arc<KeySet>, Error> {
        let mut state = lock(&self.state);
        let mut may_fetch = true;
        loop {
            match next_step(state.view(kid, may_fetch), self.options.clock.tick(), &self.options) {
                Action::Serve => {
                    return state.current.as_ref().map(|c| Arc::clone(&c.set)).ok_or_else(|| self.unavailable(&state, kid));
                }
                Action::Unavailable => return Err(self.unavailable(&state, kid)),
                Action::Fetch => state = self.fetch(state),
                Action::Wait => {
                    let attempt = state.attempts;
                    while state.in_flight && state.attempts == attempt {
                        state = self.fetched.wait(state).unwrap_or_else(|p| p.into_inner());
                    }
                }
            }
            may_fetch = false;
        }
    }

    /// The cached set, if it is fresh and knows `kid`: never fetches, never waits on another
    /// caller's fetch (the lock is never held across network I/O).
    pub fn cached_key_set_for(&self, kid: Option<&str>) -> Option<Arc<KeySet>> {
        let state = lock(&self.state);
        let current = state.current.as_ref()?;
        let fresh = self.options.clock.tick().saturating_sub(current.fetched) < self.options.fresh_for;
        (fresh && kid.is_none_or(|kid| current.set.contains_kid(kid))).then(|| Arc::clone(&current.set))
    }

    /// Runs one fetch with the lock released, then records its outcome. A panic inside the
    /// HTTP client is a failed fetch: the single-flight flag is always cleared.
    fn fetch<'a>(&'a self, mut state: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        state.in_flight = true;
        drop(state);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.download()))
            .unwrap_or_else(|_| Err("the key fetch failed unexpectedly (a caught panic)".to_owned()));
        let tick = self.options.clock.tick();
        let mut state = lock(&self.state);
        state.in_flight = false;
        state.attempts += 1;
        match result {
            Ok(set) => {
                state.current = Some(Cached { set: Arc::new(set), fetched: tick, fetched_at: SystemTime::now() });
                state.fetches += 1;
                state.last_error = None;
                state.last_attempt = Some((tick, false));
            }
            Err(message) => {
                state.failures += 1;
                state.last_error = Some(message);
                state.last_attempt = Some((tick, true));
            }
        }
        self.fetched.notify_all();
        state
    }

    fn unavailable(&self, state: &State, kid: Option<&str>) -> Error {
        let why = state.last_error.as_deref().unwrap_or("the key server could not be reached");
        let known = state.current.as_ref().is_some_and(|c| kid.is_none_or(|kid| c.set.contains_kid(kid)));
        Error::JwksUnavailable(match &state.current {
            Some(_) if !known => format!("the token's kid is not in the cached key set, which cannot be refreshed now: {why}"),
            Some(_) => format!("the cached key set is too old and cannot be refreshed: {why}"),
            None => why.to_owned(),
        })
    }

    fn download(&self) -> Result<KeySet, String> {
        let url = self.jwks_url()?;
        let result = self.get_json(&url).and_then(|doc| KeySet::from_value(&doc).map_err(|e| format!("GET {}: {e}", redact::url(&url))));
        if result.is_err()
            && let Location::Discovery { confirmed, .. } = &mut *lock(&self.location)
        {
            *confirmed = false;
        }
        result
    }

    fn jwks_url(&self) -> Result<String, String> {
        let location = lock(&self.location).clone();
        match location {
            Location::Jwks(url) | Location::Discovery { jwks_uri: Some(url), confirmed: true, .. } => Ok(url),
            Location::Discovery { issuer, .. } => {
                // OIDC Discovery: the issuer without its trailing `/`, then the well-known path.
                let doc = self.get_json(&format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/')))?;
                if doc.get("issuer").and_then(Value::as_str) != Some(issuer.as_str()) {
                    return Err(format!("the discovery document of {} names another issuer (it must be identical)", redact::url(&issuer)));
                }
                let uri = doc.get("jwks_uri").and_then(Value::as_str).ok_or("the discovery document has no jwks_uri")?;
                check_url(uri).map_err(|e| e.to_string())?;
                *lock(&self.location) = Location::Discovery { issuer, jwks_uri: Some(uri.to_owned()), confirmed: true };
                Ok(uri.to_owned())
            }
        }
    }

    /// Fetches a JSON object. Error messages show the URL redacted (they reach logs and
    /// `jwks_status`), and so does any text the HTTP client quotes it in.
    fn get_json(&self, url: &str) -> Result<Value, String> {
        let shown = redact::url(url);
        let failed = |e: &dyn std::fmt::Display| format!("GET {shown}: {}", redact::in_message(&e.to_string(), url));
        let agent = self.http.agent_for(url);
        let mut response = agent.get(url).header("accept", "application/json").call().map_err(|e| failed(&e))?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(format!("GET {shown}: HTTP {status}"));
        }
        // Nothing is decompressed (no bomb can grow in memory): say so rather than "not JSON".
        if let Some(encoding) = response.headers().get("content-encoding").and_then(|v| v.to_str().ok())
            && !encoding.trim().eq_ignore_ascii_case("identity")
        {
            let encoding: String = encoding.chars().filter(char::is_ascii_graphic).take(32).collect();
            return Err(format!("GET {shown}: the response is compressed (Content-Encoding: {encoding}); serve the JWKS uncompressed"));
        }
        let body =
            response.body_mut().with_config().limit(self.options.max_bytes).read_to_vec().map_err(|e| failed(&e))?;
        match serde_json::from_slice(&body) {
            Ok(Value::Object(map)) => Ok(Value::Object(map)),
            _ => Err(format!("GET {shown}: the response is not a JSON object")),
        }
    }

    /// The cache's state now (staleness by the cache's own clock).
    pub fn status(&self) -> JwksStatus {
        let url = match &*lock(&self.location) {
            Location::Jwks(url) => Some(redact::url(url)),
            Location::Discovery { jwks_uri, .. } => jwks_uri.as_deref().map(redact::url),
        };
        let tick = self.options.clock.tick();
        let state = lock(&self.state);
        let current = state.current.as_ref();
        JwksStatus {
            url,
            fetched_at: current.map(|c| c.fetched_at),
            kids: current.map(|c| c.set.kids().into_iter().flatten().collect()).unwrap_or_default(),
            stale: current.is_none_or(|c| tick.saturating_sub(c.fetched) >= self.options.fresh_for),
            fetches: state.fetches,
            failures: state.failures,
            last_error: state.last_error.clone(),
            skipped_keys: current.map_or(0, |c| c.set.skipped() as u64),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> JwksOptions {
        JwksOptions::default()
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn warm(fetched: u64, last: (u64, bool)) -> View {
        View { fetched: Some(secs(fetched)), kid_unknown: false, in_flight: false, last_attempt: Some((secs(last.0), last.1)), may_fetch: true }
    }

    #[test]
    fn cold_start_fetches_once_and_fails_fast_after_a_failure() {
        let cold = View { fetched: None, kid_unknown: false, in_flight: false, last_attempt: None, may_fetch: true };
        assert_eq!(next_step(cold, secs(0), &options()), Action::Fetch);
        assert_eq!(next_step(View { in_flight: true, ..cold }, secs(0), &options()), Action::Wait);
        let failed = View { last_attempt: Some((secs(10), true)), ..cold };
        assert_eq!(next_step(failed, secs(10), &options()), Action::Unavailable);
        assert_eq!(next_step(failed, secs(11), &options()), Action::Fetch);
        // After its own fetch (or wait), a call never fetches again.
        assert_eq!(next_step(View { may_fetch: false, ..failed }, secs(99), &options()), Action::Unavailable);
    }

    #[test]
    fn warm_refreshes_on_schedule_and_serves_stale_keys_through_outages() {
        let o = options();
        assert_eq!(next_step(warm(0, (0, false)), secs(599), &o), Action::Serve);
        assert_eq!(next_step(warm(0, (0, false)), secs(600), &o), Action::Fetch);
        // Another caller is refreshing a stale set: keep serving the cached one.
        assert_eq!(next_step(View { in_flight: true, ..warm(0, (0, false)) }, secs(700), &o), Action::Serve);
        // The refresh failed: stale-if-error until 24 h past freshness, one retry per cooldown.
        assert_eq!(next_step(warm(0, (700, true)), secs(710), &o), Action::Serve);
        assert_eq!(next_step(warm(0, (700, true)), secs(730), &o), Action::Fetch);
        let bound = 600 + 24 * 3600;
        assert_eq!(next_step(View { may_fetch: false, ..warm(0, (bound, true)) }, secs(bound), &o), Action::Unavailable);
        assert_eq!(next_step(warm(0, (bound, true)), secs(bound), &o), Action::Unavailable);
        assert_eq!(next_step(warm(0, (bound, true)), secs(bound + 1), &o), Action::Fetch);
    }

    #[test]
    fn unknown_kid_is_unknown_only_when_the_key_server_answered() {
        let o = options();
        let unknown = |fetched, last| View { kid_unknown: true, ..warm(fetched, last) };
        // Inside the cooldown, the healthy server's answer stands: the token is unknown_kid.
        assert_eq!(next_step(unknown(0, (0, false)), secs(10), &o), Action::Serve);
        assert_eq!(next_step(unknown(0, (0, false)), secs(30), &o), Action::Fetch);
        // The last fetch failed (an outage): the retryable error, inside the cooldown too.
        assert_eq!(next_step(unknown(0, (20, true)), secs(25), &o), Action::Unavailable);
        assert_eq!(next_step(View { may_fetch: false, ..unknown(0, (40, true)) }, secs(40), &o), Action::Unavailable);
        // A fetch under way may bring the new key: wait for it.
        assert_eq!(next_step(View { in_flight: true, ..unknown(0, (0, false)) }, secs(5), &o), Action::Wait);
    }

    #[test]
    fn extreme_options_and_clocks_saturate() {
        let o = JwksOptions { fresh_for: Duration::MAX, stale_if_error: Duration::MAX, unknown_kid_cooldown: Duration::MAX, ..options() };
        assert_eq!(next_step(warm(0, (0, false)), secs(u64::MAX / 2), &o), Action::Serve);
        assert_eq!(next_step(warm(0, (0, false)), Duration::MAX, &options()), Action::Fetch);
        // A clock that went backwards counts as no time passed.
        assert_eq!(next_step(warm(100, (100, false)), secs(5), &options()), Action::Serve);
        let clock = JwksClock::manual();
        clock.advance(Duration::MAX);
        clock.advance(Duration::MAX);
        assert_eq!(clock.tick(), Duration::from_nanos(u64::MAX));
        assert_eq!(clock.clone(), clock);
        assert_ne!(JwksClock::manual(), clock);
        assert_eq!(JwksClock::system(), JwksClock::default());
    }
}
