//! `nix-cache-info` parsing never panics, and what parses writes back to the same value.
#![no_main]
use libfuzzer_sys::fuzz_target;
use nixbucket::nix::cache_info::CacheInfo;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(info) = CacheInfo::parse(s) {
        let written = info.to_string();
        assert_eq!(CacheInfo::parse(&written), Ok(info));
    }
});
