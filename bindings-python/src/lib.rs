//! `sessiongate._sessiongate`: the native module behind the `sessiongate` Python package.
//!
//! A thin layer over the `sessiongate` core: it converts arguments and results and maps errors
//! (see `error.rs`). Every call into the core runs detached from the interpreter (the GIL is
//! released) and inside `catch_unwind`, so threads authenticate in parallel and no panic
//! reaches Python. One `SessionGate` is meant to be shared by every thread of the app.

mod error;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};
use sessiongate::{
    Algorithm, AmrRequirement, Authentication, Challenge, Claims, Config, Failure, FailureDetail, FailureReason,
    JwksSource, JwksStatus, SealFormat, Secrets, Session, SessionData, StepUpDecision, StepUpPolicy, VerifiedToken,
};

use crate::error::{configuration, guarded, to_py_err};

/// Deepest nesting accepted when converting Python values to JSON (cycles end here too).
const MAX_DEPTH: usize = 128;

// ---------------------------------------------------------------------------------------------
// JSON <-> Python

fn json_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => object_to_py(py, map)?.into_any(),
    })
}

fn object_to_py<'py>(py: Python<'py>, map: &Map<String, Value>) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (key, item) in map {
        dict.set_item(key, json_to_py(py, item)?)?;
    }
    Ok(dict)
}

fn opt_json_to_py<'py>(py: Python<'py>, value: Option<&Value>) -> PyResult<Bound<'py, PyAny>> {
    match value {
        Some(value) => json_to_py(py, value),
        None => Ok(py.None().into_bound(py)),
    }
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "object".into())
}

