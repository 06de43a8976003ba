//! `.ls` listings: the JSON a binary cache writes next to a NAR with `write-nar-listing=true`,
//! byte for byte as Nix 2.8 writes it:
//!
//! ```text
//! {"version":1,"root":NODE}
//! regular:   {"type":"regular","size":S[,"executable":true],"narOffset":N}
//! directory: {"type":"directory","entries":{"NAME":NODE,...}}   (entries sorted by bytes)
//! symlink:   {"type":"symlink","target":"T"}
//! ```
//!
//! Keys come in this (insertion) order; `executable` only when true; `narOffset` (the offset of
//! the file's first content byte in the NAR) only when non-zero, which it always is. Strings
//! escape `"` and `\`, `\n`, `\r`, `\t`, other bytes below 0x20 as `\u00xx`, and are otherwise
//! the raw bytes of the name (not necessarily UTF-8). Newer Nix versions sort the keys
//! (`{"root":…,"version":1}`); readers of JSON see the same values.

use std::collections::BTreeMap;

/// A NAR's listing: every node with its type, and for regular files their size, executable
/// bit and position in the NAR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub root: ListingNode,
}

/// One node of a [`Listing`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListingNode {
    Regular {
        executable: bool,
        size: u64,
        nar_offset: u64,
    },
    Symlink {
        target: Vec<u8>,
    },
    /// Entries by name; a `BTreeMap` of bytes iterates in NAR order.
    Directory {
        entries: BTreeMap<Vec<u8>, ListingNode>,
    },
}

impl ListingNode {
    /// `"regular"`, `"symlink"` or `"directory"`.
    pub fn kind(&self) -> &'static str {
        match self {
            ListingNode::Regular { .. } => "regular",
            ListingNode::Symlink { .. } => "symlink",
            ListingNode::Directory { .. } => "directory",
        }
    }

    /// This node alone as JSON, in the form of the `.ls` listing (what `nix nar ls --json -R`
    /// prints for it).
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::new();
        write_node(&mut out, self, true);
        out
    }

    /// Like [`ListingNode::to_json`], but a directory's entries are empty objects, as
    /// `nix nar ls --json` (without `-R`) prints them.
    pub fn to_json_shallow(&self) -> Vec<u8> {
        let mut out = Vec::new();
        write_node(&mut out, self, false);
        out
    }
}

impl Listing {
    /// The node at `path` (names separated by `/`; empty, `/` or `.` is the root). Empty
    /// components and `.` are skipped; `..` and symlinks are not followed, so `..` finds nothing.
    pub fn get(&self, path: &[u8]) -> Option<&ListingNode> {
        let mut node = &self.root;
        for name in path.split(|&b| b == b'/').filter(|n| !n.is_empty() && *n != b".") {
            match node {
                ListingNode::Directory { entries } => node = entries.get(name)?,
                _ => return None,
            }
        }
        Some(node)
    }

    /// The `.ls` JSON, exactly as Nix 2.8 writes it.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(b"{\"version\":1,\"root\":");
        write_node(&mut out, &self.root, true);
        out.push(b'}');
        out
    }
}

fn write_node(out: &mut Vec<u8>, node: &ListingNode, recursive: bool) {
    match node {
        ListingNode::Regular { executable, size, nar_offset } => {
            out.extend_from_slice(format!("{{\"type\":\"regular\",\"size\":{size}").as_bytes());
            if *executable {
                out.extend_from_slice(b",\"executable\":true");
            }
            if *nar_offset != 0 {
                out.extend_from_slice(format!(",\"narOffset\":{nar_offset}").as_bytes());
            }
            out.push(b'}');
        }
        ListingNode::Symlink { target } => {
            out.extend_from_slice(b"{\"type\":\"symlink\",\"target\":");
            write_string(out, target);
            out.push(b'}');
        }
        ListingNode::Directory { entries } => {
            out.extend_from_slice(b"{\"type\":\"directory\",\"entries\":{");
            for (i, (name, node)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(out, name);
                out.push(b':');
                if recursive {
                    write_node(out, node, true);
                } else {
                    out.extend_from_slice(b"{}");
                }
            }
            out.extend_from_slice(b"}}");
        }
    }
}

/// A JSON string as Nix 2.8's `toJSON` writes it.
fn write_string(out: &mut Vec<u8>, s: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for &b in s {
        match b {
            b'"' | b'\\' => out.extend_from_slice(&[b'\\', b]),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..=0x1f => out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]),
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_nix_2_8() {
        let mut out = Vec::new();
        write_string(&mut out, b"a\nb\tc\rd\x1be\x1f\x01\x08\x0c\"\\\x7f\xff");
        assert_eq!(out, b"\"a\\nb\\tc\\rd\\u001be\\u001f\\u0001\\u0008\\u000c\\\"\\\\\x7f\xff\"");
    }

    #[test]
    fn key_order_like_nix_2_8() {
        let mut entries = BTreeMap::new();
        entries.insert(b"x".to_vec(), ListingNode::Regular { executable: true, size: 10, nar_offset: 632 });
        entries.insert(b"l".to_vec(), ListingNode::Symlink { target: b"x".to_vec() });
        entries.insert(b"e".to_vec(), ListingNode::Directory { entries: BTreeMap::new() });
        let l = Listing { root: ListingNode::Directory { entries } };
        assert_eq!(
            String::from_utf8(l.to_json()).unwrap(),
            r#"{"version":1,"root":{"type":"directory","entries":{"e":{"type":"directory","entries":{}},"l":{"type":"symlink","target":"x"},"x":{"type":"regular","size":10,"executable":true,"narOffset":632}}}}"#
        );
        assert_eq!(l.get(b"/x/"), Some(&ListingNode::Regular { executable: true, size: 10, nar_offset: 632 }));
        assert_eq!(l.get(b"x/y"), None);
        assert_eq!(l.get(b".."), None);
        assert_eq!(l.get(b""), Some(&l.root));
    }
}
