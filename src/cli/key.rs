//! `nixbucket key …`: binary cache signing keys in Nix's formats.

use std::ffi::OsString;
use std::io::{self, Read, Write};

use lexopt::prelude::*;
use nixbucket::nix::signing::SecretKey;

use super::CliError;

const HELP: &str = "\
Usage: nixbucket key COMMAND [OPTIONS]

Commands:
  generate --name NAME   print a new secret key, NAME:base64(64 bytes), as the secret key file
                         of 'nix-store --generate-binary-cache-key' (no trailing newline)
  public                 read a secret key on stdin and print its public key,
                         NAME:base64(32 bytes), for trusted-public-keys (no trailing newline)

NAME is conventionally the cache's host name and a number, e.g. cache.example.org-1.
The output of 'generate' works as a key file for Nix (secret-key-files, --key-file) and for
nixbucket; keep it secret. Example:
  nixbucket key generate --name cache.example.org-1 > secret.key
  nixbucket key public < secret.key > public.key

Options:
  -h, --help   this text
";

/// Largest secret key accepted on stdin; a key is about 110 bytes.
const MAX_KEY_INPUT: u64 = 64 * 1024;

pub fn run(args: Vec<OsString>) -> Result<(), CliError> {
    let mut parser = lexopt::Parser::from_args(args);
    let Some(cmd) = super::subcommand(&mut parser, HELP, "'nixbucket key' needs a command: generate or public")? else { return Ok(()) };
    let mut name: Option<String> = None;
    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => {
                print!("{HELP}");
                return Ok(());
            }
            Long("name") if cmd == "generate" => name = Some(parser.value()?.string()?),
            _ => return Err(arg.unexpected().into()),
        }
    }
    match cmd.as_str() {
        "generate" => {
            let name = name.ok_or_else(|| CliError::usage("'nixbucket key generate' needs --name NAME"))?;
            let key = SecretKey::generate(&name).map_err(|e| match e {
                nixbucket::nix::signing::Error::Parse { .. } => CliError::usage(format!("--name {name:?}: {e}")),
                _ => CliError::failure(e.to_string()),
            })?;
            emit(&key.to_string())
        }
        "public" => {
            let mut input = String::new();
            io::stdin().take(MAX_KEY_INPUT).read_to_string(&mut input).map_err(|e| CliError::failure(format!("cannot read the secret key from stdin: {e}")))?;
            // Key files may end in a newline (Nix accepts that too).
            let key = SecretKey::parse(input.trim()).map_err(|e| CliError::failure(format!("stdin: {e}")))?;
            emit(&key.to_public().to_string())
        }
        other => Err(CliError::usage(format!("unknown key command '{other}' (generate, public)"))),
    }
}

/// Write exactly `s`, as Nix's `nix key` commands do: no trailing newline.
fn emit(s: &str) -> Result<(), CliError> {
    let mut out = io::stdout().lock();
    out.write_all(s.as_bytes()).and_then(|()| out.flush()).map_err(|e| CliError::failure(format!("cannot write to stdout: {e}")))
}
