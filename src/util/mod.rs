//! Small encoders shared by every layer.
pub mod base64;
pub mod percent;
