//! narinfo files (`<hash>.narinfo`, `text/x-nix-narinfo`): what a binary cache says about one
//! store path. `Key: value` lines, each ending in `\n`; Nix (`nar-info.cc`) writes them in this
//! order:
//!
//! ```text
//! StorePath: /nix/store/<hash>-<name>
//! URL: nar/<nix32 FileHash>.nar.xz          relative to the cache, or absolute
//! Compression: xz                           missing = bzip2
//! FileHash: sha256:<nix32>                  of the compressed file (optional)
//! FileSize: <bytes>                         (optional)
//! NarHash: sha256:<nix32>
//! NarSize: <bytes>                          not zero
//! References: <basename> <basename>         sorted; the value may be empty
//! Deriver: <basename>.drv                   optional
//! Sig: <key name>:<base64>                  0..n, sorted (Nix keeps them in a set)
//! CA: fixed:r:sha256:<nix32>                optional
//! ```
//!
//! Reading follows Nix: hashes may come in base16, nix32, base64 or SRI; unknown keys are
//! accepted (and kept, and written back after the known ones); `Deriver: unknown-deriver` and an
//! empty `CA` mean none; references and signatures are sets. Stricter than Nix: a repeated
//! field (other than `Sig`) is an error naming it, where Nix would let the last one win; the
//! `StorePath` must be in `/nix/store` (other store directories are not supported); a `NarHash`
//! must be SHA-256 (Nix cannot fingerprint anything else).
//! Writing is Nix's byte-exact form, so a narinfo Nix wrote round-trips unchanged.

use std::fmt;

use crate::nix::hash::{Hash, HashAlgo, HashError};
use crate::nix::signing::SecretKey;
use crate::nix::store_path::{StorePath, STORE_DIR};

/// The largest narinfo accepted, in bytes; checked before anything else. A path with ten
/// thousand references makes a narinfo of about 600 KiB.
pub const MAX_NARINFO: usize = 1 << 20;

/// One narinfo, as plain data. Fields are public; [`NarInfo::parse`] only produces values
/// that [`fmt::Display`] writes back to an equal value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NarInfo {
    /// The store path (written in full, `/nix/store/<hash>-<name>`).
    pub store_path: StorePath,
    /// Where the (compressed) NAR is: relative to the cache (`nar/….nar.xz`) or absolute.
    pub url: String,
    /// `xz`, `bzip2`, `zstd`, `br`, `gzip`, `none`, …; `bzip2` when the file does not say.
    pub compression: String,
    /// Hash of the file at `url`.
    pub file_hash: Option<Hash>,
    /// Size of the file at `url`.
    pub file_size: Option<u64>,
    /// SHA-256 of the uncompressed NAR (must be SHA-256 for [`NarInfo::fingerprint`]).
    pub nar_hash: Hash,
    /// Size of the uncompressed NAR, never zero.
    pub nar_size: u64,
    /// The referenced store paths (written as base names), sorted, without duplicates.
    pub references: Vec<StorePath>,
    /// The deriver (written as a base name, `<hash>-<name>.drv`).
    pub deriver: Option<StorePath>,
    /// Signatures `<key name>:<base64>`, sorted, without duplicates. Kept as text: a signature
    /// that is not well-formed does not make the narinfo unreadable (Nix ignores it too).
    pub sigs: Vec<String>,
    /// Content address, e.g. `fixed:r:sha256:<nix32>` or `text:sha256:<nix32>`.
    pub ca: Option<String>,
    /// Keys this module does not know, with their values, in the order read.
    pub unknown: Vec<(String, String)>,
}

