//! Python values to the core's types and back: JSON-like values, strings, numbers.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

/// Deepest nesting accepted when converting Python values to JSON (cycles end here too).
const MAX_DEPTH: usize = 128;

pub fn json_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any(),
            (None, Some(u)) => u.into_pyobject(py)?.into_any(),
            _ => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => PyList::new(py, items.iter().map(|item| json_to_py(py, item)).collect::<PyResult<Vec<_>>>()?)?.into_any(),
        Value::Object(map) => object_to_py(py, map)?.into_any(),
    })
}

pub fn object_to_py<'py>(py: Python<'py>, map: &Map<String, Value>) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (key, item) in map {
        dict.set_item(key, json_to_py(py, item)?)?;
    }
    Ok(dict)
}

pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "object".into())
}

/// A JSON-like Python value (None, bool, int, float, str, list, tuple, dict with str keys) as
/// JSON. The error names types only, never values.
pub fn py_to_json(obj: &Bound<'_, PyAny>, depth: usize) -> Result<Value, String> {
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
            let key = key.cast::<PyString>().map_err(|_| format!("dict keys must be str, not {}", type_name(&key)))?;
            let key = key.to_cow().map_err(|_| "a dict key is not valid Unicode".to_owned())?.into_owned();
            map.insert(key, py_to_json(&item, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let unreadable = |_| "a sequence cannot be iterated".to_owned();
        return obj.try_iter().map_err(unreadable)?.map(|item| py_to_json(&item.map_err(unreadable)?, depth + 1)).collect();
    }
    Err(format!("a value of type {} is not JSON-serializable", type_name(obj)))
}

/// A str, or a sequence (list, tuple...) of str.
pub fn str_or_strings(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<String>> {
    let wrong = || PyTypeError::new_err(format!("{what} must be a str or a sequence of str"));
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(vec![s.to_cow()?.into_owned()]);
    }
    if value.is_instance_of::<PyBytes>() || value.is_instance_of::<PyDict>() {
        return Err(wrong());
    }
    value.try_iter().map_err(|_| wrong())?.map(|item| Ok(item?.cast::<PyString>().map_err(|_| wrong())?.to_cow()?.into_owned())).collect()
}

/// An int or float argument as the core's `f64`. An int too large for a float becomes an
/// infinity, which the core refuses like any out-of-range number.
pub struct Num(pub f64);

impl<'a, 'py> FromPyObject<'a, 'py> for Num {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Num> {
        if !(obj.is_instance_of::<PyInt>() || obj.is_instance_of::<PyFloat>()) {
            return Err(PyTypeError::new_err(format!("expected an int or a float, not {}", type_name(&obj))));
        }
        obj.extract::<f64>().or_else(|_| Ok(if obj.lt(0)? { f64::NEG_INFINITY } else { f64::INFINITY })).map(Num)
    }
}
