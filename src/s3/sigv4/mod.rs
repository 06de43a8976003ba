//! AWS Signature Version 4, as S3 checks it (SPEC §4).
//!
//! Pure: no I/O, and the time is an argument. The steps, one file each:
//!
//! 1. [`canonical_request`]: method, path, query, headers and payload hash in a canonical form.
//!    S3's rules: the path is signed exactly as sent, encoded once and never normalized; query
//!    keys and values are encoded and sorted; header names lowercased, values trimmed with inner
//!    whitespace collapsed, sorted; hop-by-hop and proxy-rewritten headers are never signed.
//! 2. [`string_to_sign`](mod@string_to_sign): algorithm, request time, credential scope
//!    (`date/region/service/aws4_request`) and the SHA-256 of the canonical request.
//! 3. [`signature`]: a signing key derived from the secret by an HMAC chain over the scope,
//!    then the HMAC of the string to sign under it.
//! 4. Where the signature goes: headers ([`sign_s3`], adding `x-amz-date`,
//!    `x-amz-content-sha256`, `x-amz-security-token` and `Authorization`) or the query string
//!    of a presigned URL ([`presign_s3`], see [`presign`](mod@presign)).
//!
//! [`sign_s3`] and [`presign_s3`] are what the client uses. [`sign_headers`] and
//! [`presign::presign`] take [`Settings`] for the two points where other services differ from
//! S3; the published aws-c-auth vectors need them (service `service`, no
//! `x-amz-content-sha256`, and one case with the session token left out of the signature).
//! Path normalization, which those vectors also exercise, is not offered at all: S3 never
//! normalizes.

pub mod canonical_request;
pub mod presign;
pub mod signature;
pub mod string_to_sign;

#[cfg(test)]
mod vectors;

use time::OffsetDateTime;

use crate::s3::credentials::Credentials;
use canonical_request::{canonical_query, canonical_uri, is_never_signed, CanonicalHeaders};
pub use presign::{presign, PresignError};
pub use signature::{content_md5, hmac_sha256, sha256_hex, PayloadHasher};
use string_to_sign::{credential_scope, string_to_sign, Timestamp, ALGORITHM};

/// The request to sign.
pub struct SigningInput<'a> {
    /// `GET`, `PUT`, ...
    pub method: &'a str,
    /// The value of the `Host` header (with `:port` when not the default one).
    pub host: &'a str,
    /// The path exactly as sent on the wire, already percent-encoded once
    /// ([`crate::util::percent::encode_path`]); signed as is (S3: never normalized, never
    /// encoded twice).
    pub path: &'a str,
    /// Decoded query pairs; a bare key like `uploads` is `("uploads", "")`.
    pub query: &'a [(String, String)],
    /// Further headers to sign (`content-type`, `content-md5`, `range`, `x-amz-*`, ...), names
    /// in any case. Hop-by-hop and proxy-rewritten ones are skipped
    /// ([`canonical_request::is_never_signed`]), and so are the ones the signer sets itself
    /// (`host`, and for header signing `x-amz-date`, `x-amz-content-sha256`,
    /// `x-amz-security-token`).
    pub headers: &'a [(String, String)],
    /// Hex SHA-256 of the body ([`sha256_hex`]) or [`UNSIGNED_PAYLOAD`].
    pub payload_hash: &'a str,
}

/// The credential scope's region and service (`s3` for S3).
pub struct Scope<'a> {
    /// e.g. `us-east-1`.
    pub region: &'a str,
    /// e.g. `s3`.
    pub service: &'a str,
}

/// The payload hash of a body that is not hashed (streamed uploads over TLS, presigned URLs).
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// The longest a presigned URL may stay valid: 7 days, in seconds.
pub const MAX_PRESIGN_EXPIRES: u64 = 604_800;

/// S3 header signing: the headers to add to the request, in this order: `x-amz-date`,
/// `x-amz-content-sha256` (= `payload_hash`), `x-amz-security-token` when the credentials have
/// one, and `authorization`. All of them but `authorization` are signed.
pub fn sign_s3(input: &SigningInput<'_>, creds: &Credentials, scope: &Scope<'_>, time: OffsetDateTime) -> Vec<(String, String)> {
    sign_headers(input, creds, scope, time, Settings::S3).add
}

