//! Fernet tokens, as written by workos-python (`cryptography.fernet`).
//!
//! ```text
//! 0x80 | timestamp u64 BE | iv 16 | AES-128-CBC/PKCS#7 ciphertext | HMAC-SHA256 32
//! ```
//!
//! written as url-safe base64 *with* padding. The cookie password *is* the key: the url-safe
//! base64 of 32 bytes, the first 16 for HMAC-SHA256, the last 16 for AES-128. The timestamp is
//! never checked (the SDK decrypts without a TTL).

use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::Entropy;
use crate::error::{Error, FailureDetail};
use crate::util::{b64, json};

const VERSION: u8 = 0x80;
/// What every Fernet token starts with: the version byte and a timestamp below 2^40.
pub const PREFIX: &str = "gAAAAA";
const HEADER_BYTES: usize = 1 + 8 + 16;
const MAC_BYTES: usize = 32;

type Aes128CbcEnc = cbc::Encryptor<aes::Aes128>;
type Aes128CbcDec = cbc::Decryptor<aes::Aes128>;

/// A Fernet key: 16 bytes to sign, 16 bytes to encrypt. Zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct FernetKey {
    signing: [u8; 16],
    encryption: [u8; 16],
}

impl FernetKey {
    /// Reads a key the way workos-python's `Fernet(key)` does: url-safe or standard base64
    /// of exactly 32 bytes, padding required, ASCII whitespace ignored. This is configuration,
    /// not untrusted input, so we accept every key the Python SDK accepts.
    pub fn parse(key: &str) -> Option<FernetKey> {
        if !key.is_ascii() {
            return None;
        }
        let compact: String =
            key.chars().filter(|c| !c.is_ascii_whitespace()).map(|c| match c { '+' => '-', '/' => '_', c => c }).collect();
        let mut bytes = b64::decode_url_padded(&compact).ok()?;
        let key = (bytes.len() == 32).then(|| {
            let mut signing = [0u8; 16];
            let mut encryption = [0u8; 16];
            signing.copy_from_slice(&bytes[..16]);
            encryption.copy_from_slice(&bytes[16..]);
            FernetKey { signing, encryption }
        });
        bytes.zeroize();
        key
    }

    fn mac(&self, signed: &[u8]) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.signing).expect("HMAC accepts any key length");
        mac.update(signed);
        mac
    }
}

impl std::fmt::Debug for FernetKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FernetKey(<redacted>)")
    }
}

/// Opens a Fernet token with the first key whose HMAC matches.
pub fn unseal<'k>(cookie: &str, keys: impl Iterator<Item = &'k FernetKey>) -> Result<Value, FailureDetail> {
    let mut token = zeroize::Zeroizing::new(b64::decode_url_padded(cookie)?);
    if token.len() < HEADER_BYTES + 16 + MAC_BYTES
        || !(token.len() - HEADER_BYTES - MAC_BYTES).is_multiple_of(16)
        || token[0] != VERSION
    {
        return Err(FailureDetail::MalformedSeal);
    }
    let body_end = token.len() - MAC_BYTES;
    let (signed, tag) = token.split_at(body_end);

    let mut any_key = false;
    let key = keys.inspect(|_| any_key = true).find(|key| key.mac(signed).verify_slice(tag).is_ok());
    let Some(key) = key else {
        return Err(if any_key { FailureDetail::MacMismatch } else { FailureDetail::NoKeyForFormat });
    };

    let iv: [u8; 16] = signed[9..HEADER_BYTES].try_into().map_err(|_| FailureDetail::MalformedSeal)?;
    // Decrypted in place: the token buffer then holds the plaintext, wiped when dropped.
    let plaintext = Aes128CbcDec::new(&key.encryption.into(), &iv.into())
        .decrypt_padded_mut::<Pkcs7>(&mut token[HEADER_BYTES..body_end])
        .map_err(|_| FailureDetail::DecryptFailed)?;
    // Python decodes strictly as UTF-8, then parses.
    let text = std::str::from_utf8(plaintext).map_err(|_| FailureDetail::PayloadNotJson)?;
    json::parse_lenient(text).ok_or(FailureDetail::PayloadNotJson)
}

