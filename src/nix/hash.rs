//! Nix's hashes as text (libutil `hash.cc`): an algorithm and a digest, written as
//!
//! - `algo:<base16>`, `algo:<nix32>` or `algo:<base64>`; which encoding is meant follows from the
//!   length alone, because the three lengths differ for every algorithm (sha256: 64, 52, 44);
//! - SRI: `algo-<base64>`;
//! - a bare digest in any of the three encodings, when the algorithm is known from elsewhere
//!   ([`Hash::parse_with_algo`]).
//!
//! Nix prints `algo:<nix32>` in narinfos and store path fingerprints use `algo:<base16>`.
//! Parsing is stricter than Nix in one place: base64 must be padded and canonical (Nix stops at
//! the first `=` and skips newlines); every hash Nix writes satisfies that.
//!
//! Pure: no I/O. SHA-256 digests are computed with [`PayloadHasher`], so that the crypto crates
//! are named in one module only; [`HashingWriter`] hashes a stream (a NAR being dumped) as it
//! passes.

use std::fmt;
use std::io;

use crate::nix::nixbase32;
use crate::s3::sigv4::PayloadHasher;

/// The hash algorithms Nix knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HashAlgo {
    /// MD5, 16 bytes.
    Md5,
    /// SHA-1, 20 bytes.
    Sha1,
    /// SHA-256, 32 bytes.
    Sha256,
    /// SHA-512, 64 bytes.
    Sha512,
}

/// The longest digest (SHA-512).
pub const MAX_DIGEST_LEN: usize = 64;

impl HashAlgo {
    /// Every algorithm.
    pub const ALL: [HashAlgo; 4] = [HashAlgo::Md5, HashAlgo::Sha1, HashAlgo::Sha256, HashAlgo::Sha512];

    /// The name Nix uses: `md5`, `sha1`, `sha256`, `sha512`.
    pub const fn name(self) -> &'static str {
        match self {
            HashAlgo::Md5 => "md5",
            HashAlgo::Sha1 => "sha1",
            HashAlgo::Sha256 => "sha256",
            HashAlgo::Sha512 => "sha512",
        }
    }

    /// Digest length in bytes.
    pub const fn digest_len(self) -> usize {
        match self {
            HashAlgo::Md5 => 16,
            HashAlgo::Sha1 => 20,
            HashAlgo::Sha256 => 32,
            HashAlgo::Sha512 => 64,
        }
    }

    /// Length of the base16 form.
    pub const fn base16_len(self) -> usize {
        self.digest_len() * 2
    }

    /// Length of the nix32 form.
    pub const fn nix32_len(self) -> usize {
        nixbase32::encoded_len(self.digest_len())
    }

    /// Length of the (padded) base64 form.
    pub const fn base64_len(self) -> usize {
        self.digest_len().div_ceil(3) * 4
    }

    /// The algorithm called `name` (exactly as Nix spells it, lowercase).
    pub fn from_name(name: &str) -> Result<HashAlgo, HashError> {
        HashAlgo::ALL.into_iter().find(|a| a.name() == name).ok_or_else(|| HashError::UnknownAlgo(name.to_string()))
    }
}

impl fmt::Display for HashAlgo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for HashAlgo {
    type Err = HashError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HashAlgo::from_name(s)
    }
}

/// A hash string that could not be parsed. The strings kept here are shortened to
/// [`MAX_QUOTED`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HashError {
    /// The algorithm name is not one of `md5`, `sha1`, `sha256`, `sha512`.
    UnknownAlgo(String),
    /// No `algo:` or `algo-` prefix, and no algorithm given.
    MissingAlgo(String),
    /// The prefix names another algorithm than the one expected.
    AlgoMismatch { expected: HashAlgo, got: HashAlgo },
    /// The digest's length fits none of base16, nix32 and base64 for the algorithm.
    WrongLength { algo: HashAlgo, len: usize, digest: String },
    /// A character that is not a hex digit, at this index of the digest.
    Base16 { index: usize, digest: String },
    /// Bad nix32.
    Nix32 { source: nixbase32::DecodeError, digest: String },
    /// Bad base64, or an SRI digest of the wrong size.
    Base64 { reason: &'static str, digest: String },
    /// A digest given as bytes has the wrong length.
    DigestLength { algo: HashAlgo, len: usize },
}

