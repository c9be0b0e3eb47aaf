//! The swift binding's build, test, demo and codegen steps, and the Swift toolchain.
//!
//! * The Rust library `libsessiongate_swift` is built in debug and copied to `bindings-swift/lib/`.
//! * uniffi's generator is a bin of the binding crate behind the `bindgen` feature, built with the
//!   fast `bindgen` profile (never release). Its output (Swift sources, C header, module map) is
//!   committed under `bindings-swift/Sources/` and checked by `codegen --check`.
//! * `swift` comes from PATH when present; on Debian without it, from a Debian 13 (trixie) chroot
//!   with `swiftlang`, cached outside the checkout (`SESSIONGATE_SWIFT_CHROOT`, default
//!   /var/cache/sessiongate/trixie-swift). Each run copies the package (and the vectors) to the
//!   same path inside, so paths (and the library's rpath) are the same inside and out.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{self, Result};

/// The Rust library's name (`lib<name>.so`), as `Package.swift` links it.
const LIB_NAME: &str = "sessiongate_swift";
/// The default chroot location (outside the checkout, survives `git clean`).
const DEFAULT_CHROOT: &str = "/var/cache/sessiongate/trixie-swift";
/// Written in the chroot after swiftlang installed and ran.
const READY_MARKER: &str = ".sessiongate-swift-ready";
/// A clean environment for commands run in the chroot.
const CHROOT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

fn present() -> bool {
    util::binding_present("bindings-swift")
}

fn package_dir() -> PathBuf {
    util::root().join("bindings-swift")
}

pub fn build() -> Result<()> {
    if !present() {
        return Ok(());
    }
    let swift = toolchain()?;
    build_library()?;
    util::step("swift: swift build");
    swift.run("build", &[], &[], &[], Some("swift-build"))
}

/// `false` when the binding is not in this checkout (nothing ran).
pub fn test() -> Result<bool> {
    if !present() {
        return Ok(false);
    }
    let swift = toolchain()?;
    build_library()?;
    check_generated()?;
    // The refresh tests spawn the WorkOS API double (copied into the chroot at the same path).
    let double = util::workos_double()?;
    util::step("swift: swift build && swift test (XCTest)");
    swift.run("build", &[], &[], &[], Some("swift-build"))?;
    let env = [("SESSIONGATE_WORKOS_DOUBLE", double.as_os_str())];
    swift.run("test", &["--disable-swift-testing"], &[&double], &env, None)?;
    Ok(true)
}

pub fn demo(fixture: &Path) -> Result<()> {
    if !present() {
        return Ok(());
    }
    let swift = toolchain()?;
    build_library()?;
    util::step("swift: authenticate the demo sessions");
    let fixture = std::path::absolute(fixture)?;
    let arg = fixture.to_str().ok_or("the fixture path is not UTF-8")?;
    swift.run("build", &["--product", "SessionGateDemo"], &[], &[], Some("swift-build-demo"))?;
    swift.run("run", &["--skip-build", "--quiet", "SessionGateDemo", arg], &[&fixture], &[], None)
}

pub fn codegen(check: bool) -> Result<()> {
    if !present() {
        return Ok(());
    }
    build_library()?;
    if check { check_generated() } else { write_generated() }
}

/// Builds the Rust library (debug) and copies it where `Package.swift` links it.
fn build_library() -> Result<()> {
    util::step("swift: cargo build -p sessiongate-swift (debug)");
    util::tool(util::cargo().args(["build", "-p", "sessiongate-swift", "--lib"]), "cargo-build-swift-lib")?;
    let file = library_file();
    let lib_dir = package_dir().join("lib");
    fs::create_dir_all(&lib_dir)?;
    let source = util::root().join("target/debug").join(&file);
    let dest = lib_dir.join(&file);
    let unchanged = fs::read(&dest).ok().is_some_and(|old| fs::read(&source).ok().is_some_and(|new| new == old));
    if !unchanged {
        // Replace, never overwrite in place: a running process may have the old one mapped.
        let tmp = lib_dir.join(format!("{file}.tmp"));
        fs::copy(&source, &tmp).map_err(|e| format!("copy {}: {e}", source.display()))?;
        fs::rename(&tmp, &dest)?;
    }
    Ok(())
}

