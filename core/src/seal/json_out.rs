//! The JSON text each SDK writes into its seal, so that what we seal is byte for byte what the
//! SDK would have sealed for the same value.
//!
//! * compact, UTF-8 as is: `JSON.stringify` (iron, React Router), Ruby's `JSON.generate`,
//!   Newtonsoft (.NET) — serde_json's compact output is the same for session values;
//! * Go's `encoding/json`: compact, with `<`, `>`, `&`, U+2028 and U+2029 escaped;
//! * PHP's `json_encode(…, JSON_UNESCAPED_SLASHES)`: non-ASCII as `\uXXXX` (surrogate pairs),
//!   and an empty object written as `[]` (PHP decodes objects to arrays and cannot tell);
//! * Python's `json.dumps` (Fernet): `crate::util::json::to_python_json`.

use std::io;

use serde::Serialize;
use serde_json::Value;
use serde_json::ser::Formatter;

/// Compact JSON, characters as they are.
pub fn compact(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

/// Go's `encoding/json`.
pub fn go(value: &Value) -> Vec<u8> {
    with_formatter(value, GoFormatter)
}

/// PHP's `json_encode` with `JSON_UNESCAPED_SLASHES`.
pub fn php(value: &Value) -> Vec<u8> {
    with_formatter(&empty_objects_as_arrays(value), PhpFormatter)
}

fn with_formatter<F: Formatter>(value: &Value, formatter: F) -> Vec<u8> {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    // Serializing a `Value` into a Vec cannot fail.
    let _ = value.serialize(&mut serializer);
    out
}

fn empty_objects_as_arrays(value: &Value) -> Value {
    match value {
        Value::Object(map) if map.is_empty() => Value::Array(Vec::new()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), empty_objects_as_arrays(v))).collect()),
        Value::Array(items) => Value::Array(items.iter().map(empty_objects_as_arrays).collect()),
        other => other.clone(),
    }
}

struct GoFormatter;

impl Formatter for GoFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            let escape = match c {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            writer.write_all(&fragment.as_bytes()[start..i])?;
            writer.write_all(escape.as_bytes())?;
            start = i + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

struct PhpFormatter;

impl Formatter for PhpFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()> {
        crate::util::json::write_escaped_fragment(writer, fragment, |c| c.is_ascii())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_sdk_layout() {
        let v = json!({"a": "x<y>&z\u{2028}é😀/", "m": {}, "l": [], "n": {"k": {}}});
        assert_eq!(String::from_utf8(compact(&v)).unwrap(), r#"{"a":"x<y>&z\u{2028}é😀/","m":{},"l":[],"n":{"k":{}}}"#.replace("\\u{2028}", "\u{2028}"));
        assert_eq!(
            String::from_utf8(go(&v)).unwrap(),
            r#"{"a":"x\u003cy\u003e\u0026z\u2028é😀/","m":{},"l":[],"n":{"k":{}}}"#
        );
        assert_eq!(
            String::from_utf8(php(&v)).unwrap(),
            r#"{"a":"x<y>&z\u2028\u00e9\ud83d\ude00/","m":[],"l":[],"n":{"k":[]}}"#
        );
        assert_eq!(String::from_utf8(go(&json!({"q": "a\"b\n"}))).unwrap(), r#"{"q":"a\"b\n"}"#);
    }
}