/// How much of a bad input an error quotes.
pub const MAX_QUOTED: usize = 200;

fn quoted(s: &str) -> String {
    match s.char_indices().nth(MAX_QUOTED) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

impl fmt::Display for HashError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HashError::UnknownAlgo(a) => write!(f, "unknown hash algorithm '{a}' (expected md5, sha1, sha256 or sha512)"),
            HashError::MissingAlgo(s) => write!(f, "hash '{s}' has no 'algo:' or SRI 'algo-' prefix"),
            HashError::AlgoMismatch { expected, got } => write!(f, "hash has algorithm {got}, expected {expected}"),
            HashError::WrongLength { algo, len, digest } => write!(
                f,
                "{algo} hash '{digest}' has {len} characters; expected {} (base16), {} (nix32) or {} (base64)",
                algo.base16_len(),
                algo.nix32_len(),
                algo.base64_len()
            ),
            HashError::Base16 { index, digest } => write!(f, "invalid base16 hash '{digest}': bad character at position {index}"),
            HashError::Nix32 { source, digest } => write!(f, "invalid nix32 hash '{digest}': {source}"),
            HashError::Base64 { reason, digest } => write!(f, "invalid base64 hash '{digest}': {reason}"),
            HashError::DigestLength { algo, len } => write!(f, "a {algo} digest has {} bytes, not {len}", algo.digest_len()),
        }
    }
}

impl std::error::Error for HashError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HashError::Nix32 { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// An algorithm and its digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Hash {
    algo: HashAlgo,
    digest: [u8; MAX_DIGEST_LEN],
}

impl Hash {
    /// A hash from its digest bytes, which must be `algo.digest_len()` long.
    pub fn from_digest(algo: HashAlgo, digest: &[u8]) -> Result<Hash, HashError> {
        if digest.len() != algo.digest_len() {
            return Err(HashError::DigestLength { algo, len: digest.len() });
        }
        let mut d = [0u8; MAX_DIGEST_LEN];
        d[..digest.len()].copy_from_slice(digest);
        Ok(Hash { algo, digest: d })
    }

    /// A SHA-256 hash from its 32 bytes.
    pub fn sha256_from_digest(digest: [u8; 32]) -> Hash {
        let mut d = [0u8; MAX_DIGEST_LEN];
        d[..32].copy_from_slice(&digest);
        Hash { algo: HashAlgo::Sha256, digest: d }
    }

    /// The SHA-256 of `data`.
    pub fn sha256(data: &[u8]) -> Hash {
        let mut h = PayloadHasher::new();
        h.update(data);
        Hash::sha256_from_digest(h.finalize())
    }

    /// Parse `algo:<base16|nix32|base64>` or SRI `algo-<base64>`.
    ///
    /// Errors: [`HashError::MissingAlgo`] without a prefix, [`HashError::UnknownAlgo`], and the
    /// digest errors of [`Hash::parse_with_algo`].
    pub fn parse(s: &str) -> Result<Hash, HashError> {
        let (algo, rest, sri) = split_prefix(s)?.ok_or_else(|| HashError::MissingAlgo(quoted(s)))?;
        parse_digest(algo, rest, sri)
    }

    /// Parse a digest of a known algorithm: bare (base16, nix32 or base64, told apart by length),
    /// or with an `algo:` or SRI `algo-` prefix that must name `algo`, as Nix's `parseAny` does.
    ///
    /// Errors: [`HashError::AlgoMismatch`], [`HashError::WrongLength`], and the encoding's own
    /// ([`HashError::Base16`], [`HashError::Nix32`], [`HashError::Base64`]).
    pub fn parse_with_algo(s: &str, algo: HashAlgo) -> Result<Hash, HashError> {
        match split_prefix(s)? {
            Some((got, rest, sri)) => {
                if got != algo {
                    return Err(HashError::AlgoMismatch { expected: algo, got });
                }
                parse_digest(algo, rest, sri)
            }
            None => parse_digest(algo, s, false),
        }
    }

