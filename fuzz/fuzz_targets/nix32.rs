//! nix32 decoding never panics, and what decodes encodes back to the same string.
#![no_main]
use libfuzzer_sys::fuzz_target;
use nixbucket::nix::hash::Hash;
use nixbucket::nix::nixbase32::{decode_any, encode};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(bytes) = decode_any(s) {
        assert_eq!(encode(&bytes), s);
    }
    if let Ok(h) = Hash::parse(s) {
        assert_eq!(Hash::parse(&h.to_string()), Ok(h));
    }
});
