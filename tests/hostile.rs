//! Hostile input: hundreds of generated malformed cookies and tokens. Every one must get a
//! failure reason (never a panic, never an `Err`), and none may take over 1 ms.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use sessiongate::{Authentication, Config, JwksSource, SealFormat, SessionData, SessionGate};
use sessiongate_vectors::{at, b64, generate_rsa, public_jwk, sign_rs256};

const IRON: &str = "hostile-suite-iron-cookie-password-0123456789";
const FERNET: &str = "aG9zdGlsZS1zdWl0ZS1mZXJuZXQta2V5LTMyLWJ5dGU=";
const NOW: f64 = 1_800_000_000.0;
const LIMIT: Duration = Duration::from_millis(1);

struct Suite {
    gate: SessionGate,
    key: aws_lc_rs::signature::RsaKeyPair,
    jwk: Value,
    ran: usize,
    slowest: (Duration, String),
}

impl Suite {
    fn new() -> Suite {
        let key = generate_rsa();
        let jwk = public_jwk(&key, "k1");
        let jwks = json!({"keys": [jwk]}).to_string();
        let gate = SessionGate::new(Config::new("client_h", vec![FERNET.into(), IRON.into()], JwksSource::Static(jwks))).unwrap();
        Suite { gate, key, jwk, ran: 0, slowest: (Duration::ZERO, String::new()) }
    }

    fn claims() -> Value {
        json!({"sub": "user_h", "sid": "session_h", "iat": NOW as i64 - 10, "exp": NOW as i64 + 3600, "amr": ["pwd", "mfa"]})
    }

    fn token(&self, header: &Value, claims: &Value) -> String {
        sign_rs256(&self.key, header, claims)
    }

    fn seal(&self, token: &str, format: SealFormat) -> String {
        let data = SessionData { access_token: token.into(), refresh_token: "rt".into(), user: json!({"id": "user_h"}), ..Default::default() };
        self.gate.seal_session(&data, format).unwrap()
    }

    /// Runs one hostile cookie: it must be refused, quickly (best of three, so that a
    /// preempted run on a busy machine does not count as slow).
    fn refuse(&mut self, label: &str, cookie: &str) {
        let mut best = Duration::MAX;
        for _ in 0..3 {
            let started = Instant::now();
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.gate.authenticate_at(cookie, at(NOW))));
            best = best.min(started.elapsed());
            match outcome {
                Ok(Ok(Authentication::Failed(_))) => {}
                Ok(Ok(Authentication::Authenticated(_))) => panic!("{label}: a hostile cookie authenticated"),
                Ok(Err(e)) => panic!("{label}: returned Err({e})"),
                Err(_) => panic!("{label}: panicked"),
            }
        }
        if best > self.slowest.0 {
            self.slowest = (best, label.to_owned());
        }
        assert!(best < LIMIT, "{label}: took {best:?}");
        self.ran += 1;
    }

    fn refuse_token(&mut self, label: &str, token: &str) {
        let cookie = self.seal(token, SealFormat::Iron);
        self.refuse(label, &cookie);
        let started = Instant::now();
        let verdict = self.gate.verify_access_token_at(token, at(NOW)).unwrap();
        assert!(!verdict.is_verified(), "{label}: a hostile bearer token verified");
        assert!(started.elapsed() < LIMIT * 3, "{label}: bearer check took {:?}", started.elapsed());
        self.ran += 1;
    }
}

/// A tiny deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

