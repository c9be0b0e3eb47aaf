#![no_main]
//! iron unseal with the right passwords: never panics, whatever the bytes.
mod common;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(cookie) = std::str::from_utf8(data) {
        let _ = sessiongate::internals::iron::unseal(cookie, common::IRON_PASSWORDS.into_iter(), common::now());
    }
});
