//! [`XmlError`]: what went wrong reading or writing an S3 XML document, and in which one.

use std::fmt;

use crate::util::percent::DecodeError;

/// Longest piece of input quoted in an error message; longer values are cut and end in `…`.
const MAX_QUOTED_CHARS: usize = 80;

/// An S3 XML body could not be read, or a request body could not be written.
///
/// `Display` is one line naming the document and the problem, for example
/// `ListObjectsV2: <Size> is not a number: "abc"`. [`XmlError::kind`] gives the problem as data.
#[derive(Debug, Clone)]
pub struct XmlError(Box<Inner>);

// Boxed: errors are rare, and a small `Err` keeps every `Result` here small.
#[derive(Debug, Clone)]
struct Inner {
    document: &'static str,
    kind: XmlErrorKind,
    source: Option<Source>,
}

#[derive(Debug, Clone)]
enum Source {
    Xml(quick_xml::Error),
    Percent(DecodeError),
}

/// What was wrong. Quoted input is cut to a few dozen characters.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum XmlErrorKind {
    /// The body is larger than [`MAX_XML_BODY`](super::MAX_XML_BODY); nothing was parsed.
    TooLarge { len: usize, max: usize },
    /// Elements are nested deeper than [`MAX_XML_DEPTH`](super::MAX_XML_DEPTH).
    TooDeep { max: usize },
    /// Not well-formed XML (or not UTF-8), as reported by the XML reader.
    Malformed { offset: u64, reason: String },
    /// The body has no root element (it is empty, or only whitespace and a declaration).
    NoRootElement,
    /// The body ends before the element closes: it was cut short.
    Unclosed { element: String },
    /// Text or a second element after the root element.
    TrailingContent,
    /// A character outside any element that is not whitespace.
    TextOutsideRoot,
    /// An entity reference other than the five XML ones (`&amp;` `&lt;` `&gt;` `&quot;` `&apos;`).
    UnknownEntity { name: String },
    /// The root element is not the one this document has.
    WrongRoot { expected: &'static str, found: String },
    /// The root element is `<Error>`: the server answered with an error document.
    ErrorDocument { code: String, message: Option<String> },
    /// A required element is absent.
    Missing { element: &'static str, parent: &'static str },
    /// An element that may appear once appears again.
    Duplicate { element: &'static str, parent: &'static str },
    /// A required element is present but empty.
    Empty { element: &'static str },
    /// A number field is not a plain decimal number that fits.
    NotANumber { element: &'static str, value: String },
    /// A boolean field is neither `true` nor `false`.
    NotABoolean { element: &'static str, value: String },
    /// `<EncodingType>` is present but not `url`.
    UnknownEncodingType { value: String },
    /// With `<EncodingType>url</EncodingType>`, a field is not valid percent-encoding.
    BadUrlEncoding { element: &'static str, value: String, reason: String },
    /// Fields that contradict each other (for example truncated, but no continuation token).
    Inconsistent { what: &'static str },
    /// A request body would carry a character that XML 1.0 cannot represent, even escaped.
    Unwritable { element: &'static str, index: usize, ch: char },
    /// A request body would break one of S3's rules for it (part order, key count, ...).
    InvalidRequest { what: String },
}

impl XmlError {
    pub(super) fn new(document: &'static str, kind: XmlErrorKind) -> Self {
        XmlError(Box::new(Inner { document, kind, source: None }))
    }

    pub(super) fn xml(document: &'static str, offset: u64, err: quick_xml::Error) -> Self {
        let kind = XmlErrorKind::Malformed { offset, reason: err.to_string() };
        XmlError(Box::new(Inner { document, kind, source: Some(Source::Xml(err)) }))
    }

    pub(super) fn percent(document: &'static str, element: &'static str, value: &str, err: DecodeError) -> Self {
        let kind = XmlErrorKind::BadUrlEncoding { element, value: quote(value), reason: err.to_string() };
        XmlError(Box::new(Inner { document, kind, source: Some(Source::Percent(err)) }))
    }

    /// The S3 operation whose body this is, such as `ListObjectsV2` or `Error`.
    pub fn document(&self) -> &'static str {
        self.0.document
    }

    /// What was wrong.
    pub fn kind(&self) -> &XmlErrorKind {
        &self.0.kind
    }
}

/// Cut a piece of input for an error message.
pub(super) fn quote(value: &str) -> String {
    match value.char_indices().nth(MAX_QUOTED_CHARS) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_owned(),
    }
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0.document, self.0.kind)
    }
}

impl fmt::Display for XmlErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use XmlErrorKind::*;
        match self {
            TooLarge { len, max } => write!(f, "body of {len} bytes is over the limit of {max} bytes"),
            TooDeep { max } => write!(f, "elements are nested more than {max} deep"),
            Malformed { offset, reason } => write!(f, "malformed XML at byte {offset}: {reason}"),
            NoRootElement => write!(f, "body has no root element"),
            Unclosed { element } => write!(f, "body ends inside <{element}> (cut short?)"),
            TrailingContent => write!(f, "content after the root element"),
            TextOutsideRoot => write!(f, "text outside the root element"),
            UnknownEntity { name } => write!(f, "unknown entity &{name};"),
            WrongRoot { expected, found } => write!(f, "expected <{expected}>, found <{found}>"),
            ErrorDocument { code, message: Some(message) } => {
                write!(f, "the server answered with an <Error> document: {code}: {message}")
            }
            ErrorDocument { code, message: None } => {
                write!(f, "the server answered with an <Error> document: {code}")
            }
            Missing { element, parent } => write!(f, "missing <{element}> in <{parent}>"),
            Duplicate { element, parent } => write!(f, "more than one <{element}> in <{parent}>"),
            Empty { element } => write!(f, "<{element}> is empty"),
            NotANumber { element, value } => write!(f, "<{element}> is not a number: {value:?}"),
            NotABoolean { element, value } => write!(f, "<{element}> is not true or false: {value:?}"),
            UnknownEncodingType { value } => write!(f, "<EncodingType> is not \"url\": {value:?}"),
            BadUrlEncoding { element, value, reason } => {
                write!(f, "<{element}> is not valid URL encoding ({reason}): {value:?}")
            }
            Inconsistent { what } => f.write_str(what),
            Unwritable { element, index, ch } => {
                write!(f, "<{element}> number {index} contains {ch:?} (U+{:04X}), which XML 1.0 cannot carry", u32::from(*ch))
            }
            InvalidRequest { what } => f.write_str(what),
        }
    }
}

impl std::error::Error for XmlError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0.source {
            Some(Source::Xml(e)) => Some(e),
            Some(Source::Percent(e)) => Some(e),
            None => None,
        }
    }
}
