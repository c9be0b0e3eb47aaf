//! iron `Fe26.2` seals, as written by @workos-inc/node, authkit-nextjs and iron-session.
//!
//! ```text
//! Fe26.2*<password id>*<enc salt>*<iv>*<ciphertext>*<expiration ms>*<mac salt>*<mac>~2
//! ```
//!
//! * Salts are 32 random bytes written as 64 lowercase hex characters; the *hex string's
//!   ASCII bytes* are the PBKDF2 salt.
//! * Keys: PBKDF2-HMAC-SHA1, 1 iteration, 32 bytes, from the password's UTF-8 bytes.
//! * AES-256-CBC with PKCS#7 and a 16-byte IV; HMAC-SHA256 over the first six fields joined
//!   by `*`, with its own salt.
//! * Binary fields are unpadded base64url. An empty expiration never expires; otherwise the
//!   seal is valid while `now < expiration + 60 s`.
//! * The `~N` suffix: `~2` or none → the data; any other version → `data.persistent ?? data`.
//!
//! Unlike the SDKs we ignore the password id and try every configured password (rotation),
//! and we decode base64 strictly.

use std::time::{Duration, SystemTime};

use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use zeroize::Zeroizing;

use super::Entropy;
use crate::error::{Error, FailureDetail};
use crate::util::{b64, json};

/// The minimum password length, in UTF-16 code units (JavaScript's `string.length`).
pub const MIN_PASSWORD_LEN: usize = 32;
/// The clock skew iron allows past a seal's expiration.
pub const EXPIRATION_SKEW: Duration = Duration::from_secs(60);

const PREFIX: &str = "Fe26.2";
/// The password id the SDKs seal with.
const PASSWORD_ID: &str = "1";
const SALT_BYTES: usize = 32;
const IV_BYTES: usize = 16;
const MAC_BYTES: usize = 32;

type Aes256CbcEnc = cbc::Encryptor<aes::Aes256>;
type Aes256CbcDec = cbc::Decryptor<aes::Aes256>;

/// Whether `password` is long enough for iron.
pub fn is_valid_password(password: &str) -> bool {
    password.encode_utf16().count() >= MIN_PASSWORD_LEN
}

/// PBKDF2-HMAC-SHA1, one iteration, 32 bytes: iron's key derivation.
fn derive_key(password: &str, salt: &str) -> Zeroizing<[u8; 32]> {
    let mut key = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password.as_bytes(), salt.as_bytes(), 1, key.as_mut());
    key
}

fn mac(password: &str, mac_salt: &str, base: &str) -> Hmac<Sha256> {
    let key = derive_key(password, mac_salt);
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_ref()).expect("HMAC accepts any key length");
    mac.update(base.as_bytes());
    mac
}

/// The fields of a seal, split but not yet verified.
struct Parts<'a> {
    /// `Fe26.2*id*encSalt*iv*ct*exp`: what the MAC covers.
    mac_base: &'a str,
    enc_salt: &'a str,
    iv: [u8; IV_BYTES],
    ciphertext: Vec<u8>,
    expiration_ms: Option<u64>,
    mac_salt: &'a str,
    mac: [u8; MAC_BYTES],
}

fn parse(sealed: &str) -> Result<Parts<'_>, FailureDetail> {
    // memchr's SIMD search: the ciphertext is most of a 4 kB cookie.
    let mut stars = memchr::memchr_iter(b'*', sealed.as_bytes());
    let mut fields = [""; 8];
    let mut start = 0;
    for field in &mut fields[..7] {
        let end = stars.next().ok_or(FailureDetail::MalformedSeal)?;
        *field = &sealed[start..end];
        start = end + 1;
    }
    if stars.next().is_some() {
        return Err(FailureDetail::MalformedSeal);
    }
    fields[7] = &sealed[start..];
    let [prefix, _id, enc_salt, iv, ciphertext, expiration, mac_salt, mac] = fields;
    if prefix != PREFIX {
        return Err(FailureDetail::MalformedSeal);
    }
    let expiration_ms = match expiration {
        "" => None,
        digits if is_positive_integer(digits) => {
            Some(digits.parse::<u64>().map_err(|_| FailureDetail::InvalidExpiration)?)
        }
        _ => return Err(FailureDetail::InvalidExpiration),
    };
    let iv: [u8; IV_BYTES] = b64::decode_url_nopad(iv)?.try_into().map_err(|_| FailureDetail::MalformedSeal)?;
    let mac: [u8; MAC_BYTES] = b64::decode_url_nopad(mac)?.try_into().map_err(|_| FailureDetail::MalformedSeal)?;
    let ciphertext = b64::decode_url_nopad(ciphertext)?;
    if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(16) {
        return Err(FailureDetail::MalformedSeal);
    }
    // The MAC covers everything before the sixth `*`.
    let mac_base_len = fields[..6].iter().map(|f| f.len()).sum::<usize>() + 5;
    Ok(Parts { mac_base: &sealed[..mac_base_len], enc_salt, iv, ciphertext, expiration_ms, mac_salt, mac })
}

