//! The AES-256-GCM seals: workos-ruby ≥ 7 (`ruby`), workos-ruby 5.7–6.2 (`ruby-legacy`) and
//! workos-go ≥ 7 (`go`). No additional data in any of them.
//!
//! ```text
//! ruby         base64( 0x01 | nonce 12 | tag 16 | ciphertext )     key SHA-256(password)
//! ruby-legacy  encode64( nonce 12 | ciphertext | tag 16 )           key = the 32 password bytes
//! go           base64( nonce 12 | ciphertext | tag 16 )             key hex-decoded, else SHA-256
//! ```
//!
//! Ruby-legacy and Go share a layout: the reader tries each configured key (trial
//! decryption), which the tag makes safe. `encode64` is base64 with a newline after every 60
//! characters and at the end.

use aes_gcm::aead::AeadInPlace;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce, Tag};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::Entropy;
use super::text;
use crate::error::Error;

pub const NONCE_BYTES: usize = 12;
pub const TAG_BYTES: usize = 16;
const RUBY_VERSION: u8 = 0x01;
/// The shortest Ruby v1 seal: version, nonce and tag around an empty ciphertext.
pub const RUBY_MIN_BYTES: usize = 1 + NONCE_BYTES + TAG_BYTES;
/// The shortest nonce|ciphertext|tag seal.
pub const SHARED_MIN_BYTES: usize = NONCE_BYTES + TAG_BYTES;

/// An AES-256 key, wiped on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct GcmKey(Zeroizing<[u8; 32]>);

impl GcmKey {
    pub fn from_bytes(bytes: &[u8]) -> Option<GcmKey> {
        let key: [u8; 32] = bytes.try_into().ok()?;
        Some(GcmKey(Zeroizing::new(key)))
    }

    /// `SHA-256(password bytes)`: workos-ruby ≥ 7 and workos-go's fallback.
    pub fn sha256(password: &str) -> GcmKey {
        GcmKey(Zeroizing::new(Sha256::digest(password.as_bytes()).into()))
    }

    /// workos-go: the hex decoding when the password is hex of exactly 32 bytes (either case),
    /// else SHA-256 of the password.
    pub fn go(password: &str) -> GcmKey {
        match text::unhex(password).map(Zeroizing::new) {
            Some(bytes) if bytes.len() == 32 => GcmKey::from_bytes(&bytes).unwrap_or_else(|| GcmKey::sha256(password)),
            _ => GcmKey::sha256(password),
        }
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(self.0.as_ref().into())
    }

    /// The key bytes, for known-answer checks.
    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for GcmKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GcmKey(<redacted>)")
    }
}

fn open(key: &GcmKey, nonce: &[u8], ciphertext: &[u8], tag: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let mut buffer = Zeroizing::new(ciphertext.to_vec());
    key.cipher()
        .decrypt_in_place_detached(Nonce::from_slice(nonce), b"", &mut buffer, Tag::from_slice(tag))
        .ok()?;
    Some(buffer)
}

/// Opens `0x01 | nonce | tag | ciphertext` (the caller checked the version and length).
pub fn open_ruby(raw: &[u8], key: &GcmKey) -> Option<Zeroizing<Vec<u8>>> {
    if raw.len() < RUBY_MIN_BYTES || raw[0] != RUBY_VERSION {
        return None;
    }
    let (nonce, rest) = raw[1..].split_at(NONCE_BYTES);
    let (tag, ciphertext) = rest.split_at(TAG_BYTES);
    open(key, nonce, ciphertext, tag)
}

/// Whether `raw` has the Ruby v1 shape (version byte and room for nonce and tag).
pub fn looks_like_ruby(raw: &[u8]) -> bool {
    raw.len() >= RUBY_MIN_BYTES && raw[0] == RUBY_VERSION
}

/// Opens `nonce | ciphertext | tag` (Go, Ruby legacy).
pub fn open_shared(raw: &[u8], key: &GcmKey) -> Option<Zeroizing<Vec<u8>>> {
    if raw.len() < SHARED_MIN_BYTES {
        return None;
    }
    let (nonce, rest) = raw.split_at(NONCE_BYTES);
    let (ciphertext, tag) = rest.split_at(rest.len() - TAG_BYTES);
    open(key, nonce, ciphertext, tag)
}

fn encrypt(plaintext: &[u8], key: &GcmKey, nonce: &[u8; NONCE_BYTES]) -> Result<(Vec<u8>, Tag), Error> {
    let mut buffer = plaintext.to_vec();
    let tag = key
        .cipher()
        .encrypt_in_place_detached(Nonce::from_slice(nonce), b"", &mut buffer)
        .map_err(|_| Error::Seal("the value is too large for AES-GCM".into()))?;
    Ok((buffer, tag))
}

