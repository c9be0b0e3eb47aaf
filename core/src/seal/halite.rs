//! workos-php 4.30–4.32 seals: Halite v4 symmetric encryption of `{"data": …, "expires_at": …}`.
//!
//! ```text
//! master  = HKDF-SHA256(password, 32 bytes, no salt, no info)                 (once per secret)
//! encKey  = HKDF-BLAKE2b(master, 32, "Halite|EncryptionKey", salt)            (per seal)
//! authKey = HKDF-BLAKE2b(master, 32, "AuthenticationKeyFor_|Halite", salt)
//! message = 31 42 04 00 | salt 32 | nonce 24 | XSalsa20(encKey, nonce) ⊕ json
//! cookie  = base64( base64url( message | BLAKE2b-512(key authKey, message) ) )
//! ```
//!
//! HKDF-BLAKE2b is HKDF with BLAKE2b-256 keyed hashing in place of HMAC (Halite's
//! `Util::hkdfBlake2b`). The payload's `expires_at` (Unix seconds, 30 days by default) is
//! the seal's expiry, checked as the SDK does (`now > expires_at` refuses).

use blake2::Blake2bMac512;
use blake2::digest::Mac;
use blake2::digest::consts::U32;
use salsa20::XSalsa20;
use salsa20::cipher::{KeyIvInit, StreamCipher};
use serde_json::{Map, Value};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::{Entropy, text};
use crate::error::{Error, FailureDetail};
use crate::util::b64;

type Blake2b256Mac = blake2::Blake2bMac<U32>;

const HEADER: [u8; 4] = [0x31, 0x42, 0x04, 0x00];
const SALT_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;
const MAC_BYTES: usize = 64;
const MIN_BYTES: usize = HEADER.len() + SALT_BYTES + NONCE_BYTES + MAC_BYTES;
const ENCRYPTION_INFO: &[u8] = b"Halite|EncryptionKey";
const AUTHENTICATION_INFO: &[u8] = b"AuthenticationKeyFor_|Halite";
/// `HaliteSessionEncryption::seal`'s default time to live: 30 days.
pub const DEFAULT_TTL_SECONDS: u64 = 2_592_000;
/// What every Halite v4 message's text starts with (base64url of the header).
pub const INNER_PREFIX: &str = "MUIEA";

/// `hash_hkdf('sha256', password, 32)`, computed once per secret. Wiped on drop.
#[derive(Clone)]
pub struct HaliteKey(Zeroizing<[u8; 32]>);

impl HaliteKey {
    pub fn derive(password: &str) -> HaliteKey {
        let mut master = Zeroizing::new([0u8; 32]);
        // 32 bytes is far below HKDF-SHA256's 8160-byte limit.
        let _ = hkdf::Hkdf::<Sha256>::new(None, password.as_bytes()).expand(b"", master.as_mut());
        HaliteKey(master)
    }

    fn split(&self, salt: &[u8]) -> (Zeroizing<[u8; 32]>, Zeroizing<[u8; 32]>) {
        (hkdf_blake2b(self.0.as_ref(), ENCRYPTION_INFO, salt), hkdf_blake2b(self.0.as_ref(), AUTHENTICATION_INFO, salt))
    }
}

impl std::fmt::Debug for HaliteKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HaliteKey(<redacted>)")
    }
}

fn keyed_blake2b_256(key: &[u8], parts: &[&[u8]]) -> Zeroizing<[u8; 32]> {
    // BLAKE2b takes keys up to 64 bytes; every key here has 32.
    let mut mac = <Blake2b256Mac as Mac>::new_from_slice(key).expect("BLAKE2b keys up to 64 bytes");
    for part in parts {
        mac.update(part);
    }
    Zeroizing::new(mac.finalize().into_bytes().into())
}

/// Halite's `hkdfBlake2b` for one 32-byte output block.
fn hkdf_blake2b(ikm: &[u8], info: &[u8], salt: &[u8]) -> Zeroizing<[u8; 32]> {
    let prk = keyed_blake2b_256(salt, &[ikm]);
    keyed_blake2b_256(prk.as_ref(), &[info, &[1u8]])
}

