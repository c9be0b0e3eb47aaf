//! No code: this crate's dependencies give every build of the workspace one feature set for the
//! crates they share (see its Cargo.toml).
