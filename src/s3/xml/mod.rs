//! S3 XML bodies: reading responses, writing requests.
//!
//! One file per S3 action, each with its types, its parser and (for requests with a body) its
//! writer; all of them pure functions of bytes.
//!
//! | action | response | request body |
//! |---|---|---|
//! | ListObjectsV2 | [`parse_list_objects_v2`] → [`ListPage`] | |
//! | CreateMultipartUpload | [`parse_initiate_multipart_upload`] → upload id | |
//! | CompleteMultipartUpload | [`parse_complete_multipart_upload`] → [`CompleteOutcome`] | [`write_complete_multipart_upload`] |
//! | DeleteObjects | [`parse_delete_result`] → [`DeleteResult`] | [`write_delete_objects`] |
//! | ListMultipartUploads | [`parse_list_multipart_uploads`] → [`ListMultipartUploads`] | |
//! | any failure | [`parse_error`] → [`ErrorBody`], [`is_error_document`] | |
//!
//! # How responses are read
//!
//! - **Names, not namespaces.** Elements are matched by local name: `<ListBucketResult>`,
//!   `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` and
//!   `<s3:ListBucketResult xmlns:s3="...">` are the same. Servers differ here (the AWS mock and
//!   Garage's `<Error>` have no namespace; Garage and s3s-fs results have the default one).
//! - **Around the root**: a UTF-8 byte order mark, whitespace (AWS pads slow
//!   CompleteMultipartUpload answers with it, even before `<?xml ...?>`), the declaration,
//!   comments and processing instructions are skipped. Anything else outside the root element,
//!   a second root, or a body that ends inside an element is an error.
//! - **Text** is unescaped: the five XML entities, character references (also those XML 1.0
//!   forbids, like `&#x1;`, which a key with control characters can come back as; only `&#0;` is
//!   refused) and CDATA. Other entities are errors: a DOCTYPE is skipped, never expanded.
//!   Line ends are normalised as XML 1.0 says (`\r\n` → `\n`).
//! - **Strict about what we use, blind to the rest.** Unknown elements, anywhere, are ignored
//!   (servers add `<Owner>`, `<ChecksumAlgorithm>`, `<KeyCount>`, ...). A field we read must
//!   appear at most once where it belongs; a required one must be there; numbers are plain
//!   decimal digits and booleans `true`/`false` (surrounding whitespace allowed for both);
//!   other text (keys, tokens, ETags) is kept exactly, whitespace included.
//! - **Bounded.** The body is refused before parsing when longer than [`MAX_XML_BODY`], and
//!   elements may nest [`MAX_XML_DEPTH`] deep. Nothing else grows except the values returned,
//!   which are proportional to the body. No input makes these functions panic.
//! - **Body must be UTF-8**, which is what every S3 implementation sends.
//!
//! # How requests are written
//!
//! Without an XML declaration, in the S3 namespace, text escaped (`&` `<` `>` `"` `'`, and
//! `\r` `\n` as `&#13;` `&#10;` so that they survive the server's line-end normalisation).
//! XML 1.0 cannot carry the other C0 control characters, U+FFFE or U+FFFF in any form (a
//! `&#x1;` reference is XML 1.1), so a key or ETag containing one is an
//! [`XmlErrorKind::Unwritable`] error naming it, rather than a body a strict server refuses
//! and a lenient one may read differently. The writers also enforce S3's other rules for the
//! request (part numbers and order, key count) so that a mistake fails here, with a message,
//! not as `MalformedXML` from the server.

/// A fixture under `tests/data/s3-xml/`, compiled in: `data!("captured/garage/x.http")` gives
/// bytes, `data!(str "...")` text.
#[cfg(test)]
macro_rules! data {
    (str $path:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/s3-xml/", $path))
    };
    ($path:literal) => {{
        let bytes: &'static [u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/s3-xml/", $path));
        bytes
    }};
}

mod delete_objects;
mod error;
mod error_body;
mod list_multipart_uploads;
mod list_objects;
mod multipart;
mod reader;
mod writer;

#[cfg(test)]
mod fixtures;

pub use delete_objects::{parse_delete_result, write_delete_objects, DeleteError, DeleteResult, MAX_DELETE_KEYS};
pub use error::{XmlError, XmlErrorKind};
pub use error_body::{is_error_document, parse_error, ErrorBody};
pub use list_multipart_uploads::{parse_list_multipart_uploads, ListMultipartUploads};
pub use list_objects::{parse_list_objects_v2, ListPage, Object};
pub use multipart::{parse_complete_multipart_upload, parse_initiate_multipart_upload, write_complete_multipart_upload, CompleteOutcome, MAX_PART_NUMBER};

use error_body::parse_error_as;

/// Largest response body any parser here accepts: 16 MiB. A full ListObjectsV2 page (1000 keys
/// of up to 1024 bytes) or DeleteObjects answer is a few MiB at most.
pub const MAX_XML_BODY: usize = 16 << 20;

/// Deepest element nesting accepted. S3 documents are about four levels deep.
pub const MAX_XML_DEPTH: usize = 32;

/// The S3 namespace, written on the root of request bodies.
pub const S3_NAMESPACE: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

#[cfg(test)]
mod tests {
    use super::fixtures::{http, mock_json};
    use super::*;

