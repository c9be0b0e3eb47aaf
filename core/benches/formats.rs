//! `cargo xtask bench formats`: the unseal time of one typical session in every seal format,
//! next to the floor every authenticate call pays anyway (one RSA-2048 verify).
//!
//! Each format is opened by a key set holding only the one secret that format takes, so a
//! row measures that format's detection, key use and payload parsing, nothing else. `dotnet`
//! is measured twice: with its per-salt key cached (every request after a cookie's first) and
//! on first sight of a salt (PBKDF2-SHA256, 100,000 iterations: why it is opt-in).

#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{KeyPair, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use sessiongate::internals::{FormatSet, SecretOptions, Secrets, unseal};
use sessiongate::{Config, JwksSource, SealFormat, SessionData, SessionGate};

/// The base64 of a 32-byte key: fernet and php take only this shape.
const KEY_PASSWORD: &str = "YmVuY2htYXJrLWNvb2tpZS1wYXNzd29yZC0zMi1ieXQ=";
/// 32 raw bytes: ruby-legacy takes only this shape.
const RAW_PASSWORD: &str = "benchmark-cookie-password-32-byt";

fn token(key: &RsaKeyPair) -> String {
    let claims = json!({
        "iss": "https://api.workos.com/user_management/client_bench", "sub": "user_01HBENCHMARK000000000000",
        "sid": "session_01HBENCHMARK00000000000", "jti": "01HBENCHMARKJTI0000000000", "org_id": "org_01HBENCHMARK0000000000",
        "role": "admin", "roles": ["admin", "member"], "permissions": ["resource-0:write", "resource-1:write"],
        "entitlements": ["audit-logs"], "feature_flags": ["feature-flag-number-0"], "amr": ["pwd", "mfa"],
        "auth_time": 1_790_000_000, "iat": 1_790_000_000, "exp": 4_102_444_800_u64,
    });
    let input = format!("{}.{}", B64.encode(json!({"alg": "RS256", "kid": "bench"}).to_string()), B64.encode(claims.to_string()));
    let mut sig = vec![0; key.public_modulus_len()];
    key.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), input.as_bytes(), &mut sig).unwrap();
    format!("{input}.{}", B64.encode(sig))
}

/// The same session as `authenticate.rs`'s typical one (~2.2 kB as iron).
fn session(access_token: String) -> SessionData {
    SessionData {
        access_token,
        refresh_token: "r".repeat(25),
        user: json!({"object": "user", "id": "user_01HBENCHMARK000000000000", "email": "ada@example.com", "emailVerified": true,
            "firstName": "Ada", "lastName": "Lovelace", "profilePictureUrl": null, "lastSignInAt": "2026-01-01T00:00:00.000Z",
            "createdAt": "2025-12-01T00:00:00.000Z", "updatedAt": "2026-01-01T00:00:00.000Z", "externalId": null, "metadata": {}}),
        authentication_method: Some("Password".into()),
        ..SessionData::default()
    }
}

fn all_formats() -> SecretOptions {
    SecretOptions { formats: FormatSet::of(&SealFormat::ALL), allow_weak_secrets: false }
}

/// The secret this format takes (fernet and php: a base64 key; ruby-legacy: 32 raw bytes).
fn password(format: SealFormat) -> &'static str {
    let secrets = Secrets::with_options([KEY_PASSWORD], all_formats()).unwrap();
    if secrets.primary().supports(format) { KEY_PASSWORD } else { RAW_PASSWORD }
}

fn benches(c: &mut Criterion) {
    let key = RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let data = session(token(&key));
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000);
    // The gate only seals here; its key set is the bench key's.
    let public = key.public_key();
    let jwks = JwksSource::Static(
        json!({"keys": [{"kty": "RSA", "kid": "bench", "alg": "RS256", "use": "sig",
            "n": B64.encode(public.modulus().big_endian_without_leading_zero()),
            "e": B64.encode(public.exponent().big_endian_without_leading_zero())}]})
        .to_string(),
    );
    let mut sizes = serde_json::Map::new();
    for format in SealFormat::ALL {
        let password = password(format);
        let mut config = Config::new("client_bench", vec![password.into()], jwks.clone());
        config.formats = SealFormat::ALL.to_vec();
        let cookie = SessionGate::new(config).unwrap().seal_session(&data, format).unwrap();
        sizes.insert(format.as_str().to_owned(), json!(cookie.len()));
        let secrets = Secrets::with_options([password], all_formats()).unwrap();
        assert_eq!(unseal(&cookie, &secrets, now).unwrap().format, format);
        c.bench_function(&format!("unseal/{format}"), |b| b.iter(|| unseal(black_box(&cookie), &secrets, now).unwrap()));
        if format == SealFormat::Dotnet {
            // A fresh key set has an empty per-salt cache: this is the first request that
            // shows a salt, and the cost a flood of random `…~2` cookies would try to impose.
            let mut group = c.benchmark_group("unseal_first_salt");
            group.sample_size(10).measurement_time(Duration::from_secs(3));
            group.bench_function(format.as_str(), |b| {
                b.iter_batched(
                    || Secrets::with_options([password], all_formats()).unwrap(),
                    |fresh| unseal(black_box(&cookie), &fresh, now).unwrap(),
                    BatchSize::PerIteration,
                )
            });
            group.finish();
        }
    }
    let (input, signature) = data.access_token.rsplit_once('.').unwrap();
    let signature = B64.decode(signature).unwrap();
    let public = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, key.public_key().as_ref()).unwrap();
    c.bench_function("rsa_verify", |b| b.iter(|| public.verify_sig(black_box(input.as_bytes()), &signature).unwrap()));
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("format_cookie_sizes.json"), Value::Object(sizes).to_string()).unwrap();
}

criterion_group! {
    name = group;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2)).sample_size(50);
    targets = benches
}
criterion_main!(group);
