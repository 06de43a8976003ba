//! Steps 3 and 4 of SigV4: derive the signing key, sign the string to sign.
//!
//! ```text
//! kDate     = HMAC-SHA256("AWS4" + secret, YYYYMMDD)
//! kRegion   = HMAC-SHA256(kDate, region)
//! kService  = HMAC-SHA256(kRegion, service)
//! kSigning  = HMAC-SHA256(kService, "aws4_request")
//! signature = hex(HMAC-SHA256(kSigning, string to sign))
//! ```
//!
//! This file and nowhere else in the crate names SHA-256 and HMAC (MD5 lives with the uploads
//! that need `Content-MD5`).

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// Lowercase hex SHA-256 of `data`: the payload hash of SigV4 (`x-amz-content-sha256`), and the
/// hash of the canonical request in the string to sign.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// SHA-256 over a body that arrives in pieces (a streamed upload), so that callers need not
/// name the hash crate themselves.
#[derive(Clone, Default)]
pub struct PayloadHasher(Sha256);

impl PayloadHasher {
    /// An empty hasher.
    pub fn new() -> Self {
        PayloadHasher(Sha256::new())
    }
    /// Feed the next bytes.
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }
    /// The digest of everything fed; `hex::encode` of it is the payload hash.
    pub fn finalize(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

/// The `Content-MD5` header value of `data` (base64 of its MD5), for requests S3 requires it on
/// (DeleteObjects) and uploads whose SHA-256 is not known.
pub fn content_md5(data: &[u8]) -> String {
    use md5::Digest as _;
    crate::util::base64::encode(&md5::Md5::digest(data))
}

/// HMAC-SHA256 of `data` under `key`.
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length (long ones are hashed first), so this never fails.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// The signing key for one day, region and service (`date` is `YYYYMMDD`).
///
/// It depends on the date, not the time, so a caller that signs many requests may keep it for a
/// day; the secret itself is only ever used here.
pub fn signing_key(secret_access_key: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_secret = format!("AWS4{secret_access_key}");
    let k_date = hmac_sha256(k_secret.as_bytes(), date.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    hmac_sha256(&k_service, b"aws4_request")
}

/// The signature: lowercase hex HMAC-SHA256 of the string to sign under the signing key.
pub fn signature(signing_key: &[u8; 32], string_to_sign: &str) -> String {
    hex::encode(hmac_sha256(signing_key, string_to_sign.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_nothing() {
        assert_eq!(sha256_hex(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    #[test]
    fn streaming_hash_equals_one_shot_hash() {
        let mut h = PayloadHasher::new();
        h.update(b"Welcome to ");
        h.update(b"");
        h.update(b"Amazon S3.");
        assert_eq!(hex::encode(h.finalize()), sha256_hex(b"Welcome to Amazon S3."));
    }

    #[test]
    fn hmac_rfc4231_case_2() {
        // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    #[test]
    fn signing_key_of_the_aws_documentation_example() {
        // "Examples of how to derive a signing key for Signature Version 4" (IAM, 2012-02-15).
        let key = signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");
        assert_eq!(hex::encode(key), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
    }
}
