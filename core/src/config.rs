//! The gate's configuration: the typed [`Config`] (Rust users build it directly), and
//! [`GateOptions`], the flat options every binding fills from its host language's values.
//!
//! Every rule about options lives here, once: which key source (exactly one of a static set,
//! a URL, an issuer's discovery document, else WorkOS's), algorithm names, and the ranges of
//! every number. The same bad option gives the same error code and message in Python, Node and
//! Swift.

use std::fmt;
use std::time::Duration;

use crate::audit::AuditSink;
use crate::error::Error;
use crate::grant::{DEFAULT_GRANT_TTL, MAX_GRANT_TTL};
use crate::jwks::{Algorithm, JwksOptions};
use crate::fleet::{self, DEFAULT_COORDINATOR_TIMEOUT, MAX_COORDINATOR_TIMEOUT};
use crate::seal::SealFormat;
use crate::token::{DEFAULT_VERIFIED_TOKEN_CACHE, DEFAULT_VERIFIED_TOKEN_CACHE_BYTES};
use crate::util::{http, redact, time};

/// The default limit on a cookie's length, checked before any crypto.
pub const DEFAULT_MAX_COOKIE_BYTES: usize = 16 * 1024;
/// The largest cookie limit a gate accepts (browsers keep 4 KiB per cookie).
pub const MAX_COOKIE_BYTES_LIMIT: usize = 1024 * 1024;
/// The largest verified-token cache a gate accepts, in tokens.
pub const MAX_VERIFIED_TOKEN_CACHE: usize = 1_000_000;
/// The largest verified-token cache budget a gate accepts, in bytes (1 GiB).
pub const MAX_VERIFIED_TOKEN_CACHE_BYTES: usize = 1024 * 1024 * 1024;
/// The largest clock leeway a gate accepts.
pub const MAX_LEEWAY: Duration = Duration::from_secs(3600);

/// The WorkOS API, whose `/sso/jwks/{client_id}` serves the access tokens' keys.
pub const WORKOS_API_BASE: &str = "https://api.workos.com";
/// How long a refreshed session is remembered for requests still carrying the old cookie.
pub const DEFAULT_REFRESH_GRACE: Duration = Duration::from_secs(60);
/// The whole time a refresh may take, retries included.
pub const DEFAULT_REFRESH_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest refresh buffer and grace window a gate accepts.
pub const MAX_REFRESH_WINDOW: Duration = Duration::from_secs(3600);
/// The largest refresh timeout a gate accepts.
pub const MAX_REFRESH_TIMEOUT: Duration = Duration::from_secs(120);

/// Where the access token's verification keys come from.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwksSource {
    /// A JWKS document (JSON text), used as is: offline, no network.
    Static(String),
    /// A JWKS URL, fetched and cached.
    Url(String),
    /// An OIDC issuer: its discovery document names the JWKS URL.
    Discovery(String),
}

impl JwksSource {
    /// WorkOS's JWKS for a client: `https://api.workos.com/sso/jwks/{client_id}`.
    pub fn workos(client_id: &str) -> JwksSource {
        JwksSource::workos_at(WORKOS_API_BASE, client_id)
    }

    /// WorkOS's JWKS for a client, at another API base (a proxy, a test server).
    pub fn workos_at(api_base: &str, client_id: &str) -> JwksSource {
        JwksSource::Url(format!("{}/sso/jwks/{client_id}", api_base.trim_end_matches('/')))
    }

    /// The source the options name: at most one of a static document, a URL or an issuer;
    /// none of them means WorkOS's JWKS for `client_id`.
    pub fn select(
        client_id: &str,
        jwks: Option<String>,
        jwks_url: Option<String>,
        discovery_issuer: Option<String>,
    ) -> Result<JwksSource, Error> {
        match (jwks, jwks_url, discovery_issuer) {
            (Some(doc), None, None) => Ok(JwksSource::Static(doc)),
            (None, Some(url), None) => Ok(JwksSource::Url(url)),
            (None, None, Some(issuer)) => Ok(JwksSource::Discovery(issuer)),
            (None, None, None) => Ok(JwksSource::workos(client_id)),
            _ => Err(Error::Configuration("give at most one key source: jwks, jwks_url or discovery_issuer".into())),
        }
    }

    /// How the source is shown (`repr`, `Debug`): never the document, never URL credentials.
    pub fn describe(&self) -> String {
        match self {
            JwksSource::Static(doc) => format!("static ({} bytes)", doc.len()),
            JwksSource::Url(url) => format!("url {}", redact::url(url)),
            JwksSource::Discovery(issuer) => format!("discovery {}", redact::url(issuer)),
        }
    }
}