    /// The algorithm.
    pub fn algo(&self) -> HashAlgo {
        self.algo
    }

    /// The digest bytes.
    pub fn digest(&self) -> &[u8] {
        &self.digest[..self.algo.digest_len()]
    }

    /// Lowercase hex digest, without prefix.
    pub fn to_base16(&self) -> String {
        hex::encode(self.digest())
    }

    /// nix32 digest, without prefix.
    pub fn to_nix32(&self) -> String {
        nixbase32::encode(self.digest())
    }

    /// Padded base64 digest, without prefix.
    pub fn to_base64(&self) -> String {
        crate::util::base64::encode(self.digest())
    }

    /// `algo:<base16>`, as in store path fingerprints.
    pub fn to_base16_string(&self) -> String {
        format!("{}:{}", self.algo, self.to_base16())
    }

    /// `algo:<nix32>`, as in narinfos (the same as `Display`).
    pub fn to_nix32_string(&self) -> String {
        format!("{}:{}", self.algo, self.to_nix32())
    }

    /// SRI: `algo-<base64>`.
    pub fn to_sri(&self) -> String {
        format!("{}-{}", self.algo, self.to_base64())
    }
}

/// `Some((algo, rest, is_sri))` when `s` has an `algo:` or (failing that) an `algo-` prefix.
fn split_prefix(s: &str) -> Result<Option<(HashAlgo, &str, bool)>, HashError> {
    // As Nix: a colon anywhere wins over a dash; base64 never contains either, nix32 and
    // base16 neither.
    let (prefix, rest, sri) = if let Some((p, r)) = s.split_once(':') {
        (p, r, false)
    } else if let Some((p, r)) = s.split_once('-') {
        (p, r, true)
    } else {
        return Ok(None);
    };
    let algo = HashAlgo::from_name(prefix).map_err(|_| HashError::UnknownAlgo(quoted(prefix)))?;
    Ok(Some((algo, rest, sri)))
}

fn parse_digest(algo: HashAlgo, rest: &str, sri: bool) -> Result<Hash, HashError> {
    let len = rest.len();
    let digest = if !sri && len == algo.base16_len() {
        hex_decode(rest)?
    } else if !sri && len == algo.nix32_len() {
        nixbase32::decode(rest, algo.digest_len()).map_err(|source| HashError::Nix32 { source, digest: quoted(rest) })?
    } else if sri || len == algo.base64_len() {
        let d = crate::util::base64::decode(rest).map_err(|reason| HashError::Base64 { reason, digest: quoted(rest) })?;
        if d.len() != algo.digest_len() {
            return Err(HashError::Base64 { reason: "wrong number of bytes for the algorithm", digest: quoted(rest) });
        }
        d
    } else {
        return Err(HashError::WrongLength { algo, len, digest: quoted(rest) });
    };
    Hash::from_digest(algo, &digest)
}

/// Hex in either case, as Nix accepts.
fn hex_decode(s: &str) -> Result<Vec<u8>, HashError> {
    let b = s.as_bytes();
    let nibble = |i: usize| -> Result<u8, HashError> {
        match b[i] {
            c @ b'0'..=b'9' => Ok(c - b'0'),
            c @ b'a'..=b'f' => Ok(c - b'a' + 10),
            c @ b'A'..=b'F' => Ok(c - b'A' + 10),
            _ => Err(HashError::Base16 { index: i, digest: quoted(s) }),
        }
    };
    (0..b.len() / 2).map(|k| Ok(nibble(2 * k)? << 4 | nibble(2 * k + 1)?)).collect()
}

impl fmt::Display for Hash {
    /// `algo:<nix32>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algo, self.to_nix32())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({self})")
    }
}

impl std::str::FromStr for Hash {
    type Err = HashError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Hash::parse(s)
    }
}

