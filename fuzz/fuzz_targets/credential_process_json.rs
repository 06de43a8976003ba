//! The `credential_process` output parser never panics, and an error never shows the secret.
#![no_main]
use libfuzzer_sys::fuzz_target;
use nixbucket::s3::credentials::process::parse_process_output;

fuzz_target!(|data: &[u8]| {
    let now = time::OffsetDateTime::UNIX_EPOCH;
    if let Err(e) = parse_process_output(data, now) {
        let msg = e.to_string();
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
            if let Some(secret) = v.get("SecretAccessKey").and_then(|s| s.as_str()) {
                if secret.len() >= 8 {
                    assert!(!msg.contains(secret), "secret in error message: {msg}");
                }
            }
        }
    }
});