impl fmt::Debug for JwksSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwksSource::Static(doc) => write!(f, "Static({} bytes)", doc.len()),
            JwksSource::Url(url) => f.debug_tuple("Url").field(&redact::url(url)).finish(),
            JwksSource::Discovery(issuer) => f.debug_tuple("Discovery").field(&redact::url(issuer)).finish(),
        }
    }
}

/// Everything a [`crate::SessionGate`] needs. Build with [`Config::new`], then adjust fields;
/// [`crate::SessionGate::new`] checks every field.
#[derive(Clone)]
pub struct Config {
    /// The WorkOS client id (`client_…`): names the default JWKS URL.
    pub client_id: String,
    /// Cookie secrets: the first seals, every one is tried to unseal (rotation).
    pub cookie_passwords: Vec<String>,
    /// The verification keys.
    pub jwks: JwksSource,
    /// Accepted `iss` values; empty: not checked (as the SDKs by default), except that a
    /// [`JwksSource::Discovery`] issuer is then the one accepted `iss`.
    pub issuers: Vec<String>,
    /// Accepted `aud` values; empty: not checked (as the SDKs).
    pub audiences: Vec<String>,
    /// Clock leeway for `exp`, `nbf`, `iat` (default 0, at most [`MAX_LEEWAY`]).
    pub leeway: Duration,
    /// Accepted token algorithms (default RS256).
    pub algorithms: Vec<Algorithm>,
    /// Refuse tokens without `exp` (default true; the peers accept them forever).
    pub require_exp: bool,
    /// Longest cookie accepted, in bytes (default 16 KiB, 1 to [`MAX_COOKIE_BYTES_LIMIT`]).
    pub max_cookie_bytes: usize,
    /// Cache and network settings for [`JwksSource::Url`] and [`JwksSource::Discovery`].
    pub jwks_options: JwksOptions,
    /// How many verified tokens to remember (default 4096; 0 disables the cache).
    pub verified_token_cache: usize,
    /// The verified-token cache's budget: the most bytes of tokens it remembers (default
    /// 16 MiB, at most [`MAX_VERIFIED_TOKEN_CACHE_BYTES`]; 0 disables the cache).
    pub verified_token_cache_bytes: usize,
    /// The WorkOS API key (`sk_…`): needed to refresh. Never shown by `Debug`.
    pub api_key: Option<String>,
    /// The WorkOS API base (default [`WORKOS_API_BASE`]): refresh and logout URLs.
    pub api_base_url: String,
    /// Refresh a still-valid token when it expires within this (`None`: authkit-nextjs's
    /// rule, 60 s, or 30 s for tokens lasting 5 minutes or less; zero disables).
    pub refresh_buffer: Option<Duration>,
    /// How long a refreshed session is remembered for the old cookie (default 60 s, never
    /// past the new access token's expiry; zero disables).
    pub refresh_grace: Duration,
    /// The whole time a refresh may take, retries included (default 10 s).
    pub refresh_timeout: Duration,
    /// A Redis (or Valkey) URL, `redis://` or `rediss://`, to share refreshes across
    /// processes (`None`: in this process only). Never shown by `Debug` beyond its redacted
    /// form. Every process must have the same first cookie password.
    pub refresh_coordinator: Option<String>,
    /// The bound on each Redis command (default 50 ms, at most 5 s).
    pub refresh_coordinator_timeout: Duration,
    /// The seal formats read (default [`SealFormat::DEFAULT`]: every one but `dotnet`).
    pub formats: Vec<SealFormat>,
    /// Let secrets shorter than 32 bytes be derived into keys for the formats whose SDKs take
    /// them (go, php-halite, dotnet, ruby 7.0–8.0.0). Default false.
    pub allow_weak_secrets: bool,
    /// How long a step-up grant counts (default 12 h, more than 0, at most 30 days).
    pub step_up_grant_ttl: Duration,
    /// Where step-up audit events go (`None`: nowhere).
    pub audit: Option<AuditSink>,
}