/// Why a narinfo was refused. Line numbers count from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NarInfoError {
    /// Larger than [`MAX_NARINFO`].
    TooLarge { size: usize, max: usize },
    /// A line that is not `Key: value\n`.
    Malformed { line: usize, reason: &'static str },
    /// A field that may appear once appeared again.
    Duplicate { field: &'static str, line: usize },
    /// A required field is absent.
    Missing { field: &'static str },
    /// A field's value is not valid.
    Invalid { field: &'static str, line: usize, reason: String },
}

impl fmt::Display for NarInfoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NarInfoError::TooLarge { size, max } => write!(f, "narinfo is {size} bytes, more than the limit of {max}"),
            NarInfoError::Malformed { line, reason } => write!(f, "narinfo line {line}: {reason}"),
            NarInfoError::Duplicate { field, line } => write!(f, "narinfo line {line}: field '{field}' appears more than once"),
            NarInfoError::Missing { field } => write!(f, "narinfo has no '{field}' field"),
            NarInfoError::Invalid { field, line, reason } => write!(f, "narinfo line {line}: invalid '{field}': {reason}"),
        }
    }
}

impl std::error::Error for NarInfoError {}

/// Fields that may appear at most once, in Nix's order.
const SINGLE_FIELDS: [&str; 10] = ["StorePath", "URL", "Compression", "FileHash", "FileSize", "NarHash", "NarSize", "References", "Deriver", "CA"];

impl NarInfo {
    /// Parse a narinfo.
    ///
    /// Errors: [`NarInfoError::TooLarge`] (checked first), [`NarInfoError::Malformed`] for a
    /// line without `: ` or without its final `\n`, [`NarInfoError::Duplicate`] for a repeated
    /// field other than `Sig`, [`NarInfoError::Missing`] when `StorePath`, `URL`, `NarHash` or
    /// `NarSize` is absent, [`NarInfoError::Invalid`] for a bad value (store path, hash, size,
    /// a `NarHash` that is not SHA-256, a zero `NarSize`).
    pub fn parse(s: &str) -> Result<NarInfo, NarInfoError> {
        if s.len() > MAX_NARINFO {
            return Err(NarInfoError::TooLarge { size: s.len(), max: MAX_NARINFO });
        }
        let mut seen = [0usize; SINGLE_FIELDS.len()];
        let mut store_path = None;
        let mut url = None;
        let mut compression = None;
        let mut file_hash = None;
        let mut file_size = None;
        let mut nar_hash = None;
        let mut nar_size = None;
        let mut references = Vec::new();
        let mut deriver = None;
        let mut sigs = Vec::new();
        let mut ca = None;
        let mut unknown = Vec::new();

        let mut rest = s;
        let mut line = 0;
        while !rest.is_empty() {
            line += 1;
            let Some((text, after)) = rest.split_once('\n') else {
                return Err(NarInfoError::Malformed { line, reason: "line does not end in a newline" });
            };
            rest = after;
            let Some((key, value)) = text.split_once(": ") else {
                return Err(NarInfoError::Malformed { line, reason: "expected 'Key: value'" });
            };
            if key.is_empty() {
                return Err(NarInfoError::Malformed { line, reason: "empty key" });
            }
            if let Some(i) = SINGLE_FIELDS.iter().position(|f| *f == key) {
                if seen[i] != 0 {
                    return Err(NarInfoError::Duplicate { field: SINGLE_FIELDS[i], line });
                }
                seen[i] = line;
            }
            let invalid = |field: &'static str, reason: String| NarInfoError::Invalid { field, line, reason };
            match key {
                "StorePath" => store_path = Some(StorePath::from_absolute_path(value, STORE_DIR).map_err(|e| invalid("StorePath", e.to_string()))?),
                "URL" => {
                    if value.is_empty() {
                        return Err(invalid("URL", "empty".into()));
                    }
                    url = Some(value.to_string());
                }
                "Compression" => compression = Some(value.to_string()),
                "FileHash" => file_hash = Some(parse_hash(value).map_err(|e| invalid("FileHash", e.to_string()))?),
                "FileSize" => file_size = Some(parse_size(value).map_err(|r| invalid("FileSize", r))?),
                "NarHash" => {
                    let h = parse_hash(value).map_err(|e| invalid("NarHash", e.to_string()))?;
                    if h.algo() != HashAlgo::Sha256 {
                        return Err(invalid("NarHash", format!("must be sha256, not {}", h.algo())));
                    }
                    nar_hash = Some(h);
                }
                "NarSize" => {
                    let n = parse_size(value).map_err(|r| invalid("NarSize", r))?;
                    if n == 0 {
                        return Err(invalid("NarSize", "zero".into()));
                    }
                    nar_size = Some(n);
                }
                "References" => {
                    // As Nix's tokenizeString: runs of spaces separate.
                    for r in value.split(' ').filter(|r| !r.is_empty()) {
                        references.push(StorePath::from_base_name(r).map_err(|e| invalid("References", e.to_string()))?);
                    }
                }
                "Deriver" => {
                    if value != "unknown-deriver" {
                        deriver = Some(StorePath::from_base_name(value).map_err(|e| invalid("Deriver", e.to_string()))?);
                    }
                }
                "Sig" => {
                    if value.is_empty() {
                        return Err(invalid("Sig", "empty".into()));
                    }
                    sigs.push(value.to_string());
                }
                "CA" => {
                    if !value.is_empty() {
                        ca = Some(value.to_string());
                    }
                }
                _ => unknown.push((key.to_string(), value.to_string())),
            }
        }

        let store_path = store_path.ok_or(NarInfoError::Missing { field: "StorePath" })?;
        let url = url.ok_or(NarInfoError::Missing { field: "URL" })?;
        let nar_hash = nar_hash.ok_or(NarInfoError::Missing { field: "NarHash" })?;
        let nar_size = nar_size.ok_or(NarInfoError::Missing { field: "NarSize" })?;
        let compression = match compression {
            Some(c) if !c.is_empty() => c,
            _ => "bzip2".to_string(),
        };
        references.sort();
        references.dedup();
        sigs.sort();
        sigs.dedup();
        Ok(NarInfo { store_path, url, compression, file_hash, file_size, nar_hash, nar_size, references, deriver, sigs, ca, unknown })
    }

