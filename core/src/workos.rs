//! The WorkOS API client for refreshing sessions, and where refresh results are shared.
//!
//! * [`WorkosApi::refresh`]: `POST {api_base}/user_management/authenticate` with
//!   `grant_type=refresh_token`, `client_id`, `client_secret` (the API key, also sent as
//!   `Authorization: Bearer`), `refresh_token` and `organization_id`. Never the cookie password.
//!   Its answer is one of three kinds: new tokens; a terminal refusal (a [`FailureDetail`]
//!   under the @workos-inc/node 12 reason); or an outage ([`Error::ApiUnavailable`], after at
//!   most 2 retries for 429/5xx/broken answers/connection errors, honouring `Retry-After` up to
//!   [`RETRY_AFTER_CAP`], inside the refresh timeout). A 401 or a refused client id is a
//!   [`Error::Configuration`]: the API key or client id is wrong, not the user's session.
//! * [`RefreshStore`]: the small trait behind which refreshes of one (refresh token,
//!   organization) are shared: [`InProcessStore`] (single-flight plus a grace-window memory)
//!   by default; a fleet-wide coordinator can implement it too.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, FailureDetail};
use crate::seal::SealFormat;
use crate::util::flight::{self, Role, SingleFlight};
use crate::util::{http, redact};

/// The longest `Retry-After` waited for inside a call; a longer one is handed to the caller.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(2);
/// Retries after the first attempt, for 429, 5xx, broken answers and connection errors.
pub const MAX_RETRIES: u32 = 2;
/// Results remembered at most by the in-process store.
pub const REMEMBERED_REFRESHES: usize = 10_000;
/// The largest API answer read.
const MAX_ANSWER_BYTES: u64 = 1024 * 1024;

/// The API's answer to a successful refresh. Its tokens are wiped when it is dropped.
#[derive(Clone, PartialEq)]
pub struct ApiSession {
    /// The new access token.
    pub access_token: String,
    /// The new refresh token (the old one is retired).
    pub refresh_token: String,
    /// The user object, as the API returns it.
    pub user: Value,
    /// The organization the session is now scoped to.
    pub organization_id: Option<String>,
    /// How the user authenticated (`Password`…).
    pub authentication_method: Option<String>,
    /// The impersonator, if any.
    pub impersonator: Option<Value>,
}

impl Drop for ApiSession {
    fn drop(&mut self) {
        self.access_token.zeroize();
        self.refresh_token.zeroize();
    }
}

impl fmt::Debug for ApiSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiSession")
            .field("user_id", &self.user.get("id"))
            .field("organization_id", &self.organization_id)
            .field("authentication_method", &self.authentication_method)
            .finish_non_exhaustive()
    }
}

/// One attempt's outcome, before the retry policy.
enum Attempt<T> {
    Done(T),
    Fatal(Error),
    Transient { message: String, retry_after: Option<Duration>, timed_out: bool },
}

/// An MFA endpoint's answer: its JSON object, or its refusal (a 4xx other than 401, 408 and
/// 429) with the API's `code`.
pub type MfaAnswer = Result<Map<String, Value>, MfaRefusal>;

/// A refusal of an MFA endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaRefusal {
    pub status: u16,
    pub code: String,
}

/// The WorkOS API, for one client id and API key.
pub struct WorkosApi {
    base: String,
    client_id: String,
    api_key: Zeroizing<String>,
    timeout: Duration,
    http: http::Client,
}

impl fmt::Debug for WorkosApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkosApi")
            .field("base", &redact::url(&self.base))
            .field("client_id", &self.client_id)
            .field("api_key", &"<redacted>")
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The API base without its trailing slashes (checked by the configuration).
pub fn api_base(base: &str) -> &str {
    base.trim_end_matches('/')
}

impl WorkosApi {
    /// A client; `base` was checked by the configuration.
    pub fn new(base: &str, client_id: &str, api_key: &str, timeout: Duration) -> WorkosApi {
        WorkosApi {
            base: api_base(base).to_owned(),
            client_id: client_id.to_owned(),
            api_key: Zeroizing::new(api_key.to_owned()),
            timeout,
            http: http::Client::new(timeout),
        }
    }

    /// Exchanges a refresh token. `Ok(Err(detail))`: the API refused it (terminal).
    pub fn refresh(&self, refresh_token: &str, organization_id: Option<&str>) -> Result<Result<ApiSession, FailureDetail>, Error> {
        let mut body = json!({
            "grant_type": "refresh_token",
            "client_id": self.client_id,
            "client_secret": self.api_key.as_str(),
            "refresh_token": refresh_token,
        });
        if let Some(org) = organization_id {
            body["organization_id"] = json!(org);
        }
        let body = Zeroizing::new(body.to_string());
        self.call("POST", "/user_management/authenticate", Some(&body), classify)
    }