impl Config {
    /// A configuration with the contract's defaults.
    pub fn new(client_id: impl Into<String>, cookie_passwords: Vec<String>, jwks: JwksSource) -> Config {
        Config {
            client_id: client_id.into(),
            cookie_passwords,
            jwks,
            issuers: Vec::new(),
            audiences: Vec::new(),
            leeway: Duration::ZERO,
            algorithms: vec![Algorithm::RS256],
            require_exp: true,
            max_cookie_bytes: DEFAULT_MAX_COOKIE_BYTES,
            jwks_options: JwksOptions::default(),
            verified_token_cache: DEFAULT_VERIFIED_TOKEN_CACHE,
            verified_token_cache_bytes: DEFAULT_VERIFIED_TOKEN_CACHE_BYTES,
            api_key: None,
            api_base_url: WORKOS_API_BASE.to_owned(),
            refresh_buffer: None,
            refresh_grace: DEFAULT_REFRESH_GRACE,
            refresh_timeout: DEFAULT_REFRESH_TIMEOUT,
            refresh_coordinator: None,
            refresh_coordinator_timeout: DEFAULT_COORDINATOR_TIMEOUT,
            formats: SealFormat::DEFAULT.to_vec(),
            allow_weak_secrets: false,
            step_up_grant_ttl: DEFAULT_GRANT_TTL,
            audit: None,
        }
    }

    /// Checks the ranges of every field (the secrets and keys are checked when the gate is
    /// built from them).
    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.algorithms.is_empty() {
            return Err(Error::Configuration("algorithms: at least one token algorithm is required".into()));
        }
        if self.leeway > MAX_LEEWAY {
            return Err(Error::Configuration(format!("leeway must be at most {} seconds", MAX_LEEWAY.as_secs())));
        }
        if !(1..=MAX_COOKIE_BYTES_LIMIT).contains(&self.max_cookie_bytes) {
            return Err(Error::Configuration(format!(
                "max_cookie_bytes must be a whole number from 1 to {MAX_COOKIE_BYTES_LIMIT}"
            )));
        }
        if self.formats.is_empty() {
            return Err(Error::Configuration("formats: at least one seal format is required".into()));
        }
        if self.verified_token_cache > MAX_VERIFIED_TOKEN_CACHE {
            return Err(Error::Configuration(format!(
                "verified_token_cache must be a whole number from 0 to {MAX_VERIFIED_TOKEN_CACHE} (0 disables the cache)"
            )));
        }
        if self.verified_token_cache_bytes > MAX_VERIFIED_TOKEN_CACHE_BYTES {
            return Err(Error::Configuration(format!(
                "verified_token_cache_bytes must be a whole number from 0 to {MAX_VERIFIED_TOKEN_CACHE_BYTES} (0 disables the cache)"
            )));
        }
        if self.api_key.as_deref().is_some_and(str::is_empty) {
            return Err(Error::Configuration("api_key is empty: give the WorkOS API key, or leave the option out".into()));
        }
        http::check_url(&self.api_base_url, "api_base_url")?;
        let max = MAX_REFRESH_WINDOW.as_secs();
        if self.refresh_buffer.is_some_and(|b| b > MAX_REFRESH_WINDOW) {
            return Err(Error::Configuration(format!("refresh_buffer_seconds must be at most {max} seconds")));
        }
        if self.refresh_grace > MAX_REFRESH_WINDOW {
            return Err(Error::Configuration(format!("refresh_grace_seconds must be at most {max} seconds")));
        }
        if let Some(url) = &self.refresh_coordinator {
            fleet::check_url(url)?;
        }
        if self.refresh_coordinator_timeout.is_zero() || self.refresh_coordinator_timeout > MAX_COORDINATOR_TIMEOUT {
            return Err(Error::Configuration(format!(
                "refresh_coordinator_timeout_seconds must be more than 0 and at most {} seconds",
                MAX_COORDINATOR_TIMEOUT.as_secs()
            )));
        }
        if self.refresh_timeout.is_zero() || self.refresh_timeout > MAX_REFRESH_TIMEOUT {
            return Err(Error::Configuration(format!(
                "refresh_timeout_seconds must be more than 0 and at most {} seconds",
                MAX_REFRESH_TIMEOUT.as_secs()
            )));
        }
        if self.step_up_grant_ttl.is_zero() || self.step_up_grant_ttl > MAX_GRANT_TTL {
            return Err(Error::Configuration(format!(
                "step_up_grant_ttl_seconds must be more than 0 and at most {} seconds",
                MAX_GRANT_TTL.as_secs()
            )));
        }
        Ok(())
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("client_id", &self.client_id)
            .field("cookie_passwords", &format_args!("[{} redacted]", self.cookie_passwords.len()))
            .field("jwks", &self.jwks)
            .field("issuers", &self.issuers.iter().map(|i| redact::url(i)).collect::<Vec<_>>())
            .field("audiences", &self.audiences)
            .field("leeway", &self.leeway)
            .field("algorithms", &self.algorithms)
            .field("require_exp", &self.require_exp)
            .field("max_cookie_bytes", &self.max_cookie_bytes)
            .field("jwks_options", &self.jwks_options)
            .field("verified_token_cache", &self.verified_token_cache)
            .field("verified_token_cache_bytes", &self.verified_token_cache_bytes)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("api_base_url", &redact::url(&self.api_base_url))
            .field("refresh_buffer", &self.refresh_buffer)
            .field("refresh_grace", &self.refresh_grace)
            .field("refresh_timeout", &self.refresh_timeout)
            .field("refresh_coordinator", &self.refresh_coordinator.as_deref().map(redact::url))
            .field("refresh_coordinator_timeout", &self.refresh_coordinator_timeout)
            .field("formats", &self.formats)
            .field("allow_weak_secrets", &self.allow_weak_secrets)
            .field("step_up_grant_ttl", &self.step_up_grant_ttl)
            .field("audit", &self.audit.is_some())
            .finish()
    }
}

