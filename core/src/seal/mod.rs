//! Sealed cookies: the two formats the WorkOS SDKs write, and the secrets that open them.
//!
//! * [`iron`]: `Fe26.2*…~2`, written by @workos-inc/node, authkit-nextjs and iron-session.
//! * [`fernet`]: `gAAAAA…`, written by workos-python.
//!
//! [`unseal`] tells them apart by prefix and tries every configured secret (rotation);
//! [`seal`] writes either format with the first secret, byte-compatible with the SDKs.

pub mod fernet;
pub mod iron;

use std::fmt;
use std::time::SystemTime;

use serde_json::Value;
use zeroize::Zeroizing;

use crate::error::{Error, FailureDetail};

/// Which SDK format a cookie is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SealFormat {
    /// iron `Fe26.2` (@workos-inc/node, authkit-nextjs, iron-session). Payload in camelCase.
    Iron,
    /// Fernet (workos-python). Payload in snake_case.
    Fernet,
}

impl SealFormat {
    /// `"iron"` or `"fernet"`.
    pub fn as_str(self) -> &'static str {
        match self {
            SealFormat::Iron => "iron",
            SealFormat::Fernet => "fernet",
        }
    }

    /// Parses `"iron"` or `"fernet"`.
    pub fn parse(name: &str) -> Option<SealFormat> {
        match name {
            "iron" => Some(SealFormat::Iron),
            "fernet" => Some(SealFormat::Fernet),
            _ => None,
        }
    }

    /// Detects the format of a cookie: iron seals start with `Fe26.`, anything else is
    /// treated as Fernet (which then fails on its own checks if it is not one).
    pub fn detect(cookie: &str) -> SealFormat {
        if cookie.starts_with("Fe26.") { SealFormat::Iron } else { SealFormat::Fernet }
    }
}

impl fmt::Display for SealFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One cookie secret, usable for iron, Fernet, or both.
///
/// A string of at least 32 UTF-16 code units is an iron password; a string that is the
/// url-safe base64 of exactly 32 bytes is a Fernet key (a 44-character Fernet key is both).
pub struct CookieSecret {
    iron_password: Option<Zeroizing<String>>,
    fernet_key: Option<fernet::FernetKey>,
}

impl CookieSecret {
    /// Classifies one secret. A secret usable for neither format is a configuration error.
    pub fn new(secret: &str) -> Result<CookieSecret, Error> {
        if secret.is_empty() {
            return Err(Error::Configuration("a cookie password is empty".into()));
        }
        let iron_password = iron::is_valid_password(secret).then(|| Zeroizing::new(secret.to_owned()));
        let fernet_key = fernet::FernetKey::parse(secret);
        if iron_password.is_none() && fernet_key.is_none() {
            return Err(Error::Configuration(format!(
                "a cookie password of {} UTF-16 code units is neither an iron password (at least {} \
                 code units) nor a Fernet key (url-safe base64 of 32 bytes)",
                secret.encode_utf16().count(),
                iron::MIN_PASSWORD_LEN
            )));
        }
        Ok(CookieSecret { iron_password, fernet_key })
    }

    /// Whether this secret can seal and unseal `format`.
    pub fn supports(&self, format: SealFormat) -> bool {
        match format {
            SealFormat::Iron => self.iron_password.is_some(),
            SealFormat::Fernet => self.fernet_key.is_some(),
        }
    }
}

impl fmt::Debug for CookieSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CookieSecret")
            .field("iron", &self.iron_password.is_some())
            .field("fernet", &self.fernet_key.is_some())
            .finish_non_exhaustive()
    }
}

/// The configured cookie secrets, in order: the first seals, every one is tried to unseal.
#[derive(Debug)]
pub struct Secrets {
    secrets: Vec<CookieSecret>,
}

