//! JSON Web Key Sets: parsing with hygiene, and choosing the key for a token.
//!
//! Unusable keys are skipped, not fatal: RSA under 2048 bits, `use` other than `sig`,
//! `key_ops` without `verify`, symmetric (`oct`) keys, unknown `kty`, an `alg` we never
//! accept, or key material aws-lc refuses (a point off its curve, an RSA key over 8192 bits).
//! A set keeps at most [`MAX_KEYS`] keys.
//!
//! Keys come from a static document or from the issuer's URL ([`remote`], chosen by
//! [`source`]). jsonwebtoken reads the JWKs; none of its types is part of sessiongate's API.

pub mod remote;
pub use remote::{JwksClock, JwksOptions, JwksStatus};
pub mod source;

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{self as sig, ParsedPublicKey, VerificationAlgorithm};
use jsonwebtoken::{DecodingKey, jwk::AlgorithmParameters};
use serde_json::Value;

use crate::error::{Error, FailureDetail};
use crate::util::b64;

/// A token signature algorithm sessiongate verifies. `none` and the symmetric HS* algorithms
/// cannot be expressed: a public key must never be usable as an HMAC secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::upper_case_acronyms)]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (WorkOS's).
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// RSASSA-PSS with SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512.
    PS512,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// ECDSA on P-384 with SHA-384.
    ES384,
    /// Ed25519.
    EdDSA,
}

/// Which kind of key verifies an algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Rsa,
    Ec,
    Ed,
}

impl Algorithm {
    /// Every algorithm, in the order of [`Algorithm::as_str`]'s names.
    pub const ALL: [Algorithm; 9] = [
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
    ];

    /// The JOSE name (`RS256`...).
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::EdDSA => "EdDSA",
        }
    }

    /// The algorithm with this JOSE name (exact, case-sensitive, as RFC 7518 spells it).
    pub fn from_name(name: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|alg| alg.as_str() == name)
    }

    fn family(self) -> Family {
        match self {
            Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512 => Family::Rsa,
            Algorithm::PS256 | Algorithm::PS384 | Algorithm::PS512 => Family::Rsa,
            Algorithm::ES256 | Algorithm::ES384 => Family::Ec,
            Algorithm::EdDSA => Family::Ed,
        }
    }

    fn verification(self) -> &'static dyn VerificationAlgorithm {
        // RSA: 2048 bits and up; ECDSA: JOSE's fixed-length `r || s` signatures.
        match self {
            Algorithm::RS256 => &sig::RSA_PKCS1_2048_8192_SHA256,
            Algorithm::RS384 => &sig::RSA_PKCS1_2048_8192_SHA384,
            Algorithm::RS512 => &sig::RSA_PKCS1_2048_8192_SHA512,
            Algorithm::PS256 => &sig::RSA_PSS_2048_8192_SHA256,
            Algorithm::PS384 => &sig::RSA_PSS_2048_8192_SHA384,
            Algorithm::PS512 => &sig::RSA_PSS_2048_8192_SHA512,
            Algorithm::ES256 => &sig::ECDSA_P256_SHA256_FIXED,
            Algorithm::ES384 => &sig::ECDSA_P384_SHA384_FIXED,
            Algorithm::EdDSA => &sig::ED25519,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses a configured algorithm name: the one rule every binding uses. `none` and HS* are
/// refused with their own message.
impl FromStr for Algorithm {
    type Err = Error;

    fn from_str(name: &str) -> Result<Algorithm, Error> {
        Algorithm::from_name(name).ok_or_else(|| {
            let shown: String = name.chars().take(16).filter(|c| !c.is_control()).collect();
            if name.eq_ignore_ascii_case("none") || name.to_ascii_uppercase().starts_with("HS") {
                Error::Configuration(format!("the token algorithm {shown:?} is never accepted (no signature, or a symmetric key)"))
            } else {
                let names: Vec<&str> = Algorithm::ALL.iter().map(|a| a.as_str()).collect();
                Error::Configuration(format!("unknown token algorithm {shown:?} (known: {})", names.join(", ")))
            }
        })
    }
}

/// The most keys a set may hold; the rest are skipped (and counted in
/// [`JwksStatus::skipped_keys`]).
pub const MAX_KEYS: usize = 64;
/// The smallest RSA modulus we accept, in bits.
pub const MIN_RSA_BITS: usize = 2048;

/// One verification key from a JWKS.
pub struct VerifyingKey {
    kid: Option<String>,
    alg: Option<Algorithm>,
    family: Family,
    /// The key parsed once per algorithm it may verify, so a verification does no key setup
    /// (for RSA, the Montgomery constants are computed on first use and kept).
    parsed: Vec<(Algorithm, ParsedPublicKey)>,
}

impl VerifyingKey {
    /// The key id, if the JWK had one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Whether `signature` over `message` verifies under this key with `alg`.
    pub(crate) fn verifies(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        self.parsed.iter().find(|(a, _)| *a == alg).is_some_and(|(_, key)| key.verify_sig(message, signature).is_ok())
    }

    fn accepts(&self, alg: Algorithm) -> bool {
        alg.family() == self.family && self.alg.is_none_or(|a| a == alg)
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey").field("kid", &self.kid).field("alg", &self.alg).finish_non_exhaustive()
    }
}

/// A parsed key set. Each parse gets a fresh `version`, so caches keyed on it are dropped
/// when keys rotate.
#[derive(Debug)]
pub struct KeySet {
    keys: Vec<VerifyingKey>,
    skipped: usize,
    version: u64,
}

static NEXT_VERSION: AtomicU64 = AtomicU64::new(1);

/// Why a JWKS document could not be used at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySetError {
    /// Not JSON, or not an object with a `keys` array.
    NotAJwks,
    /// A JWKS, but none of its keys is usable.
    NoUsableKeys {
        /// How many keys were skipped.
        skipped: usize,
    },
}

