//! `s3::xml::parse_complete_multipart_upload` never panics on any input.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = nixbucket::s3::xml::parse_complete_multipart_upload(data);
    let _ = nixbucket::s3::xml::is_error_document(data);
});
