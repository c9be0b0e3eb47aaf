//! Sealed cookies: every format the WorkOS SDKs write, and the secrets that open them.
//!
//! | format | written by | module |
//! |---|---|---|
//! | `iron` | workos-node, authkit-nextjs, authkit-session, workos-kotlin (no `~2`) | [`iron`] |
//! | `fernet` | workos-python | [`fernet`] |
//! | `ruby`, `ruby-legacy`, `go` | workos-ruby ≥ 7, 5.7–6.2, workos-go | [`gcm`] |
//! | `php` | workos-php 5–9 | [`php`] |
//! | `php-halite` | workos-php 4.30–4.32 | [`halite`] |
//! | `dotnet` | workos-dotnet (opt-in) | [`dotnet`] |
//! | `react-router` | authkit-react-router, authkit-remix | [`react_router`] |
//!
//! [`unseal`] decodes a URI-encoded value once, tells the formats apart by shape (prefix,
//! suffix, separators), and tries every configured secret (rotation); the layouts that cannot
//! be told apart (`ruby`, `ruby-legacy`, `go`, `php`: all standard base64 of binary) are
//! opened by trial decryption, which their tags make safe. [`seal`] writes any format with
//! the first secret, byte for byte as the SDK would.

pub mod dotnet;
pub mod fernet;
pub mod gcm;
pub mod halite;
pub mod iron;
mod json_out;
pub mod payload;
pub mod php;
pub mod react_router;
pub mod text;

use std::fmt;
use std::time::SystemTime;

use serde_json::Value;
use zeroize::Zeroizing;

use crate::error::{Error, FailureDetail};
use crate::util::b64;

/// Which SDK format a cookie is in. The names are the same in every language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SealFormat {
    /// iron `Fe26.2` (@workos-inc/node, authkit-nextjs, authkit-session, workos-kotlin). camelCase.
    Iron,
    /// Fernet (workos-python). snake_case.
    Fernet,
    /// AES-256-GCM with a version byte (workos-ruby ≥ 7). snake_case.
    Ruby,
    /// AES-256-GCM, raw 32-byte key, line-wrapped base64 (workos-ruby 5.7–6.2). snake_case.
    RubyLegacy,
    /// AES-256-GCM, hex or SHA-256 key (workos-go ≥ 7). snake_case.
    Go,
    /// libsodium secretbox (workos-php 5–9). snake_case.
    Php,
    /// Halite v4 with an `expires_at` (workos-php 4.30–4.32). snake_case.
    PhpHalite,
    /// AES-256-GCM with PBKDF2-SHA256 ×100 000 and `~2` (workos-dotnet ≥ 3). Opt-in. snake_case.
    Dotnet,
    /// iron inside React Router's signed cookie session (authkit-react-router, authkit-remix). camelCase.
    ReactRouter,
}

impl SealFormat {
    /// Every format, in the order of the table.
    pub const ALL: [SealFormat; 9] = [
        SealFormat::Iron,
        SealFormat::Fernet,
        SealFormat::Ruby,
        SealFormat::RubyLegacy,
        SealFormat::Go,
        SealFormat::Php,
        SealFormat::PhpHalite,
        SealFormat::Dotnet,
        SealFormat::ReactRouter,
    ];

    /// The formats a gate reads when `formats` is not given: every one whose cost per
    /// request is small (all but `dotnet`, whose PBKDF2 costs tens of milliseconds).
    pub const DEFAULT: [SealFormat; 8] = [
        SealFormat::Iron,
        SealFormat::Fernet,
        SealFormat::Ruby,
        SealFormat::RubyLegacy,
        SealFormat::Go,
        SealFormat::Php,
        SealFormat::PhpHalite,
        SealFormat::ReactRouter,
    ];

