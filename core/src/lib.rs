//! # sessiongate
//!
//! Opens the sealed session cookies written by the WorkOS SDKs (iron `Fe26.2` from
//! @workos-inc/node and authkit-nextjs, Fernet from workos-python), verifies the access token
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
//! Reading order: [`seal`] (the two cookie formats), [`jwks`] (keys), [`token`] (the JWT
//! rules), [`session`] (the gate), [`stepup`] (MFA policy and RFC 9470 challenges), [`error`]
//! (codes shared by every language).

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::panic))]

pub mod cache;
pub mod error;
pub mod json;
pub mod jwks;
pub mod keys;
pub mod remote;
pub mod seal;
pub mod session;
pub mod stepup;
pub mod token;

pub use error::{Error, Failure, FailureDetail, FailureReason};
pub use jsonwebtoken::Algorithm;
pub use remote::{JwksOptions, JwksStatus};
pub use seal::{SealFormat, Secrets, Unsealed};
pub use session::{Authentication, Config, JwksSource, Session, SessionData, SessionGate, normalize_amr};
pub use stepup::{AmrRequirement, Challenge, DenialReason, StepUpDecision, StepUpDenial, StepUpPolicy};
pub use token::{Claims, TokenRules, VerifiedToken};
