//! The one error type, and the failure reasons returned for untrusted input.
//!
//! Two different things live here, on purpose:
//!
//! * [`Error`] is for the *caller's* problems: bad configuration, an outage of the key
//!   server, a value that cannot be sealed. It is returned as `Err`.
//! * [`Failure`] is for the *client's* problems: a missing, forged, expired or malformed
//!   cookie or token. It is never an `Err`: `authenticate` returns it as a value, with the
//!   peers' `reason` string and a finer, stable `detail` code for logs.
//!
//! Every `code()` string here is part of the cross-language contract: the Python, Node and
//! Swift bindings expose the same strings. Messages never contain cookie, token, claim or key
//! bytes.

use std::fmt;

/// An error the application must handle: configuration, outage, or a value it asked to seal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration cannot work (no secret, a secret usable for neither format, a
    /// forbidden algorithm...). Raised at construction, never per request.
    #[error("invalid configuration: {0}")]
    Configuration(String),
    /// No usable key set could be obtained from the key server (and none is cached).
    /// Retryable: answer 503, do not log the user out.
    #[error("JWKS unavailable: {0}")]
    JwksUnavailable(String),
    /// The data given to a seal call cannot be sealed (not serializable, wrong shape).
    #[error("cannot seal: {0}")]
    Seal(String),
    /// The data given to `unseal_data` could not be opened.
    #[error("cannot unseal: {}", .0.code())]
    Unseal(FailureDetail),
    /// A bug in sessiongate (e.g. a caught panic in a binding). Please report it.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The stable, cross-language code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Configuration(_) => "configuration_error",
            Error::JwksUnavailable(_) => "jwks_unavailable",
            Error::Seal(_) => "seal_error",
            Error::Unseal(_) => "unseal_error",
            Error::Internal(_) => "internal_error",
        }
    }

    /// Whether retrying the same call later may succeed (an outage, not a bad input).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::JwksUnavailable(_))
    }
}

/// The peers' failure reasons (`AuthenticateWithSessionCookieFailureReason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureReason {
    /// The cookie was empty or absent.
    NoSessionCookieProvided,
    /// The cookie could not be opened, or what it holds is not a session.
    InvalidSessionCookie,
    /// The access token inside the cookie did not verify.
    InvalidJwt,
}

impl FailureReason {
    /// The peers' string: `no_session_cookie_provided`, `invalid_session_cookie`, `invalid_jwt`.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureReason::NoSessionCookieProvided => "no_session_cookie_provided",
            FailureReason::InvalidSessionCookie => "invalid_session_cookie",
            FailureReason::InvalidJwt => "invalid_jwt",
        }
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
    /// Not an iron seal nor a Fernet token: wrong prefix, field count, or sizes.
    MalformedSeal => (InvalidSessionCookie, "malformed_seal"),
    /// A base64 field is not canonical (bad alphabet, padding, whitespace or trailing bits).
    BadBase64 => (InvalidSessionCookie, "bad_base64"),
    /// The iron expiration field is not a positive integer without leading zeros.
    InvalidExpiration => (InvalidSessionCookie, "invalid_expiration"),
    /// No configured secret can open this format (e.g. a Fernet cookie, only iron passwords).
    NoKeyForFormat => (InvalidSessionCookie, "no_key_for_format"),
    /// No configured secret produces this MAC: forged, tampered, or sealed with another secret.
    MacMismatch => (InvalidSessionCookie, "mac_mismatch"),
    /// The MAC matched but decryption failed (bad padding).
    DecryptFailed => (InvalidSessionCookie, "decrypt_failed"),
    /// The iron seal carries an expiration that has passed (60 s skew allowed).
    SealExpired => (InvalidSessionCookie, "seal_expired"),
    /// The sealed plaintext is not JSON.
    PayloadNotJson => (InvalidSessionCookie, "payload_not_json"),
    /// The sealed JSON is not an object (or `null`).
    PayloadNotObject => (InvalidSessionCookie, "payload_not_object"),
    /// The sealed session has no access token (absent, null or empty).
    AccessTokenMissing => (InvalidSessionCookie, "access_token_missing"),
    /// The token's `sub` is not the sealed `user.id`.
    UserMismatch => (InvalidSessionCookie, "user_mismatch"),
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
    /// A named claim has the wrong JSON type (e.g. `exp` as a string, `roles` as a number).
    ClaimType => (InvalidJwt, "claim_type"),
    /// `sid` is absent: not a session access token.
    SidMissing => (InvalidJwt, "sid_missing"),
    /// `iss` is absent or not one of the configured issuers.
    IssuerMismatch => (InvalidJwt, "issuer_mismatch"),
    /// `aud` is absent or names none of the configured audiences.
    AudienceMismatch => (InvalidJwt, "audience_mismatch"),
    /// `sub_type` or `sub_profile` mark an agent or widget token, not a user's session.
    NotUserToken => (InvalidJwt, "not_user_token"),
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
    fn reasons_are_the_peer_strings() {
        assert_eq!(FailureDetail::EmptyCookie.reason().as_str(), "no_session_cookie_provided");
        assert_eq!(FailureDetail::MacMismatch.reason().as_str(), "invalid_session_cookie");
        assert_eq!(FailureDetail::UnknownKid.reason().as_str(), "invalid_jwt");
    }

    #[test]
    fn error_codes_and_retryability() {
        assert_eq!(Error::JwksUnavailable("down".into()).code(), "jwks_unavailable");
        assert!(Error::JwksUnavailable("down".into()).is_retryable());
        assert!(!Error::Configuration("x".into()).is_retryable());
        assert_eq!(Error::Unseal(FailureDetail::MacMismatch).to_string(), "cannot unseal: mac_mismatch");
    }
}
