//! Every seal format against the real SDKs' vectors (`vectors/peers/*.json`):
//!
//! * every `seal_kats` entry is reproduced byte for byte (the SDK's pinned random bytes go
//!   through the core's entropy seam), so what we seal is what the SDK seals, and it reads it;
//! * every `authenticate_vectors` cookie is opened at the seal level with the vector's own
//!   password: it opens in the format the vector says, to the plaintext the vector recorded,
//!   or it is refused with a detail when the vector has no plaintext.
//!
//! The whole authenticate path (token, claims, reasons) runs from `cases.json` (vectors.rs).
//! The count per file is printed; nothing is skipped.

#![allow(clippy::unwrap_used, clippy::panic)]

use serde_json::Value;
use sessiongate::SealFormat;
use sessiongate::internals::{FixedEntropy, FormatSet, SecretOptions, Secrets, UnsealError, seal_with, unseal};
use sessiongate_vectors::{at, read_json, vectors_dir};

/// Every peer file with `seal_kats` and `authenticate_vectors`, and its format.
const FILES: [(&str, SealFormat); 10] = [
    ("authkit-react-router-0.12.2", SealFormat::ReactRouter),
    ("authkit-session-0.7.1", SealFormat::Iron),
    ("workos-dotnet-6.2.0", SealFormat::Dotnet),
    ("workos-go-10.1.1", SealFormat::Go),
    ("workos-kotlin-7.2.0", SealFormat::Iron),
    ("workos-node-12.3.0", SealFormat::Iron),
    ("workos-php-4.32.0", SealFormat::PhpHalite),
    ("workos-php-9.0.0", SealFormat::Php),
    ("workos-ruby-10.2.1", SealFormat::Ruby),
    ("workos-ruby-6.2.0", SealFormat::RubyLegacy),
];

fn doc(file: &str) -> Value {
    read_json(&vectors_dir().join(format!("peers/{file}.json")))
}

fn unhex(s: &str) -> Vec<u8> {
    sessiongate::internals::text::unhex(s).unwrap()
}

/// Every format, short secrets allowed: the vectors' passwords are what the SDKs took.
fn secrets(password: &str) -> Result<Secrets, sessiongate::Error> {
    Secrets::with_options([password], SecretOptions { formats: FormatSet::of(&SealFormat::ALL), allow_weak_secrets: true })
}

/// The pinned random bytes, in the order our sealer draws them.
fn entropy(format: SealFormat, kat: &Value) -> FixedEntropy {
    let pinned = &kat["pinned"];
    let bytes = |name: &str| unhex(pinned[name].as_str().unwrap_or_else(|| panic!("{}: no pinned {name}", kat["name"])));
    let (chunks, time) = match format {
        SealFormat::Iron | SealFormat::ReactRouter => {
            (vec![bytes("enc_salt_bytes_hex"), bytes("iv_hex"), bytes("mac_salt_bytes_hex")], 0)
        }
        SealFormat::Ruby | SealFormat::RubyLegacy | SealFormat::Go | SealFormat::Php => (vec![bytes("nonce_hex")], 0),
        SealFormat::PhpHalite => (vec![bytes("nonce_hex"), bytes("salt_hex")], pinned["time"].as_u64().unwrap()),
        SealFormat::Dotnet => (vec![bytes("salt_hex"), bytes("nonce_hex")], 0),
        other => panic!("no KAT layout for {other}"),
    };
    FixedEntropy { chunks, time }
}

/// What the SDK sealed, as a JSON value (Halite's envelope is ours to add).
fn sealed_value(format: SealFormat, kat: &Value) -> Value {
    let plaintext: Value = sessiongate::parse_json_lenient(kat["plaintext"].as_str().unwrap()).unwrap();
    if format == SealFormat::PhpHalite {
        assert_eq!(plaintext["expires_at"], kat["expires_at"], "{}", kat["name"]);
        return plaintext["data"].clone();
    }
    plaintext
}

