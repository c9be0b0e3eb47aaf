//! `cargo xtask <command>`: the project's single entry point (CI runs only what README says).
//!
//! ```text
//! cargo xtask build [python|node|swift]   build the bindings (all by default)
//! cargo xtask test [rust|python|node|swift] every suite that exists (or one): Rust, Python, Node, Swift
//! cargo xtask demo                        seal sessions, authenticate them in every binding
//! cargo xtask bench [core|python|node]    benchmarks against the real peers -> BENCHMARKS.md
//! cargo xtask codegen [--check]           regenerate (or check) committed generated files
//! cargo xtask swift-toolchain             make `swift` available (Debian 13 chroot if needed)
//! cargo xtask fuzz [--seconds N]          run each libFuzzer target of fuzz/ for N seconds
//! ```

mod bench;
mod fuzz;
mod node;
mod python;
mod swift;
mod util;

use std::process::ExitCode;

use util::{Result, cargo};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[&str]) -> Result<()> {
    match args {
        ["build"] => {
            python::build()?;
            node::build()?;
            swift::build()
        }
        ["build", "python"] => python::build(),
        ["build", "node"] => node::build(),
        ["build", "swift"] => swift::build(),
        ["test"] => test(),
        ["test", "rust"] => test_rust(),
        ["test", "python"] => python::test().and_then(|ran| ran_alone("python", ran)),
        ["test", "node"] => node::test().and_then(|ran| ran_alone("node", ran)),
        ["test", "swift"] => swift::test().and_then(|ran| ran_alone("swift", ran)),
        ["demo"] => demo(),
        ["bench"] | ["bench", "all"] => {
            bench::core()?;
            python::bench()?;
            node::bench()?;
            bench::report("cargo xtask bench", &["core", "python", "node"])
        }
        // Re-renders BENCHMARKS.md from the last full run's results (target/bench/*.json).
        ["bench", "report"] => bench::report("cargo xtask bench", &["core", "python", "node"]),
        ["bench", "core"] => bench::core().and_then(|()| bench::report("cargo xtask bench core", &["core"])),
        ["bench", "python"] => python::bench().and_then(|()| bench::report("cargo xtask bench python", &["python"])),
        ["bench", "node"] => node::bench().and_then(|()| bench::report("cargo xtask bench node", &["node"])),
        ["codegen"] => codegen(false),
        ["codegen", "--check"] => codegen(true),
        ["codegen", "python"] => python::codegen(false),
        ["codegen", "node"] => node::codegen(false),
        ["codegen", "swift"] => swift::codegen(false),
        ["swift-toolchain"] => swift::toolchain().map(|_| ()),
        ["fuzz"] => fuzz::run(30),
        ["fuzz", "--seconds", n] => fuzz::run(n.parse().map_err(|_| format!("--seconds takes a number, not {n:?}"))?),
        _ => Err(format!("unknown command {args:?}; see xtask/src/main.rs for the list").into()),
    }
}

fn test() -> Result<()> {
    test_rust()?;
    let bindings_ran = [python::test()?, node::test()?, swift::test()?];
    // A plain closing line: a failure stops before it; a binding not in the checkout is counted
    // as not run, never as passed.
    let not_run = bindings_ran.iter().filter(|ran| !**ran).count();
    let passed = 1 + bindings_ran.len() - not_run;
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
    util::step("Rust: cargo test");
    util::run(cargo().args(["test", "--workspace", "--", "--show-output"]))
}

fn demo() -> Result<()> {
    util::step("Rust core: seal four sessions, authenticate them");
    let fixture = util::root().join("target/demo/fixture.json");
    util::run(cargo().args(["run", "--quiet", "-p", "sessiongate-vectors", "--bin", "demo", "--"]).arg(&fixture))?;
    python::demo(&fixture)?;
    node::demo(&fixture)?;
    swift::demo(&fixture)
}

fn codegen(check: bool) -> Result<()> {
    util::run(cargo().args(["run", "--quiet", "-p", "sessiongate-vectors", "--bin", "gen-cases", "--"]).args(
        if check { &["--check"][..] } else { &[][..] },
    ))?;
    python::codegen(check)?;
    node::codegen(check)?;
    swift::codegen(check)
}
