//! Store path parsing never panics, and a parsed path prints back to exactly its input.
#![no_main]
use libfuzzer_sys::fuzz_target;
use nixbucket::nix::store_path::{StorePath, STORE_DIR};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(p) = StorePath::parse(s) {
        let back = if s.starts_with('/') { p.to_absolute(STORE_DIR) } else { p.to_string() };
        assert_eq!(back, s);
    }
});
