//! Nix's binary cache signing keys and narinfo signatures: Ed25519 (the one module of the crate
//! that names it), in Nix's text forms
//!
//! - secret key: `<name>:<base64 of 64 bytes>`, the 32-byte seed followed by the public key
//!   (the file `nix-store --generate-binary-cache-key` writes, without a trailing newline);
//! - public key: `<name>:<base64 of 32 bytes>` (as in `trusted-public-keys`);
//! - signature: `<key name>:<base64 of 64 bytes>` (a narinfo's `Sig:` value), over the
//!   narinfo's [fingerprint](NarInfo::fingerprint).
//!
//! A signature counts when a trusted key has its name and the signature verifies; names are
//! matched exactly. Parsing is stricter than Nix: names may not be empty or contain whitespace
//! (which `trusted-public-keys` could not hold anyway), base64 must be padded and canonical, a
//! secret key's second half must be the public key of its first.
//!
//! Secret keys never show in `Debug`, and are zeroed when dropped.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Read};

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};

use crate::nix::narinfo::NarInfo;
use crate::util::base64;

/// Where [`SecretKey::generate`] gets its randomness.
pub const RANDOM_SOURCE: &str = "/dev/urandom";

/// Why a key or signature was refused, or could not be made.
#[derive(Debug)]
pub enum Error {
    /// A key or signature string that is not `name:base64` of the right length. `what` is
    /// "secret key", "public key" or "signature"; the string itself is never included.
    Parse { what: &'static str, reason: String },
    /// Reading random bytes for a new key failed.
    Random { path: &'static str, source: io::Error },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Parse { what, reason } => write!(f, "invalid {what}: {reason}"),
            Error::Random { path, source } => write!(f, "cannot read random bytes from {path}: {source}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Random { source, .. } => Some(source),
            Error::Parse { .. } => None,
        }
    }
}

/// Split `name:base64` and decode the base64 into exactly `N` bytes.
fn split<const N: usize>(s: &str, what: &'static str) -> Result<(String, [u8; N]), Error> {
    let err = |reason: String| Error::Parse { what, reason };
    let (name, b64) = s.split_once(':').ok_or_else(|| err("expected '<name>:<base64>'".into()))?;
    check_name(name).map_err(|r| err(r.into()))?;
    let bytes = base64::decode(b64).map_err(|r| err(r.into()))?;
    let arr: [u8; N] = bytes.as_slice().try_into().map_err(|_| err(format!("{} bytes of key material, expected {N}", bytes.len())))?;
    Ok((name.to_string(), arr))
}

fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("empty key name");
    }
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("key name contains whitespace or a control character");
    }
    Ok(())
}

/// A signing key: a name and an Ed25519 key pair.
#[derive(Clone)]
pub struct SecretKey {
    name: String,
    key: SigningKey,
}

impl SecretKey {
    /// Parse `name:base64(64 bytes)`. A file's trailing newline must be trimmed first.
    ///
    /// Errors: [`Error::Parse`], also when the last 32 bytes are not the public key of the
    /// first 32.
    pub fn parse(s: &str) -> Result<SecretKey, Error> {
        let (name, mut bytes) = split::<64>(s, "secret key")?;
        let key = SigningKey::from_keypair_bytes(&bytes);
        bytes.fill(0);
        let key = key.map_err(|_| Error::Parse { what: "secret key", reason: "its public half does not belong to its secret half".into() })?;
        Ok(SecretKey { name, key })
    }

    /// The key whose 32-byte seed is `seed`.
    ///
    /// Errors: [`Error::Parse`] for an empty name or one with whitespace.
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<SecretKey, Error> {
        check_name(name).map_err(|r| Error::Parse { what: "secret key", reason: r.into() })?;
        Ok(SecretKey { name: name.to_string(), key: SigningKey::from_bytes(seed) })
    }

    /// A new key from 32 bytes of [`RANDOM_SOURCE`].
    ///
    /// Errors: [`Error::Random`] when it cannot be read, [`Error::Parse`] for a bad name.
    pub fn generate(name: &str) -> Result<SecretKey, Error> {
        check_name(name).map_err(|r| Error::Parse { what: "secret key", reason: r.into() })?;
        let mut seed = [0u8; 32];
        let read = std::fs::File::open(RANDOM_SOURCE).and_then(|mut f| f.read_exact(&mut seed));
        if let Err(source) = read {
            return Err(Error::Random { path: RANDOM_SOURCE, source });
        }
        let key = SecretKey::from_seed(name, &seed);
        seed.fill(0);
        key
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The public key, with the same name.
    pub fn to_public(&self) -> PublicKey {
        PublicKey { name: self.name.clone(), key: self.key.verifying_key() }
    }

    /// Sign `message` (for narinfos, [`NarInfo::fingerprint`]).
    pub fn sign(&self, message: &[u8]) -> Signature {
        Signature { name: self.name.clone(), bytes: self.key.sign(message).to_bytes() }
    }
}

impl fmt::Display for SecretKey {
    /// `name:base64(64 bytes)`: the secret itself, as Nix's key files hold it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut bytes = self.key.to_keypair_bytes();
        let r = write!(f, "{}:{}", self.name, base64::encode(&bytes));
        bytes.fill(0);
        r
    }
}