#[test]
fn hostile_cookies_and_tokens_are_refused_quickly() {
    let mut s = Suite::new();
    let mut rng = Rng(0x5e55_1079_a7e0_0001);
    let good = s.token(&json!({"alg": "RS256", "kid": "k1"}), &Suite::claims());
    let iron = s.seal(&good, SealFormat::Iron);
    let fernet = s.seal(&good, SealFormat::Fernet);
    // The controls authenticate: the suite refuses for the right reasons, not by accident.
    assert!(s.gate.authenticate_at(&iron, at(NOW)).unwrap().is_authenticated());
    assert!(s.gate.authenticate_at(&fernet, at(NOW)).unwrap().is_authenticated());

    for (name, cookie) in [("iron", &iron), ("fernet", &fernet)] {
        // Truncations.
        for i in 0..60 {
            let cut = cookie.len() * i / 60;
            s.refuse(&format!("{name} truncated at {cut}"), &cookie[..cut]);
        }
        // One character changed (before iron's `~2` version suffix, which the MAC does not cover).
        let body = cookie.split('~').next().unwrap().trim_end_matches('=');
        for _ in 0..100 {
            let pos = rng.below(body.len());
            let mut bytes = body.as_bytes().to_vec();
            let old = bytes[pos];
            let new = B64URL.iter().copied().filter(|c| *c != old).nth(rng.below(63)).unwrap();
            if old == b'*' {
                continue;
            }
            bytes[pos] = new;
            let mut mutated = String::from_utf8(bytes).unwrap();
            mutated.push_str(&cookie[body.len()..]);
            s.refuse(&format!("{name} char {pos} changed"), &mutated);
        }
        // Wrong alphabets, whitespace, junk.
        s.refuse(&format!("{name} standard alphabet"), &cookie.replace('-', "+").replace('_', "/"));
        for pos in [1, cookie.len() / 2, cookie.len() - 3] {
            s.refuse(&format!("{name} newline at {pos}"), &format!("{}\n{}", &cookie[..pos], &cookie[pos..]));
            s.refuse(&format!("{name} space at {pos}"), &format!("{} {}", &cookie[..pos], &cookie[pos..]));
            s.refuse(&format!("{name} NUL at {pos}"), &format!("{}\0{}", &cookie[..pos], &cookie[pos..]));
        }
        // Appended to the sealed part: what follows iron's `~` is the version, outside the MAC
        // and read as the SDK does (any version: `data.persistent ?? data`).
        let (sealed, suffix) = cookie.split_at(cookie.find('~').unwrap_or(cookie.len()));
        s.refuse(&format!("{name} junk appended"), &format!("{sealed}junk!AAAA{suffix}"));
        s.refuse(&format!("{name} doubled"), &format!("{sealed}{sealed}{suffix}"));
    }

    // Giant and degenerate shapes.
    s.refuse("64 KiB of A", &"A".repeat(64 * 1024));
    s.refuse("16 KiB + 1", &"A".repeat(16 * 1024 + 1));
    s.refuse("iron giant salt", &format!("Fe26.2*1*{}*AAAAAAAAAAAAAAAAAAAAAA*AAAAAAAAAAAAAAAAAAAAAA**x*AAAA", "a".repeat(15_000)));
    s.refuse("iron many stars", &format!("Fe26.2{}", "*".repeat(10_000)));
    s.refuse("iron many tildes first", &format!("{}{iron}", "~".repeat(5_000)));
    s.refuse("iron empty fields", "Fe26.2*******");
    s.refuse("iron huge expiration", &iron.replacen("**", "*99999999999999999999999999999*", 1));
    s.refuse("fernet version byte", &URL_SAFE_NO_PAD.encode([0x81; 100]));
    s.refuse("fernet minimum", "gAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    for len in [1, 2, 3, 4, 5, 8, 57, 73, 100, 1000] {
        s.refuse(&format!("{len} x '='"), &"=".repeat(len));
        s.refuse(&format!("{len} x '*'"), &"*".repeat(len));
    }
    // Random printable garbage and random unicode.
    for i in 0..80 {
        let len = 1 + rng.below(3000);
        let garbage: String = (0..len).map(|_| (32 + rng.below(95)) as u8 as char).collect();
        s.refuse(&format!("garbage #{i}"), &garbage);
    }
    for i in 0..20 {
        let garbage: String = (0..1 + rng.below(500)).map(|_| char::from_u32(0x80 + rng.below(0x2000) as u32).unwrap_or('x')).collect();
        s.refuse(&format!("unicode garbage #{i}"), &format!("Fe26.{garbage}"));
    }

    // Hostile sealed payloads (authentic seals of things that are not sessions).
    let mut deep = json!("x");
    for _ in 0..200 {
        deep = json!([deep]);
    }
    for (label, data) in [
        ("nested JSON bomb", json!({"accessToken": good, "user": deep})),
        ("array payload", json!([1, 2, 3])),
        ("string payload", json!("accessToken")),
        ("number token", json!({"accessToken": 42})),
        ("object token", json!({"accessToken": {"a": 1}})),
        ("empty token", json!({"accessToken": ""})),
        ("no token", json!({"user": {"id": "user_h"}})),
        ("other user's token", json!({"accessToken": good, "user": {"id": "user_other"}})),
    ] {
        for format in [SealFormat::Iron, SealFormat::Fernet] {
            // The gate refuses to seal what it cannot read back (I2); the module-level helper,
            // with the gate's secrets, seals anything, as a forger with the password could.
            let secret = if format == SealFormat::Fernet { FERNET } else { IRON };
            let cookie = sessiongate::seal_data(&data, &[secret], format).unwrap();
            if label == "nested JSON bomb" {
                assert_eq!(s.gate.seal_data(&data, format).unwrap_err().code(), "seal_error");
            }
            s.refuse(&format!("{label} ({format})"), &cookie);
        }
    }

    // Hostile tokens, sealed in authentic cookies and as bearer tokens.
    let enc = |v: &Value| b64(v.to_string().as_bytes());
    let claims = Suite::claims();
    let n_bytes = URL_SAFE_NO_PAD.decode(s.jwk["n"].as_str().unwrap()).unwrap();
    let pem_like = STANDARD.encode(&n_bytes);
    for (label, key_bytes) in [("HS256 keyed with the RSA modulus", n_bytes.clone()), ("HS256 keyed with the base64 modulus", pem_like.into_bytes()), ("HS256 keyed with the JWK", s.jwk.to_string().into_bytes())] {
        let header = json!({"alg": "HS256", "kid": "k1"});
        let input = format!("{}.{}", enc(&header), enc(&claims));
        use hmac::Mac;
        let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&key_bytes).unwrap();
        mac.update(input.as_bytes());
        let token = format!("{input}.{}", b64(&mac.finalize().into_bytes()));
        s.refuse_token(label, &token);
    }
    let unsigned = |header: Value| format!("{}.{}.", enc(&header), enc(&claims));
    s.refuse_token("alg none", &unsigned(json!({"alg": "none"})));
    s.refuse_token("alg None", &unsigned(json!({"alg": "None", "kid": "k1"})));
    s.refuse_token("alg missing", &unsigned(json!({"kid": "k1"})));
    s.refuse_token("alg array", &unsigned(json!({"alg": ["RS256"], "kid": "k1"})));
    for header in [
        json!({"alg": "RS256", "kid": "k1", "crit": ["exp"]}),
        json!({"alg": "RS256", "kid": "../../../../etc/passwd"}),
        json!({"alg": "RS256", "kid": "k1\u{0}"}),
        json!({"alg": "RS256", "kid": "x".repeat(5000)}),
        json!({"alg": "RS256", "kid": 1}),
        json!({"alg": "RS256", "kid": "k1", "jku": "http://127.0.0.1:1/jwks"}), // signed, but...
    ] {
        // ...re-signed with a foreign key: jku/x5u must not make us fetch or trust anything.
        let foreign = generate_rsa();
        let token = sign_rs256(&foreign, &header, &claims);
        s.refuse_token(&format!("header {}", &header.to_string()[..header.to_string().len().min(60)]), &token);
    }
    let header = json!({"alg": "RS256", "kid": "k1"});
    for (label, claims) in [
        ("exp as string", json!({"sub": "user_h", "sid": "s", "exp": "4102444800"})),
        ("exp huge negative", json!({"sub": "user_h", "sid": "s", "exp": -1e300})),
        ("exp absent", json!({"sub": "user_h", "sid": "s"})),
        ("sid object", json!({"sub": "user_h", "sid": {"a": 1}, "exp": 4_102_444_800_u64})),
        ("roles number", json!({"sub": "user_h", "sid": "s", "exp": 4_102_444_800_u64, "roles": 1})),
        ("sub_type agent", json!({"sub": "user_h", "sid": "s", "exp": 4_102_444_800_u64, "sub_type": "agent"})),
        ("nbf far future", json!({"sub": "user_h", "sid": "s", "exp": 4_102_444_800_u64, "nbf": 4_000_000_000_u64})),
    ] {
        s.refuse_token(label, &s.token(&header, &claims));
    }
    let body = enc(&claims);
    for (label, token) in [
        ("two parts", format!("{}.{body}", enc(&header))),
        ("four parts", format!("{good}.x")),
        ("empty signature", format!("{}.{body}.", enc(&header))),
        ("short signature", format!("{}.{body}.AAAA", enc(&header))),
        ("padded signature", format!("{good}==")),
        ("standard alphabet", good.replace('-', "+").replace('_', "/")),
        ("payload array", format!("{}.{}.{}", enc(&header), enc(&json!([1])), good.rsplit('.').next().unwrap())),
        ("payload not JSON", format!("{}.{}.{}", enc(&header), b64(b"{not json"), good.rsplit('.').next().unwrap())),
        ("header not JSON", format!("{}.{body}.{}", b64(b"\xff\xfe"), good.rsplit('.').next().unwrap())),
        ("giant header", format!("{}.{body}.AAAA", enc(&json!({"alg": "RS256", "kid": "k1", "pad": "p".repeat(8000)})))),
        ("dots only", "..".into()),
        ("spaces", "a b.c d.e f".into()),
    ] {
        s.refuse_token(label, &token);
    }
    // Signature flips on the good token.
    let sig_start = good.rfind('.').unwrap() + 1;
    for i in 0..40 {
        let pos = sig_start + (good.len() - sig_start - 1) * i / 40;
        let mut bytes = good.as_bytes().to_vec();
        bytes[pos] = if bytes[pos] == b'A' { b'B' } else { b'A' };
        s.refuse_token(&format!("signature char {pos}"), &String::from_utf8(bytes).unwrap());
    }

    println!("refused {} hostile inputs; slowest {:?} ({})", s.ran, s.slowest.0, s.slowest.1);
    assert!(s.ran >= 500, "only {} hostile inputs", s.ran);
}

