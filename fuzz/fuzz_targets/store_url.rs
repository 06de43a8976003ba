//! The store URL parser and endpoint resolution never panic, and a parsed S3 URL resolves.
#![no_main]
use libfuzzer_sys::fuzz_target;
use nixbucket::env::FakeEnv;
use nixbucket::s3::endpoint::{resolve, ProfileValues};
use nixbucket::s3::url::{parse, StoreUrl};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(StoreUrl::S3(u)) = parse(s) {
        if let Ok(t) = resolve(&u.bucket, &u.s3, &FakeEnv::new(), &ProfileValues::default()) {
            let _ = t.url(&t.object_path(&u.path), "");
        }
    }
});