    /// The stable name: `iron`, `fernet`, `ruby`, `ruby-legacy`, `go`, `php`, `php-halite`,
    /// `dotnet`, `react-router`.
    pub fn as_str(self) -> &'static str {
        match self {
            SealFormat::Iron => "iron",
            SealFormat::Fernet => "fernet",
            SealFormat::Ruby => "ruby",
            SealFormat::RubyLegacy => "ruby-legacy",
            SealFormat::Go => "go",
            SealFormat::Php => "php",
            SealFormat::PhpHalite => "php-halite",
            SealFormat::Dotnet => "dotnet",
            SealFormat::ReactRouter => "react-router",
        }
    }

    /// Parses a stable name.
    pub fn parse(name: &str) -> Option<SealFormat> {
        SealFormat::ALL.into_iter().find(|f| f.as_str() == name)
    }

    /// Parses a stable name, or the configuration error every binding raises for it.
    pub fn from_name(name: &str) -> Result<SealFormat, Error> {
        SealFormat::parse(name).ok_or_else(|| {
            Error::Configuration(format!("unknown seal format {name:?}: use one of {}", names(&SealFormat::ALL)))
        })
    }

    /// Whether the SDK's payload keys are camelCase (`accessToken`) rather than snake_case.
    pub fn is_camel_case(self) -> bool {
        matches!(self, SealFormat::Iron | SealFormat::ReactRouter)
    }

    /// The format a cookie's shape names, without any key: `None` for the standard-base64
    /// binary layouts (`ruby`, `ruby-legacy`, `go`, `php`), which only trial decryption tells
    /// apart, and for what is no format at all.
    pub fn detect(cookie: &str) -> Option<SealFormat> {
        let cookie = text::uri_decode_once(cookie).ok()?;
        match Shape::of(&cookie) {
            Shape::Iron => Some(SealFormat::Iron),
            Shape::ReactRouter => Some(SealFormat::ReactRouter),
            Shape::Dotnet => Some(SealFormat::Dotnet),
            Shape::Fernet => Some(SealFormat::Fernet),
            Shape::Halite(_) => Some(SealFormat::PhpHalite),
            Shape::Binary => None,
        }
    }
}

impl fmt::Display for SealFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for SealFormat {
    type Err = Error;

    fn from_str(name: &str) -> Result<SealFormat, Error> {
        SealFormat::from_name(name)
    }
}

/// `iron, fernet, …` for messages.
fn names(formats: &[SealFormat]) -> String {
    formats.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", ")
}

/// A set of formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FormatSet(u16);

impl FormatSet {
    pub fn of(formats: &[SealFormat]) -> FormatSet {
        FormatSet(formats.iter().fold(0, |bits, f| bits | FormatSet::bit(*f)))
    }

    fn bit(format: SealFormat) -> u16 {
        1 << (format as u16)
    }

    pub fn contains(self, format: SealFormat) -> bool {
        self.0 & FormatSet::bit(format) != 0
    }

    fn insert(&mut self, format: SealFormat) {
        self.0 |= FormatSet::bit(format);
    }

    pub fn to_vec(self) -> Vec<SealFormat> {
        SealFormat::ALL.into_iter().filter(|f| self.contains(*f)).collect()
    }
}

/// The shortest secret that a format deriving its key from a password accepts, in bytes
/// (iron and react-router count UTF-16 code units instead, as JavaScript does).
pub const MIN_DERIVED_SECRET_BYTES: usize = 32;

/// How a gate reads secrets: which formats are enabled, and whether secrets shorter than 32
/// bytes may be derived into keys for the formats whose SDKs accept them (go, php-halite,
/// dotnet, and ruby 7.0–8.0.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretOptions {
    pub formats: FormatSet,
    pub allow_weak_secrets: bool,
}

impl Default for SecretOptions {
    fn default() -> Self {
        SecretOptions { formats: FormatSet::of(&SealFormat::DEFAULT), allow_weak_secrets: false }
    }
}

/// One cookie secret and every key it gives for the enabled formats, derived once, here.
pub struct CookieSecret {
    formats: FormatSet,
    /// iron and react-router (salted per seal, one PBKDF2 iteration: derived per request).
    iron_password: Option<Zeroizing<String>>,
    fernet_key: Option<fernet::FernetKey>,
    ruby_key: Option<gcm::GcmKey>,
    ruby_legacy_key: Option<gcm::GcmKey>,
    go_key: Option<gcm::GcmKey>,
    php_key: Option<php::PhpKey>,
    halite_key: Option<halite::HaliteKey>,
    /// dotnet salts per seal: keys are derived per salt and cached (see [`dotnet`]).
    dotnet_password: Option<Zeroizing<Vec<u8>>>,
}