#[test]
fn every_seal_kat_is_reproduced_byte_for_byte() {
    let mut total = 0;
    for (file, format) in FILES {
        let doc = doc(file);
        let kats = doc["seal_kats"].as_array().unwrap();
        assert!(!kats.is_empty(), "{file}: no KATs");
        for kat in kats {
            let name = format!("{file}/{}", kat["name"].as_str().unwrap());
            let secrets = secrets(kat["cookie_password"].as_str().unwrap()).unwrap();
            let value = sealed_value(format, kat);
            let cookie = seal_with(&value, &secrets, format, &mut entropy(format, kat)).unwrap();
            let expected = kat["cookie"].as_str().unwrap();
            if file.starts_with("workos-kotlin") {
                // workos-kotlin's Iron.seal writes iron without the `~2` suffix.
                assert_eq!(cookie.strip_suffix("~2"), Some(expected), "{name}");
            } else {
                assert_eq!(cookie, expected, "{name}");
            }
            let opened = unseal(expected, &secrets, at(doc["meta"]["generated_at_unix"].as_f64().unwrap())).unwrap();
            assert_eq!((opened.format, &opened.data), (format, &value), "{name}: reading the SDK's KAT back");
            total += 1;
        }
        println!("{file}: {} seal KATs reproduced", kats.len());
    }
    assert_eq!(total, 41);
}

/// The formats the vectors' `plaintext_opened_as` labels name.
fn labelled(label: &str) -> Option<SealFormat> {
    Some(match label {
        "iron" => SealFormat::Iron,
        "rr_wrapped" => SealFormat::ReactRouter,
        "ruby_v1" => SealFormat::Ruby,
        "ruby_legacy" => SealFormat::RubyLegacy,
        "go_gcm" => SealFormat::Go,
        "php_secretbox" => SealFormat::Php,
        "php_halite" => SealFormat::PhpHalite,
        "dotnet" => SealFormat::Dotnet,
        _ => return None,
    })
}

/// Where our seal-level outcome differs from the vector's label, and why.
fn differs(file: &str, name: &str) -> Option<(Option<SealFormat>, &'static str)> {
    Some(match (file, name) {
        // workos-ruby 10.2.1 labels what its reader opened; the bytes are the 6.x layout.
        ("workos-ruby-10.2.1", "legacy_v6_cookie") => (Some(SealFormat::RubyLegacy), "ruby-legacy layout"),
        // Halite: the seal's own expiry has passed at the vector's time.
        ("workos-php-4.32.0", "halite_past_expires_at") => (None, "seal_expired"),
        // workos-kotlin rebuilds the MAC base with id "1": iron-webcrypto (and we) refuse it.
        ("workos-kotlin-7.2.0", "password_id_ignored") => (None, "mac_mismatch"),
        // workos-kotlin checks the iron expiry without skew; iron-webcrypto (and we) allow 60 s,
        // and the vector's time is 1 s past the expiry.
        ("workos-kotlin-7.2.0", "iron_expired_ttl") => (Some(SealFormat::Iron), "iron's 60 s skew"),
        // The inner seal opens, but the wrapper's signature was tampered with.
        ("authkit-react-router-0.12.2", "tampered_signature") => (None, "mac_mismatch"),
        // A dotnet body without its `~2` is standard base64 that no other format's key opens
        // (the SDK refuses it too).
        ("workos-dotnet-6.2.0", "version_suffix_missing") => (None, "mac_mismatch"),
        // workos-dotnet reads any suffix; only the `~2` it writes is read here.
        ("workos-dotnet-6.2.0", "version_suffix_9") => (None, "malformed_seal"),
        // workos-php reads url-safe-free base64 with a newline; strict base64 here.
        ("workos-php-9.0.0", "cookie_with_newline") => (None, "bad_base64"),
        _ => return None,
    })
}