/// A password for every format but ruby-legacy (the base64 of a 32-byte key), and one for
/// ruby-legacy (exactly 32 bytes).
const ANY_KEY: &str = "aG9zdGlsZS1zdWl0ZS1hbnktZm9ybWF0LWtleS0zMiE=";
const RAW_32: &str = "hostile-suite-legacy-raw-32-byte";

fn format_gate(jwks: &str, first: &str, formats: &[SealFormat]) -> SessionGate {
    let second = if first == ANY_KEY { RAW_32 } else { ANY_KEY };
    let mut config = Config::new("client_h", vec![first.into(), second.into()], JwksSource::Static(jwks.into()));
    config.formats = formats.to_vec();
    SessionGate::new(config).unwrap()
}

/// Refused (never authenticated, never an error, never a panic), in under 1 ms (best of 3).
fn refuse_quickly(gate: &SessionGate, label: &str, cookie: &str, slowest: &mut (Duration, String)) {
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| gate.authenticate_at(cookie, at(NOW))));
        best = best.min(started.elapsed());
        match outcome {
            Ok(Ok(Authentication::Failed(_))) => {}
            Ok(Ok(Authentication::Authenticated(_))) => panic!("{label}: a hostile cookie authenticated"),
            Ok(Err(e)) => panic!("{label}: returned Err({e})"),
            Err(_) => panic!("{label}: panicked"),
        }
    }
    if best > slowest.0 {
        *slowest = (best, label.to_owned());
    }
    assert!(best < LIMIT, "{label}: took {best:?}");
}

