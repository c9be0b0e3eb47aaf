//! JSON as the SDKs write it: lenient reading of what JavaScript produces, and Python's
//! `json.dumps` layout for Fernet seals.

use std::io;

use serde::Serialize;
use serde_json::Value;
use serde_json::ser::{CharEscape, Formatter};

/// Parses JSON, reading a lone UTF-16 surrogate escape (`"\ud800"`, which `JSON.stringify`
/// writes for broken strings) as U+FFFD instead of failing. Nesting depth is bounded by
/// serde_json's recursion limit (128).
pub fn parse_lenient(text: &str) -> Option<Value> {
    match serde_json::from_str(text) {
        Ok(value) => Some(value),
        Err(_) if text.contains("\\u") => serde_json::from_str(&replace_lone_surrogates(text)).ok(),
        Err(_) => None,
    }
}

/// Rewrites `\uD800`–`\uDFFF` escapes that are not part of a valid pair as `\ufffd`.
fn replace_lone_surrogates(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut in_string = false;
    while let Some(c) = rest.chars().next() {
        if !in_string {
            in_string = c == '"';
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        match c {
            '"' => {
                in_string = false;
                out.push(c);
                rest = &rest[1..];
            }
            '\\' => {
                let unit = escaped_unit(rest);
                match unit {
                    Some(high @ 0xD800..=0xDBFF) => match escaped_unit(&rest[6..]) {
                        Some(0xDC00..=0xDFFF) => {
                            out.push_str(&rest[..12]);
                            rest = &rest[12..];
                        }
                        _ => {
                            let _ = high;
                            out.push_str("\\ufffd");
                            rest = &rest[6..];
                        }
                    },
                    Some(0xDC00..=0xDFFF) => {
                        out.push_str("\\ufffd");
                        rest = &rest[6..];
                    }
                    _ => {
                        // Any other escape: copy the backslash and the escaped character.
                        let next = rest[1..].chars().next().map_or(0, char::len_utf8);
                        out.push_str(&rest[..1 + next]);
                        rest = &rest[1 + next..];
                    }
                }
            }
            c => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

/// The code unit of a `\uXXXX` escape at the start of `s`, if it is one.
fn escaped_unit(s: &str) -> Option<u32> {
    let hex = s.strip_prefix("\\u")?.get(..4)?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(hex, 16).ok()
}

/// Serializes like Python's `json.dumps(value)` with its defaults: `", "` and `": "`
/// separators, and every character outside printable ASCII escaped (`ensure_ascii`), astral
/// characters as surrogate pairs. This is what workos-python seals, byte for byte.
pub fn to_python_json(value: &Value) -> String {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    // Serializing a `Value` into a Vec cannot fail.
    let _ = value.serialize(&mut serializer);
    String::from_utf8(out).unwrap_or_default()
}

struct PythonFormatter;

impl Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { writer.write_all(b", ") }
    }

    fn begin_object_key<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { writer.write_all(b", ") }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()> {
        write_escaped_fragment(writer, fragment, |c| (' '..='~').contains(&c))
    }

    fn write_f64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        writer.write_all(python_float_repr(value).as_bytes())
    }

    fn write_char_escape<W: ?Sized + io::Write>(&mut self, writer: &mut W, escape: CharEscape) -> io::Result<()> {
        let s: &[u8] = match escape {
            CharEscape::Quote => b"\\\"",
            CharEscape::ReverseSolidus => b"\\\\",
            CharEscape::Solidus => b"/",
            CharEscape::Backspace => b"\\b",
            CharEscape::FormFeed => b"\\f",
            CharEscape::LineFeed => b"\\n",
            CharEscape::CarriageReturn => b"\\r",
            CharEscape::Tab => b"\\t",
            CharEscape::AsciiControl(byte) => return write!(writer, "\\u{byte:04x}"),
        };
        writer.write_all(s)
    }
}

/// Python's `repr(float)`: the shortest round-trip digits, in fixed notation when the
/// exponent is in -4..16 (with at least one decimal), else `d.ddde±XX`.
fn python_float_repr(value: f64) -> String {
    // Rust's `{:e}` gives the same shortest digits: "1.5e0", "1e-7", "1.2345e20".
    let sci = format!("{value:e}");
    let Some((mantissa, exponent)) = sci.split_once('e') else { return sci };
    let Ok(exponent) = exponent.parse::<i32>() else { return sci };
    let (sign, mantissa) = mantissa.strip_prefix('-').map_or(("", mantissa), |m| ("-", m));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if (-4..16).contains(&exponent) {
        let point = exponent + 1;
        let fixed = if point <= 0 {
            format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
        } else if point as usize >= digits.len() {
            format!("{digits}{}.0", "0".repeat(point as usize - digits.len()))
        } else {
            format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
        };
        format!("{sign}{fixed}")
    } else {
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{exp_sign}{:02}", exponent.unsigned_abs())
    }
}

/// Writes a JSON string fragment, every character `keep` refuses as `\uXXXX` UTF-16 units
/// (`keep` accepts ASCII only; serde_json has already escaped quotes, backslashes and controls).
pub(crate) fn write_escaped_fragment<W: ?Sized + io::Write>(writer: &mut W, fragment: &str, keep: impl Fn(char) -> bool) -> io::Result<()> {
    for c in fragment.chars() {
        if keep(c) {
            writer.write_all(&[c as u8])?;
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        assert_eq!(parse_lenient(r#"{"a":"bad\ud800half"}"#).unwrap()["a"], "bad\u{fffd}half");
        assert_eq!(parse_lenient(r#"["\udc00x"]"#).unwrap()[0], "\u{fffd}x");
        assert_eq!(parse_lenient(r#"["\ud83d\ude00", "\\ud800"]"#).unwrap(), json!(["😀", "\\ud800"]));
        assert_eq!(parse_lenient(r#"["\ud800\ud800"]"#).unwrap()[0], "\u{fffd}\u{fffd}");
        assert_eq!(parse_lenient(r#"["\ud800"#), None);
        assert_eq!(parse_lenient("not json"), None);
    }

    #[test]
    fn python_layout() {
        let v = json!({"a": [1, "é😀\u{7f}\n\"/<>&'"], "b": {"c": null, "d": true}});
        assert_eq!(
            to_python_json(&v),
            r#"{"a": [1, "\u00e9\ud83d\ude00\u007f\n\"/<>&'"], "b": {"c": null, "d": true}}"#
        );
        assert_eq!(to_python_json(&json!("\u{1}")), r#""\u0001""#);
        let floats = [(1.5, "1.5"), (1e20, "1e+20"), (1e-7, "1e-07"), (0.0001, "0.0001"), (-2.0, "-2.0"),
            (1e16, "1e+16"), (1234.5678, "1234.5678"), (0.1, "0.1"), (-1.5e-10, "-1.5e-10"), (1e15, "1000000000000000.0")];
        for (f, repr) in floats {
            assert_eq!(python_float_repr(f), repr);
        }
    }
}
