//! nixbucket: a small, synchronous S3 client with a Nix binary cache store on top.
//!
//! Layers, from the bottom:
//! - [`util`]: percent-encoding and base64, shared by every layer.
//! - [`log`]: warnings and notes for people, on stderr.
//! - [`env`]: the process environment and file system as an injectable interface, so that the
//!   credential chain and URL resolution are tested without touching the real `$HOME`.
//! - [`s3`]: the S3 client. Pure parts (SigV4, store URLs, AWS config files, XML, retry policy)
//!   and one module with I/O ([`s3::transport`]).
#![forbid(unsafe_code)]

pub mod env;
pub mod log;
pub mod nix;
pub mod s3;
pub mod util;