/// Converts a JSON-like Python value (None, bool, int, float, str, list, tuple, dict with str
/// keys) to JSON. The error message names types only, never values.
fn py_to_json(obj: &Bound<'_, PyAny>, depth: usize) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH} levels"));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        return obj.extract::<u64>().map(Value::from).map_err(|_| "an int does not fit in 64 bits".to_owned());
    }
    if obj.is_instance_of::<PyFloat>() {
        let f = obj.extract::<f64>().map_err(|_| "a float cannot be read".to_owned())?;
        return Number::from_f64(f).map(Value::Number).ok_or_else(|| "NaN and infinity are not JSON".to_owned());
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return s.to_cow().map(|s| Value::String(s.into_owned())).map_err(|_| "a str is not valid Unicode".to_owned());
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (key, item) in dict.iter() {
            let key = key
                .cast::<PyString>()
                .map_err(|_| format!("dict keys must be str, not {}", type_name(&key)))?
                .to_cow()
                .map_err(|_| "a dict key is not valid Unicode".to_owned())?
                .into_owned();
            map.insert(key, py_to_json(&item, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let iter = obj.try_iter().map_err(|_| "a sequence cannot be iterated".to_owned())?;
        let mut items = Vec::new();
        for item in iter {
            let item = item.map_err(|_| "a sequence cannot be iterated".to_owned())?;
            items.push(py_to_json(&item, depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    Err(format!("a value of type {} is not JSON-serializable", type_name(obj)))
}

fn seal_input(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Value> {
    py_to_json(obj, 0).map_err(|e| error::SealError::new_err(format!("cannot seal {what}: {e}")))
}

// ---------------------------------------------------------------------------------------------
// Arguments

/// A str, or a sequence (list, tuple...) of str.
fn str_or_strings(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<String>> {
    let wrong = || PyTypeError::new_err(format!("{what} must be a str or a sequence of str"));
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(vec![s.to_cow()?.into_owned()]);
    }
    if value.is_instance_of::<PyBytes>() || value.is_instance_of::<PyDict>() {
        return Err(wrong());
    }
    let mut out = Vec::new();
    for item in value.try_iter().map_err(|_| wrong())? {
        let item = item?;
        let s = item.cast::<PyString>().map_err(|_| wrong())?;
        out.push(s.to_cow()?.into_owned());
    }
    Ok(out)
}

/// `now` in seconds since the epoch (int or float), or the current time.
fn time_arg(now: Option<f64>) -> PyResult<SystemTime> {
    let Some(seconds) = now else { return Ok(SystemTime::now()) };
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(PyValueError::new_err("now must be a finite, non-negative number of seconds since the epoch"));
    }
    Duration::try_from_secs_f64(seconds)
        .ok()
        .and_then(|d| UNIX_EPOCH.checked_add(d))
        .ok_or_else(|| PyValueError::new_err("now is out of range"))
}

fn format_arg(format: &str) -> PyResult<SealFormat> {
    SealFormat::parse(format).ok_or_else(|| PyValueError::new_err("format must be \"fernet\" or \"iron\""))
}

fn secrets_arg(py: Python<'_>, cookie_password: &Bound<'_, PyAny>) -> PyResult<Secrets> {
    let passwords = str_or_strings(cookie_password, "cookie_password")?;
    py.detach(|| guarded(|| Secrets::new(&passwords))).map_err(|e| to_py_err(py, &e))
}

/// The key source: a static set (`jwks`), a URL (`jwks_url`), an OIDC issuer's discovery
/// document (`discovery_issuer`), or WorkOS's URL for the client.
/// Returns the source and how `repr` describes it (URLs are public, never secrets).
fn jwks_source(
    client_id: &str,
    jwks: Option<&Bound<'_, PyAny>>,
    jwks_url: Option<String>,
    discovery_issuer: Option<String>,
) -> PyResult<(JwksSource, String)> {
    if let Some(issuer) = discovery_issuer {
        if jwks.is_some() || jwks_url.is_some() {
            return Err(configuration("give one of jwks, jwks_url or discovery_issuer"));
        }
        let shown = shown_url(&issuer);
        return Ok((JwksSource::Discovery(issuer), shown));
    }
    match (jwks, jwks_url) {
        (Some(_), Some(_)) => Err(configuration("give jwks or jwks_url, not both")),
        (Some(jwks), None) => {
            let document = if let Ok(text) = jwks.cast::<PyString>() {
                text.to_cow()?.into_owned()
            } else if jwks.is_instance_of::<PyDict>() {
                py_to_json(jwks, 0).map_err(|e| configuration(format!("static JWKS: {e}")))?.to_string()
            } else {
                return Err(PyTypeError::new_err("jwks must be a dict or a JSON str"));
            };
            Ok((JwksSource::Static(document), "static".into()))
        }
        (None, Some(url)) => {
            let shown = shown_url(&url);
            Ok((JwksSource::Url(url), shown))
        }
        (None, None) => {
            let source = JwksSource::workos(client_id);
            let shown = match &source {
                JwksSource::Url(url) => shown_url(url),
                _ => "workos".into(),
            };
            Ok((source, shown))
        }
    }
}

/// A URL for `repr`, unless it may carry credentials (user info or a query string).
fn shown_url(url: &str) -> String {
    if url.contains('@') || url.contains('?') { "url <hidden>".into() } else { format!("url {url}") }
}

fn algorithms_arg(algorithms: &Bound<'_, PyAny>) -> PyResult<Vec<Algorithm>> {
    str_or_strings(algorithms, "algorithms")?
        .iter()
        .map(|name| {
            name.parse::<Algorithm>()
                .map_err(|_| configuration(format!("unknown token algorithm {name:?}")))
        })
        .collect()
}

fn repr_of(obj: &Bound<'_, PyAny>) -> String {
    obj.repr().map(|r| r.to_string()).unwrap_or_else(|_| "?".into())
}

// ---------------------------------------------------------------------------------------------
// Results

static FAILURE_REASON: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The `AuthenticateWithSessionCookieFailureReason` member (a str enum defined in Python).
fn reason_member(py: Python<'_>, reason: FailureReason) -> PyResult<Bound<'_, PyAny>> {
    let class = FAILURE_REASON.import(py, "sessiongate._reason", "AuthenticateWithSessionCookieFailureReason")?;
    class.call1((reason.as_str(),))
}

/// A verified session: workos-python's `AuthenticateWithSessionCookieSuccessResponse`
/// attributes, plus `amr`, `acr`, `auth_time`, `authentication_method`, `access_token`,
/// `claims` and `format`. Immutable; lists and dicts are fresh copies on each access.
#[pyclass(frozen, module = "sessiongate", name = "AuthenticateWithSessionCookieSuccessResponse")]
struct SuccessResponse {
    session: Box<Session>,
}

impl std::fmt::Debug for SuccessResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.session.fmt(f)
    }
}

#[pymethods]
impl SuccessResponse {
    #[getter]
    fn authenticated(&self) -> bool {
        true
    }
    #[getter]
    fn session_id(&self) -> &str {
        self.session.session_id()
    }
    #[getter]
    fn organization_id(&self) -> Option<&str> {
        self.session.organization_id()
    }
    #[getter]
    fn role(&self) -> Option<&str> {
        self.session.role()
    }
    #[getter]
    fn roles(&self) -> Option<Vec<&str>> {
        self.session.roles()
    }
    #[getter]
    fn permissions(&self) -> Option<Vec<&str>> {
        self.session.permissions()
    }
    #[getter]
    fn entitlements(&self) -> Option<Vec<&str>> {
        self.session.entitlements()
    }
    #[getter]
    fn feature_flags(&self) -> Option<Vec<&str>> {
        self.session.feature_flags()
    }
    #[getter]
    fn user<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        opt_json_to_py(py, self.session.user.as_ref())
    }
    #[getter]
    fn impersonator<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        opt_json_to_py(py, self.session.impersonator.as_ref())
    }
    #[getter]
    fn amr(&self) -> Option<Vec<String>> {
        self.session.amr()
    }
    #[getter]
    fn acr(&self) -> Option<&str> {
        self.session.acr()
    }
    #[getter]
    fn auth_time(&self) -> Option<i64> {
        self.session.auth_time()
    }
    #[getter]
    fn authentication_method(&self) -> Option<&str> {
        self.session.authentication_method.as_deref()
    }
    #[getter]
    fn access_token(&self) -> &str {
        &self.session.access_token
    }
    #[getter]
    fn claims<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        object_to_py(py, &self.session.claims)
    }
    #[getter]
    fn format(&self) -> &'static str {
        self.session.format.as_str()
    }

    /// Every attribute as a JSON-ready dict (the refresh token is never included).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = &self.session;
        let d = PyDict::new(py);
        d.set_item("authenticated", true)?;
        d.set_item("session_id", s.session_id())?;
        d.set_item("organization_id", s.organization_id())?;
        d.set_item("role", s.role())?;
        d.set_item("roles", s.roles())?;
        d.set_item("permissions", s.permissions())?;
        d.set_item("user", opt_json_to_py(py, s.user.as_ref())?)?;
        d.set_item("impersonator", opt_json_to_py(py, s.impersonator.as_ref())?)?;
        d.set_item("entitlements", s.entitlements())?;
        d.set_item("feature_flags", s.feature_flags())?;
        d.set_item("amr", s.amr())?;
        d.set_item("acr", s.acr())?;
        d.set_item("auth_time", s.auth_time())?;
        d.set_item("authentication_method", &s.authentication_method)?;
        d.set_item("access_token", &s.access_token)?;
        d.set_item("claims", object_to_py(py, &s.claims)?)?;
        d.set_item("format", s.format.as_str())?;
        Ok(d)
    }

    /// Shows what identifies the session; never the tokens (nor the user's other fields).
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let s = &self.session;
        let user_id = opt_json_to_py(py, s.user.as_ref().and_then(|u| u.get("id")))?;
        let field = |v: Bound<'_, PyAny>| repr_of(&v);
        Ok(format!(
            "AuthenticateWithSessionCookieSuccessResponse(authenticated=True, session_id={}, organization_id={}, \
             user_id={}, role={}, amr={}, acr={}, auth_time={}, format={}, access_token=<redacted>)",
            field(s.session_id().into_pyobject(py)?.into_any()),
            field(s.organization_id().into_pyobject(py)?),
            repr_of(&user_id),
            field(s.role().into_pyobject(py)?),
            field(s.amr().into_pyobject(py)?),
            field(s.acr().into_pyobject(py)?),
            field(s.auth_time().into_pyobject(py)?),
            field(s.format.as_str().into_pyobject(py)?.into_any()),
        ))
    }
}

