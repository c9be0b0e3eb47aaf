//! Every case of `vectors/cases.json` through the core: 102 peer vectors (plus the issuer
//! variants) and our own.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeSet;

use sessiongate::FailureDetail;
use sessiongate_vectors::{Cases, Expected, observe, read_json, vectors_dir};

#[test]
fn cases_json_is_fresh() {
    // The committed file is what the generator writes from the peer vectors and contract.json.
    if let Err(stale) = sessiongate_vectors::cases_gen::write(true) {
        panic!("{stale}");
    }
}

#[test]
fn session_keys_are_the_core_view() {
    let cases = Cases::load();
    assert_eq!(cases.session_keys, sessiongate_vectors::session_keys());
    assert!(cases.session_keys.iter().all(|k| sessiongate::SessionView::FIELDS.contains(&k.as_str())));
    for case in &cases.cases {
        if let Expected::Authenticated { session } = &case.expected {
            assert!(session.keys().eq(cases.session_keys.iter()), "{}: keys differ from session_keys", case.id);
        }
    }
}

#[test]
fn every_case_matches_its_expectation() {
    let cases = Cases::load();
    let mut failures = Vec::new();
    for case in &cases.cases {
        let observed = observe(&cases, case);
        if observed != case.expected {
            failures.push(format!(
                "{}\n  expected: {}\n  observed: {}",
                case.id,
                serde_json::to_string(&case.expected).unwrap(),
                serde_json::to_string(&observed).unwrap()
            ));
        }
    }
    let differing = cases.cases.iter().filter(|c| c.contract.is_some()).count();
    println!("ran {} cases ({differing} where the contract differs from the peer)", cases.cases.len());
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.cases.len(), failures.join("\n"));
}

#[test]
fn every_peer_vector_is_a_case() {
    let cases = Cases::load();
    let ids: BTreeSet<&str> = cases.cases.iter().map(|c| c.id.as_str()).collect();
    let python = read_json(&vectors_dir().join("peers/workos-python-10.8.0.json"));
    let node = read_json(&vectors_dir().join("peers/workos-node-11.0.0.json"));
    let mut count = 0;
    for v in python["authenticate_vectors"].as_array().unwrap() {
        assert!(ids.contains(format!("workos-python-10.8.0/{}", v["name"].as_str().unwrap()).as_str()));
        count += 1;
    }
    for v in node["vectors"].as_array().unwrap() {
        assert!(ids.contains(format!("workos-node-11.0.0/{}", v["id"].as_str().unwrap()).as_str()));
        count += 1;
    }
    assert_eq!(count, 102, "the peers ship 52 + 50 vectors");
}

#[test]
fn every_detail_code_is_exercised() {
    let cases = Cases::load();
    let seen: BTreeSet<&str> = cases
        .cases
        .iter()
        .filter_map(|c| match &c.expected {
            Expected::Failed { detail, .. } => Some(detail.as_str()),
            _ => None,
        })
        .collect();
    // The refresh details cannot come from `authenticate`: tests/refresh.rs walks those.
    let missing: Vec<&str> = FailureDetail::ALL
        .iter()
        .filter(|d| !d.reason().is_refresh_refusal() && **d != FailureDetail::RefreshTokenMissing)
        .map(|d| d.code())
        .filter(|code| !seen.contains(code))
        .collect();
    assert!(missing.is_empty(), "no case expects these details: {missing:?}");
}

#[test]
fn amr_is_surfaced_where_the_token_has_it() {
    let cases = Cases::load();
    let with_amr = cases
        .cases
        .iter()
        .filter(|c| matches!(&c.expected, Expected::Authenticated { session } if session["amr"].is_array()))
        .count();
    assert!(with_amr >= 2, "both peers' valid_with_amr vectors must expect amr");
}

