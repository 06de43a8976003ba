//! `nixbucket nar …`: NAR archives without a store: `dump-path` (`nix-store --dump`),
//! `restore` (`nix-store --restore`), `ls` (`nix nar ls`, or the `.ls` JSON) and `cat`
//! (`nix nar cat`).

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use lexopt::prelude::*;
use nixbucket::log;
use nixbucket::nix::nar::{self, Listing, ListingNode};

use super::{CliError, EXIT_FAILURE, EXIT_NOT_FOUND};

const HELP: &str = "\
Usage: nixbucket nar COMMAND [OPTIONS] ...

Commands:
  dump-path PATH          write the NAR of PATH to stdout (as nix-store --dump)
  restore DEST            unpack the NAR on stdin at DEST, which must not exist
                          (as nix-store --restore)
  ls NARFILE [PATH]       list PATH (default: the root) inside the NAR (as nix nar ls)
      -R, --recursive     list directories below PATH too
      -l, --long          mode, size and symlink targets
      -d, --directory     show a directory itself rather than its entries
      --json              without PATH: the .ls listing Nix writes to binary caches
                          (write-nar-listing=true); with PATH: PATH's node as
                          nix nar ls --json [-R] prints it
  cat NARFILE PATH        write the regular file PATH inside the NAR to stdout

NARFILE may be - for stdin. Every NAR read is checked completely: bad magic, tags or padding,
unsorted or duplicate entries, bad names or symlink targets, names over 255 bytes, targets over
4095 bytes, nesting deeper than 64 and trailing data are errors that name the path inside the
NAR and the byte offset.

Options:
  -h, --help   this text

Exit codes: 0 success, 1 failure, 2 usage error, 3 PATH not found inside the NAR.
";

fn failure(e: nar::Error) -> CliError {
    let code = if matches!(e, nar::Error::NotFound { .. }) { EXIT_NOT_FOUND } else { EXIT_FAILURE };
    CliError { code, message: e.to_string() }
}

fn stdout_error(e: io::Error) -> CliError {
    CliError::failure(format!("writing to stdout: {e}"))
}

pub fn run(args: Vec<OsString>) -> Result<(), CliError> {
    let mut parser = lexopt::Parser::from_args(args);
    let Some(cmd) = super::subcommand(&mut parser, HELP, "'nixbucket nar' needs a command: dump-path, restore, ls or cat")? else { return Ok(()) };
    let (mut recursive, mut long, mut directory, mut json) = (false, false, false, false);
    let mut positional: Vec<OsString> = Vec::new();
    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => {
                print!("{HELP}");
                return Ok(());
            }
            Short('v') | Long("verbose") => log::set_level(log::level() + 1),
            Short('R') | Long("recursive") if cmd == "ls" => recursive = true,
            Short('l') | Long("long") if cmd == "ls" => long = true,
            Short('d') | Long("directory") if cmd == "ls" => directory = true,
            Long("json") if cmd == "ls" => json = true,
            Value(v) => positional.push(v),
            Short(c) => return Err(CliError::usage(format!("unknown option '-{c}' for 'nar {cmd}'"))),
            Long(l) => return Err(CliError::usage(format!("unknown option '--{l}' for 'nar {cmd}'"))),
        }
    }
    let want = |n: std::ops::RangeInclusive<usize>, usage: &str| -> Result<(), CliError> {
        if n.contains(&positional.len()) {
            Ok(())
        } else {
            Err(CliError::usage(format!("usage: nixbucket nar {usage}")))
        }
    };
    match cmd.as_str() {
        "dump-path" => {
            want(1..=1, "dump-path PATH")?;
            let mut out = io::stdout().lock();
            let size = nar::dump_path(&PathBuf::from(&positional[0]), &mut out).map_err(failure)?;
            out.flush().map_err(stdout_error)?;
            log::debug(&format!("wrote a NAR of {size} bytes"));
            Ok(())
        }
        "restore" => {
            want(1..=1, "restore DEST")?;
            let dest = PathBuf::from(&positional[0]);
            let stats = nar::restore(&mut io::stdin().lock(), &dest).map_err(failure)?;
            log::debug(&format!(
                "restored {} bytes of NAR: {} directories, {} files ({} executable, {} bytes), {} symlinks",
                stats.nar_size, stats.directories, stats.files, stats.executables, stats.file_bytes, stats.symlinks
            ));
            Ok(())
        }
        "ls" => {
            want(1..=2, "ls [-R] [-l] [-d] [--json] NARFILE [PATH]")?;
            let listing = with_input(&positional[0], |r| nar::list(r))?;
            let path = positional.get(1).map_or(&b""[..], |p| p.as_bytes());
            ls(&listing, path, positional.get(1).is_some(), recursive, long, directory, json)
        }
        "cat" => {
            want(2..=2, "cat NARFILE PATH")?;
            let mut out = BufWriter::new(io::stdout().lock());
            with_input(&positional[0], |r| nar::cat(r, positional[1].as_bytes(), &mut out))?;
            out.flush().map_err(stdout_error)
        }
        other => Err(CliError::usage(format!("unknown nar command '{other}' (dump-path, restore, ls, cat)"))),
    }
}

