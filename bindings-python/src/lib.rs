//! `sessiongate._sessiongate`: the native module behind the `sessiongate` Python package.
//!
//! It converts Python values to the core's types and back and maps errors (`error.rs`); every
//! rule (options, time, step-up, codes, the session fields, refresh and its outcomes) is the
//! core's. Core calls run in `catch_panic`, the crypto and network ones (authenticate, refresh)
//! detached from the interpreter (the GIL is released), so threads authenticate and refresh in
//! parallel. Share one `SessionGate` across threads. Cookies and tokens reach the core as bytes
//! (`host_bytes`): a str with lone surrogates is the core's failure, never an exception.

mod convert;
mod error;
mod stepup;

use std::borrow::Cow;
use std::time::SystemTime;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pyclass_init::PyClassInitializer;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use serde_json::{Map, Value};
use sessiongate::{
    Authentication, Challenge, Error, ErrorCode, Failure, FailureDetail, FailureReason, GateOptions, Refresh, SealFormat, Session, SessionData,
    SessionRenewal, StepUpCheck, StepUpDecision, StepUpPolicy, StepUpPolicyOptions, TokenVerification, VerifiedToken, catch_panic, now_or,
    NOT_SERVED, SessionView,
};

use crate::convert::{Num, json_to_py, object_to_py, py_to_json, str_or_strings, type_name};
use crate::error::to_py_err;
use crate::stepup::{PyStepUpChallenge, PyStepUpGrant};

type PyAnyResult<'py> = PyResult<Bound<'py, PyAny>>;
type PyDictResult<'py> = PyResult<Bound<'py, PyDict>>;
type PyTupleResult<'py> = PyResult<Bound<'py, PyTuple>>;


/// Core work inside `catch_panic`, its error mapped to its Python class.
fn core<T>(py: Python<'_>, work: impl FnOnce() -> Result<T, Error>) -> PyResult<T> {
    catch_panic(work).map_err(|e| to_py_err(py, &e))
}

/// [`core`] with the GIL released: for crypto and network work.
fn detached<T: Send>(py: Python<'_>, work: impl FnOnce() -> Result<T, Error> + Send) -> PyResult<T> {
    py.detach(|| catch_panic(work)).map_err(|e| to_py_err(py, &e))
}

fn time(py: Python<'_>, now: Option<Num>) -> PyResult<SystemTime> {
    core(py, || now_or("now", now.map(|n| n.0)))
}

fn seal_format(py: Python<'_>, name: &str) -> PyResult<SealFormat> {
    core(py, || SealFormat::from_name(name))
}

fn seal_input(py: Python<'_>, obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Value> {
    core(py, || py_to_json(obj, 0).map_err(|e| Error::Seal(format!("{what}: {e}"))))
}

/// A str as the bytes the core's byte entry points take: its UTF-8, or for a str with lone
/// surrogates their `surrogatepass` encoding, which is not UTF-8, so the core refuses it (a
/// failure, never an exception). None is the empty cookie.
fn host_bytes(data: Option<&Bound<'_, PyString>>) -> PyResult<Vec<u8>> {
    let Some(text) = data else { return Ok(Vec::new()) };
    if let Ok(text) = text.to_cow() {
        return Ok(text.into_owned().into_bytes());
    }
    Ok(text.call_method1("encode", ("utf-8", "surrogatepass"))?.cast_into::<PyBytes>()?.as_bytes().to_vec())
}

fn sealed_text<'a>(py: Python<'_>, sealed: &'a Bound<'_, PyString>) -> PyResult<Cow<'a, str>> {
    sealed.to_cow().map_err(|_| to_py_err(py, &Error::Unseal(FailureDetail::MalformedSeal)))
}

// ---------------------------------------------------------------------------------------------
// Results

static FAILURE_REASON: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn opt_json<'py>(py: Python<'py>, value: Option<&Value>) -> PyAnyResult<'py> {
    json_to_py(py, value.unwrap_or(&Value::Null))
}

/// `{flag: True, **view}`.
fn tagged<'py>(py: Python<'py>, flag: &str, view: &Map<String, Value>) -> PyDictResult<'py> {
    let dict = PyDict::new(py);
    dict.set_item(flag, true)?;
    dict.update(object_to_py(py, view)?.as_mapping())?;
    Ok(dict)
}

/// `Class(flag=True, field=value...)` from a view, without the core's [`sessiongate::NOT_DISPLAYED`] fields.
fn view_repr(py: Python<'_>, class: &str, flag: &str, mut view: Map<String, Value>) -> PyResult<String> {
    view.retain(|key, _| !sessiongate::NOT_DISPLAYED.contains(&key.as_str()));
    let mut out = format!("{class}({flag}=True");
    for (key, value) in &view {
        out.push_str(&format!(", {key}={}", json_to_py(py, value)?.repr()?));
    }
    Ok(out + ")")
}

/// A verified session: workos-python's `AuthenticateWithSessionCookieSuccessResponse`
/// attributes plus ours (the core's `SessionView`). It keeps the verified Rust session, which
/// is what step-up policies judge. Immutable; lists and dicts are fresh copies on each access.
#[pyclass(frozen, subclass, module = "sessiongate", name = "AuthenticateWithSessionCookieSuccessResponse")]
#[derive(Debug)]
struct SuccessResponse {
    session: Box<Session>,
}

#[pymethods]
impl SuccessResponse {
    #[getter] fn authenticated(&self) -> bool { true }
    #[getter] fn session_id(&self) -> &str { self.session.session_id() }
    #[getter] fn organization_id(&self) -> Option<&str> { self.session.organization_id() }
    #[getter] fn role(&self) -> Option<&str> { self.session.role() }
    #[getter] fn roles(&self) -> Option<Vec<&str>> { self.session.roles() }
    #[getter] fn permissions(&self) -> Option<Vec<&str>> { self.session.permissions() }
    #[getter] fn entitlements(&self) -> Option<Vec<&str>> { self.session.entitlements() }
    #[getter] fn feature_flags(&self) -> Option<Vec<&str>> { self.session.feature_flags() }
    #[getter] fn user<'py>(&self, py: Python<'py>) -> PyAnyResult<'py> { opt_json(py, self.session.user.as_ref()) }
    #[getter] fn impersonator<'py>(&self, py: Python<'py>) -> PyAnyResult<'py> { opt_json(py, self.session.impersonator.as_ref()) }
    #[getter] fn amr(&self) -> Option<Vec<String>> { self.session.amr() }
    #[getter] fn acr(&self) -> Option<&str> { self.session.acr() }
    #[getter] fn auth_time(&self) -> Option<i64> { self.session.auth_time() }
    #[getter] fn authentication_method(&self) -> Option<&str> { self.session.authentication_method.as_deref() }
    #[getter] fn access_token(&self) -> &str { &self.session.access_token }
    #[getter] fn claims<'py>(&self, py: Python<'py>) -> PyDictResult<'py> { object_to_py(py, &self.session.claims) }
    #[getter] fn format(&self) -> &'static str { self.session.format.as_str() }