impl Secrets {
    /// Builds the set. Fails when the list is empty or any secret is unusable.
    pub fn new<I, S>(secrets: I) -> Result<Secrets, Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let secrets = secrets
            .into_iter()
            .map(|s| CookieSecret::new(s.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        if secrets.is_empty() {
            return Err(Error::Configuration("at least one cookie password is required".into()));
        }
        Ok(Secrets { secrets })
    }

    /// The secret that seals: the first one.
    pub fn primary(&self) -> &CookieSecret {
        &self.secrets[0]
    }

    /// All secrets, first to last.
    pub fn iter(&self) -> impl Iterator<Item = &CookieSecret> {
        self.secrets.iter()
    }

    fn iron_passwords(&self) -> impl Iterator<Item = &str> {
        self.secrets.iter().filter_map(|s| s.iron_password.as_deref().map(String::as_str))
    }

    fn fernet_keys(&self) -> impl Iterator<Item = &fernet::FernetKey> {
        self.secrets.iter().filter_map(|s| s.fernet_key.as_ref())
    }
}

/// What a cookie held, once opened. Its `Debug` shows the format and the top-level keys only:
/// the data holds the access and refresh tokens.
#[derive(Clone, PartialEq)]
pub struct Unsealed {
    /// The format it was sealed in.
    pub format: SealFormat,
    /// The sealed JSON value (iron's version rules already applied).
    pub data: Value,
}

impl fmt::Debug for Unsealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<&str> = self.data.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
        f.debug_struct("Unsealed").field("format", &self.format).field("keys", &keys).finish_non_exhaustive()
    }
}

/// Opens a cookie of either format with any of the secrets. `now` matters only for iron
/// seals that carry an expiration.
pub fn unseal(cookie: &str, secrets: &Secrets, now: SystemTime) -> Result<Unsealed, FailureDetail> {
    let format = SealFormat::detect(cookie);
    let data = match format {
        SealFormat::Iron => iron::unseal(cookie, secrets.iron_passwords(), now)?,
        SealFormat::Fernet => fernet::unseal(cookie, secrets.fernet_keys())?,
    };
    Ok(Unsealed { format, data })
}

/// Seals a JSON value with the first secret, in `format`, as the SDKs do (iron: password id
/// `1`, no expiration; Fernet: the current time).
pub fn seal(data: &Value, secrets: &Secrets, format: SealFormat) -> Result<String, Error> {
    seal_with(data, secrets, format, &mut OsEntropy)
}

/// Seals any JSON value with the first of `cookie_passwords`, in `format`, as the SDK of that
/// format does (the module-level helper of the bindings; a gate's `seal_data` is the same).
pub fn seal_data<S: AsRef<str>>(data: &Value, cookie_passwords: &[S], format: SealFormat) -> Result<String, Error> {
    seal(data, &Secrets::new(cookie_passwords)?, format)
}

/// Opens a sealed value of either format with any of `cookie_passwords`, at `now` (which
/// matters only for iron seals with an expiration).
pub fn unseal_data_at<S: AsRef<str>>(sealed: &str, cookie_passwords: &[S], now: SystemTime) -> Result<Unsealed, Error> {
    unseal(sealed, &Secrets::new(cookie_passwords)?, now).map_err(Error::Unseal)
}

/// [`unseal_data_at`] now.
pub fn unseal_data<S: AsRef<str>>(sealed: &str, cookie_passwords: &[S]) -> Result<Unsealed, Error> {
    unseal_data_at(sealed, cookie_passwords, SystemTime::now())
}

/// The narrow seam through which tests pin salts, IVs and time to reproduce known answers.
pub(crate) trait Entropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), Error>;
    fn unix_seconds(&mut self) -> u64;
}

struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), Error> {
        getrandom::fill(buf).map_err(|e| Error::Internal(format!("no randomness from the OS: {e}")))
    }

    fn unix_seconds(&mut self) -> u64 {
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }
}

