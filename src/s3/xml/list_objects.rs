//! ListObjectsV2 (`GET /?list-type=2`): one page of keys.
//!
//! ```xml
//! <ListBucketResult>
//!   <Name/> <Prefix/> <Delimiter/> <StartAfter/> <EncodingType/> <KeyCount/> <MaxKeys/>
//!   <IsTruncated/> <ContinuationToken/> <NextContinuationToken/>
//!   <Contents><Key/><LastModified/><ETag/><Size/><StorageClass/></Contents>...
//!   <CommonPrefixes><Prefix/></CommonPrefixes>...
//! </ListBucketResult>
//! ```
//!
//! Servers order the fields differently (s3s-fs sends `<Delimiter>` last), so everything that
//! depends on `<EncodingType>` is decided once the whole document is read. A ListObjects (v1)
//! answer has the same root and reads the same way, without tokens.

use super::error::{XmlError, XmlErrorKind};
use super::reader::{walk, Fields, Node};

/// One key in a listing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Object {
    pub key: String,
    pub size: u64,
    /// As sent, for example `2026-11-25T14:55:18.067Z`.
    pub last_modified: Option<String>,
    /// As sent, quotes included (`"69d6...e053"`); s3s-fs sends none.
    pub etag: Option<String>,
    pub storage_class: Option<String>,
}

/// One page of a ListObjectsV2 answer. Elements that are present but empty are `Some("")`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListPage {
    pub objects: Vec<Object>,
    /// `<CommonPrefixes><Prefix>` in document order: the "directories" under a delimiter.
    pub common_prefixes: Vec<String>,
    pub is_truncated: bool,
    /// Send back as `continuation-token` for the next page, verbatim: never URL-decoded, and
    /// it may need URL-encoding in the query (Garage's start with `]`). Present and non-empty
    /// whenever `is_truncated`.
    pub next_continuation_token: Option<String>,
    pub start_after: Option<String>,
    /// The prefix the server applied (s3s-fs leaves it out when empty).
    pub prefix: Option<String>,
    /// The delimiter the server applied.
    pub delimiter: Option<String>,
}

#[derive(Default)]
struct ObjectFields {
    key: Option<String>,
    size: Option<u64>,
    last_modified: Option<String>,
    etag: Option<String>,
    storage_class: Option<String>,
}