fn library_file() -> String {
    format!("{}{LIB_NAME}{}", std::env::consts::DLL_PREFIX, std::env::consts::DLL_SUFFIX)
}

/// The committed generated files: (name in uniffi's output, path in the package).
fn generated_files() -> [(&'static str, &'static str); 3] {
    [
        ("SessionGate.swift", "Sources/SessionGate/SessionGate.swift"),
        ("SessionGateFFI.h", "Sources/SessionGateFFI/SessionGateFFI.h"),
        ("SessionGateFFI.modulemap", "Sources/SessionGateFFI/module.modulemap"),
    ]
}

/// Runs uniffi's generator (fast `bindgen` profile) on the debug library; returns its output dir.
fn generate() -> Result<PathBuf> {
    util::step("swift: uniffi-bindgen generate (profile bindgen)");
    let out = util::root().join("target/swift-bindgen");
    if out.exists() {
        fs::remove_dir_all(&out)?;
    }
    let library = util::root().join("target/debug").join(library_file());
    util::tool(
        util::cargo()
            .args(["run", "--profile", "bindgen", "-p", "sessiongate-swift", "--features", "bindgen"])
            .args(["--bin", "uniffi-bindgen", "--", "generate", "--no-format", "--language", "swift", "--library"])
            .arg(&library)
            .arg("--out-dir")
            .arg(&out),
        "uniffi-bindgen",
    )?;
    Ok(out)
}

fn write_generated() -> Result<()> {
    let out = generate()?;
    for (name, dest) in generated_files() {
        let dest = package_dir().join(dest);
        let text = fs::read(out.join(name)).map_err(|e| format!("uniffi wrote no {name}: {e}"))?;
        if fs::read(&dest).ok().as_deref() != Some(&text[..]) {
            fs::write(&dest, text)?;
            eprintln!("wrote {}", dest.display());
        }
    }
    Ok(())
}

fn check_generated() -> Result<()> {
    let out = generate()?;
    let mut stale = Vec::new();
    for (name, dest) in generated_files() {
        let fresh = fs::read(out.join(name)).map_err(|e| format!("uniffi wrote no {name}: {e}"))?;
        if fs::read(package_dir().join(dest)).ok().as_deref() != Some(&fresh[..]) {
            stale.push(format!("bindings-swift/{dest}"));
        }
    }
    if stale.is_empty() {
        Ok(())
    } else {
        Err(format!("stale generated Swift files (run `cargo xtask codegen`): {}", stale.join(", ")).into())
    }
}

/// How to run `swift` on the package.
#[derive(Debug)]
pub enum Swift {
    /// `swift` on PATH (macOS, Swift images): runs on the checkout.
    Host,
    /// `swift` inside a Debian chroot: runs on a copy of the package at the same path inside.
    Chroot(PathBuf),
}

/// What the Swift package reads, relative to the workspace root (copied into the chroot).
const PACKAGE_INPUTS: [&str; 5] =
    ["bindings-swift/Package.swift", "bindings-swift/Sources", "bindings-swift/Tests", "bindings-swift/lib", "tests/vectors"];

