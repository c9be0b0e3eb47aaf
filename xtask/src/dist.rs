//! `cargo xtask dist`: every artefact, release-built, into `dist/` with `SHA256SUMS`: the Python
//! wheels (manylinux2014 x86_64 and aarch64, musllinux_1_2 x86_64) and sdist, the npm packages
//! (the main one and one per platform: linux x64 and arm64, glibc), and the Swift package's Rust
//! library.
//! Nothing is published: README says how to install from `dist/` and how publishing would go.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::util::{self, Result};

pub fn dist() -> Result<()> {
    let root = util::root();
    let dist = root.join("dist");
    if dist.exists() {
        fs::remove_dir_all(&dist)?;
    }
    fs::create_dir_all(&dist)?;
    crate::python::build()?;
    copy_only(&root.join("target/wheels/python/release"), ".whl", &dist)?;
    copy_into(&crate::python::release_wheel_for(util::AARCH64_LINUX)?, &dist)?;
    copy_into(&crate::python::release_wheel_for(util::X86_64_MUSL)?, &dist)?;
    crate::python::sdist(&dist)?;
    for tarball in crate::node::platform_packages()? {
        copy_into(&tarball, &dist)?;
    }
    util::step("swift: cargo build --release -p sessiongate-swift (the package's library)");
    util::tool(util::cargo().args(["build", "--release", "-p", "sessiongate-swift", "--lib"]), "cargo-build-swift-release")?;
    let library = format!("{}sessiongate_swift{}", std::env::consts::DLL_PREFIX, std::env::consts::DLL_SUFFIX);
    let target = format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH);
    fs::copy(root.join("target/release").join(&library), dist.join(format!("{target}-{library}")))?;

    let mut names: Vec<String> = fs::read_dir(&dist)?.filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned())).collect();
    names.sort();
    let sums = util::output(Command::new("sha256sum").args(&names).current_dir(&dist))?;
    fs::write(dist.join("SHA256SUMS"), &sums)?;
    util::step("dist/ (sha256, name):");
    eprint!("{sums}");
    Ok(())
}

/// Copies the one file of `dir` whose name ends with `suffix` into `dest`.
fn copy_only(dir: &Path, suffix: &str, dest: &Path) -> Result<()> {
    copy_into(&util::only_file(dir, suffix)?, dest)
}

/// Copies `path` into the folder `dest`, under its own name.
fn copy_into(path: &Path, dest: &Path) -> Result<()> {
    fs::copy(path, dest.join(path.file_name().unwrap_or_default()))?;
    Ok(())
}
