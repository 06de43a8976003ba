//! Presigned URLs: the signature in the query string instead of headers.
//!
//! The authentication parameters are themselves part of the canonical query:
//!
//! ```text
//! X-Amz-Algorithm=AWS4-HMAC-SHA256
//! X-Amz-Credential=<access key id>/<credential scope>
//! X-Amz-Date=<YYYYMMDD'T'HHMMSS'Z'>
//! X-Amz-Expires=<seconds, 1..=604800>
//! X-Amz-SignedHeaders=<signed header names>
//! X-Amz-Security-Token=<session token>        only with temporary credentials
//! ```
//!
//! Only `host` and the headers the caller passes are signed (no `x-amz-date` or
//! `x-amz-content-sha256` header); the payload hash of an S3 presigned URL is
//! `UNSIGNED-PAYLOAD`. `X-Amz-Signature` is appended last, outside the signature.

use std::fmt;

use time::OffsetDateTime;

use super::canonical_request::{canonical_query, canonical_request, canonical_uri, CanonicalHeaders};
use super::string_to_sign::{credential_scope, Timestamp, ALGORITHM};
use super::{caller_headers, session_token, sign_canonical, Scope, Settings, Signed, SigningInput, MAX_PRESIGN_EXPIRES};
use crate::s3::credentials::Credentials;

/// A presigned URL was asked for with an expiry SigV4 does not allow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PresignError {
    /// `X-Amz-Expires` was 0: the URL would never be valid.
    ExpiresZero,
    /// `X-Amz-Expires` was more than [`MAX_PRESIGN_EXPIRES`] (7 days), which S3 refuses.
    ExpiresTooLong {
        /// The expiry asked for, in seconds.
        expires: u64,
    },
}

impl fmt::Display for PresignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PresignError::ExpiresZero => f.write_str("presigned URL expiry is 0 seconds; it must be at least 1"),
            PresignError::ExpiresTooLong { expires } => {
                write!(f, "presigned URL expiry of {expires} seconds is too long; SigV4 allows at most {MAX_PRESIGN_EXPIRES} seconds (7 days)")
            }
        }
    }
}

impl std::error::Error for PresignError {}

/// Check an expiry in seconds against SigV4's limits.
///
/// # Errors
///
/// [`PresignError`] when `expires` is 0 or more than [`MAX_PRESIGN_EXPIRES`].
pub fn check_expires(expires: u64) -> Result<(), PresignError> {
    match expires {
        0 => Err(PresignError::ExpiresZero),
        e if e > MAX_PRESIGN_EXPIRES => Err(PresignError::ExpiresTooLong { expires: e }),
        _ => Ok(()),
    }
}

/// Presign under the given [`Settings`], with `input.payload_hash` as the payload hash.
/// [`Signed::add`] holds the query pairs to append, decoded, in the order of the module docs,
/// then `X-Amz-Security-Token` when the token is not signed
/// ([`Settings::sign_session_token`] false), then `X-Amz-Signature`.
///
/// # Errors
///
/// [`PresignError`] when `expires` is 0 or more than [`MAX_PRESIGN_EXPIRES`].
pub fn presign(
    input: &SigningInput<'_>,
    creds: &Credentials,
    scope: &Scope<'_>,
    time: OffsetDateTime,
    expires: u64,
    settings: Settings,
) -> Result<Signed, PresignError> {
    check_expires(expires)?;
    let ts = Timestamp::new(time);
    let cred_scope = credential_scope(&ts.date, scope.region, scope.service);
    let token = session_token(creds);

    let headers = CanonicalHeaders::new(std::iter::once(("host", input.host)).chain(caller_headers(input, &["host"])));
    let mut add = vec![
        ("X-Amz-Algorithm".to_string(), ALGORITHM.to_string()),
        ("X-Amz-Credential".to_string(), format!("{}/{cred_scope}", creds.access_key_id)),
        ("X-Amz-Date".to_string(), ts.amz_date.clone()),
        ("X-Amz-Expires".to_string(), expires.to_string()),
        ("X-Amz-SignedHeaders".to_string(), headers.signed_headers.clone()),
    ];
    if let (Some(token), true) = (token, settings.sign_session_token) {
        add.push(("X-Amz-Security-Token".to_string(), token.to_string()));
    }
    let query = canonical_query(input.query.iter().chain(&add).map(|(k, v)| (k.as_str(), v.as_str())));
    let canonical_request = canonical_request(input.method, canonical_uri(input.path), &query, &headers, input.payload_hash);
    let (string_to_sign, signature) = sign_canonical(&canonical_request, creds, &ts, scope, &cred_scope);
    if let (Some(token), false) = (token, settings.sign_session_token) {
        add.push(("X-Amz-Security-Token".to_string(), token.to_string()));
    }
    add.push(("X-Amz-Signature".to_string(), signature.clone()));
    Ok(Signed { canonical_request, string_to_sign, signature, add })
}

