//! The one place that drives quick-xml: turns a body into a stream of [`Node`]s whose paths are
//! local names, and the small field helpers every document parser shares.

use quick_xml::events::{BytesRef, Event};
use quick_xml::reader::Reader;

use super::error::{quote, XmlError, XmlErrorKind};
use super::{parse_error_as, MAX_XML_BODY, MAX_XML_DEPTH};

/// Every element name some parser looks at. Others appear in paths as `""`, which no pattern
/// matches, so unknown elements (and everything inside them) are ignored.
const NAMES: &[&str] = &[
    "Bucket",
    "BucketName",
    "Code",
    "CommonPrefixes",
    "CompleteMultipartUpload",
    "CompleteMultipartUploadResult",
    "Contents",
    "Delete",
    "DeleteResult",
    "Deleted",
    "Delimiter",
    "ETag",
    "EncodingType",
    "Endpoint",
    "Error",
    "HostId",
    "InitiateMultipartUploadResult",
    "IsTruncated",
    "Key",
    "LastModified",
    "ListBucketResult",
    "ListMultipartUploadsResult",
    "Location",
    "Message",
    "NextContinuationToken",
    "NextKeyMarker",
    "NextUploadIdMarker",
    "Object",
    "Part",
    "PartNumber",
    "Prefix",
    "Quiet",
    "Region",
    "RequestId",
    "Resource",
    "Size",
    "StartAfter",
    "StorageClass",
    "Upload",
    "UploadId",
];

fn intern(local_name: &str) -> &'static str {
    NAMES.iter().copied().find(|&n| n == local_name).unwrap_or("")
}

/// One step through a document. Paths start at the root element and hold local names (prefixes
/// and namespaces dropped); element names this module does not know are `""`.
#[derive(Debug)]
pub(super) enum Node<'p> {
    /// An element opens.
    Open(&'p [&'static str]),
    /// An element without child elements closes; this is its unescaped text. Sent just before
    /// its [`Node::Close`]. Comments inside are skipped; CDATA counts as text.
    Text(&'p [&'static str], String),
    /// An element closes.
    Close(&'p [&'static str]),
}

/// Read a whole document, calling `on` for every [`Node`]. The root element must be one of
/// `roots`; its name is returned. Checks, in order: the size cap, well-formedness as quick-xml
/// sees it, the depth cap, the root, and that the document is complete (every element closed,
/// nothing but whitespace, comments and processing instructions around the root).
///
/// When the root is `<Error>` but `roots` does not allow it, the error is
/// [`XmlErrorKind::ErrorDocument`] with the code the server sent.
pub(super) fn walk(
    document: &'static str,
    body: &[u8],
    roots: &[&'static str],
    mut on: impl FnMut(Node<'_>) -> Result<(), XmlError>,
) -> Result<&'static str, XmlError> {
    if body.len() > MAX_XML_BODY {
        return Err(XmlError::new(document, XmlErrorKind::TooLarge { len: body.len(), max: MAX_XML_BODY }));
    }
    let err = |kind| XmlError::new(document, kind);
    let mut reader = Reader::from_reader(body);
    let mut path: Vec<&'static str> = Vec::new();
    // The open elements' names as written, to say where a cut-short body ends. Strings are
    // reused, so after the first few elements this allocates nothing.
    let mut raw_names: Vec<String> = Vec::new();
    // Whether the innermost open element has had a child element (then it has no text).
    let mut has_child = false;
    let mut text = String::new();
    let mut root: Option<&'static str> = None;

    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => return Err(XmlError::xml(document, reader.error_position(), e)),
        };
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            _ => (None, false),
        };
        if let Some(start) = start {
            let qname = start.name();
            let local = qname.local_name().into_inner();
            if path.is_empty() {
                if root.is_some() {
                    return Err(err(XmlErrorKind::TrailingContent));
                }
                let name = intern(local);
                if name.is_empty() || !roots.contains(&name) {
                    return Err(wrong_root(document, body, roots, local));
                }
                root = Some(name);
            }
            if path.len() >= MAX_XML_DEPTH {
                return Err(err(XmlErrorKind::TooDeep { max: MAX_XML_DEPTH }));
            }
            path.push(intern(local));
            has_child = false;
            text.clear();
            on(Node::Open(&path))?;
            if empty {
                on(Node::Text(&path, String::new()))?;
                on(Node::Close(&path))?;
                path.pop();
                has_child = true;
            } else {
                match raw_names.get_mut(path.len() - 1) {
                    Some(slot) => {
                        slot.clear();
                        slot.push_str(local);
                    }
                    None => raw_names.push(local.to_owned()),
                }
            }
            continue;
        }
        match event {
            Event::End(_) => {
                if path.is_empty() {
                    // quick-xml reports unmatched end tags itself; this is a second fence.
                    return Err(err(XmlErrorKind::TrailingContent));
                }
                if !has_child {
                    on(Node::Text(&path, std::mem::take(&mut text)))?;
                }
                on(Node::Close(&path))?;
                text.clear();
                path.pop();
                has_child = true;
            }
            Event::Text(t) => {
                let content = t.xml10_content();
                if path.is_empty() {
                    if !content.bytes().all(is_xml_whitespace) {
                        return Err(err(if root.is_some() { XmlErrorKind::TrailingContent } else { XmlErrorKind::TextOutsideRoot }));
                    }
                } else if !has_child {
                    text.push_str(&content);
                }
            }
            Event::CData(t) => {
                if path.is_empty() {
                    return Err(err(XmlErrorKind::TextOutsideRoot));
                }
                if !has_child {
                    text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if path.is_empty() {
                    return Err(err(XmlErrorKind::TextOutsideRoot));
                }
                let c = resolve(document, &r, reader.buffer_position())?;
                if !has_child {
                    text.push(c);
                }
            }
            Event::Eof => break,
            // Declarations, comments, processing instructions and DOCTYPEs carry nothing we use.
            // Entities a DOCTYPE declares are not expanded: their references are errors.
            _ => {}
        }
    }
    if let Some(open) = raw_names.get(path.len().wrapping_sub(1)) {
        return Err(err(XmlErrorKind::Unclosed { element: quote(open) }));
    }
    root.ok_or_else(|| err(XmlErrorKind::NoRootElement))
}

