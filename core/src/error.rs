//! The error contract shared by every language, and the failure reasons returned for
//! untrusted input.
//!
//! Two different things live here, on purpose:
//!
//! * [`Error`] is for the *caller's* problems: bad configuration or arguments, an outage of
//!   the key server, a value that cannot be sealed. It is returned as `Err`.
//! * [`Failure`] is for the *client's* problems: a missing, forged, expired or malformed
//!   cookie or token. It is never an `Err`: `authenticate` returns it as a value, with the
//!   peers' `reason` string and a finer, stable `detail` code for logs.
//!
//! [`ErrorCode::ALL`] lists every code any binding raises (including `step_up_required`, which
//! the core returns as a [`crate::StepUpDenial`] value) with its retryability. Each binding maps
//! from this list and has one test that walks it. Messages never contain cookie, token, claim
//! or key bytes, nor URL credentials.

use std::fmt;

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident => ($code:literal, $retryable:literal), )*) => {
        /// The stable, cross-language code of an error. Python exposes it as the exception
        /// class's `code`, Swift as `SessionGateError.code()`, Node as `coreCode` (beside its
        /// `ERR_SESSIONGATE_*` `code`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[ $( ErrorCode::$variant, )* ];

            /// The code string, e.g. `configuration_error`.
            pub fn as_str(self) -> &'static str {
                match self { $( ErrorCode::$variant => $code, )* }
            }

            /// Whether retrying the same call later may succeed (an outage, not a bad input).
            pub fn is_retryable(self) -> bool {
                match self { $( ErrorCode::$variant => $retryable, )* }
            }

            /// The code with this string, if any.
            pub fn from_code(code: &str) -> Option<ErrorCode> {
                match code { $( $code => Some(ErrorCode::$variant), )* _ => None }
            }
        }
    };
}

error_codes! {
    /// The configuration or an argument cannot work (no secret, a forbidden algorithm, a
    /// negative `now`...). Raised at construction, or by the call given the bad argument.
    Configuration => ("configuration_error", false),
    /// No usable key set could be obtained from the key server (and none is cached).
    JwksUnavailable => ("jwks_unavailable", true),
    /// A no-network call (`authenticate_cached_at`) would need a key fetch. Retry with the
    /// call that may fetch.
    JwksNotCached => ("jwks_not_cached", true),
    /// The value given to a seal call cannot be sealed.
    Seal => ("seal_error", false),
    /// The value given to `unseal_data` cannot be opened; the error carries the detail.
    Unseal => ("unseal_error", false),
    /// A dotnet cookie with a salt whose key is not cached could not be opened now: the
    /// per-gate budget of PBKDF2 derivations is spent (a flood of new `…~2` cookies). Retry
    /// (answer 503); never a log-out.
    KeyDerivationBusy => ("key_derivation_busy", true),
    /// A step-up policy denied: answer 403 (cookies) or 401 (bearer tokens) with the challenge.
    StepUpRequired => ("step_up_required", false),
    /// A bug in sessiongate (e.g. a caught panic in a binding).
    Internal => ("internal_error", false),
    /// The WorkOS API could not answer a refresh (timeout, connection error, 5xx, 429, a
    /// broken answer): keep the cookie, answer 503 (with `Retry-After` when known).
    ApiUnavailable => ("api_unavailable", true),
    /// A step-up could not be started or completed (a wrong code, an expired challenge, a
    /// pending value of another session, a factor of another user...); the error carries the
    /// detail. Not retryable with the same input: start again.
    StepUpFailed => ("step_up_failed", false),
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// An error the application must handle: configuration, outage, or a value it asked to seal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration or an argument cannot work (no secret, a secret usable for neither
    /// format, a forbidden algorithm, an out-of-range number...).
    #[error("invalid configuration: {0}")]
    Configuration(String),
    /// No usable key set could be obtained from the key server (and none is cached).
    /// Retryable: answer 503, do not log the user out.
    #[error("JWKS unavailable: {0}")]
    JwksUnavailable(String),
    /// The no-network path would need a key fetch (not fetched yet, stale, unknown `kid`).
    #[error("the key set is not cached (not fetched yet, stale, or without the token's kid): use the call that may fetch")]
    JwksNotCached,
    /// The data given to a seal call cannot be sealed (not serializable, wrong shape).
    #[error("cannot seal: {0}")]
    Seal(String),
    /// The data given to `unseal_data` could not be opened.
    #[error("cannot unseal: {}", .0.code())]
    Unseal(FailureDetail),
    /// The dotnet key-derivation budget is spent for now; retry later (503, not a log-out).
    #[error("too many new dotnet cookie salts to derive keys for right now: retry later")]
    KeyDerivationBusy,
    /// A bug in sessiongate (e.g. a caught panic in a binding). Please report it.
    #[error("internal error: {0}")]
    Internal(String),
    /// The WorkOS API could not answer (timeout, connection error, 5xx, 429, a malformed
    /// answer), after the bounded retries. Retryable: keep the cookie, answer 503, do not log
    /// the user out. `retry_after` is the API's `Retry-After`, when it sent one.
    #[error("WorkOS API unavailable: {message}")]
    ApiUnavailable {
        /// What failed (never a token, key or secret).
        message: String,
        /// How long the API asked callers to wait, when it said.
        retry_after: Option<std::time::Duration>,
    },
    /// A step-up could not be started or completed; never a grant.
    #[error("step-up failed: {} ({})", .0.code(), .0.description())]
    StepUpFailed(StepUpFailure),
}

