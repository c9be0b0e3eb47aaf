//! Keeping sessions alive: refresh through the WorkOS API, authenticate-or-refresh in one
//! call (authkit-nextjs's middleware rule), and the logout URL.
//!
//! Outcomes have three shapes, as the SDKs':
//!
//! * [`Refresh::Refreshed`]: the new cookie and the authenticated session (`amr` and
//!   `auth_time` are the session's: a refresh does not change them);
//! * [`Refresh::Failed`]: a terminal refusal (`invalid_grant`, `mfa_enrollment`...) or a cookie
//!   that cannot be refreshed; the app clears the cookie, unless the failure carries a
//!   `sealed_session`: then the API did rotate the tokens but the new access token did not
//!   verify, and the app sets that cookie (the rotated refresh token is never lost);
//! * `Err(Error::ApiUnavailable)` (timeout, connection error, 5xx, 429 with `retry_after`):
//!   retryable, the app keeps the cookie and answers 503. Nobody is logged out by an outage.
//!
//! Concurrent refreshes of one (refresh token, organization) make one API call and all get
//! the same new cookie; the result is remembered (keyed by a hash, never the token) for the
//! grace window, never past the new access token's expiry, so a request still carrying the old
//! cookie gets the new one without a call.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, Failure, FailureDetail, FailureReason};
use crate::seal::{self, SealFormat, UnsealError};
use crate::session::{Authentication, SealedFields, Session, SessionData, SessionGate, session_from};
use crate::token;
use crate::util::{b64, time};
use crate::workos::{RefreshOutcome, Refreshed, WorkosApi, refresh_key};

/// The outcome of a refresh that reached a decision (an outage is an `Err`). `Debug` never
/// shows the new cookie.
#[derive(Clone, PartialEq)]
pub enum Refresh {
    /// The API issued new tokens and the new access token verified.
    Refreshed {
        /// The new cookie, in the format of the one refreshed.
        sealed_session: String,
        /// The new session.
        session: Box<Session>,
    },
    /// The refresh was refused, or its new token did not verify.
    Failed {
        /// Why (`invalid_grant`, `invalid_session_cookie`, `invalid_jwt`...).
        failure: Failure,
        /// Set when the API rotated the tokens but the new access token did not verify:
        /// set this cookie anyway (it holds the new refresh token), do not clear it.
        sealed_session: Option<String>,
    },
}

impl Refresh {
    /// Whether the session was refreshed.
    pub fn is_refreshed(&self) -> bool {
        matches!(self, Refresh::Refreshed { .. })
    }

    /// The cookie to set, if any.
    pub fn sealed_session(&self) -> Option<&str> {
        match self {
            Refresh::Refreshed { sealed_session, .. } => Some(sealed_session),
            Refresh::Failed { sealed_session, .. } => sealed_session.as_deref(),
        }
    }

    /// The new session, when refreshed.
    pub fn session(&self) -> Option<&Session> {
        match self {
            Refresh::Refreshed { session, .. } => Some(session),
            Refresh::Failed { .. } => None,
        }
    }

    /// The failure, when not refreshed.
    pub fn failure(&self) -> Option<Failure> {
        match self {
            Refresh::Refreshed { .. } => None,
            Refresh::Failed { failure, .. } => Some(*failure),
        }
    }
}

/// What [`SessionGate::authenticate_or_refresh`] decided for a request. `Debug` never shows
/// the new cookie.
#[derive(Clone, PartialEq)]
pub struct SessionRenewal {
    /// The session to serve the request with, or why there is none.
    pub authentication: Authentication,
    /// A new cookie to set on the response (after a refresh), or `None`: keep the cookie.
    pub sealed_session: Option<String>,
    /// Whether to delete the cookie (it cannot become valid again). Never set for an outage.
    pub clear_cookie: bool,
}

/// How a new cookie is shown: whether there is one, never its value.
fn shown(sealed: Option<&str>) -> Option<&'static str> {
    sealed.map(|_| "<redacted>")
}