/// The gate's options as every binding hands them over: host values already extracted
/// (strings, lists of strings, numbers as `f64` because JavaScript has no integers, flags),
/// everything else decided here by [`GateOptions::into_config`]. `None` means "the default".
#[derive(Clone, Default)]
pub struct GateOptions {
    /// The WorkOS client id.
    pub client_id: String,
    /// The cookie secrets (the first seals).
    pub cookie_passwords: Vec<String>,
    /// A static JWKS document (JSON text).
    pub jwks: Option<String>,
    /// A JWKS URL.
    pub jwks_url: Option<String>,
    /// An OIDC issuer whose discovery document names the JWKS URL.
    pub discovery_issuer: Option<String>,
    /// Accepted `iss` values (an empty list is refused: it would silently check nothing).
    pub issuers: Option<Vec<String>>,
    /// Accepted `aud` values (an empty list is refused).
    pub audiences: Option<Vec<String>>,
    /// Clock leeway in seconds (0 to 3600).
    pub leeway_seconds: Option<f64>,
    /// Refuse tokens without `exp` (default true).
    pub require_exp: Option<bool>,
    /// Longest cookie accepted, in bytes (1 to 1 MiB).
    pub max_cookie_bytes: Option<f64>,
    /// Accepted token algorithm names (`RS256`…).
    pub algorithms: Option<Vec<String>>,
    /// Verified tokens remembered (0 to 1,000,000; 0 disables the cache).
    pub verified_token_cache: Option<f64>,
    /// The verified-token cache's budget in bytes of tokens (0 to 1 GiB; default 16 MiB).
    pub verified_token_cache_bytes: Option<f64>,
    /// The WorkOS API key (needed to refresh).
    pub api_key: Option<String>,
    /// The WorkOS API base (default `https://api.workos.com`); with no key source given, the
    /// JWKS is also read from there.
    pub api_base_url: Option<String>,
    /// Refresh buffer in seconds (0 to 3600; 0 disables proactive refresh; default 60, or
    /// 30 for tokens lasting 5 minutes or less).
    pub refresh_buffer_seconds: Option<f64>,
    /// Grace window in seconds (0 to 3600, default 60).
    pub refresh_grace_seconds: Option<f64>,
    /// Refresh timeout in seconds (more than 0, at most 120; default 10).
    pub refresh_timeout_seconds: Option<f64>,
    /// A Redis or Valkey URL (`redis://…`, `rediss://…`) to share refreshes across processes.
    pub refresh_coordinator: Option<String>,
    /// The bound on each Redis command in seconds (more than 0, at most 5; default 0.05).
    pub refresh_coordinator_timeout_seconds: Option<f64>,
    /// Seal format names read (`iron`, `fernet`, `ruby`, `ruby-legacy`, `go`, `php`,
    /// `php-halite`, `dotnet`, `react-router`); absent: every one but `dotnet`.
    pub formats: Option<Vec<String>>,
    /// Allow secrets under 32 bytes for go, php-halite, dotnet and ruby (default false).
    pub allow_weak_secrets: Option<bool>,
    /// How long a step-up grant counts, in seconds (more than 0, at most 30 days; default 12 h).
    pub step_up_grant_ttl_seconds: Option<f64>,
}

