//! `cargo xtask <command>`: the project's single entry point (CI runs only what README says).
//! `USAGE` below is the list of commands; `BINDINGS` the one table of the three bindings.

mod bench;
mod dist;
mod fuzz;
mod lto;
mod musl;
mod node;
mod package;
mod python;
mod sizes;
mod swift;
mod util;

use std::path::Path;
use std::process::ExitCode;

use util::{Result, cargo};

const USAGE: &str = "\
usage: cargo xtask <command>

  build [python|node|swift]        build the bindings (all by default)
  test [rust|python|node|swift]    every suite that exists (or one): Rust, Python, Node, Swift
  demo                             seal sessions, authenticate them in every binding
  bench [core|formats|refresh|sizes|python|node|report]  benchmarks against the real peers -> BENCHMARKS.md
  bench lto                        release-profile variants (LTO, codegen units): sizes, build time, speed
  codegen [--check|python|node|swift]  regenerate (or check) committed generated files
  dist                             every release artefact into dist/, with SHA256SUMS
  package --check                  the release artefacts install and work: Debian 11 (glibc 2.31), arm64, musl
  swift-toolchain                  make `swift` available (Debian 13 chroot if needed)
  fuzz [--seconds N]               run each libFuzzer target of fuzz/ for N seconds (30)
";

/// What xtask does with one binding; every command walks this table.
struct Binding {
    name: &'static str,
    build: fn() -> Result<()>,
    /// `Ok(false)`: the binding is not in this checkout, so nothing ran.
    test: fn() -> Result<bool>,
    demo: fn(&Path) -> Result<()>,
    codegen: fn(bool) -> Result<()>,
    /// Benchmarked against a real peer SDK (Swift has none to compare with).
    bench: Option<fn() -> Result<()>>,
}

const BINDINGS: [Binding; 3] = [
    Binding { name: "python", build: python::build, test: python::test, demo: python::demo, codegen: python::codegen, bench: Some(python::bench) },
    Binding { name: "node", build: node::build, test: node::test, demo: node::demo, codegen: node::codegen, bench: Some(node::bench) },
    Binding { name: "swift", build: swift::build, test: swift::test, demo: swift::demo, codegen: swift::codegen, bench: None },
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match std::env::var(node::AS_CARGO) {
        Ok(real_cargo) => node::cargo_under_napi(&real_cargo, &args),
        Err(_) => run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn binding(name: &str) -> Option<&'static Binding> {
    BINDINGS.iter().find(|b| b.name == name)
}

fn run(args: &[&str]) -> Result<()> {
    match args {
        ["build"] => BINDINGS.iter().try_for_each(|b| (b.build)()),
        ["test"] => test(),
        ["test", "rust"] => test_rust(),
        ["demo"] => demo(),
        ["bench"] | ["bench", "all"] => {
            bench::core()?;
            bench::formats()?;
            bench::refresh()?;
            let mut measured = vec!["core", "formats", "refresh"];
            for b in BINDINGS.iter().filter(|b| b.bench.is_some()) {
                b.bench.map_or(Ok(()), |bench| bench())?;
                measured.push(b.name);
            }
            bench::report("cargo xtask bench", &measured)?;
            sizes::bench()
        }
        // Re-renders BENCHMARKS.md from the last full run's results (target/bench/*.json).
        ["bench", "report"] => bench::report("cargo xtask bench", &["core", "formats", "refresh", "python", "node"]),
        ["bench", "sizes"] => sizes::bench(),
        // Not part of `bench`: three release builds from empty target folders (about 25 minutes).
        ["bench", "lto"] => lto::bench(),
        ["dist"] => dist::dist(),
        ["package", "--check"] => package::check(),
        ["bench", "formats"] => bench::formats().and_then(|()| bench::report_formats("cargo xtask bench formats")),
        ["bench", "refresh"] => bench::refresh().and_then(|()| bench::report_refresh("cargo xtask bench refresh")),
        ["bench", "core"] => bench::core().and_then(|()| bench::report("cargo xtask bench core", &["core"])),
        ["codegen"] => codegen(false),
        ["codegen", "--check"] => codegen(true),
        ["swift-toolchain"] => swift::toolchain().map(|_| ()),
        ["fuzz"] => fuzz::run(30),
        ["fuzz", "--seconds", n] => fuzz::run(n.parse().map_err(|_| format!("--seconds takes a number, not {n:?}"))?),
        [command, name] => {
            let Some(b) = binding(name) else { return Err(format!("unknown command {args:?}\n\n{USAGE}").into()) };
            match *command {
                "build" => (b.build)(),
                "test" => (b.test)().and_then(|ran| ran_alone(b.name, ran)),
                "codegen" => (b.codegen)(false),
                "bench" => match b.bench {
                    Some(bench) => bench().and_then(|()| bench::report(&format!("cargo xtask bench {name}"), &[b.name])),
                    None => Err(format!("{name} has no peer to benchmark against").into()),
                },
                _ => Err(format!("unknown command {args:?}\n\n{USAGE}").into()),
            }
        }
        [] | ["help"] | ["--help"] | ["-h"] => {
            print!("{USAGE}");
            if args.is_empty() { Err("no command given".into()) } else { Ok(()) }
        }
        _ => Err(format!("unknown command {args:?}\n\n{USAGE}").into()),
    }
}

fn test() -> Result<()> {
    test_rust()?;
    let mut not_run = 0;
    for b in &BINDINGS {
        not_run += usize::from(!(b.test)()?);
    }
    // A plain closing line: a failure stops before it; a binding not in the checkout is counted
    // as not run, never as passed.
    let passed = 1 + BINDINGS.len() - not_run;
    if not_run == 0 {
        println!("\nsuites: {passed} passed, 0 failed");
    } else {
        println!("\nsuites: {passed} passed, 0 failed, {not_run} not run (not in this checkout)");
    }
    Ok(())
}

/// `cargo xtask test <binding>` asked for that suite: not running it is a failure.
fn ran_alone(binding: &str, ran: bool) -> Result<()> {
    if ran { Ok(()) } else { Err(format!("the {binding} suite did not run: bindings-{binding}/ is not in this checkout").into()) }
}

fn test_rust() -> Result<()> {
    util::step("codegen --check");
    codegen(true)?;
    util::step("Rust: clippy -D warnings");
    util::run(cargo().args(["clippy", "--workspace", "--all-targets", "--quiet", "--", "-D", "warnings"]))?;
    let redis = util::redis_server()?;
    util::step("Rust: cargo test");
    util::run(cargo().env("SESSIONGATE_REDIS_SERVER", redis).args(["test", "--workspace", "--", "--show-output"]))
}

fn demo() -> Result<()> {
    util::step("Rust core: building the demo…");
    util::tool(cargo().args(["build", "-p", "sessiongate-vectors", "--bin", "demo"]), "cargo-build-demo")?;
    util::step("Rust core: seal four sessions, authenticate them");
    let fixture = util::root().join("target/demo/fixture.json");
    util::run(cargo().args(["run", "--quiet", "-p", "sessiongate-vectors", "--bin", "demo", "--"]).arg(&fixture))?;
    BINDINGS.iter().try_for_each(|b| (b.demo)(&fixture))
}

fn codegen(check: bool) -> Result<()> {
    util::run(cargo().args(["run", "--quiet", "-p", "sessiongate-vectors", "--bin", "gen-cases", "--"]).args(
        if check { &["--check"][..] } else { &[][..] },
    ))?;
    BINDINGS.iter().try_for_each(|b| (b.codegen)(check))
}
