//! Swift binding of sessiongate (uniffi proc-macros): converts types and maps errors, nothing
//! more. The generated Swift module is `SessionGate` (see `uniffi.toml`); every exported call
//! runs under `catch_unwind`, so no panic crosses the FFI.

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod error;
mod stepup;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

pub use error::SessionGateError;
use error::guard;
pub use stepup::{Challenge, DenialReason, StepUpDecision, StepUpPolicy, TokenVerificationResult, VerifiedToken};

uniffi::setup_scaffolding!();

/// How to build a [`SessionGate`]. Swift: `SessionGateConfig(clientId:cookiePasswords:jwks:…)`.
#[derive(Clone, uniffi::Record)]
#[uniffi::export(Debug)]
pub struct SessionGateConfig {
    /// The WorkOS client id (`client_…`).
    pub client_id: String,
    /// Cookie secrets: the first seals, every one is tried to unseal (rotation).
    pub cookie_passwords: Vec<String>,
    /// A JWKS document (JSON text): verify offline with these keys.
    #[uniffi(default = None)]
    pub jwks: Option<String>,
    /// A JWKS URL to fetch (and cache) the keys from: `https`, or plain `http` on loopback only.
    /// Neither `jwks` nor `jwksUrl`: WorkOS's JWKS for `clientId`.
    #[uniffi(default = None)]
    pub jwks_url: Option<String>,
    /// An accepted `iss`; `nil` and no `issuers`: not checked.
    #[uniffi(default = None)]
    pub issuer: Option<String>,
    /// An accepted `aud`; `nil` and no `audiences`: not checked.
    #[uniffi(default = None)]
    pub audience: Option<String>,
    /// Clock leeway for `exp`, `nbf`, `iat`, in seconds (default 0).
    #[uniffi(default = 0.0)]
    pub leeway_seconds: f64,
    /// More accepted `iss` values (with `issuer`).
    #[uniffi(default = [])]
    pub issuers: Vec<String>,
    /// More accepted `aud` values (with `audience`).
    #[uniffi(default = [])]
    pub audiences: Vec<String>,
    /// Refuse tokens without `exp` (default true).
    #[uniffi(default = true)]
    pub require_exp: bool,
    /// Longest cookie accepted, in bytes (default 16 KiB).
    #[uniffi(default = 16384)]
    pub max_cookie_bytes: u64,
    /// Accepted token algorithms (`RS256`, `ES256`…); empty: the default, RS256 only.
    #[uniffi(default = [])]
    pub algorithms: Vec<String>,
    /// How many verified tokens to remember (default 4096; 0 disables the cache).
    #[uniffi(default = 4096)]
    pub verified_token_cache: u64,
    /// An OIDC issuer URL whose discovery document names the JWKS (instead of `jwks`/`jwksUrl`).
    #[uniffi(default = None)]
    pub discovery_issuer: Option<String>,
}

impl fmt::Debug for SessionGateConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionGateConfig")
            .field("client_id", &self.client_id)
            .field("cookie_passwords", &format_args!("[{} redacted]", self.cookie_passwords.len()))
            .field("jwks", &self.jwks.as_ref().map(|doc| format!("{} bytes", doc.len())))
            .field("jwks_url", &self.jwks_url)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway_seconds", &self.leeway_seconds)
            .field("issuers", &self.issuers)
            .field("audiences", &self.audiences)
            .field("require_exp", &self.require_exp)
            .field("max_cookie_bytes", &self.max_cookie_bytes)
            .field("algorithms", &self.algorithms)
            .field("verified_token_cache", &self.verified_token_cache)
            .field("discovery_issuer", &self.discovery_issuer)
            .finish()
    }
}