impl GateOptions {
    /// The typed configuration, or the configuration error every binding raises for it.
    pub fn into_config(self) -> Result<Config, Error> {
        let default_source = self.jwks.is_none() && self.jwks_url.is_none() && self.discovery_issuer.is_none();
        let jwks = match &self.api_base_url {
            // WorkOS's JWKS lives beside the API it refreshes through.
            Some(base) if default_source => JwksSource::workos_at(base, &self.client_id),
            _ => JwksSource::select(&self.client_id, self.jwks, self.jwks_url, self.discovery_issuer)?,
        };
        let mut config = Config::new(self.client_id, self.cookie_passwords, jwks);
        config.api_key = self.api_key;
        if let Some(base) = self.api_base_url {
            config.api_base_url = base;
        }
        if let Some(buffer) = self.refresh_buffer_seconds {
            config.refresh_buffer = Some(time::duration_from_seconds("refresh_buffer_seconds", buffer, MAX_REFRESH_WINDOW)?);
        }
        if let Some(grace) = self.refresh_grace_seconds {
            config.refresh_grace = time::duration_from_seconds("refresh_grace_seconds", grace, MAX_REFRESH_WINDOW)?;
        }
        if let Some(timeout) = self.refresh_timeout_seconds {
            config.refresh_timeout = time::duration_from_seconds("refresh_timeout_seconds", timeout, MAX_REFRESH_TIMEOUT)?;
            if config.refresh_timeout.is_zero() {
                return Err(Error::Configuration(format!(
                    "refresh_timeout_seconds must be more than 0 and at most {} seconds",
                    MAX_REFRESH_TIMEOUT.as_secs()
                )));
            }
        }
        config.refresh_coordinator = self.refresh_coordinator;
        if let Some(ttl) = self.step_up_grant_ttl_seconds {
            // Zero is refused by `Config::check`, as for a `Config` built directly.
            config.step_up_grant_ttl = time::duration_from_seconds("step_up_grant_ttl_seconds", ttl, MAX_GRANT_TTL)?;
        }
        if let Some(timeout) = self.refresh_coordinator_timeout_seconds {
            // Beyond 5 s is refused here; zero by `Config::check`, as for a `Config` built directly.
            config.refresh_coordinator_timeout =
                time::duration_from_seconds("refresh_coordinator_timeout_seconds", timeout, MAX_COORDINATOR_TIMEOUT)?;
        }
        if let Some(issuers) = self.issuers {
            config.issuers = non_empty("issuer", issuers)?;
        }
        if let Some(audiences) = self.audiences {
            config.audiences = non_empty("audience", audiences)?;
        }
        if let Some(leeway) = self.leeway_seconds {
            config.leeway = time::duration_from_seconds("leeway", leeway, MAX_LEEWAY)?;
        }
        if let Some(require_exp) = self.require_exp {
            config.require_exp = require_exp;
        }
        if let Some(bytes) = self.max_cookie_bytes {
            config.max_cookie_bytes = time::whole_number("max_cookie_bytes", bytes, 1, MAX_COOKIE_BYTES_LIMIT)?;
        }
        if let Some(names) = self.algorithms {
            config.algorithms = names.iter().map(|name| name.parse()).collect::<Result<_, _>>()?;
        }
        if let Some(size) = self.verified_token_cache {
            config.verified_token_cache = time::whole_number("verified_token_cache", size, 0, MAX_VERIFIED_TOKEN_CACHE)?;
        }
        if let Some(bytes) = self.verified_token_cache_bytes {
            config.verified_token_cache_bytes =
                time::whole_number("verified_token_cache_bytes", bytes, 0, MAX_VERIFIED_TOKEN_CACHE_BYTES)?;
        }
        if let Some(names) = self.formats {
            if names.is_empty() {
                return Err(Error::Configuration(
                    "formats: an empty list would read no cookie; leave the option out for the default set".into(),
                ));
            }
            let mut formats = Vec::with_capacity(names.len());
            for name in &names {
                let format = SealFormat::from_name(name)?;
                if !formats.contains(&format) {
                    formats.push(format);
                }
            }
            config.formats = formats;
        }
        if let Some(allow) = self.allow_weak_secrets {
            config.allow_weak_secrets = allow;
        }
        Ok(config)
    }
}

