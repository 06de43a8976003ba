//! Nix's formats, byte for byte: nix32, hashes, store paths, NAR archives and their listings,
//! narinfo files, signatures, `nix-cache-info`, and NAR compression. Pure: these take readers,
//! writers and strings; only NAR dumping and restoring touch the file system, and only below
//! the paths they are given.

pub mod cache_info;
pub mod compression;
pub mod hash;
pub mod nar;
pub mod narinfo;
pub mod nixbase32;
pub mod signing;
pub mod store_path;
