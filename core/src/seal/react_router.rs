//! authkit-react-router / authkit-remix cookies: the iron seal inside React Router's signed
//! cookie session.
//!
//! ```text
//! value  = base64( JSON.stringify({"jwt": "<Fe26.2…~2>"}) )
//! cookie = encodeURIComponent( value "." base64(HMAC-SHA256(key = password, value)) without "=" )
//! ```
//!
//! The same cookie password signs the wrapper and seals the iron inside. The signature is
//! checked before anything is decoded.

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use super::text;
use crate::error::FailureDetail;
use crate::util::json;

/// What a wrapper cookie starts with: base64 of `{"`.
pub const PREFIX: &str = "eyJ";

fn signature(password: &str, value: &str) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(password.as_bytes()).expect("HMAC accepts any key length");
    mac.update(value.as_bytes());
    mac
}

/// Splits a (URI-decoded) cookie into the signed value and the decoded signature.
pub fn split(cookie: &str) -> Result<(&str, Vec<u8>), FailureDetail> {
    let dot = cookie.rfind('.').ok_or(FailureDetail::MalformedSeal)?;
    let (value, sig) = (&cookie[..dot], &cookie[dot + 1..]);
    let sig = base64_simd::STANDARD_NO_PAD.decode_to_vec(sig).map_err(|_| FailureDetail::BadBase64)?;
    if sig.len() != 32 || value.is_empty() {
        return Err(FailureDetail::MalformedSeal);
    }
    Ok((value, sig))
}

/// Whether `password` signed `value`.
pub fn verify(value: &str, sig: &[u8], password: &str) -> bool {
    signature(password, value).verify_slice(sig).is_ok()
}

/// The iron seal inside a verified value.
pub fn inner_seal(value: &str) -> Result<String, FailureDetail> {
    let bytes = text::decode_std(value)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| FailureDetail::PayloadNotJson)?;
    match json::parse_lenient(text).ok_or(FailureDetail::PayloadNotJson)? {
        Value::Object(mut map) => match map.remove("jwt") {
            Some(Value::String(seal)) => Ok(seal),
            _ => Err(FailureDetail::PayloadShape),
        },
        _ => Err(FailureDetail::PayloadNotObject),
    }
}

/// Wraps an iron seal as `commitSession` does, URI-encoded as in the `Set-Cookie` header.
pub fn wrap(iron_seal: &str, password: &str) -> String {
    let payload = serde_json::json!({ "jwt": iron_seal }).to_string();
    let value = text::encode_std(payload.as_bytes());
    let sig = signature(password, &value).finalize().into_bytes();
    text::uri_encode_component(&format!("{value}.{}", base64_simd::STANDARD_NO_PAD.encode_to_string(sig)))
}