/// A refused cookie: `authenticated` is False, `reason` one of the peers' reasons (a str enum),
/// `detail` a stable code for logs (e.g. `mac_mismatch`, `expired`, `unknown_kid`).
#[pyclass(frozen, module = "sessiongate", name = "AuthenticateWithSessionCookieErrorResponse")]
#[derive(Debug)]
struct ErrorResponse {
    reason: FailureReason,
    detail: FailureDetail,
}

#[pymethods]
impl ErrorResponse {
    #[getter]
    fn authenticated(&self) -> bool {
        false
    }
    #[getter]
    fn reason<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        reason_member(py, self.reason)
    }
    #[getter]
    fn detail(&self) -> &'static str {
        self.detail.code()
    }

    /// `{"authenticated": False, "reason": ..., "detail": ...}` with plain str values.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("authenticated", false)?;
        d.set_item("reason", self.reason.as_str())?;
        d.set_item("detail", self.detail.code())?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "AuthenticateWithSessionCookieErrorResponse(authenticated=False, reason='{}', detail='{}')",
            self.reason.as_str(),
            self.detail.code()
        )
    }
}

fn authentication_to_py(py: Python<'_>, auth: Authentication) -> PyResult<Py<PyAny>> {
    match auth {
        Authentication::Authenticated(session) => Ok(Py::new(py, SuccessResponse { session })?.into_any()),
        Authentication::Failed(failure) => failure_to_py(py, failure),
    }
}