const B64STD: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

#[test]
fn every_format_refuses_truncations_flips_and_confusions_quickly() {
    let key = generate_rsa();
    let jwks = json!({"keys": [public_jwk(&key, "k1")]}).to_string();
    let token = sign_rs256(&key, &json!({"alg": "RS256", "kid": "k1"}), &Suite::claims());
    let data = SessionData { access_token: token, refresh_token: "rt".into(), user: json!({"id": "user_h"}), ..Default::default() };
    let cheap: Vec<SealFormat> = SealFormat::DEFAULT.to_vec();
    let reader = format_gate(&jwks, ANY_KEY, &cheap);
    let mut rng = Rng(0x5e55_1079_a7e0_0002);
    let mut slowest = (Duration::ZERO, String::new());
    let mut ran = 0;
    let mut cookies = Vec::new();
    for format in cheap.iter().copied() {
        let first = if format == SealFormat::RubyLegacy { RAW_32 } else { ANY_KEY };
        let cookie = format_gate(&jwks, first, &cheap).seal_session_at(&data, format, at(NOW)).unwrap();
        // The control authenticates, in its format.
        let opened = reader.authenticate_at(&cookie, at(NOW)).unwrap();
        assert_eq!(opened.session().map(|s| s.format), Some(format), "{format} control");
        cookies.push((format, cookie));
    }
    for (format, cookie) in &cookies {
        // Truncations.
        for i in 0..40 {
            let cut = cookie.len() * i / 40;
            refuse_quickly(&reader, &format!("{format} truncated at {cut}"), &cookie[..cut], &mut slowest);
            ran += 1;
        }
        // One character changed (not iron's `~2` version suffix, outside its MAC, nor newlines).
        let end = if *format == SealFormat::Iron { cookie.len() - 2 } else { cookie.len() };
        let alphabet = if matches!(format, SealFormat::Iron | SealFormat::Fernet) { B64URL } else { B64STD };
        let mut flips = 0;
        while flips < 60 {
            let pos = rng.below(end);
            let old = cookie.as_bytes()[pos];
            if !alphabet.contains(&old) {
                continue;
            }
            let new = alphabet.iter().copied().filter(|c| *c != old).nth(rng.below(63)).unwrap();
            let mut bytes = cookie.as_bytes().to_vec();
            bytes[pos] = new;
            refuse_quickly(&reader, &format!("{format} char {pos} changed"), &String::from_utf8(bytes).unwrap(), &mut slowest);
            flips += 1;
            ran += 1;
        }
        // Format confusion: each cookie at a gate reading every other format.
        for other in cheap.iter().copied().filter(|f| f != format) {
            let secret = if other == SealFormat::RubyLegacy { RAW_32 } else { ANY_KEY };
            let mut config = Config::new("client_h", vec![secret.into()], JwksSource::Static(jwks.clone()));
            config.formats = vec![other];
            let only = SessionGate::new(config).unwrap();
            refuse_quickly(&only, &format!("{format} cookie at a {other}-only gate"), cookie, &mut slowest);
            ran += 1;
        }
    }
    // Layout confusions built from authentic bytes.
    let std = |s: &str| STANDARD.decode(s.replace('\n', "")).unwrap();
    let by = |f: SealFormat| cookies.iter().find(|(g, _)| *g == f).unwrap().1.clone();
    let (ruby, go, php, legacy) = (std(&by(SealFormat::Ruby)), std(&by(SealFormat::Go)), std(&by(SealFormat::Php)), std(&by(SealFormat::RubyLegacy)));
    let confusions = [
        ("ruby without its version byte", STANDARD.encode(&ruby[1..])),
        ("go with a ruby version byte", STANDARD.encode([&[1u8][..], &go].concat())),
        ("php nonce cut to 12 bytes (go layout)", STANDARD.encode(&php[12..])),
        ("go cookie with ~2 (dotnet shape)", format!("{}~2", by(SealFormat::Go))),
        ("iron seal as a react-router value, unsigned", STANDARD.encode(json!({"jwt": by(SealFormat::Iron)}).to_string())),
        ("react-router value re-signed with nothing", format!("{}.", by(SealFormat::ReactRouter).split('.').next().unwrap())),
        ("halite inner text without its outer base64", String::from_utf8(std(&by(SealFormat::PhpHalite))).unwrap()),
        ("fernet bytes in standard base64", STANDARD.encode(URL_SAFE.decode(by(SealFormat::Fernet)).unwrap())),
        ("iron URI-encoded twice", by(SealFormat::Iron).replace('*', "%252A")),
    ];
    for (label, cookie) in &confusions {
        refuse_quickly(&reader, label, cookie, &mut slowest);
        ran += 1;
    }
    // Re-encodings anyone can make without a key open to the very same session: with the
    // same key (go's SHA-256 is ruby's), GCM's tag covers the same nonce and ciphertext.
    // They forge nothing: the session is the one the cookie already held.
    let same = [
        ("go bytes in ruby's order", STANDARD.encode([&[1u8][..], &go[..12], &go[go.len() - 16..], &go[12..go.len() - 16]].concat()), SealFormat::Ruby),
        ("ruby-legacy bytes in one line", STANDARD.encode(&legacy), SealFormat::RubyLegacy),
    ];
    for (label, cookie, format) in same {
        let session = reader.authenticate_at(&cookie, at(NOW)).unwrap();
        let session = session.session().unwrap_or_else(|| panic!("{label}"));
        assert_eq!((session.format, session.session_id()), (format, "session_h"), "{label}");
    }
    println!("refused {ran} hostile cookies of {} formats; slowest {:?} ({})", cheap.len(), slowest.0, slowest.1);
}

