//! The gate: `authenticate`, bearer and ID tokens, and sealing sessions the SDKs can read.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde_json::{Map, Value};

use zeroize::Zeroize;

use crate::audit::AuditSink;
use crate::config::{Config, JwksSource};
use crate::error::{Error, Failure, FailureDetail};
use crate::jwks::source::{self, KeyProvider, RemoteSource};
use crate::jwks::{JwksStatus, KeySet};
use crate::seal::{self, FormatSet, SealFormat, SecretOptions, Secrets, UnsealError, Unsealed};
use crate::token::{self, Claims, TokenRules, TokenVerification, VerifiedCache, VerifiedToken};
use crate::util::redact;
use crate::fleet::{CoordinatorStatus, RedisStore};
use crate::grant::GrantKeys;
use crate::workos::{self, InProcessStore, REMEMBERED_REFRESHES, RefreshSupport, WorkosApi};

/// An authenticated session: the sealed fields, and the verified access token's claims with
/// the peers' named claims (plus `amr`, `acr`, `auth_time`) read from them on demand, so a
/// call that does not ask for a claim does not copy it.
#[derive(Clone, PartialEq)]
pub struct Session {
    /// The format the cookie was sealed in.
    pub format: SealFormat,
    /// The sealed user object, verbatim (trusted: it is inside the MAC).
    pub user: Option<Value>,
    /// The sealed impersonator object, verbatim.
    pub impersonator: Option<Value>,
    /// The sealed authentication method (`Password`, `GoogleOAuth`…).
    pub authentication_method: Option<String>,
    /// The verified access token.
    pub access_token: String,
    /// The sealed refresh token. Never printed by `Debug`.
    pub refresh_token: Option<String>,
    /// Every claim of the verified access token (shared with the verified-token cache).
    pub claims: Arc<Claims>,
}

impl Session {
    /// `sid` (every session token has one: it is required).
    pub fn session_id(&self) -> &str {
        self.string("sid").unwrap_or_default()
    }

    /// `org_id`.
    pub fn organization_id(&self) -> Option<&str> {
        self.string("org_id")
    }

    /// `role`.
    pub fn role(&self) -> Option<&str> {
        self.string("role")
    }

    /// `roles`.
    pub fn roles(&self) -> Option<Vec<&str>> {
        self.list("roles")
    }

    /// `permissions`.
    pub fn permissions(&self) -> Option<Vec<&str>> {
        self.list("permissions")
    }

    /// `entitlements`.
    pub fn entitlements(&self) -> Option<Vec<&str>> {
        self.list("entitlements")
    }

    /// `feature_flags`.
    pub fn feature_flags(&self) -> Option<Vec<&str>> {
        self.list("feature_flags")
    }

    /// How the user authenticated this session (RFC 8176 values: `pwd`, `mfa`, `otp`…),
    /// normalized by [`normalize_amr`]; `None` when the token has no usable `amr`.
    pub fn amr(&self) -> Option<Vec<String>> {
        token::amr(&self.claims)
    }

    /// `acr`: the authentication context class.
    pub fn acr(&self) -> Option<&str> {
        self.string("acr")
    }

    /// `auth_time`: when the user authenticated, in seconds since the epoch.
    pub fn auth_time(&self) -> Option<i64> {
        token::auth_time(&self.claims)
    }

    /// The sealed user, typed (either naming).
    pub fn typed_user(&self) -> Option<User> {
        self.user.as_ref().map(User::from_sealed)
    }

    /// The sealed impersonator, typed.
    pub fn typed_impersonator(&self) -> Option<Impersonator> {
        self.impersonator.as_ref().map(Impersonator::from_sealed)
    }

