//! Where verification keys come from: a static key set, or the issuer's JWKS over HTTP
//! ([`super::remote`]).

use std::sync::Arc;
use std::time::SystemTime;

use crate::error::Error;
use super::KeySet;
use super::remote::RemoteJwks;

/// The key source behind a [`crate::SessionGate`].
#[derive(Debug)]
pub enum KeyProvider {
    /// A fixed key set (offline use, tests).
    Static(Arc<KeySet>),
    /// The issuer's JWKS, fetched and cached.
    Remote(Box<RemoteJwks>),
}

impl KeyProvider {
    /// The key set to verify a token with `kid` at `now`. A remote source refetches for an
    /// unknown `kid` (at most once per cooldown); `Err` only when no usable set is available.
    pub fn key_set_for(&self, kid: Option<&str>, now: SystemTime) -> Result<Arc<KeySet>, Error> {
        match self {
            KeyProvider::Static(set) => Ok(Arc::clone(set)),
            KeyProvider::Remote(remote) => remote.key_set_for(kid, now),
        }
    }

    /// The key set for `kid` only if it can be had without the network and without waiting:
    /// a static set, or a fresh cached set that knows `kid`. `None` means "use
    /// [`KeyProvider::key_set_for`]" (which may fetch).
    pub fn cached_key_set_for(&self, kid: Option<&str>, now: SystemTime) -> Option<Arc<KeySet>> {
        match self {
            KeyProvider::Static(set) => Some(Arc::clone(set)),
            KeyProvider::Remote(remote) => remote.cached_key_set_for(kid, now),
        }
    }
}