/// Read a ListObjectsV2 answer.
///
/// With `<EncodingType>url</EncodingType>` (the request had `encoding-type=url`), `<Key>`,
/// `<Prefix>` (top level and in `<CommonPrefixes>`), `<StartAfter>` and `<Delimiter>` are
/// URL-decoded, with `+` read as a space as every AWS SDK does (botocore `unquote_plus`, the Java
/// SDK's `URLDecoder`), which servers allow for by sending a literal `+` as `%2B` (S3, Garage).
/// Continuation tokens are never decoded.
///
/// # Errors
/// Besides malformed XML and the caps: a root other than `<ListBucketResult>` (an `<Error>`
/// root gives [`XmlErrorKind::ErrorDocument`]); `<Contents>` without `<Key>` or `<Size>`;
/// `<CommonPrefixes>` without `<Prefix>`; a field twice; no `<IsTruncated>`; a `<Size>` that is
/// not a number; an `<EncodingType>` other than `url` or a value that does not decode; and a
/// truncated page without a `<NextContinuationToken>`, which would make a caller loop forever.
pub fn parse_list_objects_v2(body: &[u8]) -> Result<ListPage, XmlError> {
    const R: &str = "ListBucketResult";
    const C: &str = "Contents";
    const P: &str = "CommonPrefixes";
    let f = Fields("ListObjectsV2");
    let mut page = ListPage::default();
    let (mut truncated, mut encoding_type) = (None, None);
    let mut object = ObjectFields::default();
    let mut prefix: Option<String> = None;

    walk(f.0, body, &[R], |node| {
        match node {
            Node::Open([R, C]) => object = ObjectFields::default(),
            Node::Text([R, C, field], text) => match *field {
                "Key" => f.once(&mut object.key, text, "Key", C)?,
                "Size" => f.once(&mut object.size, f.number(&text, "Size")?, "Size", C)?,
                "LastModified" => f.once(&mut object.last_modified, text, "LastModified", C)?,
                "ETag" => f.once(&mut object.etag, text, "ETag", C)?,
                "StorageClass" => f.once(&mut object.storage_class, text, "StorageClass", C)?,
                _ => {}
            },
            Node::Close([R, C]) => {
                let o = std::mem::take(&mut object);
                page.objects.push(Object {
                    key: f.required(o.key, "Key", C)?,
                    size: f.required(o.size, "Size", C)?,
                    last_modified: o.last_modified,
                    etag: o.etag,
                    storage_class: o.storage_class,
                });
            }
            Node::Open([R, P]) => prefix = None,
            Node::Text([R, P, "Prefix"], text) => f.once(&mut prefix, text, "Prefix", P)?,
            Node::Close([R, P]) => page.common_prefixes.push(f.required(prefix.take(), "Prefix", P)?),
            Node::Text([R, field], text) => match *field {
                "IsTruncated" => f.once(&mut truncated, f.boolean(&text, "IsTruncated")?, "IsTruncated", R)?,
                "NextContinuationToken" => f.once(&mut page.next_continuation_token, text, "NextContinuationToken", R)?,
                "StartAfter" => f.once(&mut page.start_after, text, "StartAfter", R)?,
                "Prefix" => f.once(&mut page.prefix, text, "Prefix", R)?,
                "Delimiter" => f.once(&mut page.delimiter, text, "Delimiter", R)?,
                "EncodingType" => f.once(&mut encoding_type, text, "EncodingType", R)?,
                _ => {}
            },
            _ => {}
        }
        Ok(())
    })?;

    page.is_truncated = f.required(truncated, "IsTruncated", R)?;
    if page.is_truncated && page.next_continuation_token.as_deref().is_none_or(str::is_empty) {
        return Err(f.err(XmlErrorKind::Inconsistent { what: "<IsTruncated> is true but there is no <NextContinuationToken>" }));
    }
    if f.url_encoded(encoding_type.as_deref())? {
        for o in &mut page.objects {
            f.url_decode(&mut o.key, "Key")?;
        }
        for p in &mut page.common_prefixes {
            f.url_decode(p, "Prefix")?;
        }
        for (value, element) in [(&mut page.start_after, "StartAfter"), (&mut page.prefix, "Prefix"), (&mut page.delimiter, "Delimiter")] {
            if let Some(value) = value {
                f.url_decode(value, element)?;
            }
        }
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{http, json, opt_str};
    use super::super::MAX_XML_BODY;
    use super::*;

    fn some(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    fn obj(key: &str, size: u64, last_modified: &str, etag: Option<&str>, storage_class: Option<&str>) -> Object {
        Object { key: key.to_owned(), size, last_modified: some(last_modified), etag: etag.map(str::to_owned), storage_class: storage_class.map(str::to_owned) }
    }

    fn kind(body: &str) -> XmlErrorKind {
        parse_list_objects_v2(body.as_bytes()).unwrap_err().kind().clone()
    }

    #[test]
    fn garage_pages_with_tokens() {
        let r = http(data!("captured/garage/ListObjectsV2-maxkeys2.http"));
        assert_eq!(r.status, 200);
        let page = parse_list_objects_v2(&r.body).unwrap();
        assert_eq!(
            page,
            ListPage {
                objects: vec![
                    obj("nar/0abc.nar.xz", 1005, "2026-11-25T14:55:18.071Z", Some("\"04c5ff9610cb45caa7447565ecd2472e\""), Some("STANDARD")),
                    obj("nar/big.nar.zst", 5244114, "2026-11-25T14:55:18.111Z", Some("\"81077f17b9a38d0e3237a3ead1e61864-2\""), Some("STANDARD")),
                ],
                common_prefixes: vec![],
                is_truncated: true,
                // Kept byte for byte, leading `]` included.
                next_continuation_token: some("]bmFyL2JpZy5uYXIuenN0"),
                start_after: None,
                prefix: some(""),
                delimiter: None,
            }
        );
    }

    #[test]
    fn garage_delimiter() {
        let r = http(data!("captured/garage/ListObjectsV2-delimiter.http"));
        let page = parse_list_objects_v2(&r.body).unwrap();
        assert_eq!(page.objects, [obj("nix-cache-info", 51, "2026-11-25T14:55:18.067Z", Some("\"69d68de32bd6e6f0751e4cd5ae13e053\""), Some("STANDARD"))]);
        assert_eq!(page.common_prefixes, ["nar/", "odd/"]);
        assert!(!page.is_truncated);
        assert_eq!(page.next_continuation_token, None);
        assert_eq!(page.delimiter.as_deref(), Some("/"));
    }

    #[test]
    fn s3s_fs_pages_with_tokens() {
        let r = http(data!("captured/s3s-fs/ListObjectsV2-maxkeys2.http"));
        let page = parse_list_objects_v2(&r.body).unwrap();
        // No ETag or StorageClass in s3s-fs listings.
        assert_eq!(
            page.objects,
            [obj("nar/0abc.nar.xz", 1005, "2026-11-25T14:55:52.239Z", None, None), obj("nar/big.nar.zst", 5244114, "2026-11-25T14:55:52.299Z", None, None),]
        );
        assert!(page.is_truncated);
        assert_eq!(page.next_continuation_token.as_deref(), Some("nar/big.nar.zst"));
    }

    #[test]
    fn s3s_fs_delimiter_comes_last() {
        let r = http(data!("captured/s3s-fs/ListObjectsV2-delimiter.http"));
        let page = parse_list_objects_v2(&r.body).unwrap();
        assert_eq!(page.objects, [obj("nix-cache-info", 51, "2026-11-25T14:55:52.235Z", None, None)]);
        assert_eq!(page.common_prefixes, ["nar/", "odd/"]);
        assert_eq!((page.prefix, page.delimiter.as_deref()), (None, Some("/")));
        assert!(!page.is_truncated);
    }

    /// botocore's ListObjects fixture (a v1 answer: same root, `<Marker>` instead of tokens)
    /// against botocore's parsed JSON, field by field where they overlap.
    #[test]
    fn botocore_list_objects_matches_its_json() {
        let page = parse_list_objects_v2(data!("botocore/s3-only/s3-list-objects.xml")).unwrap();
        let want = json(data!(str "botocore/s3-only/s3-list-objects.json"));
        assert_eq!(page.is_truncated, want["IsTruncated"].as_bool().unwrap());
        assert_eq!(page.prefix, opt_str(&want, "Prefix"));
        assert_eq!(page.next_continuation_token, None);
        let contents = want["Contents"].as_array().unwrap();
        assert_eq!(page.objects.len(), contents.len());
        for (got, want) in page.objects.iter().zip(contents) {
            assert_eq!(got.key, want["Key"].as_str().unwrap());
            assert_eq!(got.size, want["Size"].as_u64().unwrap());
            assert_eq!(got.last_modified, opt_str(want, "LastModified"));
            assert_eq!(got.etag, opt_str(want, "ETag"));
            assert_eq!(got.storage_class, opt_str(want, "StorageClass"));
        }
    }

    #[test]
    fn without_namespace_with_prefixes_and_after_padding() {
        let plain = "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>k</Key><Size>1</Size></Contents></ListBucketResult>";
        let prefixed = r#"<s3:ListBucketResult xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/">
            <s3:IsTruncated>false</s3:IsTruncated>
            <s3:Contents><s3:Key>k</s3:Key><s3:Size>1</s3:Size></s3:Contents>
        </s3:ListBucketResult>"#;
        let padded = format!("\u{feff}\n  \r\n\t<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- x -->{plain}\n");
        let want = ListPage { objects: vec![Object { key: "k".into(), size: 1, ..Object::default() }], ..ListPage::default() };
        for body in [plain, prefixed, &padded] {
            assert_eq!(parse_list_objects_v2(body.as_bytes()).unwrap(), want, "{body}");
        }
        // A foreign default namespace is ignored too.
        let other_ns = plain.replace("<ListBucketResult>", "<ListBucketResult xmlns=\"urn:x\">");
        assert_eq!(parse_list_objects_v2(other_ns.as_bytes()).unwrap(), want);
    }

    #[test]
    fn entity_escapes_in_keys() {
        let body = "<ListBucketResult><IsTruncated>false</IsTruncated>\
            <Contents><Key>a&amp;b&lt;c&gt;d&quot;e&apos;f&#x1;&#13;&#10;g &#x10348;</Key><Size>0</Size></Contents>\
            <Contents><Key><![CDATA[<x>&amp;]]></Key><Size>0</Size></Contents>\
            <Contents><Key>  spaced  </Key><Size>0</Size></Contents>\
            <CommonPrefixes><Prefix>p&amp;q/</Prefix></CommonPrefixes></ListBucketResult>";
        let page = parse_list_objects_v2(body.as_bytes()).unwrap();
        let keys: Vec<&str> = page.objects.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(keys, ["a&b<c>d\"e'f\u{1}\r\ng \u{10348}", "<x>&amp;", "  spaced  "]);
        assert_eq!(page.common_prefixes, ["p&q/"]);
    }

    #[test]
    fn encoding_type_url_decodes_keys_and_prefixes_but_not_tokens() {
        let body = "<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>\
            <NextContinuationToken>1%2Fab+c%3D%3D</NextContinuationToken>\
            <Prefix>dir+one%2F</Prefix><StartAfter>dir+one%2Fa%2Bb</StartAfter><Delimiter>%2F</Delimiter>\
            <Contents><Key>dir+one/a%2Bb%20c%E2%9C%93</Key><Size>3</Size></Contents>\
            <CommonPrefixes><Prefix>dir+one/sub%25/</Prefix></CommonPrefixes></ListBucketResult>";
        let page = parse_list_objects_v2(body.as_bytes()).unwrap();
        assert_eq!(page.objects[0].key, "dir one/a+b c✓");
        assert_eq!(page.common_prefixes, ["dir one/sub%/"]);
        assert_eq!(page.prefix.as_deref(), Some("dir one/"));
        assert_eq!(page.start_after.as_deref(), Some("dir one/a+b"));
        assert_eq!(page.delimiter.as_deref(), Some("/"));
        assert_eq!(page.next_continuation_token.as_deref(), Some("1%2Fab+c%3D%3D"));

        // The same keys without EncodingType are taken literally.
        let literal = body.replace("<EncodingType>url</EncodingType>", "");
        assert_eq!(parse_list_objects_v2(literal.as_bytes()).unwrap().objects[0].key, "dir+one/a%2Bb%20c%E2%9C%93");

        // EncodingType after the keys still applies.
        let late = "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>a+b</Key><Size>0</Size></Contents>\
            <EncodingType>url</EncodingType></ListBucketResult>";
        assert_eq!(parse_list_objects_v2(late.as_bytes()).unwrap().objects[0].key, "a b");

        let bad = "<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>\
            <Contents><Key>100%</Key><Size>0</Size></Contents></ListBucketResult>";
        let e = parse_list_objects_v2(bad.as_bytes()).unwrap_err();
        assert!(matches!(e.kind(), XmlErrorKind::BadUrlEncoding { element: "Key", .. }), "{e}");
        assert!(std::error::Error::source(&e).is_some());
        let not_utf8 = bad.replace("100%", "%FF");
        assert!(parse_list_objects_v2(not_utf8.as_bytes()).is_err());
        let other = late.replace(">url<", ">base64<");
        assert_eq!(kind(&other), XmlErrorKind::UnknownEncodingType { value: "base64".into() });
    }

    #[test]
    fn refusals() {
        let doc = |inner: &str| format!("<ListBucketResult>{inner}</ListBucketResult>");
        let f = "<IsTruncated>false</IsTruncated>";
        let e = parse_list_objects_v2(doc(&format!("{f}<Contents><Key>k</Key><Size>abc</Size></Contents>")).as_bytes()).unwrap_err();
        assert_eq!(e.to_string(), r#"ListObjectsV2: <Size> is not a number: "abc""#);
        assert_eq!(kind(&doc(&format!("{f}<Contents><Size>1</Size></Contents>"))), XmlErrorKind::Missing { element: "Key", parent: "Contents" });
        assert_eq!(kind(&doc(&format!("{f}<Contents><Key>k</Key></Contents>"))), XmlErrorKind::Missing { element: "Size", parent: "Contents" });
        assert_eq!(
            kind(&doc(&format!("{f}<Contents><Key>k</Key><Key>l</Key><Size>1</Size></Contents>"))),
            XmlErrorKind::Duplicate { element: "Key", parent: "Contents" }
        );
        assert_eq!(kind(&doc(&format!("{f}<CommonPrefixes/>"))), XmlErrorKind::Missing { element: "Prefix", parent: "CommonPrefixes" });
        assert_eq!(kind(&doc("")), XmlErrorKind::Missing { element: "IsTruncated", parent: "ListBucketResult" });
        assert_eq!(kind(&doc(&format!("{f}{f}"))), XmlErrorKind::Duplicate { element: "IsTruncated", parent: "ListBucketResult" });
        assert_eq!(kind(&doc("<IsTruncated>yes</IsTruncated>")), XmlErrorKind::NotABoolean { element: "IsTruncated", value: "yes".into() });
        for no_token in ["<IsTruncated>true</IsTruncated>", "<IsTruncated>true</IsTruncated><NextContinuationToken/>"] {
            let e = parse_list_objects_v2(doc(no_token).as_bytes()).unwrap_err();
            assert_eq!(e.to_string(), "ListObjectsV2: <IsTruncated> is true but there is no <NextContinuationToken>");
        }
        // Cut short.
        let garage = http(data!("captured/garage/ListObjectsV2-maxkeys2.http")).body;
        let cut = garage.len() - "</Contents></ListBucketResult>".len();
        let e = parse_list_objects_v2(&garage[..cut]).unwrap_err();
        assert_eq!(e.kind(), &XmlErrorKind::Unclosed { element: "Contents".into() });
        // Other documents.
        let buckets = http(data!("captured/garage/ListBuckets.http")).body;
        assert_eq!(
            parse_list_objects_v2(&buckets).unwrap_err().kind(),
            &XmlErrorKind::WrongRoot { expected: "ListBucketResult", found: "ListAllMyBucketsResult".into() }
        );
        assert!(parse_list_objects_v2(data!("botocore/s3-only/s3-list-object-versions.xml")).is_err());
        let denied = http(data!("captured/garage/ListObjectsV2-SignatureDoesNotMatch.http")).body;
        let e = parse_list_objects_v2(&denied).unwrap_err();
        assert_eq!(e.kind(), &XmlErrorKind::ErrorDocument { code: "AccessDenied".into(), message: some("Forbidden: Invalid signature") });
        assert_eq!(e.to_string(), "ListObjectsV2: the server answered with an <Error> document: AccessDenied: Forbidden: Invalid signature");
    }

    #[test]
    fn oversize_body_is_refused() {
        let mut body = doc_with_keys(10).into_bytes();
        body.resize(MAX_XML_BODY + 1, b'\n');
        assert_eq!(kind_of(&body), XmlErrorKind::TooLarge { len: MAX_XML_BODY + 1, max: MAX_XML_BODY });
        body.truncate(MAX_XML_BODY);
        assert_eq!(parse_list_objects_v2(&body).unwrap().objects.len(), 10);
    }

    #[test]
    fn a_full_page() {
        let page = parse_list_objects_v2(doc_with_keys(1000).as_bytes()).unwrap();
        assert_eq!(page.objects.len(), 1000);
        assert_eq!(page.objects[999].key, "nar/999.nar.xz");
    }

    fn doc_with_keys(n: usize) -> String {
        let mut s = String::from("<ListBucketResult><IsTruncated>false</IsTruncated>");
        for i in 0..n {
            s.push_str(&format!("<Contents><Key>nar/{i}.nar.xz</Key><Size>{i}</Size></Contents>"));
        }
        s + "</ListBucketResult>"
    }

    fn kind_of(body: &[u8]) -> XmlErrorKind {
        parse_list_objects_v2(body).unwrap_err().kind().clone()
    }
}
