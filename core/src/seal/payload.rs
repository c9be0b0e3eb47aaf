//! The session inside a seal: reading either naming and every SDK's quirks, refusing shapes
//! no SDK writes.
//!
//! * camelCase (`accessToken`: iron, react-router) or snake_case (every other SDK); each
//!   format's own naming is read first, then the other.
//! * workos-ruby 5.7–6.2 writes `"impersonator": "null"` (a JSON *string*) when there is none;
//!   its layout is Go's too, so the string is read as absent for both.
//! * workos-php decodes objects into arrays, so an empty object comes back as `[]`
//!   (`user.metadata`, an empty impersonator): read as `{}` (or absent).
//! * authkit-react-router seals `headers: {}`, authkit-nextjs may seal a whole
//!   authentication response: keys we do not read are ignored.
//! * A `user` or `impersonator` that is neither an object nor null is refused
//!   (`payload_shape`): no SDK writes one.

use serde_json::{Map, Value};

use super::SealFormat;
use crate::error::FailureDetail;

/// The session fields of a sealed payload.
#[derive(Clone, PartialEq)]
pub struct SessionFields {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub user: Option<Value>,
    pub impersonator: Option<Value>,
    pub authentication_method: Option<String>,
    /// `organizationId` / `organization_id`, where the SDK seals it (the token's `org_id` is
    /// what the session reports).
    pub organization_id: Option<String>,
}

impl std::fmt::Debug for SessionFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionFields")
            .field("user_id", &self.user.as_ref().and_then(|u| u.get("id")))
            .finish_non_exhaustive()
    }
}

fn is_php(format: SealFormat) -> bool {
    matches!(format, SealFormat::Php | SealFormat::PhpHalite)
}

fn empty_array(value: &Value) -> bool {
    value.as_array().is_some_and(Vec::is_empty)
}

/// Reads the session fields of an opened payload.
pub fn read(format: SealFormat, data: Value) -> Result<SessionFields, FailureDetail> {
    let mut map = match data {
        Value::Object(map) => map,
        // iron-session reads a sealed `null` as `{}`.
        Value::Null => Map::new(),
        _ => return Err(FailureDetail::PayloadNotObject),
    };
    let camel_first = format.is_camel_case();
    let mut take = |camel: &str, snake: &str| {
        let (first, second) = if camel_first { (camel, snake) } else { (snake, camel) };
        map.remove(first).filter(|v| !v.is_null()).or_else(|| map.remove(second)).filter(|v| !v.is_null())
    };
    let access_token = match take("accessToken", "access_token") {
        None => return Err(FailureDetail::AccessTokenMissing),
        Some(Value::String(token)) if token.is_empty() => return Err(FailureDetail::AccessTokenMissing),
        Some(Value::String(token)) => token,
        Some(_) => return Err(FailureDetail::MalformedJwt),
    };
    let refresh_token = take("refreshToken", "refresh_token").and_then(into_string);
    let authentication_method = take("authenticationMethod", "authentication_method").and_then(into_string);
    let organization_id = take("organizationId", "organization_id").and_then(into_string);
    let user = match take("user", "user") {
        None => None,
        Some(Value::Object(mut user)) => {
            if is_php(format) {
                for value in user.values_mut() {
                    if empty_array(value) {
                        *value = Value::Object(Map::new());
                    }
                }
            }
            Some(Value::Object(user))
        }
        Some(empty) if is_php(format) && empty_array(&empty) => Some(Value::Object(Map::new())),
        Some(_) => return Err(FailureDetail::PayloadShape),
    };
    let impersonator = match take("impersonator", "impersonator") {
        None => None,
        Some(object @ Value::Object(_)) => Some(object),
        Some(Value::String(text)) if text == "null" && matches!(format, SealFormat::RubyLegacy | SealFormat::Go) => None,
        Some(empty) if is_php(format) && empty_array(&empty) => None,
        Some(_) => return Err(FailureDetail::PayloadShape),
    };
    Ok(SessionFields { access_token, refresh_token, user, impersonator, authentication_method, organization_id })
}

fn into_string(value: Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s),
        _ => None,
    }
}