impl fmt::Debug for SecretKey {
    /// The name and public key only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey {{ name: {:?}, public: {:?}, secret: <redacted> }}", self.name, base64::encode(self.key.verifying_key().as_bytes()))
    }
}

/// A verifying key: a name and an Ed25519 public key.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    name: String,
    key: VerifyingKey,
}

impl PublicKey {
    /// Parse `name:base64(32 bytes)`.
    ///
    /// Errors: [`Error::Parse`], also for bytes that are not a point on the curve.
    pub fn parse(s: &str) -> Result<PublicKey, Error> {
        let (name, bytes) = split::<32>(s, "public key")?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| Error::Parse { what: "public key", reason: "not a valid Ed25519 public key".into() })?;
        Ok(PublicKey { name, key })
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 32 key bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.key.as_bytes()
    }

    /// Whether `sig` carries this key's name and is a valid signature of `message` by it
    /// (strict verification, as libsodium's: small-order keys and points are refused).
    pub fn verify(&self, message: &[u8], sig: &Signature) -> bool {
        sig.name == self.name && self.key.verify_strict(message, &ed25519_dalek::Signature::from_bytes(&sig.bytes)).is_ok()
    }
}

impl fmt::Display for PublicKey {
    /// `name:base64(32 bytes)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.name, base64::encode(self.key.as_bytes()))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({self})")
    }
}

/// A signature: the signing key's name and 64 bytes.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Signature {
    name: String,
    bytes: [u8; 64],
}

impl Signature {
    /// Parse `name:base64(64 bytes)`.
    ///
    /// Errors: [`Error::Parse`].
    pub fn parse(s: &str) -> Result<Signature, Error> {
        let (name, bytes) = split::<64>(s, "signature")?;
        Ok(Signature { name, bytes })
    }

    /// The signing key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 64 signature bytes.
    pub fn as_bytes(&self) -> &[u8; 64] {
        &self.bytes
    }
}

impl fmt::Display for Signature {
    /// `name:base64(64 bytes)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.name, base64::encode(&self.bytes))
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({self})")
    }
}

/// The public keys whose signatures are accepted (Nix's `trusted-public-keys`), by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedKeys {
    keys: BTreeMap<String, PublicKey>,
}

impl TrustedKeys {
    /// No keys: nothing verifies.
    pub fn new() -> TrustedKeys {
        TrustedKeys::default()
    }

    /// Parse a whitespace-separated list of public keys, as the `trusted-public-keys` setting.
    ///
    /// Errors: [`Error::Parse`] for the first key that does not parse.
    pub fn parse_list(s: &str) -> Result<TrustedKeys, Error> {
        let mut t = TrustedKeys::new();
        for k in s.split_whitespace() {
            t.insert(PublicKey::parse(k)?);
        }
        Ok(t)
    }

    /// Add `key`; `false` (and no change) when a key of that name is already there, as in Nix
    /// where the first key of a name wins.
    pub fn insert(&mut self, key: PublicKey) -> bool {
        match self.keys.entry(key.name.clone()) {
            std::collections::btree_map::Entry::Occupied(_) => false,
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(key);
                true
            }
        }
    }

    /// The key named `name`.
    pub fn get(&self, name: &str) -> Option<&PublicKey> {
        self.keys.get(name)
    }

    /// How many keys there are.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether `sig` is a valid signature of `message` by the trusted key of its name.
    pub fn verify(&self, message: &[u8], sig: &Signature) -> bool {
        self.keys.get(&sig.name).is_some_and(|k| k.verify(message, sig))
    }

    /// As [`TrustedKeys::verify`] for a signature in text form; `false` when it does not parse.
    pub fn verify_str(&self, message: &[u8], sig: &str) -> bool {
        Signature::parse(sig).is_ok_and(|s| self.verify(message, &s))
    }
}

/// Whether at least one of `info`'s signatures is valid and by a trusted key (Nix's
/// `require-sigs` check). Signatures that do not parse or whose key is unknown are ignored.
pub fn verify_narinfo(info: &NarInfo, trusted: &TrustedKeys) -> bool {
    let fp = info.fingerprint();
    info.sigs.iter().any(|s| trusted.verify_str(fp.as_bytes(), s))
}

#[cfg(test)]
mod tests {
    use super::*;

    // tvix's DUMMY_KEYPAIR (see tests/data/nix/signing-vectors.json).
    const SECRET: &str = "cache.example.com-1:cCta2MEsRNuYCgWYyeRXLyfoFpKhQJKn8gLMeXWAb7vIpRKKo/3JoxJ24OYa3DxT2JVV38KjK/1ywHWuMe2JEw==";
    const PUBLIC: &str = "cache.example.com-1:yKUSiqP9yaMSduDmGtw8U9iVVd/Coyv9csB1rjHtiRM=";

