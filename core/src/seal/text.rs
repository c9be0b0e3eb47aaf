//! The text layers around the sealed bytes: a URI-encoded cookie value, standard base64
//! (strict, and Ruby's `Base64.encode64` line layout), and PHP's lenient key decoding.

use std::borrow::Cow;

use base64_simd::STANDARD;

use crate::error::FailureDetail;

/// Decodes a `%XX`-escaped cookie value once (authkit-session writes
/// `encodeURIComponent(seal)`, React Router escapes the base64 padding). A value without `%`
/// is returned as is; a broken escape or non-UTF-8 result is a malformed seal.
pub fn uri_decode_once(value: &str) -> Result<Cow<'_, str>, FailureDetail> {
    if !value.contains('%') {
        return Ok(Cow::Borrowed(value));
    }
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or(FailureDetail::MalformedSeal)?;
            let digit = |b: u8| (b as char).to_digit(16).ok_or(FailureDetail::MalformedSeal);
            out.push((digit(hex[0])? * 16 + digit(hex[1])?) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map(Cow::Owned).map_err(|_| FailureDetail::MalformedSeal)
}

/// Encodes a cookie value as `encodeURIComponent` does (for the React Router wrapper, whose
/// base64 padding `=` becomes `%3D`).
pub fn uri_encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Strict, padded standard base64 (Ruby's `strict_encode64`, Go, PHP, .NET).
pub fn decode_std(field: &str) -> Result<Vec<u8>, FailureDetail> {
    STANDARD.decode_to_vec(field).map_err(|_| FailureDetail::BadBase64)
}

pub fn encode_std(bytes: &[u8]) -> String {
    STANDARD.encode_to_string(bytes)
}

/// Line length of Ruby's `Base64.encode64`.
const RUBY_LINE: usize = 60;

/// Standard base64, either in one line or in exactly the layout of Ruby's `Base64.encode64`
/// (a `\n` after every 60 characters and at the end), which workos-ruby 5.7–6.2 writes.
/// Newlines anywhere else are refused, as is every other whitespace.
pub fn decode_std_or_ruby_lines(field: &str) -> Result<Vec<u8>, FailureDetail> {
    if !field.contains('\n') {
        return decode_std(field);
    }
    let body = field.strip_suffix('\n').ok_or(FailureDetail::BadBase64)?;
    let mut joined = String::with_capacity(body.len());
    let mut lines = body.split('\n').peekable();
    while let Some(line) = lines.next() {
        let last = lines.peek().is_none();
        if line.is_empty() || line.len() > RUBY_LINE || (!last && line.len() != RUBY_LINE) {
            return Err(FailureDetail::BadBase64);
        }
        joined.push_str(line);
    }
    decode_std(&joined)
}

/// `Base64.encode64`: standard base64 with a newline after every 60 characters and at the end.
pub fn encode_ruby_lines(bytes: &[u8]) -> String {
    let flat = encode_std(bytes);
    let mut out = String::with_capacity(flat.len() + flat.len() / RUBY_LINE + 1);
    for chunk in flat.as_bytes().chunks(RUBY_LINE) {
        // Base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// PHP's non-strict `base64_decode`, for the workos-php key only (configuration, not
/// untrusted input): characters outside the standard alphabet are skipped, padding optional.
pub fn php_lenient_base64(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for b in text.bytes() {
        let value = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Hex in either case, to bytes (workos-go's `hex.DecodeString`).
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| text.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_decoding_is_once_and_strict() {
        assert_eq!(uri_decode_once("abc").unwrap(), "abc");
        assert_eq!(uri_decode_once("a%3D%3D.b").unwrap(), "a==.b");
        assert_eq!(uri_decode_once("%253D").unwrap(), "%3D", "decoded once only");
        assert_eq!(uri_decode_once("a%3"), Err(FailureDetail::MalformedSeal));
        assert_eq!(uri_decode_once("a%zz"), Err(FailureDetail::MalformedSeal));
        assert_eq!(uri_decode_once("%ff"), Err(FailureDetail::MalformedSeal));
        assert_eq!(uri_encode_component("ab=.c~*"), "ab%3D.c~*");
    }

    #[test]
    fn ruby_line_layout_only() {
        let bytes: Vec<u8> = (0..100).collect();
        let lines = encode_ruby_lines(&bytes);
        assert_eq!(lines.matches('\n').count(), 3);
        assert_eq!(decode_std_or_ruby_lines(&lines).unwrap(), bytes);
        assert_eq!(decode_std_or_ruby_lines(&lines.replace('\n', "")).unwrap(), bytes);
        assert!(decode_std_or_ruby_lines(lines.trim_end()).is_err(), "final newline required");
        assert!(decode_std_or_ruby_lines(&lines.replacen('\n', "\n\n", 1)).is_err());
        assert!(decode_std_or_ruby_lines(&format!("{}\n{}", &lines[..10], &lines[10..])).is_err());
        assert!(decode_std_or_ruby_lines(&lines.replace('\n', "\r\n")).is_err());
    }

    #[test]
    fn php_key_decoding_skips_foreign_characters() {
        assert_eq!(php_lenient_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8").len(), 32);
        assert_eq!(php_lenient_base64("AAECAwQFBgcICQoLDA0O\nDxAREhMUFRYXGBkaGxwdHh8=").len(), 32);
        assert_eq!(php_lenient_base64("yMnKy8zNzs_Q0dLT1NXW19jZ2tvc3d7f4OHi4-Tl5uc=").len(), 30);
        assert_eq!(php_lenient_base64("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").len(), 24);
        assert_eq!(unhex("0aFf"), Some(vec![10, 255]));
        assert_eq!(unhex("0g"), None);
    }
}