/// A root that is not one of `roots`; an `<Error>` root says what the server's error was.
fn wrong_root(document: &'static str, body: &[u8], roots: &[&'static str], found: &str) -> XmlError {
    if found == "Error" {
        if let Ok(e) = parse_error_as(document, body) {
            return XmlError::new(document, XmlErrorKind::ErrorDocument { code: e.code, message: e.message });
        }
    }
    let expected = roots.first().copied().unwrap_or("?");
    XmlError::new(document, XmlErrorKind::WrongRoot { expected, found: quote(found) })
}

/// `&name;` to its character: the five predefined entities and character references.
fn resolve(document: &'static str, r: &BytesRef<'_>, offset: u64) -> Result<char, XmlError> {
    let unknown = || XmlError::new(document, XmlErrorKind::UnknownEntity { name: quote(r) });
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) => Ok(c),
            Ok(None) => Err(unknown()),
            Err(e) => Err(XmlError::xml(document, offset, e)),
        };
    }
    match &**r {
        "amp" => Ok('&'),
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "quot" => Ok('"'),
        "apos" => Ok('\''),
        _ => Err(unknown()),
    }
}

const XML_WHITESPACE: [char; 4] = [' ', '\t', '\r', '\n'];

pub(super) fn is_xml_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// The local name of the first element, or `None` when there is none or the body is not XML up
/// to there. Reads only as far as that element.
pub(super) fn root_name(body: &[u8]) -> Option<String> {
    let mut reader = Reader::from_reader(body);
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) => return Some(e.name().local_name().into_inner().to_owned()),
            Event::Text(t) if t.bytes().all(is_xml_whitespace) => {}
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
            _ => return None,
        }
    }
}

