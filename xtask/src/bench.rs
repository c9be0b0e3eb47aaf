//! `cargo xtask bench`: the core's criterion benches, the bindings' runs against the real
//! peers, and BENCHMARKS.md written from what this run measured.

use std::fmt::Write as _;
use std::fs;

use serde_json::{Value, json};

use crate::util::{self, Result, cargo};

/// The criterion ids of `core/benches/authenticate.rs`.
const CORE_IDS: [&str; 14] = [
    "rsa_verify/typical",
    "unseal/iron/typical",
    "unseal/fernet/typical",
    "authenticate_cold/iron/typical",
    "authenticate_cold/fernet/typical",
    "authenticate_warm/iron/typical",
    "authenticate_warm/fernet/typical",
    "rsa_verify/large",
    "unseal/iron/large",
    "unseal/fernet/large",
    "authenticate_cold/iron/large",
    "authenticate_cold/fernet/large",
    "authenticate_warm/iron/large",
    "authenticate_warm/fernet/large",
];

/// Runs the criterion benches and keeps their medians (µs) in target/bench/core.json.
pub fn core() -> Result<()> {
    util::step("Rust core: criterion (release)");
    util::run(cargo().args(["bench", "-p", "sessiongate", "--bench", "authenticate"]))?;
    let root = util::root();
    let mut medians = serde_json::Map::new();
    for id in CORE_IDS {
        medians.insert(id.to_owned(), json!(criterion_median_us(id)?));
    }
    fs::create_dir_all(root.join("target/bench"))?;
    fs::write(root.join("target/bench/core.json"), serde_json::to_string_pretty(&Value::Object(medians))?)?;
    util::step("Rust core: RSS over 1,000,000 authenticate calls (release)");
    util::run(cargo().args(["run", "--release", "--quiet", "-p", "sessiongate-vectors", "--bin", "memory", "--"]).arg(root.join("target/bench/memory.json")))
}

/// A refresh against the WorkOS API double, single-flight, and the Redis coordinator's cost
/// (release build; a real redis-server): target/bench/refresh.json.
pub fn refresh() -> Result<()> {
    let redis = util::redis_server()?;
    util::step("Rust core: refresh against the API double, single-flight, Redis coordinator (release)");
    let out = util::root().join("target/bench/refresh.json");
    fs::create_dir_all(util::root().join("target/bench"))?;
    util::run(
        cargo()
            .env("SESSIONGATE_REDIS_SERVER", redis)
            .args(["run", "--release", "--quiet", "-p", "sessiongate-vectors", "--bin", "refresh-bench", "--"])
            .arg(&out),
    )
}

const REFRESH_START: &str = "<!-- refresh: written by `cargo xtask bench refresh` -->";
const REFRESH_END: &str = "<!-- end refresh -->";