#[test]
fn every_vector_cookie_opens_as_recorded() {
    let mut total = 0;
    let mut mismatches = Vec::new();
    for (file, _) in FILES {
        let doc = doc(file);
        let now = at(doc["meta"]["generated_at_unix"].as_f64().unwrap());
        let vectors = doc["authenticate_vectors"].as_array().unwrap();
        let mut counts = (0, 0, 0);
        for v in vectors {
            let name = v["name"].as_str().unwrap();
            let id = format!("{file}/{name}");
            let password = v["cookie_password"].as_str().unwrap();
            let cookie = v["cookie"].as_str().unwrap_or_default();
            let Ok(secrets) = secrets(password) else {
                // A password no format takes (empty, or under 32 characters for iron only).
                assert!(password.is_empty() || password.len() < 32, "{id}: password refused");
                counts.2 += 1;
                continue;
            };
            let outcome = if cookie.is_empty() { Err(UnsealError::Refused(sessiongate::FailureDetail::EmptyCookie)) } else { unseal(cookie, &secrets, now) };
            let label = v["plaintext_opened_as"].as_str().and_then(labelled);
            let recorded = v["plaintext"].as_str().filter(|_| label.is_some());
            let expected_format = match differs(file, name) {
                Some((format, _)) => format,
                None => recorded.and(label),
            };
            match (outcome, expected_format) {
                (Ok(opened), Some(format)) => {
                    assert_eq!(opened.format, format, "{id}");
                    if let Some(plaintext) = recorded {
                        let mut value = sessiongate::parse_json_lenient(plaintext).unwrap_or(Value::String(plaintext.into()));
                        if format == SealFormat::PhpHalite {
                            value = value["data"].clone();
                        }
                        if format == SealFormat::ReactRouter {
                            // The recorded plaintext is the inner iron seal's.
                            assert!(value.get("headers").is_some(), "{id}");
                        }
                        assert_eq!(opened.data, value, "{id}: plaintext");
                    }
                    counts.0 += 1;
                }
                (Err(UnsealError::Refused(detail)), None) => {
                    if let Some((_, why)) = differs(file, name) {
                        assert_eq!(detail.code(), why, "{id}");
                    }
                    counts.1 += 1;
                }
                (Err(UnsealError::Refused(detail)), Some(format))
                    if matches!(detail.code(), "payload_not_json" | "payload_not_object") =>
                {
                    // Opened (the tag matched) but not a JSON object: refused after decryption.
                    let _ = format;
                    counts.1 += 1;
                }
                (outcome, expected) => mismatches.push(format!("{id}: expected {expected:?}, got {outcome:?}")),
            }
            total += 1;
        }
        println!(
            "{file}: {} vectors ({} opened, {} refused, {} with a password no format takes)",
            vectors.len(),
            counts.0,
            counts.1,
            counts.2
        );
        total += counts.2;
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert_eq!(total, 224, "every authenticate vector of the ten files");
}

/// Every authenticate vector of every new peer file is a case of `cases.json` (which every
/// binding runs), each with an expectation; the count per file is printed.
#[test]
fn every_vector_is_a_case_every_binding_runs() {
    use sessiongate_vectors::{Cases, Expected, observe};
    let cases = Cases::load();
    let mut total = 0;
    for (file, _) in FILES {
        let doc = doc(file);
        let vectors = doc["authenticate_vectors"].as_array().unwrap();
        let (mut authenticated, mut failed, mut config) = (0, 0, 0);
        for v in vectors {
            let id = format!("{file}/{}", v["name"].as_str().unwrap());
            let case = cases.cases.iter().find(|c| c.id == id).unwrap_or_for(&id);
            assert_eq!(observe(&cases, case), case.expected, "{id}");
            match case.expected {
                Expected::Authenticated { .. } => authenticated += 1,
                Expected::Failed { .. } => failed += 1,
                Expected::ConfigurationError => config += 1,
            }
        }
        let variants = cases.cases.iter().filter(|c| c.id.starts_with(&format!("{file}/")) && c.id.contains("/formats_")).count();
        println!("{file}: {} cases ({authenticated} authenticated, {failed} refused, {config} configuration errors) + {variants} own-format variants", vectors.len());
        total += vectors.len();
    }
    assert_eq!(total, 224);
}

trait FoundOr<'a, T> {
    fn unwrap_or_for(self, id: &str) -> &'a T;
}