#[test]
fn cached_verifications_are_rechecked_in_time() {
    use serde_json::json;
    use sessiongate::{Config, JwksSource, SealFormat, SessionData, SessionGate};
    use sessiongate_vectors::{at, generate_rsa, public_jwk, sign_rs256};

    let key = generate_rsa();
    let jwks = json!({"keys": [public_jwk(&key, "k")]}).to_string();
    let gate = SessionGate::new(Config::new("c", vec!["cache-test-cookie-password-0123456789".into()], JwksSource::Static(jwks))).unwrap();
    let claims = json!({"sub": "u", "sid": "s", "nbf": 1_000, "exp": 2_000});
    let token = sign_rs256(&key, &json!({"alg": "RS256", "kid": "k"}), &claims);
    let data = SessionData { access_token: token, user: json!({"id": "u"}), ..Default::default() };
    let cookie = gate.seal_session(&data, SealFormat::Iron).unwrap();
    let detail = |t: f64| gate.authenticate_at(&cookie, at(t)).unwrap().failure().map(|f| f.detail.code());
    assert_eq!(detail(999.0), Some("not_yet_valid"), "verified and cached, but not yet valid");
    assert_eq!(detail(1_500.0), None);
    assert_eq!(detail(1_999.0), None);
    assert_eq!(detail(2_000.0), Some("expired"), "a cached verification must not outlive exp");
    assert_eq!(detail(1_000.0), None);
}

#[test]
fn step_up_truth_table() {
    use sessiongate::{StepUpPolicy, StepUpPolicyOptions};

    let doc = read_json(&vectors_dir().join("stepup.json"));
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array().map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect()).unwrap_or_default()
    };
    let rows = doc["cases"].as_array().unwrap();
    for row in rows {
        let id = row["id"].as_str().unwrap();
        let p = &row["policy"];
        // An absent key is no requirement of that kind (stepup.json's schema).
        let policy = StepUpPolicy::from_options(StepUpPolicyOptions {
            amr_any_of: Some(p.get("amr_any_of").map(strings).unwrap_or_default()),
            amr_all_of: Some(p.get("amr_all_of").map(strings).unwrap_or_default()),
            max_age_seconds: p.get("max_age").map(|s| s.as_f64().unwrap()),
            acr_values: p.get("acr_values").map(strings),
            leeway_seconds: p.get("leeway").map(|s| s.as_f64().unwrap()),
        })
        .unwrap();
        let claims = row["claims"].as_object().unwrap().clone();
        let decision = policy.check_claims_at(&claims, sessiongate_vectors::at(row["now"].as_f64().unwrap()));
        let expected = &row["expected"];
        assert_eq!(decision.is_allowed(), expected["allowed"].as_bool().unwrap(), "{id}");
        if let Some(denial) = decision.denial() {
            assert_eq!(denial.reason.code(), expected["reason"], "{id}");
            assert_eq!(denial.challenge.www_authenticate(), expected["www_authenticate"], "{id}");
            assert_eq!(denial.challenge.to_json(), expected["body"], "{id}");
            let parsed = sessiongate::Challenge::parse(&denial.challenge.www_authenticate());
            assert_eq!(parsed.as_ref(), Some(&denial.challenge), "{id}: parse(render) round trip");
        }
    }
    println!("ran {} step-up cases", rows.len());
}

