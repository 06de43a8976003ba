//! DeleteObjects (`POST /?delete`, with `Content-MD5`): sends
//! `<Delete><Quiet>true</Quiet><Object><Key/></Object>...</Delete>` and answers
//! `<DeleteResult><Deleted><Key/></Deleted>...<Error><Key/><Code/><Message/></Error>...`.
//! In quiet mode only the failures are listed.

use super::error::{XmlError, XmlErrorKind};
use super::reader::{walk, Fields, Node};
use super::writer::{check_text, push_element};
use super::S3_NAMESPACE;

/// Most keys one DeleteObjects request may name.
pub const MAX_DELETE_KEYS: usize = 1000;

/// A DeleteObjects answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteResult {
    /// Keys deleted (or already absent: S3 reports those as deleted too). Empty in quiet mode.
    pub deleted: Vec<String>,
    pub errors: Vec<DeleteError>,
}

/// One key DeleteObjects could not delete.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteError {
    pub key: String,
    /// An S3 error code, such as `AccessDenied` or `InternalError`.
    pub code: String,
    pub message: Option<String>,
}

#[derive(Default)]
struct ErrorFields {
    key: Option<String>,
    code: Option<String>,
    message: Option<String>,
}

/// Read a DeleteObjects answer.
///
/// # Errors
/// Malformed XML, another root (a whole-request `<Error>` gives
/// [`XmlErrorKind::ErrorDocument`]), a `<Deleted>` without `<Key>`, an `<Error>` without `<Key>`
/// or `<Code>`, or a field twice in one entry.
pub fn parse_delete_result(body: &[u8]) -> Result<DeleteResult, XmlError> {
    const R: &str = "DeleteResult";
    const D: &str = "Deleted";
    const E: &str = "Error";
    let f = Fields("DeleteObjects");
    let mut result = DeleteResult::default();
    let mut deleted: Option<String> = None;
    let mut error = ErrorFields::default();
    walk(f.0, body, &[R], |node| {
        match node {
            Node::Open([R, D]) => deleted = None,
            Node::Text([R, D, "Key"], text) => f.once(&mut deleted, text, "Key", D)?,
            Node::Close([R, D]) => result.deleted.push(f.required(deleted.take(), "Key", D)?),
            Node::Open([R, E]) => error = ErrorFields::default(),
            Node::Text([R, E, field], text) => match *field {
                "Key" => f.once(&mut error.key, text, "Key", E)?,
                "Code" => f.once(&mut error.code, text, "Code", E)?,
                "Message" => f.once(&mut error.message, text, "Message", E)?,
                _ => {}
            },
            Node::Close([R, E]) => {
                let e = std::mem::take(&mut error);
                result.errors.push(DeleteError { key: f.required(e.key, "Key", E)?, code: f.required_text(e.code, "Code", E)?, message: e.message });
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(result)
}

/// Write the DeleteObjects request body. With `quiet`, the answer lists only failures.
///
/// # Errors
/// What S3 would refuse, reported here rather than as `MalformedXML`: no keys, more than
/// [`MAX_DELETE_KEYS`], an empty key, or a key with a character XML 1.0 cannot carry (most C0
/// controls, U+FFFE, U+FFFF; delete such a key with DeleteObject, whose key is in the URL).
pub fn write_delete_objects(keys: &[String], quiet: bool) -> Result<String, XmlError> {
    const DOC: &str = "DeleteObjects";
    let invalid = |what: String| XmlError::new(DOC, XmlErrorKind::InvalidRequest { what });
    if keys.is_empty() {
        return Err(invalid("no keys".to_owned()));
    }
    if keys.len() > MAX_DELETE_KEYS {
        return Err(invalid(format!("{} keys, but at most {MAX_DELETE_KEYS} per request", keys.len())));
    }
    let mut out = String::with_capacity(80 + keys.iter().map(|k| k.len() + 30).sum::<usize>());
    out.push_str("<Delete xmlns=\"");
    out.push_str(S3_NAMESPACE);
    out.push_str("\">");
    if quiet {
        out.push_str("<Quiet>true</Quiet>");
    }
    for (i, key) in keys.iter().enumerate() {
        if key.is_empty() {
            return Err(invalid(format!("key number {} is empty", i + 1)));
        }
        check_text(DOC, "Key", i + 1, key)?;
        out.push_str("<Object>");
        push_element(&mut out, "Key", key);
        out.push_str("</Object>");
    }
    out.push_str("</Delete>");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example answer of the DeleteObjects API reference, plus an `<Error>` entry.
    #[test]
    fn parse_answer() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Deleted>
    <Key>sample1.txt</Key>
  </Deleted>
  <Deleted>
    <Key>sample2.txt</Key>
    <VersionId>OYcLXagmS.WaD..oyH4KRguB95_YhLs7</VersionId>
    <DeleteMarker>true</DeleteMarker>
  </Deleted>
  <Error>
    <Key>nar/a&amp;b.nar</Key>
    <Code>AccessDenied</Code>
    <Message>Access Denied</Message>
  </Error>
  <Error><Key>x</Key><Code>InternalError</Code></Error>
</DeleteResult>"#;
        assert_eq!(
            parse_delete_result(body).unwrap(),
            DeleteResult {
                deleted: vec!["sample1.txt".into(), "sample2.txt".into()],
                errors: vec![
                    DeleteError { key: "nar/a&b.nar".into(), code: "AccessDenied".into(), message: Some("Access Denied".into()) },
                    DeleteError { key: "x".into(), code: "InternalError".into(), message: None },
                ],
            }
        );
        // Quiet and all deleted: nothing inside; namespace-less and prefixed work alike.
        assert_eq!(parse_delete_result(b"<DeleteResult/>").unwrap(), DeleteResult::default());
        let prefixed = br#"<a:DeleteResult xmlns:a="http://s3.amazonaws.com/doc/2006-03-01/">
            <a:Deleted><a:Key>k</a:Key></a:Deleted>
        </a:DeleteResult>"#;
        assert_eq!(parse_delete_result(prefixed).unwrap().deleted, ["k"]);
    }

    #[test]
    fn parse_refusals() {
        let kind = |b: &str| parse_delete_result(b.as_bytes()).unwrap_err().kind().clone();
        assert_eq!(kind("<DeleteResult><Deleted/></DeleteResult>"), XmlErrorKind::Missing { element: "Key", parent: "Deleted" });
        assert_eq!(kind("<DeleteResult><Error><Key>k</Key></Error></DeleteResult>"), XmlErrorKind::Missing { element: "Code", parent: "Error" });
        assert_eq!(kind("<DeleteResult><Error><Code>c</Code></Error></DeleteResult>"), XmlErrorKind::Missing { element: "Key", parent: "Error" });
        assert_eq!(
            kind("<DeleteResult><Deleted><Key>a</Key><Key>b</Key></Deleted></DeleteResult>"),
            XmlErrorKind::Duplicate { element: "Key", parent: "Deleted" }
        );
        assert_eq!(kind("<Error><Code>MalformedXML</Code></Error>"), XmlErrorKind::ErrorDocument { code: "MalformedXML".into(), message: None });
    }

    #[test]
    fn write_exact_bytes() {
        let keys = ["nar/a.nar.xz".to_owned(), "x.narinfo".to_owned()];
        assert_eq!(
            write_delete_objects(&keys, true).unwrap(),
            "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>\
             <Object><Key>nar/a.nar.xz</Key></Object><Object><Key>x.narinfo</Key></Object></Delete>"
        );
        assert_eq!(
            write_delete_objects(&keys[..1], false).unwrap(),
            "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Object><Key>nar/a.nar.xz</Key></Object></Delete>"
        );
    }

    /// Reads a Delete request body back with the same reader as responses.
    fn read_back(body: &str) -> (Vec<String>, bool) {
        const R: &str = "Delete";
        let f = Fields("test");
        let (mut keys, mut quiet) = (Vec::new(), false);
        walk("test", body.as_bytes(), &[R], |node| {
            match node {
                Node::Text([R, "Object", "Key"], t) => keys.push(t),
                Node::Text([R, "Quiet"], t) => quiet = f.boolean(&t, "Quiet")?,
                _ => {}
            }
            Ok(())
        })
        .unwrap();
        (keys, quiet)
    }

    #[test]
    fn write_round_trip() {
        let keys: Vec<String> = [
            "plain",
            "a&b<c>d\"e'f",
            "&amp; stays &amp;",
            "<![CDATA[x]]>",
            " leading and trailing ",
            "tab\there",
            "cr\rlf\ncrlf\r\n",
            "ሴ ✓ \u{10348} \u{7f} \u{85} \u{fffd}",
            "dir/sub dir/a+b%20c",
        ]
        .iter()
        .map(|k| k.to_string())
        .collect();
        for quiet in [true, false] {
            assert_eq!(read_back(&write_delete_objects(&keys, quiet).unwrap()), (keys.clone(), quiet));
        }
        let many: Vec<String> = (0..MAX_DELETE_KEYS).map(|i| format!("nar/{i}.nar")).collect();
        assert_eq!(read_back(&write_delete_objects(&many, true).unwrap()).0, many);
    }

    #[test]
    fn write_refusals() {
        let msg = |keys: &[&str]| {
            let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
            write_delete_objects(&keys, true).unwrap_err().to_string()
        };
        assert_eq!(msg(&[]), "DeleteObjects: no keys");
        assert_eq!(msg(&vec!["k"; MAX_DELETE_KEYS + 1]), "DeleteObjects: 1001 keys, but at most 1000 per request");
        assert_eq!(msg(&["a", ""]), "DeleteObjects: key number 2 is empty");
        assert_eq!(msg(&["a", "b", "bell\u{7}"]), "DeleteObjects: <Key> number 3 contains '\\u{7}' (U+0007), which XML 1.0 cannot carry");
    }
}