impl CookieSecret {
    /// Derives every key `secret` gives for the enabled formats. A secret usable for none of
    /// them is a configuration error naming the formats it was tried for.
    pub fn new(secret: &str, options: SecretOptions) -> Result<CookieSecret, Error> {
        if secret.is_empty() {
            return Err(Error::Configuration("a cookie password is empty".into()));
        }
        let enabled = |f| options.formats.contains(f);
        let long = secret.len() >= MIN_DERIVED_SECRET_BYTES || options.allow_weak_secrets;
        let iron_ok = iron::is_valid_password(secret);
        let mut s = CookieSecret {
            formats: FormatSet::default(),
            iron_password: ((enabled(SealFormat::Iron) || enabled(SealFormat::ReactRouter)) && iron_ok)
                .then(|| Zeroizing::new(secret.to_owned())),
            fernet_key: enabled(SealFormat::Fernet).then(|| fernet::FernetKey::parse(secret)).flatten(),
            ruby_key: (enabled(SealFormat::Ruby) && long).then(|| gcm::GcmKey::sha256(secret)),
            ruby_legacy_key: enabled(SealFormat::RubyLegacy).then(|| gcm::GcmKey::from_bytes(secret.as_bytes())).flatten(),
            go_key: (enabled(SealFormat::Go) && long).then(|| gcm::GcmKey::go(secret)),
            php_key: enabled(SealFormat::Php).then(|| php::PhpKey::parse(secret)).flatten(),
            halite_key: (enabled(SealFormat::PhpHalite) && long).then(|| halite::HaliteKey::derive(secret)),
            dotnet_password: (enabled(SealFormat::Dotnet) && long).then(|| Zeroizing::new(secret.as_bytes().to_vec())),
        };
        for (format, has) in [
            (SealFormat::Iron, s.iron_password.is_some() && enabled(SealFormat::Iron)),
            (SealFormat::ReactRouter, s.iron_password.is_some() && enabled(SealFormat::ReactRouter)),
            (SealFormat::Fernet, s.fernet_key.is_some()),
            (SealFormat::Ruby, s.ruby_key.is_some()),
            (SealFormat::RubyLegacy, s.ruby_legacy_key.is_some()),
            (SealFormat::Go, s.go_key.is_some()),
            (SealFormat::Php, s.php_key.is_some()),
            (SealFormat::PhpHalite, s.halite_key.is_some()),
            (SealFormat::Dotnet, s.dotnet_password.is_some()),
        ] {
            if has {
                s.formats.insert(format);
            }
        }
        if s.formats == FormatSet::default() {
            return Err(Error::Configuration(format!(
                "a cookie password of {} bytes ({} UTF-16 code units) opens none of the enabled formats ({}): \
                 iron and react-router need at least {} characters, ruby, go, php-halite and dotnet at least {} bytes \
                 (unless allow_weak_secrets), ruby-legacy exactly 32 bytes, fernet and php the base64 of a 32-byte key",
                secret.len(),
                secret.encode_utf16().count(),
                names(&options.formats.to_vec()),
                iron::MIN_PASSWORD_LEN,
                MIN_DERIVED_SECRET_BYTES,
            )));
        }
        Ok(s)
    }

    /// Whether this secret can seal and unseal `format`.
    pub fn supports(&self, format: SealFormat) -> bool {
        self.formats.contains(format)
    }

    /// The formats this secret serves.
    pub fn formats(&self) -> Vec<SealFormat> {
        self.formats.to_vec()
    }
}

impl fmt::Debug for CookieSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CookieSecret").field("formats", &self.formats.to_vec()).finish_non_exhaustive()
    }
}

