#![no_main]
//! The whole `authenticate`: every input is a failure or a session, never a panic or an `Err`.
mod common;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sessiongate::{Config, JwksSource, SessionGate};

fuzz_target!(|data: &[u8]| {
    static GATE: OnceLock<SessionGate> = OnceLock::new();
    let gate = GATE.get_or_init(|| {
        let jwks = String::from_utf8(include_bytes!("../../target/fuzz-seeds/jwks.json").to_vec()).expect("utf-8");
        let secrets = vec![common::FERNET_KEY.into(), common::IRON_PASSWORDS[0].into(), common::IRON_PASSWORDS[1].into()];
        SessionGate::new(Config::new("client_fuzz", secrets, JwksSource::Static(jwks))).expect("gate")
    });
    if let Ok(cookie) = std::str::from_utf8(data) {
        assert!(gate.authenticate_at(cookie, common::now()).is_ok(), "static keys: no outage possible");
    }
});