fn nonce(entropy: &mut dyn Entropy) -> Result<[u8; NONCE_BYTES], Error> {
    let mut nonce = [0u8; NONCE_BYTES];
    entropy.fill(&mut nonce)?;
    Ok(nonce)
}

/// workos-ruby ≥ 7's `AesGcm#seal`.
pub(crate) fn seal_ruby(plaintext: &[u8], key: &GcmKey, entropy: &mut dyn Entropy) -> Result<String, Error> {
    let nonce = nonce(entropy)?;
    let (ciphertext, tag) = encrypt(plaintext, key, &nonce)?;
    let mut raw = Vec::with_capacity(RUBY_MIN_BYTES + ciphertext.len());
    raw.push(RUBY_VERSION);
    raw.extend_from_slice(&nonce);
    raw.extend_from_slice(&tag);
    raw.extend_from_slice(&ciphertext);
    Ok(text::encode_std(&raw))
}

fn shared_raw(plaintext: &[u8], key: &GcmKey, entropy: &mut dyn Entropy) -> Result<Vec<u8>, Error> {
    let nonce = nonce(entropy)?;
    let (ciphertext, tag) = encrypt(plaintext, key, &nonce)?;
    let mut raw = Vec::with_capacity(SHARED_MIN_BYTES + ciphertext.len());
    raw.extend_from_slice(&nonce);
    raw.extend_from_slice(&ciphertext);
    raw.extend_from_slice(&tag);
    Ok(raw)
}

/// workos-ruby 5.7–6.2's `Session.seal_data`: `Base64.encode64`, newlines included.
pub(crate) fn seal_ruby_legacy(plaintext: &[u8], key: &GcmKey, entropy: &mut dyn Entropy) -> Result<String, Error> {
    Ok(text::encode_ruby_lines(&shared_raw(plaintext, key, entropy)?))
}

/// workos-go's `sealBytes`.
pub(crate) fn seal_go(plaintext: &[u8], key: &GcmKey, entropy: &mut dyn Entropy) -> Result<String, Error> {
    Ok(text::encode_std(&shared_raw(plaintext, key, entropy)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::test_support::{FixedEntropy, hex};

    #[test]
    fn reference_known_answers() {
        // The reference's KATs (password 0123456789abcdef0123456789abcdef, nonce 00..0b).
        let password = "0123456789abcdef0123456789abcdef";
        let mut entropy = FixedEntropy { chunks: vec![hex("000102030405060708090a0b")], time: 0 };
        let v1 = seal_ruby(br#"{"access_token":"at","refresh_token":"rt","user":{"id":"user_1"}}"#, &GcmKey::sha256(password), &mut entropy).unwrap();
        assert_eq!(v1, "AQABAgMEBQYHCAkKC/2bHu8DQP0Aa8K0T11+FSs6zDoi30DUhwmFcQuK8Mo/EDeHNtBI2s/2SYbHZsQmapmDhhdip1NUi/IePpBB7gouyHdS5IaGn7xpZ0ArD71VMw==");
        let mut entropy = FixedEntropy { chunks: vec![hex("000102030405060708090a0b")], time: 0 };
        let key = GcmKey::from_bytes(password.as_bytes()).unwrap();
        let legacy = seal_ruby_legacy(br#"{"access_token":"at","refresh_token":"rt"}"#, &key, &mut entropy).unwrap();
        assert_eq!(legacy, "AAECAwQFBgcICQoLVsfaH7p9od/3qB7VFKHzPsRpd6UQngbuRq7ex9B62OvW\nzlg8c5dlZLNYnpeW2xfw3cEcVDYXvCsR4w==\n");
        let raw = text::decode_std_or_ruby_lines(&legacy).unwrap();
        assert_eq!(&open_shared(&raw, &key).unwrap()[..], br#"{"access_token":"at","refresh_token":"rt"}"#);
        assert!(open_shared(&raw, &GcmKey::sha256(password)).is_none());
        assert!(open_ruby(&text::decode_std(&v1).unwrap(), &key).is_none());
    }

    #[test]
    fn go_key_rule() {
        let hex_password = "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F";
        assert_eq!(GcmKey::go(hex_password).bytes().to_vec(), (0..32).collect::<Vec<u8>>());
        assert_eq!(GcmKey::go(&hex_password[..62]), GcmKey::sha256(&hex_password[..62]));
        assert_eq!(text::hex(GcmKey::go("a").bytes()), "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb");
    }
}
