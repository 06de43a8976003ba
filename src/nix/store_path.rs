//! Store paths (libstore `path.cc`, `store-api.cc`): `/nix/store/<hash>-<name>`, where the hash
//! part is 32 nix32 characters (20 bytes) and the name at most 211 characters of
//! `[A-Za-z0-9+\-._?=]`, not starting with `.`.
//!
//! How Nix computes the hash part of a content-addressed path:
//!
//! ```text
//! fingerprint = TYPE ":" "sha256:" base16(INNER) ":" STORE_DIR ":" NAME
//! hash part   = nix32(fold20(sha256(fingerprint)))      fold20: out[i % 20] ^= digest[i]
//! ```
//!
//! | what                                        | TYPE                                  | INNER |
//! |---------------------------------------------|---------------------------------------|-------|
//! | `nix-store --add`, recursive sha256 fixed output | `source` + `:<ref path>`… (+ `:self`) | sha256 of the NAR |
//! | flat or non-sha256 fixed output             | `output:out`                          | sha256 of `fixed:out:[r:]ALGO:<base16>:` |
//! | `builtins.toFile`, text                     | `text` + `:<ref path>`…               | sha256 of the contents |
//!
//! References are full store paths, sorted, each once. Pure: no I/O.

use std::cmp::Ordering;
use std::fmt;

use crate::nix::hash::{Hash, HashAlgo};
use crate::nix::nixbase32;

/// The default store directory.
pub const STORE_DIR: &str = "/nix/store";
/// Bytes in a store path's hash part.
pub const HASH_BYTES: usize = 20;
/// Characters in a store path's hash part.
pub const HASH_CHARS: usize = 32;
/// The longest name Nix allows.
pub const MAX_NAME_LEN: usize = 211;

/// A store path: hash part and name, without the store directory.
///
/// Ordered as Nix orders them (by base name), which is also the order of the full paths.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct StorePath {
    hash: [u8; HASH_BYTES],
    name: String,
}

/// Why a string is not a store path, or a store path cannot be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorePathError {
    /// The absolute path is not directly inside the store directory.
    NotInStore { path: String, store_dir: String },
    /// Shorter than a hash part and a dash.
    TooShort(String),
    /// A character in the hash part that is not nix32, at this index.
    HashCharacter { path: String, index: usize },
    /// The hash part is not followed by `-`.
    MissingDash(String),
    /// Empty name.
    EmptyName(String),
    /// Name longer than [`MAX_NAME_LEN`] bytes (`len`).
    NameTooLong { path: String, len: usize },
    /// A character outside `[A-Za-z0-9+\-._?=]` in the name.
    NameCharacter { path: String, ch: char },
    /// The name starts with `.`.
    NameStartsWithDot(String),
    /// References given for a path type that cannot have them (flat or non-sha256 fixed
    /// outputs).
    ReferencesNotAllowed,
    /// A hash of the wrong algorithm (text paths need SHA-256).
    WrongHashAlgo { expected: HashAlgo, got: HashAlgo },
}

impl fmt::Display for StorePathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorePathError::NotInStore { path, store_dir } => write!(f, "path '{path}' is not directly inside the store directory '{store_dir}'"),
            StorePathError::TooShort(p) => write!(f, "'{p}' is too short to be a store path (32 hash characters, '-', a name)"),
            StorePathError::HashCharacter { path, index } => write!(f, "store path '{path}' has a non-nix32 character at position {index} of its hash part"),
            StorePathError::MissingDash(p) => write!(f, "store path '{p}' has no '-' after its 32-character hash part"),
            StorePathError::EmptyName(p) => write!(f, "store path '{p}' has an empty name"),
            StorePathError::NameTooLong { path, len } => write!(f, "store path '{path}' has a name of {len} characters, more than {MAX_NAME_LEN}"),
            StorePathError::NameCharacter { path, ch } => {
                write!(f, "store path '{path}' has the character {ch:?} in its name (allowed: A-Z a-z 0-9 + - . _ ? =)")
            }
            StorePathError::NameStartsWithDot(p) => write!(f, "store path '{p}' has a name starting with '.'"),
            StorePathError::ReferencesNotAllowed => f.write_str("only recursive (NAR) sha256 fixed-output paths can have references"),
            StorePathError::WrongHashAlgo { expected, got } => write!(f, "a {got} hash was given where {expected} is needed"),
        }
    }
}

impl std::error::Error for StorePathError {}

/// How much of a bad input an error quotes.
const MAX_QUOTED: usize = 300;