/// S3 presigning: the query pairs to append to the URL, in this order: `X-Amz-Algorithm`,
/// `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders`,
/// `X-Amz-Security-Token` (when the credentials have one; it is signed, inside the canonical
/// query), then `X-Amz-Signature`. Values are decoded: the caller encodes them with
/// [`crate::util::percent::encode`].
///
/// The payload is always [`UNSIGNED_PAYLOAD`], whatever `input.payload_hash` says: the body of
/// a presigned request is not known when the URL is made.
///
/// # Errors
///
/// [`PresignError`] when `expires` is 0 or more than [`MAX_PRESIGN_EXPIRES`].
pub fn presign_s3(
    input: &SigningInput<'_>,
    creds: &Credentials,
    scope: &Scope<'_>,
    time: OffsetDateTime,
    expires: u64,
) -> Result<Vec<(String, String)>, PresignError> {
    let input = SigningInput { payload_hash: UNSIGNED_PAYLOAD, ..*input };
    Ok(presign(&input, creds, scope, time, expires, Settings::S3)?.add)
}

/// Where a service's rules differ from S3's. S3 needs [`Settings::S3`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Header signing adds `x-amz-content-sha256: <payload hash>` and signs it. S3 requires it;
    /// most other services do not know the header. Presigning never adds it.
    pub content_sha256_header: bool,
    /// The session token is signed: as the `x-amz-security-token` header, or inside the
    /// canonical query of a presigned URL. `false` is an old rule some services still follow:
    /// the token is added after signing, outside the signature. S3 requires `true`.
    pub sign_session_token: bool,
}

impl Settings {
    /// What S3 requires.
    pub const S3: Settings = Settings { content_sha256_header: true, sign_session_token: true };
}

/// A signed request: the intermediate forms (for tests and debugging) and what to add to the
/// request. Holds the session token when there is one, so it has no `Debug`.
pub struct Signed {
    /// Step 1.
    pub canonical_request: String,
    /// Step 2.
    pub string_to_sign: String,
    /// Step 3: lowercase hex.
    pub signature: String,
    /// Header signing: the headers to add. Presigning: the query pairs to append (decoded).
    pub add: Vec<(String, String)>,
}

/// The session token, if the credentials have a non-empty one.
fn session_token(creds: &Credentials) -> Option<&str> {
    creds.session_token.as_ref().map(|t| t.expose()).filter(|t| !t.is_empty())
}

/// `input.headers` without the never-signed ones and without those named in `set_by_signer`
/// (lowercase).
fn caller_headers<'a>(input: &SigningInput<'a>, set_by_signer: &'a [&'a str]) -> impl Iterator<Item = (&'a str, &'a str)> {
    input
        .headers
        .iter()
        .filter(move |(name, _)| {
            let name = name.to_ascii_lowercase();
            !is_never_signed(&name) && !set_by_signer.contains(&name.as_str())
        })
        .map(|(n, v)| (n.as_str(), v.as_str()))
}

/// Steps 2 and 3 for a finished canonical request.
fn sign_canonical(canonical_request: &str, creds: &Credentials, ts: &Timestamp, scope: &Scope<'_>, cred_scope: &str) -> (String, String) {
    let sts = string_to_sign(&ts.amz_date, cred_scope, canonical_request);
    let key = signature::signing_key(creds.secret_access_key.expose(), &ts.date, scope.region, scope.service);
    let sig = signature::signature(&key, &sts);
    (sts, sig)
}

