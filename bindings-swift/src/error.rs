//! `SessionGateError`: one case per core [`ErrorCode`], mapped from the core's `Error` variants
//! and `StepUpDenial`, with the core's codes, retryability and (secret-free) messages.

use std::time::Duration;

use sessiongate::{DenialReason, ErrorCode, StepUpDenial};

pub(crate) type Result<T> = std::result::Result<T, SessionGateError>;

/// An error the application must handle. A bad cookie is never one (`AuthenticationResult.failed`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum SessionGateError {
    /// `configuration_error`: the configuration or an argument (`now`…) cannot work.
    #[error("{message}")]
    Configuration { message: String },
    /// `jwks_unavailable`: no usable key set. Retryable (answer 503).
    #[error("{message}")]
    JwksUnavailable { message: String },
    /// `jwks_not_cached`: a no-network call would need a key fetch. Retryable.
    #[error("{message}")]
    JwksNotCached { message: String },
    /// `seal_error`: the data given to a seal call cannot be sealed.
    #[error("{message}")]
    Seal { message: String },
    /// `unseal_error`: `unsealData` could not open it; `detail` says why (`mac_mismatch`…).
    #[error("{message}")]
    Unseal { message: String, detail: String },
    /// `key_derivation_busy`: too many new dotnet cookie salts to derive keys for right now.
    /// Retryable (answer 503; never a log-out).
    #[error("{message}")]
    KeyDerivationBusy { message: String },
    /// `step_up_required` (`require`): answer `status` with `wwwAuthenticate` and/or `bodyJson`.
    #[error("{message}")]
    StepUpRequired { message: String, reason: DenialReason, status: u16, www_authenticate: String, body_json: String },
    /// `internal_error`: a bug in sessiongate (a caught panic…). Please report it.
    #[error("{message}")]
    Internal { message: String },
    /// `api_unavailable`: the WorkOS API could not answer a refresh (timeout, connection error,
    /// 5xx, 429, a broken answer) after the bounded retries. Retryable: keep the cookie, answer
    /// 503 (with `Retry-After: retryAfter` when the API said how long to wait).
    #[error("{message}")]
    ApiUnavailable { message: String, retry_after: Option<Duration> },
    /// `step_up_failed`: a step-up could not be started or completed; `detail` says why
    /// (`code_invalid`, `challenge_expired`, `pending_other_session`…). Never a grant.
    #[error("{message}")]
    StepUpFailed { message: String, detail: String },
}

impl SessionGateError {
    fn error_code(&self) -> ErrorCode {
        match self {
            SessionGateError::Configuration { .. } => ErrorCode::Configuration,
            SessionGateError::JwksUnavailable { .. } => ErrorCode::JwksUnavailable,
            SessionGateError::JwksNotCached { .. } => ErrorCode::JwksNotCached,
            SessionGateError::Seal { .. } => ErrorCode::Seal,
            SessionGateError::Unseal { .. } => ErrorCode::Unseal,
            SessionGateError::StepUpRequired { .. } => StepUpDenial::CODE,
            SessionGateError::KeyDerivationBusy { .. } => ErrorCode::KeyDerivationBusy,
            SessionGateError::Internal { .. } => ErrorCode::Internal,
            SessionGateError::ApiUnavailable { .. } => ErrorCode::ApiUnavailable,
            SessionGateError::StepUpFailed { .. } => ErrorCode::StepUpFailed,
        }
    }
}

#[uniffi::export]
impl SessionGateError {
    /// The stable, cross-language code (`configuration_error`…; every one: `errorCodes()`).
    pub fn code(&self) -> String {
        self.error_code().as_str().to_owned()
    }

    /// Whether retrying the same call later may succeed (an outage, not a bad input).
    pub fn is_retryable(&self) -> bool {
        self.error_code().is_retryable()
    }

    /// The human-readable message (never contains secrets).
    pub fn message(&self) -> String {
        self.to_string()
    }
}

impl From<sessiongate::Error> for SessionGateError {
    fn from(error: sessiongate::Error) -> Self {
        use sessiongate::Error as E;
        let message = error.to_string();
        match error {
            E::Configuration(_) => SessionGateError::Configuration { message },
            E::JwksUnavailable(_) => SessionGateError::JwksUnavailable { message },
            E::JwksNotCached => SessionGateError::JwksNotCached { message },
            E::Seal(_) => SessionGateError::Seal { message },
            E::Unseal(detail) => SessionGateError::Unseal { message, detail: detail.code().to_owned() },
            E::KeyDerivationBusy => SessionGateError::KeyDerivationBusy { message },
            E::Internal(_) => SessionGateError::Internal { message },
            E::ApiUnavailable { retry_after, .. } => SessionGateError::ApiUnavailable { message, retry_after },
            E::StepUpFailed(failure) => SessionGateError::StepUpFailed { message, detail: failure.code().to_owned() },
            // `Error` is non-exhaustive: a variant not mapped yet is a bug of this binding.
            _ => SessionGateError::Internal { message: format!("internal error: unmapped {}: {message}", error.code()) },
        }
    }
}

impl From<StepUpDenial> for SessionGateError {
    fn from(denial: StepUpDenial) -> Self {
        SessionGateError::StepUpRequired {
            message: denial.to_string(),
            reason: denial.reason,
            status: denial.status(),
            www_authenticate: denial.challenge.www_authenticate(),
            body_json: denial.challenge.to_json().to_string(),
        }
    }
}

/// A cross-language error code and whether it is retryable.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct ErrorCodeInfo {
    pub code: String,
    pub retryable: bool,
}

/// Every code a `SessionGateError` can carry, from the core's list (for parity tests and docs).
#[uniffi::export]
pub fn error_codes() -> Vec<ErrorCodeInfo> {
    ErrorCode::ALL.iter().map(|c| ErrorCodeInfo { code: c.as_str().to_owned(), retryable: c.is_retryable() }).collect()
}

/// Runs binding work under the core's `catch_panic`: no panic crosses the FFI.
pub(crate) fn guard<T>(work: impl FnOnce() -> Result<T>) -> Result<T> {
    sessiongate::catch_panic(|| Ok(work()))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use sessiongate::{Error, FailureDetail};

    #[test]
    #[allow(clippy::panic)]
    fn core_errors_keep_code_message_and_detail_and_panics_are_internal() {
        let x = || "x".to_owned();
        let unseal = Error::Unseal(FailureDetail::MacMismatch);
        let api = Error::ApiUnavailable { message: x(), retry_after: Some(std::time::Duration::from_secs(7)) };
        let cores = [Error::Configuration(x()), Error::JwksUnavailable(x()), Error::JwksNotCached, Error::Seal(x()), unseal];
        for core in cores.into_iter().chain([Error::KeyDerivationBusy, Error::Internal(x()), api]) {
            let ours = SessionGateError::from(core.clone());
            assert_eq!((ours.code(), ours.message()), (core.code().as_str().to_owned(), core.to_string()));
            assert_eq!(ours.is_retryable(), core.is_retryable());
            assert_eq!(
                matches!(ours, SessionGateError::Unseal { ref detail, .. } if detail == "mac_mismatch"),
                core.detail().is_some()
            );
            assert_eq!(matches!(ours, SessionGateError::ApiUnavailable { retry_after, .. } if retry_after == core.retry_after()), core.retry_after().is_some());
        }
        assert_eq!(guard(|| -> Result<()> { panic!("boom") }).map_err(|e| e.code()), Err("internal_error".to_owned()));
    }
}