fn quoted(s: &str) -> String {
    match s.char_indices().nth(MAX_QUOTED) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

/// Check a store path name; `path` is what errors quote.
pub fn validate_name(name: &str, path: &str) -> Result<(), StorePathError> {
    if name.is_empty() {
        return Err(StorePathError::EmptyName(quoted(path)));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(StorePathError::NameTooLong { path: quoted(path), len: name.len() });
    }
    if let Some(ch) = name.chars().find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.' | '_' | '?' | '='))) {
        return Err(StorePathError::NameCharacter { path: quoted(path), ch });
    }
    if name.starts_with('.') {
        return Err(StorePathError::NameStartsWithDot(quoted(path)));
    }
    Ok(())
}

impl StorePath {
    /// A store path from its hash bytes and a name (checked).
    pub fn from_parts(hash: [u8; HASH_BYTES], name: &str) -> Result<StorePath, StorePathError> {
        validate_name(name, name)?;
        Ok(StorePath { hash, name: name.to_string() })
    }

    /// Parse `<hash>-<name>`.
    pub fn from_base_name(s: &str) -> Result<StorePath, StorePathError> {
        let b = s.as_bytes();
        if b.len() < HASH_CHARS + 1 {
            return Err(StorePathError::TooShort(quoted(s)));
        }
        if let Some(index) = b[..HASH_CHARS].iter().position(|c| !nixbase32::ALPHABET.contains(c)) {
            return Err(StorePathError::HashCharacter { path: quoted(s), index });
        }
        if b[HASH_CHARS] != b'-' {
            return Err(StorePathError::MissingDash(quoted(s)));
        }
        // 32 nix32 characters are exactly 160 bits: decoding cannot fail.
        let digest = nixbase32::decode(&s[..HASH_CHARS], HASH_BYTES).map_err(|_| StorePathError::HashCharacter { path: quoted(s), index: 0 })?;
        let name = &s[HASH_CHARS + 1..];
        validate_name(name, s)?;
        let mut hash = [0u8; HASH_BYTES];
        hash.copy_from_slice(&digest);
        Ok(StorePath { hash, name: name.to_string() })
    }

    /// Parse `<store_dir>/<hash>-<name>` (`store_dir` without a trailing slash, e.g.
    /// [`STORE_DIR`]). Nothing may follow the base name, not even a `/`.
    pub fn from_absolute_path(path: &str, store_dir: &str) -> Result<StorePath, StorePathError> {
        let base = path
            .strip_prefix(store_dir)
            .and_then(|r| r.strip_prefix('/'))
            .filter(|b| !b.contains('/'))
            .ok_or_else(|| StorePathError::NotInStore { path: quoted(path), store_dir: store_dir.to_string() })?;
        StorePath::from_base_name(base)
    }

    /// An absolute path under [`STORE_DIR`] when `s` starts with `/`, a base name otherwise.
    pub fn parse(s: &str) -> Result<StorePath, StorePathError> {
        if s.starts_with('/') {
            StorePath::from_absolute_path(s, STORE_DIR)
        } else {
            StorePath::from_base_name(s)
        }
    }

    /// The hash part's bytes.
    pub fn hash(&self) -> &[u8; HASH_BYTES] {
        &self.hash
    }

    /// The hash part as nix32 (what narinfo files are named after).
    pub fn hash_part(&self) -> String {
        nixbase32::encode(&self.hash)
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `<store_dir>/<hash>-<name>`.
    pub fn to_absolute(&self, store_dir: &str) -> String {
        format!("{store_dir}/{self}")
    }
}

impl fmt::Display for StorePath {
    /// The base name, `<hash>-<name>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", nixbase32::encode(&self.hash), self.name)
    }
}

impl fmt::Debug for StorePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StorePath({self})")
    }
}

impl Ord for StorePath {
    fn cmp(&self, other: &Self) -> Ordering {
        // nix32 prints the bytes as a little-endian number, most significant digit first, with an
        // alphabet in ASCII order: comparing the hash parts as text is comparing the bytes from
        // the last one down.
        self.hash.iter().rev().cmp(other.hash.iter().rev()).then_with(|| self.name.as_bytes().cmp(other.name.as_bytes()))
    }
}

impl PartialOrd for StorePath {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl std::str::FromStr for StorePath {
    type Err = StorePathError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StorePath::parse(s)
    }
}

/// XOR-fold a digest into `N` bytes: `out[i % N] ^= digest[i]` (Nix's `compressHash`).
pub fn fold<const N: usize>(digest: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    for (i, b) in digest.iter().enumerate() {
        out[i % N] ^= b;
    }
    out
}

/// The store path for a fingerprint `path_type:<inner as algo:base16>:<store_dir>:<name>`
/// (Nix's `makeStorePath`).
pub fn make_store_path(path_type: &str, inner: &Hash, name: &str, store_dir: &str) -> Result<StorePath, StorePathError> {
    validate_name(name, name)?;
    let fingerprint = format!("{path_type}:{}:{store_dir}:{name}", inner.to_base16_string());
    let digest = Hash::sha256(fingerprint.as_bytes());
    Ok(StorePath { hash: fold::<HASH_BYTES>(digest.digest()), name: name.to_string() })
}

