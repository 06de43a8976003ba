//! The `nixbucket` command: parses arguments, calls the library, maps errors to exit codes.
#![forbid(unsafe_code)]

mod cli;

fn main() {
    let code = cli::run(std::env::args_os().skip(1).collect());
    std::process::exit(code);
}