/// dotnet: a flood of random `…~2` cookies costs at most the derivation budget, then gets
/// the retryable KeyDerivationBusy quickly; a session whose key is cached still opens.
#[test]
fn dotnet_flood_is_bounded() {
    let key = generate_rsa();
    let jwks = json!({"keys": [public_jwk(&key, "k1")]}).to_string();
    let token = sign_rs256(&key, &json!({"alg": "RS256", "kid": "k1"}), &Suite::claims());
    let data = SessionData { access_token: token, refresh_token: "rt".into(), user: json!({"id": "user_h"}), ..Default::default() };
    let gate = format_gate(&jwks, ANY_KEY, &[SealFormat::Dotnet]);
    let cookie = gate.seal_session(&data, SealFormat::Dotnet).unwrap();
    let started = Instant::now();
    assert!(gate.authenticate_at(&cookie, at(NOW)).unwrap().is_authenticated(), "the real session");
    let one = started.elapsed();
    let mut rng = Rng(0x5e55_1079_a7e0_0003);
    let (mut refused, mut busy) = (0, 0);
    let flood = Instant::now();
    for _ in 0..200 {
        let raw: Vec<u8> = (0..120).map(|_| rng.next() as u8).collect();
        match gate.authenticate_at(&format!("{}~2", STANDARD.encode(raw)), at(NOW)) {
            Ok(Authentication::Failed(f)) => {
                assert_eq!(f.detail.code(), "mac_mismatch");
                refused += 1;
            }
            Err(e) => {
                assert_eq!(e.code().as_str(), "key_derivation_busy");
                assert!(e.is_retryable());
                busy += 1;
            }
            Ok(Authentication::Authenticated(_)) => panic!("a random dotnet cookie authenticated"),
        }
    }
    let spent = flood.elapsed();
    // Two secrets: each random salt costs up to two derivations from the budget.
    let budget = sessiongate::internals::dotnet::DERIVATIONS_PER_SECOND as usize;
    assert!(refused <= budget + 2 * (spent.as_secs() as usize + 1) * budget, "{refused} derivations in {spent:?}");
    assert!(busy >= 150, "only {busy} of 200 answered busy");
    // The real session's key is cached: it still opens during the flood, without a derivation.
    let cached = Instant::now();
    assert!(gate.authenticate_at(&cookie, at(NOW)).unwrap().is_authenticated());
    assert!(cached.elapsed() < one / 4 || cached.elapsed() < LIMIT, "cached open took {:?}", cached.elapsed());
    println!("dotnet: first open {one:?} (one PBKDF2-SHA256 ×100 000); flood of 200: {refused} derived, {busy} busy, in {spent:?}");
}