/// `TYPE` followed by `:<full path>` for each reference, sorted and each once.
fn type_with_references(base: &str, references: &[StorePath], store_dir: &str) -> String {
    let mut refs: Vec<&StorePath> = references.iter().collect();
    refs.sort();
    refs.dedup();
    let mut t = base.to_string();
    for r in refs {
        t.push(':');
        t.push_str(&r.to_absolute(store_dir));
    }
    t
}

/// How a fixed output's content was hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileIngestionMethod {
    /// The file's bytes (`--add-fixed` without `--recursive`; `outputHashMode = "flat"`).
    Flat,
    /// The NAR serialisation (`--recursive`; `outputHashMode = "recursive"`).
    Recursive,
}

/// A fixed-output path (Nix's `makeFixedOutputPath`): for a recursive SHA-256 hash, type
/// `source` with the references (and `:self` when the path refers to itself); otherwise type
/// `output:out` over `fixed:out:[r:]ALGO:<base16>:`, which allows no references.
pub fn make_fixed_output_path(
    method: FileIngestionMethod,
    hash: &Hash,
    name: &str,
    references: &[StorePath],
    self_reference: bool,
    store_dir: &str,
) -> Result<StorePath, StorePathError> {
    if method == FileIngestionMethod::Recursive && hash.algo() == HashAlgo::Sha256 {
        let mut t = type_with_references("source", references, store_dir);
        if self_reference {
            t.push_str(":self");
        }
        make_store_path(&t, hash, name, store_dir)
    } else {
        if !references.is_empty() || self_reference {
            return Err(StorePathError::ReferencesNotAllowed);
        }
        let r = if method == FileIngestionMethod::Recursive { "r:" } else { "" };
        let inner = Hash::sha256(format!("fixed:out:{r}{}:", hash.to_base16_string()).as_bytes());
        make_store_path("output:out", &inner, name, store_dir)
    }
}

/// What `nix-store --add PATH` makes: `nar_sha256` is the SHA-256 of PATH's NAR, `name` its
/// base name.
pub fn make_source_path(nar_sha256: &Hash, name: &str, references: &[StorePath], store_dir: &str) -> Result<StorePath, StorePathError> {
    if nar_sha256.algo() != HashAlgo::Sha256 {
        return Err(StorePathError::WrongHashAlgo { expected: HashAlgo::Sha256, got: nar_sha256.algo() });
    }
    make_fixed_output_path(FileIngestionMethod::Recursive, nar_sha256, name, references, false, store_dir)
}