    /// The session as every binding shows it (field names and order: [`SessionView::FIELDS`]).
    pub fn view(&self) -> SessionView<'_> {
        SessionView {
            session_id: self.session_id(),
            organization_id: self.organization_id(),
            role: self.role(),
            roles: self.roles(),
            permissions: self.permissions(),
            entitlements: self.entitlements(),
            feature_flags: self.feature_flags(),
            user: self.user.as_ref(),
            authentication_method: self.authentication_method.as_deref(),
            impersonator: self.impersonator.as_ref(),
            access_token: Some(&self.access_token),
            amr: self.amr(),
            acr: self.acr(),
            auth_time: self.auth_time(),
            claims: Some(&self.claims),
            format: self.format.as_str(),
        }
    }

    fn string(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    /// A list claim's string items (the claim rules refuse a token whose named list claims
    /// hold anything else).
    fn list(&self, name: &str) -> Option<Vec<&str>> {
        self.claims.get(name).and_then(Value::as_array).map(|items| items.iter().filter_map(Value::as_str).collect())
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("format", &self.format)
            .field("session_id", &self.session_id())
            .field("organization_id", &self.organization_id())
            .field("role", &self.role())
            .field("roles", &self.roles())
            .field("permissions", &self.permissions())
            .field("amr", &self.amr())
            .field("acr", &self.acr())
            .field("auth_time", &self.auth_time())
            .field("user_id", &self.user.as_ref().and_then(|u| u.get("id")))
            .field("access_token", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// The sealed WorkOS user, typed: the fields both SDK namings carry, read from the camelCase
/// (iron) or snake_case (Fernet) key, whichever the cookie has. The sealed object itself stays
/// in [`Session::user`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct User {
    /// `id`.
    pub id: Option<String>,
    /// `email`.
    pub email: Option<String>,
    /// `firstName` / `first_name`.
    pub first_name: Option<String>,
    /// `lastName` / `last_name`.
    pub last_name: Option<String>,
    /// `emailVerified` / `email_verified`.
    pub email_verified: Option<bool>,
    /// `profilePictureUrl` / `profile_picture_url`.
    pub profile_picture_url: Option<String>,
    /// `lastSignInAt` / `last_sign_in_at`.
    pub last_sign_in_at: Option<String>,
    /// `externalId` / `external_id`.
    pub external_id: Option<String>,
    /// `locale`.
    pub locale: Option<String>,
    /// `createdAt` / `created_at`.
    pub created_at: Option<String>,
    /// `updatedAt` / `updated_at`.
    pub updated_at: Option<String>,
}

/// The sealed impersonator, typed (`email`, `reason`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Impersonator {
    /// `email`.
    pub email: Option<String>,
    /// `reason`.
    pub reason: Option<String>,
}

/// A string field of a sealed object, under its camelCase or snake_case key.
fn text(value: &Value, camel: &str, snake: &str) -> Option<String> {
    [camel, snake].iter().find_map(|key| value.get(key).and_then(Value::as_str)).map(str::to_owned)
}

impl User {
    /// Reads a sealed user object in either naming.
    pub fn from_sealed(user: &Value) -> User {
        User {
            id: text(user, "id", "id"),
            email: text(user, "email", "email"),
            first_name: text(user, "firstName", "first_name"),
            last_name: text(user, "lastName", "last_name"),
            email_verified: ["emailVerified", "email_verified"].iter().find_map(|key| user.get(key).and_then(Value::as_bool)),
            profile_picture_url: text(user, "profilePictureUrl", "profile_picture_url"),
            last_sign_in_at: text(user, "lastSignInAt", "last_sign_in_at"),
            external_id: text(user, "externalId", "external_id"),
            locale: text(user, "locale", "locale"),
            created_at: text(user, "createdAt", "created_at"),
            updated_at: text(user, "updatedAt", "updated_at"),
        }
    }
}

impl Impersonator {
    /// Reads a sealed impersonator object.
    pub fn from_sealed(impersonator: &Value) -> Impersonator {
        Impersonator { email: text(impersonator, "email", "email"), reason: text(impersonator, "reason", "reason") }
    }
}

/// The one projection of a session that every binding shows: Python's attributes and
/// `to_dict`, Node's object (the same names in camelCase), Swift's record, and the vectors'
/// expected sessions. The order is @workos-inc/node's 11 session keys, then ours. Absent
/// values serialize as `null`; `access_token` and `claims` may be left out (`None`) by a
/// binding that hands them over separately. Its `Debug` shows no access token.
#[derive(Clone, PartialEq, Serialize)]
pub struct SessionView<'s> {
    /// `sid`.
    pub session_id: &'s str,
    /// `org_id`.
    pub organization_id: Option<&'s str>,
    /// `role`.
    pub role: Option<&'s str>,
    /// `roles`.
    pub roles: Option<Vec<&'s str>>,
    /// `permissions`.
    pub permissions: Option<Vec<&'s str>>,
    /// `entitlements`.
    pub entitlements: Option<Vec<&'s str>>,
    /// `feature_flags`.
    pub feature_flags: Option<Vec<&'s str>>,
    /// The sealed user, verbatim.
    pub user: Option<&'s Value>,
    /// The sealed authentication method.
    pub authentication_method: Option<&'s str>,
    /// The sealed impersonator, verbatim.
    pub impersonator: Option<&'s Value>,
    /// The verified access token (a bearer credential).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<&'s str>,
    /// `amr`, normalized.
    pub amr: Option<Vec<String>>,
    /// `acr`.
    pub acr: Option<&'s str>,
    /// `auth_time`, whole seconds since the epoch.
    pub auth_time: Option<i64>,
    /// Every verified claim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims: Option<&'s Claims>,
    /// The cookie's format (`iron`, `fernet`).
    pub format: &'static str,
}

impl fmt::Debug for SessionView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionView")
            .field("session_id", &self.session_id)
            .field("organization_id", &self.organization_id)
            .field("role", &self.role)
            .field("roles", &self.roles)
            .field("permissions", &self.permissions)
            .field("user_id", &self.user.and_then(|u| u.get("id")))
            .field("access_token", &self.access_token.map(|_| "<redacted>"))
            .field("amr", &self.amr)
            .field("acr", &self.acr)
            .field("auth_time", &self.auth_time)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

/// The view fields (of a [`SessionView`] or a [`crate::TokenView`]) a binding's display of a
/// result leaves out, as `Debug` does: the bearer token, and what repeats it or holds the
/// user's personal data (`claims`, `header`, `user`, `impersonator`). They stay readable as
/// fields; they are only never printed. Python's `repr` and Node's `inspect` read this list.
pub const NOT_DISPLAYED: [&str; 5] = ["access_token", "claims", "header", "user", "impersonator"];

/// The view fields a binding's mapping form of a result leaves out (what a web framework
/// serializes when a handler returns the result, e.g. Python's `dict(auth)`): the bearer
/// token and what repeats it. A response body carries them only when the app asks
/// (`to_dict()`), so no token reaches a browser by accident.
pub const NOT_SERVED: [&str; 3] = ["access_token", "claims", "header"];

impl SessionView<'_> {
    /// The field names, in order (snake_case; Node shows them in camelCase).
    pub const FIELDS: [&'static str; 16] = [
        "session_id",
        "organization_id",
        "role",
        "roles",
        "permissions",
        "entitlements",
        "feature_flags",
        "user",
        "authentication_method",
        "impersonator",
        "access_token",
        "amr",
        "acr",
        "auth_time",
        "claims",
        "format",
    ];

    /// The view as a JSON object (absent values as `null`).
    pub fn to_json(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            // A view of borrowed JSON always serializes to an object.
            _ => Map::new(),
        }
    }
}

