//! Nix's formats, byte for byte: nix32, hashes, store paths, NAR archives and their listings,
//! narinfo files, signatures, `nix-cache-info`, and NAR compression. Pure: these take readers,
//! writers and strings; only [`nar::restore`] and [`nar::dump`] touch the file system, and only
//! below the paths they are given.

pub mod nixbase32;
