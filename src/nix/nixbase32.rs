//! Nix's base-32 ("nix32"): alphabet `0123456789abcdfghijklmnpqrsvwxyz` (no e, o, u, t), length
//! `ceil(8n / 5)`; the bytes are read as one little-endian number and printed most-significant
//! digit first.

/// The alphabet.
pub const ALPHABET: &[u8; 32] = b"0123456789abcdfghijklmnpqrsvwxyz";

/// Characters needed for `n` bytes.
pub const fn encoded_len(n: usize) -> usize {
    if n == 0 {
        0
    } else {
        (n * 8 - 1) / 5 + 1
    }
}

/// Encode bytes.
pub fn encode(input: &[u8]) -> String {
    let len = encoded_len(input.len());
    let mut out = String::with_capacity(len);
    for n in (0..len).rev() {
        let b = n * 5;
        let i = b / 8;
        let j = b % 8;
        let lo = input[i] as u16 >> j;
        let hi = if i + 1 < input.len() { (input[i + 1] as u16) << (8 - j) } else { 0 };
        out.push(ALPHABET[((lo | hi) & 0x1f) as usize] as char);
    }
    out
}

/// A string that is not nix32 of the expected length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Wrong number of characters for the expected byte count.
    Length { expected: usize, got: usize },
    /// A character outside the alphabet, at this index.
    Character { index: usize, ch: char },
    /// The highest digit carries bits beyond the last byte.
    Carry,
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::Length { expected, got } => write!(f, "nix32 string has {got} characters, expected {expected}"),
            DecodeError::Character { index, ch } => write!(f, "invalid nix32 character {ch:?} at position {index}"),
            DecodeError::Carry => f.write_str("nix32 string has bits set beyond its length"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Decode a string of `encoded_len(n)` characters into `n` bytes.
pub fn decode(input: &str, n: usize) -> Result<Vec<u8>, DecodeError> {
    let s = input.as_bytes();
    if s.len() != encoded_len(n) {
        return Err(DecodeError::Length { expected: encoded_len(n), got: s.len() });
    }
    let mut out = vec![0u8; n];
    for (k, &c) in s.iter().enumerate() {
        let digit = ALPHABET.iter().position(|&a| a == c).ok_or(DecodeError::Character { index: k, ch: input[k..].chars().next().unwrap_or('?') })? as u16;
        let pos = s.len() - 1 - k;
        let b = pos * 5;
        let i = b / 8;
        let j = b % 8;
        out[i] |= (digit << j) as u8;
        let carry = digit >> (8 - j);
        if i + 1 < n {
            out[i + 1] |= carry as u8;
        } else if carry != 0 {
            return Err(DecodeError::Carry);
        }
    }
    Ok(out)
}

/// Decode a string whose byte length follows from its own length (the inverse of
/// [`encoded_len`]); `None` when no byte count has that length.
pub fn decode_any(input: &str) -> Result<Vec<u8>, DecodeError> {
    let n = input.len() * 5 / 8;
    if encoded_len(n) != input.len() {
        return Err(DecodeError::Length { expected: encoded_len(n), got: input.len() });
    }
    decode(input, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // sha256("") and the classic store path hash examples.
        let empty = hex::decode("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855").unwrap();
        assert_eq!(encode(&empty), "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73");
        assert_eq!(decode("0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73", 32).unwrap(), empty);
        assert_eq!(encode(&[]), "");
        assert_eq!(encode(&[0x1f]), "0z");
        assert_eq!(encoded_len(20), 32);
        assert_eq!(encoded_len(32), 52);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(decode("0z", 2), Err(DecodeError::Length { .. })));
        assert!(matches!(decode("0e", 1), Err(DecodeError::Character { index: 1, .. })));
        // "zz" would need 10 bits for one byte: the top bits carry past the end.
        assert_eq!(decode("zz", 1), Err(DecodeError::Carry));
    }

    #[test]
    fn round_trip() {
        for n in 0..70 {
            let data: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(decode(&encode(&data), n).unwrap(), data);
        }
    }
    /// `tests/data/nix/nix32-vectors.tsv`: `algo  base16  nix32  base64  source` rows, and a last
    /// comment line quoting the invalid strings, each followed by its reason in parentheses.
    const VECTORS: &str = include_str!("../../tests/data/nix/nix32-vectors.tsv");

    fn field(s: &str) -> &str {
        if s == "(empty)" {
            ""
        } else {
            s
        }
    }

    #[test]
    fn vector_table() {
        let mut rows = 0;
        for line in VECTORS.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let cols: Vec<&str> = line.split('\t').collect();
            assert_eq!(cols.len(), 5, "{line}");
            let (algo, b16, n32, b64) = (cols[0], field(cols[1]), field(cols[2]), cols[3]);
            let bytes = hex::decode(b16).unwrap();
            let want_len = match algo {
                "sha1" => 20,
                "sha256" => 32,
                "sha512" => 64,
                "raw" => bytes.len(),
                other => panic!("unknown algo {other} in {line}"),
            };
            assert_eq!(bytes.len(), want_len, "{line}");
            assert_eq!(encode(&bytes), n32, "encode {line}");
            assert_eq!(decode(n32, bytes.len()).unwrap(), bytes, "decode {line}");
            assert_eq!(decode_any(n32).unwrap(), bytes, "decode_any {line}");
            if b64 != "-" {
                assert_eq!(crate::util::base64::encode(&bytes), b64, "base64 {line}");
                assert_eq!(crate::util::base64::decode(b64).unwrap(), bytes, "base64 {line}");
            }
            rows += 1;
        }
        assert_eq!(rows, 7);

        // The invalid strings: `"zz" (non-zero carry bits), "c0" (non-zero carry), "0" (bad length)`.
        let invalid = VECTORS.lines().find(|l| l.starts_with("# invalid nix32")).expect("the invalid-strings line");
        let mut checked = 0;
        for part in invalid.split(", ") {
            let mut q = part.splitn(3, '"');
            let (_, s, reason) = (q.next().unwrap(), q.next().unwrap(), q.next().unwrap());
            let err = decode_any(s).unwrap_err();
            if reason.contains("carry") {
                assert_eq!(err, DecodeError::Carry, "{s:?}");
            } else if reason.contains("length") {
                assert!(matches!(err, DecodeError::Length { .. }), "{s:?}: {err:?}");
            } else {
                panic!("no reason understood in {part:?}");
            }
            checked += 1;
        }
        assert_eq!(checked, 4);
    }
}