/// A writer that SHA-256-hashes and counts everything written through it to `inner` (use
/// [`io::sink`] to only hash). Memory use is constant whatever the stream's size.
pub struct HashingWriter<W> {
    inner: W,
    hasher: PayloadHasher,
    written: u64,
}

impl<W: io::Write> HashingWriter<W> {
    /// Hash what goes to `inner`.
    pub fn new(inner: W) -> Self {
        HashingWriter { inner, hasher: PayloadHasher::new(), written: 0 }
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// The SHA-256 of everything written, its length, and the inner writer.
    pub fn finish(self) -> (Hash, u64, W) {
        (Hash::sha256_from_digest(self.hasher.finalize()), self.written, self.inner)
    }
}

impl<W: io::Write> io::Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Only what the inner writer took is hashed, so that a short write stays consistent.
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    // The hash-convert.sh values (NixOS/nix tests/functional), also in tests/data/nix.
    const SHA256_B16: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    const SHA256_N32: &str = "1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s";
    const SHA256_B64: &str = "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=";

    #[test]
    fn every_encoding_parses_to_the_same_hash() {
        let want = Hash::from_digest(HashAlgo::Sha256, &hex::decode(SHA256_B16).unwrap()).unwrap();
        for s in [
            format!("sha256:{SHA256_B16}"),
            format!("sha256:{}", SHA256_B16.to_uppercase()),
            format!("sha256:{SHA256_N32}"),
            format!("sha256:{SHA256_B64}"),
            format!("sha256-{SHA256_B64}"),
        ] {
            assert_eq!(Hash::parse(&s).unwrap(), want, "{s}");
        }
        for s in [SHA256_B16, SHA256_N32, SHA256_B64] {
            assert_eq!(Hash::parse_with_algo(s, HashAlgo::Sha256).unwrap(), want, "{s}");
        }
        assert_eq!(Hash::parse_with_algo(&format!("sha256-{SHA256_B64}"), HashAlgo::Sha256).unwrap(), want);
        assert_eq!(want.to_base16(), SHA256_B16);
        assert_eq!(want.to_nix32(), SHA256_N32);
        assert_eq!(want.to_base64(), SHA256_B64);
        assert_eq!(want.to_nix32_string(), format!("sha256:{SHA256_N32}"));
        assert_eq!(want.to_string(), format!("sha256:{SHA256_N32}"));
        assert_eq!(want.to_base16_string(), format!("sha256:{SHA256_B16}"));
        assert_eq!(want.to_sri(), format!("sha256-{SHA256_B64}"));
        assert_eq!(format!("{want:?}"), format!("Hash(sha256:{SHA256_N32})"));
    }

    #[test]
    fn sha256_of_abc() {
        // "abc" is the input behind the hash-convert.sh sha256 value.
        assert_eq!(Hash::sha256(b"abc").to_base16(), SHA256_B16);
        let mut w = HashingWriter::new(Vec::new());
        w.write_all(b"a").unwrap();
        w.write_all(b"bc").unwrap();
        let (h, n, inner) = w.finish();
        assert_eq!((h.to_base16().as_str(), n, inner.as_slice()), (SHA256_B16, 3, &b"abc"[..]));
    }

    #[test]
    fn md5_lengths() {
        let h = Hash::from_digest(HashAlgo::Md5, &[0xab; 16]).unwrap();
        assert_eq!(h.to_nix32().len(), 26);
        assert_eq!(Hash::parse(&h.to_nix32_string()).unwrap(), h);
        assert_eq!(Hash::parse(&h.to_base16_string()).unwrap(), h);
        assert_eq!(Hash::parse(&h.to_sri()).unwrap(), h);
        assert_eq!(Hash::parse(&format!("md5:{}", h.to_base64())).unwrap(), h);
    }

