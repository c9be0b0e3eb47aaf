#![no_main]
//! JWKS parsing and key selection: hostile key sets are skipped or refused, never a panic.
use libfuzzer_sys::fuzz_target;
use sessiongate::internals::KeySet;

fuzz_target!(|data: &[u8]| {
    if let Ok(set) = KeySet::from_json(data) {
        let _ = set.select(None, sessiongate::Algorithm::RS256);
        for kid in set.kids().into_iter().flatten() {
            let _ = set.select(Some(&kid), sessiongate::Algorithm::RS256);
        }
    }
});
