//! The `<Error>` document every S3 action answers a failure with:
//!
//! ```xml
//! <Error><Code>NoSuchKey</Code><Message>...</Message><Key>...</Key><RequestId>...</RequestId><HostId>...</HostId></Error>
//! ```
//!
//! Only `<Code>` is always there (s3s-fs sends nothing else). Which other fields appear depends
//! on the code: `<Region>` with `AuthorizationHeaderMalformed` (and always from Garage),
//! `<Bucket>`/`<Endpoint>` with `PermanentRedirect`, `<BucketName>` with `NoSuchBucket`,
//! `<Key>` with `NoSuchKey`, `<Resource>` from Garage and the AWS examples.

use super::error::XmlError;
use super::reader::{root_name, walk, Fields, Node};

/// The fields of an S3 `<Error>` document. Empty elements are `Some("")`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorBody {
    /// `<Code>`, such as `NoSuchKey` or `SlowDown`; never empty.
    pub code: String,
    pub message: Option<String>,
    pub request_id: Option<String>,
    pub host_id: Option<String>,
    /// The bucket's region (`AuthorizationHeaderMalformed`, Garage): where to sign instead.
    pub region: Option<String>,
    /// `<Bucket>`, or else `<BucketName>` (which AWS uses in `NoSuchBucket`).
    pub bucket: Option<String>,
    pub key: Option<String>,
    pub resource: Option<String>,
    /// The endpoint to use instead (`PermanentRedirect`, `TemporaryRedirect`).
    pub endpoint: Option<String>,
}

/// Read an `<Error>` document.
///
/// # Errors
/// When the body is not XML, its root is not `<Error>`, `<Code>` is missing or empty, or a field
/// appears twice.
pub fn parse_error(body: &[u8]) -> Result<ErrorBody, XmlError> {
    parse_error_as("Error", body)
}

/// [`parse_error`] for an `<Error>` that arrived as the answer of `document`, so that problems
/// name the operation (a CompleteMultipartUpload whose 200 body is an error).
pub(super) fn parse_error_as(document: &'static str, body: &[u8]) -> Result<ErrorBody, XmlError> {
    const E: &str = "Error";
    let f = Fields(document);
    let (mut code, mut bucket_name) = (None, None);
    let mut e = ErrorBody::default();
    walk(document, body, &[E], |node| {
        let Node::Text([E, field], text) = node else { return Ok(()) };
        let (slot, name) = match *field {
            "Code" => (&mut code, "Code"),
            "Message" => (&mut e.message, "Message"),
            "RequestId" => (&mut e.request_id, "RequestId"),
            "HostId" => (&mut e.host_id, "HostId"),
            "Region" => (&mut e.region, "Region"),
            "Bucket" => (&mut e.bucket, "Bucket"),
            "BucketName" => (&mut bucket_name, "BucketName"),
            "Key" => (&mut e.key, "Key"),
            "Resource" => (&mut e.resource, "Resource"),
            "Endpoint" => (&mut e.endpoint, "Endpoint"),
            _ => return Ok(()),
        };
        f.once(slot, text, name, E)
    })?;
    e.code = f.required_text(code, "Code", E)?;
    if e.bucket.is_none() {
        e.bucket = bucket_name;
    }
    Ok(e)
}

/// Whether the body's root element is `<Error>`, after any whitespace, declaration or comments.
///
/// CompleteMultipartUpload and CopyObject can answer `200 OK` and then an `<Error>` document
/// (AWS keeps the connection alive with whitespace while it works); such an answer is a failure,
/// and a retryable one. Reads only up to the first element, whatever the body's length; a body
/// that is not XML up to there is not an error document.
pub fn is_error_document(body: &[u8]) -> bool {
    root_name(body).is_some_and(|name| name == "Error")
}

#[cfg(test)]
mod tests {
    use super::super::error::XmlErrorKind;
    use super::super::fixtures::{http, mock_json, Http};
    use super::*;

    fn body(code: &str) -> ErrorBody {
        ErrorBody { code: code.to_owned(), ..ErrorBody::default() }
    }