/// The payload the SDK of `format` writes for a session (key names, order and the quirks
/// its readers expect). `user` `null` is left out where the SDK leaves it out.
pub fn write(
    format: SealFormat,
    access_token: &str,
    refresh_token: &str,
    user: &Value,
    impersonator: Option<&Value>,
    authentication_method: Option<&str>,
    organization_id: Option<&str>,
) -> Value {
    let camel = format.is_camel_case();
    let name = |camel_name: &'static str, snake_name: &'static str| if camel { camel_name } else { snake_name };
    let mut map = Map::new();
    map.insert(name("accessToken", "access_token").into(), Value::from(access_token));
    map.insert(name("refreshToken", "refresh_token").into(), Value::from(refresh_token));
    let user_optional = !matches!(format, SealFormat::Iron | SealFormat::Fernet | SealFormat::ReactRouter | SealFormat::RubyLegacy);
    if !(user_optional && user.is_null()) {
        map.insert("user".into(), user.clone());
    }
    if format == SealFormat::RubyLegacy {
        // AuthenticationResponse's layout: organization_id always, impersonator "null" when none.
        map.insert("organization_id".into(), organization_id.map_or(Value::Null, Value::from));
        map.insert("impersonator".into(), impersonator.cloned().unwrap_or_else(|| Value::from("null")));
        if let Some(method) = authentication_method {
            map.insert("authentication_method".into(), Value::from(method));
        }
        return Value::Object(map);
    }
    if let Some(impersonator) = impersonator {
        map.insert("impersonator".into(), impersonator.clone());
    }
    if let Some(method) = authentication_method {
        map.insert(name("authenticationMethod", "authentication_method").into(), Value::from(method));
    }
    if let Some(org) = organization_id {
        map.insert(name("organizationId", "organization_id").into(), Value::from(org));
    }
    if format == SealFormat::ReactRouter {
        // authkit-react-router seals its (still empty) headers with the session.
        map.insert("headers".into(), Value::Object(Map::new()));
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quirks_are_read_and_shapes_refused() {
        let legacy = json!({"access_token": "t", "user": {"id": "u"}, "impersonator": "null"});
        assert_eq!(read(SealFormat::RubyLegacy, legacy.clone()).unwrap().impersonator, None);
        assert_eq!(read(SealFormat::Ruby, legacy).unwrap_err(), FailureDetail::PayloadShape);
        let php = json!({"access_token": "t", "user": {"id": "u", "metadata": []}, "impersonator": []});
        let fields = read(SealFormat::Php, php.clone()).unwrap();
        assert_eq!(fields.user, Some(json!({"id": "u", "metadata": {}})));
        assert_eq!(fields.impersonator, None);
        assert_eq!(read(SealFormat::Go, php).unwrap_err(), FailureDetail::PayloadShape);
        assert_eq!(read(SealFormat::Iron, json!({"accessToken": "t", "user": "u"})).unwrap_err(), FailureDetail::PayloadShape);
        assert_eq!(read(SealFormat::Iron, json!({"accessToken": "t", "headers": {}})).unwrap().user, None);
        assert_eq!(read(SealFormat::Go, json!({"accessToken": "t"})).unwrap().access_token, "t", "either naming");
        assert_eq!(read(SealFormat::Go, json!([1])).unwrap_err(), FailureDetail::PayloadNotObject);
    }

    #[test]
    fn each_sdk_layout_is_written() {
        let user = json!({"id": "u"});
        let legacy = write(SealFormat::RubyLegacy, "a", "r", &user, None, None, None);
        assert_eq!(legacy.to_string(), r#"{"access_token":"a","refresh_token":"r","user":{"id":"u"},"organization_id":null,"impersonator":"null"}"#);
        let rr = write(SealFormat::ReactRouter, "a", "r", &user, None, None, None);
        assert_eq!(rr.to_string(), r#"{"accessToken":"a","refreshToken":"r","user":{"id":"u"},"headers":{}}"#);
        assert_eq!(write(SealFormat::Go, "a", "r", &Value::Null, None, None, None).to_string(), r#"{"access_token":"a","refresh_token":"r"}"#);
    }
}
