//! Access-token verification: parse the compact JWS once, check the header against the
//! allow-list, verify the signature with the issuer's key, then apply the claim rules.
//!
//! The rules fail closed (README, "Contract"): `alg` from an allow-list (never `none`
//! or HS*); `crit` refused; `kid` names a key, or is absent with exactly one candidate; `exp`
//! required unless relaxed; time claims are JSON numbers; `sid` a string; named claims of
//! the wrong JSON type refused; agent/widget tokens (`sub_type`, `sub_profile`) refused.

mod cache;
mod claims;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde_json::{Map, Value};

pub use self::cache::{DEFAULT_BYTES as DEFAULT_VERIFIED_TOKEN_CACHE_BYTES, DEFAULT_CAPACITY as DEFAULT_VERIFIED_TOKEN_CACHE};
pub(crate) use self::cache::VerifiedCache;
use self::cache::{Entry, digest};
pub use self::claims::{Claims, amr, auth_time, check_claims, normalize_amr};
use crate::error::{Failure, FailureDetail};
use crate::jwks::{Algorithm, KeySet};
use crate::util::b64;

/// The longest token accepted (header and payload are bounded by it), checked first.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// What a token must satisfy beyond its signature.
#[derive(Debug, Clone)]
pub struct TokenRules {
    /// Accepted `alg` values (default: RS256).
    pub algorithms: Vec<Algorithm>,
    /// Accepted `iss` values; empty means `iss` is not checked.
    pub issuers: Vec<String>,
    /// Accepted `aud` values (any one suffices); empty means `aud` is not checked.
    pub audiences: Vec<String>,
    /// Clock leeway for `exp`, `nbf` and `iat`.
    pub leeway: Duration,
    /// Whether a token without `exp` is refused (default: yes).
    pub require_exp: bool,
    /// Whether `sid` must be present (session access tokens: yes; ID tokens: no).
    pub require_sid: bool,
}

impl Default for TokenRules {
    fn default() -> Self {
        TokenRules {
            algorithms: vec![Algorithm::RS256],
            issuers: Vec::new(),
            audiences: Vec::new(),
            leeway: Duration::ZERO,
            require_exp: true,
            require_sid: true,
        }
    }
}

/// A token whose signature and claims passed. Cloning it is cheap: the verified-token cache
/// and every session built from it share one copy of the header and claims.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedToken {
    /// The protected header.
    pub header: Arc<Map<String, Value>>,
    /// Every claim of the payload.
    pub claims: Arc<Claims>,
}

impl VerifiedToken {
    /// `sub`.
    pub fn subject(&self) -> Option<&str> {
        self.claims.get("sub").and_then(Value::as_str)
    }

    /// `amr`, normalized ([`normalize_amr`]).
    pub fn amr(&self) -> Option<Vec<String>> {
        amr(&self.claims)
    }

    /// `acr`.
    pub fn acr(&self) -> Option<&str> {
        self.claims.get("acr").and_then(Value::as_str)
    }

    /// `auth_time`, in whole seconds (floored).
    pub fn auth_time(&self) -> Option<i64> {
        auth_time(&self.claims)
    }

    /// The token as every binding shows it (field names and order: [`TokenView::FIELDS`]).
    pub fn view(&self) -> TokenView<'_> {
        TokenView {
            subject: self.subject(),
            amr: self.amr(),
            acr: self.acr(),
            auth_time: self.auth_time(),
            claims: &self.claims,
            header: &self.header,
        }
    }
}

/// The one projection of a verified token that every binding shows: Python's attributes and
/// `to_dict`, Node's object (camelCase), Swift's record. Absent values serialize as `null`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenView<'t> {
    /// `sub`.
    pub subject: Option<&'t str>,
    /// `amr`, normalized.
    pub amr: Option<Vec<String>>,
    /// `acr`.
    pub acr: Option<&'t str>,
    /// `auth_time`, whole seconds since the epoch.
    pub auth_time: Option<i64>,
    /// Every claim.
    pub claims: &'t Claims,
    /// The protected header.
    pub header: &'t Map<String, Value>,
}