impl Swift {
    /// Runs `swift <subcommand> --package-path bindings-swift <args>`, failing loudly. `files`
    /// are extra absolute paths the run reads (copied into the chroot); `env` are variables set
    /// for it (the chroot's environment is otherwise clean).
    /// `log`: run it as a tool (`util::tool`, output logged under that label), else in view.
    fn run(&self, subcommand: &str, args: &[&str], files: &[&Path], env: &[(&str, &OsStr)], log: Option<&str>) -> Result<()> {
        let package = package_dir();
        let exec = |cmd: &mut Command| match log {
            Some(label) => util::tool(cmd, label),
            None => util::run(cmd),
        };
        match self {
            Swift::Host => exec(
                Command::new("swift")
                    .arg(subcommand)
                    .arg("--package-path")
                    .arg(&package)
                    .args(args)
                    .envs(env.iter().map(|&(k, v)| (k, v))),
            ),
            Swift::Chroot(dir) => {
                let root = util::root();
                let inputs = PACKAGE_INPUTS.iter().map(|p| root.join(p)).chain(files.iter().map(|p| p.to_path_buf()));
                for source in inputs {
                    copy_into(dir, &source)?;
                }
                exec(
                    Command::new("chroot")
                        .arg(dir)
                        .args(["env", "-i", "HOME=/root", "LANG=C.UTF-8"])
                        .arg(format!("PATH={CHROOT_PATH}"))
                        .args(env.iter().map(|(k, v)| {
                            let mut pair = std::ffi::OsString::from(format!("{k}="));
                            pair.push(v);
                            pair
                        }))
                        .args(["swift", subcommand, "--package-path"])
                        .arg(&package)
                        .args(args),
                )
            }
        }
    }
}

/// Copies `source` (absolute) to the same path inside the chroot, replacing what was there and
/// keeping modification times (so `swift build` stays incremental). The package's `.build`
/// lives only inside the chroot.
fn copy_into(chroot: &Path, source: &Path) -> Result<()> {
    let relative = source.strip_prefix("/").map_err(|_| format!("{} is not absolute", source.display()))?;
    let dest = chroot.join(relative);
    if dest.is_dir() {
        fs::remove_dir_all(&dest)?;
    } else if dest.exists() {
        fs::remove_file(&dest)?;
    }
    if let Some(parent) = dest.parent() {
        fs::create_dir_all(parent)?;
    }
    util::run(Command::new("cp").arg("-a").arg(source).arg(&dest))
}

fn is_mountpoint(path: &Path) -> bool {
    Command::new("mountpoint").arg("-q").arg(path).status().is_ok_and(|s| s.success())
}

fn swift_on_path() -> bool {
    Command::new("swift").arg("--version").output().is_ok_and(|o| o.status.success())
}