    /// `authenticated` and every field of the session, JSON-ready (never the refresh token).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyDictResult<'py> {
        tagged(py, "authenticated", &self.session.view().to_json())
    }

    fn __bool__(&self) -> bool { true }

    /// The fields a web framework serializes when a handler returns the result (the package
    /// makes the class dataclass-compatible with them: `dataclasses.asdict`, FastAPI):
    /// `authenticated` and the view's fields but the core's `NOT_SERVED` (the bearer token and
    /// what repeats it), which a response carries only when asked, through `to_dict()`.
    #[classattr]
    fn _served_fields() -> Vec<&'static str> {
        std::iter::once("authenticated").chain(SessionView::FIELDS.into_iter().filter(|f| !NOT_SERVED.contains(f))).collect()
    }
    /// Immutable: a copy is the same object.
    fn __copy__(slf: Py<Self>) -> Py<Self> { slf }
    fn __deepcopy__(slf: Py<Self>, _memo: &Bound<'_, PyAny>) -> Py<Self> { slf }

    /// What identifies the session; never the tokens (nor the user's other fields).
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut view = self.session.view().to_json();
        view.insert("user_id".into(), self.session.typed_user().and_then(|u| u.id).into());
        view_repr(py, "AuthenticateWithSessionCookieSuccessResponse", "authenticated", view)
    }
}

/// A refused cookie or token: `authenticated` is False, `reason` one of the peers' reasons (a
/// str enum; a plain str for a refresh the API refused, see `reason`), `detail` a stable code
/// for logs (e.g. `mac_mismatch`, `expired`, `unknown_kid`, `refresh_token_rejected`).
#[pyclass(frozen, subclass, module = "sessiongate", name = "AuthenticateWithSessionCookieErrorResponse")]
#[derive(Debug)]
struct ErrorResponse {
    failure: Failure,
}

#[pymethods]
impl ErrorResponse {
    #[getter] fn authenticated(&self) -> bool { false }
    /// workos-python's enum member for the three reasons of reading a cookie; for a refresh the
    /// API refused, the core's (@workos-inc/node 12's) reason string, e.g. `invalid_grant`.
    #[getter]
    fn reason<'py>(&self, py: Python<'py>) -> PyAnyResult<'py> {
        let reason = self.failure.reason;
        if reason.is_refresh_refusal() {
            return Ok(PyString::new(py, reason.as_str()).into_any());
        }
        let class = FAILURE_REASON.import(py, "sessiongate._reason", "AuthenticateWithSessionCookieFailureReason")?;
        class.call1((reason.as_str(),))
    }
    #[getter] fn detail(&self) -> &'static str { self.failure.detail.code() }

    /// `{"authenticated": False, "reason": ..., "detail": ...}` with plain str values.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyDictResult<'py> {
        let dict = PyDict::new(py);
        dict.set_item("authenticated", false)?;
        dict.set_item("reason", self.failure.reason.as_str())?;
        dict.set_item("detail", self.detail())?;
        Ok(dict)
    }

    /// False, so `if not gate.authenticate(cookie)` refuses every failure.
    fn __bool__(&self) -> bool { false }

    /// What a web app answers for it (the core's 401), for the framework helpers.
    fn _refusal<'py>(&self, py: Python<'py>) -> PyAnyResult<'py> {
        error::refusal_to_py(py, &sessiongate::Refusal::signed_out(&self.failure))
    }

    /// The fields of the dataclass-compatible form: `to_dict()`'s.
    #[classattr]
    fn _served_fields() -> [&'static str; 3] { ["authenticated", "reason", "detail"] }
    /// Immutable: a copy is the same object.
    fn __copy__(slf: Py<Self>) -> Py<Self> { slf }
    fn __deepcopy__(slf: Py<Self>, _memo: &Bound<'_, PyAny>) -> Py<Self> { slf }
    /// A refusal of a cookie holds nothing secret: it pickles as its reason and detail. A
    /// refresh's refusal may carry a new cookie: it is not pickled.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (&'static str, &'static str))> {
        if !slf.is_exact_instance_of::<Self>() {
            return Err(PyTypeError::new_err("a refresh's result is not pickled: it may carry a new cookie"));
        }
        let rebuild = slf.py().import("sessiongate._sessiongate")?.getattr("_failure")?;
        let Failure { reason, detail } = slf.get().failure;
        Ok((rebuild, (reason.as_str(), detail.code())))
    }

    fn __repr__(&self) -> String {
        let Failure { reason, detail } = self.failure;
        format!("AuthenticateWithSessionCookieErrorResponse(authenticated=False, reason='{reason}', detail='{detail}')")
    }
}

/// A refreshed session (workos-python's `RefreshWithSessionCookieSuccessResponse`): an
/// authenticated session (every attribute of `AuthenticateWithSessionCookieSuccessResponse`,
/// with `amr` and `auth_time` unchanged by the refresh) plus `sealed_session`, the new cookie
/// to set. `repr` never shows the cookie.
#[pyclass(frozen, extends = SuccessResponse, module = "sessiongate", name = "RefreshWithSessionCookieSuccessResponse")]
struct RefreshSuccess {
    sealed_session: String,
}

/// The new cookie is never shown.
impl std::fmt::Debug for RefreshSuccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshSuccess").field("sealed_session", &"<redacted>").finish()
    }
}

#[pymethods]
impl RefreshSuccess {
    #[getter] fn sealed_session(&self) -> &str { &self.sealed_session }

