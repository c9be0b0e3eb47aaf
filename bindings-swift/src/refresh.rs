//! Keeping sessions alive (issue 15): the outcomes of `refresh` and `authenticateOrRefresh`,
//! converted from the core's `Refresh` and `SessionRenewal`. Every rule (when to refresh,
//! retries, single-flight, which failure clears the cookie) is the core's.

use std::fmt;

use sessiongate::FailureReason;

use crate::{AuthenticateWithSessionCookieSuccessResponse, AuthenticationResult};

/// The outcome of `gate.refresh(sessionData:organizationId:now:)` that reached a decision. An
/// outage of the API is never this: it throws the retryable `SessionGateError.ApiUnavailable`
/// (keep the cookie, answer 503). Its description never shows the new cookie.
#[derive(Clone, PartialEq, uniffi::Enum)]
#[uniffi::export(Debug, Eq)]
#[allow(clippy::large_enum_variant)] // lowered by value across the FFI right away
pub enum RefreshResult {
    /// The API issued new tokens and the new access token verified: set `sealedSession` (in the
    /// format of the cookie refreshed) and serve `session` (its `amr` and `authTime` unchanged).
    Refreshed { sealed_session: String, session: AuthenticateWithSessionCookieSuccessResponse },
    /// Refused (`invalid_grant`, `mfa_enrollment`…: @workos-inc/node 12's reasons; the session is
    /// over, clear the cookie), or a cookie that cannot be refreshed (`invalid_session_cookie`…).
    /// When `sealedSession` is set the API did rotate the tokens but the new access token did
    /// not verify: set that cookie anyway (it holds the new refresh token), do not clear it.
    Failed { reason: FailureReason, detail: String, sealed_session: Option<String> },
}

impl From<sessiongate::Refresh> for RefreshResult {
    fn from(refresh: sessiongate::Refresh) -> Self {
        match refresh {
            sessiongate::Refresh::Refreshed { sealed_session, session } => {
                RefreshResult::Refreshed { sealed_session, session: session.into() }
            }
            sessiongate::Refresh::Failed { failure, sealed_session } => {
                RefreshResult::Failed { reason: failure.reason, detail: failure.detail.code().to_owned(), sealed_session }
            }
        }
    }
}

/// How a new cookie is shown: whether there is one, never its value (as the core's `Debug`).
fn shown(sealed: Option<&str>) -> Option<&'static str> {
    sealed.map(|_| "<redacted>")
}

impl fmt::Debug for RefreshResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefreshResult::Refreshed { session, .. } => {
                f.debug_struct("Refreshed").field("sealed_session", &"<redacted>").field("session", session).finish()
            }
            RefreshResult::Failed { reason, detail, sealed_session } => f
                .debug_struct("Failed")
                .field("reason", reason)
                .field("detail", detail)
                .field("sealed_session", &shown(sealed_session.as_deref()))
                .finish(),
        }
    }
}

/// What `gate.authenticateOrRefresh(sessionData:now:)` decided for a request (authkit-nextjs's
/// middleware rule, the core's): the session to serve (or why there is none), the cookie to
/// set (after a refresh; `nil`: keep the cookie) and whether to delete it (never for an outage).
/// Its description never shows the new cookie.
#[derive(Clone, PartialEq, uniffi::Record)]
#[uniffi::export(Debug, Eq)]
pub struct SessionRenewal {
    pub authentication: AuthenticationResult,
    pub sealed_session: Option<String>,
    pub clear_cookie: bool,
}

impl From<sessiongate::SessionRenewal> for SessionRenewal {
    fn from(renewal: sessiongate::SessionRenewal) -> Self {
        SessionRenewal {
            authentication: renewal.authentication.into(),
            sealed_session: renewal.sealed_session,
            clear_cookie: renewal.clear_cookie,
        }
    }
}

impl fmt::Debug for SessionRenewal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionRenewal")
            .field("authentication", &self.authentication)
            .field("sealed_session", &shown(self.sealed_session.as_deref()))
            .field("clear_cookie", &self.clear_cookie)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_never_show_the_new_cookie() {
        let failed = RefreshResult::Failed {
            reason: FailureReason::InvalidJwt,
            detail: "unknown_kid".into(),
            sealed_session: Some("Fe26.2*1*secret-cookie".into()),
        };
        let renewal = SessionRenewal {
            authentication: AuthenticationResult::Failed { reason: FailureReason::InvalidJwt, detail: "unknown_kid".into() },
            sealed_session: Some("Fe26.2*1*secret-cookie".into()),
            clear_cookie: false,
        };
        for shown in [format!("{failed:?}"), format!("{renewal:?}")] {
            assert!(!shown.contains("secret-cookie") && shown.contains("<redacted>") && shown.contains("unknown_kid"), "{shown}");
        }
    }
}