impl TokenView<'_> {
    /// The field names, in order (snake_case; Node shows them in camelCase).
    pub const FIELDS: [&'static str; 6] = ["subject", "amr", "acr", "auth_time", "claims", "header"];
}

/// The outcome of verifying a bearer or ID token: never an error for a bad token.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenVerification {
    /// The signature and the claims passed.
    Verified(VerifiedToken),
    /// The token was refused (`invalid_jwt`, with a detail).
    Failed(Failure),
}

impl TokenVerification {
    /// Whether the token verified.
    pub fn is_verified(&self) -> bool {
        matches!(self, TokenVerification::Verified(_))
    }

    /// The token, when verified.
    pub fn token(&self) -> Option<&VerifiedToken> {
        match self {
            TokenVerification::Verified(token) => Some(token),
            TokenVerification::Failed(_) => None,
        }
    }

    /// The failure, when refused.
    pub fn failure(&self) -> Option<Failure> {
        match self {
            TokenVerification::Verified(_) => None,
            TokenVerification::Failed(failure) => Some(*failure),
        }
    }
}

impl From<Result<VerifiedToken, FailureDetail>> for TokenVerification {
    fn from(result: Result<VerifiedToken, FailureDetail>) -> Self {
        match result {
            Ok(token) => TokenVerification::Verified(token),
            Err(detail) => TokenVerification::Failed(detail.into()),
        }
    }
}

/// A token split and decoded, not yet verified.
struct Parsed<'t> {
    header: Map<String, Value>,
    claims: Claims,
    alg: Algorithm,
    signing_input: &'t str,
    signature: &'t str,
}

fn parse<'t>(token: &'t str, rules: &TokenRules) -> Result<Parsed<'t>, FailureDetail> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(FailureDetail::MalformedJwt);
    }
    // memchr's SIMD search: the payload is most of a token.
    let mut dots = memchr::memchr_iter(b'.', token.as_bytes());
    let (Some(first), Some(second), None) = (dots.next(), dots.next(), dots.next()) else {
        return Err(FailureDetail::MalformedJwt);
    };
    let (header, payload, signature) = (&token[..first], &token[first + 1..second], &token[second + 1..]);
    let header = decode_object(header)?;
    let claims = decode_object(payload)?;
    let alg = match header.get("alg") {
        Some(Value::String(name)) => Algorithm::from_name(name),
        _ => return Err(FailureDetail::MalformedJwt),
    };
    let alg = alg.filter(|alg| rules.algorithms.contains(alg)).ok_or(FailureDetail::AlgNotAllowed)?;
    if header.contains_key("crit") {
        return Err(FailureDetail::CritUnsupported);
    }
    if header.get("kid").is_some_and(|kid| !kid.is_string()) {
        return Err(FailureDetail::MalformedJwt);
    }
    let signing_input = &token[..token.len() - signature.len() - 1];
    Ok(Parsed { header, claims, alg, signing_input, signature })
}

fn decode_object(part: &str) -> Result<Map<String, Value>, FailureDetail> {
    let bytes = b64::decode_url_nopad(part).map_err(|_| FailureDetail::MalformedJwt)?;
    serde_json::from_slice::<JsonObject>(&bytes).map(|object| object.0).map_err(|_| FailureDetail::MalformedJwt)
}

/// A JSON object, read as `Value` reads one (a repeated name keeps its first position and
/// its last value) into a map sized for a typical token up front, so it is not regrown.
struct JsonObject(Map<String, Value>);

impl<'de> serde::Deserialize<'de> for JsonObject {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> serde::de::Visitor<'de> for ObjectVisitor {
            type Value = JsonObject;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut entries: A) -> Result<JsonObject, A::Error> {
                let mut map = Map::with_capacity(entries.size_hint().unwrap_or(16));
                while let Some((name, value)) = entries.next_entry::<String, Value>()? {
                    map.insert(name, value);
                }
                Ok(JsonObject(map))
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}