    /// The session's `to_dict()` plus `sealed_session`.
    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyDictResult<'py> {
        let dict = slf.as_super().get().to_dict(slf.py())?;
        dict.set_item("sealed_session", &slf.get().sealed_session)?;
        Ok(dict)
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let session = slf.as_super().get().__repr__(slf.py())?;
        let fields = session.strip_prefix("AuthenticateWithSessionCookieSuccessResponse(").unwrap_or(&session);
        Ok(format!("RefreshWithSessionCookieSuccessResponse(sealed_session=<redacted>, {fields}"))
    }
}

/// A refresh that did not produce a verified session (workos-python's
/// `RefreshWithSessionCookieErrorResponse`): `authenticated` False, `reason` and `detail` as
/// for `authenticate` (or the API's refusal: `invalid_grant`, `mfa_enrollment`...), and
/// `sealed_session`: None, or the new cookie when the API rotated the tokens but the new access
/// token did not verify (set it anyway: it holds the new refresh token). `repr` never shows it.
#[pyclass(frozen, extends = ErrorResponse, module = "sessiongate", name = "RefreshWithSessionCookieErrorResponse")]
struct RefreshFailure {
    sealed_session: Option<String>,
}

impl std::fmt::Debug for RefreshFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshFailure").field("sealed_session", &self.sealed_session.as_ref().map(|_| "<redacted>")).finish()
    }
}

#[pymethods]
impl RefreshFailure {
    #[getter] fn sealed_session(&self) -> Option<&str> { self.sealed_session.as_deref() }

    /// `{"authenticated": False, "reason": ..., "detail": ..., "sealed_session": ...}`.
    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyDictResult<'py> {
        let dict = slf.as_super().get().to_dict(slf.py())?;
        dict.set_item("sealed_session", slf.get().sealed_session.as_deref())?;
        Ok(dict)
    }

    fn __repr__(slf: &Bound<'_, Self>) -> String {
        let Failure { reason, detail } = slf.as_super().get().failure;
        let sealed = if slf.get().sealed_session.is_some() { "<redacted>" } else { "None" };
        format!("RefreshWithSessionCookieErrorResponse(authenticated=False, reason='{reason}', detail='{detail}', sealed_session={sealed})")
    }
}

fn refresh_to_py(py: Python<'_>, refresh: Refresh) -> PyResult<Py<PyAny>> {
    Ok(match refresh {
        Refresh::Refreshed { sealed_session, session } => {
            let init = PyClassInitializer::from(SuccessResponse { session }).add_subclass(RefreshSuccess { sealed_session });
            Py::new(py, init)?.into_any()
        }
        Refresh::Failed { failure, sealed_session } => {
            let init = PyClassInitializer::from(ErrorResponse { failure }).add_subclass(RefreshFailure { sealed_session });
            Py::new(py, init)?.into_any()
        }
    })
}

/// What `authenticate_or_refresh` decided for a request: `auth` (the session to serve, or the
/// failure response), `sealed_session` (a new cookie to set, or None: keep the cookie) and
/// `clear_cookie` (delete the cookie: it cannot become valid again; never for an outage, which
/// raises). Truthy exactly when `auth` is authenticated. `repr` never shows the cookie.
#[pyclass(frozen, module = "sessiongate", name = "SessionRenewal")]
struct PySessionRenewal {
    auth: Py<PyAny>,
    authenticated: bool,
    sealed_session: Option<String>,
    clear_cookie: bool,
}

impl std::fmt::Debug for PySessionRenewal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionRenewal")
            .field("authenticated", &self.authenticated)
            .field("sealed_session", &self.sealed_session.as_ref().map(|_| "<redacted>"))
            .field("clear_cookie", &self.clear_cookie)
            .finish()
    }
}

#[pymethods]
impl PySessionRenewal {
    #[getter] fn auth(&self, py: Python<'_>) -> Py<PyAny> { self.auth.clone_ref(py) }
    #[getter] fn sealed_session(&self) -> Option<&str> { self.sealed_session.as_deref() }
    #[getter] fn clear_cookie(&self) -> bool { self.clear_cookie }

    fn __bool__(&self) -> bool { self.authenticated }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let auth = self.auth.bind(py).repr()?;
        let sealed = if self.sealed_session.is_some() { "<redacted>" } else { "None" };
        let clear = if self.clear_cookie { "True" } else { "False" };
        Ok(format!("SessionRenewal(auth={auth}, sealed_session={sealed}, clear_cookie={clear})"))
    }
}

fn renewal_to_py(py: Python<'_>, renewal: SessionRenewal) -> PyResult<PySessionRenewal> {
    let SessionRenewal { authentication, sealed_session, clear_cookie } = renewal;
    let authenticated = authentication.is_authenticated();
    Ok(PySessionRenewal { auth: authentication_to_py(py, authentication)?, authenticated, sealed_session, clear_cookie })
}

/// The core's `Set-Cookie` value storing a renewed session (or deleting it, `value=None`),
/// for the framework helpers.
#[pyfunction]
#[pyo3(signature = (name, value, secure))]
fn _session_cookie_header(name: &str, value: Option<&str>, secure: bool) -> String {
    sessiongate::session_cookie_header(name, value, secure)
}

/// The WorkOS variables of `environ` (`os.environ`) by the core's rule, for
/// `load_sealed_session`: a dict of the set fields; the core's ConfigurationError when a
/// variable of `needed` is unset. Only the core's variables are read; a non-str is unset.
#[pyfunction]
fn _workos_environment<'py>(environ: &Bound<'py, PyAny>, needed: Vec<String>) -> PyDictResult<'py> {
    let py = environ.py();
    let var = |name: &str| environ.call_method1("get", (name,)).ok()?.extract::<String>().ok();
    let read = sessiongate::WorkosEnvironment::read(var);
    core(py, || read.require(&needed.iter().map(String::as_str).collect::<Vec<_>>()))?;
    let sessiongate::WorkosEnvironment { client_id, cookie_password, api_key, api_base_url, cookie_name } = read;
    let dict = PyDict::new(py);
    for (name, value) in [("client_id", client_id), ("cookie_password", cookie_password), ("api_key", api_key), ("api_base_url", api_base_url), ("cookie_name", cookie_name)] {
        if let Some(value) = value {
            dict.set_item(name, value)?;
        }
    }
    Ok(dict)
}

/// Unpickles a refusal (`ErrorResponse.__reduce__`); unknown codes are a ValueError.
#[pyfunction]
fn _failure(py: Python<'_>, reason: &str, detail: &str) -> PyResult<Py<PyAny>> {
    match (FailureReason::from_code(reason), FailureDetail::from_code(detail)) {
        (Some(reason), Some(detail)) => failure_to_py(py, Failure { reason, detail }),
        _ => Err(PyValueError::new_err("not a sessiongate failure")),
    }
}

