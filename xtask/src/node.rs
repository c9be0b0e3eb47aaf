//! The node binding's build, test, demo, bench and codegen steps.
//!
//! Every `.node` addon is built by the napi CLI (`napi build --platform`). The CLI always passes
//! `--target <host triple>`, which would compile every crate a second time into
//! `target/<triple>/`, apart from the plain `cargo` builds of the other suites: xtask stands in
//! for cargo under it (`cargo_under_napi`) and builds for the host in the shared target/.
//! The CLI also writes the loader (`index.js`) and the typings (`index.d.ts`): builds run it
//! with `--output-dir target/napi-node/` and copy only the addon next to index.js; `codegen`
//! compares or copies the loader and typings into the package (committed files). The
//! package's entry point is the hand-written `lib/index.js`, type-checked (`tsc`) against
//! index.d.ts by `test`.

use std::collections::hash_map::DefaultHasher;
use std::fs;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{self, Result};

/// The generated files, committed in bindings-node/.
const GENERATED: [&str; 2] = ["index.js", "index.d.ts"];

fn dir() -> PathBuf {
    util::root().join("bindings-node")
}

fn present() -> bool {
    util::binding_present("bindings-node")
}

/// Where builds put the loader and typings they generate (compared / copied by `codegen`).
fn gen_dir() -> PathBuf {
    util::root().join("target/napi-node")
}

fn npm() -> Command {
    let mut cmd = Command::new("npm");
    cmd.current_dir(dir()).args(["--no-audit", "--no-fund", "--loglevel=error"]);
    cmd
}

/// `npm ci` in the package when node_modules is missing or older than package-lock.json.
fn npm_ci() -> Result<()> {
    let pins = ["@napi-rs/cli@3.10.12", "@workos-inc/node@11.0.0", "express@5.3.0", "fastify@5.12.8", "iron-session@8.0.4", "typescript@6.0.3"];
    npm_ci_in(&dir(), "npm-ci", &pins)
}

/// `npm ci` in `folder` unless its node_modules was installed from this very package-lock.json
/// (a stamp file says), then `npm ls` of the pinned packages the suites name.
fn npm_ci_in(folder: &Path, label: &str, pins: &[&str]) -> Result<()> {
    let lock = fs::read(folder.join("package-lock.json"))?;
    let stamp = folder.join("node_modules/.sessiongate-lock");
    if fs::read(&stamp).is_ok_and(|installed| installed == lock) {
        return Ok(());
    }
    let name = folder.strip_prefix(util::root()).unwrap_or(folder).display().to_string();
    util::step(&format!("node: npm ci in {name} (package-lock.json changed or node_modules missing)"));
    util::tool(npm().current_dir(folder).arg("ci"), label)?;
    util::tool(npm().current_dir(folder).args(["ls", "--depth=0"]).args(pins), &format!("{label}-ls"))?;
    fs::write(stamp, lock)?;
    Ok(())
}

/// `napi build --platform [--release]`: the addon next to index.js; loader and typings into
/// target/napi-node/.
fn napi_build(release: bool) -> Result<()> {
    npm_ci()?;
    util::step(if release { "node: napi build --release" } else { "node: napi build (debug)" });
    let out = gen_dir();
    fs::create_dir_all(&out)?;
    let mut cmd = napi_cli()?;
    // Into a staging copy of the package layout (the loader's paths are relative to itself).
    cmd.args(["build", "--platform", "--output-dir", "../target/napi-node"]);
    if release {
        cmd.arg("--release");
    }
    util::tool(&mut cmd, if release { "napi-build-release" } else { "napi-build-debug" })?;
    let built = out.join(addon_name());
    if !built.exists() {
        return Err(format!("napi build did not produce {}", built.display()).into());
    }
    fs::copy(&built, addon())?;
    Ok(())
}

