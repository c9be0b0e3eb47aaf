//! The Swift `SessionGateError` enum: one case per core error code.
//!
//! Messages are the core's, which never contain cookie, token, claim or key bytes.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::stepup::DenialReason;

/// An error the application must handle: configuration, outage, or data it asked to seal or
/// unseal. A bad cookie is never an error (see `AuthenticationResult.failed`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum SessionGateError {
    /// `configuration_error`: the configuration cannot work. Raised by the constructor.
    #[error("{message}")]
    Configuration { message: String },
    /// `jwks_unavailable`: no usable key set could be obtained. Retryable (answer 503).
    #[error("{message}")]
    JwksUnavailable { message: String },
    /// `seal_error`: the data given to a seal call cannot be sealed.
    #[error("{message}")]
    Seal { message: String },
    /// `unseal_error`: the value given to `unsealData` could not be opened.
    #[error("{message}")]
    Unseal { message: String },
    /// `internal_error`: a bug in sessiongate (e.g. a caught panic). Please report it.
    #[error("{message}")]
    Internal { message: String },
    /// `step_up_required`: the session does not satisfy a step-up policy (`require`). Answer
    /// `status` (403 for a cookie session, 401 for a bearer token) with the `WWW-Authenticate`
    /// header `wwwAuthenticate` and/or the JSON body `bodyJson` (`parseChallenge(header:)` reads
    /// the header back into a `Challenge`).
    #[error("{message}")]
    StepUpRequired {
        message: String,
        reason: DenialReason,
        status: u16,
        www_authenticate: String,
        body_json: String,
    },
}

#[uniffi::export]
impl SessionGateError {
    /// The stable, cross-language code: `configuration_error`, `jwks_unavailable`,
    /// `seal_error`, `unseal_error`, `internal_error` or `step_up_required`.
    pub fn code(&self) -> String {
        match self {
            SessionGateError::Configuration { .. } => "configuration_error",
            SessionGateError::JwksUnavailable { .. } => "jwks_unavailable",
            SessionGateError::Seal { .. } => "seal_error",
            SessionGateError::Unseal { .. } => "unseal_error",
            SessionGateError::Internal { .. } => "internal_error",
            SessionGateError::StepUpRequired { .. } => "step_up_required",
        }
        .to_owned()
    }

    /// Whether retrying the same call later may succeed (an outage, not a bad input).
    pub fn is_retryable(&self) -> bool {
        matches!(self, SessionGateError::JwksUnavailable { .. })
    }

    /// The human-readable message (never contains secrets).
    pub fn message(&self) -> String {
        self.to_string()
    }
}

impl SessionGateError {
    pub(crate) fn configuration(message: impl Into<String>) -> SessionGateError {
        SessionGateError::Configuration { message: message.into() }
    }
}

impl From<sessiongate::Error> for SessionGateError {
    fn from(error: sessiongate::Error) -> Self {
        let message = error.to_string();
        match error {
            sessiongate::Error::Configuration(_) => SessionGateError::Configuration { message },
            sessiongate::Error::JwksUnavailable(_) => SessionGateError::JwksUnavailable { message },
            sessiongate::Error::Seal(_) => SessionGateError::Seal { message },
            sessiongate::Error::Unseal(_) => SessionGateError::Unseal { message },
            sessiongate::Error::Internal(_) => SessionGateError::Internal { message },
            _ => SessionGateError::Internal { message: format!("unexpected error ({}): {message}", error.code()) },
        }
    }
}

/// Runs `f`, turning a panic into `SessionGateError.Internal`: no panic crosses the FFI.
pub(crate) fn guard<T>(f: impl FnOnce() -> Result<T, SessionGateError>) -> Result<T, SessionGateError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(SessionGateError::Internal { message: "internal error: a panic was caught in sessiongate".into() })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_core() {
        let cases = [
            sessiongate::Error::Configuration("x".into()),
            sessiongate::Error::JwksUnavailable("x".into()),
            sessiongate::Error::Seal("x".into()),
            sessiongate::Error::Unseal(sessiongate::FailureDetail::MacMismatch),
            sessiongate::Error::Internal("x".into()),
        ];
        for core in cases {
            let ours = SessionGateError::from(core.clone());
            assert_eq!(ours.code(), core.code());
            assert_eq!(ours.message(), core.to_string());
            assert_eq!(ours.is_retryable(), core.is_retryable());
        }
    }

    #[test]
    #[allow(clippy::panic)]
    fn panics_become_internal_errors() {
        let result: Result<(), _> = guard(|| panic!("boom"));
        assert_eq!(result.map_err(|e| e.code()), Err("internal_error".to_owned()));
        assert_eq!(guard(|| Ok(7)), Ok(7));
    }
}
