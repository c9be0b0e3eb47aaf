//! `cargo run -p sessiongate-vectors --bin gen-cases [-- --check]`: writes (or checks)
//! `vectors/cases.json` (see `cases_gen.rs`).

fn main() {
    let check = std::env::args().any(|a| a == "--check");
    if let Err(e) = sessiongate_vectors::cases_gen::write(check) {
        eprintln!("{e}");
        std::process::exit(1);
    }
}
