//! credential_process — placeholder, being written.