    #[test]
    fn errors_name_the_problem() {
        let err = |s: &str| Hash::parse(s).unwrap_err();
        assert_eq!(err("sha257:abc"), HashError::UnknownAlgo("sha257".into()));
        assert_eq!(err("SHA256:abc"), HashError::UnknownAlgo("SHA256".into()));
        assert_eq!(err(SHA256_N32), HashError::MissingAlgo(SHA256_N32.into()));
        assert!(matches!(err("sha256:abc"), HashError::WrongLength { algo: HashAlgo::Sha256, len: 3, .. }));
        assert!(matches!(err(&format!("sha256:{}", &SHA256_N32[1..])), HashError::WrongLength { len: 51, .. }));
        let bad16 = format!("sha256:{}g", &SHA256_B16[1..]);
        assert!(matches!(err(&bad16), HashError::Base16 { index: 63, .. }));
        let bad32 = format!("sha256:e{}", &SHA256_N32[1..]);
        assert!(matches!(err(&bad32), HashError::Nix32 { source: nixbase32::DecodeError::Character { index: 0, .. }, .. }));
        // The top digit of a sha256 nix32 string holds 1 bit: "2" needs 2.
        let carry = format!("sha256:2{}", &SHA256_N32[1..]);
        assert!(matches!(err(&carry), HashError::Nix32 { source: nixbase32::DecodeError::Carry, .. }));
        // SRI is base64 whatever its length; a short one is the wrong size.
        assert!(matches!(err("sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0A"), HashError::Base64 { .. }));
        assert!(matches!(err("sha256-Zm9v"), HashError::Base64 { reason: "wrong number of bytes for the algorithm", .. }));
        assert!(matches!(err(&format!("sha256:{}", SHA256_B64.replace('=', "!"))), HashError::Base64 { .. }));
        assert_eq!(
            Hash::parse_with_algo(&format!("sha1:{SHA256_B16}"), HashAlgo::Sha256).unwrap_err(),
            HashError::AlgoMismatch { expected: HashAlgo::Sha256, got: HashAlgo::Sha1 }
        );
        assert_eq!(Hash::from_digest(HashAlgo::Sha1, &[0; 32]).unwrap_err(), HashError::DigestLength { algo: HashAlgo::Sha1, len: 32 });
        assert_eq!(err("sha256:abc").to_string(), "sha256 hash 'abc' has 3 characters; expected 64 (base16), 52 (nix32) or 44 (base64)");
        assert_eq!(err("x".repeat(500).as_str()).to_string().len(), "hash '' has no 'algo:' or SRI 'algo-' prefix".len() + MAX_QUOTED + 3);
    }

    #[test]
    fn algo_lengths_never_collide() {
        for a in HashAlgo::ALL {
            let l = [a.base16_len(), a.nix32_len(), a.base64_len()];
            assert!(l[0] != l[1] && l[1] != l[2] && l[0] != l[2], "{a}");
            assert_eq!(a.name().parse::<HashAlgo>().unwrap(), a);
        }
        assert_eq!((HashAlgo::Sha512.nix32_len(), HashAlgo::Sha512.base64_len()), (103, 88));
    }
    /// Every hash row of `tests/data/nix/nix32-vectors.tsv`, in all four notations.
    #[test]
    fn vector_table() {
        let mut rows = 0;
        for line in include_str!("../../tests/data/nix/nix32-vectors.tsv").lines().filter(|l| !l.starts_with('#') && !l.starts_with("raw\t")) {
            let c: Vec<&str> = line.split('\t').collect();
            let algo = HashAlgo::from_name(c[0]).unwrap();
            let want = Hash::from_digest(algo, &hex::decode(c[1]).unwrap()).unwrap();
            for s in [format!("{algo}:{}", c[1]), format!("{algo}:{}", c[2]), format!("{algo}:{}", c[3]), format!("{algo}-{}", c[3])] {
                assert_eq!(Hash::parse(&s).unwrap(), want, "{s}");
            }
            for bare in &c[1..4] {
                assert_eq!(Hash::parse_with_algo(bare, algo).unwrap(), want, "{bare}");
            }
            assert_eq!((want.to_base16(), want.to_nix32(), want.to_base64()), (c[1].to_string(), c[2].to_string(), c[3].to_string()));
            assert_eq!(want.to_sri(), format!("{algo}-{}", c[3]));
            rows += 1;
        }
        assert_eq!(rows, 3);
    }
}
