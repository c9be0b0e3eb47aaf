//! `workos-double`: starts the WorkOS API double on 127.0.0.1 (a free port), prints one JSON
//! line `{"url": ..., "client_id": ..., "api_key": ..., "jwks_url": ...}` on stdout, and
//! exits when its stdin closes, so any language's test suite can spawn it and drive it over
//! HTTP (`/_double/...`, see tests/double/README.md).
//!
//! Options: `--client-id ID`, `--api-key KEY`, `--grace-ms N`, `--access-token-ttl SECONDS`,
//! `--challenge-ttl SECONDS`, `--mfa-code CODE`, `--issuer URL`.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::{Read, Write};
use std::time::Duration;

use serde_json::json;
use sessiongate_vectors::double::{Double, Options};

fn main() {
    let mut options = Options::default();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        let number = |v: String| v.parse::<u64>().unwrap_or_else(|_| panic!("{v}: not a whole number"));
        match flag.as_str() {
            "--client-id" => options.client_id = value(),
            "--api-key" => options.api_key = value(),
            "--grace-ms" => options.grace = Duration::from_millis(number(value())),
            "--access-token-ttl" => options.access_token_ttl = Duration::from_secs(number(value())),
            "--challenge-ttl" => options.challenge_ttl = Duration::from_secs(number(value())),
            "--mfa-code" => options.mfa_code = value(),
            "--issuer" => options.issuer = Some(value()),
            other => panic!("unknown option {other}"),
        }
    }
    let double = Double::start(options);
    let line = json!({
        "url": double.url(),
        "client_id": double.options().client_id,
        "api_key": double.options().api_key,
        "jwks_url": double.jwks_url(),
    });
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{line}").unwrap();
    stdout.flush().unwrap();
    // Serve until the parent closes our stdin (or dies).
    let mut sink = [0u8; 256];
    let mut stdin = std::io::stdin();
    while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
    drop(double);
}
