//! ListMultipartUploads (`GET /?uploads`): uploads begun and neither completed nor aborted.
//!
//! ```xml
//! <ListMultipartUploadsResult>
//!   <Bucket/> <KeyMarker/> <UploadIdMarker/> <NextKeyMarker/> <NextUploadIdMarker/>
//!   <EncodingType/> <MaxUploads/> <IsTruncated/>
//!   <Upload><Key/><UploadId/><Initiator/><Owner/><StorageClass/><Initiated/></Upload>...
//!   <CommonPrefixes><Prefix/></CommonPrefixes>...
//! </ListMultipartUploadsResult>
//! ```

use super::error::{XmlError, XmlErrorKind};
use super::reader::{walk, Fields, Node};

/// One page of a ListMultipartUploads answer. Markers present but empty are `Some("")`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListMultipartUploads {
    /// `(key, upload id)` in document order.
    pub uploads: Vec<(String, String)>,
    pub is_truncated: bool,
    /// Send back as `key-marker`; present and non-empty whenever `is_truncated`.
    pub next_key_marker: Option<String>,
    /// Send back as `upload-id-marker`.
    pub next_upload_id_marker: Option<String>,
}

/// Read a ListMultipartUploads answer. With `<EncodingType>url</EncodingType>`, `<Key>` and
/// `<NextKeyMarker>` are URL-decoded as in
/// [`parse_list_objects_v2`](super::parse_list_objects_v2) (`+` is a space).
///
/// # Errors
/// Malformed XML, another root (an `<Error>` gives [`XmlErrorKind::ErrorDocument`]), an
/// `<Upload>` without `<Key>` or `<UploadId>`, a field twice, no `<IsTruncated>`, a bad
/// encoding, or a truncated page without `<NextKeyMarker>`.
pub fn parse_list_multipart_uploads(body: &[u8]) -> Result<ListMultipartUploads, XmlError> {
    const R: &str = "ListMultipartUploadsResult";
    const U: &str = "Upload";
    let f = Fields("ListMultipartUploads");
    let mut list = ListMultipartUploads::default();
    let (mut truncated, mut encoding_type) = (None, None);
    let (mut key, mut upload_id): (Option<String>, Option<String>) = (None, None);
    walk(f.0, body, &[R], |node| {
        match node {
            Node::Open([R, U]) => (key, upload_id) = (None, None),
            Node::Text([R, U, "Key"], text) => f.once(&mut key, text, "Key", U)?,
            Node::Text([R, U, "UploadId"], text) => f.once(&mut upload_id, text, "UploadId", U)?,
            Node::Close([R, U]) => {
                let k = f.required(key.take(), "Key", U)?;
                list.uploads.push((k, f.required_text(upload_id.take(), "UploadId", U)?));
            }
            Node::Text([R, field], text) => match *field {
                "IsTruncated" => f.once(&mut truncated, f.boolean(&text, "IsTruncated")?, "IsTruncated", R)?,
                "NextKeyMarker" => f.once(&mut list.next_key_marker, text, "NextKeyMarker", R)?,
                "NextUploadIdMarker" => f.once(&mut list.next_upload_id_marker, text, "NextUploadIdMarker", R)?,
                "EncodingType" => f.once(&mut encoding_type, text, "EncodingType", R)?,
                _ => {}
            },
            _ => {}
        }
        Ok(())
    })?;
    list.is_truncated = f.required(truncated, "IsTruncated", R)?;
    if list.is_truncated && list.next_key_marker.as_deref().is_none_or(str::is_empty) {
        return Err(f.err(XmlErrorKind::Inconsistent { what: "<IsTruncated> is true but there is no <NextKeyMarker>" }));
    }
    if f.url_encoded(encoding_type.as_deref())? {
        for (k, _) in &mut list.uploads {
            f.url_decode(k, "Key")?;
        }
        if let Some(marker) = &mut list.next_key_marker {
            f.url_decode(marker, "NextKeyMarker")?;
        }
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{json, opt_str};
    use super::*;

    /// botocore's two ListMultipartUploads fixtures against botocore's parsed JSON.
    #[test]
    fn botocore_matches_its_json() {
        let cases = [
            (data!("botocore/s3-only/s3-list-multipart-uploads.xml"), data!(str "botocore/s3-only/s3-list-multipart-uploads.json")),
            (data!("botocore/s3-only/s3-list-multipart-uploads#2.xml"), data!(str "botocore/s3-only/s3-list-multipart-uploads#2.json")),
        ];
        for (xml, want) in cases {
            let got = parse_list_multipart_uploads(xml).unwrap();
            let want = json(want);
            assert_eq!(got.is_truncated, want["IsTruncated"].as_bool().unwrap());
            assert_eq!(got.next_key_marker, opt_str(&want, "NextKeyMarker"));
            assert_eq!(got.next_upload_id_marker, opt_str(&want, "NextUploadIdMarker"));
            let uploads: Vec<(String, String)> = want
                .get("Uploads")
                .map(|u| u.as_array().unwrap().iter().map(|u| (opt_str(u, "Key").unwrap(), opt_str(u, "UploadId").unwrap())).collect())
                .unwrap_or_default();
            assert_eq!(got.uploads, uploads);
        }
        // Spot-check the second one independently of the JSON.
        let got = parse_list_multipart_uploads(data!("botocore/s3-only/s3-list-multipart-uploads#2.xml")).unwrap();
        assert_eq!(got.uploads.len(), 3);
        assert_eq!(got.uploads[0], ("my-divisor".into(), "XMgbGlrZSBlbHZpbmcncyBub3QgaGF2aW5nIG11Y2ggbHVjaw".into()));
        assert_eq!(got.next_key_marker.as_deref(), Some("my-movie.m2ts"));
    }

    #[test]
    fn nothing_left_behind_and_encoding() {
        let empty = b"<ListMultipartUploadsResult><Bucket>b</Bucket><KeyMarker/><UploadIdMarker/>\
            <IsTruncated>false</IsTruncated></ListMultipartUploadsResult>";
        assert_eq!(parse_list_multipart_uploads(empty).unwrap(), ListMultipartUploads::default());
        let encoded = b"<ListMultipartUploadsResult><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>\
            <NextKeyMarker>a+b%2Bc</NextKeyMarker><NextUploadIdMarker>x%2By</NextUploadIdMarker>\
            <Upload><Key>a+b%2Bc</Key><UploadId>x%2By</UploadId></Upload></ListMultipartUploadsResult>";
        let got = parse_list_multipart_uploads(encoded).unwrap();
        assert_eq!(got.uploads, [("a b+c".to_owned(), "x%2By".to_owned())]);
        assert_eq!(got.next_key_marker.as_deref(), Some("a b+c"));
        assert_eq!(got.next_upload_id_marker.as_deref(), Some("x%2By"));
    }

    #[test]
    fn refusals() {
        let kind = |b: &str| parse_list_multipart_uploads(b.as_bytes()).unwrap_err().kind().clone();
        let r = "ListMultipartUploadsResult";
        let t = "<IsTruncated>false</IsTruncated>";
        assert_eq!(kind(&format!("<{r}>{t}<Upload><Key>k</Key></Upload></{r}>")), XmlErrorKind::Missing { element: "UploadId", parent: "Upload" });
        assert_eq!(kind(&format!("<{r}>{t}<Upload><UploadId>u</UploadId></Upload></{r}>")), XmlErrorKind::Missing { element: "Key", parent: "Upload" });
        assert_eq!(kind(&format!("<{r}></{r}>")), XmlErrorKind::Missing { element: "IsTruncated", parent: r });
        assert!(matches!(kind(&format!("<{r}><IsTruncated>true</IsTruncated></{r}>")), XmlErrorKind::Inconsistent { .. }));
        assert!(matches!(kind("<Error><Code>NoSuchBucket</Code></Error>"), XmlErrorKind::ErrorDocument { .. }));
    }
}