/// The outcome of authenticating a cookie: never an error for bad input.
#[derive(Debug, Clone, PartialEq)]
pub enum Authentication {
    /// The cookie opened and its access token verified.
    Authenticated(Box<Session>),
    /// The cookie or its token was refused.
    Failed(Failure),
}

impl Authentication {
    /// Whether the session is authenticated.
    pub fn is_authenticated(&self) -> bool {
        matches!(self, Authentication::Authenticated(_))
    }

    /// The session, when authenticated.
    pub fn session(&self) -> Option<&Session> {
        match self {
            Authentication::Authenticated(session) => Some(session),
            Authentication::Failed(_) => None,
        }
    }

    /// The failure, when refused.
    pub fn failure(&self) -> Option<Failure> {
        match self {
            Authentication::Authenticated(_) => None,
            Authentication::Failed(failure) => Some(*failure),
        }
    }
}

impl From<FailureDetail> for Authentication {
    fn from(detail: FailureDetail) -> Self {
        Authentication::Failed(detail.into())
    }
}

/// What to seal into a session cookie (the SDKs' payload).
#[derive(Clone, Default, PartialEq)]
pub struct SessionData {
    /// The access token (a JWT).
    pub access_token: String,
    /// The refresh token.
    pub refresh_token: String,
    /// The user object (as the WorkOS API returns it).
    pub user: Value,
    /// The impersonator, if any.
    pub impersonator: Option<Value>,
    /// How the user authenticated (`Password`…), if known.
    pub authentication_method: Option<String>,
    /// The organization, if any.
    pub organization_id: Option<String>,
}

impl fmt::Debug for SessionData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionData")
            .field("access_token", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("user_id", &self.user.get("id"))
            .finish_non_exhaustive()
    }
}

impl SessionData {
    /// The JSON the SDK of `format` writes (its naming, key order and quirks: see
    /// `seal::payload::write`).
    pub fn to_payload(&self, format: SealFormat) -> Value {
        seal::payload::write(
            format,
            &self.access_token,
            &self.refresh_token,
            &self.user,
            self.impersonator.as_ref(),
            self.authentication_method.as_deref(),
            self.organization_id.as_deref(),
        )
    }
}

/// Opens WorkOS session cookies and verifies them. Cheap to share across threads.
pub struct SessionGate {
    pub(crate) client_id: String,
    pub(crate) secrets: Secrets,
    pub(crate) keys: Arc<KeyProvider>,
    pub(crate) rules: TokenRules,
    pub(crate) max_cookie_bytes: usize,
    pub(crate) cache: Option<VerifiedCache>,
    /// Refresh through the WorkOS API (`crate::refresh`).
    pub(crate) refresh: RefreshSupport,
    /// Step-up completion (`crate::mfa`): grant keys, grant lifetime, audit sink.
    pub(crate) step_up: StepUpSupport,
}

/// What step-up completion needs beside the API client.
#[derive(Debug)]
pub(crate) struct StepUpSupport {
    pub(crate) keys: GrantKeys,
    pub(crate) grant_ttl: Duration,
    pub(crate) audit: Option<AuditSink>,
}

/// Never a secret, a token or URL credentials: counts, names and redacted URLs.
impl fmt::Debug for SessionGate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionGate")
            .field("client_id", &self.client_id)
            .field("secrets", &self.secrets)
            .field("keys", &self.keys)
            .field("algorithms", &self.rules.algorithms)
            .field("issuers", &self.rules.issuers.iter().map(|i| redact::url(i)).collect::<Vec<_>>())
            .field("audiences", &self.rules.audiences)
            .field("leeway", &self.rules.leeway)
            .field("max_cookie_bytes", &self.max_cookie_bytes)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

impl SessionGate {
    /// Validates the configuration. Every configuration problem surfaces here, not later.
    /// A remote key source gets a key cache of its own; see [`SessionGate::shared`].
    pub fn new(config: Config) -> Result<SessionGate, Error> {
        SessionGate::build(config, source::remote)
    }

    /// [`SessionGate::new`], but a remote key source (`Url`, `Discovery`) uses the process-wide
    /// key cache for that source and its [`crate::JwksOptions`]: every gate built this way with
    /// the same source and options shares one cache, so a gate built per call (the bindings'
    /// one-shot `load_sealed_session` helpers) fetches the keys once per process, not once per
    /// call. The registry keeps the 32 most recent sources. Everything else (secrets, rules,
    /// the verified-token cache) stays per gate. A static key set is never shared.
    pub fn shared(config: Config) -> Result<SessionGate, Error> {
        SessionGate::build(config, source::shared)
    }

