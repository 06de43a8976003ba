//! narinfo parsing never panics; what parses writes back to a narinfo that parses to the same
//! value and is written identically (parse → write → parse is stable), and its fingerprint and
//! signature check run.
#![no_main]
use libfuzzer_sys::fuzz_target;
use nixbucket::nix::narinfo::NarInfo;
use nixbucket::nix::signing::{verify_narinfo, TrustedKeys};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(info) = NarInfo::parse(s) {
        let written = info.to_string();
        let again = NarInfo::parse(&written).expect("written narinfo parses");
        assert_eq!(again, info);
        assert_eq!(again.to_string(), written);
        let _ = info.fingerprint();
        let _ = verify_narinfo(&info, &TrustedKeys::new());
    }
});
