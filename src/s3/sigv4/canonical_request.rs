//! Step 1 of SigV4: the canonical request.
//!
//! ```text
//! HTTP method \n
//! canonical URI \n        the path as sent, each byte percent-encoded once (S3: never normalized)
//! canonical query \n      keys and values encoded, pairs sorted by key then value, `k=v` joined by `&`
//! canonical headers \n    `name:value\n` for each signed header, names lowercase and sorted
//! signed headers \n       the names, joined by `;`
//! payload hash            hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`
//! ```

use crate::util::percent;

/// The canonical URI: the path exactly as it goes on the wire (already encoded once), or `/`
/// for an empty path.
///
/// S3 signs the path it receives: it neither removes `.`/`..` segments nor merges `//`, and it
/// does not encode the path a second time, so neither does this.
pub fn canonical_uri(path: &str) -> &str {
    if path.is_empty() {
        "/"
    } else {
        path
    }
}

/// The canonical query string of decoded `(key, value)` pairs: each key and value encoded (only
/// `A-Za-z0-9-._~` kept, uppercase hex), sorted by encoded key then encoded value. A bare key is
/// `key=`.
pub fn canonical_query<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut encoded: Vec<(String, String)> = pairs.into_iter().map(|(k, v)| (percent::encode(k), percent::encode(v))).collect();
    encoded.sort();
    let mut out = String::new();
    for (i, (k, v)) in encoded.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// Headers that are never signed, even when a caller passes them: hop-by-hop headers, headers
/// that proxies and HTTP stacks rewrite (Nix 2.33 broke GCS by signing `Accept-Encoding`), and
/// the `Authorization` header the signature itself goes into. `name` must be lowercase.
pub fn is_never_signed(name: &str) -> bool {
    const NEVER: &[&str] = &[
        "authorization",
        "connection",
        "keep-alive",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "accept-encoding",
        "user-agent",
        "expect",
        // Rewritten by AWS X-Ray and Lambda on the way; the AWS SDKs never sign it either.
        "x-amzn-trace-id",
    ];
    NEVER.contains(&name) || name.starts_with("proxy-")
}

/// A header value as it is signed: leading and trailing whitespace removed, each inner run of
/// whitespace (spaces, tabs, folded line breaks) replaced by one space.
pub fn canonical_header_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for word in value.split_ascii_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The canonical headers block and the signed headers list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CanonicalHeaders {
    /// `name:value\n` for each header name, sorted by name; values of a repeated name are joined
    /// with `,` in the order given.
    pub block: String,
    /// The lowercase names joined with `;`.
    pub signed_headers: String,
}

impl CanonicalHeaders {
    /// Canonicalize `headers` (names in any case). Every header given is signed: filtering out
    /// the ones that must not be ([`is_never_signed`]) is the caller's job.
    pub fn new<'a>(headers: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut entries: Vec<(String, String)> = headers.into_iter().map(|(n, v)| (n.to_ascii_lowercase(), canonical_header_value(v))).collect();
        // Stable: values of one name keep their order.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut block = String::new();
        let mut signed_headers = String::new();
        let mut previous: Option<&str> = None;
        for (name, value) in &entries {
            if previous == Some(name.as_str()) {
                block.pop(); // the '\n' that ended the previous value of this name
                block.push(',');
            } else {
                if previous.is_some() {
                    signed_headers.push(';');
                }
                signed_headers.push_str(name);
                block.push_str(name);
                block.push(':');
            }
            block.push_str(value);
            block.push('\n');
            previous = Some(name);
        }
        CanonicalHeaders { block, signed_headers }
    }
}

/// The canonical request from its parts (`uri` from [`canonical_uri`], `query` from
/// [`canonical_query`]).
pub fn canonical_request(method: &str, uri: &str, query: &str, headers: &CanonicalHeaders, payload_hash: &str) -> String {
    format!("{method}\n{uri}\n{query}\n{}\n{}\n{payload_hash}", headers.block, headers.signed_headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_is_kept_byte_for_byte() {
        assert_eq!(canonical_uri(""), "/");
        for p in ["/", "//a//b/", "/a/./b/../c", "/test%24file.text", "/a%20b/%E1%88%B4", "/nar/x.nar.xz"] {
            assert_eq!(canonical_uri(p), p);
        }
    }

    #[test]
    fn query_is_encoded_then_sorted_by_key_then_value() {
        let q = [("prefix", "J"), ("max-keys", "2"), ("uploads", ""), ("a", "2"), ("a", "1"), ("ሴ", "x y/z+")];
        assert_eq!(canonical_query(q), "%E1%88%B4=x%20y%2Fz%2B&a=1&a=2&max-keys=2&prefix=J&uploads=");
        assert_eq!(canonical_query([]), "");
        // Sorting is by the encoded form: '%' (0x25) sorts before letters, 'Z' before 'a'.
        assert_eq!(canonical_query([("b", ""), ("B", ""), ("=", "")]), "%3D=&B=&b=");
    }

    #[test]
    fn header_values_are_trimmed_and_collapsed() {
        assert_eq!(canonical_header_value("  a   b \t c  "), "a b c");
        assert_eq!(canonical_header_value("value1\n  value2\n     value3"), "value1 value2 value3");
        assert_eq!(canonical_header_value("   "), "");
    }

    #[test]
    fn headers_are_lowercased_sorted_and_joined() {
        let h = CanonicalHeaders::new([("X-B", " 2 "), ("Host", "h"), ("x-b", "1"), ("X-A", "a  a")]);
        assert_eq!(h.block, "host:h\nx-a:a a\nx-b:2,1\n");
        assert_eq!(h.signed_headers, "host;x-a;x-b");
    }

    #[test]
    fn hop_by_hop_and_rewritten_headers_are_never_signed() {
        for n in ["connection", "keep-alive", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding"] {
            assert!(is_never_signed(n), "{n}");
        }
        for n in ["upgrade", "accept-encoding", "user-agent", "expect", "authorization"] {
            assert!(is_never_signed(n), "{n}");
        }
        for n in ["host", "range", "content-type", "content-md5", "content-length", "x-amz-date", "x-amz-meta-proxy"] {
            assert!(!is_never_signed(n), "{n}");
        }
    }
}
