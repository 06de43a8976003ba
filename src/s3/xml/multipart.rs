//! Multipart uploads: CreateMultipartUpload (`POST /key?uploads`) answers
//! `<InitiateMultipartUploadResult><UploadId/>`; CompleteMultipartUpload
//! (`POST /key?uploadId=`) sends the list of parts and answers
//! `<CompleteMultipartUploadResult><Location/><Bucket/><Key/><ETag/>` — or, even with status
//! 200, an `<Error>` document.

use super::error::{XmlError, XmlErrorKind};
use super::error_body::{parse_error_as, ErrorBody};
use super::reader::{walk, Fields, Node};
use super::writer::{check_text, push_element};
use super::S3_NAMESPACE;

/// Highest part number S3 accepts (and so the most parts an upload can have).
pub const MAX_PART_NUMBER: u32 = 10_000;

/// Read a CreateMultipartUpload answer: the upload id.
///
/// # Errors
/// Malformed XML, another root (an `<Error>` gives [`XmlErrorKind::ErrorDocument`]), or an
/// `<UploadId>` that is missing, empty or repeated.
pub fn parse_initiate_multipart_upload(body: &[u8]) -> Result<String, XmlError> {
    const R: &str = "InitiateMultipartUploadResult";
    let f = Fields("CreateMultipartUpload");
    let mut upload_id = None;
    walk(f.0, body, &[R], |node| match node {
        Node::Text([R, "UploadId"], text) => f.once(&mut upload_id, text, "UploadId", R),
        _ => Ok(()),
    })?;
    f.required_text(upload_id, "UploadId", R)
}

/// What a CompleteMultipartUpload answer says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompleteOutcome {
    /// The object exists. `etag` as sent, quotes included (`"…-9"`); s3s-fs sends no location.
    Completed { etag: Option<String>, location: Option<String> },
    /// A 200 whose body is `<Error>` (or the error body of a non-200): the upload failed, and
    /// should be retried or aborted according to `code`.
    Failed(ErrorBody),
}

/// Read a CompleteMultipartUpload answer, whichever of the two documents it is. Leading
/// whitespace (AWS's keep-alive padding) is skipped.
///
/// # Errors
/// Malformed XML, a root that is neither `<CompleteMultipartUploadResult>` nor `<Error>`, a
/// repeated field, or an `<Error>` without `<Code>`.
pub fn parse_complete_multipart_upload(body: &[u8]) -> Result<CompleteOutcome, XmlError> {
    const R: &str = "CompleteMultipartUploadResult";
    let f = Fields("CompleteMultipartUpload");
    let (mut etag, mut location) = (None, None);
    let root = walk(f.0, body, &[R, "Error"], |node| match node {
        Node::Text([R, "ETag"], text) => f.once(&mut etag, text, "ETag", R),
        Node::Text([R, "Location"], text) => f.once(&mut location, text, "Location", R),
        _ => Ok(()),
    })?;
    if root == "Error" {
        return parse_error_as(f.0, body).map(CompleteOutcome::Failed);
    }
    Ok(CompleteOutcome::Completed { etag, location })
}

