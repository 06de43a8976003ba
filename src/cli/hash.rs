//! `nixbucket hash path PATH`: the SHA-256 of PATH's NAR serialisation, as Nix prints it
//! (`nix hash path --base32 --type sha256 PATH`, with the `sha256:` prefix).

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

use lexopt::prelude::*;
use nixbucket::nix::hash::{Hash, HashingWriter};
use nixbucket::nix::nar;

use super::CliError;

const HELP: &str = "\
Usage: nixbucket hash path PATH

Print sha256:<nix32> of the NAR serialisation of PATH (a file, directory or symlink, which is
not followed): the hash `nix hash path --base32 --type sha256 PATH` prints, with its prefix.

Options:
  -h, --help   this text

Exit codes: 0 success, 1 failure (PATH unreadable), 2 usage error.
";

pub fn run(args: Vec<OsString>) -> Result<(), CliError> {
    let mut parser = lexopt::Parser::from_args(args);
    let mut positional: Vec<OsString> = Vec::new();
    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => {
                print!("{HELP}");
                return Ok(());
            }
            Value(v) => positional.push(v),
            _ => return Err(arg.unexpected().into()),
        }
    }
    match positional.first().and_then(|c| c.to_str()) {
        Some("path") if positional.len() == 2 => {
            let (hash, _size) = nar_hash(&PathBuf::from(&positional[1]))?;
            println!("{}", hash.to_nix32_string());
            Ok(())
        }
        Some("path") => Err(CliError::usage("usage: nixbucket hash path PATH")),
        Some(other) => Err(CliError::usage(format!("unknown hash command '{other}' (path)"))),
        None => Err(CliError::usage("'nixbucket hash' needs a command: path")),
    }
}

/// The SHA-256 and size of `path`'s NAR, streamed through the hasher (never held whole).
pub(super) fn nar_hash(path: &Path) -> Result<(Hash, u64), CliError> {
    let mut w = HashingWriter::new(io::sink());
    nar::dump_path(path, &mut w).map_err(|e| CliError::failure(e.to_string()))?;
    let (hash, size, _) = w.finish();
    Ok((hash, size))
}