/// The configured cookie secrets, in order: the first seals, every one is tried to unseal.
#[derive(Debug)]
pub struct Secrets {
    secrets: Vec<CookieSecret>,
    enabled: FormatSet,
    dotnet_keys: dotnet::KeyCache,
}

impl Secrets {
    /// Builds the set for the default formats. Fails when the list is empty or any secret is
    /// unusable.
    pub fn new<I, S>(secrets: I) -> Result<Secrets, Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Secrets::with_options(secrets, SecretOptions::default())
    }

    /// Builds the set for the given formats and secret rule.
    pub fn with_options<I, S>(secrets: I, options: SecretOptions) -> Result<Secrets, Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        if options.formats == FormatSet::default() {
            return Err(Error::Configuration("formats: at least one seal format is required".into()));
        }
        let secrets =
            secrets.into_iter().map(|s| CookieSecret::new(s.as_ref(), options)).collect::<Result<Vec<_>, _>>()?;
        if secrets.is_empty() {
            return Err(Error::Configuration("at least one cookie password is required".into()));
        }
        Ok(Secrets { secrets, enabled: options.formats, dotnet_keys: dotnet::KeyCache::new() })
    }

    /// The secret that seals: the first one.
    pub fn primary(&self) -> &CookieSecret {
        &self.secrets[0]
    }

    /// All secrets, first to last.
    pub fn iter(&self) -> impl Iterator<Item = &CookieSecret> {
        self.secrets.iter()
    }

    /// The formats this set reads.
    pub fn formats(&self) -> Vec<SealFormat> {
        self.enabled.to_vec()
    }

    fn iron_passwords(&self, format: SealFormat) -> impl Iterator<Item = &str> {
        self.secrets
            .iter()
            .filter(move |s| s.supports(format))
            .filter_map(|s| s.iron_password.as_deref().map(String::as_str))
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
    /// The sealed JSON value (iron's version rules applied, Halite's envelope removed).
    pub data: Value,
}

impl fmt::Debug for Unsealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<&str> = self.data.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
        f.debug_struct("Unsealed").field("format", &self.format).field("keys", &keys).finish_non_exhaustive()
    }
}

/// Why a cookie did not open: refused (a failure detail), or not tried now because the
/// dotnet derivation budget is spent (a retryable error, never a log-out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnsealError {
    Refused(FailureDetail),
    Busy,
}

impl From<FailureDetail> for UnsealError {
    fn from(detail: FailureDetail) -> Self {
        UnsealError::Refused(detail)
    }
}

impl UnsealError {
    /// As the error a seal-level call returns.
    pub fn into_error(self) -> Error {
        match self {
            UnsealError::Refused(detail) => Error::Unseal(detail),
            UnsealError::Busy => Error::KeyDerivationBusy,
        }
    }
}

/// The shape of a (URI-decoded) cookie.
enum Shape {
    Iron,
    ReactRouter,
    Dotnet,
    Fernet,
    Halite(String),
    Binary,
}

impl Shape {
    fn of(cookie: &str) -> Shape {
        if cookie.starts_with("Fe26.") {
            Shape::Iron
        } else if cookie.starts_with(react_router::PREFIX) && cookie.contains('.') {
            Shape::ReactRouter
        } else if cookie.contains('~') {
            Shape::Dotnet
        } else if cookie.starts_with(fernet::PREFIX) {
            Shape::Fernet
        } else if cookie.starts_with(HALITE_OUTER_PREFIX)
            && let Some(inner) = halite::inner_text(cookie)
        {
            Shape::Halite(inner)
        } else {
            Shape::Binary
        }
    }
}

/// Standard base64 of Halite's `MUIEA…` text.
const HALITE_OUTER_PREFIX: &str = "TVVJRU";