impl fmt::Debug for Refresh {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refresh::Refreshed { session, .. } => {
                f.debug_struct("Refreshed").field("sealed_session", &"<redacted>").field("session", session).finish()
            }
            Refresh::Failed { failure, sealed_session } => f
                .debug_struct("Failed")
                .field("failure", failure)
                .field("sealed_session", &shown(sealed_session.as_deref()))
                .finish(),
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

impl SessionRenewal {
    fn serve(authentication: Authentication) -> SessionRenewal {
        SessionRenewal { authentication, sealed_session: None, clear_cookie: false }
    }

    /// A cookie that cannot be refreshed: clear it, unless there was none.
    fn refused(authentication: Authentication) -> SessionRenewal {
        let no_cookie = matches!(&authentication, Authentication::Failed(f) if f.reason == FailureReason::NoSessionCookieProvided);
        SessionRenewal { authentication, sealed_session: None, clear_cookie: !no_cookie }
    }
}

/// The claims of a token, read without verifying it (from a cookie whose MAC verified).
fn unverified_claims(token: &str) -> Option<Map<String, Value>> {
    let payload = token.split('.').nth(1)?;
    let bytes = Zeroizing::new(b64::decode_url_nopad(payload).ok()?);
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// `application/x-www-form-urlencoded`, as `URLSearchParams` writes it (the SDKs' logout URL).
fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => out.push(byte as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// authkit-nextjs's buffer: 30 s for tokens lasting 5 minutes or less, else 60 s.
fn default_buffer(claims: &Map<String, Value>) -> Duration {
    let number = |name: &str| claims.get(name).and_then(Value::as_f64);
    match (number("exp"), number("iat")) {
        (Some(exp), Some(iat)) if exp - iat <= 300.0 => Duration::from_secs(30),
        _ => Duration::from_secs(60),
    }
}

impl SessionGate {
    /// [`SessionGate::refresh_at`] now.
    pub fn refresh(&self, cookie: &str, organization_id: Option<&str>) -> Result<Refresh, Error> {
        self.refresh_at(cookie, organization_id, SystemTime::now())
    }

    /// Refreshes the session in `cookie` through the WorkOS API, scoped to `organization_id`
    /// (default: the current access token's `org_id`; another one switches organization).
    /// The new access token is verified like any other before it is used; the new cookie is
    /// sealed in the cookie's own format with the first cookie password.
    ///
    /// `Err`: [`Error::Configuration`] (no API key, the API refused the key or client id, the
    /// first cookie password cannot seal this format), [`Error::ApiUnavailable`] (retryable),
    /// or [`Error::JwksUnavailable`] while verifying the new token (retryable; the new cookie
    /// is remembered for the grace window, so the retry gets it without another API call).
    pub fn refresh_at(&self, cookie: &str, organization_id: Option<&str>, now: SystemTime) -> Result<Refresh, Error> {
        let api = self.refresh_api(organization_id)?;
        let failed = |detail: FailureDetail| Ok(Refresh::Failed { failure: detail.into(), sealed_session: None });
        let sealed = match self.open(cookie, now)? {
            Ok(sealed) => sealed,
            Err(detail) => return failed(detail),
        };
        let Some(refresh_token) = sealed.refresh_token.as_deref().filter(|t| !t.is_empty()) else {
            return failed(FailureDetail::RefreshTokenMissing);
        };
        let format = sealed.format;
        // Checked before the call: a session the API rotated must always be sealable.
        if !self.secrets.primary().supports(format) {
            return Err(Error::Configuration(format!(
                "the first cookie password cannot seal {format} cookies, so a refreshed {format} session could not be \
                 written: put a secret usable for {format} first"
            )));
        }
        let organization = match organization_id {
            Some(org) => Some(org.to_owned()),
            None => unverified_claims(&sealed.access_token)
                .and_then(|claims| claims.get("org_id").and_then(Value::as_str).map(str::to_owned)),
        };
        let key = refresh_key(refresh_token, organization.as_deref());
        let mut work = || -> RefreshOutcome {
            let answer = match api.refresh(refresh_token, organization.as_deref())? {
                Ok(answer) => answer,
                Err(detail) => return Ok(Err(detail)),
            };
            let sealed_session = Zeroizing::new(self.seal_api_session(&answer, format, now)?);
            let expires_at = unverified_claims(&answer.access_token)
                .and_then(|claims| claims.get("exp").and_then(Value::as_f64))
                .and_then(|exp| time::from_unix_seconds("exp", exp).ok());
            Ok(Ok(Arc::new(Refreshed { sealed_session, format, session: answer, expires_at })))
        };
        let grace = self.refresh.grace;
        let remember = |refreshed: &Refreshed| {
            let until = now.checked_add(grace)?;
            (!grace.is_zero()).then(|| refreshed.expires_at.map_or(until, |exp| exp.min(until)))
        };
        let (outcome, _role) = self.refresh.store.run(&key, now, &mut work, &remember);
        let refreshed = match outcome? {
            Ok(refreshed) => refreshed,
            Err(detail) => return failed(detail),
        };
        let sealed_session = if refreshed.format == format {
            refreshed.sealed_session.to_string()
        } else {
            self.seal_api_session(&refreshed.session, format, now)?
        };
        let new = &refreshed.session;
        let verified = token::verify(&new.access_token, &self.rules, now, self.cache.as_ref(), |kid| self.keys.key_set_for(kid))?;
        let verified = match verified {
            Ok(verified) => verified,
            Err(detail) => return Ok(Refresh::Failed { failure: detail.into(), sealed_session: Some(sealed_session) }),
        };
        let fields = SealedFields {
            format,
            access_token: new.access_token.clone(),
            refresh_token: Some(new.refresh_token.clone()),
            user: Some(new.user.clone()),
            impersonator: new.impersonator.clone(),
            authentication_method: new.authentication_method.clone(),
        };
        Ok(match session_from(fields, verified) {
            Ok(session) => Refresh::Refreshed { sealed_session, session: Box::new(session) },
            Err(detail) => Refresh::Failed { failure: detail.into(), sealed_session: Some(sealed_session) },
        })
    }

    /// The API client, or the configuration error that stops every refresh before the cookie
    /// is looked at.
    fn refresh_api(&self, organization_id: Option<&str>) -> Result<&WorkosApi, Error> {
        let Some(api) = self.refresh.api.as_ref() else {
            return Err(Error::Configuration(
                "refreshing a session needs the WorkOS API key: set api_key (apiKey in Node)".into(),
            ));
        };
        if organization_id.is_some_and(str::is_empty) {
            return Err(Error::Configuration("organization_id is empty: leave it out to keep the current organization".into()));
        }
        Ok(api)
    }

    /// [`SessionGate::refresh_at`] for a cookie handed over as bytes (see
    /// [`SessionGate::authenticate_bytes_at`]): empty, oversized and non-UTF-8 cookies are the
    /// same failures `authenticate` gives, with no API call.
    pub fn refresh_bytes_at(&self, cookie: &[u8], organization_id: Option<&str>, now: SystemTime) -> Result<Refresh, Error> {
        match self.cookie_text(cookie) {
            Ok(cookie) => self.refresh_at(cookie, organization_id, now),
            // The configuration errors come first, as they do for a text cookie.
            Err(detail) => self.refresh_api(organization_id).map(|_| Refresh::Failed { failure: detail.into(), sealed_session: None }),
        }
    }

    /// [`SessionGate::authenticate_or_refresh_at`] now.
    pub fn authenticate_or_refresh(&self, cookie: &str) -> Result<SessionRenewal, Error> {
        self.authenticate_or_refresh_at(cookie, SystemTime::now())
    }

    /// Authenticates `cookie` at `now`, refreshing when its access token does not verify
    /// (expired...), or verifies but expires within the refresh buffer. A proactive refresh
    /// that fails (an outage, or a refusal: another request may have rotated the token) while
    /// the current token is still valid serves the current token, without an error.
    ///
    /// `Err`: an outage when no valid token can be served ([`Error::ApiUnavailable`],
    /// [`Error::JwksUnavailable`]: keep the cookie, answer 503), or a configuration error.
    pub fn authenticate_or_refresh_at(&self, cookie: &str, now: SystemTime) -> Result<SessionRenewal, Error> {
        let authentication = self.authenticate_at(cookie, now)?;
        match &authentication {
            Authentication::Authenticated(session) => {
                if self.refresh.api.is_none() {
                    return Ok(SessionRenewal::serve(authentication));
                }
                let buffer = self.refresh.buffer.unwrap_or_else(|| default_buffer(&session.claims));
                let Some(exp) = session.claims.get("exp").and_then(Value::as_f64) else {
                    return Ok(SessionRenewal::serve(authentication));
                };
                if buffer.is_zero() || exp >= time::to_unix_seconds(now) + buffer.as_secs_f64() {
                    return Ok(SessionRenewal::serve(authentication));
                }
                match self.refresh_at(cookie, None, now) {
                    Ok(Refresh::Refreshed { sealed_session, session }) => Ok(SessionRenewal {
                        authentication: Authentication::Authenticated(session),
                        sealed_session: Some(sealed_session),
                        clear_cookie: false,
                    }),
                    // The new token did not verify: keep serving the valid one, but hand over
                    // the rotated session so it is not lost.
                    Ok(Refresh::Failed { sealed_session: Some(sealed_session), .. }) => {
                        Ok(SessionRenewal { authentication, sealed_session: Some(sealed_session), clear_cookie: false })
                    }
                    Ok(Refresh::Failed { sealed_session: None, .. }) => Ok(SessionRenewal::serve(authentication)),
                    Err(e) if e.is_retryable() => Ok(SessionRenewal::serve(authentication)),
                    Err(e) => Err(e),
                }
            }
            Authentication::Failed(failure) => match failure.reason {
                FailureReason::InvalidJwt => Ok(match self.refresh_at(cookie, None, now)? {
                    Refresh::Refreshed { sealed_session, session } => SessionRenewal {
                        authentication: Authentication::Authenticated(session),
                        sealed_session: Some(sealed_session),
                        clear_cookie: false,
                    },
                    Refresh::Failed { failure, sealed_session: Some(sealed_session) } => SessionRenewal {
                        authentication: Authentication::Failed(failure),
                        sealed_session: Some(sealed_session),
                        clear_cookie: false,
                    },
                    Refresh::Failed { failure, sealed_session: None } => SessionRenewal {
                        authentication: Authentication::Failed(failure),
                        sealed_session: None,
                        clear_cookie: true,
                    },
                }),
                _ => Ok(SessionRenewal::refused(authentication)),
            },
        }
    }

    /// [`SessionGate::authenticate_or_refresh_at`] for a cookie handed over as bytes (see
    /// [`SessionGate::authenticate_bytes_at`]): a cookie refused before it is opened gets the
    /// renewal any unopenable cookie gets (the failure; clear the cookie unless there was none).
    pub fn authenticate_or_refresh_bytes_at(&self, cookie: &[u8], now: SystemTime) -> Result<SessionRenewal, Error> {
        match self.cookie_text(cookie) {
            Ok(cookie) => self.authenticate_or_refresh_at(cookie, now),
            Err(detail) => Ok(SessionRenewal::refused(detail.into())),
        }
    }

    /// [`SessionGate::logout_url_at`] now.
    pub fn logout_url(&self, cookie: &str, return_to: Option<&str>) -> Result<String, Error> {
        self.logout_url_at(cookie, return_to, SystemTime::now())
    }

    /// The WorkOS logout URL for the session in `cookie`:
    /// `{api_base}/user_management/sessions/logout?session_id=…[&return_to=…]`. Works for an
    /// expired session: `sid` is read from the sealed access token, whose cookie's MAC verified
    /// (as @workos-inc/node 12 does). A cookie that cannot be opened, or holds no `sid`, is
    /// [`Error::Unseal`] with its detail (the SDKs raise here too: there is no session to end);
    /// a dotnet key derivation that must wait is the retryable [`Error::KeyDerivationBusy`].
    pub fn logout_url_at(&self, cookie: &str, return_to: Option<&str>, now: SystemTime) -> Result<String, Error> {
        let sealed = self.open(cookie, now)?.map_err(Error::Unseal)?;
        let claims = unverified_claims(&sealed.access_token).ok_or(Error::Unseal(FailureDetail::MalformedJwt))?;
        let sid = claims
            .get("sid")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or(Error::Unseal(FailureDetail::SidMissing))?;
        let mut url = format!("{}/user_management/sessions/logout?session_id={}", self.refresh.api_base, form_encode(sid));
        if let Some(return_to) = return_to {
            url.push_str("&return_to=");
            url.push_str(&form_encode(return_to));
        }
        Ok(url)
    }

    /// [`SessionGate::logout_url_at`] for a cookie handed over as bytes (see
    /// [`SessionGate::authenticate_bytes_at`]): a cookie refused before it is opened is
    /// [`Error::Unseal`] with the detail `authenticate` gives.
    pub fn logout_url_bytes_at(&self, cookie: &[u8], return_to: Option<&str>, now: SystemTime) -> Result<String, Error> {
        self.logout_url_at(self.cookie_text(cookie).map_err(Error::Unseal)?, return_to, now)
    }

    /// Opens a cookie into its sealed fields (size, seal, payload), as `authenticate` does:
    /// `Ok(Err(detail))` refuses the cookie; `Err` is the retryable key-derivation wait.
    fn open(&self, cookie: &str, now: SystemTime) -> Result<Result<SealedFields, FailureDetail>, Error> {
        if cookie.is_empty() {
            return Ok(Err(FailureDetail::EmptyCookie));
        }
        if cookie.len() > self.max_cookie_bytes {
            return Ok(Err(FailureDetail::CookieTooLarge));
        }
        match seal::unseal(cookie, &self.secrets, now) {
            Ok(unsealed) => Ok(SealedFields::read(unsealed)),
            Err(UnsealError::Refused(detail)) => Ok(Err(detail)),
            Err(UnsealError::Busy) => Err(Error::KeyDerivationBusy),
        }
    }

    fn seal_api_session(&self, answer: &crate::workos::ApiSession, format: SealFormat, now: SystemTime) -> Result<String, Error> {
        let mut data = SessionData {
            access_token: answer.access_token.clone(),
            refresh_token: answer.refresh_token.clone(),
            user: answer.user.clone(),
            impersonator: answer.impersonator.clone(),
            authentication_method: answer.authentication_method.clone(),
            organization_id: answer.organization_id.clone(),
        };
        let sealed = self.seal_session_at(&data, format, now);
        data.access_token.zeroize();
        data.refresh_token.zeroize();
        sealed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding_is_url_search_params() {
        assert_eq!(form_encode("session_01AB"), "session_01AB");
        assert_eq!(form_encode("https://app.example/a b?x=1&y=é"), "https%3A%2F%2Fapp.example%2Fa+b%3Fx%3D1%26y%3D%C3%A9");
        assert_eq!(form_encode("*-._~"), "*-._%7E");
    }

    #[test]
    fn buffer_follows_the_token_lifetime() {
        let claims = |exp: u64, iat: u64| serde_json::json!({"exp": exp, "iat": iat}).as_object().unwrap().clone();
        assert_eq!(default_buffer(&claims(1300, 1000)), Duration::from_secs(30));
        assert_eq!(default_buffer(&claims(1301, 1000)), Duration::from_secs(60));
        assert_eq!(default_buffer(&Map::new()), Duration::from_secs(60));
    }
}