    fn build(
        mut config: Config,
        remote: fn(&RemoteSource, crate::jwks::JwksOptions) -> Result<Arc<KeyProvider>, Error>,
    ) -> Result<SessionGate, Error> {
        config.check()?;
        let options = SecretOptions { formats: FormatSet::of(&config.formats), allow_weak_secrets: config.allow_weak_secrets };
        let secrets = Secrets::with_options(&config.cookie_passwords, options);
        let grant_keys = GrantKeys::derive(&config.cookie_passwords);
        // The fleet coordinator derives its keys from the first password (after the checks).
        let first_password = zeroize::Zeroizing::new(config.cookie_passwords.first().cloned().unwrap_or_default());
        // The gate keeps its own zeroized copies; wipe the configuration's (I13).
        config.cookie_passwords.iter_mut().for_each(Zeroize::zeroize);
        let secrets = secrets?;
        let keys = match &config.jwks {
            JwksSource::Static(doc) => Arc::new(KeyProvider::Static(Arc::new(
                KeySet::from_json(doc.as_bytes()).map_err(|e| Error::Configuration(format!("static JWKS: {e}")))?,
            ))),
            JwksSource::Url(url) => remote(&RemoteSource::Url(url.clone()), config.jwks_options.clone())?,
            JwksSource::Discovery(issuer) => remote(&RemoteSource::Discovery(issuer.clone()), config.jwks_options.clone())?,
        };
        // F9: the keys of a discovered issuer are that issuer's: its tokens must name it,
        // exactly, unless the configuration lists the accepted issuers itself.
        let issuers = match &config.jwks {
            JwksSource::Discovery(issuer) if config.issuers.is_empty() => vec![issuer.clone()],
            _ => std::mem::take(&mut config.issuers),
        };
        let rules = TokenRules {
            algorithms: std::mem::take(&mut config.algorithms),
            issuers,
            audiences: std::mem::take(&mut config.audiences),
            leeway: config.leeway,
            require_exp: config.require_exp,
            require_sid: true,
        };
        let cache = (config.verified_token_cache > 0 && config.verified_token_cache_bytes > 0)
            .then(|| VerifiedCache::new(config.verified_token_cache, config.verified_token_cache_bytes));
        let refresh = RefreshSupport {
            api: config
                .api_key
                .as_deref()
                .map(|key| WorkosApi::new(&config.api_base_url, &config.client_id, key, config.refresh_timeout)),
            api_base: workos::api_base(&config.api_base_url).to_owned(),
            buffer: config.refresh_buffer,
            grace: config.refresh_grace,
            store: match &config.refresh_coordinator {
                Some(url) => {
                    Arc::new(RedisStore::new(url, config.refresh_coordinator_timeout, config.refresh_timeout, &first_password)?)
                }
                None => Arc::new(InProcessStore::new(REMEMBERED_REFRESHES)),
            },
        };
        config.refresh_coordinator.iter_mut().for_each(Zeroize::zeroize);
        config.api_key.iter_mut().for_each(Zeroize::zeroize);
        Ok(SessionGate {
            client_id: std::mem::take(&mut config.client_id),
            secrets,
            keys,
            rules,
            max_cookie_bytes: config.max_cookie_bytes,
            cache,
            refresh,
            step_up: StepUpSupport { keys: grant_keys, grant_ttl: config.step_up_grant_ttl, audit: config.audit.take() },
        })
    }

    /// The SDKs' call shape names the cookie password on every call
    /// (`load_sealed_session(session_data, cookie_password)`); a gate holds its passwords from
    /// the start. `Ok` when `password` is one of them, else a [`Error::Configuration`] that says
    /// where a new one goes (never which one was offered).
    pub fn check_cookie_password(&self, password: &str) -> Result<(), Error> {
        match self.step_up.keys.derived_from(password) {
            true => Ok(()),
            false => Err(Error::Configuration(
                "cookie_password is not one of this gate's cookie passwords: give every password the gate must open \
                 to its own cookie_password option (a list: the first seals, all open)"
                    .into(),
            )),
        }
    }

    /// Authenticates a sealed session cookie now.
    pub fn authenticate(&self, cookie: &str) -> Result<Authentication, Error> {
        self.authenticate_at(cookie, SystemTime::now())
    }

    /// Authenticates a sealed session cookie at `now`. `Err` only for an outage of the key
    /// source; every bad cookie or token is an [`Authentication::Failed`].
    pub fn authenticate_at(&self, cookie: &str, now: SystemTime) -> Result<Authentication, Error> {
        self.authenticate_with(cookie, now, |kid| self.keys.key_set_for(kid))
    }

    /// [`SessionGate::authenticate_at`] for a cookie handed over as bytes (a host string that
    /// may not be valid UTF-8, e.g. a Python `str` with lone surrogates encoded with
    /// `surrogatepass`). Empty and oversized cookies are refused first, without copying or
    /// decoding; bytes that are not UTF-8 are `malformed_seal` (no SDK seals anything but
    /// ASCII).
    pub fn authenticate_bytes_at(&self, cookie: &[u8], now: SystemTime) -> Result<Authentication, Error> {
        match self.cookie_text(cookie) {
            Ok(cookie) => self.authenticate_at(cookie, now),
            Err(detail) => Ok(detail.into()),
        }
    }

    /// [`SessionGate::authenticate_cached_at`] for a cookie handed over as bytes (see
    /// [`SessionGate::authenticate_bytes_at`]).
    pub fn authenticate_cached_bytes_at(&self, cookie: &[u8], now: SystemTime) -> Result<Authentication, Error> {
        match self.cookie_text(cookie) {
            Ok(cookie) => self.authenticate_cached_at(cookie, now),
            Err(detail) => Ok(detail.into()),
        }
    }

