//! A musl Python for the musllinux wheel's install check: CPython 3.11 and zlib from Debian 12's
//! source packages, compiled with Debian's musl-gcc, dynamically linked against musl (the loader
//! `/lib/ld-musl-x86_64.so.1` comes with Debian's `musl`). It is what Alpine's python3 is: pip
//! run by it accepts musllinux wheels and refuses manylinux ones. No registry serves a musl
//! Python, so it is built once (about 2 minutes on 2 cores) into a cache folder.
//!
//! The source packages are fetched with apt's own client and keys, through a sources list and
//! package lists of this folder's (apt options), so the host's apt configuration is unchanged.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{self, Result};

const DIR: &str = "/var/cache/sessiongate/musl-python";
/// Written last; its text names what was built, so a change here rebuilds.
const READY: &str = ".sessiongate-musl-python-ready";
const BUILT: &str = "CPython 3.11 (Debian 12's python3.11 source) with zlib, musl-gcc, x86_64\n";
/// The suite whose source packages are built: its python3.11 is this machine's Python minor.
const SUITE: &str = "bookworm";

/// The musl Python's `bin/python3`, built first if needed.
pub fn python() -> Result<PathBuf> {
    let dir = PathBuf::from(DIR);
    let python = dir.join("bin/python3");
    if fs::read_to_string(dir.join(READY)).ok().as_deref() == Some(BUILT) && python.exists() {
        return Ok(python);
    }
    if std::env::consts::ARCH != "x86_64" || !Path::new("/etc/debian_version").exists() {
        return Err("the musl Python is built from Debian's source packages on x86_64".into());
    }
    util::debian_tool("musl-gcc", "musl-tools")?;
    util::step(&format!("package: build a musl CPython 3.11 from Debian's source into {DIR} (once, about 2 min; log in target/logs)"));
    if dir.exists() {
        fs::remove_dir_all(&dir)?;
    }
    let sources = dir.join("src");
    fs::create_dir_all(&sources)?;
    download_sources(&dir, &sources)?;

    // Linux's own headers, which musl-gcc does not search (the socket module needs them).
    let kernel = dir.join("kernel-headers");
    fs::create_dir_all(&kernel)?;
    for (name, target) in [("linux", "/usr/include/linux"), ("asm", "/usr/include/x86_64-linux-gnu/asm"), ("asm-generic", "/usr/include/asm-generic")] {
        std::os::unix::fs::symlink(target, kernel.join(name))?;
    }
    // musl-gcc answers glibc's multiarch triplet, which CPython's configure refuses and its
    // setup.py would add glibc's header folder for: this wrapper answers musl's.
    let cc = dir.join("musl-cc");
    fs::write(&cc, "#!/bin/sh\ncase \"$1\" in --print-multiarch|-print-multiarch) echo x86_64-linux-musl; exit 0;; esac\nexec musl-gcc \"$@\"\n")?;
    fs::set_permissions(&cc, fs::Permissions::from_mode(0o755))?;

    let zlib = unpack(&sources, "zlib_")?;
    let prefix = dir.to_string_lossy().into_owned();
    // Both configure scripts take the compiler from CC.
    let sh = |script: String, cwd: &Path, label: &str| {
        util::tool(Command::new("sh").args(["-c", &script]).current_dir(cwd).env("CC", &cc), label)
    };
    sh(format!("CFLAGS='-O2 -fPIC' ./configure --static --prefix={prefix} && make -j2 libz.a && make install"), &zlib, "musl-zlib")?;
    let cpython = unpack(&sources, "python3.11_")?;
    sh(
        format!(
            "./configure CPPFLAGS='-I{prefix}/include -I{kernel}' LDFLAGS='-L{prefix}/lib' --prefix={prefix} \
             --with-ensurepip=no --disable-test-modules && make -j2 && make install",
            kernel = kernel.display()
        ),
        &cpython,
        "musl-cpython",
    )?;
    // What the checks need of it: zlib (pip reads wheels), the socket and asyncio modules
    // (sessiongate's package imports asyncio), and musl as its libc.
    let probe = "import zlib, _socket, asyncio, sys; assert sys.implementation._multiarch == 'x86_64-linux-musl', sys.implementation._multiarch";
    util::tool(Command::new(&python).args(["-c", probe]), "musl-cpython-probe")?;
    fs::remove_dir_all(&sources)?;
    fs::write(dir.join(READY), BUILT)?;
    Ok(python)
}

/// `apt-get source --download-only python3.11 zlib` of Debian 12, signed by Debian's archive
/// key, into `into`.
fn download_sources(dir: &Path, into: &Path) -> Result<()> {
    let apt = dir.join("apt");
    fs::create_dir_all(apt.join("lists/partial"))?;
    fs::create_dir_all(apt.join("parts"))?;
    let mirror = crate::swift::debian_mirror()?;
    fs::write(apt.join("sources.list"), format!("deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] {mirror} {SUITE} main\n"))?;
    let apt_get = || {
        let mut cmd = Command::new("apt-get");
        for (option, path) in [("Dir::Etc::SourceList", "sources.list"), ("Dir::Etc::SourceParts", "parts"), ("Dir::State::Lists", "lists")] {
            cmd.arg("-o").arg(format!("{option}={}", apt.join(path).display()));
        }
        cmd.args(["-o", "APT::Sandbox::User=root"]).current_dir(into);
        cmd
    };
    util::tool(apt_get().arg("update"), "musl-apt-get-update")?;
    util::tool(apt_get().args(["source", "--download-only", "python3.11", "zlib"]), "musl-apt-get-source")
}

/// Unpacks the upstream tarball whose name starts with `package` and returns its folder.
fn unpack(sources: &Path, package: &str) -> Result<PathBuf> {
    let tarball = fs::read_dir(sources)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(package) && n.to_string_lossy().contains(".orig.tar.")))
        .ok_or_else(|| format!("no {package}*.orig.tar.* in {}", sources.display()))?;
    let before: Vec<PathBuf> = dirs(sources)?;
    util::tool(Command::new("tar").arg("xf").arg(&tarball).current_dir(sources), &format!("musl-untar-{package}"))?;
    dirs(sources)?.into_iter().find(|d| !before.contains(d)).ok_or_else(|| format!("{} unpacked no folder", tarball.display()).into())
}

fn dirs(path: &Path) -> Result<Vec<PathBuf>> {
    Ok(fs::read_dir(path)?.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir()).collect())
}