fn failure_to_py(py: Python<'_>, failure: Failure) -> PyResult<Py<PyAny>> {
    Ok(Py::new(py, ErrorResponse { failure })?.into_any())
}

fn authentication_to_py(py: Python<'_>, auth: Authentication) -> PyResult<Py<PyAny>> {
    match auth {
        Authentication::Authenticated(session) => Ok(Py::new(py, SuccessResponse { session })?.into_any()),
        Authentication::Failed(failure) => failure_to_py(py, failure),
    }
}

/// A verified bearer access token or ID token (from `verify_access_token` / `verify_id_token`):
/// the core's `TokenView`. The token itself is not kept.
#[pyclass(frozen, module = "sessiongate", name = "VerifiedToken")]
#[derive(Debug)]
struct PyVerifiedToken {
    token: VerifiedToken,
}

impl PyVerifiedToken {
    fn view(&self, py: Python<'_>) -> PyResult<Map<String, Value>> {
        match serde_json::to_value(self.token.view()) {
            Ok(Value::Object(view)) => Ok(view),
            _ => Err(to_py_err(py, &Error::Internal("a token view is not a JSON object".into()))),
        }
    }
}

#[pymethods]
impl PyVerifiedToken {
    #[getter] fn valid(&self) -> bool { true }
    #[getter] fn claims<'py>(&self, py: Python<'py>) -> PyDictResult<'py> { object_to_py(py, &self.token.claims) }
    #[getter] fn header<'py>(&self, py: Python<'py>) -> PyDictResult<'py> { object_to_py(py, &self.token.header) }
    #[getter] fn amr(&self) -> Option<Vec<String>> { self.token.amr() }
    #[getter] fn acr(&self) -> Option<&str> { self.token.acr() }
    #[getter] fn auth_time(&self) -> Option<i64> { self.token.auth_time() }
    #[getter] fn subject(&self) -> Option<&str> { self.token.subject() }

    /// `{"valid": True, **the token view}`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyDictResult<'py> {
        tagged(py, "valid", &self.view(py)?)
    }

    fn __bool__(&self) -> bool { true }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        view_repr(py, "VerifiedToken", "valid", self.view(py)?)
    }
}

// ---------------------------------------------------------------------------------------------
// Step-up

/// A step-up policy (the core's): which `amr` values (any of / all of; neither given means
/// `amr_any_of=("mfa",)`), how recent `auth_time` (`max_age` seconds) and which `acr` values.
/// Fails closed: a needed claim that is absent denies.
#[pyclass(frozen, module = "sessiongate", name = "StepUpPolicy")]
#[derive(Debug)]
struct PyStepUpPolicy {
    policy: StepUpPolicy,
}

#[pymethods]
impl PyStepUpPolicy {
    #[new]
    #[pyo3(signature = (amr_any_of=None, amr_all_of=None, max_age=None, acr_values=Vec::new(), leeway=None))]
    fn new(
        py: Python<'_>,
        amr_any_of: Option<Vec<String>>,
        amr_all_of: Option<Vec<String>>,
        max_age: Option<Num>,
        acr_values: Vec<String>,
        leeway: Option<Num>,
    ) -> PyResult<Self> {
        let options = StepUpPolicyOptions {
            amr_any_of,
            amr_all_of,
            max_age_seconds: max_age.map(|n| n.0),
            acr_values: Some(acr_values),
            leeway_seconds: leeway.map(|n| n.0),
        };
        core(py, || StepUpPolicy::from_options(options)).map(|policy| PyStepUpPolicy { policy })
    }

    #[getter] fn amr_any_of<'py>(&self, py: Python<'py>) -> PyTupleResult<'py> { PyTuple::new(py, &self.policy.amr_any_of) }
    #[getter] fn amr_all_of<'py>(&self, py: Python<'py>) -> PyTupleResult<'py> { PyTuple::new(py, &self.policy.amr_all_of) }
    #[getter] fn max_age(&self) -> Option<u64> { self.policy.max_age.map(|d| d.as_secs()) }
    #[getter] fn acr_values<'py>(&self, py: Python<'py>) -> PyTupleResult<'py> { PyTuple::new(py, &self.policy.acr_values) }
    #[getter] fn leeway(&self) -> f64 { self.policy.leeway.as_secs_f64() }

    /// Evaluates the policy on raw token claims the caller verified (a dict), as for a bearer
    /// token, at `now` (seconds since the epoch) or the current time.
    #[pyo3(signature = (claims, now=None))]
    fn check_claims(&self, py: Python<'_>, claims: &Bound<'_, PyDict>, now: Option<Num>) -> PyResult<PyStepUpDecision> {
        let now = time(py, now)?;
        let claims = py_to_json(claims.as_any(), 0).map_err(|e| PyValueError::new_err(format!("claims: {e}")))?;
        let Value::Object(claims) = claims else {
            return Err(PyTypeError::new_err("claims must be a dict"));
        };
        core(py, || Ok(StepUpCheck::from(self.policy.check_claims_at(&claims, now)))).map(PyStepUpDecision::from)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let (any_of, all_of, acr) = (self.amr_any_of(py)?.repr()?, self.amr_all_of(py)?.repr()?, self.acr_values(py)?.repr()?);
        let max_age = self.max_age().into_pyobject(py)?.repr()?;
        let leeway = self.leeway().into_pyobject(py)?.repr()?;
        Ok(format!("StepUpPolicy(amr_any_of={any_of}, amr_all_of={all_of}, max_age={max_age}, acr_values={acr}, leeway={leeway})"))
    }
}

/// The outcome of a policy check: `allowed`, and for a denial the `reason` code
/// (`mfa_required`, `authentication_too_old`, `acr_insufficient`, `claims_missing`) and the
/// RFC 9470 `challenge` to send.
/// `gate.check` also says what satisfied the policy (`satisfied_by`: `"token"` or `"grant"`)
/// and why a grant handed over did not count (`grant_ignored`: `grant_invalid`,
/// `grant_other_session`, `grant_other_user`, `grant_expired`).
#[pyclass(frozen, module = "sessiongate", name = "StepUpDecision")]
#[derive(Debug)]
struct PyStepUpDecision {
    decision: StepUpDecision,
    satisfied_by: Option<&'static str>,
    grant_ignored: Option<&'static str>,
}

