#![no_main]
//! The dotnet format: arbitrary cookies never panic; arbitrary JSON seals and opens back.
mod formats;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sessiongate::SealFormat;
use sessiongate::internals::Secrets;

fuzz_target!(|data: &[u8]| {
    static SECRETS: OnceLock<Secrets> = OnceLock::new();
    let secrets = SECRETS.get_or_init(|| formats::secrets(SealFormat::Dotnet));
    formats::run(SealFormat::Dotnet, secrets, data);
});