/// A text path (Nix's `makeTextPath`, as `builtins.toFile` and `nix-store --add` of a `.drv`
/// make them): `content_sha256` is the SHA-256 of the file's contents.
pub fn make_text_path(name: &str, content_sha256: &Hash, references: &[StorePath], store_dir: &str) -> Result<StorePath, StorePathError> {
    if content_sha256.algo() != HashAlgo::Sha256 {
        return Err(StorePathError::WrongHashAlgo { expected: HashAlgo::Sha256, got: content_sha256.algo() });
    }
    make_store_path(&type_with_references("text", references, store_dir), content_sha256, name, store_dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "00bgd045z0d4icpbc2yyz4gx48ak44la-net-tools-1.60_p20170221182432";

    #[test]
    fn parse_and_display_round_trip() {
        let p = StorePath::from_base_name(P).unwrap();
        assert_eq!(p.hash(), &hex::decode("8a12321522fd91efbd60ebb2481af88580f61600").unwrap()[..]);
        assert_eq!(p.name(), "net-tools-1.60_p20170221182432");
        assert_eq!(p.hash_part(), &P[..32]);
        assert_eq!(p.to_string(), P);
        assert_eq!(p.to_absolute(STORE_DIR), format!("/nix/store/{P}"));
        assert_eq!(StorePath::from_absolute_path(&format!("/nix/store/{P}"), STORE_DIR).unwrap(), p);
        assert_eq!(StorePath::from_absolute_path(&format!("/gnu/store/{P}"), "/gnu/store").unwrap(), p);
        assert_eq!(StorePath::parse(&format!("/nix/store/{P}")).unwrap(), p);
        assert_eq!(StorePath::parse(P).unwrap(), p);
        assert_eq!(StorePath::from_parts(*p.hash(), p.name()).unwrap(), p);
        let longest = format!("{}-{}", &P[..32], "a".repeat(211));
        assert_eq!(StorePath::from_base_name(&longest).unwrap().to_string(), longest);
        let odd = format!("{}-{}", &P[..32], "+-._?=AZaz09");
        assert_eq!(StorePath::from_base_name(&odd).unwrap().name(), "+-._?=AZaz09");
    }

    #[test]
    fn rejects_with_the_reason() {
        use StorePathError as E;
        let h = &P[..32];
        let e = |s: &str| StorePath::from_base_name(s).unwrap_err();
        assert_eq!(e(h), E::TooShort(h.into()));
        assert!(matches!(e(&format!("{h}-")), E::EmptyName(_)));
        assert!(matches!(e(&format!("e{}-x", &h[1..])), E::HashCharacter { index: 0, .. }));
        assert!(matches!(e(&format!("{}O-x", &h[..31])), E::HashCharacter { index: 31, .. }));
        assert!(matches!(e(&format!("{h}_x")), E::MissingDash(_)));
        assert!(matches!(e(&format!("{h}-{}", "a".repeat(212))), E::NameTooLong { len: 212, .. }));
        assert!(matches!(e(&format!("{h}-a b")), E::NameCharacter { ch: ' ', .. }));
        assert!(matches!(e(&format!("{h}-a/b")), E::NameCharacter { ch: '/', .. }));
        assert!(matches!(e(&format!("{h}-ü")), E::NameCharacter { ch: 'ü', .. }));
        assert!(matches!(e(&format!("{h}-.x")), E::NameStartsWithDot(_)));
        assert!(matches!(e(&format!("{h}-..")), E::NameStartsWithDot(_)));
        let a = |s: &str| StorePath::from_absolute_path(s, STORE_DIR).unwrap_err();
        assert!(matches!(a(&format!("/nix/store/{P}/bin")), E::NotInStore { .. }));
        assert!(matches!(a(&format!("/nix/store//{P}")), E::NotInStore { .. }));
        assert!(matches!(a(&format!("/nix/storex/{P}")), E::NotInStore { .. }));
        assert!(matches!(a(P), E::NotInStore { .. }));
        assert_eq!(e(&format!("{h}-a b")).to_string(), format!("store path '{h}-a b' has the character ' ' in its name (allowed: A-Z a-z 0-9 + - . _ ? =)"));
    }

    #[test]
    fn order_is_base_name_order() {
        let mut paths: Vec<StorePath> = (0u8..40)
            .map(|i| {
                let mut h = [0u8; 20];
                h[i as usize % 20] = i.wrapping_mul(97);
                h[19 - i as usize % 20] ^= i;
                StorePath::from_parts(h, if i % 3 == 0 { "a" } else { "b-1" }).unwrap()
            })
            .collect();
        let mut by_text = paths.clone();
        by_text.sort_by_key(|p| p.to_string());
        paths.sort();
        assert_eq!(paths, by_text);
    }

    #[test]
    fn fold_xors_into_twenty_bytes() {
        let d: Vec<u8> = (1..=32).collect();
        let f = fold::<20>(&d);
        assert_eq!(f[0], 1 ^ 21);
        assert_eq!(f[11], 12 ^ 32);
        assert_eq!(f[12], 13);
    }

    // Values printed by Nix 2.8 (see tests/nix_paths.rs, which recomputes them against the real
    // thing): `builtins.toFile "hello.txt" "hello\n"`, and `nix-store --add-fixed sha256` of a
    // file holding "hello\n".
    #[test]
    fn known_paths_from_nix() {
        let text = make_text_path("hello.txt", &Hash::sha256(b"hello\n"), &[], STORE_DIR).unwrap();
        assert_eq!(text.to_absolute(STORE_DIR), TEXT_HELLO);
        let flat = make_fixed_output_path(FileIngestionMethod::Flat, &Hash::sha256(b"hello\n"), "hello.txt", &[], false, STORE_DIR).unwrap();
        assert_eq!(flat.to_absolute(STORE_DIR), FLAT_HELLO);
        assert_eq!(
            make_fixed_output_path(FileIngestionMethod::Flat, &Hash::sha256(b""), "x", std::slice::from_ref(&text), false, STORE_DIR),
            Err(StorePathError::ReferencesNotAllowed)
        );
        let md5 = Hash::from_digest(HashAlgo::Md5, &[0; 16]).unwrap();
        assert!(matches!(make_text_path("x", &md5, &[], STORE_DIR), Err(StorePathError::WrongHashAlgo { .. })));
        assert!(matches!(make_store_path("text", &md5, ".x", STORE_DIR), Err(StorePathError::NameStartsWithDot(_))));
    }

    const TEXT_HELLO: &str = "/nix/store/qa1w9gdfrba6jl2r57mb3c43863gqywp-hello.txt";
    const FLAT_HELLO: &str = "/nix/store/gy454w1cxaq731grqwylhzf4pp9r5izh-hello.txt";
}
