//! The AWS config/credentials file parser never panics, and what it accepts answers lookups.
#![no_main]
use libfuzzer_sys::fuzz_target;
use nixbucket::s3::profile::{s3_endpoint_url, ProfileSet};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    // The first NUL (if any) splits the input into a config file and a credentials file.
    let (config, credentials) = s.split_once('\0').unwrap_or((s, ""));
    if let Ok(set) = ProfileSet::parse(config, credentials) {
        for p in set.profiles() {
            let _ = p.get("region");
            let _ = s3_endpoint_url(&set, p.name());
        }
    }
});
