//! Writes `vectors/cases.json`: every peer vector (with our expectation, from
//! `vectors/contract.json` where it differs or adds a detail code) plus our own cases
//! (`vectors/sessiongate.json`). `--check` fails when the committed file is stale.
//!
//! Expectations come from the vectors' data (the peer's result, the token's claims, the
//! sealed plaintext) and from contract.json: never from running sessiongate.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use serde_json::{Map, Value, json};

use crate::{Case, CaseConfig, Cases, Expected, read_json, session_keys, vectors_dir};

const MAX_COOKIE_BYTES: usize = 16 * 1024;

struct Contract {
    doc: Value,
    used: BTreeSet<(String, String)>,
}

impl Contract {
    fn entry(&mut self, file: &str, id: &str) -> Option<Value> {
        let entry = self.doc.get(file)?.get(id)?.clone();
        self.used.insert((file.to_owned(), id.to_owned()));
        Some(entry)
    }

    /// The entry every common-schema peer file shares for a vector name (`peer_defaults`).
    fn default_entry(&self, id: &str) -> Option<Value> {
        self.doc.get("peer_defaults")?.get(id).cloned()
    }

    fn rule_text(&self, entry: &Value) -> Option<String> {
        let rule = entry.get("rule")?.as_str()?;
        let text = self.doc["rules"][rule].as_str().unwrap_or_else(|| panic!("unknown rule {rule}"));
        Some(format!("{rule}: {text}"))
    }

    fn unused(&self) -> Vec<String> {
        let mut unused = Vec::new();
        let files = ["workos-python-10.8.0", "workos-node-11.0.0"].into_iter().chain(PEER_FILES.iter().map(|(f, _)| *f));
        for file in files {
            for id in self.doc[file].as_object().map(|o| o.keys().collect::<Vec<_>>()).unwrap_or_default() {
                if !self.used.contains(&(file.to_owned(), id.clone())) {
                    unused.push(format!("{file}/{id}"));
                }
            }
        }
        unused
    }
}

/// What a case expects, from the peer's verdict and our contract entry.
fn expectation(
    id: &str,
    peer_outcome: &str,
    peer_reason: Option<&str>,
    entry: Option<&Value>,
    session: impl FnOnce() -> Map<String, Value>,
) -> Expected {
    let outcome = entry.and_then(|e| e["outcome"].as_str()).unwrap_or(peer_outcome);
    match outcome {
        "authenticated" => Expected::Authenticated { session: session() },
        "configuration_error" => Expected::ConfigurationError,
        "failed" => {
            let detail = entry
                .and_then(|e| e["detail"].as_str())
                .unwrap_or_else(|| panic!("{id}: contract.json must give the detail code"));
            let known = sessiongate::FailureDetail::from_code(detail).unwrap_or_else(|| panic!("{id}: no detail {detail}"));
            // The reason: contract.json's, the peer's, or (common-schema files) the detail's.
            let reason = entry.and_then(|e| e["reason"].as_str()).or(peer_reason).unwrap_or(known.reason().as_str());
            assert_eq!(known.reason().as_str(), reason, "{id}: detail {detail} is not a {reason}");
            Expected::Failed { reason: reason.into(), detail: detail.into() }
        }
        other => panic!("{id}: outcome {other}?"),
    }
}