    /// The hash part of the store path (32 nix32 characters), which names the narinfo file.
    pub fn hash_part(&self) -> String {
        self.store_path.hash_part()
    }

    /// What signatures sign: `1;<store path>;sha256:<nix32 NarHash>;<NarSize>;<full reference
    /// paths, sorted, comma-joined>`.
    pub fn fingerprint(&self) -> String {
        let mut refs: Vec<&StorePath> = self.references.iter().collect();
        refs.sort();
        let refs: Vec<String> = refs.iter().map(|r| r.to_absolute(STORE_DIR)).collect();
        format!("1;{};{};{};{}", self.store_path.to_absolute(STORE_DIR), self.nar_hash.to_nix32_string(), self.nar_size, refs.join(","))
    }

    /// Sign with `key` and add the signature, keeping [`NarInfo::sigs`] sorted and without
    /// duplicates (signing twice with one key adds nothing: Ed25519 is deterministic).
    pub fn sign(&mut self, key: &SecretKey) {
        let sig = key.sign(self.fingerprint().as_bytes()).to_string();
        if !self.sigs.contains(&sig) {
            self.sigs.push(sig);
            self.sigs.sort();
        }
    }
}

impl fmt::Display for NarInfo {
    /// Nix's byte-exact form (see the module documentation), then unknown keys in their order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "StorePath: {}", self.store_path.to_absolute(STORE_DIR))?;
        writeln!(f, "URL: {}", self.url)?;
        writeln!(f, "Compression: {}", self.compression)?;
        if let Some(h) = &self.file_hash {
            writeln!(f, "FileHash: {}", h.to_nix32_string())?;
        }
        if let Some(n) = self.file_size {
            writeln!(f, "FileSize: {n}")?;
        }
        writeln!(f, "NarHash: {}", self.nar_hash.to_nix32_string())?;
        writeln!(f, "NarSize: {}", self.nar_size)?;
        let mut sep = "";
        f.write_str("References: ")?;
        for r in &self.references {
            write!(f, "{sep}{r}")?;
            sep = " ";
        }
        f.write_str("\n")?;
        if let Some(d) = &self.deriver {
            writeln!(f, "Deriver: {d}")?;
        }
        for s in &self.sigs {
            writeln!(f, "Sig: {s}")?;
        }
        if let Some(ca) = &self.ca {
            writeln!(f, "CA: {ca}")?;
        }
        for (k, v) in &self.unknown {
            writeln!(f, "{k}: {v}")?;
        }
        Ok(())
    }
}

