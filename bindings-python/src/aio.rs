//! The `*_async` methods' awaitables: `asyncio` futures of the running loop. A call that needs
//! no network answers at once (a done future); one that may wait on the network runs on the
//! loop's default executor, detached from the interpreter, so the loop keeps serving.

use pyo3::prelude::*;
use pyo3::types::PyTuple;

/// A future of the running loop, already holding `value`.
pub fn answered<'py>(py: Python<'py>, value: Py<PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let future = py.import("asyncio")?.call_method0("get_running_loop")?.call_method0("create_future")?;
    future.call_method1("set_result", (value,))?;
    Ok(future)
}

/// `method(*args)` on the running loop's default executor: the future of its result.
pub fn off_loop<'py>(method: Bound<'py, PyAny>, args: Bound<'py, PyTuple>) -> PyResult<Bound<'py, PyAny>> {
    let py = method.py();
    let running = py.import("asyncio")?.call_method0("get_running_loop")?;
    let mut call = vec![py.None().into_bound(py), method];
    call.extend(args.iter());
    running.call_method1("run_in_executor", PyTuple::new(py, call)?)
}