/// `options.json`: every bad option gives the same code (and message) through the core's one
/// parser as it does in each binding.
#[test]
fn option_parity_rows() {
    use sessiongate::{Authentication, GateOptions, SessionGate};
    use serde_json::Value;

    let doc = read_json(&vectors_dir().join("options.json"));
    let number = |v: &Value| match v {
        Value::String(s) if s == "NaN" => f64::NAN,
        Value::String(s) if s == "Infinity" => f64::INFINITY,
        v => v.as_f64().unwrap(),
    };
    let strings = |v: &Value| -> Vec<String> { v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect() };
    let rows = doc["cases"].as_array().unwrap();
    for row in rows {
        let id = row["id"].as_str().unwrap();
        let mut options = doc["base"].as_object().unwrap().clone();
        for (name, value) in row["options"].as_object().unwrap() {
            if value.is_null() {
                options.remove(name);
            } else {
                options.insert(name.clone(), value.clone());
            }
        }
        let mut o = GateOptions::default();
        for (name, value) in &options {
            match name.as_str() {
                "client_id" => o.client_id = value.as_str().unwrap().into(),
                "cookie_passwords" => o.cookie_passwords = strings(value),
                "jwks" => o.jwks = Some(value.to_string()),
                "jwks_url" => o.jwks_url = Some(value.as_str().unwrap().into()),
                "discovery_issuer" => o.discovery_issuer = Some(value.as_str().unwrap().into()),
                "issuers" => o.issuers = Some(strings(value)),
                "audiences" => o.audiences = Some(strings(value)),
                "leeway" => o.leeway_seconds = Some(number(value)),
                "max_cookie_bytes" => o.max_cookie_bytes = Some(number(value)),
                "verified_token_cache" => o.verified_token_cache = Some(number(value)),
                "verified_token_cache_bytes" => o.verified_token_cache_bytes = Some(number(value)),
                "algorithms" => o.algorithms = Some(strings(value)),
                "api_key" => o.api_key = Some(value.as_str().unwrap().into()),
                "api_base_url" => o.api_base_url = Some(value.as_str().unwrap().into()),
                "refresh_buffer_seconds" => o.refresh_buffer_seconds = Some(number(value)),
                "refresh_grace_seconds" => o.refresh_grace_seconds = Some(number(value)),
                "refresh_timeout_seconds" => o.refresh_timeout_seconds = Some(number(value)),
                "formats" => o.formats = Some(strings(value)),
                "allow_weak_secrets" => o.allow_weak_secrets = value.as_bool(),
                other => panic!("{id}: unknown option {other}"),
            }
        }
        let outcome = o.into_config().and_then(SessionGate::new).and_then(|gate| match row.get("now") {
            Some(now) => {
                let now = sessiongate::from_unix_seconds("now", number(now))?;
                gate.authenticate_at("x", now).map(|a| assert!(matches!(a, Authentication::Failed(_))))
            }
            None => Ok(()),
        });
        let expected = &row["expected"];
        match (outcome, expected["code"].as_str()) {
            (Ok(()), None) => {}
            (Err(e), Some(code)) => {
                assert_eq!(e.code().as_str(), code, "{id}");
                let part = expected["message_contains"].as_str().unwrap();
                assert!(e.to_string().contains(part), "{id}: {e:?} lacks {part:?}");
            }
            (outcome, code) => panic!("{id}: expected {code:?}, got {outcome:?}"),
        }
    }
    println!("ran {} option rows", rows.len());
}

/// `environment.json`: the WorkOS SDKs' variables as the core reads them for every binding's
/// helpers, and the error when a needed one is unset.
#[test]
fn environment_rows() {
    use sessiongate::WorkosEnvironment;
    use serde_json::Value;

    let doc = read_json(&vectors_dir().join("environment.json"));
    let rows = doc["cases"].as_array().unwrap();
    for row in rows {
        let id = row["id"].as_str().unwrap();
        let env = row["env"].as_object().unwrap();
        for name in env.keys() {
            assert!(WorkosEnvironment::VARIABLES.contains(&name.as_str()), "{id}: {name} is not a variable the core reads");
        }
        let read = WorkosEnvironment::read(|name| env.get(name).and_then(Value::as_str).map(str::to_owned));
        let got = [&read.client_id, &read.cookie_password, &read.api_key, &read.api_base_url, &read.cookie_name];
        let fields = doc["fields"].as_array().unwrap();
        assert_eq!(fields.len(), got.len(), "the table's fields are the struct's");
        for (field, value) in fields.iter().zip(got) {
            let field = field.as_str().unwrap();
            assert_eq!(value.as_deref(), row["expected"][field].as_str(), "{id}: {field}");
        }
        if let Some(require) = row.get("require") {
            let needed: Vec<&str> = require["needed"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
            match (read.require(&needed), require["code"].as_str()) {
                (Ok(()), None) => {}
                (Err(e), Some(code)) => {
                    assert_eq!(e.code().as_str(), code, "{id}");
                    assert!(e.to_string().contains(require["message_contains"].as_str().unwrap()), "{id}: {e}");
                }
                (outcome, code) => panic!("{id}: expected {code:?}, got {outcome:?}"),
            }
        }
    }
    println!("ran {} environment rows", rows.len());
}