/// Makes `swift` available and returns how to run it: `swift` from PATH, else (Debian, root) a
/// cached Debian 13 chroot with `swiftlang`, built on the first run. Reruns are instant.
pub fn toolchain() -> Result<Swift> {
    if swift_on_path() {
        util::step("swift toolchain: `swift` on PATH");
        return Ok(Swift::Host);
    }
    let dir = std::env::var_os("SESSIONGATE_SWIFT_CHROOT").map_or_else(|| PathBuf::from(DEFAULT_CHROOT), PathBuf::from);
    if dir.join(READY_MARKER).exists() {
        mount_proc(&dir)?;
        return Ok(Swift::Chroot(dir));
    }
    util::step(&format!("swift toolchain: building a Debian 13 chroot with swiftlang in {}", dir.display()));
    if !Path::new("/etc/debian_version").exists() {
        return Err("no `swift` on PATH and this is not Debian: install Swift (swift.org) and rerun".into());
    }
    if util::output(Command::new("id").arg("-u"))?.trim() != "0" {
        return Err("no `swift` on PATH: building the Debian 13 chroot with swiftlang needs root (or install Swift)".into());
    }
    if Command::new("debootstrap").arg("--version").output().is_err() {
        let install = || {
            let mut cmd = Command::new("apt-get");
            util::tool(cmd.args(["install", "-y", "debootstrap"]).env("DEBIAN_FRONTEND", "noninteractive"), "apt-get-install-debootstrap")
        };
        install().or_else(|_| util::tool(Command::new("apt-get").arg("update"), "apt-get-update").and_then(|()| install()))?;
    }
    if !dir.join("usr/bin/apt-get").exists() {
        let mirror = debian_mirror()?;
        let partial = dir.with_extension("partial");
        if partial.exists() {
            unmount_proc(&partial);
            fs::remove_dir_all(&partial)?;
        }
        if let Some(parent) = dir.parent() {
            fs::create_dir_all(parent)?;
        }
        util::step("swift toolchain: debootstrap Debian 13 (output in target/logs/debootstrap.log)");
        util::tool(Command::new("debootstrap").args(["--variant=minbase", "trixie"]).arg(&partial).arg(&mirror), "debootstrap")?;
        fs::rename(&partial, &dir)?;
    }
    mount_proc(&dir)?;
    let in_chroot = |script: &str, label: &str| {
        util::tool(
            Command::new("chroot")
                .arg(&dir)
                .args(["env", "-i", "HOME=/root", "DEBIAN_FRONTEND=noninteractive"])
                .arg(format!("PATH={CHROOT_PATH}"))
                .args(["sh", "-c", script]),
            label,
        )
    };
    util::step("swift toolchain: apt-get install swiftlang in the chroot (output in target/logs/chroot-swiftlang.log)");
    in_chroot("apt-get update && apt-get install -y --no-install-recommends swiftlang libc6-dev", "chroot-swiftlang")?;
    in_chroot("swift --version", "chroot-swift-version")?;
    fs::write(dir.join(READY_MARKER), "swiftlang installed by cargo xtask swift-toolchain\n")?;
    Ok(Swift::Chroot(dir))
}

/// Mounts /proc in the chroot (the compiler needs it to find libswiftCore), if not yet.
fn mount_proc(dir: &Path) -> Result<()> {
    let proc = dir.join("proc");
    if is_mountpoint(&proc) {
        return Ok(());
    }
    fs::create_dir_all(&proc)?;
    util::run(Command::new("mount").args(["-t", "proc", "proc"]).arg(&proc))
}

fn unmount_proc(dir: &Path) {
    let proc = dir.join("proc");
    if is_mountpoint(&proc) {
        let _ = util::run(Command::new("umount").arg(&proc));
    }
}

/// The Debian mirror this machine's apt uses (`SESSIONGATE_DEBIAN_MIRROR` overrides): the first
/// non-security `…/debian` URI in /etc/apt/sources.list and sources.list.d.
pub(crate) fn debian_mirror() -> Result<String> {
    if let Ok(mirror) = std::env::var("SESSIONGATE_DEBIAN_MIRROR") {
        return Ok(mirror);
    }
    let mut files = vec![PathBuf::from("/etc/apt/sources.list")];
    if let Ok(entries) = fs::read_dir("/etc/apt/sources.list.d") {
        let mut more: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        more.sort();
        files.extend(more.into_iter().filter(|p| p.extension().is_some_and(|x| x == "list" || x == "sources")));
    }
    for file in files {
        let Ok(text) = fs::read_to_string(&file) else { continue };
        for line in text.lines().map(str::trim).filter(|l| !l.starts_with('#')) {
            // One-line style: `deb [opts] URI suite ...`; deb822 style: `URIs: URI ...`.
            let uris: Vec<&str> = if let Some(rest) = line.strip_prefix("URIs:") {
                rest.split_whitespace().collect()
            } else if let Some(rest) = line.strip_prefix("deb ") {
                rest.split_whitespace().filter(|w| w.contains("://")).take(1).collect()
            } else {
                continue;
            };
            if let Some(uri) = uris.into_iter().find(|u| u.trim_end_matches('/').ends_with("/debian")) {
                return Ok(uri.trim_end_matches('/').to_owned());
            }
        }
    }
    Err("no Debian mirror found in /etc/apt/sources.list*: set SESSIONGATE_DEBIAN_MIRROR".into())
}