impl fmt::Display for KeySetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySetError::NotAJwks => f.write_str("not a JWKS (a JSON object with a \"keys\" array)"),
            KeySetError::NoUsableKeys { skipped } => write!(f, "no usable key in the JWKS ({skipped} skipped)"),
        }
    }
}

impl KeySet {
    /// Parses a JWKS document.
    pub fn from_json(json: &[u8]) -> Result<KeySet, KeySetError> {
        let doc: Value = serde_json::from_slice(json).map_err(|_| KeySetError::NotAJwks)?;
        KeySet::from_value(&doc)
    }

    /// Parses an already-decoded JWKS document.
    pub fn from_value(doc: &Value) -> Result<KeySet, KeySetError> {
        let entries = doc.get("keys").and_then(Value::as_array).ok_or(KeySetError::NotAJwks)?;
        let mut keys = Vec::new();
        let mut skipped = 0;
        for entry in entries {
            match (keys.len() < MAX_KEYS).then(|| usable_key(entry)).flatten() {
                Some(key) => keys.push(key),
                None => skipped += 1,
            }
        }
        if keys.is_empty() {
            return Err(KeySetError::NoUsableKeys { skipped });
        }
        Ok(KeySet { keys, skipped, version: NEXT_VERSION.fetch_add(1, Ordering::Relaxed) })
    }

    /// The usable keys' ids (keys without an id are listed as `None`).
    pub fn kids(&self) -> Vec<Option<String>> {
        self.keys.iter().map(|k| k.kid.clone()).collect()
    }

    /// How many keys of the document were skipped as unusable.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// A number unique to this parse of the set.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Whether a key with this id is present.
    pub fn contains_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|k| k.kid.as_deref() == Some(kid))
    }

    /// Chooses the key for a token: the key named by `kid`, or, without a `kid`, the only key
    /// that accepts `alg`.
    pub fn select(&self, kid: Option<&str>, alg: Algorithm) -> Result<&VerifyingKey, FailureDetail> {
        match kid {
            Some(kid) => {
                let mut named = self.keys.iter().filter(|k| k.kid.as_deref() == Some(kid)).peekable();
                if named.peek().is_none() {
                    return Err(FailureDetail::UnknownKid);
                }
                // The kid exists but is for another algorithm: the token cannot be verified.
                named.find(|k| k.accepts(alg)).ok_or(FailureDetail::SignatureInvalid)
            }
            None => {
                let mut candidates = self.keys.iter().filter(|k| k.accepts(alg));
                match (candidates.next(), candidates.next()) {
                    (Some(only), None) => Ok(only),
                    _ => Err(FailureDetail::KidAmbiguous),
                }
            }
        }
    }
}