    /// `GET {api_base}{path}` of an MFA endpoint, with the refresh's retry policy and timeout.
    pub fn mfa_get(&self, path: &str) -> Result<MfaAnswer, Error> {
        self.call("GET", path, None, classify_mfa)
    }

    /// `POST {api_base}{path}` of an MFA endpoint with a JSON body.
    pub fn mfa_post(&self, path: &str, body: &Value) -> Result<MfaAnswer, Error> {
        let body = Zeroizing::new(body.to_string());
        self.call("POST", path, Some(&body), classify_mfa)
    }

    /// One call with the retry policy: at most [`MAX_RETRIES`] retries of transient failures,
    /// honouring `Retry-After` up to [`RETRY_AFTER_CAP`], all inside the timeout.
    fn call<T>(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        classify: fn(&str, u16, Option<Duration>, Option<Value>) -> Attempt<T>,
    ) -> Result<T, Error> {
        let deadline = Instant::now() + self.timeout;
        let mut retries = 0;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let attempt = if remaining.is_zero() {
                Attempt::Transient { message: "the API timeout elapsed".into(), retry_after: None, timed_out: true }
            } else {
                self.attempt(method, path, body, remaining, classify)
            };
            match attempt {
                Attempt::Done(outcome) => return Ok(outcome),
                Attempt::Fatal(error) => return Err(error),
                Attempt::Transient { message, retry_after, timed_out } => {
                    let wait = retry_after.unwrap_or(Duration::from_millis(100 << (2 * retries)));
                    let give_up = timed_out
                        || retries >= MAX_RETRIES
                        || wait > RETRY_AFTER_CAP
                        || Instant::now() + wait >= deadline;
                    if give_up {
                        let message = if retries > 0 { format!("{message} (after {} attempts)", retries + 1) } else { message };
                        return Err(Error::ApiUnavailable { message, retry_after });
                    }
                    std::thread::sleep(wait);
                    retries += 1;
                }
            }
        }
    }

    fn attempt<T>(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        timeout: Duration,
        classify: fn(&str, u16, Option<Duration>, Option<Value>) -> Attempt<T>,
    ) -> Attempt<T> {
        let url = format!("{}{path}", self.base);
        let shown = format!("{method} {}", redact::url(&url));
        let agent = self.http.agent_for(&url);
        let sent = match body {
            Some(body) => agent
                .post(&url)
                .config()
                .timeout_global(Some(timeout))
                .build()
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .header("authorization", &format!("Bearer {}", self.api_key.as_str()))
                .send(body.as_bytes()),
            None => agent
                .get(&url)
                .config()
                .timeout_global(Some(timeout))
                .build()
                .header("accept", "application/json")
                .header("authorization", &format!("Bearer {}", self.api_key.as_str()))
                .call(),
        };
        let mut response = match sent {
            Ok(response) => response,
            Err(e) => {
                let timed_out = matches!(e, ureq::Error::Timeout(_));
                let message = format!("{shown}: {}", redact::in_message(&e.to_string(), &url));
                return Attempt::Transient { message, retry_after: None, timed_out };
            }
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let answer = response.body_mut().with_config().limit(MAX_ANSWER_BYTES).read_to_vec();
        let answer = match answer {
            Ok(bytes) => Zeroizing::new(bytes),
            Err(e) => {
                let timed_out = matches!(e, ureq::Error::Timeout(_));
                return Attempt::Transient { message: format!("{shown}: reading the answer: {e}"), retry_after, timed_out };
            }
        };
        let json: Option<Value> = serde_json::from_slice(&answer).ok();
        classify(&shown, status, retry_after, json)
    }
}

/// The statuses every endpoint shares: 401 (the key) and the transient ones.
fn classify_shared<T>(shown: &str, status: u16, retry_after: Option<Duration>) -> Option<Attempt<T>> {
    match status {
        401 => Some(Attempt::Fatal(Error::Configuration(format!(
            "{shown}: HTTP 401: the WorkOS API refused the API key (check api_key)"
        )))),
        408 | 429 | 500..=599 => Some(Attempt::Transient { message: format!("{shown}: HTTP {status}"), retry_after, timed_out: false }),
        200..=299 | 400..=499 => None,
        _ => Some(Attempt::Transient { message: format!("{shown}: unexpected HTTP {status}"), retry_after, timed_out: false }),
    }
}

fn classify_mfa(shown: &str, status: u16, retry_after: Option<Duration>, json: Option<Value>) -> Attempt<MfaAnswer> {
    if let Some(attempt) = classify_shared(shown, status, retry_after) {
        return attempt;
    }
    match (status, json) {
        (200..=299, Some(Value::Object(map))) => Attempt::Done(Ok(map)),
        (200..=299, _) => Attempt::Transient { message: format!("{shown}: HTTP {status} without a JSON object"), retry_after, timed_out: false },
        (_, json) => {
            let code = json.as_ref().and_then(|v| v.get("code").or_else(|| v.get("error"))).and_then(Value::as_str).unwrap_or("");
            Attempt::Done(Err(MfaRefusal { status, code: code.to_owned() }))
        }
    }
}