/// Seals `plaintext` as `Fernet(key).encrypt` does, at the entropy's current time.
pub(crate) fn seal(plaintext: &[u8], key: &FernetKey, entropy: &mut dyn Entropy) -> Result<String, Error> {
    let mut iv = [0u8; 16];
    entropy.fill(&mut iv)?;
    let ciphertext = Aes128CbcEnc::new(&key.encryption.into(), &iv.into()).encrypt_padded_vec_mut::<Pkcs7>(plaintext);
    let mut token = Vec::with_capacity(HEADER_BYTES + ciphertext.len() + MAC_BYTES);
    token.push(VERSION);
    token.extend_from_slice(&entropy.unix_seconds().to_be_bytes());
    token.extend_from_slice(&iv);
    token.extend_from_slice(&ciphertext);
    let tag = key.mac(&token).finalize().into_bytes();
    token.extend_from_slice(&tag);
    Ok(b64::encode_url_padded(&token))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::test_support::{FixedEntropy, hex, peer_vectors};

    #[test]
    fn reproduces_every_python_known_answer_seal() {
        let vectors = peer_vectors("workos-python-10.8.0.json");
        let kats = vectors["seal_kats"].as_array().unwrap();
        assert_eq!(kats.len(), 3);
        for kat in kats {
            let key = FernetKey::parse(kat["cookie_password"].as_str().unwrap()).unwrap();
            let plaintext = json::to_python_json(&kat["input"]);
            assert_eq!(plaintext, kat["plaintext"].as_str().unwrap(), "{}", kat["name"]);
            let mut entropy = FixedEntropy {
                chunks: vec![hex(kat["iv_hex"].as_str().unwrap())],
                time: kat["timestamp"].as_u64().unwrap(),
            };
            let token = seal(plaintext.as_bytes(), &key, &mut entropy).unwrap();
            assert_eq!(token, kat["token"].as_str().unwrap(), "{}", kat["name"]);
            assert_eq!(unseal(&token, [&key].into_iter()).unwrap(), kat["input"]);
        }
    }

    #[test]
    fn key_parsing_matches_workos_python() {
        let vectors = peer_vectors("workos-python-10.8.0.json");
        let checks = vectors["cookie_password_checks"].as_array().unwrap();
        assert_eq!(checks.len(), 9);
        for check in checks {
            let parsed = FernetKey::parse(check["cookie_password"].as_str().unwrap());
            assert_eq!(parsed.is_some(), check["accepted"].as_bool().unwrap(), "{}", check["name"]);
            if let Some(key) = parsed {
                let expected = hex(check["decoded_key_hex"].as_str().unwrap());
                assert_eq!([key.signing, key.encryption].concat(), expected);
            }
        }
    }

    #[test]
    fn tampering_and_shape_errors() {
        let key = FernetKey::parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap();
        let mut entropy = FixedEntropy { chunks: vec![vec![0; 16]], time: 1 };
        let token = seal(b"{}", &key, &mut entropy).unwrap();
        let mut raw = b64::decode_url_padded(&token).unwrap();
        raw[30] ^= 1;
        let tampered = b64::encode_url_padded(&raw);
        assert_eq!(unseal(&tampered, [&key].into_iter()), Err(FailureDetail::MacMismatch));
        assert_eq!(unseal(&token, std::iter::empty()), Err(FailureDetail::NoKeyForFormat));
        assert_eq!(unseal("gAAAAA==", [&key].into_iter()), Err(FailureDetail::MalformedSeal));
        assert_eq!(unseal("not base64!", [&key].into_iter()), Err(FailureDetail::BadBase64));
    }
}
