//! Swift binding of sessiongate (uniffi proc-macros; Swift module `SessionGate`): converts types
//! and maps errors, nothing more. Options go to the core's `GateOptions`, enums and plain records
//! are the core's (`#[uniffi::remote]`), sessions and tokens its views, step-up judges the value
//! behind a `VerifiedHandle`, and every call runs under the core's `catch_panic`.

mod error;
mod mfa;
mod refresh;
mod stepup;

use std::fmt;
use std::sync::Arc;

use serde_json::Value;
use sessiongate::{FailureReason, GateOptions, Impersonator, JwksStatus, SealFormat, StepUpPolicyOptions, User, now_or};

pub use error::{ErrorCodeInfo, SessionGateError, error_codes};
use error::{Result, guard};
pub use mfa::{AuditListener, StepUpChallenge, StepUpCheck, StepUpGrant};
pub use refresh::{RefreshResult, SessionRenewal};
pub use stepup::{StepUpDecision, TokenVerificationResult, VerifiedHandle, VerifiedToken, policy_check_claims};

uniffi::setup_scaffolding!();

/// How to build a [`SessionGate`]: the core's `GateOptions` itself, `nil` meaning the core's
/// default. Every rule (at most one of `jwks` / `jwksUrl` / `discoveryIssuer`, else WorkOS's JWKS
/// for `clientId`; algorithm names; ranges; an empty list is refused) is the core's. Numbers are
/// `Double` as in the core, so every bad value reaches the core's one rule.
#[uniffi::remote(Record)]
#[uniffi(name = "SessionGateConfig")]
pub struct GateOptions {
    pub client_id: String,
    /// Cookie secrets: the first seals, every one is tried to unseal (rotation).
    pub cookie_passwords: Vec<String>,
    /// A JWKS document (JSON text): offline keys.
    #[uniffi(default = None)]
    pub jwks: Option<String>,
    /// A JWKS URL to fetch (and cache): `https`, or plain `http` on loopback only.
    #[uniffi(default = None)]
    pub jwks_url: Option<String>,
    /// An OIDC issuer whose discovery document names the JWKS URL.
    #[uniffi(default = None)]
    pub discovery_issuer: Option<String>,
    /// Accepted `iss` / `aud` values (default: not checked).
    #[uniffi(default = None)]
    pub issuers: Option<Vec<String>>,
    #[uniffi(default = None)]
    pub audiences: Option<Vec<String>>,
    /// Clock leeway for `exp`, `nbf`, `iat`, in seconds (default 0).
    #[uniffi(default = None)]
    pub leeway_seconds: Option<f64>,
    #[uniffi(default = None)]
    pub require_exp: Option<bool>,
    /// Longest cookie accepted, in bytes, a whole number (default 16 KiB).
    #[uniffi(default = None)]
    pub max_cookie_bytes: Option<f64>,
    /// Accepted token algorithms (`RS256`, `ES256`…; default RS256).
    #[uniffi(default = None)]
    pub algorithms: Option<Vec<String>>,
    /// Verified tokens remembered, a whole number (default 4096; 0 disables the cache).
    #[uniffi(default = None)]
    pub verified_token_cache: Option<f64>,
    /// The verified-token cache's budget in bytes of tokens, a whole number (default 16 MiB).
    #[uniffi(default = None)]
    pub verified_token_cache_bytes: Option<f64>,
    /// The WorkOS API key: needed to refresh (a secret: never printed).
    #[uniffi(default = None)]
    pub api_key: Option<String>,
    /// The WorkOS API base (default `https://api.workos.com`); with no key source given, the
    /// JWKS is read from there too.
    #[uniffi(default = None)]
    pub api_base_url: Option<String>,
    /// Refresh this long before the token expires, in seconds (0 disables; default 60, or 30
    /// for tokens lasting 5 minutes or less).
    #[uniffi(default = None)]
    pub refresh_buffer_seconds: Option<f64>,
    /// How long a refresh's result is handed to requests still carrying the old cookie, in
    /// seconds (default 60).
    #[uniffi(default = None)]
    pub refresh_grace_seconds: Option<f64>,
    /// The whole refresh's time limit, retries included, in seconds (default 10).
    #[uniffi(default = None)]
    pub refresh_timeout_seconds: Option<f64>,
    /// Seal format names read (`iron`, `fernet`, `ruby`, `ruby-legacy`, `go`, `php`,
    /// `php-halite`, `dotnet`, `react-router`; default: every one but `dotnet`).
    #[uniffi(default = None)]
    pub formats: Option<Vec<String>>,
    /// Allow secrets under 32 bytes for go, php-halite, dotnet and ruby (default false).
    #[uniffi(default = None)]
    pub allow_weak_secrets: Option<bool>,
    /// A Redis or Valkey URL (`redis://…`, `rediss://…`) shared by every process of the app:
    /// one refresh per session however many processes race (default: this process only).
    #[uniffi(default = None)]
    pub refresh_coordinator: Option<String>,
    /// The bound on each Redis command, in seconds (default 0.05, at most 5).
    #[uniffi(default = None)]
    pub refresh_coordinator_timeout_seconds: Option<f64>,
    /// How long a step-up grant counts, in seconds (default 12 h, more than 0, at most 30 days).
    #[uniffi(default = None)]
    pub step_up_grant_ttl_seconds: Option<f64>,
}