    #[test]
    fn secret_key_round_trip_and_public_half() {
        let k = SecretKey::parse(SECRET).unwrap();
        assert_eq!(k.to_string(), SECRET);
        assert_eq!(k.name(), "cache.example.com-1");
        assert_eq!(k.to_public().to_string(), PUBLIC);
        assert_eq!(PublicKey::parse(PUBLIC).unwrap(), k.to_public());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let k = SecretKey::parse(SECRET).unwrap();
        let d = format!("{k:?}");
        assert_eq!(d, "SecretKey { name: \"cache.example.com-1\", public: \"yKUSiqP9yaMSduDmGtw8U9iVVd/Coyv9csB1rjHtiRM=\", secret: <redacted> }");
        assert!(!d.contains("cCta2MEs"));
        assert!(!format!("{:#?}", Some(&k)).contains("cCta2MEs"));
    }

    #[test]
    fn sign_and_verify() {
        let k = SecretKey::from_seed("k-1", &[7; 32]).unwrap();
        let sig = k.sign(b"hello");
        assert_eq!(sig.name(), "k-1");
        assert!(k.to_public().verify(b"hello", &sig));
        assert!(!k.to_public().verify(b"hellp", &sig));
        assert_eq!(Signature::parse(&sig.to_string()).unwrap(), sig);
        // Another name, same key bytes: not the same key.
        let other = SecretKey::from_seed("k-2", &[7; 32]).unwrap();
        assert!(!other.to_public().verify(b"hello", &sig));
        let mut t = TrustedKeys::new();
        assert!(!t.verify(b"hello", &sig));
        assert!(t.insert(other.to_public()));
        assert!(!t.verify(b"hello", &sig));
        assert!(t.insert(k.to_public()));
        assert!(!t.insert(SecretKey::from_seed("k-1", &[8; 32]).unwrap().to_public()), "the first key of a name wins");
        assert!(t.verify(b"hello", &sig));
        assert!(t.verify_str(b"hello", &sig.to_string()));
        assert!(!t.verify_str(b"hello", "k-1:garbage"));
        assert_eq!(TrustedKeys::parse_list(&format!("  {}\n{} ", k.to_public(), other.to_public())).unwrap(), t);
    }

    #[test]
    fn generate_makes_distinct_working_keys() {
        let a = SecretKey::generate("gen-1").unwrap();
        let b = SecretKey::generate("gen-1").unwrap();
        assert_ne!(a.to_string(), b.to_string());
        assert_eq!(SecretKey::parse(&a.to_string()).unwrap().to_public(), a.to_public());
        assert!(a.to_public().verify(b"m", &a.sign(b"m")));
        assert!(matches!(SecretKey::generate("bad name"), Err(Error::Parse { .. })));
    }

    #[test]
    fn refuses_malformed_strings() {
        for bad in [
            "",
            "nocolon",
            ":AAAA",
            "a b:yKUSiqP9yaMSduDmGtw8U9iVVd/Coyv9csB1rjHtiRM=",
            "n:yKUSiqP9yaMSduDmGtw8U9iVVd/Coyv9csB1rjHtiRM",
            "n:yKUSiqP9yaMSduDmGtw8U9iVVd/Coyv9csB1rjHtiRM=\n",
            "n:AAAA",
        ] {
            assert!(PublicKey::parse(bad).is_err(), "{bad:?}");
        }
        // A secret key whose public half is someone else's.
        let mixed = format!("x:{}", base64::encode(&[[1u8; 32], *SecretKey::from_seed("y", &[2; 32]).unwrap().to_public().as_bytes()].concat()));
        let e = SecretKey::parse(&mixed).unwrap_err();
        assert!(e.to_string().contains("does not belong"), "{e}");
        assert!(!e.to_string().contains(&mixed[2..]), "errors never quote key material");
    }

    #[test]
    fn narinfo_sign_adds_once_and_verifies() {
        let mut n = NarInfo::parse("StorePath: /nix/store/wwbcp53wdffllk7zyswd8x5zlrgkd1ds-src\nURL: x\nNarHash: sha256:1pj27m7inm0wga7g4249bplrrj1iwz4w6wilqa45qbcw0bjqnqrp\nNarSize: 872\n").unwrap();
        let k = SecretKey::parse(SECRET).unwrap();
        let trusted = TrustedKeys::parse_list(PUBLIC).unwrap();
        assert!(!verify_narinfo(&n, &trusted));
        n.sign(&k);
        n.sign(&k);
        assert_eq!(n.sigs.len(), 1);
        assert!(verify_narinfo(&n, &trusted));
        n.nar_size += 1;
        assert!(!verify_narinfo(&n, &trusted));
    }
}
