//! Small process helpers: no dependencies, so xtask builds in a second.

use std::path::{Path, PathBuf};
use std::process::Command;

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// `cargo`, as invoked by the user (the same toolchain), run from the root.
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// Whether a binding is in this checkout (`<dir>/Cargo.toml`). When it is not, says so: a
/// command that skips it must never look as if it ran it.
pub fn binding_present(dir: &str) -> bool {
    let present = root().join(dir).join("Cargo.toml").exists();
    if !present {
        step(&format!("{dir}/ is not in this checkout: nothing of it runs"));
    }
    present
}

/// Prints a step header.
pub fn step(name: &str) {
    eprintln!("\n== {name}");
}

/// Runs a command, failing on a non-zero exit.
pub fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd.status().map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    if status.success() { Ok(()) } else { Err(format!("{cmd:?} failed: {status}").into()) }
}

/// Runs a build or install tool (cargo build, maturin, pip, npm, apt, debootstrap) with its
/// output in `target/logs/<label>.log`, shown (its last 60 lines) only when it fails: a run that
/// works prints progress lines and results, not the tools' chatter.
pub fn tool(cmd: &mut Command, label: &str) -> Result<()> {
    let dir = root().join("target/logs");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{}.log", label.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "-")));
    let log = std::fs::File::create(&path)?;
    let status = cmd
        .stdout(log.try_clone()?)
        .stderr(log)
        .status()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    if status.success() {
        return Ok(());
    }
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    eprintln!("{}", lines[lines.len().saturating_sub(60)..].join("\n"));
    Err(format!("{label} failed ({status}): the whole output is in {}", path.display()).into())
}

/// The one file in `dir` whose name ends with `suffix` (a built wheel, a packed tarball).
pub fn only_file(dir: &Path, suffix: &str) -> Result<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.to_string_lossy().ends_with(suffix))
        .collect();
    match (found.pop(), found.is_empty()) {
        (Some(path), true) => Ok(path),
        _ => Err(format!("expected exactly one *{suffix} in {}", dir.display()).into()),
    }
}

/// Runs a command that must fail saying `expected` (in its standard output or error): a check
/// that an install is refused for the right reason. Returns what it said.
pub fn refused(cmd: &mut Command, expected: &str, what: &str) -> Result<String> {
    let out = cmd.output().map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if out.status.success() || !said.contains(expected) {
        return Err(format!("{what}: expected a failure saying {expected:?}, got {}:\n{said}", out.status).into());
    }
    Ok(said)
}

/// Runs a command and returns its standard output.
pub fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd.output().map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    if !out.status.success() {
        return Err(format!("{cmd:?} failed: {}\n{}", out.status, String::from_utf8_lossy(&out.stderr)).into());
    }
    Ok(String::from_utf8(out.stdout)?)
}

/// Builds the WorkOS API double (`tests/double`) and returns its binary's path, for the binding
/// suites that spawn it (they read it from `SESSIONGATE_WORKOS_DOUBLE`).
pub fn workos_double() -> Result<PathBuf> {
    tool(cargo().args(["build", "-p", "sessiongate-vectors", "--bin", "workos-double"]), "cargo-build-workos-double")?;
    let path = root().join("target/debug").join(format!("workos-double{}", std::env::consts::EXE_SUFFIX));
    if path.is_file() { Ok(path) } else { Err(format!("{} was not built", path.display()).into()) }
}

/// The other platform the release artefacts are built for (ARM servers: AWS Graviton and the like).
pub const AARCH64_LINUX: &str = "aarch64-unknown-linux-gnu";
/// Linux with musl as its libc (Alpine), for the musllinux wheel.
pub const X86_64_MUSL: &str = "x86_64-unknown-linux-musl";

/// Makes sure rustup has the standard library of `target` (for a cross-compiled artefact).
pub fn rust_target(target: &str) -> Result<()> {
    if output(Command::new("rustup").args(["target", "list", "--installed"]))?.lines().any(|line| line.trim() == target) {
        return Ok(());
    }
    step(&format!("rustup target add {target}"));
    tool(Command::new("rustup").args(["target", "add", target]), &format!("rustup-target-add-{target}"))
}

/// Makes sure `redis-server` is installed (Debian's package, for the fleet-coordinator suites)
/// and returns its path; the suites start and stop their own servers on free ports.
pub fn redis_server() -> Result<PathBuf> {
    debian_tool("redis-server", "redis-server")
}

/// Makes sure `chromium` is installed (Debian's package, for the Next.js browser suite) and
/// returns its path.
pub fn chromium() -> Result<PathBuf> {
    debian_tool("chromium", "chromium")
}

/// The path of `binary`, installing Debian's `package` first (apt-get, as root or through
/// sudo; `apt-get update` only when the first try fails) when it is not on PATH.
pub fn debian_tool(binary: &str, package: &str) -> Result<PathBuf> {
    let find = || {
        std::env::var_os("PATH")
            .and_then(|paths| std::env::split_paths(&paths).map(|dir| dir.join(binary)).find(|p| p.is_file()))
    };
    if let Some(path) = find() {
        return Ok(path);
    }
    step(&format!("installing {package} (Debian package)"));
    let root = output(Command::new("id").arg("-u")).map(|uid| uid.trim() == "0").unwrap_or(false);
    let apt = |args: &[&str]| {
        let mut cmd = if root { Command::new("apt-get") } else { Command::new("sudo") };
        if !root {
            cmd.arg("apt-get");
        }
        cmd.env("DEBIAN_FRONTEND", "noninteractive").args(args);
        tool(&mut cmd, &format!("apt-get-{}-{package}", args[0]))
    };
    if apt(&["install", "-y", "--no-install-recommends", package]).is_err() {
        apt(&["update"])?;
        apt(&["install", "-y", "--no-install-recommends", package])?;
    }
    find().ok_or_else(|| format!("{binary} is still not on PATH after installing {package}").into())
}
