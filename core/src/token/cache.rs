//! The verified-token cache: a token whose signature verified is not verified again.
//!
//! Entries are keyed by the SHA-256 of the whole token and remember the key set they were
//! verified with; a hit counts only while that exact key set is current (a rotation drops
//! them all). Only the signature is remembered: the header's algorithm and every claim rule
//! (`exp`, `nbf`, `iat`, issuer, audience…) are checked again on each hit, so a cached result
//! never outlives what an uncached check would allow. Bounded, oldest entries evicted first.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, RwLock};

use sha2::{Digest, Sha256};

use super::VerifiedToken;
use crate::jwks::Algorithm;

/// The default number of tokens remembered.
pub const DEFAULT_CAPACITY: usize = 4096;

/// One verified token.
#[derive(Debug)]
pub struct Entry {
    /// The key set version it verified against.
    pub key_set_version: u64,
    /// The header's `kid`, to find the current key set.
    pub kid: Option<String>,
    /// The header's `alg`.
    pub alg: Algorithm,
    /// The verified header and claims.
    pub token: VerifiedToken,
}

/// A bounded map from token digest to verified token.
#[derive(Debug)]
pub struct VerifiedCache {
    capacity: usize,
    inner: RwLock<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<[u8; 32], Arc<Entry>>,
    order: VecDeque<[u8; 32]>,
}

/// The cache key of a token.
pub fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl VerifiedCache {
    /// A cache of at most `capacity` tokens.
    pub fn new(capacity: usize) -> VerifiedCache {
        VerifiedCache { capacity, inner: RwLock::default() }
    }

    /// The entry for a token digest, if any.
    pub fn get(&self, digest: &[u8; 32]) -> Option<Arc<Entry>> {
        let inner = self.inner.read().unwrap_or_else(|p| p.into_inner());
        inner.entries.get(digest).cloned()
    }

    /// Remembers a verified token, evicting the oldest entries beyond capacity.
    pub fn insert(&self, digest: [u8; 32], entry: Entry) {
        if self.capacity == 0 {
            return;
        }
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        if inner.entries.insert(digest, Arc::new(entry)).is_none() {
            inner.order.push_back(digest);
        }
        while inner.entries.len() > self.capacity {
            match inner.order.pop_front() {
                Some(oldest) => {
                    inner.entries.remove(&oldest);
                }
                None => break,
            }
        }
    }

    /// How many tokens are remembered.
    pub fn len(&self) -> usize {
        self.inner.read().unwrap_or_else(|p| p.into_inner()).entries.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(version: u64) -> Entry {
        Entry {
            key_set_version: version,
            kid: None,
            alg: Algorithm::RS256,
            token: VerifiedToken { header: Default::default(), claims: Default::default() },
        }
    }

    #[test]
    fn bounded_oldest_first() {
        let cache = VerifiedCache::new(2);
        cache.insert(digest("a"), entry(1));
        cache.insert(digest("b"), entry(1));
        cache.insert(digest("c"), entry(1));
        assert_eq!(cache.len(), 2);
        assert!(cache.get(&digest("a")).is_none());
        assert!(cache.get(&digest("c")).is_some());
        let off = VerifiedCache::new(0);
        off.insert(digest("a"), entry(1));
        assert!(off.is_empty());
    }
}
