//! `cargo xtask bench core`: the floor (one RSA-2048 verify), each unseal, and whole
//! authenticate calls, cold (no verified-token cache) and warm, for a typical (~2.2 kB) and a
//! large (~4 kB) cookie.

#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{KeyPair, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use sessiongate::internals::{Secrets, unseal};
use sessiongate::{Config, JwksSource, SealFormat, SessionData, SessionGate};

const PASSWORD: &str = "YmVuY2htYXJrLWNvb2tpZS1wYXNzd29yZC0zMi1ieXQ=";

struct Fixture {
    key: RsaKeyPair,
    jwks: String,
}

impl Fixture {
    fn new() -> Fixture {
        let key = RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let public = key.public_key();
        let jwks = json!({"keys": [{"kty": "RSA", "kid": "bench", "alg": "RS256", "use": "sig",
            "n": B64.encode(public.modulus().big_endian_without_leading_zero()),
            "e": B64.encode(public.exponent().big_endian_without_leading_zero())}]});
        Fixture { key, jwks: jwks.to_string() }
    }

    fn token(&self, claims: &Value) -> String {
        let input = format!("{}.{}", B64.encode(json!({"alg": "RS256", "kid": "bench"}).to_string()), B64.encode(claims.to_string()));
        let mut sig = vec![0; self.key.public_modulus_len()];
        self.key.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), input.as_bytes(), &mut sig).unwrap();
        format!("{input}.{}", B64.encode(sig))
    }

    fn gate(&self, cache: usize) -> SessionGate {
        let mut config = Config::new("client_bench", vec![PASSWORD.into()], JwksSource::Static(self.jwks.clone()));
        config.verified_token_cache = cache;
        SessionGate::new(config).unwrap()
    }
}

/// A WorkOS-shaped session; `extra` permissions and flags make it large.
fn session(fixture: &Fixture, extra: usize) -> SessionData {
    let permissions: Vec<String> = (0..2 + extra).map(|i| format!("resource-{i}:write")).collect();
    let flags: Vec<String> = (0..1 + extra).map(|i| format!("feature-flag-number-{i}")).collect();
    let claims = json!({
        "iss": "https://api.workos.com/user_management/client_bench", "sub": "user_01HBENCHMARK000000000000",
        "sid": "session_01HBENCHMARK00000000000", "jti": "01HBENCHMARKJTI0000000000", "org_id": "org_01HBENCHMARK0000000000",
        "role": "admin", "roles": ["admin", "member"], "permissions": permissions, "entitlements": ["audit-logs"],
        "feature_flags": flags, "amr": ["pwd", "mfa"], "auth_time": 1_790_000_000, "iat": 1_790_000_000, "exp": 4_102_444_800_u64,
    });
    SessionData {
        access_token: fixture.token(&claims),
        refresh_token: "r".repeat(25),
        user: json!({"object": "user", "id": "user_01HBENCHMARK000000000000", "email": "ada@example.com", "emailVerified": true,
            "firstName": "Ada", "lastName": "Lovelace", "profilePictureUrl": null, "lastSignInAt": "2026-01-01T00:00:00.000Z",
            "createdAt": "2025-12-01T00:00:00.000Z", "updatedAt": "2026-01-01T00:00:00.000Z", "externalId": null, "metadata": {}}),
        authentication_method: Some("Password".into()),
        ..SessionData::default()
    }
}

fn benches(c: &mut Criterion) {
    let fixture = Fixture::new();
    let cold = fixture.gate(0);
    let warm = fixture.gate(4096);
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000);
    let secrets = Secrets::new([PASSWORD]).unwrap();

    // Large: 26 permissions and 25 feature flags make a ~4 kB cookie, about the most a
    // browser keeps in one cookie (4096 bytes for name and value).
    const LARGE_EXTRA: usize = 24;
    let mut sizes = json!({"large_permissions": 2 + LARGE_EXTRA, "large_feature_flags": 1 + LARGE_EXTRA});
    for (size, extra) in [("typical", 0), ("large", LARGE_EXTRA)] {
        let data = session(&fixture, extra);
        for format in [SealFormat::Iron, SealFormat::Fernet] {
            let cookie = cold.seal_session(&data, format).unwrap();
            let name = format!("{format}/{size}");
            eprintln!("{name}: cookie {} bytes", cookie.len());
            sizes[&name] = json!(cookie.len());
            c.bench_function(&format!("unseal/{name}"), |b| {
                b.iter(|| unseal(black_box(&cookie), &secrets, now).unwrap())
            });
            c.bench_function(&format!("authenticate_cold/{name}"), |b| {
                b.iter(|| assert!(cold.authenticate_at(black_box(&cookie), now).unwrap().is_authenticated()))
            });
            c.bench_function(&format!("authenticate_warm/{name}"), |b| {
                b.iter(|| assert!(warm.authenticate_at(black_box(&cookie), now).unwrap().is_authenticated()))
            });
        }
        // The floor: one RSA-2048 signature check with the key already parsed (as the core
        // keeps it), over this token's signing input.
        let (input, signature) = data.access_token.rsplit_once('.').unwrap();
        let signature = B64.decode(signature).unwrap();
        let key = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, fixture.key.public_key().as_ref()).unwrap();
        c.bench_function(&format!("rsa_verify/{size}"), |b| {
            b.iter(|| key.verify_sig(black_box(input.as_bytes()), &signature).unwrap())
        });
    }
    // For the report (`cargo xtask bench`).
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("cookie_sizes.json"), sizes.to_string()).unwrap();
}

criterion_group! {
    name = group;
    // Long windows and the median (what the report uses): this shared 2-core machine has
    // bursts of interference that move a 2 s mean by up to 10 %.
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4)).sample_size(100);
    targets = benches
}
criterion_main!(group);
