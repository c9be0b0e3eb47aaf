//! The two sealed values of a step-up: the *pending* value a started step-up hands the app
//! (which session, which factor, which challenge, until when) and the *grant* a completed one
//! issues (which session, which user, the methods proven, when, until when).
//!
//! ```text
//! sgp1.<base64url(nonce 12 | AES-256-GCM ciphertext | tag 16)>   pending
//! sgg1.<base64url(nonce 12 | AES-256-GCM ciphertext | tag 16)>   grant
//! ```
//!
//! The key is HKDF-SHA256 of a cookie password (salt `sessiongate step-up v1`): the first
//! password seals, every configured one opens, so rotating cookie passwords rotates grants
//! with them. The prefix is the additional data, so a pending value never opens as a grant.
//! The plaintext is JSON; no code, token or secret is ever in it.

use std::fmt;
use std::time::{Duration, SystemTime};

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use hkdf::Hkdf;
use serde_json::{Map, Value, json};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::Error;
use crate::util::{b64, time};

/// How long a grant counts by default.
pub const DEFAULT_GRANT_TTL: Duration = Duration::from_secs(12 * 3600);
/// The longest grant a gate issues (30 days).
pub const MAX_GRANT_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

const NONCE_BYTES: usize = 12;
/// The longest sealed value read (a grant is about 300 bytes).
const MAX_SEALED_BYTES: usize = 4096;

/// Which sealed value: its prefix is also its additional data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pending,
    Grant,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::Pending => "sgp1.",
            Kind::Grant => "sgg1.",
        }
    }
}

/// The step-up keys, one per cookie password, derived once when the gate is built.
pub struct GrantKeys(Vec<Zeroizing<[u8; 32]>>);

impl fmt::Debug for GrantKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GrantKeys({} keys, redacted)", self.0.len())
    }
}

impl GrantKeys {
    pub fn derive<S: AsRef<str>>(cookie_passwords: &[S]) -> GrantKeys {
        GrantKeys(
            cookie_passwords
                .iter()
                .map(|password| {
                    let hkdf = Hkdf::<Sha256>::new(Some(b"sessiongate step-up v1"), password.as_ref().as_bytes());
                    let mut key = Zeroizing::new([0u8; 32]);
                    // 32 bytes is far below HKDF-SHA256's limit: expand cannot fail.
                    let _ = hkdf.expand(b"pending and grant seal", key.as_mut());
                    key
                })
                .collect(),
        )
    }

    /// Whether `password` is one of the passwords these keys were derived from: its key is
    /// derived again and compared in constant time, so the gate keeps no password to compare.
    pub fn derived_from(&self, password: &str) -> bool {
        let offered = GrantKeys::derive(&[password]);
        self.0.iter().fold(false, |found, key| found | bool::from(key[..].ct_eq(&offered.0[0][..])))
    }

    /// Seals `fields` with the first key.
    pub fn seal(&self, kind: Kind, fields: &Map<String, Value>) -> Result<String, Error> {
        let key = self.0.first().ok_or_else(|| Error::Internal("a gate without cookie passwords".into()))?;
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce).map_err(|e| Error::Internal(format!("no randomness from the OS: {e}")))?;
        let plaintext = Zeroizing::new(Value::Object(fields.clone()).to_string());
        let cipher = Aes256Gcm::new(key.as_ref().into());
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext.as_bytes(), aad: kind.prefix().as_bytes() })
            .map_err(|_| Error::Internal("AES-GCM refused to seal".into()))?;
        let mut raw = nonce.to_vec();
        raw.extend_from_slice(&sealed);
        Ok(format!("{}{}", kind.prefix(), b64::encode_url_nopad(&raw)))
    }

    /// Opens a sealed value of `kind` with any key: `None` for anything else (another kind,
    /// tampered, truncated, sealed with a password this gate no longer has, not JSON).
    pub fn open(&self, kind: Kind, sealed: &str) -> Option<Map<String, Value>> {
        if sealed.len() > MAX_SEALED_BYTES {
            return None;
        }
        let raw = b64::decode_url_nopad(sealed.strip_prefix(kind.prefix())?).ok()?;
        if raw.len() < NONCE_BYTES + 16 {
            return None;
        }
        let (nonce, ciphertext) = raw.split_at(NONCE_BYTES);
        self.0.iter().find_map(|key| {
            let cipher = Aes256Gcm::new(key.as_ref().into());
            let plaintext = cipher
                .decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: kind.prefix().as_bytes() })
                .ok()
                .map(Zeroizing::new)?;
            match serde_json::from_slice(&plaintext).ok()? {
                Value::Object(map) => Some(map),
                _ => None,
            }
        })
    }
}

/// A text field of an opened value.
pub fn text<'m>(fields: &'m Map<String, Value>, name: &str) -> Option<&'m str> {
    fields.get(name).and_then(Value::as_str)
}

/// A time field of an opened value (unix seconds).
pub fn instant(fields: &Map<String, Value>, name: &str) -> Option<SystemTime> {
    fields.get(name).and_then(Value::as_f64).and_then(|s| time::from_unix_seconds(name, s).ok())
}

/// Unix seconds, for a time field.
pub fn seconds(at: SystemTime) -> Value {
    json!(time::to_unix_seconds(at).floor() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Map<String, Value> {
        json!({"sid": "session_1", "sub": "user_1"}).as_object().cloned().unwrap()
    }

    #[test]
    fn opens_only_its_kind_with_a_configured_password() {
        let keys = GrantKeys::derive(&["first-password-of-at-least-32-chars!", "second-password-of-at-least-32-chars"]);
        let grant = keys.seal(Kind::Grant, &fields()).unwrap();
        assert!(grant.starts_with("sgg1."));
        assert_eq!(keys.open(Kind::Grant, &grant), Some(fields()));
        assert_eq!(keys.open(Kind::Pending, &grant), None, "a grant is no pending value");
        let pending = keys.open(Kind::Pending, &grant.replacen("sgg1.", "sgp1.", 1));
        assert_eq!(pending, None, "the prefix is bound as additional data");
        // Rotation: sealed with the old first password, opened while it is still configured.
        let old = GrantKeys::derive(&["second-password-of-at-least-32-chars"]).seal(Kind::Grant, &fields()).unwrap();
        assert_eq!(keys.open(Kind::Grant, &old), Some(fields()));
        let rotated_out = GrantKeys::derive(&["third-password-of-at-least-32-chars!"]).seal(Kind::Grant, &fields()).unwrap();
        assert_eq!(keys.open(Kind::Grant, &rotated_out), None);
        // Every single-character change is refused.
        for i in 5..grant.len() {
            let mut bytes = grant.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let tampered = String::from_utf8(bytes).unwrap();
            assert_eq!(keys.open(Kind::Grant, &tampered), None, "tampered at {i}");
        }
        for cut in 0..grant.len() {
            assert_eq!(keys.open(Kind::Grant, &grant[..cut]), None);
        }
        assert_eq!(keys.open(Kind::Grant, &"sgg1.".repeat(2000)), None);
    }
}
