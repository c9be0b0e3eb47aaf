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

/// Runs a command and returns its standard output.
pub fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd.output().map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    if !out.status.success() {
        return Err(format!("{cmd:?} failed: {}\n{}", out.status, String::from_utf8_lossy(&out.stderr)).into());
    }
    Ok(String::from_utf8(out.stdout)?)
}
