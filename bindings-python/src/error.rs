//! The Python exception classes, and the mapping from the core's [`sessiongate::Error`].
//!
//! Every class subclasses `SessionGateError` and carries the core's stable `code` string as a
//! class attribute (set at module init), so `except SessionGateError as e: e.code` works for
//! all of them. Messages are the core's, which never contain cookie, token, claim or key bytes.

use std::panic::{AssertUnwindSafe, catch_unwind};

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use sessiongate::Error;

create_exception!(
    sessiongate,
    SessionGateError,
    PyException,
    "Base class of every sessiongate error. `code` is the core's stable, cross-language code."
);
create_exception!(
    sessiongate,
    ConfigurationError,
    SessionGateError,
    "The configuration cannot work (raised by the constructor, never per request)."
);
create_exception!(
    sessiongate,
    JwksUnavailableError,
    SessionGateError,
    "No usable key set could be obtained (an outage, retryable): answer 503, do not log the user out."
);
create_exception!(sessiongate, SealError, SessionGateError, "The given value cannot be sealed.");
create_exception!(
    sessiongate,
    UnsealError,
    SessionGateError,
    "The given sealed value cannot be opened; `detail` is the stable reason code (e.g. `mac_mismatch`)."
);
create_exception!(
    sessiongate,
    InternalError,
    SessionGateError,
    "A bug in sessiongate (for example a caught panic). Please report it."
);

/// Sets the class attributes `code` and `retryable` on every exception class.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let classes = [
        (py.get_type::<SessionGateError>(), "SessionGateError", "internal_error", false),
        (py.get_type::<ConfigurationError>(), "ConfigurationError", "configuration_error", false),
        (py.get_type::<JwksUnavailableError>(), "JwksUnavailableError", "jwks_unavailable", true),
        (py.get_type::<SealError>(), "SealError", "seal_error", false),
        (py.get_type::<UnsealError>(), "UnsealError", "unseal_error", false),
        (py.get_type::<InternalError>(), "InternalError", "internal_error", false),
    ];
    for (class, name, code, retryable) in classes {
        class.setattr("code", code)?;
        class.setattr("retryable", retryable)?;
        m.add(name, class)?;
    }
    py.get_type::<UnsealError>().setattr("detail", py.None())?;
    Ok(())
}

/// The Python exception for a core error, chosen by its stable code.
pub fn to_py_err(py: Python<'_>, err: &Error) -> PyErr {
    let message = err.to_string();
    match err.code() {
        "configuration_error" => ConfigurationError::new_err(message),
        "jwks_unavailable" => JwksUnavailableError::new_err(message),
        "seal_error" => SealError::new_err(message),
        "unseal_error" => {
            let py_err = UnsealError::new_err(message);
            if let Error::Unseal(detail) = err {
                // An exception instance always accepts attributes; ignore the impossible failure.
                let _ = py_err.value(py).setattr("detail", detail.code());
            }
            py_err
        }
        _ => InternalError::new_err(message),
    }
}

/// A configuration error raised by the binding itself (argument values the core never sees).
pub fn configuration(message: impl Into<String>) -> PyErr {
    ConfigurationError::new_err(message.into())
}

/// Runs core work, turning a panic into [`Error::Internal`] so none crosses into Python.
pub fn guarded<T>(work: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    catch_unwind(AssertUnwindSafe(work))
        .unwrap_or_else(|_| Err(Error::Internal("a panic was caught inside sessiongate; please report it".into())))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_internal_errors() {
        let caught: Result<(), Error> = guarded(|| panic!("forced panic: never crosses into Python"));
        assert_eq!(caught.unwrap_err().code(), "internal_error");
        assert_eq!(guarded(|| Ok::<_, Error>(7)).unwrap(), 7);
    }
}
