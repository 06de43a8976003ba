//! Percent-encoding as SigV4 and S3 use it (RFC 3986 unreserved characters are kept).

/// `A-Za-z0-9-._~`: the only bytes SigV4 leaves unencoded.
pub fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn encode_with(input: &[u8], keep_slash: bool) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(input.len());
    for &b in input {
        if is_unreserved(b) || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
    out
}

/// Encode every byte except the unreserved ones (query keys and values, `/` included).
pub fn encode(input: &str) -> String {
    encode_with(input.as_bytes(), false)
}

/// Encode every byte except the unreserved ones and `/` (S3 object key paths, encoded once).
pub fn encode_path(input: &str) -> String {
    encode_with(input.as_bytes(), true)
}

/// Error of [`decode`]: a `%` not followed by two hex digits, or bytes that are not UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Byte offset of the problem in the input.
    pub offset: usize,
    /// What was wrong.
    pub reason: &'static str,
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.reason, self.offset)
    }
}

impl std::error::Error for DecodeError {}

fn decode_impl(input: &str, plus_is_space: bool) -> Result<String, DecodeError> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (bytes.get(i + 1).and_then(|&c| hex(c)), bytes.get(i + 2).and_then(|&c| hex(c))) {
                    (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
                    _ => return Err(DecodeError { offset: i, reason: "'%' not followed by two hex digits" }),
                }
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|e| DecodeError { offset: e.utf8_error().valid_up_to(), reason: "decoded bytes are not UTF-8" })
}

/// Decode `%XX` escapes (a `+` stays a `+`, as in URL paths).
pub fn decode(input: &str) -> Result<String, DecodeError> {
    decode_impl(input, false)
}

/// Decode a `application/x-www-form-urlencoded` component (`+` is a space), as in URL queries.
pub fn decode_form(input: &str) -> Result<String, DecodeError> {
    decode_impl(input, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_once_and_keeps_unreserved() {
        assert_eq!(encode("a b+c=d&e%f~g/h"), "a%20b%2Bc%3Dd%26e%25f~g%2Fh");
        assert_eq!(encode_path("dir/a b/ሴ"), "dir/a%20b/%E1%88%B4");
    }

    #[test]
    fn decodes_and_rejects_bad_escapes() {
        assert_eq!(decode("a%20b+c").unwrap(), "a b+c");
        assert_eq!(decode_form("a%20b+c").unwrap(), "a b c");
        assert_eq!(decode("%E1%88%B4").unwrap(), "ሴ");
        assert_eq!(decode("50%").unwrap_err().offset, 2);
        assert!(decode("%zz").is_err());
        assert!(decode("%ff").is_err());
    }
}