impl SessionGateConfig {
    fn into_core(self) -> Result<sessiongate::Config, SessionGateError> {
        let jwks = match (self.jwks, self.jwks_url, self.discovery_issuer) {
            (Some(doc), None, None) => sessiongate::JwksSource::Static(doc),
            (None, Some(url), None) => sessiongate::JwksSource::Url(url),
            (None, None, Some(issuer)) => sessiongate::JwksSource::Discovery(issuer),
            (None, None, None) => sessiongate::JwksSource::workos(&self.client_id),
            _ => return Err(SessionGateError::configuration("set one of jwks, jwksUrl or discoveryIssuer")),
        };
        let mut config = sessiongate::Config::new(self.client_id, self.cookie_passwords, jwks);
        config.issuers = self.issuer.into_iter().chain(self.issuers).collect();
        config.audiences = self.audience.into_iter().chain(self.audiences).collect();
        config.leeway = Duration::try_from_secs_f64(self.leeway_seconds)
            .map_err(|_| SessionGateError::configuration("leewaySeconds must be a finite, non-negative number"))?;
        config.require_exp = self.require_exp;
        config.verified_token_cache = usize::try_from(self.verified_token_cache)
            .map_err(|_| SessionGateError::configuration("verifiedTokenCache is too large"))?;
        config.max_cookie_bytes = usize::try_from(self.max_cookie_bytes)
            .map_err(|_| SessionGateError::configuration("maxCookieBytes is too large"))?;
        if !self.algorithms.is_empty() {
            config.algorithms = self
                .algorithms
                .iter()
                .map(|name| {
                    sessiongate::Algorithm::from_str(name)
                        .map_err(|_| SessionGateError::configuration(format!("unknown token algorithm {name:?}")))
                })
                .collect::<Result<_, _>>()?;
        }
        Ok(config)
    }
}

/// Which SDK format a cookie is in: `.iron` (@workos-inc/node, authkit-nextjs) or `.fernet`
/// (workos-python). `description` is `"iron"` / `"fernet"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
#[uniffi::export(Display)]
pub enum SealFormat {
    Iron,
    Fernet,
}

impl fmt::Display for SealFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(sessiongate::SealFormat::from(*self).as_str())
    }
}

impl From<SealFormat> for sessiongate::SealFormat {
    fn from(format: SealFormat) -> Self {
        match format {
            SealFormat::Iron => sessiongate::SealFormat::Iron,
            SealFormat::Fernet => sessiongate::SealFormat::Fernet,
        }
    }
}

impl From<sessiongate::SealFormat> for SealFormat {
    fn from(format: sessiongate::SealFormat) -> Self {
        match format {
            sessiongate::SealFormat::Iron => SealFormat::Iron,
            sessiongate::SealFormat::Fernet => SealFormat::Fernet,
        }
    }
}

/// Why a cookie was refused. `description` is the peers' string: `no_session_cookie_provided`,
/// `invalid_session_cookie` or `invalid_jwt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
#[uniffi::export(Display)]
pub enum FailureReason {
    NoSessionCookieProvided,
    InvalidSessionCookie,
    InvalidJwt,
}

impl FailureReason {
    fn core(self) -> sessiongate::FailureReason {
        match self {
            FailureReason::NoSessionCookieProvided => sessiongate::FailureReason::NoSessionCookieProvided,
            FailureReason::InvalidSessionCookie => sessiongate::FailureReason::InvalidSessionCookie,
            FailureReason::InvalidJwt => sessiongate::FailureReason::InvalidJwt,
        }
    }
}

impl fmt::Display for FailureReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.core().as_str())
    }
}

impl From<sessiongate::FailureReason> for FailureReason {
    fn from(reason: sessiongate::FailureReason) -> Self {
        match reason {
            sessiongate::FailureReason::NoSessionCookieProvided => FailureReason::NoSessionCookieProvided,
            sessiongate::FailureReason::InvalidSessionCookie => FailureReason::InvalidSessionCookie,
            sessiongate::FailureReason::InvalidJwt => FailureReason::InvalidJwt,
        }
    }
}

/// The sealed WorkOS user: the usual fields typed (camelCase or snake_case keys), and the whole
/// object as JSON text in `rawJson`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct User {
    pub id: Option<String>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email_verified: Option<bool>,
    pub profile_picture_url: Option<String>,
    pub last_sign_in_at: Option<String>,
    pub external_id: Option<String>,
    pub locale: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    /// The sealed user object, verbatim, as JSON text.
    pub raw_json: String,
}

/// The sealed impersonator (`email`, `reason`), and the whole object as JSON text.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Impersonator {
    pub email: Option<String>,
    pub reason: Option<String>,
    /// The sealed impersonator object, verbatim, as JSON text.
    pub raw_json: String,
}

