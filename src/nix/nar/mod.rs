//! NAR (Nix ARchive): the serialisation Nix hashes and ships store paths in.
//!
//! ```text
//! nar       = str("nix-archive-1"), node
//! node      = str("("), str("type"), inner, str(")")
//! inner     = str("regular"), [str("executable"), str("")], str("contents"), str(bytes)
//!           | str("symlink"), str("target"), str(target)
//!           | str("directory"), { str("entry"), str("("), str("name"), str(name), str("node"), node, str(")") }
//! str(s)    = u64 little-endian length of s, s, zero bytes up to a multiple of 8
//! ```
//!
//! Directory entries come sorted by the raw bytes of their names, without duplicates; names are
//! not empty, `.` or `..` and contain neither `/` nor NUL; symlink targets are not empty and
//! contain no NUL. Readers here also apply the limits of Nix ≥ 2.35: [`MAX_NAME_LEN`],
//! [`MAX_TARGET_LEN`], [`MAX_DEPTH`].
//!
//! - [`writer`]: [`NarWriter`], a streaming writer whose typed nodes make wrong order
//!   impossible, and [`dump_path`] (`nix-store --dump`).
//! - [`reader`]: a streaming, validating parser that drives a [`reader::Sink`].
//! - [`restore`](mod@restore): [`restore()`] (`nix-store --restore`), [`list`] and [`cat`].
//! - [`listing`]: the `.ls` JSON listing binary caches write with `write-nar-listing=true`.

mod error;
pub mod listing;
pub mod reader;
pub mod restore;
pub mod writer;

pub use error::{Error, Problem};
pub use listing::{Listing, ListingNode};
pub use restore::{cat, list, restore, Stats};
pub use writer::{dump_path, Directory, NarWriter, Node};

/// The string every NAR starts with.
pub const MAGIC: &[u8] = b"nix-archive-1";
/// Longest entry name accepted (bytes), as in Nix ≥ 2.35.
pub const MAX_NAME_LEN: usize = 255;
/// Longest symlink target accepted (bytes), as in Nix ≥ 2.35.
pub const MAX_TARGET_LEN: usize = 4095;
/// Deepest nesting accepted: the number of names in the path of a node inside the NAR
/// (the root has depth 0), as in Nix ≥ 2.35.
pub const MAX_DEPTH: usize = 64;
/// Longest token (`nix-archive-1`, `type`, `(`, …) read before it is compared.
pub(crate) const MAX_TOKEN_LEN: usize = 16;
/// The MIME type of an uncompressed NAR.
pub const MIME_TYPE: &str = "application/x-nix-nar";

/// Padding after a string of `len` bytes.
pub(crate) fn padding(len: u64) -> usize {
    ((8 - (len % 8)) % 8) as usize
}

/// Why `name` cannot be a directory entry name, if it cannot.
pub(crate) fn check_name(name: &[u8]) -> Option<Problem> {
    if name.is_empty() {
        Some(Problem::EmptyName)
    } else if name.len() > MAX_NAME_LEN {
        Some(Problem::NameTooLong { len: name.len() as u64 })
    } else if name == b"." || name == b".." {
        Some(Problem::ReservedName { name: name.to_vec() })
    } else if name.contains(&b'/') {
        Some(Problem::SlashInName { name: name.to_vec() })
    } else if name.contains(&0) {
        Some(Problem::NulInName { name: name.to_vec() })
    } else {
        None
    }
}

/// Why `target` cannot be a symlink target, if it cannot.
pub(crate) fn check_target(target: &[u8]) -> Option<Problem> {
    if target.is_empty() {
        Some(Problem::EmptyTarget)
    } else if target.len() > MAX_TARGET_LEN {
        Some(Problem::TargetTooLong { len: target.len() as u64 })
    } else if target.contains(&0) {
        Some(Problem::NulInTarget)
    } else {
        None
    }
}

/// A path inside a NAR, for messages: names joined with `/`, bytes that are not UTF-8
/// written as `\xNN`; the root is `.`.
pub(crate) fn display_nar_path(path: &[u8]) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    escape_bytes(path)
}

pub(crate) fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_control() {
                out.extend(c.escape_default());
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}