fn failure_to_py(py: Python<'_>, failure: Failure) -> PyResult<Py<PyAny>> {
    Ok(Py::new(py, ErrorResponse { reason: failure.reason, detail: failure.detail })?.into_any())
}

fn verified_to_py(py: Python<'_>, outcome: Result<Result<VerifiedToken, Failure>, sessiongate::Error>) -> PyResult<Py<PyAny>> {
    match outcome {
        Ok(Ok(token)) => Ok(Py::new(py, PyVerifiedToken { token })?.into_any()),
        Ok(Err(failure)) => failure_to_py(py, failure),
        Err(e) => Err(to_py_err(py, &e)),
    }
}

/// A verified bearer access token or ID token (from `verify_access_token` / `verify_id_token`):
/// its claims, with `amr` normalized as for sessions. The token itself is not kept.
#[pyclass(frozen, module = "sessiongate", name = "VerifiedToken")]
struct PyVerifiedToken {
    token: VerifiedToken,
}

impl std::fmt::Debug for PyVerifiedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedToken").field("subject", &self.subject()).finish_non_exhaustive()
    }
}

#[pymethods]
impl PyVerifiedToken {
    #[getter]
    fn valid(&self) -> bool {
        true
    }
    #[getter]
    fn claims<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        object_to_py(py, &self.token.claims)
    }
    #[getter]
    fn header<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        object_to_py(py, &self.token.header)
    }
    #[getter]
    fn amr(&self) -> Option<Vec<String>> {
        self.token.amr()
    }
    #[getter]
    fn acr(&self) -> Option<&str> {
        self.token.acr()
    }
    #[getter]
    fn auth_time(&self) -> Option<i64> {
        self.token.auth_time()
    }
    #[getter]
    fn subject(&self) -> Option<&str> {
        self.token.subject()
    }

    /// `{"valid": True, "subject", "amr", "acr", "auth_time", "claims", "header"}`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("valid", true)?;
        d.set_item("subject", self.subject())?;
        d.set_item("amr", self.amr())?;
        d.set_item("acr", self.acr())?;
        d.set_item("auth_time", self.auth_time())?;
        d.set_item("claims", self.claims(py)?)?;
        d.set_item("header", self.header(py)?)?;
        Ok(d)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let field = |v: Bound<'_, PyAny>| repr_of(&v);
        Ok(format!(
            "VerifiedToken(valid=True, subject={}, amr={}, acr={}, auth_time={})",
            field(self.subject().into_pyobject(py)?),
            field(self.amr().into_pyobject(py)?),
            field(self.acr().into_pyobject(py)?),
            field(self.auth_time().into_pyobject(py)?),
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Step-up

/// A step-up policy: which `amr` values (any of / all of), how recent `auth_time` (`max_age`
/// seconds) and which `acr` values a request needs. Empty = no requirement of that kind; the
/// default requires `"mfa"` in `amr`. Fails closed: a needed claim that is absent denies.
#[pyclass(frozen, module = "sessiongate", name = "StepUpPolicy")]
#[derive(Debug)]
struct PyStepUpPolicy {
    policy: StepUpPolicy,
}

#[pymethods]
impl PyStepUpPolicy {
    #[new]
    #[pyo3(signature = (amr_any_of=vec!["mfa".to_owned()], amr_all_of=Vec::new(), max_age=None, acr_values=Vec::new()))]
    fn new(
        amr_any_of: Vec<String>,
        amr_all_of: Vec<String>,
        max_age: Option<i64>,
        acr_values: Vec<String>,
    ) -> PyResult<Self> {
        let amr = match (amr_any_of.is_empty(), amr_all_of.is_empty()) {
            (true, true) => AmrRequirement::None,
            (false, true) => AmrRequirement::AnyOf(amr_any_of),
            (true, false) => AmrRequirement::AllOf(amr_all_of),
            (false, false) => {
                return Err(PyValueError::new_err(
                    "give amr_any_of or amr_all_of, not both (pass amr_any_of=() with amr_all_of)",
                ));
            }
        };
        let max_age = match max_age {
            None => None,
            Some(seconds) => Some(Duration::from_secs(
                u64::try_from(seconds).map_err(|_| PyValueError::new_err("max_age must be >= 0 seconds"))?,
            )),
        };
        Ok(PyStepUpPolicy { policy: StepUpPolicy { amr, max_age, acr_values } })
    }

    #[getter]
    fn amr_any_of<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        match &self.policy.amr {
            AmrRequirement::AnyOf(values) => PyTuple::new(py, values),
            _ => Ok(PyTuple::empty(py)),
        }
    }
    #[getter]
    fn amr_all_of<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        match &self.policy.amr {
            AmrRequirement::AllOf(values) => PyTuple::new(py, values),
            _ => Ok(PyTuple::empty(py)),
        }
    }
    #[getter]
    fn max_age(&self) -> Option<u64> {
        self.policy.max_age.map(|d| d.as_secs())
    }
    #[getter]
    fn acr_values<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, &self.policy.acr_values)
    }

    /// Evaluates the policy on raw token claims (a dict; `amr` may be a list, a string or
    /// Supabase-style objects), at `now` (seconds since the epoch) or the current time.
    #[pyo3(signature = (claims, now=None))]
    fn check_claims(&self, py: Python<'_>, claims: &Bound<'_, PyDict>, now: Option<f64>) -> PyResult<PyStepUpDecision> {
        let now = time_arg(now)?;
        let claims: Claims = match py_to_json(claims.as_any(), 0) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err(PyTypeError::new_err("claims must be a dict")),
            Err(e) => return Err(PyValueError::new_err(format!("claims: {e}"))),
        };
        let decision = guarded(|| Ok(self.policy.check_claims(&claims, now))).map_err(|e| to_py_err(py, &e))?;
        Ok(PyStepUpDecision { decision })
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "StepUpPolicy(amr_any_of={}, amr_all_of={}, max_age={}, acr_values={})",
            repr_of(self.amr_any_of(py)?.as_any()),
            repr_of(self.amr_all_of(py)?.as_any()),
            repr_of(&self.max_age().into_pyobject(py)?),
            repr_of(self.acr_values(py)?.as_any()),
        ))
    }
}