/// The refresh section from target/bench/refresh.json.
fn refresh_section(v: &Value, command: &str) -> String {
    let us = |path: &[&str]| path.iter().fold(v, |v, k| &v[*k]).as_f64().unwrap_or(f64::NAN);
    let (bare, local, fleet) = (us(&["bare_round_trip", "median_us"]), us(&["refresh_in_process", "median_us"]), us(&["refresh_with_redis", "median_us"]));
    let flight = &v["single_flight"];
    let valid = &v["authenticate_or_refresh_valid_token"];
    let load_avg = load_average();
    let mut md = format!(
        "{REFRESH_START}\n## Refresh (against the WorkOS API double on 127.0.0.1)\n\nReproduce with `{command}` (release build, a real \
         redis-server; load average at the end `{load_avg}`: times on a loaded machine are noisy, the call and command counts are exact).\n\n"
    );
    md.push_str("| measurement | median µs | p95 µs |\n|---|---|---|\n");
    for (label, key) in [
        ("bare round trip to the double's token endpoint (a raw socket: the floor)", "bare_round_trip"),
        ("refresh, in process (API call + verify the new token + seal the new cookie)", "refresh_in_process"),
        ("refresh, with the Redis coordinator (lease, publish, release)", "refresh_with_redis"),
    ] {
        let _ = writeln!(md, "| {label} | {:.1} | {:.1} |", us(&[key, "median_us"]), us(&[key, "p95_us"]));
    }
    let _ = writeln!(
        md,
        "\nA refresh costs {:.1} × the bare round trip (the rest is the double minting and signing, the client, the RSA verification and the seal); the coordinator adds {:.0} µs per refresh (its Redis round trips).\n",
        local / bare,
        fleet - local
    );
    let _ = writeln!(
        md,
        "Single-flight: {} concurrent refreshes of one cookie made **{} API call(s)** and handed out {} distinct cookie(s), in {} ms.\n",
        flight["concurrent_refreshes"], flight["api_calls"], flight["distinct_cookies"], flight["wall_ms"]
    );
    let _ = writeln!(
        md,
        "No-refresh path (`authenticate_or_refresh` with a valid token): {:.1} µs per call in process, {:.1} µs with a coordinator configured; Redis processed **{} commands** during the {} calls of the gate that had it (counted by Redis's `INFO stats`): the coordinator adds nothing where no refresh is due.\n{REFRESH_END}\n",
        us(&["authenticate_or_refresh_valid_token", "in_process_us", "median_us"]),
        us(&["authenticate_or_refresh_valid_token", "with_redis_us", "median_us"]),
        valid["redis_commands_during_them"],
        valid["calls_with_redis"]
    );
    md
}

/// Puts this run's refresh section into BENCHMARKS.md, in place of the last one (the other
/// sections are kept as they are, with their own dates).
pub fn report_refresh(command: &str) -> Result<()> {
    let v = load("refresh").ok_or("target/bench/refresh.json is missing: run `cargo xtask bench refresh`")?;
    replace_section(REFRESH_START, REFRESH_END, &refresh_section(&v, command))?;
    util::step("wrote the refresh section of BENCHMARKS.md");
    Ok(())
}

/// Replaces the section between `start` and `end` in BENCHMARKS.md (appends it when absent).
pub fn replace_section(start: &str, end: &str, section: &str) -> Result<()> {
    let path = util::root().join("BENCHMARKS.md");
    let old = fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n\n".into());
    let new = match (old.find(start), old.find(end)) {
        (Some(s), Some(e)) if e > s => format!("{}{section}{}", &old[..s], old[e + end.len()..].trim_start_matches('\n')),
        _ => format!("{}\n\n{section}", old.trim_end()),
    };
    fs::write(&path, new)?;
    Ok(())
}

/// The criterion ids of `core/benches/formats.rs`: one unseal per format, dotnet's first
/// sight of a salt, and the RSA floor.
fn format_ids() -> Vec<String> {
    let mut ids: Vec<String> = FORMATS.iter().map(|f| format!("unseal/{f}")).collect();
    ids.extend(["unseal_first_salt/dotnet".to_owned(), "rsa_verify".to_owned()]);
    ids
}

/// Every seal format, in the core's order (`SealFormat::ALL`).
const FORMATS: [&str; 9] = ["iron", "fernet", "ruby", "ruby-legacy", "go", "php", "php-halite", "dotnet", "react-router"];

/// Runs the per-format unseal bench and keeps its medians (µs) in target/bench/formats.json.
pub fn formats() -> Result<()> {
    util::step("Rust core: unseal per seal format, criterion (release)");
    util::run(cargo().args(["bench", "-p", "sessiongate", "--bench", "formats"]))?;
    let root = util::root();
    let mut medians = serde_json::Map::new();
    for id in format_ids() {
        medians.insert(id.clone(), json!(criterion_median_us(&id)?));
    }
    fs::create_dir_all(root.join("target/bench"))?;
    fs::write(root.join("target/bench/formats.json"), serde_json::to_string_pretty(&Value::Object(medians))?)?;
    Ok(())
}

/// The median of one criterion id's last run, in µs (two decimals). A `bench_function` id's
/// slashes become `_` in criterion's directory name; a group's benches live under the group.
fn criterion_median_us(id: &str) -> Result<f64> {
    criterion_median_us_in(&util::root().join("target"), id)
}