/// What the WorkOS SDKs read from the environment, read here once for every binding's helpers
/// that build a gate without being handed one (Node's `loadSealedSession` and `sessiongate/next`,
/// Python's `load_sealed_session`). An empty variable counts as unset, as in authkit-nextjs.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct WorkosEnvironment {
    /// `WORKOS_CLIENT_ID` (every SDK).
    pub client_id: Option<String>,
    /// `WORKOS_COOKIE_PASSWORD` (authkit-nextjs, authkit-remix…).
    pub cookie_password: Option<String>,
    /// `WORKOS_API_KEY` (every SDK).
    pub api_key: Option<String>,
    /// `WORKOS_BASE_URL` (workos-python, workos-go), else authkit-nextjs's
    /// `WORKOS_API_HOSTNAME` with `WORKOS_API_PORT` and `WORKOS_API_HTTPS` (`false`: http).
    pub api_base_url: Option<String>,
    /// `WORKOS_COOKIE_NAME` (authkit-nextjs): the session cookie's name.
    pub cookie_name: Option<String>,
}

impl WorkosEnvironment {
    /// The variables [`WorkosEnvironment::read`] looks up.
    pub const VARIABLES: [&'static str; 8] = [
        "WORKOS_CLIENT_ID",
        "WORKOS_COOKIE_PASSWORD",
        "WORKOS_API_KEY",
        "WORKOS_BASE_URL",
        "WORKOS_API_HOSTNAME",
        "WORKOS_API_PORT",
        "WORKOS_API_HTTPS",
        "WORKOS_COOKIE_NAME",
    ];

    /// Reads the variables through `var` (the host's environment: `process.env`, `os.environ`).
    pub fn read(var: impl Fn(&str) -> Option<String>) -> WorkosEnvironment {
        let set = |name: &str| var(name).filter(|value| !value.is_empty());
        let api_base_url = set("WORKOS_BASE_URL").or_else(|| {
            let host = set("WORKOS_API_HOSTNAME")?;
            let scheme = if set("WORKOS_API_HTTPS").as_deref() == Some("false") { "http" } else { "https" };
            Some(match set("WORKOS_API_PORT") {
                Some(port) => format!("{scheme}://{host}:{port}"),
                None => format!("{scheme}://{host}"),
            })
        });
        WorkosEnvironment {
            client_id: set("WORKOS_CLIENT_ID"),
            cookie_password: set("WORKOS_COOKIE_PASSWORD"),
            api_key: set("WORKOS_API_KEY"),
            api_base_url,
            cookie_name: set("WORKOS_COOKIE_NAME"),
        }
    }

    /// The configuration error naming which of `needed` (`"WORKOS_CLIENT_ID"`,
    /// `"WORKOS_COOKIE_PASSWORD"`) is unset, for a helper that cannot build a gate without it.
    pub fn require(&self, needed: &[&str]) -> Result<(), Error> {
        let mut missing = Vec::new();
        for &name in needed {
            let value = match name {
                "WORKOS_CLIENT_ID" => &self.client_id,
                "WORKOS_COOKIE_PASSWORD" => &self.cookie_password,
                "WORKOS_API_KEY" => &self.api_key,
                _ => return Err(Error::Configuration(format!("{name} is not a variable a gate needs"))),
            };
            if value.is_none() {
                missing.push(name);
            }
        }
        match missing.is_empty() {
            true => Ok(()),
            false => Err(Error::Configuration(format!(
                "set {} in the server's environment (the WorkOS SDKs' variables)",
                missing.join(" and ")
            ))),
        }
    }
}

/// The secrets are never shown.
impl fmt::Debug for WorkosEnvironment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secret = |s: &Option<String>| s.as_ref().map(|_| "<redacted>");
        f.debug_struct("WorkosEnvironment")
            .field("client_id", &self.client_id)
            .field("cookie_password", &secret(&self.cookie_password))
            .field("api_key", &secret(&self.api_key))
            .field("api_base_url", &self.api_base_url.as_deref().map(redact::url))
            .field("cookie_name", &self.cookie_name)
            .finish()
    }
}

fn non_empty(what: &str, values: Vec<String>) -> Result<Vec<String>, Error> {
    if values.is_empty() {
        return Err(Error::Configuration(format!("{what}: an empty list would check nothing; leave the option out instead")));
    }
    Ok(values)
}