/// The outcome of a policy check: `allowed`, and for a denial the `reason` code
/// (`mfa_required`, `authentication_too_old`, `acr_insufficient`, `claims_missing`) and the
/// RFC 9470 `challenge` to send.
#[pyclass(frozen, module = "sessiongate", name = "StepUpDecision")]
#[derive(Debug)]
struct PyStepUpDecision {
    decision: StepUpDecision,
}

#[pymethods]
impl PyStepUpDecision {
    #[getter]
    fn allowed(&self) -> bool {
        self.decision.is_allowed()
    }
    #[getter]
    fn reason(&self) -> Option<&'static str> {
        self.decision.denial().map(|d| d.reason.code())
    }
    #[getter]
    fn challenge(&self) -> Option<PyChallenge> {
        self.decision.denial().map(|d| PyChallenge { challenge: d.challenge.clone() })
    }

    fn __bool__(&self) -> bool {
        self.decision.is_allowed()
    }

    fn __repr__(&self) -> String {
        match self.decision.denial() {
            None => "StepUpDecision(allowed=True, reason=None, challenge=None)".into(),
            Some(d) => format!(
                "StepUpDecision(allowed=False, reason='{}', challenge={})",
                d.reason.code(),
                PyChallenge { challenge: d.challenge.clone() }.__repr__()
            ),
        }
    }
}

/// An RFC 9470 `insufficient_user_authentication` challenge: `www_authenticate` is the
/// header value (send with 401 from bearer APIs), `to_dict()` the JSON body (403 for cookies).
#[pyclass(frozen, eq, module = "sessiongate", name = "Challenge")]
#[derive(Debug, PartialEq)]
struct PyChallenge {
    challenge: Challenge,
}

#[pymethods]
impl PyChallenge {
    #[new]
    #[pyo3(signature = (error_description=None, acr_values=Vec::new(), max_age=None))]
    fn new(error_description: Option<String>, acr_values: Vec<String>, max_age: Option<u64>) -> Self {
        PyChallenge { challenge: Challenge { error_description, acr_values, max_age } }
    }

    /// Parses a `WWW-Authenticate` value; None unless it is a Bearer challenge with
    /// `error="insufficient_user_authentication"`.
    #[staticmethod]
    fn parse(header: &str) -> Option<PyChallenge> {
        Challenge::parse(header).map(|challenge| PyChallenge { challenge })
    }

    #[getter]
    fn error_description(&self) -> Option<&str> {
        self.challenge.error_description.as_deref()
    }
    #[getter]
    fn acr_values(&self) -> Vec<String> {
        self.challenge.acr_values.clone()
    }
    #[getter]
    fn max_age(&self) -> Option<u64> {
        self.challenge.max_age
    }
    /// The `WWW-Authenticate` header value.
    #[getter]
    fn www_authenticate(&self) -> String {
        self.challenge.www_authenticate()
    }

    /// The JSON body: `{"error": "insufficient_user_authentication", ...}`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.challenge.to_json())
    }

    fn __repr__(&self) -> String {
        format!("Challenge({})", self.challenge.www_authenticate())
    }
}

