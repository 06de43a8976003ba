//! Command-line interface. Exit codes: 0 success, 1 failure, 2 usage error (bad arguments or a
//! bad store URL), 3 not found (the key or object does not exist). Every failure prints one
//! line on stderr: `error: …`.

mod hash;
mod key;
mod nar;
mod s3;
mod store_path;

use std::ffi::OsString;

/// Exit code for success.
pub const EXIT_OK: i32 = 0;
/// Exit code for a failure.
pub const EXIT_FAILURE: i32 = 1;
/// Exit code for a usage error.
pub const EXIT_USAGE: i32 = 2;
/// Exit code for "not found".
pub const EXIT_NOT_FOUND: i32 = 3;

/// A failure with its exit code.
#[derive(Debug)]
pub struct CliError {
    pub code: i32,
    pub message: String,
}

impl CliError {
    pub fn usage(msg: impl Into<String>) -> Self {
        CliError { code: EXIT_USAGE, message: msg.into() }
    }
    pub fn failure(msg: impl Into<String>) -> Self {
        CliError { code: EXIT_FAILURE, message: msg.into() }
    }
}

impl From<lexopt::Error> for CliError {
    fn from(e: lexopt::Error) -> Self {
        CliError::usage(e.to_string())
    }
}

impl From<nixbucket::s3::Error> for CliError {
    fn from(e: nixbucket::s3::Error) -> Self {
        let code = if e.is_not_found() { EXIT_NOT_FOUND } else { EXIT_FAILURE };
        CliError { code, message: e.to_string() }
    }
}

const HELP: &str = "\
nixbucket — an S3 client and Nix binary cache store

Usage: nixbucket [-v] COMMAND ...

Commands:
  s3          talk to S3 directly: ls, get, put, rm, head, presign
  nar         NAR archives: dump-path, restore, ls, cat
  hash        hash path PATH: the NAR hash Nix computes, as sha256:<nix32>
  store-path  the store path `nix-store --add` would make for PATH
  key         signing keys: generate, public

Options:
  -v, --verbose   say more (twice: debug output)
  -h, --help      this text
  -V, --version   print the version

Exit codes: 0 success, 1 failure, 2 usage error, 3 not found.
Run 'nixbucket COMMAND --help' for a command's options.
";

/// The first argument of a command with subcommands: `Ok(Some(name))`, or `Ok(None)` when it
/// was `--help` (the help text is printed). `usage` says what the command needs.
pub fn subcommand(parser: &mut lexopt::Parser, help: &str, usage: &str) -> Result<Option<String>, CliError> {
    use lexopt::prelude::*;
    match parser.next()? {
        Some(Value(v)) => Ok(Some(v.string()?)),
        Some(Short('h') | Long("help")) => {
            print!("{help}");
            Ok(None)
        }
        Some(other) => Err(other.unexpected().into()),
        None => Err(CliError::usage(usage)),
    }
}

/// Run with `args` (without the program name); returns the exit code.
pub fn run(args: Vec<OsString>) -> i32 {
    match dispatch(args) {
        Ok(()) => EXIT_OK,
        Err(e) => {
            if e.code == EXIT_USAGE {
                eprintln!("error: {} (see 'nixbucket --help')", e.message);
            } else {
                eprintln!("error: {}", e.message);
            }
            e.code
        }
    }
}

fn dispatch(args: Vec<OsString>) -> Result<(), CliError> {
    let mut parser = lexopt::Parser::from_args(args);
    let mut verbose = 1u8;
    use lexopt::prelude::*;
    while let Some(arg) = parser.next()? {
        match arg {
            Short('v') | Long("verbose") => verbose += 1,
            Short('h') | Long("help") => {
                print!("{HELP}");
                return Ok(());
            }
            Short('V') | Long("version") => {
                println!("nixbucket {}", env!("CARGO_PKG_VERSION"));
                return Ok(());
            }
            Value(cmd) => {
                nixbucket::log::set_level(verbose);
                let cmd = cmd.string()?;
                let rest: Vec<OsString> = parser.raw_args()?.collect();
                return match cmd.as_str() {
                    "s3" => s3::run(rest),
                    "nar" => nar::run(rest),
                    "hash" => hash::run(rest),
                    "store-path" => store_path::run(rest),
                    "key" => key::run(rest),
                    other => Err(CliError::usage(format!("unknown command '{other}'"))),
                };
            }
            _ => return Err(arg.unexpected().into()),
        }
    }
    Err(CliError::usage("no command given"))
}
