//! The S3 client.
//!
//! Pure parts: [`sigv4`] (signing), [`url`] (store URLs and their parameters), [`endpoint`]
//! (region, endpoint and addressing), [`profile`] (AWS config files), [`credentials`] (the
//! provider chain), [`xml`] (request and response bodies), [`retry`] (backoff policy).
//! The only module with network I/O is [`transport`]; [`client`] builds on it with one method
//! per S3 operation, and [`multipart`] uploads large bodies in parallel parts.

pub mod client;
pub mod credentials;
pub mod endpoint;
pub mod error;
pub mod multipart;
pub mod profile;
pub mod retry;
pub mod sigv4;
pub mod transport;
pub mod url;
pub mod xml;

pub use client::Client;
pub use error::Error;
