//! What a web app answers when a request cannot run, for every binding's framework helpers
//! (Python's FastAPI, Starlette, Flask and Django ones; Node's Express, Fastify and Next.js
//! ones): the status, body and headers of each refusal, and the session cookie's default name
//! and attributes. The helpers only move these into their framework's response.

use serde_json::{Value, json};

use crate::error::{Error, Failure};
use crate::stepup::{StepUpDenial, Subject};

/// The session cookie's name unless the app names another: authkit-nextjs's default (WorkOS's
/// Python guides use `wos_session`).
pub const DEFAULT_COOKIE_NAME: &str = "wos-session";

/// The cookie that keeps a step-up grant (`complete_step_up`) unless the app names another.
pub const DEFAULT_GRANT_COOKIE_NAME: &str = "sg-step-up";

/// What the app sends instead of running the route.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// 401, 403 or 503.
    pub status: u16,
    /// The JSON body.
    pub body: Value,
    /// Header names (lowercase) and values.
    pub headers: Vec<(&'static str, String)>,
}

impl Refusal {
    /// No valid session: 401 with `{"authenticated": false, "reason", "detail"}`.
    pub fn signed_out(failure: &Failure) -> Refusal {
        let body = json!({"authenticated": false, "reason": failure.reason.as_str(), "detail": failure.detail.code()});
        Refusal { status: 401, body, headers: Vec::new() }
    }

    /// A step-up denial: 403 with the RFC 9470 body for a cookie session; 401 with the body and
    /// `WWW-Authenticate` for a bearer token.
    pub fn step_up(denial: &StepUpDenial) -> Refusal {
        let headers = match denial.subject {
            Subject::Bearer => vec![("www-authenticate", denial.challenge.www_authenticate())],
            Subject::Cookie => Vec::new(),
        };
        Refusal { status: denial.status(), body: denial.challenge.to_json(), headers }
    }

    /// An outage (a retryable error: the keys, the WorkOS API, the key-derivation budget): 503
    /// with `{"error": "temporarily_unavailable", "code"}` and `Retry-After` in whole seconds,
    /// at least 1 (the API's own, rounded up, when it sent one). The cookie is kept: an outage
    /// never logs a user out. `None` for any other error: that one is the app's bug, raised.
    pub fn unavailable(error: &Error) -> Option<Refusal> {
        if !error.is_retryable() {
            return None;
        }
        let retry_after = error.retry_after().map_or(1, |wait| wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
        let body = json!({"error": "temporarily_unavailable", "code": error.code().as_str()});
        Some(Refusal { status: 503, body, headers: vec![("retry-after", retry_after.to_string())] })
    }

    /// `{"status", "body", "headers": {name: value}}`: how a binding hands a refusal over.
    pub fn to_json(&self) -> Value {
        let headers: serde_json::Map<String, Value> =
            self.headers.iter().map(|(name, value)| ((*name).to_owned(), Value::from(value.as_str()))).collect();
        json!({"status": self.status, "body": self.body, "headers": headers})
    }
}

/// The `Set-Cookie` value that stores a renewed session (`Some(value)`) or deletes it (`None`):
/// `Path=/; HttpOnly; SameSite=Lax`, and `Secure` when asked (over https, or as configured).
pub fn session_cookie_header(name: &str, value: Option<&str>, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    match value {
        Some(value) => format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}"),
        None => format!("{name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}"),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::error::FailureDetail;
    use crate::stepup::{Challenge, DenialReason};

    #[test]
    fn each_refusal_has_its_status_body_and_headers() {
        let signed_out = Refusal::signed_out(&FailureDetail::EmptyCookie.into());
        assert_eq!(signed_out.status, 401);
        assert_eq!(signed_out.body, json!({"authenticated": false, "reason": "no_session_cookie_provided", "detail": "empty_cookie"}));
        let challenge = Challenge { error_description: Some("MFA".into()), acr_values: vec![], max_age: Some(600) };
        let cookie = StepUpDenial { reason: DenialReason::MfaRequired, subject: Subject::Cookie, challenge: challenge.clone() };
        let denied = Refusal::step_up(&cookie);
        assert_eq!((denied.status, denied.headers.len()), (403, 0));
        assert_eq!(denied.body["max_age"], 600);
        let bearer = Refusal::step_up(&StepUpDenial { subject: Subject::Bearer, ..cookie });
        assert_eq!(bearer.status, 401);
        assert_eq!(bearer.headers, vec![("www-authenticate", challenge.www_authenticate())]);
        let handed_over = bearer.to_json();
        assert_eq!((&handed_over["status"], &handed_over["body"]), (&json!(401), &bearer.body));
        assert_eq!(handed_over["headers"], json!({"www-authenticate": challenge.www_authenticate()}));
    }

    #[test]
    fn only_an_outage_is_a_503_and_retry_after_is_whole_seconds_at_least_one() {
        let retry = |wait: Option<Duration>| {
            let refusal = Refusal::unavailable(&Error::ApiUnavailable { message: "HTTP 503".into(), retry_after: wait }).unwrap();
            assert_eq!((refusal.status, &refusal.body["code"]), (503, &json!("api_unavailable")));
            refusal.headers[0].1.clone()
        };
        assert_eq!(retry(None), "1");
        assert_eq!(retry(Some(Duration::from_millis(200))), "1");
        assert_eq!(retry(Some(Duration::from_millis(2500))), "3");
        assert_eq!(retry(Some(Duration::from_secs(7))), "7");
        assert_eq!(Refusal::unavailable(&Error::KeyDerivationBusy).unwrap().body["code"], "key_derivation_busy");
        assert_eq!(Refusal::unavailable(&Error::Configuration("bad".into())), None);
    }

    #[test]
    fn cookies_are_http_only_lax_and_secure_when_asked() {
        assert_eq!(session_cookie_header("wos-session", Some("v"), false), "wos-session=v; Path=/; HttpOnly; SameSite=Lax");
        assert_eq!(session_cookie_header("s", None, true), "s=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure");
    }
}