/// The median (µs) criterion recorded for `id` under the target folder `target`.
pub(crate) fn criterion_median_us_in(target: &std::path::Path, id: &str) -> Result<f64> {
    let dir = target.join("criterion");
    let flat = dir.join(id.replace('/', "_")).join("new/estimates.json");
    let path = if flat.exists() { flat } else { dir.join(id).join("new/estimates.json") };
    let estimates: Value = serde_json::from_str(&fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?)?;
    let ns = estimates["median"]["point_estimate"].as_f64().ok_or("criterion: no median")?;
    Ok((ns / 10.0).round() / 100.0)
}

const FORMATS_START: &str = "<!-- formats: written by `cargo xtask bench formats` -->";
const FORMATS_END: &str = "<!-- end formats -->";

/// The per-format section from target/bench/formats.json.
fn formats_section(v: &Value, command: &str) -> String {
    let us = |id: &str| v[id].as_f64().unwrap_or(f64::NAN);
    let sizes = load("format_cookie_sizes").unwrap_or_default();
    let floor = us("rsa_verify");
    let load_avg = load_average();
    let mut md = format!(
        "{FORMATS_START}\n## Unseal per seal format (criterion, median µs: 50 samples over 2 s each)\n\nReproduce with `{command}` \
         (release build; load average at the end `{load_avg}`). One typical session (the core bench's), sealed by sessiongate in each \
         format and opened by a key set holding only that format's secret. The floor is what every authenticate call pays \
         anyway: one RSA-2048 verify, **{floor:.1} µs** here.\n\n| format | cookie bytes | unseal µs | ÷ RSA floor |\n|---|---|---|---|\n"
    );
    for format in FORMATS {
        let t = us(&format!("unseal/{format}"));
        let size = sizes[format].as_u64().map_or("?".into(), |n| n.to_string());
        let note = if format == "dotnet" { " (per-salt key cached)" } else { "" };
        let _ = writeln!(md, "| `{format}`{note} | {size} | {t:.1} | {:.2} |", t / floor);
    }
    let first = us("unseal_first_salt/dotnet");
    let _ = writeln!(
        md,
        "| `dotnet`, first sight of a salt (PBKDF2-SHA256, 100,000 iterations) | {} | {first:.0} | {:.0} |\n\n\
         `dotnet` is opt-in for the last row: each new salt costs a PBKDF2 derivation, so its keys are cached per salt and \
         the derivations a flood of random `…~2` cookies can cause are bounded (SECURITY.md).\n{FORMATS_END}\n",
        sizes["dotnet"].as_u64().map_or("?".into(), |n| n.to_string()),
        first / floor
    );
    md
}

/// Puts this run's per-format section into BENCHMARKS.md, in place of the last one.
pub fn report_formats(command: &str) -> Result<()> {
    let v = load("formats").ok_or("target/bench/formats.json is missing: run `cargo xtask bench formats`")?;
    replace_section(FORMATS_START, FORMATS_END, &formats_section(&v, command))?;
    util::step("wrote the per-format section of BENCHMARKS.md");
    Ok(())
}

fn load(name: &str) -> Option<Value> {
    let text = fs::read_to_string(util::root().join("target/bench").join(format!("{name}.json"))).ok()?;
    serde_json::from_str(&text).ok()
}