fn mac(auth_key: &[u8; 32], message: &[u8]) -> Blake2bMac512 {
    let mut mac = <Blake2bMac512 as Mac>::new_from_slice(auth_key).expect("BLAKE2b keys up to 64 bytes");
    mac.update(message);
    mac
}

/// The inner text of a cookie whose outer base64 holds Halite's `MUIEA…` text, if it does.
pub fn inner_text(cookie: &str) -> Option<String> {
    let inner = text::decode_std(cookie).ok()?;
    let inner = String::from_utf8(inner).ok()?;
    inner.starts_with(INNER_PREFIX).then_some(inner)
}

/// The message of a Halite cookie's inner text, checked for shape only.
pub fn decode(inner: &str) -> Result<Vec<u8>, FailureDetail> {
    let raw = b64::decode_url_padded(inner)?;
    if raw.len() < MIN_BYTES || raw[..4] != HEADER {
        return Err(FailureDetail::MalformedSeal);
    }
    Ok(raw)
}

/// Opens a decoded message with `key`: the plaintext JSON bytes, or `None` on a MAC mismatch.
pub fn open(raw: &[u8], key: &HaliteKey) -> Option<Zeroizing<Vec<u8>>> {
    let (message, tag) = raw.split_at(raw.len() - MAC_BYTES);
    let salt = &message[4..4 + SALT_BYTES];
    let nonce = &message[4 + SALT_BYTES..4 + SALT_BYTES + NONCE_BYTES];
    let (enc_key, auth_key) = key.split(salt);
    mac(&auth_key, message).verify_slice(tag).ok()?;
    let mut plaintext = Zeroizing::new(message[4 + SALT_BYTES + NONCE_BYTES..].to_vec());
    XSalsa20::new(enc_key.as_ref().into(), nonce.into()).apply_keystream(&mut plaintext);
    Some(plaintext)
}

/// The session inside an opened payload, if `expires_at` has not passed (`now` in seconds).
pub fn payload_data(payload: Value, now_seconds: f64) -> Result<Value, FailureDetail> {
    let Value::Object(mut map) = payload else {
        return Err(FailureDetail::PayloadNotObject);
    };
    let expires_at = map.get("expires_at").and_then(Value::as_f64).ok_or(FailureDetail::PayloadShape)?;
    if now_seconds > expires_at {
        return Err(FailureDetail::SealExpired);
    }
    map.remove("data").ok_or(FailureDetail::PayloadShape)
}

/// The payload `HaliteSessionEncryption::seal` encrypts.
pub fn payload(data: &Value, now_seconds: u64, ttl_seconds: u64) -> Value {
    let mut map = Map::new();
    map.insert("data".into(), data.clone());
    map.insert("expires_at".into(), Value::from(now_seconds.saturating_add(ttl_seconds)));
    Value::Object(map)
}

/// `HaliteSessionEncryption::seal`: Halite v4 `Crypto::encrypt`, then base64 once more.
pub(crate) fn seal(plaintext: &[u8], key: &HaliteKey, entropy: &mut dyn Entropy) -> Result<String, Error> {
    // Halite draws the nonce, then the salt.
    let mut nonce = [0u8; NONCE_BYTES];
    entropy.fill(&mut nonce)?;
    let mut salt = [0u8; SALT_BYTES];
    entropy.fill(&mut salt)?;
    let (enc_key, auth_key) = key.split(&salt);
    let mut message = Vec::with_capacity(MIN_BYTES + plaintext.len());
    message.extend_from_slice(&HEADER);
    message.extend_from_slice(&salt);
    message.extend_from_slice(&nonce);
    let start = message.len();
    message.extend_from_slice(plaintext);
    XSalsa20::new(enc_key.as_ref().into(), (&nonce).into()).apply_keystream(&mut message[start..]);
    let tag = mac(&auth_key, &message).finalize().into_bytes();
    message.extend_from_slice(&tag);
    Ok(text::encode_std(b64::encode_url_padded(&message).as_bytes()))
}