fn parse_hash(s: &str) -> Result<Hash, HashError> {
    Hash::parse(s)
}

/// A decimal `u64`: digits only (no sign, no spaces).
fn parse_size(s: &str) -> Result<u64, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{s:?} is not a decimal number"));
    }
    s.parse().map_err(|_| format!("{s:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CURL: &str = "StorePath: /nix/store/syd87l2rxw8cbsxmxl853h0r6pdwhwjr-curl-7.82.0-bin
URL: nar/05ra3y72i3qjri7xskf9qj8kb29r6naqy1sqpbs3azi3xcigmj56.nar.xz
Compression: xz
FileHash: sha256:05ra3y72i3qjri7xskf9qj8kb29r6naqy1sqpbs3azi3xcigmj56
FileSize: 68852
NarHash: sha256:1b4sb93wp679q4zx9k1ignby1yna3z7c4c2ri3wphylbc2dwsys0
NarSize: 196040
References: 0jqd0rlxzra1rs38rdxl43yh6rxchgc6-curl-7.82.0 6w8g7njm4mck5dmjxws0z1xnrxvl81xa-glibc-2.34-115 j5jxw3iy7bbz4a57fh9g2xm2gxmyal8h-zlib-1.2.12 yxvjs9drzsphm9pcf42a4byzj1kb9m7k-openssl-1.1.1n
Deriver: 5rwxzi7pal3qhpsyfc16gzkh939q1np6-curl-7.82.0.drv
Sig: cache.nixos.org-1:TsTTb3WGTZKphvYdBHXwo6weVILmTytUjLB+vcX89fOjjRicCHmKA4RCPMVLkj6TMJ4GMX3HPVWRdD1hkeKZBQ==
Sig: test1:519iiVLx/c4Rdt5DNt6Y2Jm6hcWE9+XY69ygiWSZCNGVcmOcyL64uVAJ3cV8vaTusIZdbTnYo9Y7vDNeTmmMBQ==
";

    #[test]
    fn parses_and_writes_back() {
        let n = NarInfo::parse(CURL).unwrap();
        assert_eq!(n.store_path.to_absolute(STORE_DIR), "/nix/store/syd87l2rxw8cbsxmxl853h0r6pdwhwjr-curl-7.82.0-bin");
        assert_eq!(n.compression, "xz");
        assert_eq!(n.file_size, Some(68852));
        assert_eq!(n.nar_size, 196040);
        assert_eq!(n.references.len(), 4);
        assert_eq!(n.deriver.as_ref().unwrap().to_string(), "5rwxzi7pal3qhpsyfc16gzkh939q1np6-curl-7.82.0.drv");
        assert_eq!(n.sigs.len(), 2);
        assert_eq!(n.hash_part(), "syd87l2rxw8cbsxmxl853h0r6pdwhwjr");
        assert_eq!(n.to_string(), CURL);
    }

    #[test]
    fn fingerprint_as_in_tvix_vectors() {
        let n = NarInfo::parse(CURL).unwrap();
        assert_eq!(
            n.fingerprint(),
            "1;/nix/store/syd87l2rxw8cbsxmxl853h0r6pdwhwjr-curl-7.82.0-bin;sha256:1b4sb93wp679q4zx9k1ignby1yna3z7c4c2ri3wphylbc2dwsys0;196040;/nix/store/0jqd0rlxzra1rs38rdxl43yh6rxchgc6-curl-7.82.0,/nix/store/6w8g7njm4mck5dmjxws0z1xnrxvl81xa-glibc-2.34-115,/nix/store/j5jxw3iy7bbz4a57fh9g2xm2gxmyal8h-zlib-1.2.12,/nix/store/yxvjs9drzsphm9pcf42a4byzj1kb9m7k-openssl-1.1.1n"
        );
    }

    const MINIMAL: &str = "StorePath: /nix/store/wwbcp53wdffllk7zyswd8x5zlrgkd1ds-src\nURL: x\nNarHash: sha256:1pj27m7inm0wga7g4249bplrrj1iwz4w6wilqa45qbcw0bjqnqrp\nNarSize: 872\n";

    #[test]
    fn defaults_and_normalisation() {
        let n = NarInfo::parse(MINIMAL).unwrap();
        assert_eq!(n.compression, "bzip2");
        assert!(n.references.is_empty() && n.sigs.is_empty() && n.file_hash.is_none() && n.ca.is_none());
        assert_eq!(
            n.to_string(),
            "StorePath: /nix/store/wwbcp53wdffllk7zyswd8x5zlrgkd1ds-src\nURL: x\nCompression: bzip2\nNarHash: sha256:1pj27m7inm0wga7g4249bplrrj1iwz4w6wilqa45qbcw0bjqnqrp\nNarSize: 872\nReferences: \n"
        );
        // Empty compression, unknown deriver and empty CA mean "none", as in Nix.
        let n = NarInfo::parse(&format!("{MINIMAL}Compression: \nDeriver: unknown-deriver\nCA: \n")).unwrap();
        assert_eq!((n.compression.as_str(), &n.deriver, &n.ca), ("bzip2", &None, &None));
        assert_eq!(n.hash_part(), "wwbcp53wdffllk7zyswd8x5zlrgkd1ds");
    }

    #[test]
    fn any_hash_encoding() {
        let base16 = "sha256:f3d6aa7acd4f2a24b3fc2fb3e51e5830c5ae18ac0ba2fbeedb2dd7f4f3d03c6d";
        let h = Hash::parse(base16).unwrap();
        for enc in [base16.to_string(), h.to_nix32_string(), format!("sha256:{}", h.to_base64()), h.to_sri()] {
            let n = NarInfo::parse(&MINIMAL.replace("sha256:1pj27m7inm0wga7g4249bplrrj1iwz4w6wilqa45qbcw0bjqnqrp", &enc)).unwrap();
            assert_eq!(n.nar_hash, h, "{enc}");
        }
    }

    #[test]
    fn references_and_sigs_are_sets() {
        let s = format!("{MINIMAL}References: zzbcp53wdffllk7zyswd8x5zlrgkd1ds-b  00bcp53wdffllk7zyswd8x5zlrgkd1ds-a zzbcp53wdffllk7zyswd8x5zlrgkd1ds-b\nSig: b:x\nSig: a:y\nSig: b:x\n");
        let n = NarInfo::parse(&s).unwrap();
        let refs: Vec<String> = n.references.iter().map(|r| r.to_string()).collect();
        assert_eq!(refs, ["00bcp53wdffllk7zyswd8x5zlrgkd1ds-a", "zzbcp53wdffllk7zyswd8x5zlrgkd1ds-b"]);
        assert_eq!(n.sigs, ["a:y", "b:x"]);
        assert_eq!(NarInfo::parse(&n.to_string()).unwrap(), n);
    }

    #[test]
    fn unknown_keys_are_kept_and_written_last() {
        let s = format!("System: x86_64-linux\n{MINIMAL}X-Foo: a: b\n");
        let n = NarInfo::parse(&s).unwrap();
        assert_eq!(n.unknown, [("System".to_string(), "x86_64-linux".to_string()), ("X-Foo".to_string(), "a: b".to_string())]);
        assert!(n.to_string().ends_with("References: \nSystem: x86_64-linux\nX-Foo: a: b\n"));
        assert_eq!(NarInfo::parse(&n.to_string()).unwrap(), n);
    }

    #[test]
    fn errors_name_the_field() {
        let err = |s: &str| NarInfo::parse(s).unwrap_err();
        assert_eq!(err(&format!("{MINIMAL}URL: y\n")), NarInfoError::Duplicate { field: "URL", line: 5 });
        assert_eq!(err(&format!("{MINIMAL}References: \nReferences: \n")), NarInfoError::Duplicate { field: "References", line: 6 });
        assert_eq!(err(&MINIMAL.replace("URL: x\n", "")), NarInfoError::Missing { field: "URL" });
        assert_eq!(err(&MINIMAL.replace("NarSize: 872\n", "")), NarInfoError::Missing { field: "NarSize" });
        assert_eq!(err(""), NarInfoError::Missing { field: "StorePath" });
        assert!(matches!(err(&MINIMAL.replace("872", "0")), NarInfoError::Invalid { field: "NarSize", .. }));
        assert!(matches!(err(&MINIMAL.replace("872", "+872")), NarInfoError::Invalid { field: "NarSize", .. }));
        assert!(matches!(err(&MINIMAL.replace("872", "99999999999999999999")), NarInfoError::Invalid { field: "NarSize", .. }));
        assert!(matches!(err(&MINIMAL.replace("sha256:1pj", "sha256:1pe")), NarInfoError::Invalid { field: "NarHash", .. }));
        assert!(matches!(err(&MINIMAL.replace("/nix/store/", "/gnu/store/")), NarInfoError::Invalid { field: "StorePath", .. }));
        assert!(matches!(err(&MINIMAL.replace("-src", "-.src")), NarInfoError::Invalid { field: "StorePath", .. }));
        assert!(matches!(err(&format!("{MINIMAL}References: foo\n")), NarInfoError::Invalid { field: "References", .. }));
        assert_eq!(err(&MINIMAL[..MINIMAL.len() - 1]), NarInfoError::Malformed { line: 4, reason: "line does not end in a newline" });
        assert!(matches!(err(&format!("{MINIMAL}\n")), NarInfoError::Malformed { line: 5, .. }));
        assert!(matches!(err(&format!("{MINIMAL}Foo:bar\n")), NarInfoError::Malformed { line: 5, .. }));
        let md5 = format!("md5:{}", "0".repeat(32));
        assert!(matches!(
            err(&MINIMAL.replace("sha256:1pj27m7inm0wga7g4249bplrrj1iwz4w6wilqa45qbcw0bjqnqrp", &md5)),
            NarInfoError::Invalid { field: "NarHash", .. }
        ));
    }

    #[test]
    fn size_cap_is_checked_first() {
        let big = "x".repeat(MAX_NARINFO + 1);
        assert_eq!(NarInfo::parse(&big).unwrap_err(), NarInfoError::TooLarge { size: MAX_NARINFO + 1, max: MAX_NARINFO });
        let padded = format!("{MINIMAL}X-Pad: {}\n", "p".repeat(MAX_NARINFO - MINIMAL.len() - 8));
        assert_eq!(padded.len(), MAX_NARINFO);
        assert!(NarInfo::parse(&padded).is_ok());
    }

    #[test]
    fn file_hash_of_other_algorithms_is_written_in_nix32() {
        let n = NarInfo::parse(&format!("{MINIMAL}FileHash: sha1:{}\n", "ab".repeat(20))).unwrap();
        let written = n.to_string();
        assert!(written.contains(&format!("FileHash: sha1:{}\n", crate::nix::nixbase32::encode(&[0xab; 20]))), "{written}");
        assert_eq!(NarInfo::parse(&written).unwrap(), n);
    }
}