/// Writes BENCHMARKS.md from the results of this run.
pub fn report(command: &str, measured: &[&str]) -> Result<()> {
    let load = |name: &str| if measured.contains(&name) || (matches!(name, "memory" | "cookie_sizes") && measured.contains(&"core")) { load(name) } else { None };
    let mut md = String::from("# Benchmarks\n\n");
    let _ = writeln!(
        md,
        "Reproduce with `{command}` (release builds; writes this file). Machine: {} cores, load average at the end `{}`.\nRatios compare sessiongate with the real peers measured in the same run.\n",
        std::thread::available_parallelism().map_or(0, usize::from),
        load_average()
    );
    if let Some(core) = load("core") {
        let us = |id: &str| core[id].as_f64().unwrap_or(f64::NAN);
        md.push_str("## Core (criterion, median µs per call: 100 samples over 4 s each)\n\n| | iron typical | Fernet typical | iron large | Fernet large |\n|---|---|---|---|---|\n");
        for (label, kind) in [("RSA-2048 verify alone (the floor)", "rsa_verify"), ("unseal", "unseal"), ("authenticate, cold (no verified-token cache)", "authenticate_cold"), ("authenticate, warm (verified-token cache hit)", "authenticate_warm")] {
            let cell = |format: &str, size: &str| {
                let id = if kind == "rsa_verify" { format!("{kind}/{size}") } else { format!("{kind}/{format}/{size}") };
                format!("{:.1}", us(&id))
            };
            let _ = writeln!(md, "| {label} | {} | {} | {} | {} |", cell("iron", "typical"), cell("fernet", "typical"), cell("iron", "large"), cell("fernet", "large"));
        }
        if let Some(sizes) = load("cookie_sizes") {
            let size = |name: &str| sizes[name].as_u64().map_or("?".into(), |n| n.to_string());
            let _ = writeln!(
                md,
                "\nCookies: typical {} B (iron) / {} B (Fernet); large {} B / {} B, with {} permissions and {} feature flags: \
                 about the most a browser keeps in one cookie (4096 bytes for name and value).",
                size("iron/typical"), size("fernet/typical"), size("iron/large"), size("fernet/large"),
                sizes["large_permissions"], sizes["large_feature_flags"]
            );
        }
        md.push_str("\nTargets:\n\n| target | measured | met |\n|---|---|---|\n");
        let mut missed = false;
        for (format, size) in [("iron", "typical"), ("fernet", "typical"), ("iron", "large"), ("fernet", "large")] {
            let floor = us(&format!("rsa_verify/{size}")) + us(&format!("unseal/{format}/{size}"));
            let ratio = us(&format!("authenticate_cold/{format}/{size}")) / floor;
            missed |= ratio > 1.3;
            let _ = writeln!(md, "| cold ≤ 1.3 × (RSA verify + unseal), {format} {size} | {ratio:.2} × | {} |", yes_no(ratio <= 1.3));
        }
        for (format, size) in [("iron", "typical"), ("fernet", "typical"), ("iron", "large"), ("fernet", "large")] {
            let warm = us(&format!("authenticate_warm/{format}/{size}"));
            missed |= warm > 10.0;
            let _ = writeln!(md, "| warm ≤ 10 µs, {format} {size} | {warm:.1} µs | {} |", yes_no(warm <= 10.0));
        }
        md.push_str(
            "\nAbove the floor, a cold call decodes the token's header and claims into JSON values, checks the claims \
             and builds the session; a warm call opens the seal, hashes the token (SHA-256, the cache key) and \
             re-checks the cached claims (shared, not copied).\n",
        );
        if missed {
            md.push_str(
                "\nA target above is missed in this run: the cost above the floor grows with the claims parsed; \
                 a loaded machine also widens every ratio (load average above).\n",
            );
        }
        md.push('\n');
    }
    if let Some(mem) = load("memory") {
        let growth_mb = mem["rss_growth_kb"].as_f64().unwrap_or(f64::NAN) / 1024.0;
        let _ = writeln!(
            md,
            "## Memory\n\n{} authenticate calls over {} distinct sessions (iron and Fernet): RSS {} kB before, {} kB after, growth **{growth_mb:.2} MB** (target < 10 MB: {}); {} µs per call.\n",
            mem["calls"], mem["distinct_sessions"], mem["rss_before_kb"], mem["rss_after_kb"],
            if growth_mb < 10.0 { "met" } else { "missed" }, mem["us_per_call"]
        );
    }
    for (name, title) in [("python", "Python: sessiongate vs workos-python 10.8.0"), ("node", "Node: sessiongate vs @workos-inc/node 11.0.0")] {
        if let Some(v) = load(name) {
            let _ = writeln!(md, "## {title}\n\n| measurement | µs per call | peer ÷ sessiongate | 2 threads ÷ 1 thread |\n|---|---|---|---|");
            table_rows(&v, "", &mut md);
            let peer_us = v.get("workos_python").or_else(|| v.get("workos_node")).and_then(|p| p["us_per_call"].as_f64());
            let floor_us = load("core").and_then(|c| c["rsa_verify/typical"].as_f64());
            let ratio = |key: &str| v[key]["ratio_workos_over_sessiongate"].as_f64();
            let (target, default_gate) = if name == "python" { (15.0, ratio("sessiongate_warm")) } else { (30.0, ratio("sessiongate_async")) };
            if let Some(measured) = default_gate {
                let _ = writeln!(
                    md,
                    "\nTarget ≥ {target:.0} × the peer with a gate as configured by default (verified-token cache on), \
                     authenticating the same cookie again and again as a signed-in user's requests do: \
                     **{measured:.1} ×** ({}).",
                    if measured >= target { "met" } else { "missed" }
                );
            }
            if let (Some(peer), Some(floor), Some(cold)) = (peer_us, floor_us, ratio("sessiongate_cold")) {
                let _ = writeln!(
                    md,
                    "\nWith the cache off (every call verifies the RSA signature) the ratio is {cold:.1} ×: no call that \
                     verifies a signature can beat {:.0} × here, since that verification alone takes {floor:.1} µs \
                     (core bench) and the peer's whole call {peer:.1} µs.",
                    peer / floor
                );
            }
            md.push_str("\n<details><summary>raw results</summary>\n\n```json\n");
            md.push_str(&serde_json::to_string_pretty(&v)?);
            md.push_str("\n```\n</details>\n\n");
        }
    }
    // The sections of the other commands (formats, refresh, sizes, lto) are this run's when it
    // measured them, else kept as the file has them, with the command and date they name.
    let path = util::root().join("BENCHMARKS.md");
    let old = fs::read_to_string(&path).unwrap_or_default();
    let kept = |start: &str, end: &str| {
        let from = old.find(start)?;
        let to = old[from..].find(end)? + from + end.len();
        Some(format!("{}\n\n", &old[from..to]))
    };
    let sections: [(&str, &str, Option<String>); 4] = [
        (FORMATS_START, FORMATS_END, load("formats").filter(|_| measured.contains(&"formats")).map(|v| formats_section(&v, command))),
        (REFRESH_START, REFRESH_END, load("refresh").filter(|_| measured.contains(&"refresh")).map(|v| refresh_section(&v, command))),
        (crate::sizes::START, crate::sizes::END, None),
        (crate::lto::START, crate::lto::END, None),
    ];
    for (start, end, written) in sections {
        if let Some(section) = written.map(|s| format!("{}\n\n", s.trim_end())).or_else(|| kept(start, end)) {
            md.push_str(&section);
        }
    }
    fs::write(&path, format!("{}\n", md.trim_end()))?;
    util::step("wrote BENCHMARKS.md");
    Ok(())
}

