#![allow(dead_code)] // each target uses part of it
//! One fuzz body for every seal format: arbitrary text is unsealed by a gate reading only that
//! format (never a panic), and arbitrary JSON is sealed then unsealed (it must come back, and
//! its session fields must read without a panic). Self-contained keys: no seed files needed.

use std::time::{Duration, SystemTime};

use sessiongate::SealFormat;
use sessiongate::internals::{FixedEntropy, FormatSet, SecretOptions, Secrets, payload, seal_with, unseal};

/// The base64 of a 32-byte key: a secret for every format but ruby-legacy.
pub const ANY_KEY: &str = "ZnV6ei10YXJnZXQta2V5LWZvci1ldmVyeS1mb3JtYXQ=";
/// Exactly 32 bytes, for ruby-legacy.
pub const RAW_32: &str = "fuzz-target-ruby-legacy-32-bytes";

pub fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

pub fn secrets(format: SealFormat) -> Secrets {
    let secret = if format == SealFormat::RubyLegacy { RAW_32 } else { ANY_KEY };
    Secrets::with_options([secret], SecretOptions { formats: FormatSet::of(&[format]), allow_weak_secrets: false }).expect("secrets")
}

fn entropy(format: SealFormat, seed: u8) -> FixedEntropy {
    let sizes: &[usize] = match format {
        SealFormat::Iron | SealFormat::ReactRouter => &[32, 16, 32],
        SealFormat::Fernet => &[16],
        SealFormat::Php => &[24],
        SealFormat::PhpHalite => &[24, 32],
        SealFormat::Dotnet => &[16, 12],
        _ => &[12],
    };
    FixedEntropy { chunks: sizes.iter().map(|n| vec![seed; *n]).collect(), time: 1_800_000_000 }
}

/// The body of every `<format>_unseal` target.
pub fn run(format: SealFormat, secrets: &Secrets, data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = SealFormat::detect(text);
    let _ = unseal(text, secrets, now());
    if let Some(value) = sessiongate::parse_json_lenient(text) {
        let _ = payload::read(format, value.clone());
        // dotnet's derivation is too slow to run per input: its roundtrip is left to the tests.
        if format == SealFormat::Dotnet {
            return;
        }
        let seed = data.first().copied().unwrap_or(0);
        if let Ok(cookie) = seal_with(&value, secrets, format, &mut entropy(format, seed)) {
            let opened = unseal(&cookie, secrets, now()).expect("what we seal opens");
            assert_eq!(opened.format, format);
            // PHP writes an empty object as `[]`, as the SDK does: compare elsewhere only.
            if !matches!(format, SealFormat::Php | SealFormat::PhpHalite) {
                assert_eq!(opened.data, value, "the roundtrip changed the value");
            }
        }
    }
}