impl From<StepUpCheck> for PyStepUpDecision {
    fn from(check: StepUpCheck) -> Self {
        PyStepUpDecision {
            decision: check.decision,
            satisfied_by: check.satisfied_by.map(sessiongate::AmrSource::as_str),
            grant_ignored: check.grant_ignored.map(sessiongate::GrantIgnored::as_str),
        }
    }
}

#[pymethods]
impl PyStepUpDecision {
    #[getter] fn allowed(&self) -> bool { self.decision.is_allowed() }
    #[getter] fn satisfied_by(&self) -> Option<&'static str> { self.satisfied_by }
    #[getter] fn grant_ignored(&self) -> Option<&'static str> { self.grant_ignored }
    #[getter] fn reason(&self) -> Option<&'static str> { self.decision.denial().map(|d| d.reason.code()) }
    #[getter]
    fn challenge(&self) -> Option<PyChallenge> {
        self.decision.denial().map(|d| PyChallenge { challenge: d.challenge.clone() })
    }

    fn __bool__(&self) -> bool { self.decision.is_allowed() }

    fn __repr__(&self) -> String {
        match self.decision.denial() {
            None => "StepUpDecision(allowed=True, reason=None, challenge=None)".into(),
            Some(d) => {
                format!("StepUpDecision(allowed=False, reason='{}', challenge=Challenge({}))", d.reason, d.challenge.www_authenticate())
            }
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
    /// `error="insufficient_user_authentication"` (or the str is not valid UTF-8).
    #[staticmethod]
    fn parse(header: &Bound<'_, PyString>) -> PyResult<Option<PyChallenge>> {
        Ok(Challenge::parse_bytes(&host_bytes(Some(header))?).map(|challenge| PyChallenge { challenge }))
    }

    #[getter] fn error_description(&self) -> Option<&str> { self.challenge.error_description.as_deref() }
    #[getter] fn acr_values(&self) -> Vec<String> { self.challenge.acr_values.clone() }
    #[getter] fn max_age(&self) -> Option<u64> { self.challenge.max_age }
    /// The `WWW-Authenticate` header value.
    #[getter] fn www_authenticate(&self) -> String { self.challenge.www_authenticate() }

    /// The JSON body: `{"error": "insufficient_user_authentication", ...}`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyAnyResult<'py> {
        json_to_py(py, &self.challenge.to_json())
    }

    fn __repr__(&self) -> String {
        format!("Challenge({})", self.challenge.www_authenticate())
    }
}

/// Evaluates a policy on the core-verified session (a denial answers 403) or token (401) that
/// this module returned; never on anything else.
/// A grant (from `complete_step_up`) counts for cookie sessions only.
fn decide(
    gate: &sessiongate::SessionGate,
    auth: &Bound<'_, PyAny>,
    policy: &PyStepUpPolicy,
    grant: Option<&str>,
    now: Option<Num>,
) -> PyResult<PyStepUpDecision> {
    let py = auth.py();
    let now = time(py, now)?;
    if let Ok(success) = auth.cast::<SuccessResponse>() {
        core(py, || Ok(gate.check_step_up_at(&success.get().session, &policy.policy, grant, now))).map(PyStepUpDecision::from)
    } else if let Ok(token) = auth.cast::<PyVerifiedToken>() {
        core(py, || gate.check_token_step_up_at(&token.get().token, &policy.policy, grant, now)).map(PyStepUpDecision::from)
    } else if auth.is_instance_of::<ErrorResponse>() {
        Err(PyValueError::new_err("this is a failed authentication: authenticate first (answer 401), then check step-up"))
    } else {
        Err(PyTypeError::new_err(format!("auth must be an authenticated session or a VerifiedToken, not {}", type_name(auth))))
    }
}

/// The authenticated session a step-up is for.
fn session_of<'a, 'py>(auth: &'a Bound<'py, PyAny>) -> PyResult<&'a Bound<'py, SuccessResponse>> {
    if let Ok(success) = auth.cast::<SuccessResponse>() {
        Ok(success)
    } else if auth.is_instance_of::<ErrorResponse>() {
        Err(PyValueError::new_err("this is a failed authentication: authenticate first (answer 401), then step up"))
    } else {
        Err(PyTypeError::new_err(format!("auth must be an authenticated session, not {}", type_name(auth))))
    }
}

// ---------------------------------------------------------------------------------------------
// The gate

/// The gate: the core's `SessionGate` with Python's arguments and results. The package's
/// `sessiongate.SessionGate` (python/sessiongate/_gate.py) subclasses it with the
/// `load_sealed_session` shape and the asyncio forms, host idioms that need no core call of
/// their own. Keywords are the core's options (`options.json`), `cookie_password`/`issuer`/
/// `audience` a str or a list, `shared_key_cache` the process-wide key cache (gates per call).
#[pyclass(frozen, subclass, module = "sessiongate", name = "SessionGate")]
#[derive(Debug)]
struct PySessionGate {
    gate: sessiongate::SessionGate,
    client_id: String,
    passwords: usize,
    /// The core's description of the key source (no document, no URL credentials).
    jwks: String,
}

impl PySessionGate {
    fn verify(&self, py: Python<'_>, token: &Bound<'_, PyString>, now: Option<Num>, id_token: bool) -> PyResult<Py<PyAny>> {
        let now = time(py, now)?;
        let token = host_bytes(Some(token))?;
        let verification = detached(py, || match id_token {
            true => self.gate.verify_id_token_bytes_at(&token, now),
            false => self.gate.verify_access_token_bytes_at(&token, now),
        })?;
        match verification {
            TokenVerification::Verified(token) => Ok(Py::new(py, PyVerifiedToken { token })?.into_any()),
            TokenVerification::Failed(failure) => failure_to_py(py, failure),
        }
    }
}

/// A static JWKS: a dict, or its JSON text.
fn jwks_document(py: Python<'_>, jwks: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(text) = jwks.cast::<PyString>() {
        return Ok(text.to_cow()?.into_owned());
    }
    if !jwks.is_instance_of::<PyDict>() {
        return Err(PyTypeError::new_err("jwks must be a dict or a JSON str"));
    }
    core(py, || py_to_json(jwks, 0).map(|doc| doc.to_string()).map_err(|e| Error::Configuration(format!("static JWKS: {e}"))))
}