fn classify(shown: &str, status: u16, retry_after: Option<Duration>, json: Option<Value>) -> Attempt<Result<ApiSession, FailureDetail>> {
    let transient = |message: String| Attempt::Transient { message, retry_after, timed_out: false };
    if let Some(attempt) = classify_shared(shown, status, retry_after) {
        return attempt;
    }
    match status {
        200 | 201 => match json.and_then(session_from_answer) {
            Some(session) => Attempt::Done(Ok(session)),
            None => transient(format!("{shown}: HTTP {status} without a usable JSON answer")),
        },
        400..=499 => {
            let code = json.as_ref().and_then(|v| v.get("error").or_else(|| v.get("code"))).and_then(Value::as_str).unwrap_or("");
            if matches!(code, "invalid_client" | "unauthorized_client") {
                return Attempt::Fatal(Error::Configuration(format!(
                    "{shown}: HTTP {status} {code}: the WorkOS API refused the client id (check client_id and api_key)"
                )));
            }
            Attempt::Done(Err(refusal(code)))
        }
        _ => transient(format!("{shown}: unexpected HTTP {status}")),
    }
}

/// The failure detail for an API error code (`error` or `code` of its answer).
pub fn refusal(code: &str) -> FailureDetail {
    match code {
        "invalid_grant" => FailureDetail::RefreshTokenRejected,
        "mfa_enrollment" => FailureDetail::MfaEnrollment,
        "sso_required" => FailureDetail::SsoRequired,
        "organization_not_found" => FailureDetail::OrganizationNotFound,
        "organization_membership_not_found" => FailureDetail::OrganizationMembershipNotFound,
        "mfa_challenge" => FailureDetail::MfaChallenge,
        "email_verification_required" => FailureDetail::EmailVerificationRequired,
        "organization_selection_required" => FailureDetail::OrganizationSelectionRequired,
        "organization_authentication_methods_required" => FailureDetail::OrganizationAuthenticationMethodsRequired,
        "authentication_method_not_allowed" => FailureDetail::AuthenticationMethodNotAllowed,
        code if code.starts_with("radar_") => FailureDetail::RadarChallenge,
        _ => FailureDetail::ApiRejected,
    }
}

fn session_from_answer(answer: Value) -> Option<ApiSession> {
    let Value::Object(mut map) = answer else { return None };
    let mut text = |name: &str| match map.remove(name) {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        _ => None,
    };
    let access_token = text("access_token")?;
    let refresh_token = text("refresh_token")?;
    let organization_id = text("organization_id");
    let authentication_method = text("authentication_method");
    let user = map.remove("user").filter(Value::is_object)?;
    let impersonator = map.remove("impersonator").filter(Value::is_object);
    Some(ApiSession { access_token, refresh_token, user, organization_id, authentication_method, impersonator })
}

/// A refresh the API answered: the new session sealed, and what it was sealed from. Shared by
/// every caller of one refresh, and remembered for the grace window; wiped when dropped.
pub struct Refreshed {
    /// The new cookie.
    pub sealed_session: Zeroizing<String>,
    /// Its format (the format of the cookie that was refreshed).
    pub format: SealFormat,
    /// The API's answer.
    pub session: ApiSession,
    /// The new access token's `exp` (read before verification: only bounds remembering).
    pub expires_at: Option<SystemTime>,
}

impl fmt::Debug for Refreshed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Refreshed")
            .field("sealed_session", &"<redacted>")
            .field("format", &self.format)
            .field("session", &self.session)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A refresh's shared outcome: the API's new session, its refusal, or an error.
pub type RefreshOutcome = Result<Result<Arc<Refreshed>, FailureDetail>, Error>;

/// The key of one refresh: SHA-256 of the refresh token and the organization asked for.
pub fn refresh_key(refresh_token: &str, organization_id: Option<&str>) -> flight::Key {
    let mut hash = Sha256::new();
    hash.update(refresh_token.as_bytes());
    hash.update([0]);
    hash.update(organization_id.unwrap_or_default().as_bytes());
    hash.finalize().into()
}

/// Where refreshes are shared: concurrent refreshes of one key make one API call, and a
/// successful one is handed to later callers of that key until `remember_until`.
pub trait RefreshStore: Send + Sync + fmt::Debug {
    /// The outcome for `key` at `now`: remembered, joined, or from running `refresh`.
    /// `remember_until` says how long a successful outcome may be handed out again.
    fn run(
        &self,
        key: &flight::Key,
        now: SystemTime,
        refresh: &mut dyn FnMut() -> RefreshOutcome,
        remember_until: &dyn Fn(&Refreshed) -> Option<SystemTime>,
    ) -> (RefreshOutcome, Role);