/// A cookie's SDK format: `.iron` (@workos-inc/node, authkit-nextjs), `.fernet` (workos-python),
/// `.ruby`, `.rubyLegacy` (workos-ruby), `.go` (workos-go), `.php`, `.phpHalite` (workos-php),
/// `.dotnet` (workos-dotnet; opt-in), `.reactRouter` (authkit-react-router, authkit-remix).
#[uniffi::remote(Enum)]
#[non_exhaustive]
pub enum SealFormat {
    Iron,
    Fernet,
    Ruby,
    RubyLegacy,
    Go,
    Php,
    PhpHalite,
    Dotnet,
    ReactRouter,
}

/// Why a cookie was refused or a refresh failed (`description`: the peers' string,
/// `invalid_jwt`, `invalid_grant`…; the refresh ones are @workos-inc/node 12's).
#[uniffi::remote(Enum)]
pub enum FailureReason {
    NoSessionCookieProvided,
    InvalidSessionCookie,
    InvalidJwt,
    InvalidGrant,
    MfaEnrollment,
    SsoRequired,
    OrganizationNotFound,
    OrganizationMembershipNotFound,
    MfaChallenge,
    EmailVerificationRequired,
    OrganizationSelectionRequired,
    OrganizationAuthenticationMethodsRequired,
    AuthenticationMethodNotAllowed,
    RadarChallenge,
    RefreshRejected,
}

// The core's strings for types uniffi can only mirror (`#[uniffi::remote]`): Swift's
// `description` / `debugDescription` in Sources/SessionGate/Descriptions.swift.
#[uniffi::export]
pub fn seal_format_name(format: SealFormat) -> String {
    format.as_str().into()
}

/// Every seal format, in the core's order (`SealFormat.all` in Swift).
#[uniffi::export]
pub fn all_seal_formats() -> Vec<SealFormat> {
    SealFormat::ALL.to_vec()
}

/// The format of a core name (`"iron"`, `"ruby-legacy"`…), `nil` for another string
/// (`SealFormat(name:)` in Swift).
#[uniffi::export]
pub fn seal_format_from_name(name: String) -> Option<SealFormat> {
    SealFormat::parse(&name)
}

/// The format a cookie's shape names, without any key; `nil` for the binary layouts that only
/// trial decryption tells apart (`ruby`, `ruby-legacy`, `go`, `php`) and for what is no format.
#[uniffi::export]
pub fn detect_seal_format(cookie: String) -> Option<SealFormat> {
    SealFormat::detect(&cookie)
}

/// Every failure reason, in the core's order (`FailureReason.all` in Swift).
#[uniffi::export]
pub fn all_failure_reasons() -> Vec<FailureReason> {
    FailureReason::ALL.to_vec()
}

/// Whether the reason comes from a refresh the API refused (the session is over: clear the
/// cookie) rather than from reading the cookie or token (`reason.isRefreshRefusal`).
#[uniffi::export]
pub fn failure_reason_is_refresh_refusal(reason: FailureReason) -> bool {
    reason.is_refresh_refusal()
}

#[uniffi::export]
pub fn failure_reason_name(reason: FailureReason) -> String {
    reason.as_str().into()
}

