//! The verified-token cache: a token whose signature verified is not verified again.
//!
//! Entries are keyed by the SHA-256 of the whole token and remember the key set they were
//! verified with; a hit counts only while that exact key set is current (a rotation drops
//! them all). Only the signature is remembered: the header's algorithm and every claim rule
//! (`exp`, `nbf`, `iat`, issuer, audience…) are checked again on each hit, so a cached result
//! never outlives what an uncached check would allow. Only tokens that passed every rule
//! are remembered, and a hit that has expired is dropped. Bounded by entries and by bytes
//! (the tokens' lengths), oldest entries evicted first.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, RwLock};

use sha2::{Digest, Sha256};

use super::VerifiedToken;
use crate::jwks::Algorithm;

/// The default number of tokens remembered.
pub const DEFAULT_CAPACITY: usize = 4096;
/// The default budget of the cache in bytes (the sum of the remembered tokens' lengths).
pub const DEFAULT_BYTES: usize = 16 * 1024 * 1024;

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
    /// What the entry is charged against the byte budget: the token's length.
    pub bytes: usize,
}

/// A bounded map from token digest to verified token.
pub struct VerifiedCache {
    capacity: usize,
    max_bytes: usize,
    inner: RwLock<Inner>,
}

/// Counts only: the entries hold verified claims.
impl fmt::Debug for VerifiedCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.inner.read().unwrap_or_else(|p| p.into_inner());
        f.debug_struct("VerifiedCache")
            .field("entries", &inner.entries.len())
            .field("bytes", &inner.bytes)
            .field("capacity", &self.capacity)
            .field("max_bytes", &self.max_bytes)
            .finish()
    }
}

#[derive(Default)]
struct Inner {
    entries: HashMap<[u8; 32], Arc<Entry>>,
    order: VecDeque<[u8; 32]>,
    bytes: usize,
}

/// The cache key of a token.
pub fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl VerifiedCache {
    /// A cache of at most `capacity` tokens and `max_bytes` bytes of tokens.
    pub fn new(capacity: usize, max_bytes: usize) -> VerifiedCache {
        VerifiedCache { capacity, max_bytes, inner: RwLock::default() }
    }

    /// The entry for a token digest, if any.
    pub fn get(&self, digest: &[u8; 32]) -> Option<Arc<Entry>> {
        let inner = self.inner.read().unwrap_or_else(|p| p.into_inner());
        inner.entries.get(digest).cloned()
    }

    /// Remembers a verified token, evicting the oldest entries beyond either bound. A token
    /// larger than the whole byte budget is not remembered.
    pub fn insert(&self, digest: [u8; 32], entry: Entry) {
        if self.capacity == 0 || entry.bytes > self.max_bytes {
            return;
        }
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        inner.bytes += entry.bytes;
        match inner.entries.insert(digest, Arc::new(entry)) {
            Some(replaced) => inner.bytes -= replaced.bytes,
            None => inner.order.push_back(digest),
        }
        while inner.entries.len() > self.capacity || inner.bytes > self.max_bytes {
            let Some(oldest) = inner.order.pop_front() else { break };
            if let Some(evicted) = inner.entries.remove(&oldest) {
                inner.bytes -= evicted.bytes;
            }
        }
    }

    /// Forgets a token (its order slot is dropped when it reaches the front).
    pub fn remove(&self, digest: &[u8; 32]) {
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        if let Some(removed) = inner.entries.remove(digest) {
            inner.bytes -= removed.bytes;
            inner.order.retain(|d| d != digest);
        }
    }

    /// How many tokens are remembered.
    pub fn len(&self) -> usize {
        self.inner.read().unwrap_or_else(|p| p.into_inner()).entries.len()
    }

    /// The bytes charged for the remembered tokens.
    pub fn bytes(&self) -> usize {
        self.inner.read().unwrap_or_else(|p| p.into_inner()).bytes
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(bytes: usize) -> Entry {
        Entry {
            key_set_version: 1,
            kid: None,
            alg: Algorithm::RS256,
            token: VerifiedToken { header: Default::default(), claims: Default::default() },
            bytes,
        }
    }

    #[test]
    fn bounded_oldest_first() {
        let cache = VerifiedCache::new(2, DEFAULT_BYTES);
        cache.insert(digest("a"), entry(1));
        cache.insert(digest("b"), entry(1));
        cache.insert(digest("c"), entry(1));
        assert_eq!(cache.len(), 2);
        assert!(cache.get(&digest("a")).is_none());
        assert!(cache.get(&digest("c")).is_some());
        let off = VerifiedCache::new(0, DEFAULT_BYTES);
        off.insert(digest("a"), entry(1));
        assert!(off.is_empty());
    }

    #[test]
    fn bounded_by_bytes() {
        let cache = VerifiedCache::new(100, 10_000);
        for i in 0..10 {
            cache.insert(digest(&i.to_string()), entry(3000));
            assert!(cache.bytes() <= 10_000, "{}", cache.bytes());
        }
        assert_eq!((cache.len(), cache.bytes()), (3, 9000));
        assert!(cache.get(&digest("9")).is_some() && cache.get(&digest("6")).is_none());
        // Replacing an entry does not count it twice; a token over the whole budget is skipped.
        cache.insert(digest("9"), entry(3000));
        assert_eq!(cache.bytes(), 9000);
        cache.insert(digest("huge"), entry(10_001));
        assert!(cache.get(&digest("huge")).is_none());
        cache.remove(&digest("9"));
        assert_eq!((cache.len(), cache.bytes()), (2, 6000));
        assert!(!format!("{cache:?}").contains("claims"));
    }
}