/// The release addon for another Linux `target` (`aarch64-unknown-linux-gnu`), cross-compiled
/// by zig for glibc 2.17 (`napi build -x`: cargo-zigbuild, from the Python venv), into
/// target/napi-node-<target>/; returns its path.
pub fn release_addon_for(target: &str) -> Result<PathBuf> {
    // Built once per xtask run (the package check and the npm layout both ask).
    static BUILT: std::sync::Mutex<Vec<(String, PathBuf)>> = std::sync::Mutex::new(Vec::new());
    let mut built = BUILT.lock().map_err(|_| "a build of the addon panicked")?;
    if let Some((_, path)) = built.iter().find(|(t, _)| t == target) {
        return Ok(path.clone());
    }
    let path = cross_build_addon(target)?;
    built.push((target.to_owned(), path.clone()));
    Ok(path)
}

fn cross_build_addon(target: &str) -> Result<PathBuf> {
    npm_ci()?;
    util::rust_target(target)?;
    util::step(&format!("node: napi build --release for {target} (zig)"));
    let out = util::root().join(format!("target/napi-node-{target}"));
    let _ = fs::remove_dir_all(&out);
    fs::create_dir_all(&out)?;
    let mut cmd = napi_cli()?;
    cmd.env("PATH", crate::python::zig_path()?);
    cmd.args(["build", "--platform", "--release", "-x", "--target"]).arg(format!("{target}.2.17"));
    cmd.arg("--output-dir").arg(&out);
    util::tool(&mut cmd, &format!("napi-build-release-{target}"))?;
    util::only_file(&out, ".node")
}

