//! Where verification keys come from: a static key set, or the issuer's JWKS over HTTP
//! ([`super::remote`]); and the process-wide registry that lets gates built per call share one
//! remote key cache per key source.

use std::sync::{Arc, Mutex};

use super::KeySet;
use super::remote::{JwksOptions, JwksStatus, RemoteJwks};
use crate::error::Error;

/// The key source behind a [`crate::SessionGate`].
#[derive(Debug)]
pub enum KeyProvider {
    /// A fixed key set (offline use, tests).
    Static(Arc<KeySet>),
    /// The issuer's JWKS, fetched and cached.
    Remote(Box<RemoteJwks>),
}

impl KeyProvider {
    /// The key set to verify a token with `kid`. A remote source refetches for an unknown
    /// `kid` (at most once per cooldown); `Err` only when no usable set is available.
    pub fn key_set_for(&self, kid: Option<&str>) -> Result<Arc<KeySet>, Error> {
        match self {
            KeyProvider::Static(set) => Ok(Arc::clone(set)),
            KeyProvider::Remote(remote) => remote.key_set_for(kid),
        }
    }

    /// The key set for `kid` only if it can be had without the network and without waiting:
    /// a static set, or a fresh cached set that knows `kid`. `None` means "use
    /// [`KeyProvider::key_set_for`]" (which may fetch).
    pub fn cached_key_set_for(&self, kid: Option<&str>) -> Option<Arc<KeySet>> {
        match self {
            KeyProvider::Static(set) => Some(Arc::clone(set)),
            KeyProvider::Remote(remote) => remote.cached_key_set_for(kid),
        }
    }

    /// The remote cache's state (`None` for a static key set).
    pub fn status(&self) -> Option<JwksStatus> {
        match self {
            KeyProvider::Static(_) => None,
            KeyProvider::Remote(remote) => Some(remote.status()),
        }
    }
}

/// A remote key source: what the shared registry is keyed by (with the options).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteSource {
    /// A JWKS URL.
    Url(String),
    /// An OIDC issuer.
    Discovery(String),
}

impl RemoteSource {
    fn build(&self, options: JwksOptions) -> Result<RemoteJwks, Error> {
        match self {
            RemoteSource::Url(url) => RemoteJwks::from_url(url, options),
            RemoteSource::Discovery(issuer) => RemoteJwks::from_issuer(issuer, options),
        }
    }
}

/// How many remote sources the process-wide registry keeps (oldest dropped first; a gate
/// still holding a dropped provider keeps using it).
pub const SHARED_SOURCES: usize = 32;

type Registry = Vec<((RemoteSource, JwksOptions), Arc<KeyProvider>)>;

/// A new key provider for `source`, used by this gate alone.
pub fn remote(source: &RemoteSource, options: JwksOptions) -> Result<Arc<KeyProvider>, Error> {
    Ok(Arc::new(KeyProvider::Remote(Box::new(source.build(options)?))))
}

/// The process-wide key provider for `source` and `options`: every caller with the same source
/// and options gets the same cache, so gates built per call fetch the keys once, not per call.
pub fn shared(source: &RemoteSource, options: JwksOptions) -> Result<Arc<KeyProvider>, Error> {
    static REGISTRY: Mutex<Registry> = Mutex::new(Vec::new());
    let key = (source.clone(), options);
    let mut registry = REGISTRY.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, provider)) = registry.iter().find(|(k, _)| *k == key) {
        return Ok(Arc::clone(provider));
    }
    let provider = remote(&key.0, key.1.clone())?;
    if registry.len() >= SHARED_SOURCES {
        registry.remove(0);
    }
    registry.push((key, Arc::clone(&provider)));
    Ok(provider)
}
