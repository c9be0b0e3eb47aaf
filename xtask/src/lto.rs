//! `cargo xtask bench lto`: whether link-time optimisation and one codegen unit pay for
//! themselves (issue 19). Each variant of the release profile builds, from an empty target
//! folder of its own, the Python module and the Node addon (timed) and the core's criterion
//! bench; the section in BENCHMARKS.md gives their sizes, the build time and the core's medians.
//! The variants are set with cargo's `CARGO_PROFILE_*` variables, so Cargo.toml stays as it is
//! (its release profile is the last variant).

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::util::{self, Result};

pub(crate) const START: &str = "<!-- lto: written by `cargo xtask bench lto` -->";
pub(crate) const END: &str = "<!-- end lto -->";

/// A variant: its label, its folder under target/lto, and its profile settings
/// (`CARGO_PROFILE_RELEASE_<KEY>`, overriding Cargo.toml's release profile either way).
type Variant = (&'static str, &'static str, &'static [(&'static str, &'static str)]);

const VARIANTS: [Variant; 3] = [
    ("`lto = false` (crate-local thin LTO), 16 codegen units: cargo's default", "default", &[("LTO", "false"), ("CODEGEN_UNITS", "16")]),
    ("`lto = \"thin\"`, 16 codegen units", "thin", &[("LTO", "thin"), ("CODEGEN_UNITS", "16")]),
    ("`lto = \"fat\"`, `codegen-units = 1`: the release profile", "fat-cgu1", &[("LTO", "fat"), ("CODEGEN_UNITS", "1")]),
];

/// The core's criterion ids compared (the typical cookie; the same bench as the core section).
const IDS: [&str; 5] = ["unseal/iron/typical", "unseal/fernet/typical", "rsa_verify/typical", "authenticate_cold/iron/typical", "authenticate_warm/iron/typical"];

pub fn bench() -> Result<()> {
    let root = util::root();
    let mut rows = Vec::new();
    for (label, dir, settings) in VARIANTS {
        let target = root.join("target/lto").join(dir);
        if target.exists() {
            fs::remove_dir_all(&target)?;
        }
        let cargo = || {
            let mut cmd = util::cargo();
            cmd.env("CARGO_TARGET_DIR", &target);
            // The bench profile inherits release's; both are set so neither can differ.
            for (key, value) in settings {
                for profile in ["RELEASE", "BENCH"] {
                    cmd.env(format!("CARGO_PROFILE_{profile}_{key}"), value);
                }
            }
            cmd
        };
        util::step(&format!("lto: {label}: build the Python module and the Node addon (release, fresh target/lto/{dir})"));
        let started = Instant::now();
        util::tool(cargo().args(["build", "--release", "-p", "sessiongate-python", "-p", "sessiongate-node", "--lib"]), &format!("lto-build-{dir}"))?;
        let build_s = started.elapsed().as_secs_f64();
        let release = target.join("release");
        let python = mb(&release.join("lib_sessiongate.so"))?;
        let node = mb(&release.join("libsessiongate_node.so"))?;
        util::step(&format!("lto: {label}: the core's criterion bench (typical cookie)"));
        util::tool(cargo().args(["bench", "-p", "sessiongate", "--bench", "authenticate", "--", "typical"]), &format!("lto-bench-{dir}"))?;
        let medians = IDS.iter().map(|id| crate::bench::criterion_median_us_in(&target, id)).collect::<Result<Vec<f64>>>()?;
        rows.push((label, python, node, build_s, medians));
    }

    let today = util::output(Command::new("date").args(["-u", "+%Y-%m-%d"]))?;
    let load = crate::bench::load_average();
    let mut md = format!("{START}\n## Release profile: LTO and codegen units\n\n");
    let _ = writeln!(
        md,
        "Measured {} with `cargo xtask bench lto`: each variant builds from an empty target folder on this 2-core machine \
         (build time: the Python module and the Node addon together, all dependencies included), then runs the core's \
         criterion bench (median µs per call, typical cookie; load average at the end `{load}`).\n",
        today.trim()
    );
    md.push_str("| release profile | Python module | Node addon | build | ");
    md.push_str(&IDS.iter().map(|id| format!("`{id}`")).collect::<Vec<_>>().join(" | "));
    md.push_str(" |\n|---|---:|---:|---:|");
    md.push_str(&"---:|".repeat(IDS.len()));
    md.push('\n');
    for (label, python, node, build_s, medians) in &rows {
        let _ = write!(md, "| {label} | {python:.2} MB | {node:.2} MB | {build_s:.0} s |");
        for median in medians {
            let _ = write!(md, " {median:.2} |");
        }
        md.push('\n');
    }
    md.push('\n');
    md.push_str(END);
    md.push('\n');
    crate::bench::replace_section(START, END, &md)?;
    util::step("wrote the LTO section of BENCHMARKS.md");
    eprint!("{md}");
    Ok(())
}

fn mb(path: &Path) -> Result<f64> {
    Ok(crate::sizes::size(path)? as f64 / 1_000_000.0)
}