    pub(crate) fn cookie_text<'c>(&self, cookie: &'c [u8]) -> Result<&'c str, FailureDetail> {
        if cookie.is_empty() {
            return Err(FailureDetail::EmptyCookie);
        }
        if cookie.len() > self.max_cookie_bytes {
            return Err(FailureDetail::CookieTooLarge);
        }
        std::str::from_utf8(cookie).map_err(|_| FailureDetail::MalformedSeal)
    }

    /// Authenticates without the network and without waiting: [`Error::JwksNotCached`] when
    /// that would need a key fetch (a remote key set that is cold, stale, or lacks the token's
    /// `kid`); then call [`SessionGate::authenticate_at`]. With a static key set it always
    /// answers. Lets an event loop answer warm requests inline and send only the rest to a
    /// worker.
    pub fn authenticate_cached_at(&self, cookie: &str, now: SystemTime) -> Result<Authentication, Error> {
        self.authenticate_with(cookie, now, |kid| self.keys.cached_key_set_for(kid).ok_or(Error::JwksNotCached))
    }

    /// [`SessionGate::authenticate_cached_at`] now.
    pub fn authenticate_cached(&self, cookie: &str) -> Result<Authentication, Error> {
        self.authenticate_cached_at(cookie, SystemTime::now())
    }

    fn authenticate_with(
        &self,
        cookie: &str,
        now: SystemTime,
        key_set_for: impl Fn(Option<&str>) -> Result<Arc<KeySet>, Error>,
    ) -> Result<Authentication, Error> {
        if cookie.is_empty() {
            return Ok(FailureDetail::EmptyCookie.into());
        }
        if cookie.len() > self.max_cookie_bytes {
            return Ok(FailureDetail::CookieTooLarge.into());
        }
        let unsealed = match seal::unseal(cookie, &self.secrets, now) {
            Ok(unsealed) => unsealed,
            Err(UnsealError::Refused(detail)) => return Ok(detail.into()),
            Err(UnsealError::Busy) => return Err(Error::KeyDerivationBusy),
        };
        let sealed = match SealedFields::read(unsealed) {
            Ok(sealed) => sealed,
            Err(detail) => return Ok(detail.into()),
        };
        let verified = match token::verify(&sealed.access_token, &self.rules, now, self.cache.as_ref(), key_set_for)? {
            Ok(verified) => verified,
            Err(detail) => return Ok(detail.into()),
        };
        Ok(match session_from(sealed, verified) {
            Ok(session) => Authentication::Authenticated(Box::new(session)),
            Err(detail) => detail.into(),
        })
    }

    /// Seals a session as the SDK of `format` would, with the first cookie password. A
    /// session this gate could not authenticate is refused: no user object with a string `id`
    /// (see the `user_missing` rule), or a payload nested deeper than the reader accepts.
    pub fn seal_session(&self, data: &SessionData, format: SealFormat) -> Result<String, Error> {
        self.seal_session_at(data, format, SystemTime::now())
    }

    /// [`SessionGate::seal_session`] at `now`: the time Fernet stamps into its token and
    /// php-halite's `expires_at` (30 days) counts from.
    pub fn seal_session_at(&self, data: &SessionData, format: SealFormat, now: SystemTime) -> Result<String, Error> {
        if !data.user.get("id").is_some_and(Value::is_string) {
            return Err(Error::Seal("the session's user must be an object with a string id".into()));
        }
        let payload = data.to_payload(format);
        readable(&payload)?;
        seal::seal_at(&payload, &self.secrets, format, now)
    }

    /// Moves a session from one SDK's cookie to another's: opens `cookie` (any enabled
    /// format) and seals the same tokens, user, impersonator and authentication method in
    /// `format`, as that SDK writes them. The tokens are not verified nor refreshed (a cookie
    /// this gate can open was sealed with one of its secrets); an unopenable cookie is
    /// [`Error::Unseal`] with its detail.
    pub fn reseal_at(&self, cookie: &str, format: SealFormat, now: SystemTime) -> Result<String, Error> {
        let unsealed = seal::unseal(cookie, &self.secrets, now).map_err(UnsealError::into_error)?;
        let fields = seal::payload::read(unsealed.format, unsealed.data).map_err(Error::Unseal)?;
        let data = SessionData {
            access_token: fields.access_token,
            refresh_token: fields.refresh_token.unwrap_or_default(),
            user: fields.user.unwrap_or(Value::Null),
            impersonator: fields.impersonator,
            authentication_method: fields.authentication_method,
            organization_id: fields.organization_id,
        };
        self.seal_session_at(&data, format, now)
    }

    /// [`SessionGate::reseal_at`] for a cookie handed over as bytes (see
    /// [`SessionGate::authenticate_bytes_at`]): a cookie refused before it is opened is
    /// [`Error::Unseal`] with the detail `authenticate` gives.
    pub fn reseal_bytes_at(&self, cookie: &[u8], format: SealFormat, now: SystemTime) -> Result<String, Error> {
        self.reseal_at(self.cookie_text(cookie).map_err(Error::Unseal)?, format, now)
    }

    /// [`SessionGate::reseal_at`] now.
    pub fn reseal(&self, cookie: &str, format: SealFormat) -> Result<String, Error> {
        self.reseal_at(cookie, format, SystemTime::now())
    }

    /// The seal formats this gate reads.
    pub fn formats(&self) -> Vec<SealFormat> {
        self.secrets.formats()
    }

    /// Where this gate's refreshes are coordinated (in process, or Redis) and how that is
    /// going: whether Redis is in use, fallbacks to in-process refreshes, the last error.
    pub fn refresh_coordinator_status(&self) -> CoordinatorStatus {
        self.refresh.store.status()
    }

    /// Seals any JSON value with the first cookie password. A value nested deeper than the
    /// gate's own reader accepts is refused (I2: one depth rule, the reader's).
    pub fn seal_data(&self, data: &Value, format: SealFormat) -> Result<String, Error> {
        readable(data)?;
        seal::seal(data, &self.secrets, format)
    }

    /// Opens any sealed value (either format) with the cookie passwords, at `now` (which
    /// matters only for iron seals with an expiration).
    pub fn unseal_data_at(&self, cookie: &str, now: SystemTime) -> Result<Unsealed, Error> {
        seal::unseal(cookie, &self.secrets, now).map_err(UnsealError::into_error)
    }

    /// [`SessionGate::unseal_data_at`] now.
    pub fn unseal_data(&self, cookie: &str) -> Result<Unsealed, Error> {
        self.unseal_data_at(cookie, SystemTime::now())
    }

    /// The state of the remote key cache (`None` for a static key set), for health
    /// endpoints: when keys were fetched, their ids, staleness, fetch and failure counts.
    pub fn jwks_status(&self) -> Option<JwksStatus> {
        self.keys.status()
    }

    /// The state of the remote key cache, as [`SessionGate::jwks_status`]. Staleness is
    /// judged by the cache's own monotonic clock (`JwksOptions::clock`), so `now` is unused.
    #[deprecated(note = "the key cache keeps its own clock: use jwks_status()")]
    pub fn jwks_status_at(&self, _now: SystemTime) -> Option<JwksStatus> {
        self.keys.status()
    }

    /// The token rules in force.
    pub fn token_rules(&self) -> &TokenRules {
        &self.rules
    }

    /// Verifies a bearer access token (not in a cookie) with the gate's keys and rules, so
    /// the same step-up policy can guard bearer APIs. `Err` only for an outage; a bad token is
    /// [`TokenVerification::Failed`].
    pub fn verify_access_token_at(&self, token: &str, now: SystemTime) -> Result<TokenVerification, Error> {
        Ok(token::verify(token, &self.rules, now, self.cache.as_ref(), |kid| self.keys.key_set_for(kid))?.into())
    }

    /// [`SessionGate::verify_access_token_at`] for a token handed over as bytes: oversized or
    /// not UTF-8 is `malformed_jwt`.
    pub fn verify_access_token_bytes_at(&self, token: &[u8], now: SystemTime) -> Result<TokenVerification, Error> {
        Ok(token::verify_bytes(token, &self.rules, now, self.cache.as_ref(), |kid| self.keys.key_set_for(kid))?.into())
    }

    /// [`SessionGate::verify_access_token_at`] now.
    pub fn verify_access_token(&self, token: &str) -> Result<TokenVerification, Error> {
        self.verify_access_token_at(token, SystemTime::now())
    }

    /// [`SessionGate::verify_id_token_at`] now.
    pub fn verify_id_token(&self, token: &str) -> Result<TokenVerification, Error> {
        self.verify_id_token_at(token, SystemTime::now())
    }

    /// Verifies an OIDC ID token: audience = the client id, issuer required (configure
    /// `issuers`), no `sid` needed.
    pub fn verify_id_token_at(&self, token: &str, now: SystemTime) -> Result<TokenVerification, Error> {
        let rules = self.id_token_rules()?;
        Ok(token::verify(token, &rules, now, self.cache.as_ref(), |kid| self.keys.key_set_for(kid))?.into())
    }

    /// [`SessionGate::verify_id_token_at`] for a token handed over as bytes: oversized or not
    /// UTF-8 is `malformed_jwt`.
    pub fn verify_id_token_bytes_at(&self, token: &[u8], now: SystemTime) -> Result<TokenVerification, Error> {
        let rules = self.id_token_rules()?;
        Ok(token::verify_bytes(token, &rules, now, self.cache.as_ref(), |kid| self.keys.key_set_for(kid))?.into())
    }

    fn id_token_rules(&self) -> Result<TokenRules, Error> {
        if self.rules.issuers.is_empty() {
            return Err(Error::Configuration("verifying ID tokens needs the issuer: set `issuers`".into()));
        }
        if self.client_id.is_empty() {
            return Err(Error::Configuration("verifying ID tokens needs the client id (the audience)".into()));
        }
        Ok(TokenRules { audiences: vec![self.client_id.clone()], require_sid: false, ..self.rules.clone() })
    }
}