#[pymethods]
impl PySessionGate {
    #[new]
    #[pyo3(signature = (*, client_id, cookie_password, jwks=None, jwks_url=None, issuer=None, audience=None,
                        leeway=None, require_exp=true, max_cookie_bytes=None, algorithms=None,
                        verified_token_cache=None, discovery_issuer=None, verified_token_cache_bytes=None,
                        api_key=None, api_base_url=None, refresh_buffer_seconds=None, refresh_grace_seconds=None,
                        refresh_timeout_seconds=None, formats=None, allow_weak_secrets=None, shared_key_cache=false,
                        refresh_coordinator=None, refresh_coordinator_timeout_seconds=None,
                        step_up_grant_ttl_seconds=None, on_audit=None))]
    // `..GateOptions::default()`: an option added to the core keeps its default until exposed.
    #[allow(clippy::too_many_arguments, clippy::needless_update)]
    fn new(
        py: Python<'_>,
        client_id: String,
        cookie_password: &Bound<'_, PyAny>,
        jwks: Option<&Bound<'_, PyAny>>,
        jwks_url: Option<String>,
        issuer: Option<&Bound<'_, PyAny>>,
        audience: Option<&Bound<'_, PyAny>>,
        leeway: Option<Num>,
        require_exp: bool,
        max_cookie_bytes: Option<Num>,
        algorithms: Option<&Bound<'_, PyAny>>,
        verified_token_cache: Option<Num>,
        discovery_issuer: Option<String>,
        verified_token_cache_bytes: Option<Num>,
        api_key: Option<String>,
        api_base_url: Option<String>,
        refresh_buffer_seconds: Option<Num>,
        refresh_grace_seconds: Option<Num>,
        refresh_timeout_seconds: Option<Num>,
        formats: Option<&Bound<'_, PyAny>>,
        allow_weak_secrets: Option<bool>,
        shared_key_cache: bool,
        refresh_coordinator: Option<String>,
        refresh_coordinator_timeout_seconds: Option<Num>,
        step_up_grant_ttl_seconds: Option<Num>,
        on_audit: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        if on_audit.as_ref().is_some_and(|f| !f.is_callable()) {
            return Err(PyTypeError::new_err("on_audit must be a callable taking the event dict"));
        }
        let audit = stepup::audit_sink(py, on_audit.map(Bound::unbind))?;
        let strings = |value: Option<&Bound<'_, PyAny>>, what| value.map(|v| str_or_strings(v, what)).transpose();
        let options = GateOptions {
            client_id: client_id.clone(),
            cookie_passwords: str_or_strings(cookie_password, "cookie_password")?,
            jwks: jwks.map(|jwks| jwks_document(py, jwks)).transpose()?,
            jwks_url,
            discovery_issuer,
            issuers: strings(issuer, "issuer")?,
            audiences: strings(audience, "audience")?,
            leeway_seconds: leeway.map(|n| n.0),
            require_exp: Some(require_exp),
            max_cookie_bytes: max_cookie_bytes.map(|n| n.0),
            algorithms: strings(algorithms, "algorithms")?,
            verified_token_cache: verified_token_cache.map(|n| n.0),
            verified_token_cache_bytes: verified_token_cache_bytes.map(|n| n.0),
            api_key,
            api_base_url,
            refresh_buffer_seconds: refresh_buffer_seconds.map(|n| n.0),
            refresh_grace_seconds: refresh_grace_seconds.map(|n| n.0),
            refresh_timeout_seconds: refresh_timeout_seconds.map(|n| n.0),
            formats: strings(formats, "formats")?,
            allow_weak_secrets,
            refresh_coordinator,
            refresh_coordinator_timeout_seconds: refresh_coordinator_timeout_seconds.map(|n| n.0),
            step_up_grant_ttl_seconds: step_up_grant_ttl_seconds.map(|n| n.0),
            ..GateOptions::default()
        };
        let passwords = options.cookie_passwords.len();
        let (gate, jwks) = detached(py, || {
            let mut config = options.into_config()?;
            config.audit = Some(audit);
            let jwks = config.jwks.describe();
            let gate = match shared_key_cache {
                true => sessiongate::SessionGate::shared(config)?,
                false => sessiongate::SessionGate::new(config)?,
            };
            Ok((gate, jwks))
        })?;
        Ok(PySessionGate { gate, client_id, passwords, jwks })
    }

    /// Authenticates a sealed session cookie. Never raises for a bad cookie: returns an
    /// `AuthenticateWithSessionCookieErrorResponse`. Raises `JwksUnavailableError` on an outage.
    #[pyo3(signature = (session_data, now=None))]
    fn authenticate(&self, py: Python<'_>, session_data: Option<&Bound<'_, PyString>>, now: Option<Num>) -> PyResult<Py<PyAny>> {
        let (cookie, now) = (host_bytes(session_data)?, time(py, now)?);
        authentication_to_py(py, detached(py, || self.gate.authenticate_bytes_at(&cookie, now))?)
    }

    /// Refreshes the session in the cookie through the WorkOS API (needs `api_key`), scoped to
    /// `organization_id` (default: the current token's organization; another one switches).
    /// Returns a `RefreshWithSessionCookieSuccessResponse` (set its `sealed_session`) or a
    /// `RefreshWithSessionCookieErrorResponse` (clear the cookie, unless it carries a
    /// `sealed_session`: then set that one). Raises `RefreshUnavailableError` (retryable: keep
    /// the cookie, answer 503) on an outage. Concurrent refreshes of one cookie make one call.
    #[pyo3(signature = (session_data, organization_id=None, now=None))]
    fn refresh(
        &self,
        py: Python<'_>,
        session_data: Option<&Bound<'_, PyString>>,
        organization_id: Option<String>,
        now: Option<Num>,
    ) -> PyResult<Py<PyAny>> {
        let (cookie, now) = (host_bytes(session_data)?, time(py, now)?);
        refresh_to_py(py, detached(py, || self.gate.refresh_bytes_at(&cookie, organization_id.as_deref(), now))?)
    }

    /// Authenticates the cookie, refreshing it when its token expired or expires within the
    /// refresh buffer. Returns a `SessionRenewal`: serve `.auth`, set `.sealed_session` when
    /// not None, delete the cookie when `.clear_cookie`. Raises `RefreshUnavailableError` or
    /// `JwksUnavailableError` (retryable) only when no valid session can be served.
    #[pyo3(signature = (session_data, now=None))]
    fn authenticate_or_refresh(
        &self,
        py: Python<'_>,
        session_data: Option<&Bound<'_, PyString>>,
        now: Option<Num>,
    ) -> PyResult<PySessionRenewal> {
        let now = time(py, now)?;
        let cookie = host_bytes(session_data)?;
        renewal_to_py(py, detached(py, || self.gate.authenticate_or_refresh_bytes_at(&cookie, now))?)
    }

    /// The WorkOS logout URL for the session in the cookie (`return_to` optional); works for an
    /// expired session. Raises `UnsealError` (with `detail`) for a cookie that cannot be opened
    /// or holds no session id.
    #[pyo3(signature = (session_data, return_to=None, now=None))]
    fn get_logout_url(
        &self,
        py: Python<'_>,
        session_data: Option<&Bound<'_, PyString>>,
        return_to: Option<String>,
        now: Option<Num>,
    ) -> PyResult<String> {
        let (cookie, now) = (host_bytes(session_data)?, time(py, now)?);
        detached(py, || self.gate.logout_url_bytes_at(&cookie, return_to.as_deref(), now))
    }

    /// Refuses a `cookie_password` that is not one of the gate's own (`ConfigurationError`), for
    /// `load_sealed_session` (sessiongate/_gate.py).
    fn _check_cookie_password(&self, py: Python<'_>, password: &str) -> PyResult<()> {
        core(py, || self.gate.check_cookie_password(password))
    }

    /// `authenticate` from the cached keys only (`JwksNotCachedError` when a fetch is needed),
    /// for `authenticate_async`, which answers on the loop when it can (sessiongate/_gate.py).
    #[pyo3(signature = (session_data, now=None))]
    fn _authenticate_cached(&self, py: Python<'_>, session_data: Option<&Bound<'_, PyString>>, now: Option<Num>) -> PyResult<Py<PyAny>> {
        let now = time(py, now)?;
        let cookie = host_bytes(session_data)?;
        authentication_to_py(py, detached(py, || self.gate.authenticate_cached_bytes_at(&cookie, now))?)
    }

    /// The seal formats this gate reads (`"iron"`, `"fernet"`, `"ruby"`...), in the core's order.
    fn formats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.gate.formats().into_iter().map(SealFormat::as_str))
    }

    /// Moves a session from one SDK's cookie to another's: opens the cookie (any enabled
    /// format) and seals the same session in `format`, as that SDK writes it, with the first
    /// cookie password. Nothing is verified or refreshed. Raises `UnsealError` for a cookie that
    /// cannot be opened.
    #[pyo3(signature = (session_data, format, now=None))]
    fn reseal(&self, py: Python<'_>, session_data: &Bound<'_, PyString>, format: &str, now: Option<Num>) -> PyResult<String> {
        let now = time(py, now)?;
        let format = seal_format(py, format)?;
        let cookie = host_bytes(Some(session_data))?;
        detached(py, || self.gate.reseal_bytes_at(&cookie, format, now))
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
        let format = seal_format(py, format)?;
        let data = SessionData {
            access_token,
            refresh_token,
            user: seal_input(py, user, "user")?,
            impersonator: impersonator.map(|i| seal_input(py, i, "impersonator")).transpose()?,
            authentication_method,
            organization_id,
        };
        detached(py, || self.gate.seal_session(&data, format))
    }

    /// Seals any JSON-like value with the first cookie password.
    #[pyo3(signature = (data, format="fernet"))]
    fn seal_data(&self, py: Python<'_>, data: &Bound<'_, PyAny>, format: &str) -> PyResult<String> {
        let format = seal_format(py, format)?;
        let data = seal_input(py, data, "data")?;
        detached(py, || self.gate.seal_data(&data, format))
    }

    /// Opens a sealed value of either format with the cookie passwords; raises `UnsealError`.
    #[pyo3(signature = (sealed, now=None))]
    fn unseal_data<'py>(&self, py: Python<'py>, sealed: &Bound<'py, PyString>, now: Option<Num>) -> PyAnyResult<'py> {
        let now = time(py, now)?;
        let sealed = sealed_text(py, sealed)?;
        json_to_py(py, &detached(py, || self.gate.unseal_data_at(&sealed, now))?.data)
    }

    /// Verifies a bearer access token (from an `Authorization` header, not a cookie) with the
    /// gate's keys and rules. Returns a `VerifiedToken`, or the failure response for a bad token.
    #[pyo3(signature = (token, now=None))]
    fn verify_access_token(&self, py: Python<'_>, token: &Bound<'_, PyString>, now: Option<Num>) -> PyResult<Py<PyAny>> {
        self.verify(py, token, now, false)
    }

    /// Verifies an OIDC ID token (audience = the client id; needs `issuer`). Returns a
    /// `VerifiedToken`, or the failure response for a bad token.
    #[pyo3(signature = (token, now=None))]
    fn verify_id_token(&self, py: Python<'_>, token: &Bound<'_, PyString>, now: Option<Num>) -> PyResult<Py<PyAny>> {
        self.verify(py, token, now, true)
    }

    /// Evaluates `policy` on an authenticated session or a `VerifiedToken` (a failed
    /// authentication raises ValueError: authenticate first). For a session, a step-up `grant`
    /// (`StepUpGrant.grant`) for this very session and user also satisfies the `amr`
    /// requirement, its `verified_at` standing for `auth_time`; an unusable grant is ignored
    /// and named in `grant_ignored`. Emits a `step_up.decision` audit event for sessions.
    #[pyo3(signature = (auth, policy, grant=None, now=None))]
    fn check(
        &self,
        auth: &Bound<'_, PyAny>,
        policy: PyRef<'_, PyStepUpPolicy>,
        grant: Option<&str>,
        now: Option<Num>,
    ) -> PyResult<PyStepUpDecision> {
        decide(&self.gate, auth, &policy, grant, now)
    }

    /// Like `check`, but returns None when allowed and raises `StepUpRequiredError` when not
    /// (`status` 403 for a cookie session, 401 for a bearer/verified token).
    #[pyo3(signature = (auth, policy, grant=None, now=None))]
    fn require(&self, auth: &Bound<'_, PyAny>, policy: PyRef<'_, PyStepUpPolicy>, grant: Option<&str>, now: Option<Num>) -> PyResult<()> {
        let py = auth.py();
        let Err(denial) = decide(&self.gate, auth, &policy, grant, now)?.decision.require() else { return Ok(()) };
        let challenge = Py::new(py, PyChallenge { challenge: denial.challenge.clone() })?.into_any();
        Err(error::step_up(py, &denial, challenge))
    }

    /// Starts a step-up for an authenticated session (needs `api_key`): the named factor (it
    /// must be this user's) or the user's first TOTP factor, else SMS. Returns a
    /// `StepUpChallenge`: ask for the code, keep `pending`. Raises `StepUpFailedError`
    /// (`detail`: `no_factor_enrolled`, `factor_not_found`, `factor_other_user`...) or
    /// `ApiUnavailableError` (retryable: answer 503).
    #[pyo3(signature = (auth, factor_id=None, now=None))]
    fn start_step_up(&self, auth: &Bound<'_, PyAny>, factor_id: Option<&str>, now: Option<Num>) -> PyResult<PyStepUpChallenge> {
        let py = auth.py();
        let now = time(py, now)?;
        let session = &session_of(auth)?.get().session;
        let challenge = py.detach(|| catch_panic(|| self.gate.start_step_up_at(session, factor_id, now)));
        challenge.map(|challenge| PyStepUpChallenge { challenge }).map_err(|e| error::api_err(py, &e))
    }

    /// Completes a step-up with the user's `code`: the `pending` value must be this session's,
    /// the factor this user's, and the WorkOS API must verify the code. Returns a
    /// `StepUpGrant` (keep `.grant`, pass it to `check`/`require`). Raises `StepUpFailedError`
    /// with a `detail` (`code_invalid`, `challenge_expired`, `pending_other_session`,
    /// `challenge_already_verified`...) or `ApiUnavailableError` (retryable).
    #[pyo3(signature = (auth, *, pending, code, now=None))]
    fn complete_step_up(&self, auth: &Bound<'_, PyAny>, pending: &str, code: &str, now: Option<Num>) -> PyResult<PyStepUpGrant> {
        let py = auth.py();
        let now = time(py, now)?;
        let session = &session_of(auth)?.get().session;
        let grant = py.detach(|| catch_panic(|| self.gate.complete_step_up_at(session, pending, code, now)));
        grant.map(|grant| PyStepUpGrant { grant }).map_err(|e| error::api_err(py, &e))
    }

    /// The remote key cache's state for health endpoints (None for a static `jwks`): a dict
    /// with `url`, `fetched_at` (seconds since the epoch), `kids`, `stale`, `fetches`,
    /// `failures` and `last_error`.
    fn jwks_status<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let status = detached(py, || Ok(self.gate.jwks_status()))?;
        status.map(|status| json_to_py(py, &status.to_json())).transpose()
    }

    /// Where refreshes are coordinated, for health endpoints: a dict with `kind`
    /// (`in_process` or `redis`), `url` (redacted), `available`, `fallbacks`, `shared`,
    /// `refused_values` and `last_error`.
    fn refresh_coordinator_status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let status = detached(py, || Ok(self.gate.refresh_coordinator_status()))?;
        json_to_py(py, &status.to_json())
    }

    #[getter] fn client_id(&self) -> &str { &self.client_id }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let client_id = PyString::new(py, &self.client_id).repr()?;
        Ok(format!("SessionGate(client_id={client_id}, cookie_passwords=<{} redacted>, jwks=<{}>)", self.passwords, self.jwks))
    }
}