/// iron-webcrypto 2's rule: `^[1-9]\d*$`.
fn is_positive_integer(s: &str) -> bool {
    let bytes = s.as_bytes();
    !bytes.is_empty() && bytes[0] != b'0' && bytes.iter().all(u8::is_ascii_digit)
}

/// Opens an iron seal with the first password whose MAC matches.
pub fn unseal<'p>(
    cookie: &str,
    passwords: impl Iterator<Item = &'p str>,
    now: SystemTime,
) -> Result<Value, FailureDetail> {
    // `sealed~version~anything`: only the first two pieces are read, as the SDK does.
    let (sealed, version) = match memchr::memchr(b'~', cookie.as_bytes()) {
        None => (cookie, None),
        Some(tilde) => {
            let rest = &cookie[tilde + 1..];
            (&cookie[..tilde], Some(memchr::memchr(b'~', rest.as_bytes()).map_or(rest, |end| &rest[..end])))
        }
    };
    let parts = parse(sealed)?;

    let mut any_password = false;
    let password = passwords
        .inspect(|_| any_password = true)
        .find(|password| mac(password, parts.mac_salt, parts.mac_base).verify_slice(&parts.mac).is_ok());
    let Some(password) = password else {
        return Err(if any_password { FailureDetail::MacMismatch } else { FailureDetail::NoKeyForFormat });
    };

    if let Some(expiration_ms) = parts.expiration_ms {
        let expires = SystemTime::UNIX_EPOCH + Duration::from_millis(expiration_ms) + EXPIRATION_SKEW;
        if now >= expires {
            return Err(FailureDetail::SealExpired);
        }
    }

    let key = derive_key(password, parts.enc_salt);
    // Decrypted in place: the buffer then holds the plaintext, wiped when dropped.
    let mut buffer = Zeroizing::new(parts.ciphertext);
    let plaintext = Aes256CbcDec::new(key.as_ref().into(), &parts.iv.into())
        .decrypt_padded_mut::<Pkcs7>(&mut buffer)
        .map_err(|_| FailureDetail::DecryptFailed)?;
    // JavaScript decodes the bytes leniently, so do we; the strict check first is the fast
    // path for the valid UTF-8 every SDK writes.
    let text = match std::str::from_utf8(plaintext) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(plaintext),
    };
    let data = json::parse_lenient(&text).ok_or(FailureDetail::PayloadNotJson)?;
    Ok(match version {
        None | Some("2") => data,
        Some(_) => unwrap_persistent(data),
    })
}

/// iron-session v1 stored `{persistent: …}`: `data.persistent ?? data`.
fn unwrap_persistent(data: Value) -> Value {
    match data {
        Value::Object(mut map) => match map.remove("persistent") {
            Some(persistent) if !persistent.is_null() => persistent,
            Some(persistent) => {
                map.insert("persistent".into(), persistent);
                Value::Object(map)
            }
            None => Value::Object(map),
        },
        other => other,
    }
}