static STEP_UP_REQUIRED: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// What a policy is checked against: a cookie session (403) or a verified token (401).
fn decide(auth: &Bound<'_, PyAny>, policy: &PyStepUpPolicy, now: Option<f64>) -> PyResult<(StepUpDecision, u16)> {
    let now = time_arg(now)?;
    let py = auth.py();
    let outcome = if let Ok(session) = auth.cast::<SuccessResponse>() {
        let session = &session.get().session;
        guarded(|| Ok((policy.policy.check(session, now), Challenge::COOKIE_STATUS)))
    } else if let Ok(token) = auth.cast::<PyVerifiedToken>() {
        let claims = &token.get().token.claims;
        guarded(|| Ok((policy.policy.check_claims(claims, now), Challenge::BEARER_STATUS)))
    } else if auth.is_instance_of::<ErrorResponse>() {
        return Err(PyValueError::new_err(
            "this is a failed authentication: authenticate first (answer 401), then check step-up",
        ));
    } else {
        return Err(PyTypeError::new_err(format!(
            "auth must be an authenticated session or a VerifiedToken, not {}",
            type_name(auth)
        )));
    };
    outcome.map_err(|e| to_py_err(py, &e))
}

// ---------------------------------------------------------------------------------------------
// The gate

/// Opens WorkOS sealed session cookies (iron and Fernet), verifies the access token and
/// returns the session with `amr`. Thread-safe: create one and share it.
#[pyclass(frozen, module = "sessiongate", name = "SessionGate")]
struct PySessionGate {
    gate: sessiongate::SessionGate,
    client_id: String,
    passwords: usize,
    jwks_kind: String,
}

impl std::fmt::Debug for PySessionGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionGate").field("gate", &self.gate).finish()
    }
}

impl PySessionGate {
    fn authenticate_cookie(&self, py: Python<'_>, cookie: &str, now: Option<f64>) -> PyResult<Py<PyAny>> {
        let now = time_arg(now)?;
        let outcome = py.detach(|| guarded(|| self.gate.authenticate_at(cookie, now)));
        match outcome {
            Ok(auth) => authentication_to_py(py, auth),
            Err(e) => Err(to_py_err(py, &e)),
        }
    }
}

