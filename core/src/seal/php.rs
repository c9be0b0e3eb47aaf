//! workos-php 5–9 seals: libsodium `crypto_secretbox` (XSalsa20-Poly1305).
//!
//! ```text
//! base64( nonce 24 | Poly1305 tag 16 | XSalsa20 ciphertext )      key = base64_decode(password), 32 bytes
//! ```

use crypto_secretbox::aead::{AeadInPlace, KeyInit};
use crypto_secretbox::{Nonce, Tag, XSalsa20Poly1305};
use zeroize::Zeroizing;

use super::Entropy;
use super::text;
use crate::error::Error;

pub const NONCE_BYTES: usize = 24;
pub const TAG_BYTES: usize = 16;
pub const MIN_BYTES: usize = NONCE_BYTES + TAG_BYTES;

/// A secretbox key, wiped on drop.
#[derive(Clone)]
pub struct PhpKey(Zeroizing<[u8; 32]>);

impl PhpKey {
    /// The key workos-php reads from the cookie password: PHP's lenient `base64_decode`,
    /// which must give exactly 32 bytes.
    pub fn parse(password: &str) -> Option<PhpKey> {
        let bytes = Zeroizing::new(text::php_lenient_base64(password));
        let key: [u8; 32] = bytes.as_slice().try_into().ok()?;
        Some(PhpKey(Zeroizing::new(key)))
    }

    fn cipher(&self) -> XSalsa20Poly1305 {
        XSalsa20Poly1305::new(self.0.as_ref().into())
    }
}

impl std::fmt::Debug for PhpKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PhpKey(<redacted>)")
    }
}

/// Opens `nonce | tag | ciphertext`.
pub fn open(raw: &[u8], key: &PhpKey) -> Option<Zeroizing<Vec<u8>>> {
    if raw.len() < MIN_BYTES {
        return None;
    }
    let (nonce, rest) = raw.split_at(NONCE_BYTES);
    let (tag, ciphertext) = rest.split_at(TAG_BYTES);
    let mut buffer = Zeroizing::new(ciphertext.to_vec());
    key.cipher()
        .decrypt_in_place_detached(Nonce::from_slice(nonce), b"", &mut buffer, Tag::from_slice(tag))
        .ok()?;
    Some(buffer)
}

/// `base64_encode($nonce . sodium_crypto_secretbox($json, $nonce, $key))`.
pub(crate) fn seal(plaintext: &[u8], key: &PhpKey, entropy: &mut dyn Entropy) -> Result<String, Error> {
    let mut nonce = [0u8; NONCE_BYTES];
    entropy.fill(&mut nonce)?;
    let mut buffer = plaintext.to_vec();
    let tag = key
        .cipher()
        .encrypt_in_place_detached(Nonce::from_slice(&nonce), b"", &mut buffer)
        .map_err(|_| Error::Seal("the value is too large for secretbox".into()))?;
    let mut raw = Vec::with_capacity(MIN_BYTES + buffer.len());
    raw.extend_from_slice(&nonce);
    raw.extend_from_slice(&tag);
    raw.extend_from_slice(&buffer);
    Ok(text::encode_std(&raw))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::test_support::{FixedEntropy, hex};

    #[test]
    fn reference_known_answer() {
        let key = PhpKey::parse("ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=").unwrap();
        let mut entropy = FixedEntropy { chunks: vec![hex("000102030405060708090a0b0c0d0e0f1011121314151617")], time: 0 };
        let plaintext = br#"{"access_token":"at","refresh_token":"rt","user":{"id":"user_1","url":"https://x/y"}}"#;
        let cookie = seal(plaintext, &key, &mut entropy).unwrap();
        assert_eq!(cookie, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXp3XTrVmkAwbNdBkxlC4istc5aJlnSc0W3C0U6tEH5Df/3mZ4n0v5L3Iz3HvqfoUUKJwvbsEmOpcjRsVnxvKVXEkEflled/E60/UjTEz9sOF6Zu2RN8gegqevooR/zTMQ5XxkPds=");
        assert_eq!(&open(&text::decode_std(&cookie).unwrap(), &key).unwrap()[..], plaintext);
        assert!(PhpKey::parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").is_none());
    }
}