impl fmt::Debug for GateOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = |u: &Option<String>| u.as_deref().map(redact::url);
        f.debug_struct("GateOptions")
            .field("client_id", &self.client_id)
            .field("cookie_passwords", &format_args!("[{} redacted]", self.cookie_passwords.len()))
            .field("jwks", &self.jwks.as_ref().map(|doc| format!("{} bytes", doc.len())))
            .field("jwks_url", &url(&self.jwks_url))
            .field("discovery_issuer", &url(&self.discovery_issuer))
            .field("issuers", &self.issuers.as_ref().map(|l| l.iter().map(|i| redact::url(i)).collect::<Vec<_>>()))
            .field("audiences", &self.audiences)
            .field("leeway_seconds", &self.leeway_seconds)
            .field("require_exp", &self.require_exp)
            .field("max_cookie_bytes", &self.max_cookie_bytes)
            .field("algorithms", &self.algorithms)
            .field("verified_token_cache", &self.verified_token_cache)
            .field("verified_token_cache_bytes", &self.verified_token_cache_bytes)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("api_base_url", &url(&self.api_base_url))
            .field("refresh_buffer_seconds", &self.refresh_buffer_seconds)
            .field("refresh_grace_seconds", &self.refresh_grace_seconds)
            .field("refresh_timeout_seconds", &self.refresh_timeout_seconds)
            .field("refresh_coordinator", &url(&self.refresh_coordinator))
            .field("refresh_coordinator_timeout_seconds", &self.refresh_coordinator_timeout_seconds)
            .field("formats", &self.formats)
            .field("allow_weak_secrets", &self.allow_weak_secrets)
            .field("step_up_grant_ttl_seconds", &self.step_up_grant_ttl_seconds)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> GateOptions {
        GateOptions {
            client_id: "client_1".into(),
            cookie_passwords: vec!["a-cookie-password-of-at-least-32-characters".into()],
            jwks: Some(r#"{"keys": []}"#.into()),
            ..GateOptions::default()
        }
    }

    #[test]
    fn key_source_is_exactly_one_or_workos() {
        let source = |jwks: Option<&str>, url: Option<&str>, issuer: Option<&str>| {
            JwksSource::select("client_1", jwks.map(Into::into), url.map(Into::into), issuer.map(Into::into))
        };
        assert_eq!(source(None, None, None).unwrap(), JwksSource::workos("client_1"));
        assert_eq!(source(None, Some("https://k/jwks"), None).unwrap(), JwksSource::Url("https://k/jwks".into()));
        assert_eq!(source(None, None, Some("https://i")).unwrap(), JwksSource::Discovery("https://i".into()));
        for both in [source(Some("{}"), Some("https://k"), None), source(None, Some("https://k"), Some("https://i")), source(Some("{}"), None, Some("https://i"))] {
            assert!(both.unwrap_err().to_string().contains("at most one key source"));
        }
    }

    #[test]
    fn numbers_and_names_have_one_rule() {
        let bad = |patch: fn(&mut GateOptions)| {
            let mut o = options();
            patch(&mut o);
            o.into_config().and_then(|c| c.check()).unwrap_err().to_string()
        };
        assert!(bad(|o| o.max_cookie_bytes = Some(0.0)).contains("max_cookie_bytes"));
        assert!(bad(|o| o.max_cookie_bytes = Some(1e12)).contains("max_cookie_bytes"));
        assert!(bad(|o| o.verified_token_cache = Some(-1.0)).contains("verified_token_cache"));
        assert!(bad(|o| o.verified_token_cache = Some(1.5)).contains("verified_token_cache"));
        assert!(bad(|o| o.verified_token_cache_bytes = Some(-1.0)).contains("verified_token_cache_bytes"));
        assert!(bad(|o| o.verified_token_cache_bytes = Some(2e9)).contains("verified_token_cache_bytes"));
        assert!(bad(|o| o.leeway_seconds = Some(-1.0)).contains("leeway"));
        assert!(bad(|o| o.leeway_seconds = Some(f64::NAN)).contains("leeway"));
        assert!(bad(|o| o.algorithms = Some(vec!["HS256".into()])).contains("never accepted"));
        assert!(bad(|o| o.algorithms = Some(vec!["none".into()])).contains("never accepted"));
        assert!(bad(|o| o.algorithms = Some(vec![])).contains("at least one"));
        assert!(bad(|o| o.issuers = Some(vec![])).contains("issuer"));
        assert!(bad(|o| o.audiences = Some(vec![])).contains("audience"));
        assert!(bad(|o| o.refresh_buffer_seconds = Some(-1.0)).contains("refresh_buffer_seconds"));
        assert!(bad(|o| o.refresh_buffer_seconds = Some(3601.0)).contains("refresh_buffer_seconds"));
        assert!(bad(|o| o.refresh_grace_seconds = Some(f64::NAN)).contains("refresh_grace_seconds"));
        assert!(bad(|o| o.refresh_timeout_seconds = Some(0.0)).contains("refresh_timeout_seconds"));
        assert!(bad(|o| o.refresh_timeout_seconds = Some(121.0)).contains("refresh_timeout_seconds"));
        assert!(bad(|o| o.api_key = Some(String::new())).contains("api_key"));
        assert!(bad(|o| o.api_base_url = Some("http://api.example".into())).contains("api_base_url must use https"));
        assert!(bad(|o| o.formats = Some(vec![])).contains("formats"));
        assert!(bad(|o| o.formats = Some(vec!["fernet".into(), "rails".into()])).contains("unknown seal format \"rails\""));
        let ok = GateOptions { leeway_seconds: Some(30.0), max_cookie_bytes: Some(4096.0), ..options() }.into_config().unwrap();
        assert_eq!((ok.leeway, ok.max_cookie_bytes), (Duration::from_secs(30), 4096));
        assert_eq!(ok.formats, SealFormat::DEFAULT.to_vec());
        let picked = GateOptions { formats: Some(vec!["dotnet".into(), "go".into(), "go".into()]), allow_weak_secrets: Some(true), ..options() };
        let picked = picked.into_config().unwrap();
        assert_eq!((picked.formats, picked.allow_weak_secrets), (vec![SealFormat::Dotnet, SealFormat::Go], true));
    }

    #[test]
    fn refresh_defaults_and_the_api_base_names_the_jwks() {
        let c = options().into_config().unwrap();
        assert_eq!((c.api_key.as_deref(), c.api_base_url.as_str()), (None, WORKOS_API_BASE));
        assert_eq!((c.refresh_buffer, c.refresh_grace, c.refresh_timeout), (None, Duration::from_secs(60), Duration::from_secs(10)));
        let o = GateOptions {
            jwks: None,
            api_base_url: Some("http://127.0.0.1:9/".into()),
            refresh_buffer_seconds: Some(0.0),
            ..options()
        };
        let c = o.into_config().unwrap();
        assert_eq!(c.jwks, JwksSource::Url("http://127.0.0.1:9/sso/jwks/client_1".into()));
        assert_eq!(c.refresh_buffer, Some(Duration::ZERO));
    }

    #[test]
    fn debug_hides_secrets_and_url_credentials() {
        let o = GateOptions {
            jwks: None,
            jwks_url: Some("https://u:s3cr3t@keys/jwks?key=s3cr3t".into()),
            api_key: Some("sk_s3cr3t".into()),
            refresh_coordinator: Some("redis://:s3cr3t@127.0.0.1:6379/0".into()),
            ..options()
        };
        let shown = format!("{o:?} {:?}", o.clone().into_config().unwrap());
        assert!(!shown.contains("s3cr3t") && !shown.contains("a-cookie-password"), "{shown}");
    }

    #[test]
    fn the_refresh_coordinator_is_a_redis_url_with_a_bounded_command_timeout() {
        let c = options().into_config().unwrap();
        assert_eq!((c.refresh_coordinator, c.refresh_coordinator_timeout), (None, DEFAULT_COORDINATOR_TIMEOUT));
        let with = |url: &str, timeout: Option<f64>| {
            let o = GateOptions { refresh_coordinator: Some(url.into()), refresh_coordinator_timeout_seconds: timeout, ..options() };
            o.into_config().and_then(|c| c.check().map(|()| c)).map_err(|e| e.to_string())
        };
        let c = with("rediss://cache.internal:6380/2", Some(0.2)).unwrap();
        assert_eq!(c.refresh_coordinator.as_deref(), Some("rediss://cache.internal:6380/2"));
        assert_eq!(c.refresh_coordinator_timeout, Duration::from_millis(200));
        for (url, timeout, says) in [
            ("http://127.0.0.1:6379", None, "redis://"),
            ("redis://127.0.0.1", Some(0.0), "refresh_coordinator_timeout_seconds must be more than 0"),
            ("redis://127.0.0.1", Some(6.0), "refresh_coordinator_timeout_seconds must be a number of seconds from 0 to 5"),
            ("redis://127.0.0.1", Some(f64::NAN), "refresh_coordinator_timeout_seconds"),
        ] {
            let error = with(url, timeout).unwrap_err();
            assert!(error.contains(says), "{url} {timeout:?}: {error}");
        }
    }
}