/// The napi CLI, run in the package. It spawns $CARGO: this very program, which drops the host
/// `--target` (see the top).
fn napi_cli() -> Result<Command> {
    let mut cmd = Command::new(dir().join("node_modules/.bin/napi"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    cmd.env(AS_CARGO, cargo).env("CARGO", std::env::current_exe()?).current_dir(dir());
    Ok(cmd)
}

/// Set (to the real cargo) when xtask runs as the napi CLI's cargo.
pub const AS_CARGO: &str = "SESSIONGATE_XTASK_AS_CARGO";

/// xtask as the napi CLI's cargo: runs the real `cargo` with `--target <host>` removed, so the
/// build shares target/<profile>/ with every other build, then copies the built library to
/// target/<host>/<profile>/, where the CLI picks it up. Any other command passes through as is.
pub fn cargo_under_napi(real_cargo: &str, args: &[&str]) -> Result<()> {
    let host = util::output(Command::new("rustc").arg("-vV"))?
        .lines()
        .find_map(|line| line.strip_prefix("host: ").map(str::to_owned))
        .ok_or("rustc -vV names no host")?;
    let host_target = args.windows(2).position(|pair| pair[0] == "--target" && pair[1] == host);
    let mut kept = args.to_vec();
    if let Some(at) = host_target {
        kept.drain(at..at + 2);
    }
    util::run(Command::new(real_cargo).args(&kept))?;
    if host_target.is_none() || kept.first() != Some(&"build") {
        return Ok(());
    }
    let profile = if kept.contains(&"--release") { "release" } else { "debug" };
    let library = format!("{}sessiongate_node{}", std::env::consts::DLL_PREFIX, std::env::consts::DLL_SUFFIX);
    let target = util::root().join("target");
    let into = target.join(&host).join(profile);
    fs::create_dir_all(&into)?;
    fs::copy(target.join(profile).join(&library), into.join(&library))?;
    Ok(())
}

/// The addon's file name as `napi build --platform` names it for this host (xtask runs on
/// the host it builds for): `sessiongate.<platform>-<arch>[-<abi>].node`, as the loader
/// looks it up (`linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`…).
fn addon_name() -> String {
    use std::env::consts::{ARCH, OS};
    let platform = match OS {
        "macos" => "darwin",
        "windows" => "win32",
        other => other,
    };
    let arch = match ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        "x86" => "ia32",
        other => other,
    };
    let abi = match OS {
        "linux" if cfg!(target_env = "musl") => "-musl",
        "linux" if ARCH == "arm" => "-gnueabihf",
        "linux" => "-gnu",
        "windows" => "-msvc",
        _ => "",
    };
    format!("sessiongate.{platform}-{arch}{abi}.node")
}

/// The addon, next to index.js.
fn addon() -> PathBuf {
    dir().join(addon_name())
}

fn node(script: &str) -> Command {
    let mut cmd = Command::new("node");
    cmd.current_dir(dir()).arg(script);
    cmd
}

/// Release addon, then `npm pack` into target/napi-node/ (an installable tarball).
pub fn build() -> Result<()> {
    if !present() {
        return Ok(());
    }
    napi_build(true)?;
    util::step("node: npm pack");
    let tarball = util::output(npm().args(["pack", "--silent", "--pack-destination", "../target/napi-node"]))?;
    let tarball = gen_dir().join(tarball.trim().lines().last().unwrap_or_default());
    if !tarball.exists() {
        return Err(format!("npm pack did not produce {}", tarball.display()).into());
    }
    eprintln!("node: installable package: {}  (npm install {0})", tarball.display());
    Ok(())
}

/// The platforms of the npm release: Rust target, napi's platform name (`<os>-<cpu>-<abi>`).
const NPM_PLATFORMS: [(&str, &str); 2] = [("x86_64-unknown-linux-gnu", "linux-x64-gnu"), (util::AARCH64_LINUX, "linux-arm64-gnu")];

/// Makes the npm release in napi-rs's layout in target/npm-dist/ from the main package's
/// `package.json` (argv[1]) and the platform names (argv[2..]): the main package loses its
/// addon, takes `os`/`cpu`/`libc` (npm refuses it on other platforms) and one optional
/// dependency per platform; each `<dir>/<platform>/package.json` holds that platform's addon,
/// which npm installs only where `os`, `cpu` and `libc` match.
const NPM_LAYOUT: &str = r#"
const fs = require('fs'), path = require('path')
const [mainJson, ...platforms] = process.argv.slice(1)
const main = JSON.parse(fs.readFileSync(mainJson, 'utf8'))
const cpu = (platform) => platform.split('-')[1]
main.files = main.files.filter((f) => f !== '*.node')
Object.assign(main, { os: ['linux'], cpu: platforms.map(cpu), libc: ['glibc'], optionalDependencies: {} })
for (const platform of platforms) {
  const name = `${main.name}-${platform}`, addon = `${main.napi.binaryName}.${platform}.node`
  main.optionalDependencies[name] = main.version
  const pkg = { name, version: main.version, description: `${main.name}'s addon for ${platform}`, license: main.license,
    os: ['linux'], cpu: [cpu(platform)], libc: ['glibc'], main: addon, files: [addon], engines: main.engines }
  fs.mkdirSync(path.join(path.dirname(mainJson), '..', platform), { recursive: true })
  fs.writeFileSync(path.join(path.dirname(mainJson), '..', platform, 'package.json'), JSON.stringify(pkg, null, 2) + '\n')
}
fs.writeFileSync(mainJson, JSON.stringify(main, null, 2) + '\n')
"#;

/// The npm release in napi-rs's layout (see `NPM_LAYOUT`), packed into target/npm-dist/out/:
/// the main package's tarball first, then one per platform (linux x64 and arm64, glibc).
pub fn platform_packages() -> Result<Vec<PathBuf>> {
    build()?;
    let stage = util::root().join("target/npm-dist");
    let _ = fs::remove_dir_all(&stage);
    let (main, out) = (stage.join("main"), stage.join("out"));
    fs::create_dir_all(&main)?;
    fs::create_dir_all(&out)?;
    util::step("node: the npm packages (main, one per platform) into target/npm-dist/out");
    let packed = util::only_file(&gen_dir(), ".tgz")?;
    util::run(Command::new("tar").args(["-xzf"]).arg(&packed).arg("-C").arg(&main).args(["--strip-components=1"]))?;
    for entry in fs::read_dir(&main)? {
        let path = entry?.path();
        if path.extension().is_some_and(|x| x == "node") {
            fs::remove_file(path)?;
        }
    }
    let platforms: Vec<&str> = NPM_PLATFORMS.iter().map(|(_, platform)| *platform).collect();
    util::run(Command::new("node").args(["-e", NPM_LAYOUT]).arg(main.join("package.json")).args(&platforms))?;
    for (target, platform) in NPM_PLATFORMS {
        let addon = if addon_name() == format!("sessiongate.{platform}.node") { addon() } else { release_addon_for(target)? };
        fs::copy(addon, stage.join(platform).join(format!("sessiongate.{platform}.node")))?;
    }
    let mut tarballs = Vec::new();
    for folder in std::iter::once("main").chain(platforms.iter().copied()) {
        let name = util::output(npm().current_dir(stage.join(folder)).args(["pack", "--silent", "--pack-destination"]).arg(&out))?;
        tarballs.push(out.join(name.trim().lines().last().unwrap_or_default()));
    }
    Ok(tarballs)
}

/// Debug addon, the package's JavaScript checked (`node --check`, `tsc` against index.d.ts),
/// then every `test/*.test.{js,mjs}` file under `node --test`, with the WorkOS API double's
/// binary in `SESSIONGATE_WORKOS_DOUBLE` (the refresh tests spawn it).
/// `false` when the binding is not in this checkout (nothing ran).
pub fn test() -> Result<bool> {
    if !present() {
        return Ok(false);
    }
    napi_build(false)?;
    let double = util::workos_double()?;
    util::step("node: node --check lib/*.js index.mjs; tsc (checkJs) against index.d.ts");
    let mut sources: Vec<String> = fs::read_dir(dir().join("lib"))?
        .filter_map(|entry| entry.ok().map(|e| format!("lib/{}", e.file_name().to_string_lossy())))
        .filter(|name| name.ends_with(".js"))
        .collect();
    sources.sort();
    sources.push("index.mjs".into());
    for source in &sources {
        util::run(Command::new("node").current_dir(dir()).args(["--check", source]))?;
    }
    util::run(Command::new(dir().join("node_modules/.bin/tsc")).current_dir(dir()).args(["-p", "tsconfig.json"]))?;
    util::step("node: tsc --strict on a consumer of the package (test/types)");
    util::run(Command::new(dir().join("node_modules/.bin/tsc")).current_dir(dir()).args(["-p", "tsconfig.consumer.json"]))?;
    util::step("node: node --test");
    let mut files: Vec<String> = fs::read_dir(dir().join("test"))?
        .filter_map(|entry| entry.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|name| name.ends_with(".test.js") || name.ends_with(".test.mjs"))
        .map(|name| format!("test/{name}"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err("node tests: no test files in bindings-node/test".into());
    }
    // The fleet tests start real Redis servers, and Python processes beside Node ones.
    let redis = util::redis_server()?;
    let mut cmd = Command::new("node");
    cmd.current_dir(dir()).env("SESSIONGATE_WORKOS_DOUBLE", &double).env("SESSIONGATE_REDIS_SERVER", &redis);
    if let Some(python) = crate::python::debug_interpreter()? {
        cmd.env("SESSIONGATE_PYTHON", python);
    }
    cmd.arg("--test").args(&files);
    util::run(&mut cmd)?;
    next_app_test(&double)?;
    Ok(true)
}

/// The Next.js suite (test/next-app, its own lock: authkit-nextjs wants @workos-inc/node 10):
/// the package under test packed and installed there, `next build` with no WorkOS variable in
/// the environment (a build must not need secrets), sessiongate/next's JavaScript type-checked
/// as installed, then browser.test.mjs against `next start`, the API double and Debian's Chromium.
fn next_app_test(double: &Path) -> Result<()> {
    let app = dir().join("test/next-app");
    let pins = ["@workos-inc/authkit-nextjs@4.3.2", "@workos-inc/node@10.14.0", "next@16.5.0", "playwright-core@1.64.1", "react@19.3.1"];
    npm_ci_in(&app, "npm-ci-next-app", &pins)?;
    util::step("node: npm pack, installed in test/next-app");
    let pack = util::root().join("target/next-pack");
    let _ = fs::remove_dir_all(&pack);
    fs::create_dir_all(&pack)?;
    util::tool(npm().arg("pack").arg("--pack-destination").arg(&pack), "npm-pack-next-app")?;
    let tarball = util::only_file(&pack, ".tgz")?;
    util::tool(npm().current_dir(&app).args(["install", "--no-save"]).arg(&tarball), "npm-install-next-app")?;
    util::step("node: next build (no WorkOS variables in the environment)");
    let mut build = Command::new("node");
    build.current_dir(&app).args(["node_modules/next/dist/bin/next", "build"]);
    // The redirect URI is public (NEXT_PUBLIC_, inlined at build); authkit's proxy needs one.
    build.env("NEXT_TELEMETRY_DISABLED", "1").env("NEXT_PUBLIC_WORKOS_REDIRECT_URI", "http://localhost/callback");
    for secret in ["WORKOS_CLIENT_ID", "WORKOS_API_KEY", "WORKOS_COOKIE_PASSWORD"] {
        build.env_remove(secret);
    }
    util::tool(&mut build, "next-build")?;
    util::step("node: tsc on sessiongate/next's JavaScript, as installed");
    util::run(Command::new(app.join("node_modules/.bin/tsc")).current_dir(&app).args(["-p", "tsconfig.package.json"]))?;
    let chromium = util::chromium()?;
    util::step("node: node --test test/next-app (next start, Chromium)");
    let mut cmd = Command::new("node");
    cmd.current_dir(&app).env("SESSIONGATE_WORKOS_DOUBLE", double).env("SESSIONGATE_CHROMIUM", chromium);
    util::run(cmd.args(["--test", "browser.test.mjs"]))
}

pub fn demo(fixture: &Path) -> Result<()> {
    if !present() {
        return Ok(());
    }
    if !addon().exists() {
        napi_build(false)?;
    }
    util::step("node binding: authenticate the fixture's sessions");
    util::run(node("examples/demo.js").arg(fixture))
}

/// Release addon; the SDK and sessiongate timed in one run -> target/bench/node.json.
pub fn bench() -> Result<()> {
    if !present() {
        return Ok(());
    }
    napi_build(true)?;
    util::step("node: bench (@workos-inc/node 11.0.0 vs sessiongate)");
    let out = util::root().join("target/bench/node.json");
    fs::create_dir_all(out.parent().unwrap_or(&out))?;
    util::run(node("bench/bench.js").arg(&out))
}

/// The inputs of the generated files: if none changed since the last codegen that matched,
/// there is nothing to do (no build).
fn fingerprint() -> Result<u64> {
    let mut files: Vec<PathBuf> = vec![
        dir().join("Cargo.toml"),
        dir().join("package.json"),
        dir().join("package-lock.json"),
        dir().join("typings/header.d.ts"),
        util::root().join("Cargo.lock"),
    ];
    files.extend(GENERATED.iter().map(|name| dir().join(name)));
    let mut sources: Vec<PathBuf> = fs::read_dir(dir().join("src"))?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    sources.sort();
    files.extend(sources);
    let mut hasher = DefaultHasher::new();
    for file in files {
        file.hash(&mut hasher);
        fs::read(&file).unwrap_or_default().hash(&mut hasher);
    }
    Ok(hasher.finish())
}

/// Regenerates index.js and index.d.ts (napi CLI, from the Rust and typings/header.d.ts);
/// with `check`, fails if the committed files differ.
pub fn codegen(check: bool) -> Result<()> {
    if !present() {
        return Ok(());
    }
    let stamp = gen_dir().join("codegen.stamp");
    let before = fingerprint()?.to_string();
    if fs::read_to_string(&stamp).is_ok_and(|s| s == before) {
        util::step("node: codegen up to date (inputs unchanged)");
        return Ok(());
    }
    napi_build(false)?;
    let mut stale = Vec::new();
    for name in GENERATED {
        let fresh = fs::read(gen_dir().join(name))?;
        let committed = fs::read(dir().join(name)).unwrap_or_default();
        if fresh != committed {
            if check {
                stale.push(format!("bindings-node/{name}"));
            } else {
                fs::write(dir().join(name), fresh)?;
                eprintln!("node: wrote bindings-node/{name}");
            }
        }
    }
    if !stale.is_empty() {
        return Err(format!("stale generated files: {} (run `cargo xtask codegen`)", stale.join(", ")).into());
    }
    fs::write(stamp, fingerprint()?.to_string())?;
    Ok(())
}
