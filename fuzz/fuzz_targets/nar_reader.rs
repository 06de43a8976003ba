//! The NAR reader on arbitrary bytes: never panics, never allocates from an unchecked length;
//! what it accepts has a listing and is exactly the input.
#![no_main]
use libfuzzer_sys::fuzz_target;
use nixbucket::nix::nar;

fuzz_target!(|data: &[u8]| {
    if let Ok(listing) = nar::list(&mut &data[..]) {
        assert!(listing.to_json().starts_with(b"{\"version\":1,\"root\":{\"type\":"));
        let size = nar::reader::parse(&mut &data[..], &mut nar::reader::Validate).unwrap();
        assert_eq!(size, data.len() as u64);
    }
});