/// Seals `plaintext` as the SDKs do: password id `1`, no expiration, suffix `~2`.
pub(crate) fn seal(plaintext: &[u8], password: &str, entropy: &mut dyn Entropy) -> Result<String, Error> {
    let mut salt = [0u8; SALT_BYTES];
    entropy.fill(&mut salt)?;
    let enc_salt = hex(&salt);
    let mut iv = [0u8; IV_BYTES];
    entropy.fill(&mut iv)?;
    entropy.fill(&mut salt)?;
    let mac_salt = hex(&salt);

    let key = derive_key(password, &enc_salt);
    let ciphertext = Aes256CbcEnc::new(key.as_ref().into(), &iv.into()).encrypt_padded_vec_mut::<Pkcs7>(plaintext);
    let mac_base = format!(
        "{PREFIX}*{PASSWORD_ID}*{enc_salt}*{}*{}*",
        b64::encode_url_nopad(&iv),
        b64::encode_url_nopad(&ciphertext)
    );
    let tag = mac(password, &mac_salt, &mac_base).finalize().into_bytes();
    Ok(format!("{mac_base}*{mac_salt}*{}~2", b64::encode_url_nopad(&tag)))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::test_support::{FixedEntropy, hex as unhex, peer_vectors};

    const PASSWORD: &str = "peer-harness-cookie-password-0123456789";

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_343_115)
    }

    #[test]
    fn reproduces_every_node_known_answer_seal() {
        let vectors = peer_vectors("workos-node-11.0.0.json");
        let kats = vectors["kat"].as_array().unwrap();
        assert_eq!(kats.len(), 4);
        for kat in kats {
            let password = kat["password"].as_str().unwrap();
            let enc_salt = kat["enc_salt"].as_str().unwrap();
            let mac_salt = kat["mac_salt"].as_str().unwrap();
            assert_eq!(hex(derive_key(password, enc_salt).as_ref()), kat["enc_key_hex"].as_str().unwrap());
            assert_eq!(hex(derive_key(password, mac_salt).as_ref()), kat["mac_key_hex"].as_str().unwrap());
            let mut entropy = FixedEntropy {
                chunks: vec![unhex(enc_salt), unhex(kat["iv_hex"].as_str().unwrap()), unhex(mac_salt)],
                time: 0,
            };
            let plaintext = kat["plaintext_json"].as_str().unwrap().as_bytes();
            let cookie = seal(plaintext, password, &mut entropy).unwrap();
            assert_eq!(cookie, kat["cookie"].as_str().unwrap(), "{}", kat["name"]);
            let data = unseal(&cookie, [password].into_iter(), now()).unwrap();
            assert_eq!(data, serde_json::from_slice::<Value>(plaintext).unwrap());
        }
    }

    #[test]
    fn rotation_tries_every_password_whatever_the_id() {
        let mut entropy = FixedEntropy { chunks: vec![vec![7; 32], vec![8; 16], vec![9; 32]], time: 0 };
        let cookie = seal(br#"{"a":1}"#, PASSWORD, &mut entropy).unwrap();
        let with_id_2 = cookie.replacen("Fe26.2*1*", "Fe26.2*2*", 1);
        // The id is covered by the MAC, so a changed id is a forgery...
        assert_eq!(unseal(&with_id_2, [PASSWORD].into_iter(), now()), Err(FailureDetail::MacMismatch));
        // ...but the right password is found in second position.
        let other = "another-cookie-password-that-is-long-enough";
        assert_eq!(unseal(&cookie, [other, PASSWORD].into_iter(), now()).unwrap()["a"], 1);
        assert_eq!(unseal(&cookie, [other].into_iter(), now()), Err(FailureDetail::MacMismatch));
        assert_eq!(unseal(&cookie, std::iter::empty(), now()), Err(FailureDetail::NoKeyForFormat));
    }

    #[test]
    fn structure_errors() {
        let err = |c: &str| unseal(c, [PASSWORD].into_iter(), now()).unwrap_err();
        assert_eq!(err("Fe26.2*1*a*b*c*d*e"), FailureDetail::MalformedSeal);
        assert_eq!(err("Fe26.1*1*a*AAAAAAAAAAAAAAAAAAAAAA*AAAAAAAAAAAAAAAAAAAAAA**e*x"), FailureDetail::MalformedSeal);
        assert_eq!(err("Fe26.2*1*a*b*c*0123*e*f"), FailureDetail::InvalidExpiration);
        assert_eq!(err("Fe26.2*1*a*b*c*abc*e*f"), FailureDetail::InvalidExpiration);
        assert_eq!(err("Fe26.2*1*a*b+c*c**e*f"), FailureDetail::BadBase64);
    }

    #[test]
    fn expiration_allows_sixty_seconds_of_skew() {
        let mut entropy = FixedEntropy { chunks: vec![vec![1; 32], vec![2; 16], vec![3; 32]], time: 0 };
        let cookie = seal(br#"{"a":1}"#, PASSWORD, &mut entropy).unwrap();
        // Re-seal the same fields with an expiration: rebuild the MAC by hand.
        let parts: Vec<&str> = cookie.trim_end_matches("~2").split('*').collect();
        let base = format!("{}*{}*{}*{}*{}*{}", parts[0], parts[1], parts[2], parts[3], parts[4], "1795343000000");
        let tag = mac(PASSWORD, parts[6], &base).finalize().into_bytes();
        let expiring = format!("{base}*{}*{}~2", parts[6], b64::encode_url_nopad(&tag));
        let at = |ms: u64| SystemTime::UNIX_EPOCH + Duration::from_millis(ms);
        assert!(unseal(&expiring, [PASSWORD].into_iter(), at(1_795_343_059_999)).is_ok());
        assert_eq!(
            unseal(&expiring, [PASSWORD].into_iter(), at(1_795_343_060_000)),
            Err(FailureDetail::SealExpired)
        );
    }

    #[test]
    fn version_suffix_rules() {
        assert_eq!(unwrap_persistent(serde_json::json!({"persistent": {"a": 1}})), serde_json::json!({"a": 1}));
        assert_eq!(unwrap_persistent(serde_json::json!({"persistent": null, "b": 2}))["b"], 2);
        assert_eq!(unwrap_persistent(serde_json::json!({"a": 1})), serde_json::json!({"a": 1}));
    }
}