/// Opens a cookie of any enabled format with any of the secrets, at `now` (which matters for
/// iron seals with an expiration and Halite's `expires_at`).
pub fn unseal(cookie: &str, secrets: &Secrets, now: SystemTime) -> Result<Unsealed, UnsealError> {
    let cookie = text::uri_decode_once(cookie)?;
    let need = |format: SealFormat| {
        if secrets.enabled.contains(format) { Ok(format) } else { Err(FailureDetail::FormatNotEnabled) }
    };
    let (format, data) = match Shape::of(&cookie) {
        Shape::Iron => (need(SealFormat::Iron)?, iron::unseal(&cookie, secrets.iron_passwords(SealFormat::Iron), now)?),
        Shape::ReactRouter => (need(SealFormat::ReactRouter)?, unseal_react_router(&cookie, secrets, now)?),
        Shape::Fernet => (need(SealFormat::Fernet)?, fernet::unseal(&cookie, secrets.fernet_keys())?),
        Shape::Halite(inner) => (need(SealFormat::PhpHalite)?, unseal_halite(&halite::decode(&inner)?, secrets, now)?),
        Shape::Dotnet => (need(SealFormat::Dotnet)?, unseal_dotnet(&cookie, secrets)?),
        Shape::Binary => unseal_binary(&cookie, secrets)?,
    };
    Ok(Unsealed { format, data })
}

fn unseal_react_router(cookie: &str, secrets: &Secrets, now: SystemTime) -> Result<Value, FailureDetail> {
    let (value, sig) = react_router::split(cookie)?;
    let mut passwords = secrets.iron_passwords(SealFormat::ReactRouter).peekable();
    if passwords.peek().is_none() {
        return Err(FailureDetail::NoKeyForFormat);
    }
    if !passwords.any(|password| react_router::verify(value, &sig, password)) {
        return Err(FailureDetail::MacMismatch);
    }
    let inner = react_router::inner_seal(value)?;
    if !inner.starts_with("Fe26.") {
        return Err(FailureDetail::MalformedSeal);
    }
    iron::unseal(&inner, secrets.iron_passwords(SealFormat::ReactRouter), now)
}

/// The JSON of an AEAD plaintext: strict UTF-8 (every SDK writes it), then lenient JSON.
fn plaintext_json(plaintext: &[u8]) -> Result<Value, FailureDetail> {
    let text = std::str::from_utf8(plaintext).map_err(|_| FailureDetail::PayloadNotJson)?;
    crate::util::json::parse_lenient(text).ok_or(FailureDetail::PayloadNotJson)
}

fn unseal_halite(raw: &[u8], secrets: &Secrets, now: SystemTime) -> Result<Value, FailureDetail> {
    let mut any_key = false;
    let plaintext = secrets
        .secrets
        .iter()
        .filter_map(|s| s.halite_key.as_ref())
        .inspect(|_| any_key = true)
        .find_map(|key| halite::open(raw, key));
    let Some(plaintext) = plaintext else {
        return Err(if any_key { FailureDetail::MacMismatch } else { FailureDetail::NoKeyForFormat });
    };
    halite::payload_data(plaintext_json(&plaintext)?, crate::util::time::unix_seconds(now))
}

fn unseal_dotnet(cookie: &str, secrets: &Secrets) -> Result<Value, UnsealError> {
    let raw = dotnet::decode(cookie)?;
    let mut salt = [0u8; dotnet::SALT_BYTES];
    salt.copy_from_slice(&raw[..dotnet::SALT_BYTES]);
    let mut any_key = false;
    for (index, secret) in secrets.secrets.iter().enumerate() {
        let Some(password) = secret.dotnet_password.as_ref() else { continue };
        any_key = true;
        let key = match secrets.dotnet_keys.lookup(index, salt) {
            dotnet::Lookup::Hit(key) => key,
            dotnet::Lookup::Derive => dotnet::derive(password, &salt),
            dotnet::Lookup::Busy => return Err(UnsealError::Busy),
        };
        if let Some(plaintext) = dotnet::open(&raw, &key) {
            secrets.dotnet_keys.insert(index, salt, key);
            return Ok(plaintext_json(&plaintext)?);
        }
    }
    Err(if any_key { FailureDetail::MacMismatch } else { FailureDetail::NoKeyForFormat }.into())
}

