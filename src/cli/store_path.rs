//! `nixbucket store-path PATH [--name N]`: the store path `nix-store --add PATH` would make,
//! computed without a store: type `source`, inner hash the SHA-256 of PATH's NAR.

use std::ffi::OsString;
use std::path::PathBuf;

use lexopt::prelude::*;
use nixbucket::nix::store_path::{make_source_path, validate_name, STORE_DIR};

use super::CliError;

const HELP: &str = "\
Usage: nixbucket store-path PATH [--name N]

Print the store path `nix-store --add PATH` would make (/nix/store/<hash>-<name>), without
adding anything anywhere.

Options:
  --name N     the store path's name (default: PATH's base name, as nix-store takes it)
  -h, --help   this text

Names are at most 211 characters of A-Z a-z 0-9 + - . _ ? = and do not start with '.'.
Exit codes: 0 success, 1 failure (PATH unreadable), 2 usage error (bad name).
";

pub fn run(args: Vec<OsString>) -> Result<(), CliError> {
    let mut parser = lexopt::Parser::from_args(args);
    let mut positional: Vec<OsString> = Vec::new();
    let mut name: Option<String> = None;
    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => {
                print!("{HELP}");
                return Ok(());
            }
            Long("name") => name = Some(parser.value()?.string()?),
            Value(v) => positional.push(v),
            _ => return Err(arg.unexpected().into()),
        }
    }
    let [path] = positional.as_slice() else {
        return Err(CliError::usage("usage: nixbucket store-path PATH [--name N]"));
    };
    let name = match name {
        Some(n) => n,
        None => {
            let p = path.to_str().ok_or_else(|| CliError::usage(format!("{path:?} is not UTF-8, so its base name is no store path name; give --name")))?;
            base_name_of(p).to_string()
        }
    };
    // Before reading anything: a bad name fails fast.
    validate_name(&name, &name).map_err(|e| CliError::usage(e.to_string()))?;
    let (nar_sha256, _size) = super::hash::nar_hash(&PathBuf::from(path))?;
    let sp = make_source_path(&nar_sha256, &name, &[], STORE_DIR).map_err(|e| CliError::failure(e.to_string()))?;
    println!("{}", sp.to_absolute(STORE_DIR));
    Ok(())
}

/// Nix's `baseNameOf`: the part after the last `/`, ignoring one trailing `/`.
fn base_name_of(path: &str) -> &str {
    let b = path.as_bytes();
    if b.is_empty() {
        return "";
    }
    let mut last = b.len() - 1;
    if b[last] == b'/' && last > 0 {
        last -= 1;
    }
    let start = b[..=last].iter().rposition(|&c| c == b'/').map_or(0, |p| p + 1);
    if start > last {
        ""
    } else {
        &path[start..=last]
    }
}

#[cfg(test)]
mod tests {
    use super::base_name_of;

    #[test]
    fn base_name_as_nix() {
        for (p, want) in [("a", "a"), ("/x/a", "a"), ("x/a/", "a"), ("/", ""), ("", ""), ("a//", ""), ("./a", "a"), (".", ".")] {
            assert_eq!(base_name_of(p), want, "{p:?}");
        }
    }
}