/// Field helpers bound to one document name, so that every error says which document it is.
#[derive(Clone, Copy)]
pub(super) struct Fields(pub(super) &'static str);

impl Fields {
    pub(super) fn err(self, kind: XmlErrorKind) -> XmlError {
        XmlError::new(self.0, kind)
    }

    /// Store a field that may appear once in `parent`.
    pub(super) fn once<T>(self, slot: &mut Option<T>, value: T, element: &'static str, parent: &'static str) -> Result<(), XmlError> {
        if slot.is_some() {
            return Err(self.err(XmlErrorKind::Duplicate { element, parent }));
        }
        *slot = Some(value);
        Ok(())
    }

    /// A field that must have been seen.
    pub(super) fn required<T>(self, slot: Option<T>, element: &'static str, parent: &'static str) -> Result<T, XmlError> {
        slot.ok_or_else(|| self.err(XmlErrorKind::Missing { element, parent }))
    }

    /// A field that must have been seen and must not be empty.
    pub(super) fn required_text(self, slot: Option<String>, element: &'static str, parent: &'static str) -> Result<String, XmlError> {
        let value = self.required(slot, element, parent)?;
        if value.is_empty() {
            return Err(self.err(XmlErrorKind::Empty { element }));
        }
        Ok(value)
    }

    /// A decimal number: ASCII digits only, surrounding XML whitespace allowed.
    pub(super) fn number(self, text: &str, element: &'static str) -> Result<u64, XmlError> {
        let digits = text.trim_matches(XML_WHITESPACE);
        let bad = || self.err(XmlErrorKind::NotANumber { element, value: quote(text) });
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        digits.parse().map_err(|_| bad())
    }

    /// `true` or `false`, surrounding XML whitespace allowed.
    pub(super) fn boolean(self, text: &str, element: &'static str) -> Result<bool, XmlError> {
        match text.trim_matches(XML_WHITESPACE) {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(self.err(XmlErrorKind::NotABoolean { element, value: quote(text) })),
        }
    }

    /// With `<EncodingType>url</EncodingType>`: decode `%XX` and `+` (a space), as the AWS SDKs
    /// do (botocore `unquote_plus`, Java `URLDecoder`); servers send a literal `+` as `%2B`.
    pub(super) fn url_decode(self, value: &mut String, element: &'static str) -> Result<(), XmlError> {
        match crate::util::percent::decode_form(value) {
            Ok(decoded) => {
                *value = decoded;
                Ok(())
            }
            Err(e) => Err(XmlError::percent(self.0, element, value, e)),
        }
    }

    /// Whether the document's `<EncodingType>` asks for URL-decoding.
    pub(super) fn url_encoded(self, encoding_type: Option<&str>) -> Result<bool, XmlError> {
        match encoding_type {
            None => Ok(false),
            Some("url") => Ok(true),
            Some(other) => Err(self.err(XmlErrorKind::UnknownEncodingType { value: quote(other) })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(body: &str) -> Result<Vec<String>, XmlError> {
        let mut out = Vec::new();
        walk("Test", body.as_bytes(), &["ListBucketResult", "Error"], |node| {
            out.push(match node {
                Node::Open(p) => format!("open {}", p.join("/")),
                Node::Text(p, t) => format!("text {} {t:?}", p.join("/")),
                Node::Close(p) => format!("close {}", p.join("/")),
            });
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn paths_are_local_names_and_unknown_elements_are_blank() {
        let got = nodes(r#"<s3:ListBucketResult xmlns:s3="x"><s3:Key>a</s3:Key><Odd><Key/></Odd></s3:ListBucketResult>"#).unwrap();
        assert_eq!(
            got,
            [
                "open ListBucketResult",
                "open ListBucketResult/Key",
                "text ListBucketResult/Key \"a\"",
                "close ListBucketResult/Key",
                "open ListBucketResult/",
                "open ListBucketResult//Key",
                "text ListBucketResult//Key \"\"",
                "close ListBucketResult//Key",
                "close ListBucketResult/",
                "close ListBucketResult",
            ]
        );
    }

    #[test]
    fn text_joins_entities_cdata_and_skips_comments() {
        let got = nodes("<Error><Key>a&amp;b<!-- c --><![CDATA[<&>]]>&#x41;&#66;&#13;\r\n</Key></Error>").unwrap();
        assert_eq!(got[2], "text Error/Key \"a&b<&>AB\\r\\n\"");
    }

    #[test]
    fn whitespace_bom_declaration_and_comments_around_the_root_are_fine() {
        let mut body = b"\xEF\xBB\xBF".to_vec();
        body.extend_from_slice(b"<?xml version=\"1.0\"?>\n<!-- hi --><Error/>\n \n");
        assert_eq!(walk("Test", &body, &["Error"], |_| Ok(())).unwrap(), "Error");
        let padded = b"\n \n  <?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\n<Error/>";
        assert_eq!(walk("Test", padded, &["Error"], |_| Ok(())).unwrap(), "Error");
    }

    #[test]
    fn refusals() {
        let kind = |body: &str| nodes(body).unwrap_err().kind().clone();
        assert_eq!(kind(""), XmlErrorKind::NoRootElement);
        assert_eq!(kind("  <?xml version=\"1.0\"?>  "), XmlErrorKind::NoRootElement);
        assert_eq!(kind("<Error><Code>x"), XmlErrorKind::Unclosed { element: "Code".into() });
        assert_eq!(kind("<Error/><Error/>"), XmlErrorKind::TrailingContent);
        assert_eq!(kind("<Error/>x"), XmlErrorKind::TrailingContent);
        assert_eq!(kind("x<Error/>"), XmlErrorKind::TextOutsideRoot);
        assert_eq!(kind("<Error>&nbsp;</Error>"), XmlErrorKind::UnknownEntity { name: "nbsp".into() });
        assert_eq!(kind("<!DOCTYPE e [<!ENTITY e 'x'>]><Error>&e;</Error>"), XmlErrorKind::UnknownEntity { name: "e".into() });
        assert_eq!(kind("<Foo/>"), XmlErrorKind::WrongRoot { expected: "ListBucketResult", found: "Foo".into() });
        assert!(matches!(kind("<Error></Code>"), XmlErrorKind::Malformed { .. }));
        assert!(matches!(kind("<Error>&#0;</Error>"), XmlErrorKind::Malformed { .. }));
        let not_utf8 = walk("Test", b"<Error>\xff</Error>", &["Error"], |_| Ok(())).unwrap_err();
        assert!(matches!(not_utf8.kind(), XmlErrorKind::Malformed { .. }), "{not_utf8}");
        assert!(std::error::Error::source(&not_utf8).is_some());
    }

    #[test]
    fn depth_is_capped() {
        let ok = format!("{}{}", "<Error>".repeat(MAX_XML_DEPTH), "</Error>".repeat(MAX_XML_DEPTH));
        assert!(nodes(&ok).is_ok());
        let deep = format!("{}{}", "<Error>".repeat(MAX_XML_DEPTH + 1), "</Error>".repeat(MAX_XML_DEPTH + 1));
        assert_eq!(nodes(&deep).unwrap_err().kind(), &XmlErrorKind::TooDeep { max: MAX_XML_DEPTH });
        // An unterminated tower is refused at the cap, not at the end of the body.
        let tower = "<a>".repeat(MAX_XML_BODY / 3);
        let e = walk("Test", tower.as_bytes(), &["Error"], |_| Ok(())).unwrap_err();
        assert!(matches!(e.kind(), XmlErrorKind::WrongRoot { .. }));
        let tower = format!("<Error>{}", "<a>".repeat(MAX_XML_BODY / 3 - 3));
        let e = walk("Test", tower.as_bytes(), &["Error"], |_| Ok(())).unwrap_err();
        assert_eq!(e.kind(), &XmlErrorKind::TooDeep { max: MAX_XML_DEPTH });
    }

    #[test]
    fn size_is_capped_before_parsing() {
        let mut body = b"<Error><Code>x</Code></Error>".to_vec();
        body.resize(MAX_XML_BODY + 1, b' ');
        let e = walk("Test", &body, &["Error"], |_| panic!("parsed an oversize body")).unwrap_err();
        assert_eq!(e.kind(), &XmlErrorKind::TooLarge { len: MAX_XML_BODY + 1, max: MAX_XML_BODY });
        assert_eq!(e.to_string(), format!("Test: body of {} bytes is over the limit of {MAX_XML_BODY} bytes", MAX_XML_BODY + 1));
        body.truncate(MAX_XML_BODY);
        assert!(walk("Test", &body, &["Error"], |_| Ok(())).is_ok());
    }

    #[test]
    fn numbers_and_booleans() {
        let f = Fields("ListObjectsV2");
        assert_eq!(f.number("0", "Size").unwrap(), 0);
        assert_eq!(f.number(" 18446744073709551615\n", "Size").unwrap(), u64::MAX);
        for bad in ["", " ", "abc", "-1", "+1", "1.5", "18446744073709551616", "١"] {
            assert!(f.number(bad, "Size").is_err(), "{bad:?}");
        }
        assert_eq!(f.number("abc", "Size").unwrap_err().to_string(), r#"ListObjectsV2: <Size> is not a number: "abc""#);
        assert!(f.boolean("true", "IsTruncated").unwrap());
        assert!(!f.boolean(" false ", "IsTruncated").unwrap());
        assert!(f.boolean("TRUE", "IsTruncated").is_err());
        let long = "x".repeat(1000);
        let msg = f.number(&long, "Size").unwrap_err().to_string();
        assert!(msg.len() < 150 && msg.ends_with("…\""), "{msg}");
    }
}