/// The machine's load averages over 1, 5 and 15 minutes, as the sections print them: times on
/// a loaded machine are noisy.
pub(crate) fn load_average() -> String {
    let text = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

fn yes_no(met: bool) -> &'static str {
    if met { "yes" } else { "no" }
}

/// One row per object that reports a per-call time, however the binding's bench nests it.
fn table_rows(v: &Value, path: &str, md: &mut String) {
    let Some(map) = v.as_object() else { return };
    let us = ["us_per_call", "1_thread_us_per_call"].iter().find_map(|k| map.get(*k).and_then(Value::as_f64));
    if let Some(us) = us {
        let ratio = ["ratio_workos_over_sessiongate", "ratio"].iter().find_map(|k| map.get(*k).and_then(Value::as_f64));
        let what = map.get("what").or_else(|| map.get("call")).and_then(Value::as_str).unwrap_or_default();
        let name = if path.is_empty() { "sessiongate" } else { path };
        let speedup = map.get("speedup").and_then(Value::as_f64);
        let dash = |v: Option<f64>| v.map_or("—".into(), |r| format!("{r:.2} ×"));
        let _ = writeln!(md, "| {name}: {what} | {us:.1} | {} | {} |", dash(ratio), dash(speedup));
    }
    for (key, child) in map {
        if child.is_object() && key != "machine" {
            table_rows(child, key, md);
        }
    }
}
