#![no_main]
//! Format detection and unseal with every secret, as `authenticate` does.
mod common;
use libfuzzer_sys::fuzz_target;
use sessiongate::internals::{self as seal, Secrets};

fuzz_target!(|data: &[u8]| {
    let secrets = Secrets::new([common::FERNET_KEY, common::IRON_PASSWORDS[0], common::IRON_PASSWORDS[1]]).expect("secrets");
    if let Ok(cookie) = std::str::from_utf8(data) {
        let _ = sessiongate::SealFormat::detect(cookie);
        let _ = seal::unseal(cookie, &secrets, common::now());
    }
});
