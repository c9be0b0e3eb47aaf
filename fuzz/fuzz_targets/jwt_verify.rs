#![no_main]
//! JWT parse and verify against the peers' keys: a failure reason, never a panic.
mod common;
use libfuzzer_sys::fuzz_target;
use sessiongate::internals::KeyProvider;
use sessiongate::internals::{self as token, TokenRules};

fuzz_target!(|data: &[u8]| {
    if let Ok(jwt) = std::str::from_utf8(data) {
        let keys = KeyProvider::Static(common::key_set());
        let result = token::verify(jwt, &TokenRules::default(), common::now(), None, |kid| keys.key_set_for(kid));
        assert!(result.is_ok(), "a static key set never yields an outage");
    }
});