fn usable_key(entry: &Value) -> Option<VerifyingKey> {
    let obj = entry.as_object()?;
    if obj.get("use").is_some_and(|u| u != "sig") {
        return None;
    }
    if let Some(ops) = obj.get("key_ops")
        && !ops.as_array()?.iter().any(|op| op == "verify")
    {
        return None;
    }
    let kid = match obj.get("kid") {
        None | Some(Value::Null) => None,
        Some(Value::String(kid)) => Some(kid.clone()),
        Some(_) => return None,
    };
    let alg = match obj.get("alg") {
        None | Some(Value::Null) => None,
        Some(Value::String(alg)) => Some(Algorithm::from_name(alg)?),
        Some(_) => return None,
    };
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(entry.clone()).ok()?;
    let (family, public_key) = match &jwk.algorithm {
        AlgorithmParameters::RSA(rsa) => {
            let n = b64::decode_url_nopad(&rsa.n).ok()?;
            let e = b64::decode_url_nopad(&rsa.e).ok()?;
            let significant = n.iter().skip_while(|b| **b == 0).count();
            let bits = significant * 8 - n.iter().find(|b| **b != 0).map_or(0, |b| b.leading_zeros() as usize);
            if bits < MIN_RSA_BITS {
                return None;
            }
            let der = aws_lc_rs::rsa::PublicKeyComponents { n: n.as_slice(), e: e.as_slice() }.as_der().ok()?;
            (Family::Rsa, der.as_ref().to_vec())
        }
        // jsonwebtoken decodes the raw point (EC) or key (Ed25519); aws-lc checks it below.
        AlgorithmParameters::EllipticCurve(_) => (Family::Ec, public_key_bytes(&jwk)?),
        AlgorithmParameters::OctetKeyPair(_) => (Family::Ed, public_key_bytes(&jwk)?),
        AlgorithmParameters::OctetKey(_) => return None,
        _ => return None,
    };
    if alg.is_some_and(|a| a.family() != family) {
        return None;
    }
    let parsed: Vec<_> = Algorithm::ALL
        .into_iter()
        .filter(|a| a.family() == family && alg.is_none_or(|alg| alg == *a))
        .filter_map(|a| Some((a, ParsedPublicKey::new(a.verification(), &public_key).ok()?)))
        .collect();
    if parsed.is_empty() {
        return None;
    }
    Some(VerifyingKey { kid, alg, family, parsed })
}

fn public_key_bytes(jwk: &jsonwebtoken::jwk::Jwk) -> Option<Vec<u8>> {
    Some(DecodingKey::from_jwk(jwk).ok()?.try_get_as_bytes().ok()?.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::test_support::peer_vectors;
    use serde_json::json;

    #[test]
    fn parses_the_peer_key_sets() {
        let node = peer_vectors("workos-node-11.0.0.json");
        let set = KeySet::from_value(&node["jwks"]).unwrap();
        assert_eq!(set.kids().len(), 2);
        assert!(set.select(None, Algorithm::RS256).is_err(), "two keys, no kid");
        let python = peer_vectors("workos-python-10.8.0.json");
        let set = KeySet::from_value(&python["jwks"]).unwrap();
        assert_eq!(set.select(None, Algorithm::RS256).unwrap().kid(), Some("sso_oidc_key_pair_01PEERTEST"));
        assert_eq!(set.select(Some("nope"), Algorithm::RS256).unwrap_err(), FailureDetail::UnknownKid);
        assert_eq!(set.select(Some("sso_oidc_key_pair_01PEERTEST"), Algorithm::ES256).unwrap_err(), FailureDetail::SignatureInvalid);
    }

    #[test]
    fn skips_unusable_keys() {
        let python = peer_vectors("workos-python-10.8.0.json");
        let good = python["jwks"]["keys"][0].clone();
        let with = |patch: Value| {
            let mut k = good.clone();
            for (name, v) in patch.as_object().unwrap() {
                k[name] = v.clone();
            }
            k
        };
        let doc = json!({"keys": [
            with(json!({"use": "enc", "kid": "enc"})),
            with(json!({"key_ops": ["encrypt"], "kid": "ops"})),
            with(json!({"alg": "HS256", "kid": "hs"})),
            with(json!({"n": "AQAB", "kid": "tiny"})),
            {"kty": "oct", "k": "c2VjcmV0", "kid": "oct"},
            {"kty": "weird", "kid": "weird"},
            "not an object",
            with(json!({"key_ops": ["verify"], "kid": "ok"})),
        ]});
        let set = KeySet::from_value(&doc).unwrap();
        assert_eq!(set.kids(), vec![Some("ok".to_string())]);
        assert_eq!(set.skipped(), 7);
        assert_eq!(KeySet::from_json(b"[]").unwrap_err(), KeySetError::NotAJwks);
        assert_eq!(KeySet::from_json(br#"{"keys": []}"#).unwrap_err(), KeySetError::NoUsableKeys { skipped: 0 });
    }

    #[test]
    fn never_accepts_symmetric_or_none() {
        for name in ["HS256", "HS384", "HS512", "none", "None", "hs256"] {
            let err = name.parse::<Algorithm>().unwrap_err();
            assert_eq!(err.code(), "configuration_error");
            assert!(err.to_string().contains("never accepted"), "{name}: {err}");
        }
        for name in ["rs256", "RS256 ", "ES256K", ""] {
            assert!(name.parse::<Algorithm>().unwrap_err().to_string().contains("unknown token algorithm"), "{name}");
        }
        for alg in Algorithm::ALL {
            assert_eq!(alg.as_str().parse::<Algorithm>(), Ok(alg));
        }
    }
}