fn token_claims(token: &str) -> Map<String, Value> {
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// The session fields that come from the token's claims.
fn from_claims(format: &str, claims: &Map<String, Value>, access_token: &str) -> Map<String, Value> {
    let get = |name: &str| claims.get(name).cloned().unwrap_or(Value::Null);
    let amr = claims.get("amr").and_then(sessiongate::normalize_amr);
    let auth_time = claims.get("auth_time").and_then(Value::as_f64).map(|t| t.floor() as i64);
    json!({
        "format": format,
        "session_id": get("sid"),
        "organization_id": get("org_id"),
        "role": get("role"),
        "roles": get("roles"),
        "permissions": get("permissions"),
        "entitlements": get("entitlements"),
        "feature_flags": get("feature_flags"),
        "amr": amr,
        "acr": get("acr"),
        "auth_time": auth_time,
        "user": null,
        "impersonator": null,
        "authentication_method": null,
        "access_token": access_token,
    })
    .as_object()
    .unwrap()
    .clone()
}

fn python(contract: &mut Contract, jwks: &mut Map<String, Value>, cases: &mut Vec<Case>) {
    const FILE: &str = "workos-python-10.8.0";
    let doc = read_json(&vectors_dir().join(format!("peers/{FILE}.json")));
    jwks.insert(FILE.into(), doc["jwks"].clone());
    let now = doc["meta"]["generated_at_unix"].as_f64().unwrap();
    for v in doc["authenticate_vectors"].as_array().unwrap() {
        let name = v["name"].as_str().unwrap();
        let id = format!("{FILE}/{name}");
        let peer = &v["expected"];
        let entry = contract.entry(FILE, name);
        let (peer_outcome, peer_reason) = match peer["authenticated"].as_bool() {
            Some(true) => ("authenticated", None),
            Some(false) => ("failed", peer["reason"].as_str()),
            None => ("throws", None),
        };
        let session = || {
            let token = v["access_token"].as_str().unwrap();
            let mut s = from_claims("fernet", v["claims"].as_object().unwrap(), token);
            let sealed: Value = serde_json::from_str(v["sealed_plaintext"].as_str().unwrap()).unwrap();
            for key in ["user", "impersonator", "authentication_method"] {
                s.insert(key.into(), sealed.get(key).cloned().unwrap_or(Value::Null));
            }
            if peer_outcome == "authenticated" {
                for key in ["session_id", "organization_id", "role", "roles", "permissions", "entitlements", "feature_flags", "user", "impersonator"] {
                    assert_eq!(s[key], peer[key], "{id}: {key} from the token/plaintext differs from the peer's result");
                }
            }
            s
        };
        let expected = expectation(&id, peer_outcome, peer_reason, entry.as_ref(), session);
        let issuers = match &v["client_options"]["jwt_issuer"] {
            Value::Null => vec![],
            Value::String(s) => vec![s.clone()],
            Value::Array(items) => items.iter().map(|i| i.as_str().unwrap().to_owned()).collect(),
            other => panic!("{id}: jwt_issuer {other}"),
        };
        cases.push(Case {
            id,
            description: v["description"].as_str().unwrap().into(),
            config: CaseConfig {
                client_id: doc["meta"]["client_id"].as_str().unwrap().into(),
                cookie_passwords: vec![v["cookie_password"].as_str().unwrap().into()],
                jwks: FILE.into(),
                issuers,
                audiences: vec![],
                leeway: v["client_options"]["jwt_leeway"].as_f64().unwrap() as u64,
                require_exp: true,
                max_cookie_bytes: MAX_COOKIE_BYTES,
                formats: None,
                allow_weak_secrets: false,
            },
            now,
            cookie: v["cookie"].as_str().unwrap().into(),
            expected,
            peer: json!({"package": "workos==10.8.0", "expected": peer}),
            contract: entry.as_ref().and_then(|e| contract.rule_text(e)),
        });
    }
}

/// `2026-11-22T10:06:32.026Z` to Unix seconds.
fn iso_to_unix(iso: &str) -> f64 {
    let num = |range: std::ops::Range<usize>| iso[range].parse::<i64>().unwrap();
    let (y, m, d) = (num(0..4), num(5..7), num(8..10));
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds: f64 = iso[17..iso.len() - 1].parse().unwrap();
    (days * 86_400 + num(11..13) * 3600 + num(14..16) * 60) as f64 + seconds.floor()
}

fn node(contract: &mut Contract, jwks: &mut Map<String, Value>, cases: &mut Vec<Case>) {
    const FILE: &str = "workos-node-11.0.0";
    let doc = read_json(&vectors_dir().join(format!("peers/{FILE}.json")));
    jwks.insert(FILE.into(), doc["jwks"].clone());
    let now = iso_to_unix(doc["meta"]["generated_at"].as_str().unwrap());
    let issuer = doc["issuer"].as_str().unwrap();

    // Sessions of the vectors the SDK authenticates, for `session_like`.
    let mut sessions: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let node_session = |v: &Value, patch: Option<&Value>| {
        let result = &v["expected"]["result"];
        let token = result["accessToken"].as_str().unwrap();
        let claims = token_claims(token);
        let mut s = from_claims("iron", &claims, token);
        let mut user = result.get("user").cloned().unwrap_or(Value::Null);
        if let Some(patch) = patch {
            for (k, val) in patch.as_object().unwrap() {
                user[k] = val.clone();
            }
        }
        s.insert("user".into(), user);
        s.insert("impersonator".into(), result.get("impersonator").cloned().unwrap_or(Value::Null));
        s.insert("authentication_method".into(), result.get("authenticationMethod").cloned().unwrap_or(Value::Null));
        for (ours, theirs) in [("session_id", "sessionId"), ("organization_id", "organizationId"), ("role", "role"), ("roles", "roles"), ("permissions", "permissions"), ("entitlements", "entitlements"), ("feature_flags", "featureFlags")] {
            assert_eq!(s[ours], result.get(theirs).cloned().unwrap_or(Value::Null), "{}: {ours}", v["id"]);
        }
        if let Some(amr) = v.get("amr_in_token") {
            assert_eq!(&s["amr"], amr, "{}: amr", v["id"]);
        }
        s
    };
    for v in doc["vectors"].as_array().unwrap() {
        if v["expected"]["kind"] == "ok" {
            sessions.insert(v["id"].as_str().unwrap().into(), node_session(v, None));
        }
    }

    for v in doc["vectors"].as_array().unwrap() {
        let name = v["id"].as_str().unwrap();
        let mut variants = vec![(name.to_owned(), &v["expected"], vec![])];
        if let Some(with_issuer) = v.get("expected_with_issuer") {
            variants.push((format!("{name}/with_issuer"), with_issuer, vec![issuer.to_owned()]));
        }
        for (variant, peer, issuers) in variants {
            let id = format!("{FILE}/{variant}");
            let entry = contract.entry(FILE, &variant);
            let (peer_outcome, peer_reason) = match peer["kind"].as_str().unwrap() {
                "ok" => ("authenticated", None),
                "fail" => ("failed", peer["result"]["reason"].as_str()),
                _ => ("throws", None),
            };
            let session = || match entry.as_ref().and_then(|e| e["session_like"].as_str()) {
                Some(like) => sessions[like].clone(),
                None => node_session(v, entry.as_ref().and_then(|e| e.get("user_patch"))),
            };
            let expected = expectation(&id, peer_outcome, peer_reason, entry.as_ref(), session);
            cases.push(Case {
                id,
                description: v["description"].as_str().unwrap().into(),
                config: CaseConfig {
                    client_id: doc["client_id"].as_str().unwrap().into(),
                    cookie_passwords: vec![v["password"].as_str().unwrap().into()],
                    jwks: FILE.into(),
                    issuers,
                    audiences: vec![],
                    leeway: 0,
                    require_exp: true,
                    max_cookie_bytes: MAX_COOKIE_BYTES,
                    formats: None,
                    allow_weak_secrets: false,
                },
                now,
                cookie: v["cookie"].as_str().unwrap().into(),
                expected,
                peer: json!({"package": "@workos-inc/node@11.0.0", "expected": peer}),
                contract: entry.as_ref().and_then(|e| contract.rule_text(e)),
            });
        }
    }
}

/// The peer files in the common schema (`seal_kats`, `authenticate_vectors`), and the
/// format each SDK writes.
pub const PEER_FILES: [(&str, &str); 10] = [
    ("authkit-react-router-0.12.2", "react-router"),
    ("authkit-session-0.7.1", "iron"),
    ("workos-dotnet-6.2.0", "dotnet"),
    ("workos-go-10.1.1", "go"),
    ("workos-kotlin-7.2.0", "iron"),
    ("workos-node-12.3.0", "iron"),
    ("workos-php-4.32.0", "php-halite"),
    ("workos-php-9.0.0", "php"),
    ("workos-ruby-10.2.1", "ruby"),
    ("workos-ruby-6.2.0", "ruby-legacy"),
];

/// A vector's `plaintext_opened_as` label as a format name.
fn label_format(label: &str) -> Option<&'static str> {
    Some(match label {
        "iron" => "iron",
        "rr_wrapped" => "react-router",
        "ruby_v1" => "ruby",
        "ruby_legacy" => "ruby-legacy",
        "go_gcm" => "go",
        "php_secretbox" => "php",
        "php_halite" => "php-halite",
        "dotnet" => "dotnet",
        _ => return None,
    })
}

