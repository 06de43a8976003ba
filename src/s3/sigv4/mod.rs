//! AWS Signature Version 4 — placeholder, being written.
use crate::s3::credentials::Credentials;
use time::OffsetDateTime;

/// What gets signed.
pub struct SigningInput<'a> {
    pub method: &'a str,
    pub host: &'a str,
    pub path: &'a str,
    pub query: &'a [(String, String)],
    pub headers: &'a [(String, String)],
    pub payload_hash: &'a str,
}

/// Region and service.
pub struct Scope<'a> {
    pub region: &'a str,
    pub service: &'a str,
}

pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
pub const MAX_PRESIGN_EXPIRES: u64 = 604_800;

pub fn sign_s3(_input: &SigningInput<'_>, _creds: &Credentials, _scope: &Scope<'_>, _time: OffsetDateTime) -> Vec<(String, String)> {
    unimplemented!()
}

pub fn presign_s3(_input: &SigningInput<'_>, _creds: &Credentials, _scope: &Scope<'_>, _time: OffsetDateTime, _expires: u64) -> Result<Vec<(String, String)>, String> {
    unimplemented!()
}
