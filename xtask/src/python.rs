//! The python binding's build, test, demo, bench and codegen steps.
//!
//! Everything runs in one virtualenv at the repository root (`.venv`), created and filled
//! with pinned packages on first use (a stamp file skips the install when nothing changed).
//! Wheels are built by maturin into `target/wheels/python/<profile>/` from the shared target.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{self, Result};

/// What the tests, the example, the demo and the benchmark need (the peer is pinned exactly).
const REQUIREMENTS: &[&str] = &[
    "maturin==1.16.0",
    "pytest==9.2.0",
    "mypy==2.4.1",
    "workos==10.8.0",
    "fastapi==0.163.2",
    "httpx==0.28.1",
    // The framework helpers' suites (FastAPI and Starlette come above).
    "flask==3.1.3",
    "uvicorn==0.55.0",
    "django==5.2.19",
    // The linker of the release wheels (manylinux2014), `maturin build --zig`, and of the
    // cross-compiled Node addons (napi build -x, through cargo-zigbuild).
    "ziglang==0.15.1",
    "cargo-zigbuild==0.24.1",
];

fn present() -> bool {
    util::binding_present("bindings-python")
}

fn binding_dir() -> PathBuf {
    util::root().join("bindings-python")
}

fn venv_dir() -> PathBuf {
    util::root().join(".venv")
}

fn venv_bin(name: &str) -> PathBuf {
    venv_dir().join("bin").join(name)
}

/// The venv's python, with the environment of an activated venv.
fn python() -> Command {
    let mut cmd = Command::new(venv_bin("python"));
    cmd.env("VIRTUAL_ENV", venv_dir()).env("PYTHONDONTWRITEBYTECODE", "1").env_remove("PYTHONHOME");
    cmd.current_dir(binding_dir());
    cmd
}

/// Creates `.venv` if missing and installs the pinned requirements unless already done.
fn ensure_venv() -> Result<()> {
    let venv = venv_dir();
    if !venv_bin("python").exists() {
        util::step("python: create .venv");
        let base = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        util::tool(Command::new(base).args(["-m", "venv"]).arg(&venv).current_dir(util::root()), "python-venv")?;
    }
    let stamp = venv.join(".sessiongate-python-requirements");
    let wanted = REQUIREMENTS.join("\n");
    if fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(());
    }
    util::step("python: install pinned requirements into .venv");
    util::tool(python().args(["-m", "pip", "install", "--disable-pip-version-check"]).args(REQUIREMENTS), "pip-install-requirements")?;
    fs::write(&stamp, wanted)?;
    Ok(())
}

/// Builds the wheel with maturin (`release` or the dev profile) and returns its path.
fn build_wheel(release: bool) -> Result<PathBuf> {
    build_wheel_for(release, None)
}

/// `PATH` with the venv's bin first (the venv made if needed): maturin and cargo-zigbuild find
/// zig (the ziglang package) through its python, and cargo finds `cargo-zigbuild` there.
pub fn zig_path() -> Result<std::ffi::OsString> {
    ensure_venv()?;
    let path = std::env::var_os("PATH").unwrap_or_default();
    Ok(std::env::join_paths(std::iter::once(venv_dir().join("bin")).chain(std::env::split_paths(&path)))?)
}

/// The release wheel for another Linux target (`aarch64-unknown-linux-gnu`,
/// `x86_64-unknown-linux-musl`), cross-compiled with zig as for the host's (the Rust target is
/// added with rustup when missing).
pub fn release_wheel_for(target: &str) -> Result<PathBuf> {
    util::rust_target(target)?;
    build_wheel_for(true, Some(target))
}

fn build_wheel_for(release: bool, target: Option<&str>) -> Result<PathBuf> {
    let profile = if release { "release" } else { "debug" };
    let label = match target {
        Some(target) => format!("{profile}-{target}"),
        None => profile.to_owned(),
    };
    util::step(&format!("python: maturin build ({label})"));
    let out = util::root().join("target/wheels/python").join(&label);
    if out.exists() {
        fs::remove_dir_all(&out)?;
    }
    let mut cmd = Command::new(venv_bin("maturin"));
    cmd.env("VIRTUAL_ENV", venv_dir()).env("PATH", zig_path()?).current_dir(binding_dir());
    cmd.args(["build", "--quiet", "--interpreter"]).arg(venv_bin("python")).arg("--out").arg(&out);
    if release {
        // Released wheels link against glibc 2.17 (manylinux2014: Debian 9+, Ubuntu 18.04+,
        // RHEL/Amazon Linux 2+), or for a musl target against musl 1.2 (musllinux_1_2: Alpine
        // 3.13+), with zig as the linker; maturin checks the symbol versions.
        let musl = target.is_some_and(|t| t.ends_with("-musl"));
        cmd.args(["--release", "--zig", "--compatibility", if musl { "musllinux_1_2" } else { "manylinux2014" }]);
    } else {
        cmd.args(["--profile", "dev"]);
    }
    if let Some(target) = target {
        cmd.args(["--target", target]);
    }
    util::tool(&mut cmd, &format!("maturin-build-{label}"))?;
    util::only_file(&out, ".whl")
}

