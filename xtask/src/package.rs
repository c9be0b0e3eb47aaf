//! `cargo xtask package --check`: the release wheel installs and works where people deploy with
//! an older glibc than this machine's: inside a Debian 11 userland (glibc 2.31, Python 3.9, pip
//! 20.3), a cached debootstrap chroot, pip installs it by its manylinux2014 tag and authenticates
//! a cookie sealed by workos-python. The aarch64 wheel does the same in an arm64 Debian 11
//! userland run by qemu-user. The musllinux wheel does the same with a musl CPython (`musl.rs`),
//! whose pip must refuse the manylinux one. The sdist builds and works when pip installs it. And
//! the npm packages install in a fresh folder and load with `require` and `import`. `.ci/run`
//! runs it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{self, Result};

const CHROOT: &str = "/var/cache/sessiongate/bullseye-python";
const ARM64_ROOT: &str = "/var/cache/sessiongate/bullseye-arm64";
/// What the arm64 tree holds besides the base system (its ready marker says it).
const ARM64_PACKAGES: &str = "python3,python3-pip,nodejs";
const READY: &str = ".sessiongate-bullseye-ready";
const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The smoke test run inside the chroot: a workos-python vector's cookie authenticates.
const SMOKE: &str = r#"
import json, sys, sessiongate
peer = json.load(open(sys.argv[1]))
vector = next(v for v in peer["authenticate_vectors"] if v["name"] == "valid_no_amr")
gate = sessiongate.SessionGate(client_id=peer["meta"]["client_id"], cookie_password=vector["cookie_password"], jwks=peer["jwks"])
auth = gate.authenticate(vector["cookie"], now=vector["claims"]["iat"] + 1)
assert auth.authenticated and auth.session_id == vector["expected"]["session_id"], auth
import platform; libc = "glibc " + platform.libc_ver()[1] if platform.libc_ver()[0] == "glibc" else sys.implementation._multiarch
print("ok:", auth.session_id, "on", platform.machine(), libc, "Python", platform.python_version())
"#;

pub fn check() -> Result<()> {
    crate::python::build()?;
    let root = util::root();
    let wheel = util::only_file(&root.join("target/wheels/python/release"), ".whl")?;
    let chroot = bullseye()?;
    util::step("package: pip install the release wheel in Debian 11 (glibc 2.31) and authenticate a cookie");
    let work = chroot.join("work");
    if work.exists() {
        fs::remove_dir_all(&work)?;
    }
    fs::create_dir_all(&work)?;
    let name = wheel.file_name().ok_or("wheel without a name")?;
    fs::copy(&wheel, work.join(name))?;
    stage_smoke(&work)?;
    let install = format!(
        "rm -rf /opt/venv && python3 -m venv /opt/venv && /opt/venv/bin/pip install --no-index --only-binary=:all: /work/{}",
        name.to_string_lossy()
    );
    in_chroot(&chroot, &install, "package-bullseye-pip-install")?;
    util::run(chroot_cmd(&chroot).args(["/opt/venv/bin/python", "/work/smoke.py", "/work/peer.json"]))?;
    arm64_wheel()?;
    musl_wheel(&wheel)?;
    arm64_addon()?;
    sdist_install()?;
    npm_tarball()
}

/// `pip install` of the sdist in a fresh venv (pip builds the native module with the machine's
/// Rust toolchain, through maturin from the package index as its build backend), then the
/// smoke test in that venv.
fn sdist_install() -> Result<()> {
    let check = util::root().join("target/sdist-check");
    let _ = fs::remove_dir_all(&check);
    let out = check.join("dist");
    fs::create_dir_all(&out)?;
    crate::python::sdist(&out)?;
    let sdist = util::only_file(&out, ".tar.gz")?;
    util::step("package: pip install the sdist in a fresh venv (builds the native module) and authenticate a cookie");
    let venv = check.join("venv");
    util::tool(Command::new("python3").args(["-m", "venv"]).arg(&venv), "package-sdist-venv")?;
    let python = venv.join("bin/python");
    // The build shares the workspace's target/ (a release build like the others).
    let mut pip = Command::new(&python);
    pip.args(["-m", "pip", "install", "--disable-pip-version-check"]).arg(&sdist).env("CARGO_TARGET_DIR", util::root().join("target"));
    util::tool(&mut pip, "package-sdist-pip-install")?;
    stage_smoke(&check)?;
    util::run(Command::new(&python).arg(check.join("smoke.py")).arg(check.join("peer.json")))?;
    sdist_without_rust(&python, &sdist)
}

