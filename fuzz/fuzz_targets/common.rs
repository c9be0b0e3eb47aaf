#![allow(dead_code)] // each target uses part of it
//! Shared fixtures: the secrets and key set the seed corpora were sealed and signed with
//! (the peer vectors' own), so the fuzzer starts from inputs that reach deep.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use sessiongate::internals::KeySet;

pub const IRON_PASSWORDS: [&str; 2] = ["peer-harness-cookie-password-0123456789", "rotated-peer-cookie-password-abcdefghijk"];
pub const FERNET_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

pub fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_343_115)
}

/// The peer vectors' two key sets, merged.
pub fn key_set() -> Arc<KeySet> {
    static SET: OnceLock<Arc<KeySet>> = OnceLock::new();
    SET.get_or_init(|| Arc::new(KeySet::from_json(include_bytes!("../../target/fuzz-seeds/jwks.json")).expect("seed JWKS")))
        .clone()
}