/// Write the CompleteMultipartUpload request body:
/// `<CompleteMultipartUpload xmlns="…"><Part><PartNumber>1</PartNumber><ETag>"…"</ETag></Part>…`.
/// ETags go in as the UploadPart answers sent them (quotes and all), escaped.
///
/// # Errors
/// What S3 would refuse, reported here rather than as `MalformedXML` or `InvalidPartOrder`:
/// no parts; a part number outside `1..=`[`MAX_PART_NUMBER`] or not greater than the one before
/// (S3 wants them ascending); an ETag with a character XML 1.0 cannot carry.
pub fn write_complete_multipart_upload(parts: &[(u32, String)]) -> Result<String, XmlError> {
    const DOC: &str = "CompleteMultipartUpload";
    let invalid = |what: String| XmlError::new(DOC, XmlErrorKind::InvalidRequest { what });
    if parts.is_empty() {
        return Err(invalid("no parts".to_owned()));
    }
    let mut out = String::with_capacity(80 + parts.iter().map(|(_, e)| e.len() + 60).sum::<usize>());
    out.push_str("<CompleteMultipartUpload xmlns=\"");
    out.push_str(S3_NAMESPACE);
    out.push_str("\">");
    let mut previous = 0;
    for (i, (number, etag)) in parts.iter().enumerate() {
        if !(1..=MAX_PART_NUMBER).contains(number) {
            return Err(invalid(format!("part number {number} is outside 1..={MAX_PART_NUMBER}")));
        }
        if *number <= previous {
            return Err(invalid(format!("part numbers must ascend, but {number} follows {previous}")));
        }
        previous = *number;
        check_text(DOC, "ETag", i + 1, etag)?;
        out.push_str("<Part>");
        push_element(&mut out, "PartNumber", &number.to_string());
        push_element(&mut out, "ETag", etag);
        out.push_str("</Part>");
    }
    out.push_str("</CompleteMultipartUpload>");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{http, mock_json};
    use super::*;

    fn completed(etag: &str, location: Option<&str>) -> CompleteOutcome {
        CompleteOutcome::Completed { etag: Some(etag.to_owned()), location: location.map(str::to_owned) }
    }

    #[test]
    fn create_multipart_upload() {
        let cases: [(&[u8], &str); 2] = [
            (data!("captured/garage/CreateMultipartUpload.http"), "c0be2849e5c6b23279f7fce4b02eb0de1967b42006d2091a4a3056d84ad0f92d"),
            (data!("captured/s3s-fs/CreateMultipartUpload.http"), "af8979e8-d765-4cfa-abfe-809d3411f55a"),
        ];
        for (raw, id) in cases {
            let r = http(raw);
            assert_eq!(r.status, 200);
            assert_eq!(parse_initiate_multipart_upload(&r.body).unwrap(), id);
        }
        // The AWS mock's answer has no namespace.
        let (status, body) = mock_json(data!(str "aws-c-s3-mock/CreateMultipartUpload/default.json"));
        assert_eq!(status, 200);
        assert_eq!(parse_initiate_multipart_upload(&body).unwrap(), "defaultID");
    }

    #[test]
    fn create_multipart_upload_refusals() {
        let kind = |b: &str| parse_initiate_multipart_upload(b.as_bytes()).unwrap_err().kind().clone();
        let r = "InitiateMultipartUploadResult";
        assert_eq!(kind(&format!("<{r}><Key>k</Key></{r}>")), XmlErrorKind::Missing { element: "UploadId", parent: r });
        assert_eq!(kind(&format!("<{r}><UploadId/></{r}>")), XmlErrorKind::Empty { element: "UploadId" });
        assert_eq!(kind(&format!("<{r}><UploadId>a</UploadId><UploadId>b</UploadId></{r}>")), XmlErrorKind::Duplicate { element: "UploadId", parent: r });
        let (_, skewed) = mock_json(data!(str "aws-c-s3-mock/CreateMultipartUpload/request_time_too_skewed.json"));
        let e = parse_initiate_multipart_upload(&skewed).unwrap_err();
        assert!(matches!(e.kind(), XmlErrorKind::ErrorDocument { code, .. } if code == "RequestTimeTooSkewed"), "{e}");
        // An UploadPart answer has an empty body.
        for raw in [data!("captured/garage/UploadPart.http"), data!("captured/s3s-fs/UploadPart.http")] {
            let r = http(raw);
            assert_eq!(r.header("etag"), Some("\"8adc5937e635f6c9af646f0b23560fae\""));
            assert_eq!(parse_initiate_multipart_upload(&r.body).unwrap_err().kind(), &XmlErrorKind::NoRootElement);
        }
    }

    #[test]
    fn complete_multipart_upload() {
        let garage = http(data!("captured/garage/CompleteMultipartUpload.http"));
        assert_eq!(
            parse_complete_multipart_upload(&garage.body).unwrap(),
            completed("\"f0de34a965b1c8831a2939e153b21929-1\"", Some("https://nixcache-test.s3.garage.localhost/nar/cap.nar"))
        );
        // s3s-fs writes the quotes unescaped and sends no Location.
        let s3s = http(data!("captured/s3s-fs/CompleteMultipartUpload.http"));
        assert_eq!(parse_complete_multipart_upload(&s3s.body).unwrap(), completed("\"f0de34a965b1c8831a2939e153b21929-1\"", None));
        for json in [data!(str "aws-c-s3-mock/CompleteMultipartUpload/default.json"), data!(str "aws-c-s3-mock/CompleteMultipartUpload/sse_kms.json")] {
            let (status, body) = mock_json(json);
            assert_eq!(status, 200);
            assert_eq!(
                parse_complete_multipart_upload(&body).unwrap(),
                completed("\"3858f62230ac3c915f300c664312c11f-9\"", Some("http://default.s3.us-west-2.amazonaws.com/default"))
            );
        }
    }

    /// The failures that arrive with status 200, and those with an error status.
    #[test]
    fn complete_multipart_upload_failed() {
        let cases = [
            (data!(str "aws-c-s3-mock/CompleteMultipartUpload/async_internal_error.json"), "InternalError"),
            (data!(str "aws-c-s3-mock/CompleteMultipartUpload/async_access_denied_error.json"), "AccessDenied"),
        ];
        for (json, code) in cases {
            let (status, body) = mock_json(json);
            assert_eq!(status, 200);
            let CompleteOutcome::Failed(e) = parse_complete_multipart_upload(&body).unwrap() else { panic!("{code}") };
            assert_eq!(e.code, code);
            assert_eq!(e.request_id.as_deref(), Some("656c76696e6727732072657175657374"));
            // The same body with AWS's keep-alive padding in front.
            let mut padded = b"\n".repeat(3);
            padded.extend(b"          ".repeat(50));
            padded.extend_from_slice(&body);
            assert!(matches!(parse_complete_multipart_upload(&padded).unwrap(), CompleteOutcome::Failed(e) if e.code == code));
        }
        let cases: [(&[u8], u16, &str); 2] = [
            (data!("captured/garage/CompleteMultipartUpload-NoSuchUpload.http"), 404, "NoSuchUpload"),
            (data!("captured/s3s-fs/CompleteMultipartUpload-NoSuchUpload.http"), 400, "InvalidRequest"),
        ];
        for (raw, status, code) in cases {
            let r = http(raw);
            assert_eq!(r.status, status);
            assert!(matches!(parse_complete_multipart_upload(&r.body).unwrap(), CompleteOutcome::Failed(e) if e.code == code));
        }
        // Problems in the error document are reported as CompleteMultipartUpload's.
        let e = parse_complete_multipart_upload(b"<Error><Message>m</Message></Error>").unwrap_err();
        assert_eq!(e.to_string(), "CompleteMultipartUpload: missing <Code> in <Error>");
        let e = parse_complete_multipart_upload(b"<InitiateMultipartUploadResult/>").unwrap_err();
        assert_eq!(e.kind(), &XmlErrorKind::WrongRoot { expected: "CompleteMultipartUploadResult", found: "InitiateMultipartUploadResult".into() });
        // Cut short after the 200 and some padding.
        let e = parse_complete_multipart_upload(b"      <?xml version=\"1.0\"?><CompleteMultipartUploadResult><ETag>").unwrap_err();
        assert!(matches!(e.kind(), XmlErrorKind::Unclosed { .. }), "{e}");
    }

    #[test]
    fn write_complete_exact_bytes() {
        let parts = [(1, "\"3858f62230ac3c915f300c664312c11f\"".to_owned()), (2, "\"a54357aff0632cce46d942af68356b38\"".to_owned())];
        assert_eq!(
            write_complete_multipart_upload(&parts).unwrap(),
            "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <Part><PartNumber>1</PartNumber><ETag>&quot;3858f62230ac3c915f300c664312c11f&quot;</ETag></Part>\
             <Part><PartNumber>2</PartNumber><ETag>&quot;a54357aff0632cce46d942af68356b38&quot;</ETag></Part>\
             </CompleteMultipartUpload>"
        );
    }

    /// Reads a CompleteMultipartUpload request body back with the same reader as responses.
    fn read_back(body: &str) -> Vec<(u32, String)> {
        const R: &str = "CompleteMultipartUpload";
        let f = Fields("test");
        let mut parts = Vec::new();
        let (mut number, mut etag) = (None, None);
        walk("test", body.as_bytes(), &[R], |node| {
            match node {
                Node::Text([R, "Part", "PartNumber"], t) => number = Some(f.number(&t, "PartNumber")? as u32),
                Node::Text([R, "Part", "ETag"], t) => etag = Some(t),
                Node::Close([R, "Part"]) => parts.push((number.take().unwrap(), etag.take().unwrap())),
                _ => {}
            }
            Ok(())
        })
        .unwrap();
        parts
    }

    #[test]
    fn write_complete_round_trip() {
        let parts: Vec<(u32, String)> = vec![(1, "\"abc\"".into()), (2, "W/\"weak\"".into()), (7, "<&>'\"\t\r\n✓".into()), (MAX_PART_NUMBER, String::new())];
        assert_eq!(read_back(&write_complete_multipart_upload(&parts).unwrap()), parts);
        let many: Vec<(u32, String)> = (1..=MAX_PART_NUMBER).map(|n| (n, format!("\"{n:032x}\""))).collect();
        assert_eq!(read_back(&write_complete_multipart_upload(&many).unwrap()), many);
    }

    #[test]
    fn write_complete_refusals() {
        let msg = |parts: &[(u32, &str)]| {
            let parts: Vec<(u32, String)> = parts.iter().map(|(n, e)| (*n, e.to_string())).collect();
            write_complete_multipart_upload(&parts).unwrap_err().to_string()
        };
        assert_eq!(msg(&[]), "CompleteMultipartUpload: no parts");
        assert_eq!(msg(&[(0, "e")]), "CompleteMultipartUpload: part number 0 is outside 1..=10000");
        assert_eq!(msg(&[(10_001, "e")]), "CompleteMultipartUpload: part number 10001 is outside 1..=10000");
        assert_eq!(msg(&[(2, "e"), (1, "e")]), "CompleteMultipartUpload: part numbers must ascend, but 1 follows 2");
        assert_eq!(msg(&[(1, "e"), (1, "e")]), "CompleteMultipartUpload: part numbers must ascend, but 1 follows 1");
        assert_eq!(msg(&[(1, "e"), (2, "\u{0}")]), "CompleteMultipartUpload: <ETag> number 2 contains '\\0' (U+0000), which XML 1.0 cannot carry");
    }
}