    /// Every response body among the fixtures.
    fn bodies() -> Vec<Vec<u8>> {
        let captured: &[&[u8]] = &[
            data!("captured/garage/CompleteMultipartUpload-NoSuchUpload.http"),
            data!("captured/garage/CompleteMultipartUpload.http"),
            data!("captured/garage/CreateMultipartUpload.http"),
            data!("captured/garage/GetObject-NoSuchBucket.http"),
            data!("captured/garage/GetObject-NoSuchKey.http"),
            data!("captured/garage/ListBuckets.http"),
            data!("captured/garage/ListObjectsV2-InvalidAccessKeyId.http"),
            data!("captured/garage/ListObjectsV2-SignatureDoesNotMatch.http"),
            data!("captured/garage/ListObjectsV2-delimiter.http"),
            data!("captured/garage/ListObjectsV2-maxkeys2.http"),
            data!("captured/garage/UploadPart.http"),
            data!("captured/s3s-fs/CompleteMultipartUpload-NoSuchUpload.http"),
            data!("captured/s3s-fs/CompleteMultipartUpload.http"),
            data!("captured/s3s-fs/CreateMultipartUpload.http"),
            data!("captured/s3s-fs/GetObject-NoSuchBucket.http"),
            data!("captured/s3s-fs/GetObject-NoSuchKey.http"),
            data!("captured/s3s-fs/ListBuckets.http"),
            data!("captured/s3s-fs/ListObjectsV2-InvalidAccessKeyId.http"),
            data!("captured/s3s-fs/ListObjectsV2-SignatureDoesNotMatch.http"),
            data!("captured/s3s-fs/ListObjectsV2-delimiter.http"),
            data!("captured/s3s-fs/ListObjectsV2-maxkeys2.http"),
            data!("captured/s3s-fs/UploadPart.http"),
        ];
        let mock: &[&str] = &[
            data!(str "aws-c-s3-mock/CompleteMultipartUpload/default.json"),
            data!(str "aws-c-s3-mock/CompleteMultipartUpload/async_internal_error.json"),
            data!(str "aws-c-s3-mock/CreateMultipartUpload/default.json"),
            data!(str "aws-c-s3-mock/CreateMultipartUpload/request_time_too_skewed.json"),
        ];
        let botocore: &[&[u8]] = &[
            data!("botocore/s3-only/s3-list-objects.xml"),
            data!("botocore/s3-only/s3-list-multipart-uploads.xml"),
            data!("botocore/s3-only/s3-list-multipart-uploads#2.xml"),
            data!("botocore/s3-only/s3-list-object-versions.xml"),
        ];
        let mut out: Vec<Vec<u8>> = captured.iter().map(|raw| http(raw).body).collect();
        out.extend(mock.iter().map(|json| mock_json(json).1));
        out.extend(botocore.iter().map(|b| b.to_vec()));
        out.push(b"<DeleteResult><Deleted><Key>a</Key></Deleted><Error><Key>b</Key><Code>c</Code></Error></DeleteResult>".to_vec());
        out
    }

    /// Every parser on one input; only panics matter.
    fn all_parsers(body: &[u8]) {
        let _ = parse_list_objects_v2(body);
        let _ = parse_list_multipart_uploads(body);
        let _ = parse_error(body);
        let _ = is_error_document(body);
        let _ = parse_initiate_multipart_upload(body);
        let _ = parse_complete_multipart_upload(body);
        let _ = parse_delete_result(body);
    }

    /// A poor man's fuzzer, run with the tests: every fixture cut at every length, and with
    /// each byte replaced in turn by a markup character or an invalid UTF-8 byte.
    #[test]
    fn mangled_fixtures_never_panic() {
        for body in bodies() {
            for len in 0..=body.len() {
                all_parsers(&body[..len]);
            }
            let mut mutated = body.clone();
            for i in 0..body.len() {
                mutated[i] = [b'<', b'&', b'/', 0xff][i % 4];
                all_parsers(&mutated);
                mutated[i] = body[i];
            }
        }
    }

    /// Random documents from S3-shaped pieces (xorshift, fixed seed).
    #[test]
    fn random_documents_never_panic() {
        const PIECES: &[&str] = &[
            "<ListBucketResult>",
            "</ListBucketResult>",
            "<Contents>",
            "</Contents>",
            "<Key>",
            "</Key>",
            "<Size>",
            "</Size>",
            "<IsTruncated>",
            "</IsTruncated>",
            "true",
            "1",
            "<CommonPrefixes>",
            "</CommonPrefixes>",
            "<Prefix>",
            "</Prefix>",
            "<EncodingType>url</EncodingType>",
            "<NextContinuationToken>t</NextContinuationToken>",
            "<Error>",
            "</Error>",
            "<Code>",
            "</Code>",
            "<Upload>",
            "</Upload>",
            "<UploadId>",
            "</UploadId>",
            "<DeleteResult>",
            "</DeleteResult>",
            "<Deleted>",
            "</Deleted>",
            "<CompleteMultipartUploadResult>",
            "</CompleteMultipartUploadResult>",
            "<InitiateMultipartUploadResult>",
            "<a:Key>",
            "</a:Key>",
            "<x/>",
            "<Key/>",
            "&amp;",
            "&#x0;",
            "&#xD800;",
            "&#1114112;",
            "&bogus;",
            "&",
            "<![CDATA[",
            "]]>",
            "<?xml version=\"1.0\"?>",
            "<!--",
            "-->",
            "<!DOCTYPE x>",
            "<",
            ">",
            "/",
            "\"",
            "=",
            " ",
            "\n",
            "a",
            "%",
            "%2",
            "%FF",
            "+",
            "\u{feff}",
            "\u{0}",
            "ሴ",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let n = (next() % 40) as usize;
            let mut doc: Vec<u8> = Vec::new();
            for _ in 0..n {
                doc.extend_from_slice(PIECES[(next() % PIECES.len() as u64) as usize].as_bytes());
                if next() % 50 == 0 {
                    doc.push(0x80 | (next() % 64) as u8);
                }
            }
            all_parsers(&doc);
        }
    }
}