/// The sealed payload's fields, in either naming.
pub(crate) struct SealedFields {
    pub(crate) format: SealFormat,
    pub(crate) access_token: String,
    pub(crate) refresh_token: Option<String>,
    pub(crate) user: Option<Value>,
    pub(crate) impersonator: Option<Value>,
    pub(crate) authentication_method: Option<String>,
}

impl SealedFields {
    pub(crate) fn read(unsealed: Unsealed) -> Result<SealedFields, FailureDetail> {
        let format = unsealed.format;
        let f = seal::payload::read(format, unsealed.data)?;
        Ok(SealedFields {
            format,
            access_token: f.access_token,
            refresh_token: f.refresh_token,
            user: f.user,
            impersonator: f.impersonator,
            authentication_method: f.authentication_method,
        })
    }
}

/// Whether the gate's own reader would read `data` back (the one depth rule, I2).
fn readable(data: &Value) -> Result<(), Error> {
    let text = serde_json::to_string(data).map_err(|e| Error::Seal(e.to_string()))?;
    match crate::parse_json_lenient(&text) {
        Some(_) => Ok(()),
        None => Err(Error::Seal("the value is nested deeper than sessiongate reads back (127 levels)".into())),
    }
}

pub(crate) fn session_from(sealed: SealedFields, verified: VerifiedToken) -> Result<Session, FailureDetail> {
    // F5, fail closed: the sealed user must be the token's subject, so a cookie cannot borrow
    // another's token; the claim rules already refused a token without a string `sub`. Every
    // SDK seals `user.id` except workos-dotnet, which seals only the two tokens: a dotnet
    // cookie without a user is bound by its verified `sub` alone.
    let no_user = sealed.user.as_ref().is_none_or(Value::is_null);
    if !(no_user && sealed.format == SealFormat::Dotnet) {
        let user_id = sealed.user.as_ref().and_then(|u| u.get("id")).and_then(Value::as_str);
        let Some(user_id) = user_id else {
            return Err(FailureDetail::UserMissing);
        };
        if verified.subject() != Some(user_id) {
            return Err(FailureDetail::UserMismatch);
        }
    }
    Ok(Session {
        format: sealed.format,
        user: sealed.user,
        impersonator: sealed.impersonator,
        authentication_method: sealed.authentication_method,
        access_token: sealed.access_token,
        refresh_token: sealed.refresh_token,
        claims: verified.claims,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn user_fields_in_both_namings() {
        let camel = User::from_sealed(&json!({"id": "u", "firstName": "A", "emailVerified": true, "profilePictureUrl": "p"}));
        let snake = User::from_sealed(&json!({"id": "u", "first_name": "A", "email_verified": true, "profile_picture_url": "p"}));
        assert_eq!(camel, snake);
        assert_eq!((snake.first_name.as_deref(), snake.email_verified), (Some("A"), Some(true)));
        assert_eq!(Impersonator::from_sealed(&json!({"email": "e", "reason": 7})).reason, None);
    }

    #[test]
    fn payload_naming_per_format() {
        let data = SessionData {
            access_token: "at".into(),
            refresh_token: "rt".into(),
            user: json!({"id": "user_1"}),
            impersonator: None,
            authentication_method: Some("Password".into()),
            organization_id: None,
        };
        assert_eq!(
            data.to_payload(SealFormat::Iron),
            json!({"accessToken": "at", "refreshToken": "rt", "user": {"id": "user_1"}, "authenticationMethod": "Password"})
        );
        assert_eq!(
            data.to_payload(SealFormat::Fernet),
            json!({"access_token": "at", "refresh_token": "rt", "user": {"id": "user_1"}, "authentication_method": "Password"})
        );
        assert!(!format!("{data:?}").contains("\"at\""));
    }

    /// A static gate with one RSA key, and a signer for it.
    fn signing_gate(cache: usize) -> (SessionGate, impl Fn(&Value) -> String) {
        use aws_lc_rs::rsa::KeySize;
        use aws_lc_rs::signature::{self as sig, KeyPair, RsaKeyPair};
        use crate::util::b64::encode_url_nopad as b64;
        let rsa = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
        let public = rsa.public_key();
        let jwks = json!({"keys": [{"kty": "RSA", "kid": "k", "n": b64(public.modulus().big_endian_without_leading_zero()), "e": b64(public.exponent().big_endian_without_leading_zero())}]});
        let mut config = Config::new("client_1", vec![PASSWORD.into()], JwksSource::Static(jwks.to_string()));
        config.verified_token_cache = cache;
        let sign = move |claims: &Value| {
            let input = format!("{}.{}", b64(br#"{"alg":"RS256","kid":"k"}"#), b64(claims.to_string().as_bytes()));
            let mut out = vec![0; rsa.public_modulus_len()];
            rsa.sign(&sig::RSA_PKCS1_SHA256, &aws_lc_rs::rand::SystemRandom::new(), input.as_bytes(), &mut out).unwrap();
            format!("{input}.{}", b64(&out))
        };
        (SessionGate::new(config).unwrap(), sign)
    }

    const PASSWORD: &str = "session-unit-test-cookie-password-0123456789";
    const NOW: u64 = 1_800_000_000;

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(NOW)
    }

    fn claims() -> Value {
        json!({"sub": "user_1", "sid": "session_1", "exp": NOW + 3600, "amr": ["pwd", "mfa"]})
    }

    #[test]
    fn a_cookie_password_is_checked_against_the_gates_own() {
        // A remote key source is not fetched until a token needs it.
        let jwks = JwksSource::Url("http://127.0.0.1:9/jwks".into());
        let gate = SessionGate::new(Config::new("client_1", vec![PASSWORD.into(), format!("{PASSWORD}-old")], jwks)).unwrap();
        assert!(gate.check_cookie_password(PASSWORD).is_ok());
        assert!(gate.check_cookie_password(&format!("{PASSWORD}-old")).is_ok());
        let refused = gate.check_cookie_password("another-password-of-at-least-32-chars").unwrap_err();
        assert_eq!(refused.code().as_str(), "configuration_error");
        assert!(!refused.to_string().contains("another-password"));
    }

    /// F12: no type that holds a token, a refresh token or a secret prints it in `Debug`.
    #[test]
    fn debug_never_prints_tokens_or_secrets() {
        let (gate, sign) = signing_gate(16);
        let token = sign(&claims());
        let signature = token.rsplit('.').next().unwrap().to_owned();
        let data = SessionData { access_token: token.clone(), refresh_token: "refresh_S3CR3T".into(), user: json!({"id": "user_1"}), ..Default::default() };
        let cookie = gate.seal_session(&data, SealFormat::Iron).unwrap();
        let authentication = gate.authenticate_at(&cookie, now()).unwrap();
        let session = authentication.session().unwrap().clone();
        let verification = gate.verify_access_token_at(&token, now()).unwrap();
        let unsealed = gate.unseal_data_at(&cookie, now()).unwrap();
        let shown = [
            format!("{data:?}"),
            format!("{authentication:?}"),
            format!("{session:?}"),
            format!("{verification:?}"),
            format!("{:?}", verification.token().unwrap()),
            format!("{:?}", session.view()),
            format!("{unsealed:?}"),
            format!("{gate:?}"),
        ];
        for (i, text) in shown.iter().enumerate() {
            for secret in [token.as_str(), signature.as_str(), "refresh_S3CR3T", PASSWORD, cookie.as_str()] {
                assert!(!text.contains(secret), "Debug #{i} shows a secret: {text}");
            }
        }
        assert!(shown[7].contains("entries: 1"), "the gate shows its cache as counts: {}", shown[7]);
    }

    /// F5: the sub/user binding is fail closed.
    #[test]
    fn sub_and_user_id_must_match() {
        let (gate, sign) = signing_gate(0);
        let open = |payload: Value| {
            let cookie = gate.seal_data(&payload, SealFormat::Iron).unwrap();
            gate.authenticate_at(&cookie, now()).unwrap().failure().map(|f| f.detail.code())
        };
        let token = sign(&claims());
        assert_eq!(open(json!({"accessToken": token, "user": {"id": "user_1"}})), None);
        assert_eq!(open(json!({"accessToken": token, "user": {"id": "user_2"}})), Some("user_mismatch"));
        assert_eq!(open(json!({"accessToken": token, "user": {"id": "USER_1"}})), Some("user_mismatch"));
        for user in [Value::Null, json!({}), json!({"id": null}), json!({"id": 1}), json!({"id": ["user_1"]})] {
            assert_eq!(open(json!({"accessToken": token, "user": user})), Some("user_missing"), "{user}");
        }
        // A user that is not an object is a payload no SDK writes (the payload reader's rule).
        assert_eq!(open(json!({"accessToken": token, "user": "user_1"})), Some("payload_shape"));
        assert_eq!(open(json!({"accessToken": token})), Some("user_missing"));
        let no_sub = sign(&json!({"sid": "session_1", "exp": NOW + 3600}));
        assert_eq!(open(json!({"accessToken": no_sub, "user": {"id": "user_1"}})), Some("sub_missing"));
        // The gate will not seal a session it could not authenticate.
        let data = SessionData { access_token: token, user: json!({"name": "no id"}), ..Default::default() };
        assert_eq!(gate.seal_session(&data, SealFormat::Iron).unwrap_err().code(), "seal_error");
    }

    /// Every entry point that takes untrusted text also takes bytes (a host string that is not
    /// UTF-8), answering with a failure, never an error or a panic; sizes are checked first.
    #[test]
    fn byte_entry_points_never_raise() {
        let (gate, sign) = signing_gate(16);
        let token = sign(&claims());
        let data = SessionData { access_token: token.clone(), user: json!({"id": "user_1"}), ..Default::default() };
        let cookie = gate.seal_session(&data, SealFormat::Fernet).unwrap_err().code();
        assert_eq!(cookie, "configuration_error", "an iron password cannot seal Fernet");
        let cookie = gate.seal_session(&data, SealFormat::Iron).unwrap();
        let detail = |a: Authentication| a.failure().map(|f| f.detail.code());
        assert_eq!(detail(gate.authenticate_bytes_at(cookie.as_bytes(), now()).unwrap()), None);
        assert_eq!(detail(gate.authenticate_cached_bytes_at(cookie.as_bytes(), now()).unwrap()), None);
        let mut surrogate = cookie.clone().into_bytes();
        surrogate.splice(10..10, [0xED, 0xB3, 0xBF]); // a lone surrogate, as surrogatepass writes it
        assert_eq!(detail(gate.authenticate_bytes_at(&surrogate, now()).unwrap()), Some("malformed_seal"));
        assert_eq!(detail(gate.authenticate_bytes_at(&[0xFF; 20], now()).unwrap()), Some("malformed_seal"));
        assert_eq!(detail(gate.authenticate_bytes_at(b"", now()).unwrap()), Some("empty_cookie"));
        assert_eq!(detail(gate.authenticate_bytes_at(&vec![0xFF; 2 << 20], now()).unwrap()), Some("cookie_too_large"));
        let verify = |t: &[u8]| gate.verify_access_token_bytes_at(t, now()).unwrap().failure().map(|f| f.detail.code());
        assert_eq!(verify(token.as_bytes()), None);
        assert_eq!(verify(b"\xff.\xfe.\xfd"), Some("malformed_jwt"));
        assert_eq!(verify(&vec![b'a'; 1 << 20]), Some("malformed_jwt"));
        let id_gate_error = gate.verify_id_token_bytes_at(token.as_bytes(), now()).unwrap_err();
        assert_eq!(id_gate_error.code(), "configuration_error", "no issuer configured");
    }

    /// I2: one depth rule, the reader's: the gate refuses to seal what it cannot read back.
    #[test]
    fn seals_only_what_it_can_read_back() {
        let (gate, _) = signing_gate(0);
        let nested = |depth: usize| (0..depth).fold(json!("x"), |v, _| json!([v]));
        let mut deepest = 0;
        for depth in 1..200 {
            let value = json!({"accessToken": "t", "user": {"id": "u", "deep": nested(depth)}});
            match gate.seal_data(&value, SealFormat::Iron) {
                Ok(cookie) => {
                    assert!(gate.unseal_data_at(&cookie, now()).is_ok(), "sealed at depth {depth} but unreadable");
                    deepest = depth;
                }
                Err(e) => {
                    assert_eq!(e.code(), "seal_error");
                    break;
                }
            }
        }
        assert!((100..200).contains(&deepest), "{deepest}");
    }

    #[test]
    fn configuration_errors_at_construction() {
        let jwks = JwksSource::Static(r#"{"keys": []}"#.into());
        let err = SessionGate::new(Config::new("c", vec!["peer-harness-cookie-password-0123456789".into()], jwks)).unwrap_err();
        assert_eq!(err.code(), "configuration_error");
        let mut config = Config::new("c", vec!["short".into()], JwksSource::Static(String::new()));
        assert!(SessionGate::new(config.clone()).unwrap_err().to_string().contains("opens none of the enabled formats"));
        config.cookie_passwords = vec!["peer-harness-cookie-password-0123456789".into()];
        config.max_cookie_bytes = 0;
        assert!(SessionGate::new(config).unwrap_err().to_string().contains("max_cookie_bytes"));
    }
}