/// `InvalidJwt`, `INVALID_JWT`, `invalid_jwt` → `invalid_jwt`.
fn snake(reason: &str) -> String {
    let mut out = String::new();
    for (i, c) in reason.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 && !reason.chars().nth(i - 1).is_some_and(|p| p.is_ascii_uppercase() || p == '_') {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// One peer file of the common schema. Every vector becomes a case; the peer's verdict is
/// `inferred_authenticate` (workos-kotlin's authenticate could not run) or `expected`. Where
/// our outcome or reason differs from the peer's, contract.json must name the rule.
fn peer_file(contract: &mut Contract, jwks: &mut Map<String, Value>, cases: &mut Vec<Case>, file: &str, own_format: &str) {
    let doc = read_json(&vectors_dir().join(format!("peers/{file}.json")));
    jwks.insert(file.into(), doc["jwks"].clone());
    let now = doc["meta"]["generated_at_unix"].as_f64().unwrap();
    let package = format!("{}@{}", doc["meta"]["sdk"].as_str().unwrap(), doc["meta"]["version"].as_str().unwrap());
    // The dotnet format is opt-in: its file's gate reads every format.
    let formats = (own_format == "dotnet").then(|| sessiongate::SealFormat::ALL.iter().map(|f| f.as_str().to_owned()).collect::<Vec<_>>());
    for v in doc["authenticate_vectors"].as_array().unwrap() {
        let name = v["name"].as_str().unwrap();
        let entry = contract.entry(file, name).or_else(|| contract.default_entry(name));
        let peer = v.get("inferred_authenticate").unwrap_or(&v["expected"]);
        let peer_outcome = match peer.get("authenticated").and_then(Value::as_bool) {
            Some(true) => "authenticated",
            _ if peer.get("raises").is_some() || peer.get("seal_raises").is_some() => "throws",
            _ => "failed",
        };
        let peer_reason = peer.get("reason").and_then(Value::as_str).filter(|r| !r.is_empty()).map(snake);
        let format = entry
            .as_ref()
            .and_then(|e| e["format"].as_str())
            .or_else(|| v["plaintext_opened_as"].as_str().and_then(label_format))
            .unwrap_or(own_format);
        let session = || {
            let plaintext = sessiongate::parse_json_lenient(v["plaintext"].as_str().unwrap_or_else(|| panic!("{file}/{name}: no plaintext"))).unwrap();
            // Halite's envelope: the session is under `data`.
            let sealed = if format == "php-halite" { plaintext["data"].clone() } else { plaintext };
            // The token: the vector's, else the sealed one; its claims: the vector's, else decoded.
            let token = v["access_token"]
                .as_str()
                .or_else(|| sealed["accessToken"].as_str())
                .or_else(|| sealed["access_token"].as_str())
                .unwrap_or_else(|| panic!("{file}/{name}: no access token"))
                .to_owned();
            let claims = v["claims"].as_object().cloned().unwrap_or_else(|| token_claims(&token));
            let mut s = from_claims(format, &claims, &token);
            let camel = matches!(format, "iron" | "react-router");
            let get = |camel_name: &str, snake_name: &str| {
                let (first, second) = if camel { (camel_name, snake_name) } else { (snake_name, camel_name) };
                sealed.get(first).filter(|v| !v.is_null()).or_else(|| sealed.get(second)).cloned().unwrap_or(Value::Null)
            };
            let mut user = get("user", "user");
            // php_empty_objects: PHP writes an empty object as [], read as {}.
            if format.starts_with("php") && let Some(user) = user.as_object_mut() {
                for value in user.values_mut() {
                    if value.as_array().is_some_and(Vec::is_empty) {
                        *value = json!({});
                    }
                }
            }
            let mut impersonator = get("impersonator", "impersonator");
            // ruby_legacy_impersonator: workos-ruby 6 writes the string "null" for none.
            if impersonator == "null" && matches!(format, "ruby-legacy" | "go") {
                impersonator = Value::Null;
            }
            s.insert("user".into(), user);
            s.insert("impersonator".into(), impersonator);
            s.insert("authentication_method".into(), get("authenticationMethod", "authentication_method"));
            if let Some(patch) = entry.as_ref().and_then(|e| e.get("user_patch")) {
                for (k, val) in patch.as_object().unwrap() {
                    s["user"][k] = val.clone();
                }
            }
            s
        };
        let id = format!("{file}/{name}");
        let expected = expectation(&id, peer_outcome, None, entry.as_ref(), session);
        // Our reason (or outcome) differs from the peer's: the contract must say why.
        let differs = match (&expected, peer_outcome) {
            (Expected::Authenticated { .. }, "authenticated") => false,
            (Expected::Failed { reason, .. }, "failed") => peer_reason.as_ref().is_some_and(|r| r != reason),
            _ => true,
        };
        let rule = entry.as_ref().and_then(|e| contract.rule_text(e));
        assert!(!differs || rule.is_some(), "{id}: we differ from the peer ({peer_outcome} {peer_reason:?}): contract.json must name the rule");
        let config = CaseConfig {
            client_id: doc["meta"]["client_id"].as_str().unwrap().into(),
            cookie_passwords: vec![v["cookie_password"].as_str().unwrap().into()],
            jwks: file.into(),
            issuers: vec![],
            audiences: vec![],
            leeway: 0,
            require_exp: true,
            max_cookie_bytes: MAX_COOKIE_BYTES,
            formats: formats.clone(),
            allow_weak_secrets: false,
        };
        let case = Case {
            id: id.clone(),
            description: v["description"].as_str().unwrap().into(),
            config: config.clone(),
            now,
            cookie: v["cookie"].as_str().unwrap_or_default().into(),
            expected,
            peer: json!({"package": package, "expected": v["expected"]}),
            contract: rule,
        };
        // A cookie of another format, which we read: with only the SDK's own format enabled,
        // it is refused, as the SDK refuses it.
        if (name.starts_with("foreign_format_") || name == "bare_iron_seal") && format != own_format {
            let mut own = case.clone();
            own.id = format!("{id}/formats_{own_format}");
            own.config = CaseConfig { formats: Some(vec![own_format.to_owned()]), ..config };
            // The standard-base64 layouts cannot be told apart: the own format's keys are tried
            // (and fail) where its layout fits the bytes (ruby's needs its version byte).
            let binary = |f: &str| matches!(f, "ruby-legacy" | "go" | "php" | "ruby");
            let detail = if binary(format) && binary(own_format) && own_format != "ruby" { "mac_mismatch" } else { "format_not_enabled" };
            own.expected = Expected::Failed { reason: "invalid_session_cookie".into(), detail: detail.into() };
            own.contract = None;
            cases.push(case);
            cases.push(own);
        } else {
            cases.push(case);
        }
    }
}

/// Random bytes per format, in the sealer's draw order (see `internals::Entropy`), pinned so
/// that cases.json is reproducible.
fn pinned_entropy(format: sessiongate::SealFormat, time: u64) -> sessiongate::internals::FixedEntropy {
    use sessiongate::SealFormat as F;
    let sizes: &[usize] = match format {
        F::Iron | F::ReactRouter => &[32, 16, 32],
        F::Fernet => &[16],
        F::Ruby | F::RubyLegacy | F::Go => &[12],
        F::Php => &[24],
        F::PhpHalite => &[24, 32],
        F::Dotnet => &[16, 12],
        _ => &[],
    };
    let chunks = sizes.iter().enumerate().map(|(i, n)| vec![0x41 + i as u8; *n]).collect();
    sessiongate::internals::FixedEntropy { chunks, time }
}

/// Our own cases for the formats: one session (workos-go's valid_with_amr token and user)
/// sealed by sessiongate in every format, read back by every binding; and the payload shapes
/// no SDK writes. The cookies are made with the core's sealer (pinned randomness); the
/// expectations come from the token's claims and the sealed user, as for the peers.
fn format_cases(jwks: &Map<String, Value>, cases: &mut Vec<Case>) {
    use sessiongate::SealFormat;
    use sessiongate::internals::{FormatSet, SecretOptions, Secrets, seal_with};
    const FILE: &str = "workos-go-10.1.1";
    // The base64 of a 32-byte key: a password for every format but ruby-legacy.
    const KEY: &str = "c2Vzc2lvbmdhdGUtZm9ybWF0LWNhc2VzLWtleS0zMiE=";
    // Exactly 32 bytes, for ruby-legacy.
    const RAW_32: &str = "sessiongate-legacy-32-byte-key!!";
    assert!(jwks.contains_key(FILE));
    let doc = read_json(&vectors_dir().join(format!("peers/{FILE}.json")));
    let v = doc["authenticate_vectors"].as_array().unwrap().iter().find(|v| v["name"] == "valid_with_amr").unwrap();
    let token = v["access_token"].as_str().unwrap();
    let user = v["seal_input"]["user"].clone();
    let now = doc["meta"]["generated_at_unix"].as_f64().unwrap();
    let all: Vec<String> = SealFormat::ALL.iter().map(|f| f.as_str().to_owned()).collect();
    let config = |password: &str, formats: Option<Vec<String>>| CaseConfig {
        client_id: doc["meta"]["client_id"].as_str().unwrap().into(),
        cookie_passwords: vec![password.into()],
        jwks: FILE.into(),
        issuers: vec![],
        audiences: vec![],
        leeway: 0,
        require_exp: true,
        max_cookie_bytes: MAX_COOKIE_BYTES,
        formats,
        allow_weak_secrets: false,
    };
    let seal = |format: SealFormat, password: &str, payload: &Value| {
        let secrets = Secrets::with_options([password], SecretOptions { formats: FormatSet::of(&SealFormat::ALL), allow_weak_secrets: false }).unwrap();
        seal_with(payload, &secrets, format, &mut pinned_entropy(format, now as u64)).unwrap()
    };
    let session_data = sessiongate::SessionData {
        access_token: token.into(),
        refresh_token: "rt_sessiongate_formats".into(),
        user: user.clone(),
        ..Default::default()
    };
    let mut push = |id: &str, description: &str, config: CaseConfig, cookie: String, expected: Expected| {
        cases.push(Case {
            id: format!("sessiongate-formats/{id}"),
            description: description.into(),
            config,
            now,
            cookie,
            expected,
            peer: Value::Null,
            contract: None,
        });
    };
    let authenticated = |format: SealFormat| {
        let mut s = from_claims(format.as_str(), v["claims"].as_object().unwrap(), token);
        s.insert("user".into(), user.clone());
        Expected::Authenticated { session: s }
    };
    let failed = |detail: &str| Expected::Failed { reason: "invalid_session_cookie".into(), detail: detail.into() };
    for format in SealFormat::ALL {
        let password = if format == SealFormat::RubyLegacy { RAW_32 } else { KEY };
        let cookie = seal(format, password, &session_data.to_payload(format));
        let formats = (format == SealFormat::Dotnet).then(|| all.clone());
        push(format.as_str(), &format!("one session sealed by sessiongate as the {format} SDK writes it"), config(password, formats), cookie.clone(), authenticated(format));
        if format == SealFormat::Dotnet {
            push("dotnet_not_enabled", "a dotnet cookie at a gate with the default formats (dotnet is opt-in)", config(password, None), cookie.clone(), failed("format_not_enabled"));
        }
        if format == SealFormat::Go {
            let encoded = sessiongate::internals::text::uri_encode_component(&cookie);
            assert_ne!(encoded, cookie);
            push("go_uri_encoded", "a go cookie URI-encoded (encodeURIComponent), as a framework may store it: decoded once", config(password, None), encoded, authenticated(format));
        }
    }
    let mut odd_user = session_data.to_payload(SealFormat::Go);
    odd_user["user"] = json!("user_01NCYZDMD99SDB9732HPAFQYW9");
    push("user_not_an_object", "a go seal whose user is a string: no SDK writes one", config(KEY, None), seal(SealFormat::Go, KEY, &odd_user), failed("payload_shape"));
    let mut odd_impersonator = session_data.to_payload(SealFormat::Ruby);
    odd_impersonator["impersonator"] = json!("null");
    push("impersonator_string_in_ruby", "a ruby (v1) seal with impersonator \"null\": only workos-ruby 6 writes that string, in its own layout", config(KEY, None), seal(SealFormat::Ruby, KEY, &odd_impersonator), failed("payload_shape"));
}

/// The text `vectors/cases.json` must hold.
pub fn render() -> String {
    let mut contract = Contract { doc: read_json(&vectors_dir().join("contract.json")), used: BTreeSet::new() };
    let mut jwks = Map::new();
    let mut cases = Vec::new();
    python(&mut contract, &mut jwks, &mut cases);
    node(&mut contract, &mut jwks, &mut cases);
    for (file, format) in PEER_FILES {
        peer_file(&mut contract, &mut jwks, &mut cases, file, format);
    }
    format_cases(&jwks, &mut cases);
    let unused = contract.unused();
    assert!(unused.is_empty(), "contract.json names vectors that do not exist: {unused:?}");

    let ours_path = vectors_dir().join("sessiongate.json");
    if ours_path.exists() {
        let ours: Cases = serde_json::from_value(read_json(&ours_path)).unwrap();
        jwks.extend(ours.jwks);
        cases.extend(ours.cases);
    }
    let mut ids = BTreeSet::new();
    for case in &mut cases {
        assert!(ids.insert(case.id.clone()), "duplicate case id {}", case.id);
        // Every expected session lists the keys in the order of `session_keys`.
        if let Expected::Authenticated { session } = &mut case.expected {
            let mut ordered = Map::new();
            for key in session_keys() {
                let value = session.remove(&key).unwrap_or_else(|| panic!("{}: no {key}", case.id));
                ordered.insert(key, value);
            }
            assert!(session.is_empty(), "{}: keys outside session_keys: {:?}", case.id, session.keys());
            *session = ordered;
        }
    }

    let all = Cases {
        about: "Generated by `cargo xtask codegen` from peers/*.json, contract.json and sessiongate.json: do not edit. Schema: README.md.".into(),
        session_keys: session_keys(),
        jwks,
        cases,
    };
    serde_json::to_string_pretty(&all).unwrap() + "\n"
}

/// Writes `vectors/cases.json`, or with `check` fails if the committed file differs.
pub fn write(check: bool) -> Result<(), String> {
    let text = render();
    let path = vectors_dir().join("cases.json");
    if check {
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != text {
            return Err(format!("{} is stale: run `cargo xtask codegen`", path.display()));
        }
    } else {
        std::fs::write(&path, &text).map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
