//! (being written)
use std::ffi::OsString;

use super::CliError;

pub fn run(_args: Vec<OsString>) -> Result<(), CliError> {
    Err(CliError::failure("not implemented yet"))
}