fn install_wheel(wheel: &Path) -> Result<()> {
    util::tool(
        python().args(["-m", "pip", "install", "--disable-pip-version-check", "--force-reinstall", "--no-deps"]).arg(wheel),
        "pip-install-wheel",
    )
}

/// The venv with a freshly built wheel installed; `false` when the binding is not in this
/// checkout.
fn installed(release: bool) -> Result<bool> {
    if !present() {
        return Ok(false);
    }
    ensure_venv()?;
    install_wheel(&build_wheel(release)?)?;
    Ok(true)
}

/// The venv's python with the debug wheel installed (once per xtask run), for the suites of
/// other bindings that start Python processes (Node's mixed fleet test); `None` when the Python
/// binding is not in this checkout.
pub fn debug_interpreter() -> Result<Option<PathBuf>> {
    static DONE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if DONE.get().is_none() {
        let installed = installed(false)?;
        let _ = DONE.set(installed);
    }
    Ok(DONE.get().copied().unwrap_or(false).then(|| venv_bin("python")))
}

/// `maturin sdist` into `out`: the source package `pip install` builds (it needs a Rust
/// toolchain; `package --check` installs it). The sdist carries the core and the binding,
/// with a workspace of just those two.
pub fn sdist(out: &Path) -> Result<()> {
    ensure_venv()?;
    util::step("python: maturin sdist");
    let mut cmd = Command::new(venv_bin("maturin"));
    cmd.env("VIRTUAL_ENV", venv_dir()).current_dir(binding_dir()).arg("sdist").arg("--out").arg(out);
    util::tool(&mut cmd, "maturin-sdist")
}

pub fn build() -> Result<()> {
    if !present() {
        return Ok(());
    }
    ensure_venv()?;
    let wheel = build_wheel(true)?;
    println!("{}", wheel.display());
    Ok(())
}

/// `false` when the binding is not in this checkout (nothing ran).
pub fn test() -> Result<bool> {
    if debug_interpreter()?.is_none() {
        return Ok(false);
    }
    // The refresh and interop tests spawn the WorkOS API double (tests/double).
    let double = util::workos_double()?;
    // The fleet tests start their own real Redis servers.
    let redis = util::redis_server()?;
    // The suite includes the stub check (mypy.stubtest) and a mypy run over the example.
    util::step("python: pytest");
    util::run(
        python()
            .env("SESSIONGATE_WORKOS_DOUBLE", &double)
            .env("SESSIONGATE_REDIS_SERVER", &redis)
            .args(["-m", "pytest", "-p", "no:cacheprovider", "-q", "-rA", "tests"]),
    )?;
    Ok(true)
}

pub fn demo(fixture: &Path) -> Result<()> {
    if !installed(false)? {
        return Ok(());
    }
    util::step("python: demo");
    util::run(python().arg("examples/demo.py").arg(fixture))
}

pub fn bench() -> Result<()> {
    if !installed(true)? {
        return Ok(());
    }
    // One run: workos-python 10.8.0, sessiongate cold (verified_token_cache=0) and warm (cache on)
    // on the same cookie, each with 1 and 2 threads, plus never-seen tokens.
    util::step("python: benchmark against workos-python 10.8.0 (cold and warm, 1 and 2 threads)");
    let out = util::root().join("target/bench/python.json");
    if let Some(dir) = out.parent() {
        fs::create_dir_all(dir)?;
    }
    util::run(python().arg("bench/bench.py").arg(&out))
}

pub fn codegen(check: bool) -> Result<()> {
    if present() {
        // The stubs (python/sessiongate/_sessiongate.pyi) are written by hand and verified
        // against the built module by mypy.stubtest in the test suite: nothing to generate.
        let mode = if check { "check" } else { "generate" };
        util::step(&format!(
            "python codegen ({mode}): nothing generated; the .pyi stubs are hand-written and checked by stubtest in `cargo xtask test`"
        ));
    }
    Ok(())
}