    fn some(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    /// Every error answer recorded from Garage 2.5.0 and s3s-fs 0.14.1.
    #[test]
    fn captured_error_responses() {
        let garage =
            |code: &str, message: &str, resource: &str| ErrorBody { message: some(message), resource: some(resource), region: some("garage"), ..body(code) };
        let cases: &[(&[u8], u16, ErrorBody)] = &[
            (data!("captured/garage/GetObject-NoSuchKey.http"), 404, garage("NoSuchKey", "Key not found", "/nixcache-test/missing.narinfo")),
            (
                data!("captured/garage/GetObject-NoSuchBucket.http"),
                404,
                garage("NoSuchBucket", "Bucket not found: no-such-bucket-xyz", "/no-such-bucket-xyz/x"),
            ),
            (data!("captured/garage/ListObjectsV2-SignatureDoesNotMatch.http"), 403, garage("AccessDenied", "Forbidden: Invalid signature", "/nixcache-test")),
            (
                data!("captured/garage/ListObjectsV2-InvalidAccessKeyId.http"),
                403,
                garage("AccessDenied", "Forbidden: No such key: AKIAWRONGWRONGWRONG0", "/nixcache-test"),
            ),
            (
                data!("captured/garage/CompleteMultipartUpload-NoSuchUpload.http"),
                404,
                garage("NoSuchUpload", "Upload not found", "/nixcache-test/nar/cap2.nar"),
            ),
            (data!("captured/s3s-fs/GetObject-NoSuchKey.http"), 404, body("NoSuchKey")),
            // s3s-fs answers a missing bucket with NoSuchKey.
            (data!("captured/s3s-fs/GetObject-NoSuchBucket.http"), 404, body("NoSuchKey")),
            (data!("captured/s3s-fs/ListObjectsV2-SignatureDoesNotMatch.http"), 403, body("SignatureDoesNotMatch")),
            (
                data!("captured/s3s-fs/ListObjectsV2-InvalidAccessKeyId.http"),
                403,
                ErrorBody { message: some("Your account is not signed up"), ..body("NotSignedUp") },
            ),
            (data!("captured/s3s-fs/CompleteMultipartUpload-NoSuchUpload.http"), 400, body("InvalidRequest")),
        ];
        for (raw, status, want) in cases {
            let Http { status: got_status, body, .. } = http(raw);
            assert_eq!(got_status, *status, "{want:?}");
            assert_eq!(&parse_error(&body).unwrap(), want);
            assert!(is_error_document(&body));
        }
    }

    /// The aws-c-s3 mock server's error bodies, including the two CompleteMultipartUpload ones
    /// that come with status 200.
    #[test]
    fn aws_c_s3_mock_error_bodies() {
        let request_id = "656c76696e6727732072657175657374";
        let host_id = "Uuag1LuByRx9e6j5Onimru9pO4ZVKnJ2Qz7/C1NPcfTWAtRPfTaOFg==";
        let aws = |code: &str, message: Option<&str>| ErrorBody {
            message: message.map(str::to_owned),
            request_id: some(request_id),
            host_id: some(host_id),
            ..body(code)
        };
        let cases: &[(&str, u16, ErrorBody)] = &[
            (
                data!(str "aws-c-s3-mock/CompleteMultipartUpload/async_internal_error.json"),
                200,
                aws("InternalError", Some("We encountered an internal error. Please try again.")),
            ),
            (data!(str "aws-c-s3-mock/CompleteMultipartUpload/async_access_denied_error.json"), 200, aws("AccessDenied", Some("Access denied."))),
            (
                data!(str "aws-c-s3-mock/CreateMultipartUpload/request_time_too_skewed.json"),
                403,
                ErrorBody { message: some("The difference between the request time and the current time is too large."), ..body("RequestTimeTooSkewed") },
            ),
            (
                data!(str "aws-c-s3-mock/CreateMultipartUpload/request_timeout.json"),
                400,
                ErrorBody {
                    message: some(
                        "Your socket connection to the server was not read from or written to within the timeout period. \
                         Idle connections will be closed.",
                    ),
                    request_id: some("1234"),
                    host_id: some("asdf"),
                    ..body("RequestTimeout")
                },
            ),
            (data!(str "aws-c-s3-mock/UploadPart/throttle.json"), 503, aws("SlowDown", None)),
            (data!(str "aws-c-s3-mock/UploadPart/throttle_before_finish.json"), 503, aws("SlowDown", None)),
            (data!(str "aws-c-s3-mock/UploadPart/upload_part_error.json"), 403, ErrorBody { message: some("Access Denied"), ..body("AccessDenied") }),
            (data!(str "aws-c-s3-mock/GetObject/get_object_error_part.json"), 403, ErrorBody { message: some("Access Denied"), ..body("AccessDenied") }),
        ];
        for (json, status, want) in cases {
            let (got_status, body) = mock_json(json);
            assert_eq!(got_status, *status, "{want:?}");
            assert_eq!(&parse_error(&body).unwrap(), want);
            assert!(is_error_document(&body));
        }

        let (status, body) = mock_json(data!(str "aws-c-s3-mock/GetObject/get_object_long_error.json"));
        assert_eq!(status, 403);
        let e = parse_error(&body).unwrap();
        assert_eq!(e.code, "NoSuchKey");
        assert_eq!(e.resource.as_deref(), Some("/mybucket/myfoto.jpg"));
        assert_eq!(e.request_id.as_deref(), Some("4442587FB7D0A2F9"));
        assert!(e.message.unwrap().starts_with("really long error really long error"));
    }

    /// Bodies from the AWS documentation's examples (hand-written, not fixtures).
    #[test]
    fn redirect_and_region_fields() {
        let redirect = br#"<?xml version="1.0" encoding="UTF-8"?>
<Error>
  <Code>PermanentRedirect</Code>
  <Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message>
  <Endpoint>examplebucket.s3.eu-west-1.amazonaws.com</Endpoint>
  <Bucket>examplebucket</Bucket>
  <RequestId>FWRS7RBJZ4YQDJ2W</RequestId>
  <HostId>x</HostId>
</Error>"#;
        let e = parse_error(redirect).unwrap();
        assert_eq!(e.endpoint.as_deref(), Some("examplebucket.s3.eu-west-1.amazonaws.com"));
        assert_eq!(e.bucket.as_deref(), Some("examplebucket"));

        let malformed = b"<Error><Code>AuthorizationHeaderMalformed</Code>\
            <Message>The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-central-1'</Message>\
            <Region>eu-central-1</Region><RequestId>1</RequestId><HostId>2</HostId></Error>";
        assert_eq!(parse_error(malformed).unwrap().region.as_deref(), Some("eu-central-1"));

        let no_bucket = b"<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>\
            <BucketName>nope</BucketName></Error>";
        assert_eq!(parse_error(no_bucket).unwrap().bucket.as_deref(), Some("nope"));
    }

    #[test]
    fn namespaces_padding_and_escapes() {
        let prefixed = b"<s3:Error xmlns:s3=\"http://s3.amazonaws.com/doc/2006-03-01/\"><s3:Code>SlowDown</s3:Code>\
            <s3:Message>a &lt;b&gt; &amp; &quot;c&quot;</s3:Message></s3:Error>";
        let e = parse_error(prefixed).unwrap();
        assert_eq!((e.code.as_str(), e.message.as_deref()), ("SlowDown", Some("a <b> & \"c\"")));
        assert!(is_error_document(prefixed));

        let padded = b"\n   \n    <?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InternalError</Code></Error>\n";
        assert!(is_error_document(padded));
        assert_eq!(parse_error(padded).unwrap(), body("InternalError"));
        let padded_after_decl = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n          \n          \n<Error><Code>InternalError</Code></Error>";
        assert!(is_error_document(padded_after_decl));
    }

    #[test]
    fn not_error_documents() {
        for raw in [
            data!("captured/garage/ListObjectsV2-maxkeys2.http"),
            data!("captured/garage/CompleteMultipartUpload.http"),
            data!("captured/garage/ListBuckets.http"),
            data!("captured/garage/UploadPart.http"),
            data!("captured/s3s-fs/CompleteMultipartUpload.http"),
            data!("captured/s3s-fs/UploadPart.http"),
        ] {
            assert!(!is_error_document(&http(raw).body));
        }
        for body in [&b""[..], b"   ", b"Error", b"<!-- <Error> -->", b"x<Error/>", b"<Errors/>", b"\xff<Error/>"] {
            assert!(!is_error_document(body), "{:?}", String::from_utf8_lossy(body));
        }
        // Only the start matters: a cut-short or huge error body is still an error document.
        assert!(is_error_document(b"<Error><Code>Internal"));
    }

    #[test]
    fn refusals() {
        let kind = |b: &[u8]| parse_error(b).unwrap_err().kind().clone();
        assert_eq!(kind(b"<Error><Message>m</Message></Error>"), XmlErrorKind::Missing { element: "Code", parent: "Error" });
        assert_eq!(kind(b"<Error><Code/></Error>"), XmlErrorKind::Empty { element: "Code" });
        assert_eq!(kind(b"<Error><Code>a</Code><Code>b</Code></Error>"), XmlErrorKind::Duplicate { element: "Code", parent: "Error" });
        assert_eq!(
            kind(b"<ErrorResponse><Error><Code>a</Code></Error></ErrorResponse>"),
            XmlErrorKind::WrongRoot { expected: "Error", found: "ErrorResponse".into() }
        );
        // Fields nested deeper are not the error's.
        assert_eq!(kind(b"<Error><Details><Code>a</Code></Details></Error>"), XmlErrorKind::Missing { element: "Code", parent: "Error" });
        assert_eq!(parse_error(b"<Error><Message>m</Message></Error>").unwrap_err().to_string(), "Error: missing <Code> in <Error>");
    }
}
