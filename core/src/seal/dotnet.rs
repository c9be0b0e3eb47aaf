//! workos-dotnet ≥ 3 seals (opt-in: the key derivation is slow on purpose).
//!
//! ```text
//! base64( salt 16 | nonce 12 | tag 16 | AES-256-GCM ciphertext ) "~2"
//! key = PBKDF2-HMAC-SHA256(password, salt, 100 000 iterations, 32 bytes)
//! ```
//!
//! Every seal has its own salt, so a key cannot be derived once per secret: it is derived
//! once per (secret, salt) and cached ([`KEY_CACHE_ENTRIES`]). A flood of random `…~2`
//! cookies would otherwise cost one derivation each; derivations for salts not in the cache
//! are limited to [`DERIVATIONS_PER_SECOND`] per gate, beyond which the cookie is answered
//! with the retryable [`Error::KeyDerivationBusy`] (503, not a log-out).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aes_gcm::aead::AeadInPlace;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce, Tag};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::{Entropy, text};
use crate::error::{Error, FailureDetail};

pub const ITERATIONS: u32 = 100_000;
pub const SALT_BYTES: usize = 16;
const NONCE_BYTES: usize = 12;
const TAG_BYTES: usize = 16;
/// `UnsealData` requires at least 44 bytes (salt, nonce, tag).
pub const MIN_BYTES: usize = SALT_BYTES + NONCE_BYTES + TAG_BYTES;
pub const SUFFIX: &str = "~2";
/// Derived keys kept, per gate (each 32 bytes plus its salt).
pub const KEY_CACHE_ENTRIES: usize = 4096;
/// Derivations for uncached salts allowed per second, per gate (the bucket also holds this
/// many at most).
pub const DERIVATIONS_PER_SECOND: u32 = 8;

/// PBKDF2-HMAC-SHA256, 100 000 iterations: `Rfc2898DeriveBytes(password, salt, 100000, SHA256)`.
pub fn derive(password: &[u8], salt: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut key = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, ITERATIONS, key.as_mut());
    key
}

/// Splits `base64~2` into the decoded bytes. Only the suffix the SDK writes is accepted.
pub fn decode(cookie: &str) -> Result<Vec<u8>, FailureDetail> {
    let body = cookie.strip_suffix(SUFFIX).ok_or(FailureDetail::MalformedSeal)?;
    if body.contains('~') {
        return Err(FailureDetail::MalformedSeal);
    }
    let raw = text::decode_std(body)?;
    if raw.len() < MIN_BYTES {
        return Err(FailureDetail::MalformedSeal);
    }
    Ok(raw)
}

/// Opens decoded bytes with a derived key.
pub fn open(raw: &[u8], key: &[u8; 32]) -> Option<Zeroizing<Vec<u8>>> {
    let nonce = &raw[SALT_BYTES..SALT_BYTES + NONCE_BYTES];
    let tag = &raw[SALT_BYTES + NONCE_BYTES..MIN_BYTES];
    let mut buffer = Zeroizing::new(raw[MIN_BYTES..].to_vec());
    Aes256Gcm::new(key.into())
        .decrypt_in_place_detached(Nonce::from_slice(nonce), b"", &mut buffer, Tag::from_slice(tag))
        .ok()?;
    Some(buffer)
}

/// `SessionService.SealData`: a fresh salt, then the nonce.
pub(crate) fn seal(plaintext: &[u8], password: &[u8], entropy: &mut dyn Entropy) -> Result<String, Error> {
    let mut salt = [0u8; SALT_BYTES];
    entropy.fill(&mut salt)?;
    let mut nonce = [0u8; NONCE_BYTES];
    entropy.fill(&mut nonce)?;
    let key = derive(password, &salt);
    let mut buffer = plaintext.to_vec();
    let tag = Aes256Gcm::new(key.as_ref().into())
        .encrypt_in_place_detached(Nonce::from_slice(&nonce), b"", &mut buffer)
        .map_err(|_| Error::Seal("the value is too large for AES-GCM".into()))?;
    let mut raw = Vec::with_capacity(MIN_BYTES + buffer.len());
    raw.extend_from_slice(&salt);
    raw.extend_from_slice(&nonce);
    raw.extend_from_slice(&tag);
    raw.extend_from_slice(&buffer);
    Ok(text::encode_std(&raw) + SUFFIX)
}

type CacheKey = (usize, [u8; SALT_BYTES]);

/// Derived keys per (secret index, salt), bounded, oldest evicted first; and the budget of
/// derivations for salts not yet cached.
pub struct KeyCache {
    state: Mutex<CacheState>,
}

struct CacheState {
    keys: HashMap<CacheKey, Zeroizing<[u8; 32]>>,
    order: VecDeque<CacheKey>,
    tokens: f64,
    refilled: Instant,
}

/// What the cache answers for one (secret, salt).
pub enum Lookup {
    Hit(Zeroizing<[u8; 32]>),
    /// Not cached, and the budget allows one derivation (already counted).
    Derive,
    /// Not cached, and the budget is spent.
    Busy,
}

impl std::fmt::Debug for Lookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Lookup::Hit(_) => "Hit(<redacted>)",
            Lookup::Derive => "Derive",
            Lookup::Busy => "Busy",
        })
    }
}

impl KeyCache {
    pub fn new() -> KeyCache {
        KeyCache {
            state: Mutex::new(CacheState {
                keys: HashMap::new(),
                order: VecDeque::new(),
                tokens: f64::from(DERIVATIONS_PER_SECOND),
                refilled: Instant::now(),
            }),
        }
    }

    pub fn lookup(&self, secret: usize, salt: [u8; SALT_BYTES]) -> Lookup {
        let Ok(mut state) = self.state.lock() else {
            return Lookup::Busy;
        };
        if let Some(key) = state.keys.get(&(secret, salt)) {
            return Lookup::Hit(key.clone());
        }
        let now = Instant::now();
        let elapsed = now.saturating_duration_since(state.refilled).min(Duration::from_secs(1));
        let rate = f64::from(DERIVATIONS_PER_SECOND);
        state.tokens = (state.tokens + elapsed.as_secs_f64() * rate).min(rate);
        state.refilled = now;
        if state.tokens >= 1.0 {
            state.tokens -= 1.0;
            Lookup::Derive
        } else {
            Lookup::Busy
        }
    }

    /// Remembers a key that opened a seal (keys that opened nothing are not kept, so random
    /// salts cannot evict real sessions' keys).
    pub fn insert(&self, secret: usize, salt: [u8; SALT_BYTES], key: Zeroizing<[u8; 32]>) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        if state.keys.insert((secret, salt), key).is_none() {
            state.order.push_back((secret, salt));
            while state.order.len() > KEY_CACHE_ENTRIES {
                if let Some(oldest) = state.order.pop_front() {
                    state.keys.remove(&oldest);
                }
            }
        }
    }

    /// How many keys are cached.
    pub fn cached(&self) -> usize {
        self.state.lock().map(|s| s.keys.len()).unwrap_or(0)
    }
}

impl Default for KeyCache {
    fn default() -> Self {
        KeyCache::new()
    }
}

impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyCache").field("keys", &self.cached()).finish_non_exhaustive()
    }
}