#[pymethods]
impl PySessionGate {
    #[new]
    #[pyo3(signature = (*, client_id, cookie_password, jwks=None, jwks_url=None, issuer=None, audience=None,
                        leeway=0.0, require_exp=true, max_cookie_bytes=None, algorithms=None,
                        verified_token_cache=4096, discovery_issuer=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        client_id: String,
        cookie_password: &Bound<'_, PyAny>,
        jwks: Option<&Bound<'_, PyAny>>,
        jwks_url: Option<String>,
        issuer: Option<&Bound<'_, PyAny>>,
        audience: Option<&Bound<'_, PyAny>>,
        leeway: f64,
        require_exp: bool,
        max_cookie_bytes: Option<usize>,
        algorithms: Option<&Bound<'_, PyAny>>,
        verified_token_cache: i64,
        discovery_issuer: Option<String>,
    ) -> PyResult<Self> {
        let passwords = str_or_strings(cookie_password, "cookie_password")?;
        let (source, jwks_kind) = jwks_source(&client_id, jwks, jwks_url, discovery_issuer)?;
        let mut config = Config::new(client_id.clone(), passwords, source);
        if let Some(issuer) = issuer {
            config.issuers = str_or_strings(issuer, "issuer")?;
        }
        if let Some(audience) = audience {
            config.audiences = str_or_strings(audience, "audience")?;
        }
        if !leeway.is_finite() || leeway < 0.0 {
            return Err(configuration("leeway must be a finite, non-negative number of seconds"));
        }
        config.leeway = Duration::try_from_secs_f64(leeway).map_err(|_| configuration("leeway is out of range"))?;
        config.require_exp = require_exp;
        if let Some(max) = max_cookie_bytes {
            config.max_cookie_bytes = max;
        }
        if let Some(algorithms) = algorithms {
            config.algorithms = algorithms_arg(algorithms)?;
        }
        config.verified_token_cache = usize::try_from(verified_token_cache)
            .map_err(|_| configuration("verified_token_cache must be >= 0 (0 disables the cache)"))?;
        let passwords = config.cookie_passwords.len();
        let gate = py.detach(|| guarded(|| sessiongate::SessionGate::new(config))).map_err(|e| to_py_err(py, &e))?;
        Ok(PySessionGate { gate, client_id, passwords, jwks_kind })
    }

    /// Authenticates a sealed session cookie. Never raises for a bad cookie: returns an
    /// `AuthenticateWithSessionCookieErrorResponse`. Raises `JwksUnavailableError` on an outage.
    #[pyo3(signature = (session_data, now=None))]
    fn authenticate(&self, py: Python<'_>, session_data: Option<String>, now: Option<f64>) -> PyResult<Py<PyAny>> {
        self.authenticate_cookie(py, session_data.as_deref().unwrap_or(""), now)
    }

    /// The cookie bound to this gate, as workos-python's `load_sealed_session` returns it.
    fn load_sealed_session(slf: Py<Self>, session_data: Option<String>) -> SealedSession {
        SealedSession { gate: slf, session_data: session_data.unwrap_or_default() }
    }

    /// Seals a session as the SDK of `format` writes it (`"fernet"`: workos-python, snake_case;
    /// `"iron"`: @workos-inc/node, camelCase), with the first cookie password.
    #[pyo3(signature = (*, access_token, refresh_token, user, impersonator=None, authentication_method=None,
                        organization_id=None, format="fernet"))]
    #[allow(clippy::too_many_arguments)]
    fn seal_session(
        &self,
        py: Python<'_>,
        access_token: String,
        refresh_token: String,
        user: &Bound<'_, PyAny>,
        impersonator: Option<&Bound<'_, PyAny>>,
        authentication_method: Option<String>,
        organization_id: Option<String>,
        format: &str,
    ) -> PyResult<String> {
        let format = format_arg(format)?;
        let data = SessionData {
            access_token,
            refresh_token,
            user: seal_input(user, "user")?,
            impersonator: impersonator.map(|i| seal_input(i, "impersonator")).transpose()?,
            authentication_method,
            organization_id,
        };
        py.detach(|| guarded(|| self.gate.seal_session(&data, format))).map_err(|e| to_py_err(py, &e))
    }

    /// Seals any JSON-like value with the first cookie password.
    #[pyo3(signature = (data, format="fernet"))]
    fn seal_data(&self, py: Python<'_>, data: &Bound<'_, PyAny>, format: &str) -> PyResult<String> {
        let format = format_arg(format)?;
        let data = seal_input(data, "data")?;
        py.detach(|| guarded(|| self.gate.seal_data(&data, format))).map_err(|e| to_py_err(py, &e))
    }

    /// Opens a sealed value of either format with the cookie passwords; raises `UnsealError`.
    #[pyo3(signature = (sealed, now=None))]
    fn unseal_data<'py>(&self, py: Python<'py>, sealed: String, now: Option<f64>) -> PyResult<Bound<'py, PyAny>> {
        let now = time_arg(now)?;
        let unsealed = py.detach(|| guarded(|| self.gate.unseal_data(&sealed, now))).map_err(|e| to_py_err(py, &e))?;
        json_to_py(py, &unsealed.data)
    }

    /// Verifies a bearer access token (from an `Authorization` header, not a cookie) with the
    /// gate's keys and rules. Returns a `VerifiedToken`, or the failure response for a bad token.
    #[pyo3(signature = (token, now=None))]
    fn verify_access_token(&self, py: Python<'_>, token: String, now: Option<f64>) -> PyResult<Py<PyAny>> {
        let now = time_arg(now)?;
        let outcome = py.detach(|| guarded(|| self.gate.verify_access_token_at(&token, now)));
        verified_to_py(py, outcome)
    }

    /// Verifies an OIDC ID token (audience = the client id; needs `issuer`). Returns a
    /// `VerifiedToken`, or the failure response for a bad token.
    #[pyo3(signature = (token, now=None))]
    fn verify_id_token(&self, py: Python<'_>, token: String, now: Option<f64>) -> PyResult<Py<PyAny>> {
        let now = time_arg(now)?;
        let outcome = py.detach(|| guarded(|| self.gate.verify_id_token_at(&token, now)));
        verified_to_py(py, outcome)
    }

    /// Evaluates `policy` on an authenticated session or a `VerifiedToken` (a failed
    /// authentication raises ValueError: authenticate first).
    #[pyo3(signature = (auth, policy, now=None))]
    fn check(&self, auth: &Bound<'_, PyAny>, policy: PyRef<'_, PyStepUpPolicy>, now: Option<f64>) -> PyResult<PyStepUpDecision> {
        decide(auth, &policy, now).map(|(decision, _)| PyStepUpDecision { decision })
    }

    /// Like `check`, but returns None when allowed and raises `StepUpRequiredError` when not
    /// (`status` 403 for a cookie session, 401 for a bearer/verified token).
    #[pyo3(signature = (auth, policy, now=None))]
    fn require(&self, auth: &Bound<'_, PyAny>, policy: PyRef<'_, PyStepUpPolicy>, now: Option<f64>) -> PyResult<()> {
        let py = auth.py();
        let (decision, status) = decide(auth, &policy, now)?;
        let StepUpDecision::Denied(denial) = decision else { return Ok(()) };
        let class = STEP_UP_REQUIRED.import(py, "sessiongate._stepup", "StepUpRequiredError")?;
        let challenge = Py::new(py, PyChallenge { challenge: denial.challenge })?;
        let error = class.call1((denial.reason.code(), challenge, status))?;
        Err(PyErr::from_value(error))
    }

    /// The remote key cache's state for health endpoints (None for a static `jwks`): a dict
    /// with `url`, `fetched_at` (seconds since the epoch), `kids`, `stale`, `fetches`,
    /// `failures` and `last_error`.
    fn jwks_status<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let status = py.detach(|| guarded(|| Ok(self.gate.jwks_status()))).map_err(|e| to_py_err(py, &e))?;
        status.map(|status| jwks_status_to_py(py, status)).transpose()
    }

    #[getter]
    fn client_id(&self) -> &str {
        &self.client_id
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let client_id = PyString::new(py, &self.client_id).into_any();
        Ok(format!(
            "SessionGate(client_id={}, cookie_passwords=<{} redacted>, jwks=<{}>)",
            repr_of(&client_id),
            self.passwords,
            self.jwks_kind
        ))
    }
}