/// Verifies `token` at `now`, with the key set `key_set_for(kid)` gives. `Ok(Err(detail))`
/// is a bad token; `Err` comes only from `key_set_for` (an outage, or "not cached" for the
/// no-network path), never from a bad token. With a cache, a token whose signature already
/// verified against the current key set skips the signature; its header and claims are
/// re-checked. Only tokens that pass every rule at `now` are remembered.
pub fn verify<E>(
    token: &str,
    rules: &TokenRules,
    now: SystemTime,
    cache: Option<&VerifiedCache>,
    key_set_for: impl Fn(Option<&str>) -> Result<Arc<KeySet>, E>,
) -> Result<Result<VerifiedToken, FailureDetail>, E> {
    let digest = cache.map(|_| digest(token));
    if let (Some(cache), Some(digest)) = (cache, &digest)
        && let Some(entry) = cache.get(digest)
        && rules.algorithms.contains(&entry.alg)
    {
        let key_set = key_set_for(entry.kid.as_deref())?;
        if key_set.version() == entry.key_set_version {
            let checked = check_claims(&entry.token.claims, rules, now);
            if checked == Err(FailureDetail::Expired) {
                cache.remove(digest);
            }
            return Ok(checked.map(|()| entry.token.clone()));
        }
    }

    let parsed = match parse(token, rules) {
        Ok(parsed) => parsed,
        Err(detail) => return Ok(Err(detail)),
    };
    let kid = parsed.header.get("kid").and_then(Value::as_str);
    let key_set = key_set_for(kid)?;
    if let Err(detail) = check_signature(&parsed, &key_set, kid) {
        return Ok(Err(detail));
    }
    let verified = VerifiedToken { header: Arc::new(parsed.header), claims: Arc::new(parsed.claims) };
    let checked = check_claims(&verified.claims, rules, now);
    // Never remember what fails now (an expired token, a token for another audience): the
    // budget is for tokens that will be presented again and pass.
    if checked.is_ok()
        && let (Some(cache), Some(digest)) = (cache, digest)
    {
        let kid = verified.header.get("kid").and_then(Value::as_str).map(str::to_owned);
        let entry = Entry { key_set_version: key_set.version(), kid, alg: parsed.alg, token: verified.clone(), bytes: token.len() };
        cache.insert(digest, entry);
    }
    Ok(checked.map(|()| verified))
}

/// [`verify`] for a token handed over as bytes (a host string that may not be UTF-8): the
/// size limit first, then text that is not UTF-8 is `malformed_jwt`.
pub fn verify_bytes<E>(
    token: &[u8],
    rules: &TokenRules,
    now: SystemTime,
    cache: Option<&VerifiedCache>,
    key_set_for: impl Fn(Option<&str>) -> Result<Arc<KeySet>, E>,
) -> Result<Result<VerifiedToken, FailureDetail>, E> {
    if token.len() > MAX_TOKEN_BYTES {
        return Ok(Err(FailureDetail::MalformedJwt));
    }
    match std::str::from_utf8(token) {
        Ok(token) => verify(token, rules, now, cache, key_set_for),
        Err(_) => Ok(Err(FailureDetail::MalformedJwt)),
    }
}

fn check_signature(parsed: &Parsed<'_>, key_set: &KeySet, kid: Option<&str>) -> Result<(), FailureDetail> {
    let key = key_set.select(kid, parsed.alg)?;
    // A signature that is not base64url cannot verify.
    let signature = b64::decode_url_nopad(parsed.signature).map_err(|_| FailureDetail::SignatureInvalid)?;
    if key.verifies(parsed.alg, parsed.signing_input.as_bytes(), &signature) {
        Ok(())
    } else {
        Err(FailureDetail::SignatureInvalid)
    }
}