/// A string field of a sealed object, under its camelCase (iron) or snake_case (Fernet) key.
fn text(value: &Value, camel: &str, snake: &str) -> Option<String> {
    [camel, snake].iter().find_map(|key| value.get(key).and_then(Value::as_str)).map(str::to_owned)
}

fn raw_json(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

impl From<&Value> for User {
    fn from(user: &Value) -> Self {
        User {
            id: text(user, "id", "id"),
            email: text(user, "email", "email"),
            first_name: text(user, "firstName", "first_name"),
            last_name: text(user, "lastName", "last_name"),
            email_verified: ["emailVerified", "email_verified"]
                .iter()
                .find_map(|key| user.get(key).and_then(Value::as_bool)),
            profile_picture_url: text(user, "profilePictureUrl", "profile_picture_url"),
            last_sign_in_at: text(user, "lastSignInAt", "last_sign_in_at"),
            external_id: text(user, "externalId", "external_id"),
            locale: text(user, "locale", "locale"),
            created_at: text(user, "createdAt", "created_at"),
            updated_at: text(user, "updatedAt", "updated_at"),
            raw_json: raw_json(user),
        }
    }
}

impl From<&Value> for Impersonator {
    fn from(impersonator: &Value) -> Self {
        Impersonator {
            email: text(impersonator, "email", "email"),
            reason: text(impersonator, "reason", "reason"),
            raw_json: raw_json(impersonator),
        }
    }
}

/// An authenticated session: workos-python's `AuthenticateWithSessionCookieSuccessResponse`
/// fields in camelCase, plus `amr`, `acr`, `authTime`, every verified claim (`claimsJson`) and
/// the cookie's `format`. Its descriptions never print the access token.
#[derive(Clone, PartialEq, uniffi::Record)]
#[uniffi::export(Debug)]
pub struct AuthenticateWithSessionCookieSuccessResponse {
    pub session_id: String,
    pub organization_id: Option<String>,
    pub role: Option<String>,
    pub roles: Option<Vec<String>>,
    pub permissions: Option<Vec<String>>,
    pub entitlements: Option<Vec<String>>,
    pub feature_flags: Option<Vec<String>>,
    /// How the user authenticated this session (`pwd`, `mfa`, …); `nil` when the token has none.
    pub amr: Option<Vec<String>>,
    pub acr: Option<String>,
    /// When the user authenticated, in seconds since the epoch.
    pub auth_time: Option<i64>,
    pub user: Option<User>,
    pub impersonator: Option<Impersonator>,
    pub authentication_method: Option<String>,
    /// The verified access token (a secret: never printed).
    pub access_token: String,
    /// Every verified claim of the access token, as a JSON object.
    pub claims_json: String,
    pub format: SealFormat,
}

impl fmt::Debug for AuthenticateWithSessionCookieSuccessResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthenticateWithSessionCookieSuccessResponse")
            .field("format", &self.format)
            .field("session_id", &self.session_id)
            .field("organization_id", &self.organization_id)
            .field("role", &self.role)
            .field("roles", &self.roles)
            .field("permissions", &self.permissions)
            .field("amr", &self.amr)
            .field("acr", &self.acr)
            .field("auth_time", &self.auth_time)
            .field("user_id", &self.user.as_ref().and_then(|u| u.id.as_deref()))
            .field("access_token", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl From<sessiongate::Session> for AuthenticateWithSessionCookieSuccessResponse {
    fn from(session: sessiongate::Session) -> Self {
        AuthenticateWithSessionCookieSuccessResponse {
            session_id: session.session_id().to_owned(),
            organization_id: session.organization_id().map(str::to_owned),
            role: session.role().map(str::to_owned),
            roles: owned(session.roles()),
            permissions: owned(session.permissions()),
            entitlements: owned(session.entitlements()),
            feature_flags: owned(session.feature_flags()),
            amr: session.amr(),
            acr: session.acr().map(str::to_owned),
            auth_time: session.auth_time(),
            user: session.user.as_ref().map(User::from),
            impersonator: session.impersonator.as_ref().map(Impersonator::from),
            authentication_method: session.authentication_method,
            access_token: session.access_token,
            claims_json: serde_json::to_string(&*session.claims).unwrap_or_default(),
            format: session.format.into(),
        }
    }
}

fn owned(list: Option<Vec<&str>>) -> Option<Vec<String>> {
    list.map(|items| items.into_iter().map(str::to_owned).collect())
}

/// The outcome of `authenticate`: never an error for a bad cookie.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
#[uniffi::export(Debug)]
#[allow(clippy::large_enum_variant)] // lowered by value across the FFI right away; a Box would not cross
pub enum AuthenticationResult {
    /// The cookie opened and its access token verified.
    Authenticated(AuthenticateWithSessionCookieSuccessResponse),
    /// The cookie or its token was refused: the peers' `reason`, and a stable `detail` code
    /// for logs (`mac_mismatch`, `unknown_kid`, `expired`…).
    Failed { reason: FailureReason, detail: String },
}

impl From<sessiongate::Authentication> for AuthenticationResult {
    fn from(authentication: sessiongate::Authentication) -> Self {
        match authentication {
            sessiongate::Authentication::Authenticated(session) => AuthenticationResult::Authenticated((*session).into()),
            sessiongate::Authentication::Failed(failure) => AuthenticationResult::Failed {
                reason: failure.reason.into(),
                detail: failure.detail.code().to_owned(),
            },
        }
    }
}

/// What `sealSession` seals (the SDKs' payload). `userJson` / `impersonatorJson` are JSON text.
#[derive(Clone, PartialEq, uniffi::Record)]
#[uniffi::export(Debug)]
pub struct SessionData {
    pub access_token: String,
    pub refresh_token: String,
    /// The user object as the WorkOS API returns it, as JSON text.
    pub user_json: String,
    #[uniffi(default = None)]
    pub impersonator_json: Option<String>,
    #[uniffi(default = None)]
    pub authentication_method: Option<String>,
    #[uniffi(default = None)]
    pub organization_id: Option<String>,
}

impl fmt::Debug for SessionData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionData")
            .field("access_token", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("organization_id", &self.organization_id)
            .finish_non_exhaustive()
    }
}

fn parse_json(text: &str, what: &str) -> Result<Value, SessionGateError> {
    serde_json::from_str(text).map_err(|_| SessionGateError::Seal { message: format!("cannot seal: {what} is not JSON") })
}

impl SessionData {
    fn into_core(self) -> Result<sessiongate::SessionData, SessionGateError> {
        Ok(sessiongate::SessionData {
            user: parse_json(&self.user_json, "userJson")?,
            impersonator: self.impersonator_json.as_deref().map(|j| parse_json(j, "impersonatorJson")).transpose()?,
            access_token: self.access_token,
            refresh_token: self.refresh_token,
            authentication_method: self.authentication_method,
            organization_id: self.organization_id,
        })
    }
}

/// Epoch seconds (a Swift `TimeInterval`) as a `SystemTime`.
pub(crate) fn system_time(now: f64) -> Result<SystemTime, SessionGateError> {
    let invalid = || SessionGateError::configuration("now must be a finite number of seconds since the epoch");
    let time = if now >= 0.0 {
        Duration::try_from_secs_f64(now).ok().and_then(|d| UNIX_EPOCH.checked_add(d))
    } else {
        Duration::try_from_secs_f64(-now).ok().and_then(|d| UNIX_EPOCH.checked_sub(d))
    };
    time.ok_or_else(invalid)
}

/// `now` (seconds since the epoch), or the current time when `nil`.
pub(crate) fn time_or_now(now: Option<f64>) -> Result<SystemTime, SessionGateError> {
    now.map_or_else(|| Ok(SystemTime::now()), system_time)
}

/// The state of a remote key set (`jwksUrl` or the default WorkOS URL), for health endpoints.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct JwksStatus {
    /// The JWKS URL.
    pub url: Option<String>,
    /// When the current key set was fetched; `nil` before the first successful fetch.
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

impl From<sessiongate::JwksStatus> for JwksStatus {
    fn from(status: sessiongate::JwksStatus) -> Self {
        JwksStatus {
            url: status.url,
            fetched_at: status.fetched_at,
            kids: status.kids,
            stale: status.stale,
            fetches: status.fetches,
            failures: status.failures,
            last_error: status.last_error,
        }
    }
}

/// Opens WorkOS session cookies (iron and Fernet) and verifies their access token. Thread-safe.
#[derive(Debug, uniffi::Object)]
pub struct SessionGate {
    inner: sessiongate::SessionGate,
}

#[uniffi::export]
impl SessionGate {
    /// Validates the configuration: throws `SessionGateError.Configuration` here, never later.
    #[uniffi::constructor]
    pub fn new(config: SessionGateConfig) -> Result<Arc<SessionGate>, SessionGateError> {
        guard(|| {
            let inner = sessiongate::SessionGate::new(config.into_core()?)?;
            Ok(Arc::new(SessionGate { inner }))
        })
    }

    /// Authenticates a sealed session cookie now. Throws only for an outage of the key source.
    pub fn authenticate(&self, session_data: String) -> Result<AuthenticationResult, SessionGateError> {
        guard(|| Ok(self.inner.authenticate(&session_data)?.into()))
    }

    /// Authenticates at `now` (seconds since the epoch), for tests and vectors.
    pub fn authenticate_at(&self, session_data: String, now: f64) -> Result<AuthenticationResult, SessionGateError> {
        guard(|| Ok(self.inner.authenticate_at(&session_data, system_time(now)?)?.into()))
    }

    /// Seals a session as the SDK of `format` would (iron: camelCase, Fernet: snake_case),
    /// with the first cookie password.
    pub fn seal_session(&self, session: SessionData, format: SealFormat) -> Result<String, SessionGateError> {
        guard(|| Ok(self.inner.seal_session(&session.into_core()?, format.into())?))
    }

    /// Seals any JSON value (JSON text) with the first cookie password.
    pub fn seal_data(&self, json: String, format: SealFormat) -> Result<String, SessionGateError> {
        guard(|| Ok(self.inner.seal_data(&parse_json(&json, "json")?, format.into())?))
    }

    /// Opens any sealed value (either format) with the cookie passwords; returns its JSON text.
    /// Throws `SessionGateError.Unseal` when it cannot be opened.
    pub fn unseal_data(&self, sealed_data: String) -> Result<String, SessionGateError> {
        guard(|| {
            let unsealed = self.inner.unseal_data(&sealed_data, SystemTime::now())?;
            Ok(serde_json::to_string(&unsealed.data).unwrap_or_default())
        })
    }

    /// The remote key cache's state (`jwksUrl` or the default WorkOS URL); `nil` for a static
    /// `jwks`. Never fetches.
    pub fn jwks_status(&self) -> Result<Option<JwksStatus>, SessionGateError> {
        guard(|| Ok(self.inner.jwks_status().map(JwksStatus::from)))
    }

    /// Verifies a bearer access token (not in a cookie) with the gate's keys and rules, at `now`
    /// (seconds since the epoch; `nil`: the current time). A bad token is `.failed`, not an error.
    #[uniffi::method(default(now = None))]
    pub fn verify_access_token(&self, token: String, now: Option<f64>) -> Result<TokenVerificationResult, SessionGateError> {
        guard(|| Ok(self.inner.verify_access_token_at(&token, time_or_now(now)?)?.into()))
    }

    /// Verifies an OIDC ID token: audience = `clientId`, issuer required (configure `issuer`).
    #[uniffi::method(default(now = None))]
    pub fn verify_id_token(&self, token: String, now: Option<f64>) -> Result<TokenVerificationResult, SessionGateError> {
        guard(|| Ok(self.inner.verify_id_token_at(&token, time_or_now(now)?)?.into()))
    }

    /// Evaluates a step-up policy on an authenticated cookie session at `now` (`nil`: the
    /// current time).
    #[uniffi::method(default(now = None))]
    pub fn check(
        &self,
        session: AuthenticateWithSessionCookieSuccessResponse,
        policy: StepUpPolicy,
        now: Option<f64>,
    ) -> Result<StepUpDecision, SessionGateError> {
        guard(|| stepup::check(&policy, session.amr.as_deref(), session.acr.as_deref(), session.auth_time, now))
    }

    /// Evaluates a step-up policy on a verified bearer or ID token at `now`.
    #[uniffi::method(default(now = None))]
    pub fn check_token(
        &self,
        token: VerifiedToken,
        policy: StepUpPolicy,
        now: Option<f64>,
    ) -> Result<StepUpDecision, SessionGateError> {
        guard(|| stepup::check(&policy, token.amr.as_deref(), token.acr.as_deref(), token.auth_time, now))
    }

    /// Returns when the cookie session satisfies the policy; else throws
    /// `SessionGateError.StepUpRequired` with status 403 and the challenge (JSON body).
    #[uniffi::method(default(now = None))]
    pub fn require(
        &self,
        session: AuthenticateWithSessionCookieSuccessResponse,
        policy: StepUpPolicy,
        now: Option<f64>,
    ) -> Result<(), SessionGateError> {
        guard(|| {
            let decision = stepup::check(&policy, session.amr.as_deref(), session.acr.as_deref(), session.auth_time, now)?;
            stepup::require(decision, sessiongate::Challenge::COOKIE_STATUS)
        })
    }

    /// Returns when the verified bearer token satisfies the policy; else throws
    /// `SessionGateError.StepUpRequired` with status 401 and the `WWW-Authenticate` value.
    #[uniffi::method(default(now = None))]
    pub fn require_token(&self, token: VerifiedToken, policy: StepUpPolicy, now: Option<f64>) -> Result<(), SessionGateError> {
        guard(|| {
            let decision = stepup::check(&policy, token.amr.as_deref(), token.acr.as_deref(), token.auth_time, now)?;
            stepup::require(decision, sessiongate::Challenge::BEARER_STATUS)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, json};

    #[test]
    fn user_fields_in_both_namings() {
        let camel = User::from(&json!({"id": "u", "firstName": "A", "emailVerified": true, "profilePictureUrl": "p"}));
        let snake = User::from(&json!({"id": "u", "first_name": "A", "email_verified": true, "profile_picture_url": "p"}));
        assert_eq!(camel.first_name.as_deref(), Some("A"));
        assert_eq!(snake.first_name.as_deref(), Some("A"));
        assert_eq!(snake.email_verified, Some(true));
        assert_eq!(snake.profile_picture_url.as_deref(), Some("p"));
        assert_eq!(serde_json::from_str::<Map<String, Value>>(&snake.raw_json).unwrap()["first_name"], "A");
    }

    #[test]
    fn times_and_config_errors() {
        assert_eq!(system_time(1.5).unwrap(), UNIX_EPOCH + Duration::from_millis(1500));
        assert!(system_time(f64::NAN).is_err());
        let config = SessionGateConfig {
            client_id: "c".into(),
            cookie_passwords: vec!["a-cookie-password-of-at-least-32-characters".into()],
            jwks: Some(r#"{"keys": []}"#.into()),
            jwks_url: None,
            issuer: None,
            audience: None,
            leeway_seconds: -1.0,
            issuers: vec![],
            audiences: vec![],
            require_exp: true,
            max_cookie_bytes: 16384,
            algorithms: vec![],
            verified_token_cache: 4096,
            discovery_issuer: None,
        };
        assert!(!format!("{config:?}").contains("a-cookie-password"));
        let err = SessionGate::new(config).unwrap_err();
        assert_eq!(err.code(), "configuration_error");
    }

    #[test]
    fn key_sources() {
        let config = |jwks: Option<&str>, url: Option<&str>, issuer: Option<&str>| SessionGateConfig {
            client_id: "client_1".into(),
            cookie_passwords: vec!["a-cookie-password-of-at-least-32-characters".into()],
            jwks: jwks.map(Into::into),
            jwks_url: url.map(Into::into),
            issuer: None,
            audience: None,
            leeway_seconds: 0.0,
            issuers: vec![],
            audiences: vec![],
            require_exp: true,
            max_cookie_bytes: 16384,
            algorithms: vec![],
            verified_token_cache: 4096,
            discovery_issuer: issuer.map(Into::into),
        };
        let source = |c: SessionGateConfig| c.into_core().map(|c| c.jwks);
        assert_eq!(
            source(config(None, None, Some("https://issuer.example"))).unwrap(),
            sessiongate::JwksSource::Discovery("https://issuer.example".into())
        );
        assert_eq!(source(config(None, None, None)).unwrap(), sessiongate::JwksSource::workos("client_1"));
        assert!(source(config(None, Some("https://x/jwks"), Some("https://issuer.example"))).is_err());
    }
}