impl Error {
    /// The stable, cross-language code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Configuration(_) => ErrorCode::Configuration,
            Error::JwksUnavailable(_) => ErrorCode::JwksUnavailable,
            Error::JwksNotCached => ErrorCode::JwksNotCached,
            Error::Seal(_) => ErrorCode::Seal,
            Error::Unseal(_) => ErrorCode::Unseal,
            Error::KeyDerivationBusy => ErrorCode::KeyDerivationBusy,
            Error::Internal(_) => ErrorCode::Internal,
            Error::ApiUnavailable { .. } => ErrorCode::ApiUnavailable,
            Error::StepUpFailed(_) => ErrorCode::StepUpFailed,
        }
    }

    /// Whether retrying the same call later may succeed (an outage, not a bad input).
    pub fn is_retryable(&self) -> bool {
        self.code().is_retryable()
    }

    /// How long to wait before retrying, when the API said (`Retry-After`), for
    /// [`Error::ApiUnavailable`].
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            Error::ApiUnavailable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Why an unseal failed (`mac_mismatch`...), for [`Error::Unseal`].
    pub fn detail(&self) -> Option<FailureDetail> {
        match self {
            Error::Unseal(detail) => Some(*detail),
            _ => None,
        }
    }

    /// The detail code every binding exposes: an unseal failure's or a step-up failure's.
    pub fn detail_code(&self) -> Option<&'static str> {
        match self {
            Error::Unseal(detail) => Some(detail.code()),
            Error::StepUpFailed(failure) => Some(failure.code()),
            _ => None,
        }
    }
}