/// `ruby`, `ruby-legacy`, `go`, `php`: standard base64 of binary, told apart by trying keys.
fn unseal_binary(cookie: &str, secrets: &Secrets) -> Result<(SealFormat, Value), FailureDetail> {
    let raw = match text::decode_std_or_ruby_lines(cookie) {
        Ok(raw) => raw,
        // Not standard base64: url-safe base64 of nothing we know is malformed, anything else
        // bad base64 (as for Fernet before more formats were read).
        Err(detail) => return Err(if b64::decode_url_padded(cookie).is_ok() { FailureDetail::MalformedSeal } else { detail }),
    };
    let shapes = [
        (SealFormat::Ruby, gcm::looks_like_ruby(&raw)),
        (SealFormat::RubyLegacy, raw.len() >= gcm::SHARED_MIN_BYTES),
        (SealFormat::Go, raw.len() >= gcm::SHARED_MIN_BYTES),
        (SealFormat::Php, raw.len() >= php::MIN_BYTES),
    ];
    if !shapes.iter().any(|(_, fits)| *fits) {
        return Err(FailureDetail::MalformedSeal);
    }
    if !shapes.iter().any(|(format, fits)| *fits && secrets.enabled.contains(*format)) {
        return Err(FailureDetail::FormatNotEnabled);
    }
    let mut any_key = false;
    // `open` answers None when the secret has no key for the format, else the trial's result.
    type Trial<'a> = &'a dyn Fn(&CookieSecret) -> Option<Option<Zeroizing<Vec<u8>>>>;
    let mut attempt = |format: SealFormat, open: Trial| {
        secrets.secrets.iter().find_map(|secret| {
            let opened = open(secret)?;
            any_key = true;
            opened.map(|plaintext| (format, plaintext))
        })
    };
    let [ruby, shared, _, php_fits] = shapes.map(|(_, fits)| fits);
    let opened = None
        .or_else(|| if ruby { attempt(SealFormat::Ruby, &|s| s.ruby_key.as_ref().map(|k| gcm::open_ruby(&raw, k))) } else { None })
        .or_else(|| {
            if shared {
                attempt(SealFormat::RubyLegacy, &|s| s.ruby_legacy_key.as_ref().map(|k| gcm::open_shared(&raw, k)))
            } else {
                None
            }
        })
        .or_else(|| if shared { attempt(SealFormat::Go, &|s| s.go_key.as_ref().map(|k| gcm::open_shared(&raw, k))) } else { None })
        .or_else(|| if php_fits { attempt(SealFormat::Php, &|s| s.php_key.as_ref().map(|k| php::open(&raw, k))) } else { None });
    match opened {
        Some((format, plaintext)) => Ok((format, plaintext_json(&plaintext)?)),
        None if any_key => Err(FailureDetail::MacMismatch),
        None => Err(FailureDetail::NoKeyForFormat),
    }
}

/// Seals a JSON value with the first secret, in `format`, as that format's SDK does.
pub fn seal(data: &Value, secrets: &Secrets, format: SealFormat) -> Result<String, Error> {
    seal_with(data, secrets, format, &mut OsEntropy { now: None })
}

/// [`seal`] at `now` (the time Fernet stamps and php-halite's `expires_at` counts from).
pub fn seal_at(data: &Value, secrets: &Secrets, format: SealFormat, now: SystemTime) -> Result<String, Error> {
    let seconds = now.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    seal_with(data, secrets, format, &mut OsEntropy { now: Some(seconds) })
}

/// Seals any JSON value with the first of `cookie_passwords`, in `format`, as the SDK of that
/// format does (the module-level helper of the bindings; a gate's `seal_data` is the same).
pub fn seal_data<S: AsRef<str>>(data: &Value, cookie_passwords: &[S], format: SealFormat) -> Result<String, Error> {
    let options = SecretOptions { formats: FormatSet::of(&[format]), allow_weak_secrets: false };
    seal(data, &Secrets::with_options(cookie_passwords, options)?, format)
}

/// Opens a sealed value of any default format with any of `cookie_passwords`, at `now`.
pub fn unseal_data_at<S: AsRef<str>>(sealed: &str, cookie_passwords: &[S], now: SystemTime) -> Result<Unsealed, Error> {
    unseal(sealed, &Secrets::new(cookie_passwords)?, now).map_err(UnsealError::into_error)
}