#[uniffi::export]
pub fn describe_config(config: GateOptions) -> String {
    format!("{config:?}")
}

/// The sealed WorkOS user, typed by the core from either SDK naming.
#[uniffi::remote(Record)]
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
}

/// The sealed impersonator (`email`, `reason`).
#[uniffi::remote(Record)]
pub struct Impersonator {
    pub email: Option<String>,
    pub reason: Option<String>,
}

/// An authenticated session (the core's session view: workos-python's fields, then `amr`, `acr`,
/// `authTime`, `claimsJson`, `format`) and the `handle` policies judge. Never prints tokens.
#[derive(Clone, PartialEq, uniffi::Record)]
#[uniffi::export(Debug, Eq)]
pub struct AuthenticateWithSessionCookieSuccessResponse {
    pub session_id: String,
    pub organization_id: Option<String>,
    pub role: Option<String>,
    pub roles: Option<Vec<String>>,
    pub permissions: Option<Vec<String>>,
    pub entitlements: Option<Vec<String>>,
    pub feature_flags: Option<Vec<String>>,
    pub user: Option<User>,
    /// The sealed object, verbatim (JSON text).
    pub user_json: Option<String>,
    pub authentication_method: Option<String>,
    pub impersonator: Option<Impersonator>,
    pub impersonator_json: Option<String>,
    /// The verified access token (a secret: never printed).
    pub access_token: String,
    pub amr: Option<Vec<String>>,
    pub acr: Option<String>,
    /// Seconds since the epoch.
    pub auth_time: Option<i64>,
    /// Every verified claim (a JSON object).
    pub claims_json: String,
    pub format: SealFormat,
    /// For `gate.check(subject:policy:now:)` / `gate.require(subject:policy:now:)`.
    pub handle: Arc<VerifiedHandle>,
}

/// The core session's redacted `Debug`.
impl fmt::Debug for AuthenticateWithSessionCookieSuccessResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.handle, f)
    }
}

impl From<Box<sessiongate::Session>> for AuthenticateWithSessionCookieSuccessResponse {
    fn from(session: Box<sessiongate::Session>) -> Self {
        let owned = |list: Option<Vec<&str>>| list.map(|items| items.into_iter().map(str::to_owned).collect());
        let text = |s: Option<&str>| s.map(str::to_owned);
        let v = session.view();
        AuthenticateWithSessionCookieSuccessResponse {
            session_id: v.session_id.to_owned(),
            organization_id: text(v.organization_id),
            role: text(v.role),
            roles: owned(v.roles),
            permissions: owned(v.permissions),
            entitlements: owned(v.entitlements),
            feature_flags: owned(v.feature_flags),
            user: session.typed_user(),
            user_json: v.user.map(Value::to_string),
            authentication_method: text(v.authentication_method),
            impersonator: session.typed_impersonator(),
            impersonator_json: v.impersonator.map(Value::to_string),
            access_token: session.access_token.clone(),
            amr: v.amr,
            acr: text(v.acr),
            auth_time: v.auth_time,
            claims_json: serde_json::to_string(&*session.claims).unwrap_or_default(),
            format: session.format,
            handle: Arc::new(VerifiedHandle::Session(session)),
        }
    }
}

/// The outcome of `authenticate`: never an error for a bad cookie.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
#[uniffi::export(Debug, Eq)]
#[allow(clippy::large_enum_variant)] // lowered by value across the FFI right away; a Box would not cross
pub enum AuthenticationResult {
    Authenticated(AuthenticateWithSessionCookieSuccessResponse),
    /// The peers' `reason`, and a stable `detail` for logs (`mac_mismatch`, `expired`…).
    Failed {
        reason: FailureReason,
        detail: String,
    },
}

impl From<sessiongate::Authentication> for AuthenticationResult {
    fn from(authentication: sessiongate::Authentication) -> Self {
        match authentication {
            sessiongate::Authentication::Authenticated(session) => AuthenticationResult::Authenticated(session.into()),
            sessiongate::Authentication::Failed(f) => {
                AuthenticationResult::Failed { reason: f.reason, detail: f.detail.code().to_owned() }
            }
        }
    }
}