/// Header signing under the given [`Settings`]: `add` holds `x-amz-date`,
/// `x-amz-content-sha256` (if [`Settings::content_sha256_header`]), `x-amz-security-token` (if
/// the credentials have a token, signed or not per [`Settings::sign_session_token`]) and
/// `authorization`.
pub fn sign_headers(input: &SigningInput<'_>, creds: &Credentials, scope: &Scope<'_>, time: OffsetDateTime, settings: Settings) -> Signed {
    const SET_BY_SIGNER: &[&str] = &["host", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token"];
    let ts = Timestamp::new(time);
    let cred_scope = credential_scope(&ts.date, scope.region, scope.service);
    let token = session_token(creds);

    let mut add = vec![("x-amz-date".to_string(), ts.amz_date.clone())];
    if settings.content_sha256_header {
        add.push(("x-amz-content-sha256".to_string(), input.payload_hash.to_string()));
    }
    if let Some(token) = token {
        add.push(("x-amz-security-token".to_string(), token.to_string()));
    }
    let signed_additions = add.iter().filter(|(n, _)| settings.sign_session_token || n != "x-amz-security-token");
    let headers = CanonicalHeaders::new(
        std::iter::once(("host", input.host)).chain(caller_headers(input, SET_BY_SIGNER)).chain(signed_additions.map(|(n, v)| (n.as_str(), v.as_str()))),
    );
    let query = canonical_query(input.query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let canonical_request = canonical_request::canonical_request(input.method, canonical_uri(input.path), &query, &headers, input.payload_hash);
    let (string_to_sign, signature) = sign_canonical(&canonical_request, creds, &ts, scope, &cred_scope);
    add.push((
        "authorization".to_string(),
        format!("{ALGORITHM} Credential={}/{cred_scope}, SignedHeaders={}, Signature={signature}", creds.access_key_id, headers.signed_headers),
    ));
    Signed { canonical_request, string_to_sign, signature, add }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn example_credentials(token: Option<&str>) -> Credentials {
        Credentials::new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", token.map(String::from), "test")
    }

    const EXAMPLE_SCOPE: Scope<'static> = Scope { region: "us-east-1", service: "s3" };
    const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn find<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
        pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    #[test]
    fn s3_documentation_example_get_object() {
        // "Signature Calculations for the Authorization Header: Transferring Payload in a Single
        // Chunk", example "GET Object" (S3 API reference).
        let headers = [("Range".to_string(), "bytes=0-9".to_string())];
        let input = SigningInput {
            method: "GET",
            host: "examplebucket.s3.amazonaws.com",
            path: "/test.txt",
            query: &[],
            headers: &headers,
            payload_hash: EMPTY_SHA256,
        };
        let time = datetime!(2013-05-24 00:00:00 UTC);
        let signed = sign_headers(&input, &example_credentials(None), &EXAMPLE_SCOPE, time, Settings::S3);
        assert_eq!(
            signed.canonical_request,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n\
             x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
             x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let add = sign_s3(&input, &example_credentials(None), &EXAMPLE_SCOPE, time);
        let names: Vec<&str> = add.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["x-amz-date", "x-amz-content-sha256", "authorization"]);
        assert_eq!(find(&add, "x-amz-date"), Some("20130524T000000Z"));
        assert_eq!(find(&add, "x-amz-content-sha256"), Some(EMPTY_SHA256));
        assert_eq!(
            find(&add, "authorization"),
            Some(
                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
                 SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
                 Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
            )
        );
    }

    #[test]
    fn s3_documentation_example_put_object() {
        // Same page, example "PUT Object": a '$' in the key, a body, and a `Date` header.
        let body = b"Welcome to Amazon S3.";
        let payload_hash = sha256_hex(body);
        assert_eq!(payload_hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
        let headers =
            [("Date".to_string(), "Fri, 24 May 2013 00:00:00 GMT".to_string()), ("x-amz-storage-class".to_string(), "REDUCED_REDUNDANCY".to_string())];
        let path = crate::util::percent::encode_path("/test$file.text");
        let input =
            SigningInput { method: "PUT", host: "examplebucket.s3.amazonaws.com", path: &path, query: &[], headers: &headers, payload_hash: &payload_hash };
        let signed = sign_headers(&input, &example_credentials(None), &EXAMPLE_SCOPE, datetime!(2013-05-24 00:00:00 UTC), Settings::S3);
        assert!(signed.canonical_request.starts_with("PUT\n/test%24file.text\n\ndate:Fri, 24 May 2013 00:00:00 GMT\n"));
        assert_eq!(signed.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
    }

    #[test]
    fn s3_documentation_example_get_bucket_lifecycle_and_list_objects() {
        // Same page: a bare query key (`?lifecycle` is `lifecycle=`), then sorted query pairs.
        let time = datetime!(2013-05-24 00:00:00 UTC);
        let sign = |query: &[(String, String)]| {
            let input = SigningInput { method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/", query, headers: &[], payload_hash: EMPTY_SHA256 };
            sign_headers(&input, &example_credentials(None), &EXAMPLE_SCOPE, time, Settings::S3)
        };
        let lifecycle = sign(&[("lifecycle".to_string(), String::new())]);
        assert!(lifecycle.canonical_request.starts_with("GET\n/\nlifecycle=\nhost:"));
        assert_eq!(lifecycle.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
        let list = sign(&[("prefix".to_string(), "J".to_string()), ("max-keys".to_string(), "2".to_string())]);
        assert!(list.canonical_request.starts_with("GET\n/\nmax-keys=2&prefix=J\nhost:"));
        assert_eq!(list.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
    }

    #[test]
    fn session_token_is_added_and_signed() {
        let input = SigningInput { method: "GET", host: "b.s3.amazonaws.com", path: "/k", query: &[], headers: &[], payload_hash: UNSIGNED_PAYLOAD };
        let time = datetime!(2013-05-24 00:00:00 UTC);
        let signed = sign_headers(&input, &example_credentials(Some("TOKEN/+=")), &EXAMPLE_SCOPE, time, Settings::S3);
        assert!(signed.canonical_request.contains("\nx-amz-security-token:TOKEN/+=\n"));
        let names: Vec<&str> = signed.add.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["x-amz-date", "x-amz-content-sha256", "x-amz-security-token", "authorization"]);
        assert!(find(&signed.add, "authorization").unwrap().contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"));
    }

    #[test]
    fn hop_by_hop_and_signer_owned_headers_passed_in_are_not_signed() {
        let headers: Vec<(String, String)> = [
            ("Accept-Encoding", "gzip"),
            ("User-Agent", "nixbucket"),
            ("Connection", "close"),
            ("Proxy-Authorization", "x"),
            ("Transfer-Encoding", "chunked"),
            ("Expect", "100-continue"),
            ("Authorization", "stale"),
            ("Host", "wrong.example"),
            ("X-Amz-Date", "19700101T000000Z"),
            ("Content-Type", "application/x-nix-nar"),
        ]
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
        let input = SigningInput { method: "PUT", host: "b.s3.amazonaws.com", path: "/k", query: &[], headers: &headers, payload_hash: UNSIGNED_PAYLOAD };
        let signed = sign_headers(&input, &example_credentials(None), &EXAMPLE_SCOPE, datetime!(2013-05-24 00:00:00 UTC), Settings::S3);
        assert_eq!(
            signed.canonical_request,
            "PUT\n/k\n\ncontent-type:application/x-nix-nar\nhost:b.s3.amazonaws.com\n\
             x-amz-content-sha256:UNSIGNED-PAYLOAD\nx-amz-date:20130524T000000Z\n\n\
             content-type;host;x-amz-content-sha256;x-amz-date\nUNSIGNED-PAYLOAD"
        );
    }

    #[test]
    fn s3_paths_are_never_normalized_nor_encoded_twice() {
        for path in ["/a/./b/../c", "//x//", "/nar/1abc%2Bdef.nar.xz", "/a%20b"] {
            let input = SigningInput { method: "GET", host: "h", path, query: &[], headers: &[], payload_hash: UNSIGNED_PAYLOAD };
            let signed = sign_headers(&input, &example_credentials(None), &EXAMPLE_SCOPE, datetime!(2013-05-24 00:00:00 UTC), Settings::S3);
            assert_eq!(signed.canonical_request.lines().nth(1), Some(path));
        }
    }
}
