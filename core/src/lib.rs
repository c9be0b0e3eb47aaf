//! # sessiongate
//!
//! Opens the sealed session cookies written by every WorkOS SDK (iron `Fe26.2` from
//! @workos-inc/node, authkit-* and workos-kotlin, Fernet from workos-python, and the formats of
//! workos-ruby, workos-go, workos-php, workos-dotnet and authkit-react-router), verifies the access token
//! inside against the issuer's keys, and returns the session **with `amr`**, `acr`,
//! `auth_time` and every verified claim, beside the fields the official SDKs return.
//!
//! ```no_run
//! use sessiongate::{Authentication, Config, JwksSource, SessionGate};
//!
//! # fn main() -> Result<(), sessiongate::Error> {
//! # let jwks_json = String::new();
//! let gate = SessionGate::new(Config::new(
//!     "client_123",
//!     vec!["a-cookie-password-of-at-least-32-characters".into()],
//!     JwksSource::Static(jwks_json),
//! ))?;
//! match gate.authenticate("Fe26.2*1*…~2")? {
//!     Authentication::Authenticated(session) => println!("{} amr={:?}", session.session_id(), session.amr()),
//!     Authentication::Failed(failure) => println!("refused: {} ({})", failure.reason, failure.detail),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Reading order, which is also the direction of every dependency (each module uses only
//! those before it): [`error`] (the codes shared by every language), `util` (strict base64,
//! the SDKs' JSON, time, URL redaction), `seal` (the cookie formats), `jwks` (keys, and the
//! issuer's JWKS over HTTP), `token` (the JWT and claim rules, the verified-token cache),
//! `config` (options to a [`Config`]), `workos` (the WorkOS API client and the refresh store),
//! `audit` (step-up audit events), `grant` (the sealed step-up values), `session` (the
//! [`SessionGate`]), `refresh` (refresh, authenticate-or-refresh, logout URL), `stepup`
//! (policies and RFC 9470 challenges), `mfa` (step-up completion through the WorkOS MFA API),
//! `web` (what the framework helpers answer: refusals, the session cookie's name and attributes).

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::panic))]

pub mod error;

mod audit;
mod config;
mod fleet;
mod grant;
mod jwks;
mod mfa;
mod refresh;
mod seal;
mod session;
mod stepup;
mod token;
mod util;
mod web;
mod workos;

pub use config::{
    Config, DEFAULT_MAX_COOKIE_BYTES, DEFAULT_REFRESH_GRACE, DEFAULT_REFRESH_TIMEOUT, GateOptions, JwksSource,
    MAX_COOKIE_BYTES_LIMIT, MAX_LEEWAY, MAX_REFRESH_TIMEOUT, MAX_REFRESH_WINDOW, MAX_VERIFIED_TOKEN_CACHE,
    MAX_VERIFIED_TOKEN_CACHE_BYTES, WORKOS_API_BASE, WorkosEnvironment,
};
pub use fleet::{CoordinatorStatus, DEFAULT_COORDINATOR_TIMEOUT, MAX_COORDINATOR_TIMEOUT};
pub use refresh::{Refresh, SessionRenewal};
pub use audit::{AuditEvent, AuditKind, AuditSink};
pub use error::{Error, ErrorCode, Failure, FailureDetail, FailureReason, StepUpFailure, catch_panic};
pub use grant::{DEFAULT_GRANT_TTL, MAX_GRANT_TTL};
pub use mfa::{AmrSource, GrantIgnored, PENDING_TTL, StepUpChallenge, StepUpCheck, StepUpGrant};
pub use jwks::{Algorithm, JwksClock, JwksOptions, JwksStatus};
pub use seal::{MIN_DERIVED_SECRET_BYTES, SealFormat, Unsealed, seal_data, unseal_data, unseal_data_at};
pub use session::{Authentication, Impersonator, NOT_DISPLAYED, NOT_SERVED, Session, SessionData, SessionGate, SessionView, User};
pub use stepup::{
    Challenge, DenialReason, INSUFFICIENT_USER_AUTHENTICATION, StepUpDecision, StepUpDenial, StepUpPolicy,
    StepUpPolicyOptions, Subject,
};
pub use token::{
    Claims, DEFAULT_VERIFIED_TOKEN_CACHE, DEFAULT_VERIFIED_TOKEN_CACHE_BYTES, TokenRules, TokenVerification, TokenView, VerifiedToken,
    normalize_amr,
};
pub use util::time::{MAX_UNIX_SECONDS, from_unix_seconds, now_or, to_unix_seconds};
pub use web::{DEFAULT_COOKIE_NAME, DEFAULT_GRANT_COOKIE_NAME, Refusal, session_cookie_header};

/// The lenient JSON reading the SDKs' payloads need (a lone UTF-16 surrogate escape, which
/// `JSON.stringify` writes for broken strings, is read as U+FFFD): what every binding uses to
/// read JSON text it is handed.
pub fn parse_json_lenient(text: &str) -> Option<serde_json::Value> {
    util::json::parse_lenient(text)
}

/// Redacts a URL for display: user info, query and fragment become `…`.
pub fn redact_url(url: &str) -> String {
    util::redact::url(url)
}

/// Internals for the fuzz targets and benches: not part of the API, no stability promise.
#[doc(hidden)]
pub mod internals {
    pub use crate::jwks::KeySet;
    pub use crate::jwks::source::KeyProvider;
    pub use crate::seal::{
        CookieSecret, Entropy, FixedEntropy, FormatSet, SecretOptions, Secrets, UnsealError, dotnet, fernet, gcm, halite, iron,
        payload, php, react_router, seal_with, text, unseal,
    };
    pub use crate::token::{TokenRules, verify, verify_bytes};
    pub use crate::util::flight::{Role, SingleFlight};
    pub use crate::fleet::key_names as fleet_key_names;
    pub use crate::workos::{RETRY_AFTER_CAP, RefreshStore, refresh_key};
}
