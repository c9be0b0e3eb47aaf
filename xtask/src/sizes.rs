//! `cargo xtask bench sizes`: every release artefact's size beside the peers' packages, in
//! BENCHMARKS.md's sizes section (issue 19: each native library under 8 MB).

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::Command;

use crate::util::{self, Result};

pub(crate) const START: &str = "<!-- sizes: written by `cargo xtask bench sizes` -->";
pub(crate) const END: &str = "<!-- end sizes -->";
/// What one native library may weigh (issue 19).
const NATIVE_BUDGET_MB: f64 = 8.0;

/// Builds the release artefacts (the Python wheels, the Node addon and its tarball), fetches the
/// peers' published packages, and writes the sizes section.
pub fn bench() -> Result<()> {
    crate::python::build()?;
    crate::node::build()?;
    let root = util::root();
    let peers = root.join("target/bench/peers");
    fs::create_dir_all(&peers)?;
    util::step("sizes: the peers' packages (workos 10.8.0 wheel, @workos-inc/node 11.0.0 tarball)");
    util::run(Command::new("python3").args(["-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:", "workos==10.8.0", "-d"]).arg(&peers))?;
    util::run(Command::new("npm").args(["pack", "--silent", "@workos-inc/node@11.0.0", "--pack-destination"]).arg(&peers).current_dir(&peers))?;

    let wheel = util::only_file(&root.join("target/wheels/python/release"), ".whl")?;
    let arm64 = crate::python::release_wheel_for(util::AARCH64_LINUX)?;
    let musl = crate::python::release_wheel_for(util::X86_64_MUSL)?;
    let rows = [
        ("Python native module (`_sessiongate.abi3.so`, in the wheel)", wheel_member_size(&wheel, "_sessiongate")?, true),
        ("Python wheel (manylinux2014 x86_64)", size(&wheel)?, false),
        ("Python native module, aarch64", wheel_member_size(&arm64, "_sessiongate")?, true),
        ("Python wheel (manylinux2014 aarch64)", size(&arm64)?, false),
        ("Python native module, x86_64 musl", wheel_member_size(&musl, "_sessiongate")?, true),
        ("Python wheel (musllinux_1_2 x86_64)", size(&musl)?, false),
        ("Node addon (`sessiongate.linux-x64-gnu.node`)", size(&root.join("bindings-node/sessiongate.linux-x64-gnu.node"))?, true),
        ("npm tarball", size(&util::only_file(&root.join("target/napi-node"), ".tgz")?)?, false),
        ("Node addon, aarch64 (`sessiongate.linux-arm64-gnu.node`)", size(&crate::node::release_addon_for(util::AARCH64_LINUX)?)?, true),
        ("peer: workos-python 10.8.0 wheel", size(&util::only_file(&peers, ".whl")?)?, false),
        ("peer: @workos-inc/node 11.0.0 tarball", size(&util::only_file(&peers, ".tgz")?)?, false),
    ];
    let mut md = format!("{START}\n## Artefact sizes (release profile: stripped, no debug info)\n\n");
    let today = util::output(Command::new("date").args(["-u", "+%Y-%m-%d"]))?;
    let _ = writeln!(md, "Measured {} with `cargo xtask bench sizes` (builds the release artefacts, downloads the peers' packages).\n", today.trim());
    md.push_str("| artefact | size | under 8 MB (native libraries) |\n|---|---:|---|\n");
    for (name, bytes, native) in rows {
        let mb = bytes as f64 / 1_000_000.0;
        let budget = if native { if mb < NATIVE_BUDGET_MB { "yes" } else { "**no**" } } else { "" };
        let _ = writeln!(md, "| {name} | {mb:.2} MB | {budget} |");
    }
    md.push('\n');
    md.push_str(END);
    md.push('\n');
    crate::bench::replace_section(START, END, &md)?;
    util::step("wrote the sizes section of BENCHMARKS.md");
    Ok(())
}

pub(crate) fn size(path: &Path) -> Result<u64> {
    Ok(fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?.len())
}

/// The uncompressed size of the wheel member whose name contains `name` (Python's zipfile).
fn wheel_member_size(wheel: &Path, name: &str) -> Result<u64> {
    let script = "import sys, zipfile\nprint(next(i.file_size for i in zipfile.ZipFile(sys.argv[1]).infolist() if sys.argv[2] in i.filename))";
    let out = util::output(Command::new("python3").args(["-c", script]).arg(wheel).arg(name))?;
    out.trim().parse().map_err(|_| format!("no {name} in {}", wheel.display()).into())
}