macro_rules! step_up_failures {
    ($( $(#[$doc:meta])* $variant:ident => ($code:literal, $description:literal), )*) => {
        /// Why a step-up was not started or completed: the `detail` of
        /// [`Error::StepUpFailed`], the same string in every language.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum StepUpFailure {
            $( $(#[$doc])* $variant, )*
        }

        impl StepUpFailure {
            /// Every failure, in declaration order.
            pub const ALL: &'static [StepUpFailure] = &[ $( StepUpFailure::$variant, )* ];

            /// The stable code, e.g. `code_invalid`.
            pub fn code(self) -> &'static str {
                match self { $( StepUpFailure::$variant => $code, )* }
            }

            /// A sentence for the message.
            pub fn description(self) -> &'static str {
                match self { $( StepUpFailure::$variant => $description, )* }
            }
        }
    };
}

step_up_failures! {
    /// The pending value did not open: tampered, truncated, not one, or sealed with a cookie
    /// password this gate no longer has.
    PendingInvalid => ("pending_invalid", "the pending step-up value is not one this gate sealed"),
    /// The pending value was started for another session or user.
    PendingOtherSession => ("pending_other_session", "the pending step-up belongs to another session"),
    /// The challenge expired (the pending value's time, or the API's).
    ChallengeExpired => ("challenge_expired", "the challenge expired: start the step-up again"),
    /// The challenge was already verified once: a pending value used twice.
    ChallengeAlreadyVerified => ("challenge_already_verified", "the challenge was already used: start the step-up again"),
    /// The API knows no such challenge.
    ChallengeNotFound => ("challenge_not_found", "the challenge does not exist"),
    /// The API knows no such factor.
    FactorNotFound => ("factor_not_found", "the authentication factor does not exist"),
    /// The factor is enrolled by another user than the session's (read from the API).
    FactorOtherUser => ("factor_other_user", "the authentication factor belongs to another user"),
    /// The factor is neither TOTP nor SMS.
    FactorTypeUnsupported => ("factor_type_unsupported", "only TOTP and SMS factors can step up"),
    /// The user has no TOTP or SMS factor enrolled.
    NoFactorEnrolled => ("no_factor_enrolled", "the user has no TOTP or SMS factor enrolled"),
    /// The code is wrong (or empty, or longer than any code).
    CodeInvalid => ("code_invalid", "the code is not valid"),
    /// The session's token lacks `sid` or `sub`: nothing to bind a step-up to.
    SessionIncomplete => ("session_incomplete", "the session has no session id or user id"),
    /// The API refused the call for another reason.
    ApiRejected => ("api_rejected", "the WorkOS API refused the step-up call"),
}

/// Runs binding work, turning a panic into [`Error::Internal`]: every binding wraps each call
/// into the core with this, so no panic crosses an FFI boundary.
pub fn catch_panic<T>(work: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
        .unwrap_or_else(|_| Err(Error::Internal("a panic was caught inside sessiongate; please report it".into())))
}

macro_rules! failure_reasons {
    ($( $(#[$doc:meta])* $variant:ident => $code:literal, )*) => {
        /// The peers' failure reasons: `AuthenticateWithSessionCookieFailureReason` for
        /// `authenticate`, and for `refresh` @workos-inc/node 12's terminal
        /// `RefreshSessionFailureReason` strings, which are the API's error codes (extended
        /// to every terminal code the API documents for a refresh).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum FailureReason {
            $( $(#[$doc])* $variant, )*
        }

        impl FailureReason {
            /// Every reason, in declaration order.
            pub const ALL: &'static [FailureReason] = &[ $( FailureReason::$variant, )* ];

            /// The peers' string: `no_session_cookie_provided`, `invalid_grant`...
            pub fn as_str(self) -> &'static str {
                match self { $( FailureReason::$variant => $code, )* }
            }

            /// The reason with this string, if any.
            pub fn from_code(code: &str) -> Option<FailureReason> {
                match code { $( $code => Some(FailureReason::$variant), )* _ => None }
            }
        }
    };
}

failure_reasons! {
    /// The cookie was empty or absent.
    NoSessionCookieProvided => "no_session_cookie_provided",
    /// The cookie could not be opened, or what it holds is not a session.
    InvalidSessionCookie => "invalid_session_cookie",
    /// The access token inside the cookie did not verify.
    InvalidJwt => "invalid_jwt",
    /// Refresh: the API refused the refresh token (already exchanged, expired, revoked,
    /// unknown). The session is over.
    InvalidGrant => "invalid_grant",
    /// Refresh: the user must enroll in MFA before a session is issued.
    MfaEnrollment => "mfa_enrollment",
    /// Refresh: the user must sign in through SSO.
    SsoRequired => "sso_required",
    /// Refresh: the organization asked for does not exist.
    OrganizationNotFound => "organization_not_found",
    /// Refresh: the user is not a member of the organization asked for.
    OrganizationMembershipNotFound => "organization_membership_not_found",
    /// Refresh: the user must pass an MFA challenge.
    MfaChallenge => "mfa_challenge",
    /// Refresh: the user must verify their email address.
    EmailVerificationRequired => "email_verification_required",
    /// Refresh: the user must choose an organization.
    OrganizationSelectionRequired => "organization_selection_required",
    /// Refresh: the organization requires another authentication method.
    OrganizationAuthenticationMethodsRequired => "organization_authentication_methods_required",
    /// Refresh: the authentication method is not allowed.
    AuthenticationMethodNotAllowed => "authentication_method_not_allowed",
    /// Refresh: WorkOS Radar asks for a challenge.
    RadarChallenge => "radar_challenge",
    /// Refresh: the API refused with another client error (4xx) it does not document for a
    /// refresh. Terminal: the same request would be refused again.
    RefreshRejected => "refresh_rejected",
}

impl FailureReason {
    /// Whether this reason comes from a refresh refused by the API (the session is over: clear
    /// the cookie), rather than from reading the cookie or token.
    pub fn is_refresh_refusal(self) -> bool {
        !matches!(self, FailureReason::NoSessionCookieProvided | FailureReason::InvalidSessionCookie | FailureReason::InvalidJwt)
    }
}

impl fmt::Display for FailureReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! failure_details {
    ($( $(#[$doc:meta])* $variant:ident => ($reason:ident, $code:literal), )*) => {
        /// Why a cookie or token was refused: a stable code for logs and metrics.
        ///
        /// Each detail belongs to exactly one [`FailureReason`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum FailureDetail {
            $( $(#[$doc])* $variant, )*
        }

        impl FailureDetail {
            /// Every detail, in declaration order (for docs and exhaustive tests).
            pub const ALL: &'static [FailureDetail] = &[ $( FailureDetail::$variant, )* ];

            /// The stable code, e.g. `mac_mismatch`.
            pub fn code(self) -> &'static str {
                match self { $( FailureDetail::$variant => $code, )* }
            }

            /// The peer reason this detail is reported under.
            pub fn reason(self) -> FailureReason {
                match self { $( FailureDetail::$variant => FailureReason::$reason, )* }
            }

            /// The detail with this code, if any.
            pub fn from_code(code: &str) -> Option<FailureDetail> {
                match code { $( $code => Some(FailureDetail::$variant), )* _ => None }
            }
        }
    };
}

failure_details! {
    /// The cookie is empty.
    EmptyCookie => (NoSessionCookieProvided, "empty_cookie"),
    /// The cookie is longer than the configured limit; refused before any crypto.
    CookieTooLarge => (InvalidSessionCookie, "cookie_too_large"),
    /// Not a seal of any format: wrong prefix, field count, or sizes.
    MalformedSeal => (InvalidSessionCookie, "malformed_seal"),
    /// A base64 field is not canonical (bad alphabet, padding, whitespace or trailing bits).
    BadBase64 => (InvalidSessionCookie, "bad_base64"),
    /// The iron expiration field is not a positive integer without leading zeros.
    InvalidExpiration => (InvalidSessionCookie, "invalid_expiration"),
    /// The cookie is in a seal format this gate does not read (the `formats` option).
    FormatNotEnabled => (InvalidSessionCookie, "format_not_enabled"),
    /// No configured secret can open this format (e.g. a Fernet cookie, only iron passwords).
    NoKeyForFormat => (InvalidSessionCookie, "no_key_for_format"),
    /// No configured secret produces this MAC: forged, tampered, or sealed with another secret.
    MacMismatch => (InvalidSessionCookie, "mac_mismatch"),
    /// The MAC matched but decryption failed (bad padding).
    DecryptFailed => (InvalidSessionCookie, "decrypt_failed"),
    /// The seal's own expiration has passed (iron: 60 s skew allowed; php-halite: `expires_at`).
    SealExpired => (InvalidSessionCookie, "seal_expired"),
    /// The sealed plaintext is not JSON.
    PayloadNotJson => (InvalidSessionCookie, "payload_not_json"),
    /// The sealed JSON is not an object (or `null`).
    PayloadNotObject => (InvalidSessionCookie, "payload_not_object"),
    /// The sealed JSON has a shape no SDK writes (a `user` or `impersonator` that is not an
    /// object, a Halite envelope without `expires_at` or `data`, a wrapper without `jwt`).
    PayloadShape => (InvalidSessionCookie, "payload_shape"),
    /// The sealed session has no access token (absent, null or empty).
    AccessTokenMissing => (InvalidSessionCookie, "access_token_missing"),
    /// The token's `sub` is not the sealed `user.id`.
    UserMismatch => (InvalidSessionCookie, "user_mismatch"),
    /// The sealed session has no user object with a string `id` to bind the token's `sub` to.
    UserMissing => (InvalidSessionCookie, "user_missing"),
    /// The access token is not a compact JWS (three base64url parts of JSON).
    MalformedJwt => (InvalidJwt, "malformed_jwt"),
    /// The header's `alg` is not in the allow-list (`none` and HS* never are).
    AlgNotAllowed => (InvalidJwt, "alg_not_allowed"),
    /// The header lists `crit` extensions, none of which we implement.
    CritUnsupported => (InvalidJwt, "crit_unsupported"),
    /// The header's `kid` names no key of the issuer (after at most one refetch).
    UnknownKid => (InvalidJwt, "unknown_kid"),
    /// No `kid` and the key set does not have exactly one candidate key.
    KidAmbiguous => (InvalidJwt, "kid_ambiguous"),
    /// The signature does not verify with the selected key.
    SignatureInvalid => (InvalidJwt, "signature_invalid"),
    /// `exp` is absent and the configuration requires it.
    ExpMissing => (InvalidJwt, "exp_missing"),
    /// `exp` has passed (with the configured leeway).
    Expired => (InvalidJwt, "expired"),
    /// `nbf` is in the future (with the configured leeway).
    NotYetValid => (InvalidJwt, "not_yet_valid"),
    /// `iat` is in the future (with the configured leeway).
    IssuedInFuture => (InvalidJwt, "iat_in_future"),
    /// `auth_time` is in the future (with the configured leeway): no authentication can be.
    AuthTimeInFuture => (InvalidJwt, "auth_time_in_future"),
    /// A named claim has the wrong JSON type (e.g. `exp` as a string, `roles` as a number).
    ClaimType => (InvalidJwt, "claim_type"),
    /// `sid` is absent: not a session access token.
    SidMissing => (InvalidJwt, "sid_missing"),
    /// `sub` is absent (or null): no user's token.
    SubMissing => (InvalidJwt, "sub_missing"),
    /// `iss` is absent or not one of the configured issuers.
    IssuerMismatch => (InvalidJwt, "issuer_mismatch"),
    /// `aud` is absent or names none of the configured audiences.
    AudienceMismatch => (InvalidJwt, "audience_mismatch"),
    /// `sub_type` or `sub_profile` mark an agent or widget token, not a user's session.
    NotUserToken => (InvalidJwt, "not_user_token"),
    /// Refresh: the sealed session has no refresh token.
    RefreshTokenMissing => (InvalidSessionCookie, "refresh_token_missing"),
    /// Refresh: the API answered `invalid_grant`.
    RefreshTokenRejected => (InvalidGrant, "refresh_token_rejected"),
    /// Refresh: the API answered `mfa_enrollment`.
    MfaEnrollment => (MfaEnrollment, "mfa_enrollment"),
    /// Refresh: the API answered `sso_required`.
    SsoRequired => (SsoRequired, "sso_required"),
    /// Refresh: the API answered `organization_not_found`.
    OrganizationNotFound => (OrganizationNotFound, "organization_not_found"),
    /// Refresh: the API answered `organization_membership_not_found`.
    OrganizationMembershipNotFound => (OrganizationMembershipNotFound, "organization_membership_not_found"),
    /// Refresh: the API answered `mfa_challenge`.
    MfaChallenge => (MfaChallenge, "mfa_challenge"),
    /// Refresh: the API answered `email_verification_required`.
    EmailVerificationRequired => (EmailVerificationRequired, "email_verification_required"),
    /// Refresh: the API answered `organization_selection_required`.
    OrganizationSelectionRequired => (OrganizationSelectionRequired, "organization_selection_required"),
    /// Refresh: the API answered `organization_authentication_methods_required`.
    OrganizationAuthenticationMethodsRequired => (OrganizationAuthenticationMethodsRequired, "organization_authentication_methods_required"),
    /// Refresh: the API answered `authentication_method_not_allowed`.
    AuthenticationMethodNotAllowed => (AuthenticationMethodNotAllowed, "authentication_method_not_allowed"),
    /// Refresh: the API answered a Radar challenge code (`radar_challenge`, `radar_email_challenge`...).
    RadarChallenge => (RadarChallenge, "radar_challenge"),
    /// Refresh: the API answered another client error (4xx, e.g. `invalid_request`).
    ApiRejected => (RefreshRejected, "api_rejected"),
}

impl fmt::Display for FailureDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A refused cookie: the peer `reason` and our `detail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Failure {
    /// The peers' reason string.
    pub reason: FailureReason,
    /// The stable detail code.
    pub detail: FailureDetail,
}

impl From<FailureDetail> for Failure {
    fn from(detail: FailureDetail) -> Self {
        Failure { reason: detail.reason(), detail }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.reason, self.detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detail_codes_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for d in FailureDetail::ALL {
            assert!(seen.insert(d.code()), "duplicate code {}", d.code());
            assert_eq!(FailureDetail::from_code(d.code()), Some(*d));
            assert!(d.code().chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'));
        }
        assert_eq!(FailureDetail::from_code("nope"), None);
    }

    #[test]
    #[allow(clippy::panic)]
    fn panics_become_internal_errors() {
        let caught: Result<(), Error> = catch_panic(|| panic!("forced panic: never crosses a binding"));
        assert_eq!(caught.unwrap_err().code(), ErrorCode::Internal);
        assert_eq!(catch_panic(|| Ok::<_, Error>(7)), Ok(7));
    }

    #[test]
    fn reasons_are_the_peer_strings() {
        assert_eq!(FailureDetail::EmptyCookie.reason().as_str(), "no_session_cookie_provided");
        assert_eq!(FailureDetail::MacMismatch.reason().as_str(), "invalid_session_cookie");
        assert_eq!(FailureDetail::UnknownKid.reason().as_str(), "invalid_jwt");
    }

    #[test]
    fn error_codes_and_retryability() {
        assert_eq!(Error::JwksUnavailable("down".into()).code(), "jwks_unavailable");
        assert!(Error::JwksUnavailable("down".into()).is_retryable());
        assert!(Error::JwksNotCached.is_retryable());
        assert!(!Error::Configuration("x".into()).is_retryable());
        assert_eq!(Error::Unseal(FailureDetail::MacMismatch).to_string(), "cannot unseal: mac_mismatch");
        assert_eq!(Error::Unseal(FailureDetail::MacMismatch).detail(), Some(FailureDetail::MacMismatch));
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "duplicate code {code}");
            assert_eq!(ErrorCode::from_code(code.as_str()), Some(*code));
        }
        let retryable: Vec<&str> = ErrorCode::ALL.iter().filter(|c| c.is_retryable()).map(|c| c.as_str()).collect();
        assert_eq!(retryable, ["jwks_unavailable", "jwks_not_cached", "key_derivation_busy", "api_unavailable"]);
        let outage = Error::ApiUnavailable { message: "HTTP 503".into(), retry_after: Some(std::time::Duration::from_secs(3)) };
        assert_eq!((outage.code().as_str(), outage.is_retryable()), ("api_unavailable", true));
        assert_eq!(outage.retry_after(), Some(std::time::Duration::from_secs(3)));
        assert_eq!(outage.to_string(), "WorkOS API unavailable: HTTP 503");
    }

    #[test]
    fn refresh_reasons_are_node_12_strings_and_each_has_a_detail() {
        for code in ["invalid_grant", "mfa_enrollment", "sso_required", "organization_not_found", "organization_membership_not_found"] {
            let reason = FailureReason::from_code(code).unwrap();
            assert_eq!(reason.as_str(), code);
            assert!(reason.is_refresh_refusal());
        }
        assert!(!FailureReason::InvalidJwt.is_refresh_refusal());
        for reason in FailureReason::ALL {
            assert!(FailureDetail::ALL.iter().any(|d| d.reason() == *reason), "{reason} has no detail");
            assert_eq!(FailureReason::from_code(reason.as_str()), Some(*reason));
        }
    }
}