/// What `sealSession` seals (the SDKs' payload); `userJson` / `impersonatorJson` are JSON text.
#[derive(Clone, PartialEq, uniffi::Record)]
#[uniffi::export(Debug)]
pub struct SessionData {
    pub access_token: String,
    pub refresh_token: String,
    pub user_json: String,
    #[uniffi(default = None)]
    pub impersonator_json: Option<String>,
    #[uniffi(default = None)]
    pub authentication_method: Option<String>,
    #[uniffi(default = None)]
    pub organization_id: Option<String>,
}

/// The core's redacted `Debug` of the payload.
impl fmt::Debug for SessionData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.clone().into_core() {
            Ok(data) => fmt::Debug::fmt(&data, f),
            Err(_) => f.write_str("SessionData { <not JSON> }"),
        }
    }
}

impl SessionData {
    fn into_core(self) -> Result<sessiongate::SessionData> {
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

fn parse_json(text: &str, what: &str) -> Result<Value> {
    sessiongate::parse_json_lenient(text).ok_or_else(|| sessiongate::Error::Seal(format!("{what} is not JSON")).into())
}

/// A remote key set's state, for health endpoints (the URL is redacted).
#[uniffi::remote(Record)]
pub struct JwksStatus {
    pub url: Option<String>,
    pub fetched_at: Option<std::time::SystemTime>,
    pub kids: Vec<String>,
    pub stale: bool,
    pub fetches: u64,
    pub failures: u64,
    pub last_error: Option<String>,
    /// Keys of the current document not used (unusable, or past the 64th usable key).
    pub skipped_keys: u64,
}

/// Where refreshes are coordinated, for health endpoints (the URL without its password).
#[derive(Debug, Clone, uniffi::Record)]
pub struct RefreshCoordinatorStatus {
    /// `in_process` (the default) or `redis`.
    pub kind: String,
    pub url: Option<String>,
    /// Whether Redis is used now (false while resting after an error).
    pub available: bool,
    /// Refreshes run alone because Redis failed, rested, or a lease holder never published.
    pub fallbacks: u64,
    /// Refreshes whose result came from another process through Redis.
    pub shared: u64,
    /// Values found in Redis and refused (altered, or sealed for another name or secret).
    pub refused_values: u64,
    pub last_error: Option<String>,
}

impl From<sessiongate::CoordinatorStatus> for RefreshCoordinatorStatus {
    fn from(s: sessiongate::CoordinatorStatus) -> Self {
        let sessiongate::CoordinatorStatus { kind, url, available, fallbacks, shared, refused_values, last_error } = s;
        RefreshCoordinatorStatus { kind: kind.to_owned(), url, available, fallbacks, shared, refused_values, last_error }
    }
}

/// Opens WorkOS session cookies (iron and Fernet) and verifies their access token. Thread-safe.
#[derive(Debug, uniffi::Object)]
pub struct SessionGate {
    inner: sessiongate::SessionGate,
}

#[uniffi::export]
impl SessionGate {
    /// Throws `SessionGateError.Configuration` here, never later.
    #[uniffi::constructor]
    pub fn new(config: GateOptions) -> Result<Arc<SessionGate>> {
        guard(|| {
            let inner = sessiongate::SessionGate::new(config.into_config()?)?;
            Ok(Arc::new(SessionGate { inner }))
        })
    }

    /// `new(config:)` with an audit listener: it receives every step-up event (a check, a
    /// challenge started, a grant issued or refused). What it does changes no decision.
    #[uniffi::constructor]
    pub fn with_audit(config: GateOptions, listener: Arc<dyn AuditListener>) -> Result<Arc<SessionGate>> {
        guard(|| {
            let mut config = config.into_config()?;
            config.audit = Some(mfa::audit_sink(listener));
            Ok(Arc::new(SessionGate { inner: sessiongate::SessionGate::new(config)? }))
        })
    }

    /// Authenticates a sealed session cookie at `now` (seconds since the epoch; `nil`: the
    /// current time). Throws only for an outage of the key source or a bad `now`.
    #[uniffi::method(default(now = None))]
    pub fn authenticate(&self, session_data: String, now: Option<f64>) -> Result<AuthenticationResult> {
        guard(|| Ok(self.inner.authenticate_at(&session_data, now_or("now", now)?)?.into()))
    }

    /// Seals a session as the SDK of `format` does, with the first cookie password.
    pub fn seal_session(&self, session: SessionData, format: SealFormat) -> Result<String> {
        guard(|| Ok(self.inner.seal_session(&session.into_core()?, format)?))
    }

    /// Seals any JSON value (JSON text) with the first cookie password.
    pub fn seal_data(&self, json: String, format: SealFormat) -> Result<String> {
        guard(|| Ok(self.inner.seal_data(&parse_json(&json, "json")?, format)?))
    }

    /// Moves a session from one SDK's cookie to another's: opens `sessionData` (any enabled
    /// format) and seals the same tokens, user, impersonator, authentication method and
    /// organization in `format`, as that SDK writes them (at `now`: Fernet's stamp, php-halite's
    /// `expires_at`). Nothing is verified nor refreshed. An unopenable cookie throws
    /// `.Unseal(detail:)`.
    #[uniffi::method(default(now = None))]
    pub fn reseal(&self, session_data: String, format: SealFormat, now: Option<f64>) -> Result<String> {
        guard(|| Ok(self.inner.reseal_at(&session_data, format, now_or("now", now)?)?))
    }

    /// The seal formats this gate reads (`formats` of the configuration; default every one but
    /// `.dotnet`), in the core's order.
    pub fn formats(&self) -> Vec<SealFormat> {
        self.inner.formats()
    }

    /// Refreshes the session in `sessionData` through the WorkOS API (needs `apiKey`), scoped to
    /// `organizationId` (`nil`: the current token's organization; another one switches), at
    /// `now` (`nil`: the current time). Concurrent refreshes of one cookie make one API call and
    /// get the same new cookie. A refusal is `.failed`; an outage throws the retryable
    /// `.ApiUnavailable(message:retryAfter:)` (keep the cookie, answer 503); a missing or
    /// refused API key throws `.Configuration`. Blocks during the HTTP call: call it off the
    /// main thread.
    #[uniffi::method(default(organization_id = None, now = None))]
    pub fn refresh(&self, session_data: String, organization_id: Option<String>, now: Option<f64>) -> Result<RefreshResult> {
        guard(|| Ok(self.inner.refresh_at(&session_data, organization_id.as_deref(), now_or("now", now)?)?.into()))
    }

    /// Authenticates `sessionData` and refreshes it when its token is expired or expires within
    /// the refresh buffer (`refreshBufferSeconds`), as authkit-nextjs's middleware: set
    /// `sealedSession` when given, delete the cookie when `clearCookie`. Throws only what no
    /// valid token can be served through (`.ApiUnavailable`, `.JwksUnavailable`: answer 503) or
    /// a configuration error.
    #[uniffi::method(default(now = None))]
    pub fn authenticate_or_refresh(&self, session_data: String, now: Option<f64>) -> Result<SessionRenewal> {
        guard(|| Ok(self.inner.authenticate_or_refresh_at(&session_data, now_or("now", now)?)?.into()))
    }

    /// The WorkOS logout URL of the session in `sessionData`
    /// (`{apiBaseUrl}/user_management/sessions/logout?session_id=…[&return_to=…]`); works for an
    /// expired session. A cookie that cannot be opened, or holds no session id, throws
    /// `.Unseal(detail:)`.
    #[uniffi::method(default(return_to = None, now = None))]
    pub fn logout_url(&self, session_data: String, return_to: Option<String>, now: Option<f64>) -> Result<String> {
        guard(|| Ok(self.inner.logout_url_at(&session_data, return_to.as_deref(), now_or("now", now)?)?))
    }

    /// Opens any sealed value (either format); returns its JSON text. Throws `.Unseal(detail:)`.
    pub fn unseal_data(&self, sealed_data: String) -> Result<String> {
        guard(|| Ok(self.inner.unseal_data(&sealed_data)?.data.to_string()))
    }

    /// The remote key cache's state; `nil` for a static `jwks`. Never fetches.
    pub fn jwks_status(&self) -> Result<Option<JwksStatus>> {
        guard(|| Ok(self.inner.jwks_status()))
    }

    /// Where refreshes are coordinated: in this process, or through `refreshCoordinator`.
    pub fn refresh_coordinator_status(&self) -> Result<RefreshCoordinatorStatus> {
        guard(|| Ok(self.inner.refresh_coordinator_status().into()))
    }

    /// Verifies a bearer access token with the gate's keys and rules. A bad token is `.failed`.
    #[uniffi::method(default(now = None))]
    pub fn verify_access_token(&self, token: String, now: Option<f64>) -> Result<TokenVerificationResult> {
        guard(|| Ok(self.inner.verify_access_token_at(&token, now_or("now", now)?)?.into()))
    }

    /// Verifies an OIDC ID token: audience = `clientId`, issuer required (configure `issuers`).
    #[uniffi::method(default(now = None))]
    pub fn verify_id_token(&self, token: String, now: Option<f64>) -> Result<TokenVerificationResult> {
        guard(|| Ok(self.inner.verify_id_token_at(&token, now_or("now", now)?)?.into()))
    }

    /// Evaluates a policy on what sessiongate verified (`session.handle`, `token.handle`); a
    /// session's step-up `grant` counts (see `checkStepUp` for what satisfied it).
    #[uniffi::method(default(grant = None, now = None))]
    pub fn check(&self, subject: Arc<VerifiedHandle>, policy: StepUpPolicyOptions, grant: Option<String>, now: Option<f64>) -> Result<StepUpDecision> {
        guard(|| Ok(self.check_with(&subject, policy, grant, now)?.decision.into()))
    }

    /// Throws `.StepUpRequired` (403 for a session, 401 for a token) unless `subject` satisfies it
    /// (a session's `grant` counting as in `checkStepUp`).
    #[uniffi::method(default(grant = None, now = None))]
    pub fn require(&self, subject: Arc<VerifiedHandle>, policy: StepUpPolicyOptions, grant: Option<String>, now: Option<f64>) -> Result<()> {
        guard(|| Ok(self.check_with(&subject, policy, grant, now)?.decision.require()?))
    }

    /// Evaluates a policy on a session counting a step-up `grant` (`StepUpGrant.grant`) for
    /// this very session and user: the decision, what satisfied it, and why a grant did not
    /// count. Emits an audit event. A token subject with a grant throws `.Configuration`.
    #[uniffi::method(default(grant = None, now = None))]
    pub fn check_step_up(&self, subject: Arc<VerifiedHandle>, policy: StepUpPolicyOptions, grant: Option<String>, now: Option<f64>) -> Result<StepUpCheck> {
        guard(|| Ok(self.check_with(&subject, policy, grant, now)?.into()))
    }

    /// Starts a step-up for `session` (needs `apiKey`): the named factor (it must be this
    /// user's) or the user's first TOTP factor, else SMS. Throws `.StepUpFailed(detail:)` or the
    /// retryable `.ApiUnavailable`. Blocks during the HTTP calls: call it off the main thread.
    #[uniffi::method(default(factor_id = None, now = None))]
    pub fn start_step_up(&self, session: Arc<VerifiedHandle>, factor_id: Option<String>, now: Option<f64>) -> Result<StepUpChallenge> {
        guard(|| {
            let session = session.session()?;
            Ok(self.inner.start_step_up_at(session, factor_id.as_deref(), now_or("now", now)?)?.into())
        })
    }

    /// Completes a step-up with the user's `code`. Throws `.StepUpFailed(detail:)`
    /// (`code_invalid`, `challenge_expired`, `pending_other_session`…) or the retryable
    /// `.ApiUnavailable`. Blocks during the HTTP calls.
    #[uniffi::method(default(now = None))]
    pub fn complete_step_up(&self, session: Arc<VerifiedHandle>, pending: String, code: String, now: Option<f64>) -> Result<StepUpGrant> {
        guard(|| {
            let session = session.session()?;
            Ok(self.inner.complete_step_up_at(session, &pending, &code, now_or("now", now)?)?.into())
        })
    }
}

impl SessionGate {
    /// The one check: a session through the gate (its grant, its audit event), a token alone.
    fn check_with(&self, subject: &VerifiedHandle, policy: StepUpPolicyOptions, grant: Option<String>, now: Option<f64>) -> Result<sessiongate::StepUpCheck> {
        let (policy, now) = (sessiongate::StepUpPolicy::from_options(policy)?, now_or("now", now)?);
        Ok(match subject {
            VerifiedHandle::Session(session) => self.inner.check_step_up_at(session, &policy, grant.as_deref(), now),
            VerifiedHandle::Token(token) => self.inner.check_token_step_up_at(token, &policy, grant.as_deref(), now)?,
        })
    }
}