#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn claims(v: Value) -> Claims {
        v.as_object().unwrap().clone()
    }

    /// Signs `claims` with every algorithm we verify, through a JWKS built from the public
    /// keys: each verifies; a flipped signature byte, the wrong curve, or an `alg` the key
    /// does not declare does not.
    #[test]
    fn every_allowed_algorithm_verifies_and_only_with_its_key() {
        use aws_lc_rs::rand::SystemRandom;
        use aws_lc_rs::rsa::KeySize;
        use aws_lc_rs::signature::{self as sig, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};

        let rng = SystemRandom::new();
        let b64 = |bytes: &[u8]| b64::encode_url_nopad(bytes);
        let rsa = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
        let p256 = EcdsaKeyPair::generate(&sig::ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        let p384 = EcdsaKeyPair::generate(&sig::ECDSA_P384_SHA384_FIXED_SIGNING).unwrap();
        let ed = Ed25519KeyPair::generate().unwrap();
        let point = |key: &EcdsaKeyPair, len: usize| {
            let raw = key.public_key().as_ref().to_vec();
            (b64(&raw[1..1 + len]), b64(&raw[1 + len..]))
        };
        let ((x256, y256), (x384, y384)) = (point(&p256, 32), point(&p384, 48));
        let rsa_public = rsa.public_key();
        let (n, e) = (b64(rsa_public.modulus().big_endian_without_leading_zero()), b64(rsa_public.exponent().big_endian_without_leading_zero()));
        let jwks = json!({"keys": [
            {"kty": "RSA", "kid": "rsa", "n": n, "e": e},
            {"kty": "RSA", "kid": "rsa-rs256-only", "alg": "RS256", "n": n, "e": e},
            {"kty": "EC", "kid": "p256", "crv": "P-256", "x": x256, "y": y256},
            {"kty": "EC", "kid": "p384", "crv": "P-384", "x": x384, "y": y384},
            {"kty": "OKP", "kid": "ed", "crv": "Ed25519", "x": b64(ed.public_key().as_ref())},
        ]});
        let key_set = Arc::new(KeySet::from_value(&jwks).unwrap());
        let sign = |alg: &str, kid: &str, input: &[u8]| -> Vec<u8> {
            let rsa_sign = |padding: &'static dyn sig::RsaEncoding| {
                let mut out = vec![0; rsa.public_modulus_len()];
                rsa.sign(padding, &rng, input, &mut out).unwrap();
                out
            };
            match (alg, kid) {
                ("RS256", _) => rsa_sign(&sig::RSA_PKCS1_SHA256),
                ("RS384", _) => rsa_sign(&sig::RSA_PKCS1_SHA384),
                ("RS512", _) => rsa_sign(&sig::RSA_PKCS1_SHA512),
                ("PS256", _) => rsa_sign(&sig::RSA_PSS_SHA256),
                ("PS384", _) => rsa_sign(&sig::RSA_PSS_SHA384),
                ("PS512", _) => rsa_sign(&sig::RSA_PSS_SHA512),
                ("ES256", "p256") => p256.sign(&rng, input).unwrap().as_ref().to_vec(),
                ("ES256" | "ES384", "p384") => p384.sign(&rng, input).unwrap().as_ref().to_vec(),
                ("EdDSA", _) => ed.sign(input).as_ref().to_vec(),
                other => panic!("no signer for {other:?}"),
            }
        };
        let token = |alg: &str, kid: &str| {
            let header = b64(json!({"alg": alg, "kid": kid}).to_string().as_bytes());
            let payload = b64(json!({"sub": "u", "sid": "s", "exp": 4_102_444_800_u64}).to_string().as_bytes());
            let input = format!("{header}.{payload}");
            let signature = sign(alg, kid, input.as_bytes());
            (format!("{input}.{}", b64(&signature)), input, signature)
        };
        let check = |token: &str, alg: &str| {
            let rules = TokenRules { algorithms: vec![Algorithm::from_name(alg).unwrap()], ..TokenRules::default() };
            verify(token, &rules, at(1), None, |_| Ok::<_, ()>(key_set.clone())).unwrap()
        };
        for (alg, kid) in [
            ("RS256", "rsa"), ("RS384", "rsa"), ("RS512", "rsa"), ("PS256", "rsa"), ("PS384", "rsa"), ("PS512", "rsa"),
            ("RS256", "rsa-rs256-only"), ("ES256", "p256"), ("ES384", "p384"), ("EdDSA", "ed"),
        ] {
            let (good, input, mut signature) = token(alg, kid);
            assert!(check(&good, alg).is_ok(), "{alg} with {kid}");
            *signature.last_mut().unwrap() ^= 1;
            let flipped = format!("{input}.{}", b64(&signature));
            assert_eq!(check(&flipped, alg), Err(FailureDetail::SignatureInvalid), "{alg} with {kid}, flipped");
        }
        // A P-384 key cannot verify ES256, and a key declared RS256 refuses PS256.
        assert_eq!(check(&token("ES256", "p384").0, "ES256"), Err(FailureDetail::SignatureInvalid));
        assert_eq!(check(&token("PS256", "rsa-rs256-only").0, "PS256"), Err(FailureDetail::SignatureInvalid));
    }

    #[test]
    fn time_rules() {
        let rules = TokenRules::default();
        let base = json!({"sub": "u", "sid": "s", "exp": 1000, "iat": 900});
        assert_eq!(check_claims(&claims(base.clone()), &rules, at(999)), Ok(()));
        assert_eq!(check_claims(&claims(base.clone()), &rules, at(1000)), Err(FailureDetail::Expired));
        let lenient = TokenRules { leeway: Duration::from_secs(5), ..TokenRules::default() };
        assert_eq!(check_claims(&claims(base), &lenient, at(1004)), Ok(()));
        assert_eq!(check_claims(&claims(json!({"sub": "u", "sid": "s"})), &rules, at(1)), Err(FailureDetail::ExpMissing));
        let relaxed = TokenRules { require_exp: false, ..TokenRules::default() };
        assert_eq!(check_claims(&claims(json!({"sub": "u", "sid": "s"})), &relaxed, at(1)), Ok(()));
        let c = claims(json!({"sub": "u", "sid": "s", "exp": "4102444800"}));
        assert_eq!(check_claims(&c, &rules, at(1)), Err(FailureDetail::ClaimType));
        let c = claims(json!({"sub": "u", "sid": "s", "exp": 5000, "auth_time": true}));
        assert_eq!(check_claims(&c, &rules, at(1)), Err(FailureDetail::ClaimType));
        let c = claims(json!({"sub": "u", "sid": "s", "exp": 5000, "nbf": 10}));
        assert_eq!(check_claims(&c, &rules, at(9)), Err(FailureDetail::NotYetValid));
        // `iat` may lead this clock by up to ISSUED_AT_SKEW (the issuer's clock), no more.
        let c = claims(json!({"sub": "u", "sid": "s", "exp": 5000, "iat": 10}));
        assert_eq!(check_claims(&c, &rules, at(8)), Err(FailureDetail::IssuedInFuture));
        assert_eq!(check_claims(&c, &rules, at(9)), Ok(()));
        let c = claims(json!({"sub": "u", "sid": "s", "exp": 5000, "iat": 10.25}));
        assert_eq!(check_claims(&c, &rules, at(10)), Ok(()), "a fraction of a second ahead");
        assert_eq!(check_claims(&c, &rules, at(9)), Err(FailureDetail::IssuedInFuture));
    }

    #[test]
    fn auth_time_in_the_future_and_fractional_times() {
        let rules = TokenRules::default();
        let c = |v: Value| claims(v);
        // F3: an authentication later than now (plus leeway) is refused, however far ahead.
        for future in [json!(1001), json!(1000.5), json!(1e300), json!(9.3e18)] {
            let token = c(json!({"sub": "u", "sid": "s", "exp": 5000, "auth_time": future}));
            assert_eq!(check_claims(&token, &rules, at(1000)), Err(FailureDetail::AuthTimeInFuture), "{future}");
        }
        let now_auth = c(json!({"sub": "u", "sid": "s", "exp": 5000, "auth_time": 1000}));
        assert_eq!(check_claims(&now_auth, &rules, at(1000)), Ok(()));
        let lenient = TokenRules { leeway: Duration::from_secs(5), ..TokenRules::default() };
        let ahead = c(json!({"sub": "u", "sid": "s", "exp": 5000, "auth_time": 1004}));
        assert_eq!(check_claims(&ahead, &lenient, at(1000)), Ok(()));
        // I4: a fractional exp is honoured to the fraction, not to the next whole second.
        let half = c(json!({"sub": "u", "sid": "s", "exp": 1000.5}));
        let at_ms = |ms: u64| SystemTime::UNIX_EPOCH + Duration::from_millis(ms);
        assert_eq!(check_claims(&half, &rules, at_ms(1_000_400)), Ok(()));
        assert_eq!(check_claims(&half, &rules, at_ms(1_000_900)), Err(FailureDetail::Expired));
        // Whole-second exp: valid through the whole second before it, as the peers count.
        let whole = c(json!({"sub": "u", "sid": "s", "exp": 1000}));
        assert_eq!(check_claims(&whole, &rules, at_ms(999_999)), Ok(()));
        assert_eq!(check_claims(&whole, &rules, at_ms(1_000_000)), Err(FailureDetail::Expired));
    }

    #[test]
    fn subject_is_required() {
        let rules = TokenRules::default();
        for no_sub in [json!({"sid": "s", "exp": 50}), json!({"sub": null, "sid": "s", "exp": 50})] {
            assert_eq!(check_claims(&claims(no_sub), &rules, at(1)), Err(FailureDetail::SubMissing));
        }
        assert_eq!(check_claims(&claims(json!({"sub": 7, "sid": "s", "exp": 50})), &rules, at(1)), Err(FailureDetail::ClaimType));
        let id_token = TokenRules { require_sid: false, ..TokenRules::default() };
        assert_eq!(check_claims(&claims(json!({"exp": 50})), &id_token, at(1)), Err(FailureDetail::SubMissing));
    }

    /// F7: only tokens that pass are remembered, an expired hit is dropped, and the byte
    /// budget holds.
    #[test]
    fn cache_remembers_only_what_passes() {
        use aws_lc_rs::rsa::KeySize;
        use aws_lc_rs::signature::{self as sig, KeyPair, RsaKeyPair};
        let rsa = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
        let public = rsa.public_key();
        let jwks = json!({"keys": [{"kty": "RSA", "kid": "k", "n": b64::encode_url_nopad(public.modulus().big_endian_without_leading_zero()), "e": b64::encode_url_nopad(public.exponent().big_endian_without_leading_zero())}]});
        let key_set = Arc::new(KeySet::from_value(&jwks).unwrap());
        let sign = |claims: Value| {
            let input = format!("{}.{}", b64::encode_url_nopad(br#"{"alg":"RS256","kid":"k"}"#), b64::encode_url_nopad(claims.to_string().as_bytes()));
            let mut out = vec![0; rsa.public_modulus_len()];
            rsa.sign(&sig::RSA_PKCS1_SHA256, &aws_lc_rs::rand::SystemRandom::new(), input.as_bytes(), &mut out).unwrap();
            format!("{input}.{}", b64::encode_url_nopad(&out))
        };
        let rules = TokenRules::default();
        let cache = VerifiedCache::new(100, 16 * 1024);
        let run = |token: &str, now: u64| verify(token, &rules, at(now), Some(&cache), |_| Ok::<_, ()>(key_set.clone())).unwrap();

        let expired = sign(json!({"sub": "u", "sid": "s", "exp": 10}));
        assert_eq!(run(&expired, 20), Err(FailureDetail::Expired));
        assert!(cache.is_empty(), "an expired token is not cached");
        let not_yet = sign(json!({"sub": "u", "sid": "s", "exp": 100, "nbf": 50}));
        assert_eq!(run(&not_yet, 20), Err(FailureDetail::NotYetValid));
        assert!(cache.is_empty(), "a token that fails now is not cached");
        let good = sign(json!({"sub": "u", "sid": "s", "exp": 100}));
        assert!(run(&good, 20).is_ok());
        assert_eq!((cache.len(), cache.bytes()), (1, good.len()));
        assert_eq!(run(&good, 100), Err(FailureDetail::Expired));
        assert!(cache.is_empty(), "an expired hit is dropped");
        // The byte budget: 16 KiB holds a few padded tokens, never more than the budget.
        for i in 0..20 {
            let big = sign(json!({"sub": "u", "sid": "s", "exp": 100, "pad": "x".repeat(3000), "i": i}));
            assert!(run(&big, 20).is_ok());
            assert!(cache.bytes() <= 16 * 1024, "{}", cache.bytes());
        }
        assert!(cache.len() < 20 && !cache.is_empty());
        // Bytes that are not UTF-8 are a malformed token, never a panic.
        let bytes = verify_bytes(b"\xff\xfe.a.b", &rules, at(20), Some(&cache), |_| Ok::<_, ()>(key_set.clone())).unwrap();
        assert_eq!(bytes, Err(FailureDetail::MalformedJwt));
    }

    #[test]
    fn identity_rules() {
        let rules = TokenRules {
            issuers: vec!["https://issuer".into()],
            audiences: vec!["client_1".into()],
            ..TokenRules::default()
        };
        let ok = json!({"sub": "u", "sid": "s", "exp": 50, "iss": "https://issuer", "aud": ["x", "client_1"]});
        assert_eq!(check_claims(&claims(ok.clone()), &rules, at(1)), Ok(()));
        let mut bad = ok.clone();
        bad["iss"] = json!("https://other");
        assert_eq!(check_claims(&claims(bad), &rules, at(1)), Err(FailureDetail::IssuerMismatch));
        let mut bad = ok.clone();
        bad["aud"] = json!("client_2");
        assert_eq!(check_claims(&claims(bad), &rules, at(1)), Err(FailureDetail::AudienceMismatch));
        let mut bad = ok.clone();
        bad["roles"] = json!("admin");
        assert_eq!(check_claims(&claims(bad), &rules, at(1)), Err(FailureDetail::ClaimType));
        let mut bad = ok.clone();
        bad["sub_type"] = json!("agent");
        assert_eq!(check_claims(&claims(bad), &rules, at(1)), Err(FailureDetail::NotUserToken));
        let mut bad = ok;
        bad.as_object_mut().unwrap().remove("sid");
        assert_eq!(check_claims(&claims(bad), &rules, at(1)), Err(FailureDetail::SidMissing));
    }

    #[test]
    fn header_rules() {
        let rules = TokenRules::default();
        let enc = |v: Value| b64::encode_url_nopad(v.to_string().as_bytes());
        let body = enc(json!({"sub": "u", "sid": "s"}));
        let token = |h: Value| format!("{}.{body}.c2ln", enc(h));
        let err = |t: &str| parse(t, &rules).err();
        assert_eq!(err(&token(json!({"alg": "none"}))), Some(FailureDetail::AlgNotAllowed));
        assert_eq!(err(&token(json!({"alg": "HS256"}))), Some(FailureDetail::AlgNotAllowed));
        assert_eq!(err(&token(json!({"alg": "RS384"}))), Some(FailureDetail::AlgNotAllowed));
        assert_eq!(err(&token(json!({"alg": "RS256", "crit": ["exp"]}))), Some(FailureDetail::CritUnsupported));
        assert_eq!(err(&token(json!({"alg": "RS256", "kid": 7}))), Some(FailureDetail::MalformedJwt));
        assert_eq!(err(&token(json!({"typ": "JWT"}))), Some(FailureDetail::MalformedJwt));
        assert_eq!(err("a.b"), Some(FailureDetail::MalformedJwt));
        let giant = token(json!({"alg": "RS256", "pad": "x".repeat(MAX_TOKEN_BYTES)}));
        assert_eq!(err(&giant), Some(FailureDetail::MalformedJwt));
        assert_eq!(err("a.b.c.d"), Some(FailureDetail::MalformedJwt));
        assert_eq!(err(&token(json!({"alg": "RS256", "jku": "https://evil", "x5u": "https://evil"}))), None);
    }
}