#[cfg(test)]
mod tests {
    use super::super::{presign_s3, UNSIGNED_PAYLOAD};
    use super::*;
    use time::macros::datetime;

    fn example_credentials(token: Option<&str>) -> Credentials {
        Credentials::new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", token.map(String::from), "test")
    }

    fn example_input() -> SigningInput<'static> {
        SigningInput {
            method: "GET",
            host: "examplebucket.s3.amazonaws.com",
            path: "/test.txt",
            query: &[],
            headers: &[],
            // Ignored by presign_s3, which always uses UNSIGNED-PAYLOAD.
            payload_hash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        }
    }

    const SCOPE: Scope<'static> = Scope { region: "us-east-1", service: "s3" };

    #[test]
    fn s3_documentation_example_presigned_url() {
        // "Authenticating Requests: Using Query Parameters", example GET /test.txt for 86400 s.
        let time = datetime!(2013-05-24 00:00:00 UTC);
        let add = presign_s3(&example_input(), &example_credentials(None), &SCOPE, time, 86400).unwrap();
        let expected = [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"),
            ("X-Amz-Date", "20130524T000000Z"),
            ("X-Amz-Expires", "86400"),
            ("X-Amz-SignedHeaders", "host"),
            ("X-Amz-Signature", "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"),
        ];
        let got: Vec<(&str, &str)> = add.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(got, expected);

        let input = SigningInput { payload_hash: UNSIGNED_PAYLOAD, ..example_input() };
        let signed = presign(&input, &example_credentials(None), &SCOPE, time, 86400, Settings::S3).unwrap();
        assert_eq!(
            signed.canonical_request,
            "GET\n/test.txt\nX-Amz-Algorithm=AWS4-HMAC-SHA256&\
             X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&\
             X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\n\
             host:examplebucket.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD"
        );
    }

    #[test]
    fn expiry_is_checked_against_seven_days() {
        let time = datetime!(2013-05-24 00:00:00 UTC);
        let creds = example_credentials(None);
        let err = presign_s3(&example_input(), &creds, &SCOPE, time, 604_801).unwrap_err();
        assert_eq!(err, PresignError::ExpiresTooLong { expires: 604_801 });
        assert_eq!(err.to_string(), "presigned URL expiry of 604801 seconds is too long; SigV4 allows at most 604800 seconds (7 days)");
        let err = presign_s3(&example_input(), &creds, &SCOPE, time, 0).unwrap_err();
        assert_eq!(err, PresignError::ExpiresZero);
        assert!(err.to_string().contains("0 seconds"));

        let add = presign_s3(&example_input(), &creds, &SCOPE, time, 604_800).unwrap();
        assert!(add.contains(&("X-Amz-Expires".to_string(), "604800".to_string())));
        assert!(presign_s3(&example_input(), &creds, &SCOPE, time, 1).is_ok());
    }

    #[test]
    fn session_token_goes_inside_the_canonical_query() {
        let time = datetime!(2013-05-24 00:00:00 UTC);
        let creds = example_credentials(Some("tok/en+=="));
        let input = SigningInput { payload_hash: UNSIGNED_PAYLOAD, ..example_input() };
        let signed = presign(&input, &creds, &SCOPE, time, 60, Settings::S3).unwrap();
        assert!(signed.canonical_request.contains("&X-Amz-Security-Token=tok%2Fen%2B%3D%3D&X-Amz-SignedHeaders=host\n"));
        let names: Vec<&str> = signed.add.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Security-Token", "X-Amz-Signature"]
        );
        // Values are decoded; the caller encodes them.
        assert!(signed.add.contains(&("X-Amz-Security-Token".to_string(), "tok/en+==".to_string())));
        assert_eq!(presign_s3(&example_input(), &creds, &SCOPE, time, 60).unwrap(), signed.add);
    }

    #[test]
    fn caller_query_and_headers_are_signed_too() {
        let time = datetime!(2013-05-24 00:00:00 UTC);
        let query = [("partNumber".to_string(), "1".to_string()), ("uploadId".to_string(), "a b".to_string())];
        let headers = [("Content-Type".to_string(), "text/plain".to_string()), ("User-Agent".to_string(), "x".to_string())];
        let input = SigningInput { method: "PUT", query: &query, headers: &headers, payload_hash: UNSIGNED_PAYLOAD, ..example_input() };
        let signed = presign(&input, &example_credentials(None), &SCOPE, time, 60, Settings::S3).unwrap();
        let lines: Vec<&str> = signed.canonical_request.lines().collect();
        assert!(lines[2].starts_with("X-Amz-Algorithm="));
        assert!(lines[2].ends_with("&X-Amz-SignedHeaders=content-type%3Bhost&partNumber=1&uploadId=a%20b"));
        assert_eq!(&lines[3..], ["content-type:text/plain", "host:examplebucket.s3.amazonaws.com", "", "content-type;host", "UNSIGNED-PAYLOAD"]);
    }
}