/// [`unseal_data_at`] now.
pub fn unseal_data<S: AsRef<str>>(sealed: &str, cookie_passwords: &[S]) -> Result<Unsealed, Error> {
    unseal_data_at(sealed, cookie_passwords, SystemTime::now())
}

/// The narrow seam through which tests pin salts, IVs, nonces and time to reproduce known
/// answers. Draw order per format: iron and react-router: encryption salt (32), IV (16), MAC
/// salt (32); fernet: IV (16) and the time; ruby, ruby-legacy, go: nonce (12); php: nonce
/// (24); php-halite: nonce (24), salt (32) and the time; dotnet: salt (16), nonce (12).
pub trait Entropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), Error>;
    fn unix_seconds(&mut self) -> u64;
}

/// The OS's randomness, and the clock (or a given time).
struct OsEntropy {
    now: Option<u64>,
}

impl Entropy for OsEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), Error> {
        getrandom::fill(buf).map_err(|e| Error::Internal(format!("no randomness from the OS: {e}")))
    }

    fn unix_seconds(&mut self) -> u64 {
        self.now.unwrap_or_else(|| {
            SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
        })
    }
}

/// Fixed bytes handed out in order, and a fixed time: for known-answer tests (hidden API).
#[derive(Debug, Clone, Default)]
pub struct FixedEntropy {
    pub chunks: Vec<Vec<u8>>,
    pub time: u64,
}

impl Entropy for FixedEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), Error> {
        if self.chunks.is_empty() || self.chunks[0].len() != buf.len() {
            return Err(Error::Internal(format!("fixed entropy: no chunk of {} bytes next", buf.len())));
        }
        buf.copy_from_slice(&self.chunks.remove(0));
        Ok(())
    }

    fn unix_seconds(&mut self) -> u64 {
        self.time
    }
}

fn cannot_seal(format: SealFormat) -> Error {
    Error::Configuration(format!(
        "the first cookie password cannot seal {format} (too short or not a key of that format, or {format} is not in `formats`)"
    ))
}