pub(crate) fn seal_with(
    data: &Value,
    secrets: &Secrets,
    format: SealFormat,
    entropy: &mut dyn Entropy,
) -> Result<String, Error> {
    let primary = secrets.primary();
    match format {
        SealFormat::Iron => {
            let password = primary.iron_password.as_deref().ok_or_else(|| {
                Error::Configuration(
                    "the first cookie password is shorter than 32 characters: it cannot seal iron".into(),
                )
            })?;
            let plaintext = serde_json::to_vec(data).map_err(|e| Error::Seal(e.to_string()))?;
            iron::seal(&plaintext, password, entropy)
        }
        SealFormat::Fernet => {
            let key = primary.fernet_key.as_ref().ok_or_else(|| {
                Error::Configuration("the first cookie password is not a Fernet key: it cannot seal Fernet".into())
            })?;
            let plaintext = crate::util::json::to_python_json(data);
            fernet::seal(plaintext.as_bytes(), key, entropy)
        }
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::Entropy;
    use crate::error::Error;

    /// Hands out fixed bytes in order, and a fixed time.
    pub struct FixedEntropy {
        pub chunks: Vec<Vec<u8>>,
        pub time: u64,
    }

    impl Entropy for FixedEntropy {
        fn fill(&mut self, buf: &mut [u8]) -> Result<(), Error> {
            let chunk = self.chunks.remove(0);
            buf.copy_from_slice(&chunk);
            Ok(())
        }

        fn unix_seconds(&mut self) -> u64 {
            self.time
        }
    }

    pub fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    pub fn peer_vectors(file: &str) -> serde_json::Value {
        let path = format!("{}/../tests/vectors/peers/{file}", env!("CARGO_MANIFEST_DIR"));
        // The node file holds a lone surrogate escape, on purpose.
        crate::util::json::parse_lenient(&std::fs::read_to_string(path).unwrap()).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_classify_by_format() {
        let fernet_key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        let s = CookieSecret::new(fernet_key).unwrap();
        assert!(s.supports(SealFormat::Fernet) && s.supports(SealFormat::Iron));
        let s = CookieSecret::new("peer-harness-cookie-password-0123456789").unwrap();
        assert!(s.supports(SealFormat::Iron) && !s.supports(SealFormat::Fernet));
        let err = CookieSecret::new("short-password").unwrap_err();
        assert_eq!(err.code(), "configuration_error");
        assert!(!err.to_string().contains("short-password"), "secret leaked: {err}");
        assert!(Secrets::new(Vec::<String>::new()).is_err());
        assert!(Secrets::new([""]).is_err());
    }

    #[test]
    fn debug_never_shows_secrets() {
        let secrets = Secrets::new(["peer-harness-cookie-password-0123456789"]).unwrap();
        let shown = format!("{secrets:?}");
        assert!(!shown.contains("peer-harness"), "{shown}");
    }

    #[test]
    fn detect_by_prefix() {
        assert_eq!(SealFormat::detect("Fe26.2*1*"), SealFormat::Iron);
        assert_eq!(SealFormat::detect("gAAAAAB"), SealFormat::Fernet);
        assert_eq!(SealFormat::detect(""), SealFormat::Fernet);
    }

    #[test]
    fn unsealed_debug_hides_the_tokens() {
        let unsealed = Unsealed {
            format: SealFormat::Iron,
            data: serde_json::json!({"accessToken": "eyJSECRET", "refreshToken": "refresh_SECRET", "user": {"id": "u"}}),
        };
        let shown = format!("{unsealed:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(shown.contains("accessToken") && shown.contains("Iron"), "{shown}");
    }

    #[test]
    fn strict_base64_rejects_quirks() {
        use crate::util::b64;
        assert_eq!(b64::decode_url_nopad("AQID").unwrap(), vec![1, 2, 3]);
        assert!(b64::decode_url_nopad("AQ+D").is_err(), "standard alphabet");
        assert!(b64::decode_url_nopad("AQI D").is_err(), "whitespace");
        assert!(b64::decode_url_nopad("AR").is_err(), "non-zero trailing bits");
        assert!(b64::decode_url_nopad("AQ==").is_err(), "padding in an unpadded field");
        assert!(b64::decode_url_padded("AQ").is_err(), "padding required");
        assert!(b64::decode_url_padded("AQ==junk").is_err(), "junk after padding");
    }
}
