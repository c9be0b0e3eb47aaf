//! Step-up completion's Python types (`StepUpChallenge`, `StepUpGrant`) and the audit sink:
//! the `sessiongate.audit` logger and the optional `on_audit` callable.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use sessiongate::{AuditEvent, AuditSink, StepUpChallenge, StepUpGrant, to_unix_seconds};

use crate::convert::json_to_py;

/// A started step-up: ask the user for the code of `factor_type` (`totp` or `sms`), keep
/// `pending` (a cookie or a form field) for `complete_step_up`. `expires_at` is in seconds
/// since the epoch. `repr` never shows `pending`.
#[pyclass(frozen, module = "sessiongate", name = "StepUpChallenge")]
#[derive(Debug)]
pub struct PyStepUpChallenge {
    pub challenge: StepUpChallenge,
}

#[pymethods]
impl PyStepUpChallenge {
    #[getter] fn challenge_id(&self) -> &str { &self.challenge.challenge_id }
    #[getter] fn factor_id(&self) -> &str { &self.challenge.factor_id }
    #[getter] fn factor_type(&self) -> &str { &self.challenge.factor_type }
    #[getter] fn expires_at(&self) -> f64 { to_unix_seconds(self.challenge.expires_at) }
    #[getter] fn pending(&self) -> &str { &self.challenge.pending }

    fn __repr__(&self) -> String {
        let c = &self.challenge;
        format!(
            "StepUpChallenge(challenge_id={:?}, factor_id={:?}, factor_type={:?}, expires_at={}, pending=<redacted>)",
            c.challenge_id, c.factor_id, c.factor_type, to_unix_seconds(c.expires_at)
        )
    }
}

/// A completed step-up: keep `grant` beside the session cookie and pass it to
/// `check(auth, policy, grant=...)`. `amr` is what was proven (`["mfa", "otp"]` or `["mfa",
/// "sms"]`); times are seconds since the epoch. `repr` never shows `grant`.
#[pyclass(frozen, module = "sessiongate", name = "StepUpGrant")]
#[derive(Debug)]
pub struct PyStepUpGrant {
    pub grant: StepUpGrant,
}

#[pymethods]
impl PyStepUpGrant {
    #[getter] fn grant(&self) -> &str { &self.grant.grant }
    #[getter] fn amr(&self) -> Vec<String> { self.grant.amr.clone() }
    #[getter] fn verified_at(&self) -> f64 { to_unix_seconds(self.grant.verified_at) }
    #[getter] fn expires_at(&self) -> f64 { to_unix_seconds(self.grant.expires_at) }
    #[getter] fn factor_id(&self) -> &str { &self.grant.factor_id }
    #[getter] fn challenge_id(&self) -> &str { &self.grant.challenge_id }

    fn __repr__(&self) -> String {
        let g = &self.grant;
        format!(
            "StepUpGrant(amr={:?}, verified_at={}, expires_at={}, factor_id={:?}, challenge_id={:?}, grant=<redacted>)",
            g.amr, to_unix_seconds(g.verified_at), to_unix_seconds(g.expires_at), g.factor_id, g.challenge_id
        )
    }
}

/// The gate's audit sink: each event goes to the `sessiongate.audit` logger (INFO, the event
/// name as the message, every field in `extra`) and to `on_audit(dict)`. Whatever they raise
/// is reported through `sys.unraisablehook` and changes no decision.
pub fn audit_sink(py: Python<'_>, on_audit: Option<Py<PyAny>>) -> PyResult<AuditSink> {
    let logger = py.import("logging")?.call_method1("getLogger", ("sessiongate.audit",))?.unbind();
    Ok(AuditSink::new(move |event| {
        Python::attach(|py| {
            if let Err(err) = emit(py, logger.bind(py), on_audit.as_ref().map(|f| f.bind(py)), event) {
                err.write_unraisable(py, None);
            }
        })
    }))
}

fn emit(py: Python<'_>, logger: &Bound<'_, PyAny>, on_audit: Option<&Bound<'_, PyAny>>, event: &AuditEvent) -> PyResult<()> {
    const INFO: u8 = 20;
    let fields = json_to_py(py, &event.to_json())?;
    if logger.call_method1("isEnabledFor", (INFO,))?.is_truthy()? {
        let kwargs = PyDict::new(py);
        kwargs.set_item("extra", &fields)?;
        logger.call_method("info", (event.kind.as_str(),), Some(&kwargs))?;
    }
    if let Some(on_audit) = on_audit {
        on_audit.call1((fields,))?;
    }
    Ok(())
}
