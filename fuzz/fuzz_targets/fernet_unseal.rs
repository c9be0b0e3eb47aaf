#![no_main]
//! Fernet unseal with the right key: never panics, whatever the bytes.
mod common;
use libfuzzer_sys::fuzz_target;
use sessiongate::internals::fernet::FernetKey;

fuzz_target!(|data: &[u8]| {
    if let (Ok(cookie), Some(key)) = (std::str::from_utf8(data), FernetKey::parse(common::FERNET_KEY)) {
        let _ = sessiongate::internals::fernet::unseal(cookie, [&key].into_iter());
    }
});