/// What pip says for the sdist on a machine without Rust: no `cargo` on PATH and
/// `MATURIN_NO_INSTALL_RUST` set (without it, maturin's backend downloads a toolchain from
/// rust-lang.org, which this check cannot reach), the install must fail with maturin's message.
fn sdist_without_rust(python: &Path, sdist: &Path) -> Result<()> {
    util::step("package: pip install the sdist with no Rust toolchain on PATH fails with maturin's message");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let without_cargo: Vec<PathBuf> = std::env::split_paths(&path).filter(|dir| !dir.join("cargo").exists()).collect();
    let mut pip = Command::new(python);
    pip.args(["-m", "pip", "install", "--no-cache-dir", "--disable-pip-version-check"])
        .arg(sdist)
        .env("PATH", std::env::join_paths(without_cargo)?)
        .env("MATURIN_NO_INSTALL_RUST", "1");
    let expected = "Cargo, the Rust package manager, is not installed or is not on PATH";
    util::refused(&mut pip, expected, "pip without Rust")?;
    println!("ok: pip stops with maturin's message: {expected}");
    Ok(())
}

/// The aarch64 wheel, pip-installed and run in an arm64 Debian 11 userland: each arm64 program
/// is started by qemu-user's static emulator, named on the command line (no binfmt_misc
/// registration, which would change the host).
fn arm64_wheel() -> Result<()> {
    let wheel = crate::python::release_wheel_for(util::AARCH64_LINUX)?;
    let root = arm64_userland()?;
    util::step("package: pip install the aarch64 wheel in an arm64 Debian 11 (qemu-user) and authenticate a cookie");
    let work = root.join("work");
    if work.exists() {
        fs::remove_dir_all(&work)?;
    }
    fs::create_dir_all(&work)?;
    let name = wheel.file_name().ok_or("wheel without a name")?.to_string_lossy().into_owned();
    fs::copy(&wheel, work.join(&name))?;
    stage_smoke(&work)?;
    let _ = fs::remove_dir_all(root.join("opt/site"));
    let wheel_in_root = format!("/work/{name}");
    let pip = ["-m", "pip", "install", "--no-index", "--only-binary=:all:", "--target", "/opt/site", wheel_in_root.as_str()];
    util::tool(arm64_cmd(&root, "/usr/bin/python3").args(pip), "package-arm64-pip-install")?;
    util::run(arm64_cmd(&root, "/usr/bin/python3").args(["/work/smoke.py", "/work/peer.json"]).env("PYTHONPATH", "/opt/site"))
}

/// The musllinux wheel, pip-installed in a venv of a musl CPython (what Alpine's python3 is) and
/// run; that pip must refuse the manylinux wheel `glibc_wheel`, so the tag check is real.
fn musl_wheel(glibc_wheel: &Path) -> Result<()> {
    let wheel = crate::python::release_wheel_for(util::X86_64_MUSL)?;
    let python = crate::musl::python()?;
    util::step("package: pip install the musllinux wheel with a musl CPython (Alpine's libc) and authenticate a cookie");
    let check = util::root().join("target/musl-check");
    let _ = fs::remove_dir_all(&check);
    fs::create_dir_all(&check)?;
    let venv = check.join("venv");
    util::tool(Command::new(&python).args(["-m", "venv"]).arg(&venv), "package-musl-venv")?;
    let pip = || {
        let mut cmd = Command::new(venv.join("bin/python"));
        cmd.args(["-m", "pip", "install", "--disable-pip-version-check", "--no-index", "--only-binary=:all:"]);
        cmd
    };
    util::refused(pip().arg(glibc_wheel), "is not a supported wheel on this platform", "the musl Python's pip and the manylinux wheel")?;
    println!("ok: the musl Python's pip refuses the manylinux wheel: not a supported wheel on this platform");
    util::tool(pip().arg(&wheel), "package-musl-pip-install")?;
    stage_smoke(&check)?;
    util::run(Command::new(venv.join("bin/python")).arg(check.join("smoke.py")).arg(check.join("peer.json")))
}

