//! `cargo xtask fuzz [--seconds N]`: seed the libFuzzer targets of `fuzz/` from the shared
//! vectors, then run each for N seconds (default 30). A crash fails the command; its input is
//! left in `fuzz/artifacts/<target>/` to become a regression vector.

use std::fs;

use serde_json::Value;

use crate::util::{self, Result, cargo};

const TARGETS: [&str; 13] = [
    "iron_unseal",
    "fernet_unseal",
    "detect_unseal",
    "jwt_verify",
    "jwks_parse",
    "authenticate",
    "ruby_unseal",
    "ruby_legacy_unseal",
    "go_unseal",
    "php_unseal",
    "php_halite_unseal",
    "dotnet_unseal",
    "react_router_unseal",
];

/// The targets that read one seal format: each is seeded with every case's cookie (a cookie of
/// another format is a good near miss).
const FORMAT_TARGETS: [&str; 7] =
    ["ruby_unseal", "ruby_legacy_unseal", "go_unseal", "php_unseal", "php_halite_unseal", "dotnet_unseal", "react_router_unseal"];

pub fn run(seconds: u64) -> Result<()> {
    ensure_cargo_fuzz()?;
    seed()?;
    for target in TARGETS {
        util::step(&format!("fuzz {target} for {seconds} s"));
        let corpus = util::root().join("target/fuzz-seeds").join(target);
        util::run(
            cargo()
                // cargo-fuzz passes unstable flags; the machine has one stable toolchain.
                .env("RUSTC_BOOTSTRAP", "1")
                .args(["fuzz", "run", "--fuzz-dir", "fuzz", target])
                .arg(&corpus)
                .args(["--", &format!("-max_total_time={seconds}"), "-max_len=20000", "-rss_limit_mb=2048", "-print_final_stats=1"]),
        )?;
    }
    println!("\nfuzz: {} passed, 0 failed", TARGETS.len());
    Ok(())
}

fn ensure_cargo_fuzz() -> Result<()> {
    if util::output(cargo().args(["fuzz", "--version"])).is_ok() {
        return Ok(());
    }
    util::step("installing cargo-fuzz");
    util::run(cargo().args(["install", "cargo-fuzz", "--locked"]))
}

/// Seed corpora: the vectors' cookies, tokens and key sets; one merged key set for the targets.
fn seed() -> Result<()> {
    let root = util::root();
    let cases: Value = serde_json::from_str(&fs::read_to_string(root.join("tests/vectors/cases.json"))?)?;
    let seeds = root.join("target/fuzz-seeds");
    for target in TARGETS {
        fs::create_dir_all(seeds.join(target))?;
    }
    let mut keys = Vec::new();
    for (i, (_, jwks)) in cases["jwks"].as_object().ok_or("cases.json: no jwks")?.iter().enumerate() {
        keys.extend(jwks["keys"].as_array().cloned().unwrap_or_default());
        fs::write(seeds.join(format!("jwks_parse/set-{i}.json")), jwks.to_string())?;
    }
    fs::write(seeds.join("jwks.json"), serde_json::json!({ "keys": keys }).to_string())?;
    for (i, case) in cases["cases"].as_array().ok_or("cases.json: no cases")?.iter().enumerate() {
        let cookie = case["cookie"].as_str().unwrap_or_default();
        let format = if cookie.starts_with("Fe26.") { "iron_unseal" } else { "fernet_unseal" };
        for target in [format, "detect_unseal", "authenticate"].into_iter().chain(FORMAT_TARGETS) {
            fs::write(seeds.join(format!("{target}/case-{i}")), cookie)?;
        }
        if let Some(token) = case["expected"]["session"]["access_token"].as_str() {
            fs::write(seeds.join(format!("jwt_verify/case-{i}")), token)?;
        }
    }
    Ok(())
}