// ---------------------------------------------------------------------------------------------
// Module functions

/// Seals any JSON-like value with `cookie_password` (a str or a list: the first seals).
#[pyfunction]
#[pyo3(signature = (data, cookie_password, format="fernet"))]
fn seal_data(py: Python<'_>, data: &Bound<'_, PyAny>, cookie_password: &Bound<'_, PyAny>, format: &str) -> PyResult<String> {
    let format = seal_format(py, format)?;
    let data = seal_input(py, data, "data")?;
    let passwords = str_or_strings(cookie_password, "cookie_password")?;
    detached(py, || sessiongate::seal_data(&data, &passwords, format))
}

/// Opens a sealed value of either format with `cookie_password` (a str or a list, each tried).
#[pyfunction]
#[pyo3(signature = (sealed, cookie_password, now=None))]
fn unseal_data<'py>(
    py: Python<'py>,
    sealed: &Bound<'py, PyString>,
    cookie_password: &Bound<'py, PyAny>,
    now: Option<Num>,
) -> PyAnyResult<'py> {
    let now = time(py, now)?;
    let passwords = str_or_strings(cookie_password, "cookie_password")?;
    let sealed = sealed_text(py, sealed)?;
    json_to_py(py, &detached(py, || sessiongate::unseal_data_at(&sealed, &passwords, now))?.data)
}