fn with_input<T>(file: &OsString, f: impl FnOnce(&mut dyn io::Read) -> Result<T, nar::Error>) -> Result<T, CliError> {
    if file == "-" {
        f(&mut io::stdin().lock()).map_err(failure)
    } else {
        let mut r = File::open(file).map_err(|e| CliError::failure(format!("opening '{}': {e}", PathBuf::from(file).display())))?;
        f(&mut r).map_err(failure)
    }
}

fn ls(listing: &Listing, path: &[u8], path_given: bool, recursive: bool, long: bool, directory: bool, json: bool) -> Result<(), CliError> {
    let Some(node) = listing.get(path) else {
        return Err(failure(nar::Error::NotFound { path: path.to_vec() }));
    };
    let mut out = BufWriter::new(io::stdout().lock());
    if json {
        // Without a newline, as Nix writes it: the output is the .ls file.
        let bytes = match (path_given, recursive) {
            (false, _) => listing.to_json(),
            (true, true) => node.to_json(),
            (true, false) => node.to_json_shallow(),
        };
        out.write_all(&bytes).map_err(stdout_error)?;
        return out.flush().map_err(stdout_error);
    }
    // As `nix nar ls`: a directory shows its entries as ./NAME, anything else its own name.
    let shown: Vec<u8> = match node {
        ListingNode::Directory { .. } => b".".to_vec(),
        _ => path.rsplit(|&b| b == b'/').find(|n| !n.is_empty()).unwrap_or(b"").to_vec(),
    };
    let mut w = |node: &ListingNode, rel: &[u8]| -> io::Result<()> { show(&mut out, node, rel, long) };
    let result = (|| -> io::Result<()> {
        match node {
            ListingNode::Directory { entries } if !directory => walk(entries, &shown, recursive, &mut w),
            _ => {
                w(node, &shown)?;
                match node {
                    ListingNode::Directory { entries } if recursive => walk(entries, &shown, true, &mut w),
                    _ => Ok(()),
                }
            }
        }
    })();
    result.and_then(|()| out.flush()).map_err(stdout_error)
}

type Show<'a> = dyn FnMut(&ListingNode, &[u8]) -> io::Result<()> + 'a;

fn walk(entries: &std::collections::BTreeMap<Vec<u8>, ListingNode>, rel: &[u8], recursive: bool, w: &mut Show<'_>) -> io::Result<()> {
    for (name, node) in entries {
        let mut child = rel.to_vec();
        child.push(b'/');
        child.extend_from_slice(name);
        w(node, &child)?;
        if let (true, ListingNode::Directory { entries }) = (recursive, node) {
            walk(entries, &child, true, w)?;
        }
    }
    Ok(())
}

fn show(out: &mut dyn Write, node: &ListingNode, rel: &[u8], long: bool) -> io::Result<()> {
    if long {
        let (mode, size) = match node {
            ListingNode::Regular { executable: true, size, .. } => ("-r-xr-xr-x", *size),
            ListingNode::Regular { size, .. } => ("-r--r--r--", *size),
            ListingNode::Symlink { .. } => ("lrwxrwxrwx", 0),
            ListingNode::Directory { .. } => ("dr-xr-xr-x", 0),
        };
        write!(out, "{mode} {size:>20} ")?;
    }
    out.write_all(rel)?;
    if let (true, ListingNode::Symlink { target }) = (long, node) {
        out.write_all(b" -> ")?;
        out.write_all(target)?;
    }
    out.write_all(b"\n")
}