pub fn seal_with(data: &Value, secrets: &Secrets, format: SealFormat, entropy: &mut dyn Entropy) -> Result<String, Error> {
    let primary = secrets.primary();
    if !primary.supports(format) {
        return Err(cannot_seal(format));
    }
    let missing = || cannot_seal(format);
    match format {
        SealFormat::Iron => iron::seal(&json_out::compact(data), primary.iron_password.as_deref().ok_or_else(missing)?, entropy),
        SealFormat::ReactRouter => {
            let password = primary.iron_password.as_deref().ok_or_else(missing)?;
            Ok(react_router::wrap(&iron::seal(&json_out::compact(data), password, entropy)?, password))
        }
        SealFormat::Fernet => {
            let key = primary.fernet_key.as_ref().ok_or_else(missing)?;
            fernet::seal(crate::util::json::to_python_json(data).as_bytes(), key, entropy)
        }
        SealFormat::Ruby => gcm::seal_ruby(&json_out::compact(data), primary.ruby_key.as_ref().ok_or_else(missing)?, entropy),
        SealFormat::RubyLegacy => {
            gcm::seal_ruby_legacy(&json_out::compact(data), primary.ruby_legacy_key.as_ref().ok_or_else(missing)?, entropy)
        }
        SealFormat::Go => gcm::seal_go(&json_out::go(data), primary.go_key.as_ref().ok_or_else(missing)?, entropy),
        SealFormat::Php => php::seal(&json_out::php(data), primary.php_key.as_ref().ok_or_else(missing)?, entropy),
        SealFormat::PhpHalite => {
            let key = primary.halite_key.as_ref().ok_or_else(missing)?;
            let payload = halite::payload(data, entropy.unix_seconds(), halite::DEFAULT_TTL_SECONDS);
            halite::seal(&json_out::php(&payload), key, entropy)
        }
        SealFormat::Dotnet => {
            dotnet::seal(&json_out::compact(data), primary.dotnet_password.as_deref().ok_or_else(missing)?, entropy)
        }
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    pub use super::FixedEntropy;

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
        let all = SecretOptions { formats: FormatSet::of(&SealFormat::ALL), allow_weak_secrets: false };
        let fernet_key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        let s = CookieSecret::new(fernet_key, all).unwrap();
        assert!(s.supports(SealFormat::Fernet) && s.supports(SealFormat::Iron) && s.supports(SealFormat::Php));
        assert!(!s.supports(SealFormat::RubyLegacy), "44 bytes is no raw 32-byte key");
        let s = CookieSecret::new("peer-harness-cookie-password-0123456789", all).unwrap();
        assert!(s.supports(SealFormat::Iron) && !s.supports(SealFormat::Fernet) && s.supports(SealFormat::Dotnet));
        let s = CookieSecret::new("0123456789abcdef0123456789abcdef", all).unwrap();
        assert!(s.supports(SealFormat::RubyLegacy) && s.supports(SealFormat::Ruby) && !s.supports(SealFormat::Php));
        let err = CookieSecret::new("short-password", all).unwrap_err();
        assert_eq!(err.code(), "configuration_error");
        assert!(err.to_string().contains("opens none of the enabled formats (iron, fernet, ruby"), "{err}");
        assert!(!err.to_string().contains("short-password"), "secret leaked: {err}");
        // The SDKs of go, php-halite and dotnet take short passwords: opt-in only.
        let weak = SecretOptions { allow_weak_secrets: true, ..all };
        let s = CookieSecret::new("short-password", weak).unwrap();
        assert_eq!(s.formats(), [SealFormat::Ruby, SealFormat::Go, SealFormat::PhpHalite, SealFormat::Dotnet]);
        let only_fernet = SecretOptions { formats: FormatSet::of(&[SealFormat::Fernet]), allow_weak_secrets: false };
        let err = CookieSecret::new("peer-harness-cookie-password-0123456789", only_fernet).unwrap_err();
        assert!(err.to_string().contains("enabled formats (fernet)"), "{err}");
        assert!(Secrets::new(Vec::<String>::new()).is_err());
        assert!(Secrets::new([""]).is_err());
        assert!(Secrets::with_options([fernet_key], SecretOptions { formats: FormatSet::default(), allow_weak_secrets: false }).is_err());
    }

    #[test]
    fn format_names_are_stable() {
        let names: Vec<&str> = SealFormat::ALL.iter().map(|f| f.as_str()).collect();
        assert_eq!(names, ["iron", "fernet", "ruby", "ruby-legacy", "go", "php", "php-halite", "dotnet", "react-router"]);
        for f in SealFormat::ALL {
            assert_eq!(SealFormat::parse(f.as_str()), Some(f));
        }
        assert!(!SealFormat::DEFAULT.contains(&SealFormat::Dotnet));
        assert!(SealFormat::from_name("Iron").unwrap_err().to_string().contains("unknown seal format"));
    }

    #[test]
    fn debug_never_shows_secrets() {
        let secrets = Secrets::new(["peer-harness-cookie-password-0123456789"]).unwrap();
        let shown = format!("{secrets:?}");
        assert!(!shown.contains("peer-harness"), "{shown}");
    }

    #[test]
    fn detect_by_shape() {
        assert_eq!(SealFormat::detect("Fe26.2*1*"), Some(SealFormat::Iron));
        assert_eq!(SealFormat::detect("gAAAAAB"), Some(SealFormat::Fernet));
        assert_eq!(SealFormat::detect("eyJqd3QiOiJ9.c2ln"), Some(SealFormat::ReactRouter));
        assert_eq!(SealFormat::detect("eyJqd3QiOiJ9%3D.c2ln"), Some(SealFormat::ReactRouter));
        assert_eq!(SealFormat::detect("AAAA~2"), Some(SealFormat::Dotnet));
        assert_eq!(SealFormat::detect("AQABAgME"), None);
        assert_eq!(SealFormat::detect(""), None);
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