/// `program` of the arm64 tree `root`, started by its qemu-user emulator, with a clean
/// environment (PATH, HOME, LANG).
fn arm64_cmd(root: &Path, program: &str) -> Command {
    let mut cmd = Command::new("chroot");
    cmd.arg(root).args(["/qemu-aarch64-static", program]);
    cmd.env_clear().env("HOME", "/root").env("LANG", "C.UTF-8").env("PATH", PATH);
    cmd
}

/// The smoke test and the workos-python vectors it reads, into `work` (`smoke.py`, `peer.json`).
fn stage_smoke(work: &Path) -> Result<()> {
    fs::copy(util::root().join("tests/vectors/peers/workos-python-10.8.0.json"), work.join("peer.json"))?;
    fs::write(work.join("smoke.py"), SMOKE)?;
    Ok(())
}

/// The aarch64 Node addon, loaded by the arm64 Debian 11's Node.js (12, under qemu-user) and
/// asked for the core's error codes: the addon only, as Node 12 cannot parse the package's
/// JavaScript (the package needs Node 18+; its suites run on this machine's Node).
fn arm64_addon() -> Result<()> {
    let addon = crate::node::release_addon_for(util::AARCH64_LINUX)?;
    let root = arm64_userland()?;
    util::step("package: load the aarch64 Node addon in an arm64 Debian 11 (qemu-user)");
    fs::copy(&addon, root.join("work/sessiongate.node"))?;
    let smoke = "const addon = require('/work/sessiongate.node'); const codes = addon.errorCodes(); \
                 if (!codes.some(c => c.code === 'jwks_unavailable' && c.retryable)) process.exit(1); \
                 console.log('ok:', codes.length, 'error codes from the addon on', process.arch, 'Node', process.version)";
    util::run(arm64_cmd(&root, "/usr/bin/node").args(["-e", smoke]))
}

/// An arm64 Debian 11 tree with python3, pip and Node.js, unpacked but never configured (configuring
/// would run every package's scripts under emulation): debootstrap's first stage, then every
/// downloaded package extracted; qemu-user's static aarch64 emulator copied in. Built once.
fn arm64_userland() -> Result<PathBuf> {
    let qemu = util::debian_tool("qemu-aarch64-static", "qemu-user-static")?;
    let dir = PathBuf::from(ARM64_ROOT);
    let ready = dir.join(".sessiongate-arm64-ready");
    if fs::read_to_string(&ready).ok().as_deref() != Some(ARM64_PACKAGES) {
        need_root_on_debian()?;
        util::step(&format!("package: unpack an arm64 Debian 11 with python3, pip and Node.js into {} (once; log in target/logs)", dir.display()));
        let partial = dir.with_extension("partial");
        for stale in [&partial, &dir] {
            if stale.exists() {
                fs::remove_dir_all(stale)?;
            }
        }
        if let Some(parent) = dir.parent() {
            fs::create_dir_all(parent)?;
        }
        let mirror = crate::swift::debian_mirror()?;
        util::tool(
            Command::new("debootstrap")
                .args(["--foreign", "--arch=arm64", "--variant=minbase"])
                .arg(format!("--include={ARM64_PACKAGES}"))
                .arg("bullseye")
                .arg(&partial)
                .arg(&mirror),
            "debootstrap-bullseye-arm64",
        )?;
        let archives = partial.join("var/cache/apt/archives");
        let mut debs: Vec<PathBuf> = fs::read_dir(&archives)?.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "deb")).collect();
        debs.sort();
        for deb in debs {
            util::tool(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&partial), "dpkg-deb-arm64")?;
        }
        fs::rename(&partial, &dir)?;
        fs::write(&ready, ARM64_PACKAGES)?;
    }
    fs::copy(qemu, dir.join("qemu-aarch64-static"))?;
    Ok(dir)
}