    /// Where refreshes are coordinated, and how that is going.
    fn status(&self) -> crate::fleet::CoordinatorStatus {
        crate::fleet::CoordinatorStatus::in_process()
    }
}

/// The default store: single-flight within the process, and a bounded memory of successful
/// refreshes.
#[derive(Debug)]
pub struct InProcessStore {
    flight: SingleFlight<RefreshOutcome>,
}

impl InProcessStore {
    /// A store remembering at most `capacity` refreshes.
    pub fn new(capacity: usize) -> InProcessStore {
        InProcessStore { flight: SingleFlight::new(capacity) }
    }
}

impl RefreshStore for InProcessStore {
    fn run(
        &self,
        key: &flight::Key,
        now: SystemTime,
        refresh: &mut dyn FnMut() -> RefreshOutcome,
        remember_until: &dyn Fn(&Refreshed) -> Option<SystemTime>,
    ) -> (RefreshOutcome, Role) {
        self.flight.run(*key, now, refresh, |outcome| match outcome {
            Ok(Ok(refreshed)) => remember_until(refreshed),
            _ => None,
        })
    }
}

/// What a gate needs to refresh: the API (when an API key is configured), the buffer and grace
/// rules, and the store.
#[derive(Debug)]
pub struct RefreshSupport {
    /// The API client; `None` without an API key.
    pub api: Option<WorkosApi>,
    /// The API base, for logout URLs.
    pub api_base: String,
    /// `None`: authkit-nextjs's rule (60 s, or 30 s for tokens lasting 5 minutes or less).
    pub buffer: Option<Duration>,
    /// How long a refresh is remembered for the old cookie.
    pub grace: Duration,
    /// Where refreshes are shared.
    pub store: Arc<dyn RefreshStore>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_codes_map_to_node_reasons() {
        assert_eq!(refusal("invalid_grant").reason().as_str(), "invalid_grant");
        assert_eq!(refusal("mfa_enrollment").reason().as_str(), "mfa_enrollment");
        assert_eq!(refusal("sso_required").reason().as_str(), "sso_required");
        assert_eq!(refusal("organization_membership_not_found").reason().as_str(), "organization_membership_not_found");
        assert_eq!(refusal("radar_sms_challenge"), FailureDetail::RadarChallenge);
        assert_eq!(refusal("invalid_request").reason().as_str(), "refresh_rejected");
        assert_eq!(refusal("").code(), "api_rejected");
    }

    #[test]
    fn statuses_are_classified() {
        let done = |status, body: Value| match classify("POST x", status, None, Some(body)) {
            Attempt::Done(Err(detail)) => Some(detail.code()),
            _ => None,
        };
        assert_eq!(done(400, json!({"error": "invalid_grant", "error_description": "…"})), Some("refresh_token_rejected"));
        assert_eq!(done(403, json!({"code": "mfa_enrollment", "message": "…"})), Some("mfa_enrollment"));
        assert_eq!(done(404, json!({"message": "…"})), Some("api_rejected"));
        assert!(matches!(classify("x", 401, None, None), Attempt::Fatal(Error::Configuration(_))));
        assert!(matches!(classify("x", 400, None, Some(json!({"error": "invalid_client"}))), Attempt::Fatal(Error::Configuration(_))));
        for status in [408, 429, 500, 502, 503, 504] {
            assert!(matches!(classify("x", status, None, None), Attempt::Transient { .. }), "{status}");
        }
        assert!(matches!(classify("x", 200, None, None), Attempt::Transient { .. }), "broken JSON");
        assert!(matches!(classify("x", 200, None, Some(json!({"access_token": "a", "user": {}}))), Attempt::Transient { .. }));
        let ok = json!({"access_token": "a", "refresh_token": "r", "user": {"id": "u"}, "organization_id": "o"});
        assert!(matches!(classify("x", 200, None, Some(ok)), Attempt::Done(Ok(s)) if s.organization_id.as_deref() == Some("o")));
    }

    #[test]
    fn keys_separate_tokens_and_organizations() {
        assert_ne!(refresh_key("rt", None), refresh_key("rt", Some("org")));
        assert_ne!(refresh_key("rt", Some("org")), refresh_key("rt2", Some("org")));
        assert_eq!(refresh_key("rt", None), refresh_key("rt", Some("")));
        let debug = format!("{:?}", WorkosApi::new("https://api.workos.com/", "client_1", "sk_s3cr3t", Duration::from_secs(1)));
        assert!(!debug.contains("s3cr3t"), "{debug}");
    }
}
