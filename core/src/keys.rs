//! Where verification keys come from.

use std::sync::Arc;
use std::time::SystemTime;

use crate::error::Error;
use crate::jwks::KeySet;

/// The key source behind a [`crate::SessionGate`].
#[derive(Debug)]
pub enum KeyProvider {
    /// A fixed key set (offline use, tests).
    Static(Arc<KeySet>),
}

impl KeyProvider {
    /// The key set to verify a token with `kid` at `now`. A remote source refetches for an
    /// unknown `kid` (at most once per cooldown); `Err` only when no usable set is available.
    pub fn key_set_for(&self, _kid: Option<&str>, _now: SystemTime) -> Result<Arc<KeySet>, Error> {
        match self {
            KeyProvider::Static(set) => Ok(Arc::clone(set)),
        }
    }
}
