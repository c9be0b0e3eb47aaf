//! The core's errors as the exception classes of `sessiongate._errors`, chosen by `ErrorCode`.
//! Messages are the core's, which never contain cookie, token, claim or key bytes. The
//! parity test checks that every `ErrorCode` has its class (`class_name`) and no class lacks a code.

use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use sessiongate::{Error, ErrorCode, Refusal, StepUpDenial};

use crate::convert::json_to_py;

/// Every core code with its class, imported once.
static CLASSES: PyOnceLock<Vec<(ErrorCode, Py<PyAny>)>> = PyOnceLock::new();

fn class_name(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::Configuration => "ConfigurationError",
        ErrorCode::JwksUnavailable => "JwksUnavailableError",
        ErrorCode::JwksNotCached => "JwksNotCachedError",
        ErrorCode::Seal => "SealError",
        ErrorCode::Unseal => "UnsealError",
        ErrorCode::StepUpRequired => "StepUpRequiredError",
        ErrorCode::KeyDerivationBusy => "KeyDerivationBusyError",
        ErrorCode::StepUpFailed => "StepUpFailedError",
        // Only a refresh talks to the WorkOS API: its outage is `RefreshUnavailableError`, a
        // subclass of `ApiUnavailableError` (the code's class).
        ErrorCode::ApiUnavailable => "RefreshUnavailableError",
        // `ErrorCode` is non-exhaustive: a code this binding does not know yet is a bug to report.
        _ => "InternalError",
    }
}

fn class(py: Python<'_>, code: ErrorCode) -> PyResult<Bound<'_, PyAny>> {
    let classes = CLASSES.get_or_try_init(py, || {
        let module = py.import("sessiongate._errors")?;
        ErrorCode::ALL.iter().map(|&c| Ok((c, module.getattr(class_name(c))?.unbind()))).collect::<PyResult<Vec<_>>>()
    })?;
    // The table holds every code of `ErrorCode::ALL`, so the lookup cannot miss.
    let (_, class) = classes.iter().find(|(c, _)| *c == code).ok_or_else(|| PyException::new_err(code.as_str()))?;
    Ok(class.bind(py).clone())
}

fn raised(made: PyResult<Bound<'_, PyAny>>) -> PyErr {
    match made {
        Ok(exception) => PyErr::from_value(exception),
        Err(err) => err,
    }
}

/// The core's web answer, as the framework helpers (`sessiongate._web`) read it: the dict
/// `{"status", "body", "headers"}` (the core's projection, which Node's helpers read too).
pub fn refusal_to_py<'py>(py: Python<'py>, refusal: &Refusal) -> PyResult<Bound<'py, PyAny>> {
    json_to_py(py, &refusal.to_json())
}

/// `exception._refusal`: what a web app answers for it (an outage's 503, a denial's 401/403).
fn with_refusal<'py>(exception: PyResult<Bound<'py, PyAny>>, refusal: Option<Refusal>) -> PyResult<Bound<'py, PyAny>> {
    let exception = exception?;
    if let Some(refusal) = refusal {
        exception.setattr("_refusal", refusal_to_py(exception.py(), &refusal)?)?;
    }
    Ok(exception)
}

/// The Python exception for a core error (`UnsealError` carries the unseal `detail`).
pub fn to_py_err(py: Python<'_>, err: &Error) -> PyErr {
    let made = class(py, err.code()).and_then(|class| match err {
        Error::Unseal(detail) => class.call1((err.to_string(), detail.code())),
        Error::StepUpFailed(failure) => class.call1((err.to_string(), failure.code())),
        Error::ApiUnavailable { retry_after, .. } => class.call1((err.to_string(), retry_after.map(|d| d.as_secs_f64()))),
        _ => class.call1((err.to_string(),)),
    });
    raised(with_refusal(made, Refusal::unavailable(err)))
}

/// The exception for a step-up call's error: an outage is `ApiUnavailableError` itself (not
/// the refresh's subclass), the rest as [`to_py_err`].
pub fn api_err(py: Python<'_>, err: &Error) -> PyErr {
    match err {
        Error::ApiUnavailable { retry_after, .. } => raised(with_refusal(
            py.import("sessiongate._errors")
                .and_then(|m| m.getattr("ApiUnavailableError"))
                .and_then(|class| class.call1((err.to_string(), retry_after.map(|d| d.as_secs_f64())))),
            Refusal::unavailable(err),
        )),
        _ => to_py_err(py, err),
    }
}

/// `StepUpRequiredError` for a denial: the core's message, reason and status.
pub fn step_up(py: Python<'_>, denial: &StepUpDenial, challenge: Py<PyAny>) -> PyErr {
    raised(with_refusal(
        class(py, StepUpDenial::CODE)
            .and_then(|class| class.call1((denial.to_string(), denial.reason.code(), challenge, denial.status()))),
        Some(Refusal::step_up(denial)),
    ))
}