/// The chroots are made with debootstrap: Debian and root.
fn need_root_on_debian() -> Result<()> {
    if util::output(Command::new("id").arg("-u"))?.trim() != "0" || !Path::new("/etc/debian_version").exists() {
        return Err("the install checks build Debian chroots: they need Debian and root".into());
    }
    if Command::new("debootstrap").arg("--version").output().is_err() {
        util::tool(Command::new("apt-get").args(["install", "-y", "debootstrap"]).env("DEBIAN_FRONTEND", "noninteractive"), "apt-get-install-debootstrap")?;
    }
    Ok(())
}

/// `npm install` in a fresh folder of the release's main package with this platform's package,
/// which loads (the main package holds no addon), after the same with the arm64 package, which
/// npm must refuse (EBADPLATFORM: its `cpu`); then `require` and `import` of the package and
/// its server entries.
fn npm_tarball() -> Result<()> {
    let tarballs = crate::node::platform_packages()?;
    let root = util::root();
    let app = root.join("target/package-npm-check");
    if app.exists() {
        fs::remove_dir_all(&app)?;
    }
    fs::create_dir_all(&app)?;
    fs::write(app.join("package.json"), "{\"name\": \"npm-check\", \"private\": true}\n")?;
    let install = || {
        let mut cmd = Command::new("npm");
        cmd.args(["install", "--no-audit", "--no-fund"]).current_dir(&app);
        cmd
    };
    util::step("package: npm install of the linux-arm64-gnu package on linux-x64 is refused");
    util::refused(install().args(&tarballs), "EBADPLATFORM", "npm install of the arm64 package on x64")?;
    util::step("package: npm install the main package and linux-x64-gnu's in a fresh folder; require and import it");
    let host: Vec<&PathBuf> = tarballs.iter().filter(|t| !t.to_string_lossy().contains("-linux-arm64-gnu-")).collect();
    util::tool(install().args(&host), "package-npm-install")?;
    let require = "const s = require('sessiongate'); require('sessiongate/express'); require('sessiongate/fastify'); \
                   if (typeof s.SessionGate !== 'function' || s.errorCodes().length < 5) process.exit(1); console.log('require: ok')";
    util::run(Command::new("node").args(["-e", require]).current_dir(&app))?;
    let import = "import { SessionGate, loadSealedSession } from 'sessiongate'; import { requireSession } from 'sessiongate/express'; \
                  if (typeof SessionGate !== 'function' || typeof loadSealedSession !== 'function' || typeof requireSession !== 'function') process.exit(1); console.log('import: ok')";
    util::run(Command::new("node").args(["--input-type=module", "-e", import]).current_dir(&app))
}

/// A Debian 11 minbase chroot with python3, venv and pip (built once, then reused).
fn bullseye() -> Result<PathBuf> {
    let dir = PathBuf::from(std::env::var("SESSIONGATE_BULLSEYE_CHROOT").unwrap_or_else(|_| CHROOT.into()));
    if dir.join(READY).exists() {
        return Ok(dir);
    }
    need_root_on_debian()?;
    util::step(&format!("package: debootstrap Debian 11 with python3 into {} (once; log in target/logs)", dir.display()));
    let partial = dir.with_extension("partial");
    if partial.exists() {
        fs::remove_dir_all(&partial)?;
    }
    if let Some(parent) = dir.parent() {
        fs::create_dir_all(parent)?;
    }
    let mirror = crate::swift::debian_mirror()?;
    util::tool(
        Command::new("debootstrap")
            .args(["--variant=minbase", "--include=python3,python3-venv,python3-pip", "bullseye"])
            .arg(&partial)
            .arg(&mirror),
        "debootstrap-bullseye",
    )?;
    fs::write(partial.join(READY), "Debian 11 with python3, for cargo xtask package --check\n")?;
    fs::rename(&partial, &dir)?;
    Ok(dir)
}

fn chroot_cmd(dir: &Path) -> Command {
    let mut cmd = Command::new("chroot");
    cmd.arg(dir).args(["env", "-i", "HOME=/root", "LANG=C.UTF-8"]).arg(format!("PATH={PATH}"));
    cmd
}

fn in_chroot(dir: &Path, script: &str, label: &str) -> Result<()> {
    util::tool(chroot_cmd(dir).args(["sh", "-c", script]), label)
}