impl<'a, T> FoundOr<'a, T> for Option<&'a T> {
    fn unwrap_or_for(self, id: &str) -> &'a T {
        self.unwrap_or_else(|| panic!("{id}: not a case of cases.json"))
    }
}

/// `reseal`: a real workos-ruby 10 cookie moved into every other format keeps the tokens, the
/// user and the impersonator, and authenticates in its new format; a cookie the gate cannot
/// open is an unseal error with its detail.
#[test]
fn reseal_moves_a_real_session_between_every_format() {
    use sessiongate::{Config, JwksSource, SessionGate};
    let doc = doc("workos-ruby-10.2.1");
    let v = doc["authenticate_vectors"].as_array().unwrap().iter().find(|v| v["name"] == "impersonated_session").unwrap();
    let now = at(doc["meta"]["generated_at_unix"].as_f64().unwrap());
    // The vector's password, plus a 32-byte key for ruby-legacy and the base64 of one for
    // fernet and php: each target is sealed by a gate whose first secret fits it.
    let password = v["cookie_password"].as_str().unwrap();
    let key_b64 = "cmVzZWFsLXRlc3Qta2V5LW9mLTMyLWJ5dGVzLWxvbmc=";
    let raw_32 = "reseal-test-ruby-legacy-raw-32b!";
    let gate = |first: &str| {
        let mut secrets = vec![first.to_owned()];
        secrets.extend([password, key_b64, raw_32].iter().filter(|s| **s != first).map(|s| (*s).to_owned()));
        let mut config = Config::new(doc["meta"]["client_id"].as_str().unwrap(), secrets, JwksSource::Static(doc["jwks"].to_string()));
        config.formats = SealFormat::ALL.to_vec();
        SessionGate::new(config).unwrap()
    };
    let original = gate(password).authenticate_at(v["cookie"].as_str().unwrap(), now).unwrap();
    let original = original.session().unwrap().clone();
    assert_eq!(original.format, SealFormat::Ruby);
    assert!(original.impersonator.is_some());
    for target in SealFormat::ALL {
        let first = match target {
            SealFormat::RubyLegacy => raw_32,
            SealFormat::Fernet | SealFormat::Php => key_b64,
            _ => password,
        };
        let g = gate(first);
        let moved = g.reseal_at(v["cookie"].as_str().unwrap(), target, now).unwrap();
        assert_eq!(SealFormat::detect(&moved).unwrap_or(target), target);
        let session = g.authenticate_at(&moved, now).unwrap();
        let session = session.session().unwrap_or_else(|| panic!("{target}: the resealed cookie does not authenticate"));
        assert_eq!(session.format, target);
        assert_eq!(session.access_token, original.access_token, "{target}");
        assert_eq!(session.refresh_token, original.refresh_token, "{target}");
        assert_eq!(session.user, original.user, "{target}");
        assert_eq!(session.impersonator, original.impersonator, "{target}");
        // And back: the move is lossless for what every SDK seals.
        let back = g.reseal_at(&moved, SealFormat::Ruby, now).unwrap();
        assert_eq!(g.authenticate_at(&back, now).unwrap().session().map(|s| s.user.clone()), Some(original.user.clone()), "{target} and back");
    }
    let err = gate(password).reseal_at("not-a-sealed-session", SealFormat::Iron, now).unwrap_err();
    assert_eq!((err.code().as_str(), err.detail().map(|d| d.code())), ("unseal_error", Some("malformed_seal")));
}
