//! The claim rules (everything but the signature) and the readings of the claims that the
//! session, step-up and every binding share (`amr`, `auth_time`).

use std::time::SystemTime;

use serde_json::{Map, Value};

use crate::error::FailureDetail;
use crate::util::time::to_unix_seconds;

use super::TokenRules;

/// A JSON object of claims, in the token's order.
pub type Claims = Map<String, Value>;

/// Reads an `amr` claim in the shapes issuers emit: a list of strings (RFC 8176) as is; a
/// single string as a one-element list; a list of objects with a `method` field (Supabase)
/// as those methods. Anything else is treated as absent, so MFA-requiring policies deny.
pub fn normalize_amr(amr: &Value) -> Option<Vec<String>> {
    match amr {
        Value::String(method) => Some(vec![method.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::String(method) => Some(method.clone()),
                Value::Object(entry) => entry.get("method").and_then(Value::as_str).map(str::to_owned),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// The `amr` claim, normalized: the one reading the session, step-up and every binding share.
pub fn amr(claims: &Claims) -> Option<Vec<String>> {
    claims.get("amr").and_then(normalize_amr)
}

/// The `auth_time` claim in whole seconds, floored.
pub fn auth_time(claims: &Claims) -> Option<i64> {
    claims.get("auth_time").and_then(Value::as_f64).map(|t| t.floor() as i64)
}

/// How far ahead of this clock an `iat` may be, beyond the leeway: a token the issuer signed
/// this very moment carries the issuer's clock, which may lead ours by a fraction of a second
/// (WorkOS's `iat` of a token just refreshed, NTP-synced machines). Refusing it would reject
/// the token the refresh just returned, and the next request would refresh again. PyJWT
/// refuses any future `iat`; jose (@workos-inc/node) does not check `iat` at all.
pub const ISSUED_AT_SKEW: f64 = 1.0;

/// Applies the claim rules (everything but the signature) at `now`. Times compare with their
/// fractions (an `exp` of now + 0.5 s has passed at now + 0.9 s); whole-second claims behave
/// exactly as with the peers' whole-second clocks.
pub fn check_claims(claims: &Claims, rules: &TokenRules, now: SystemTime) -> Result<(), FailureDetail> {
    let named = Named::read(claims);
    let now = to_unix_seconds(now);
    let leeway = rules.leeway.as_secs_f64();

    let exp = time_claim(named.exp)?;
    let nbf = time_claim(named.nbf)?;
    let iat = time_claim(named.iat)?;
    let auth_time = time_claim(named.auth_time)?;
    match exp {
        None if rules.require_exp => return Err(FailureDetail::ExpMissing),
        Some(exp) if exp <= now - leeway => return Err(FailureDetail::Expired),
        _ => {}
    }
    if nbf.is_some_and(|nbf| nbf > now + leeway) {
        return Err(FailureDetail::NotYetValid);
    }
    if iat.is_some_and(|iat| iat > now + leeway + ISSUED_AT_SKEW) {
        return Err(FailureDetail::IssuedInFuture);
    }
    // An authentication later than now cannot have happened: it would satisfy any max_age.
    if auth_time.is_some_and(|auth_time| auth_time > now + leeway) {
        return Err(FailureDetail::AuthTimeInFuture);
    }

    match named.sid {
        Some(Value::String(_)) => {}
        None if !rules.require_sid => {}
        None | Some(Value::Null) => return Err(FailureDetail::SidMissing),
        Some(_) => return Err(FailureDetail::ClaimType),
    }
    for claim in named.strings {
        optional_string(claim)?;
    }
    // A token without a subject is no user's session (and cannot be bound to a sealed user).
    if named.strings[Named::SUB].is_none_or(Value::is_null) {
        return Err(FailureDetail::SubMissing);
    }
    for claim in named.string_lists {
        optional_string_list(claim)?;
    }

    if !rules.issuers.is_empty() {
        let iss = named.strings[Named::ISS].and_then(Value::as_str);
        if !iss.is_some_and(|iss| rules.issuers.iter().any(|i| i == iss)) {
            return Err(FailureDetail::IssuerMismatch);
        }
    }
    if !rules.audiences.is_empty() {
        let matches = |aud: &str| rules.audiences.iter().any(|a| a == aud);
        let ok = match named.aud {
            Some(Value::String(aud)) => matches(aud),
            Some(Value::Array(auds)) => auds.iter().filter_map(Value::as_str).any(matches),
            _ => false,
        };
        if !ok {
            return Err(FailureDetail::AudienceMismatch);
        }
    }

    // Agent and widget tokens are not a user's session (as workos-python 10.8.0).
    let sub_type_set = named.sub_type.is_some_and(|v| !v.is_null());
    let sub_profile_other = named.sub_profile.is_some_and(|v| !v.is_null() && v != "user");
    if sub_type_set || sub_profile_other {
        return Err(FailureDetail::NotUserToken);
    }
    Ok(())
}

/// The claims the rules read, found in one pass over the claims (a hashed lookup per name
/// costs more than the whole walk, and this runs on every cache hit).
#[derive(Default)]
struct Named<'c> {
    exp: Option<&'c Value>,
    nbf: Option<&'c Value>,
    iat: Option<&'c Value>,
    auth_time: Option<&'c Value>,
    sid: Option<&'c Value>,
    aud: Option<&'c Value>,
    sub_type: Option<&'c Value>,
    sub_profile: Option<&'c Value>,
    /// `sub`, `jti`, `org_id`, `role`, `acr`, `iss`: strings when present.
    strings: [Option<&'c Value>; 6],
    /// `roles`, `permissions`, `entitlements`, `feature_flags`: lists of strings when present.
    string_lists: [Option<&'c Value>; 4],
}

impl<'c> Named<'c> {
    const SUB: usize = 0;
    const ISS: usize = 5;

    fn read(claims: &'c Claims) -> Named<'c> {
        let mut named = Named::default();
        for (name, value) in claims {
            let slot = match name.as_str() {
                "exp" => &mut named.exp,
                "nbf" => &mut named.nbf,
                "iat" => &mut named.iat,
                "auth_time" => &mut named.auth_time,
                "sid" => &mut named.sid,
                "aud" => &mut named.aud,
                "sub_type" => &mut named.sub_type,
                "sub_profile" => &mut named.sub_profile,
                "sub" => &mut named.strings[Named::SUB],
                "jti" => &mut named.strings[1],
                "org_id" => &mut named.strings[2],
                "role" => &mut named.strings[3],
                "acr" => &mut named.strings[4],
                "iss" => &mut named.strings[Named::ISS],
                "roles" => &mut named.string_lists[0],
                "permissions" => &mut named.string_lists[1],
                "entitlements" => &mut named.string_lists[2],
                "feature_flags" => &mut named.string_lists[3],
                _ => continue,
            };
            *slot = Some(value);
        }
        named
    }
}

fn time_claim(claim: Option<&Value>) -> Result<Option<f64>, FailureDetail> {
    match claim {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_f64().map(Some).ok_or(FailureDetail::ClaimType),
        Some(_) => Err(FailureDetail::ClaimType),
    }
}

fn optional_string(claim: Option<&Value>) -> Result<(), FailureDetail> {
    match claim {
        None | Some(Value::Null | Value::String(_)) => Ok(()),
        Some(_) => Err(FailureDetail::ClaimType),
    }
}

fn optional_string_list(claim: Option<&Value>) -> Result<(), FailureDetail> {
    match claim {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => Ok(()),
        Some(_) => Err(FailureDetail::ClaimType),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn amr_shapes() {
        assert_eq!(normalize_amr(&json!(["pwd", "mfa"])), Some(vec!["pwd".into(), "mfa".into()]));
        assert_eq!(normalize_amr(&json!("mfa")), Some(vec!["mfa".into()]));
        assert_eq!(
            normalize_amr(&json!([{"method": "password", "timestamp": 1}, {"method": "totp"}])),
            Some(vec!["password".into(), "totp".into()])
        );
        assert_eq!(normalize_amr(&json!([1, 2])), None);
        assert_eq!(normalize_amr(&json!({"method": "mfa"})), None);
        assert_eq!(normalize_amr(&json!(null)), None);
        assert_eq!(normalize_amr(&json!([])), Some(vec![]));
    }
}