/// Every error code the core defines, with its retryability: `[(code, retryable), ...]`.
#[pyfunction]
fn error_codes() -> Vec<(&'static str, bool)> {
    ErrorCode::ALL.iter().map(|code| (code.as_str(), code.is_retryable())).collect()
}

#[pymodule]
fn _sessiongate(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<PySessionGate>()?;
    m.add_class::<SuccessResponse>()?;
    m.add_class::<ErrorResponse>()?;
    m.add_class::<RefreshSuccess>()?;
    m.add_class::<RefreshFailure>()?;
    m.add_class::<PySessionRenewal>()?;
    m.add_class::<PyVerifiedToken>()?;
    m.add_class::<PyStepUpPolicy>()?;
    m.add_class::<PyStepUpDecision>()?;
    m.add_class::<PyStepUpChallenge>()?;
    m.add_class::<PyStepUpGrant>()?;
    m.add_class::<PyChallenge>()?;
    m.add_function(wrap_pyfunction!(seal_data, m)?)?;
    m.add_function(wrap_pyfunction!(unseal_data, m)?)?;
    m.add_function(wrap_pyfunction!(error_codes, m)?)?;
    m.add_function(wrap_pyfunction!(_failure, m)?)?;
    m.add_function(wrap_pyfunction!(_session_cookie_header, m)?)?;
    m.add_function(wrap_pyfunction!(_workos_environment, m)?)?;
    m.add("_DEFAULT_COOKIE_NAME", sessiongate::DEFAULT_COOKIE_NAME)?;
    m.add("_DEFAULT_GRANT_COOKIE_NAME", sessiongate::DEFAULT_GRANT_COOKIE_NAME)?;
    Ok(())
}