fn jwks_status_to_py(py: Python<'_>, status: JwksStatus) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("url", status.url)?;
    let fetched_at = status.fetched_at.and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map(|d| d.as_secs_f64());
    d.set_item("fetched_at", fetched_at)?;
    d.set_item("kids", status.kids)?;
    d.set_item("stale", status.stale)?;
    d.set_item("fetches", status.fetches)?;
    d.set_item("failures", status.failures)?;
    d.set_item("last_error", status.last_error)?;
    Ok(d)
}

/// A cookie bound to a gate (workos-python's `Session` shape): call `.authenticate()`.
#[pyclass(frozen, module = "sessiongate", name = "SealedSession")]
#[derive(Debug)]
struct SealedSession {
    gate: Py<PySessionGate>,
    session_data: String,
}

#[pymethods]
impl SealedSession {
    /// Same as `SessionGate.authenticate(session_data, now)`.
    #[pyo3(signature = (now=None))]
    fn authenticate(&self, py: Python<'_>, now: Option<f64>) -> PyResult<Py<PyAny>> {
        self.gate.get().authenticate_cookie(py, &self.session_data, now)
    }

    fn __repr__(&self) -> String {
        format!("SealedSession(session_data=<{} chars, redacted>)", self.session_data.chars().count())
    }
}

// ---------------------------------------------------------------------------------------------
// Module functions

/// Seals any JSON-like value with `cookie_password` (a str or a list: the first seals).
#[pyfunction]
#[pyo3(signature = (data, cookie_password, format="fernet"))]
fn seal_data(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    cookie_password: &Bound<'_, PyAny>,
    format: &str,
) -> PyResult<String> {
    let format = format_arg(format)?;
    let data = seal_input(data, "data")?;
    let secrets = secrets_arg(py, cookie_password)?;
    py.detach(|| guarded(|| sessiongate::seal::seal(&data, &secrets, format))).map_err(|e| to_py_err(py, &e))
}

/// Opens a sealed value of either format with `cookie_password` (a str or a list, each tried).
#[pyfunction]
#[pyo3(signature = (sealed, cookie_password, now=None))]
fn unseal_data<'py>(
    py: Python<'py>,
    sealed: String,
    cookie_password: &Bound<'py, PyAny>,
    now: Option<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let now = time_arg(now)?;
    let secrets = secrets_arg(py, cookie_password)?;
    let unsealed = py
        .detach(|| guarded(|| sessiongate::seal::unseal(&sealed, &secrets, now).map_err(sessiongate::Error::Unseal)))
        .map_err(|e| to_py_err(py, &e))?;
    json_to_py(py, &unsealed.data)
}

#[pymodule]
fn _sessiongate(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    error::register(m)?;
    m.add_class::<PySessionGate>()?;
    m.add_class::<SealedSession>()?;
    m.add_class::<SuccessResponse>()?;
    m.add_class::<ErrorResponse>()?;
    m.add_class::<PyVerifiedToken>()?;
    m.add_class::<PyStepUpPolicy>()?;
    m.add_class::<PyStepUpDecision>()?;
    m.add_class::<PyChallenge>()?;
    m.add_function(wrap_pyfunction!(seal_data, m)?)?;
    m.add_function(wrap_pyfunction!(unseal_data, m)?)?;
    Ok(())
}
