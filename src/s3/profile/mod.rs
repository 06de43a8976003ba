//! AWS shared config and credentials files — placeholder, being written.
