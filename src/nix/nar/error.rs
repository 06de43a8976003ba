//! [`Error`]: what went wrong while writing, reading or restoring a NAR, and where.

use std::fmt;
use std::io;
use std::path::PathBuf;

use super::{display_nar_path, escape_bytes, MAX_DEPTH, MAX_NAME_LEN, MAX_TARGET_LEN};

/// An error from this module. Every variant names the file (on disk or inside the NAR) it is
/// about; I/O failures keep the [`io::Error`] as their [`source`](std::error::Error::source).
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A file system operation (`op`, e.g. "reading directory") on `path` failed.
    Io { op: &'static str, path: PathBuf, source: io::Error },
    /// `path` is neither a regular file, a directory nor a symlink (a socket, FIFO or device).
    UnsupportedFileType { path: PathBuf },
    /// A regular file held fewer bytes than announced (it shrank while it was read).
    FileChanged { path: PathBuf, expected: u64, got: u64 },
    /// The contents given to [`Node::file`](super::Node::file) failed or held fewer than
    /// `expected` bytes.
    Contents { expected: u64, source: io::Error },
    /// The restore target already exists; nothing is overwritten.
    DestinationExists { path: PathBuf },
    /// Reading the NAR stream failed at byte `offset`.
    Read { offset: u64, source: io::Error },
    /// Writing the NAR (or file contents) to the output failed.
    Write { source: io::Error },
    /// The NAR is malformed at byte `offset`, in the node at `path` (inside the NAR).
    Malformed { offset: u64, path: Vec<u8>, problem: Problem },
    /// An API used out of order: the [`NarWriter`](super::NarWriter) with a node left
    /// unwritten, or a [`Sink`](super::reader::Sink) fed nodes no NAR parse produces.
    Usage { problem: &'static str },
    /// A path asked for inside a NAR does not exist there.
    NotFound { path: Vec<u8> },
    /// A path asked for inside a NAR is not a regular file.
    NotRegular { path: Vec<u8>, kind: &'static str },
}

/// What is wrong with a malformed NAR.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// The stream does not start with `nix-archive-1`.
    BadMagic,
    /// The stream ended early.
    Truncated,
    /// A token other than the one the grammar requires here.
    UnexpectedToken { expected: &'static str, found: Vec<u8> },
    /// A token longer than any the grammar has.
    TokenTooLong { expected: &'static str, len: u64 },
    /// `type` is followed by something other than `regular`, `symlink` or `directory`.
    UnknownType { found: Vec<u8> },
    /// `executable` is followed by a non-empty string.
    ExecutableNotEmpty,
    /// A string's padding contains a non-zero byte.
    NonZeroPadding,
    /// An entry name is empty.
    EmptyName,
    /// An entry name is `.` or `..`.
    ReservedName { name: Vec<u8> },
    /// An entry name contains `/`.
    SlashInName { name: Vec<u8> },
    /// An entry name contains NUL.
    NulInName { name: Vec<u8> },
    /// An entry name is longer than [`MAX_NAME_LEN`].
    NameTooLong { len: u64 },
    /// An entry name is not greater than the previous one in the same directory.
    NotSorted { previous: Vec<u8>, name: Vec<u8> },
    /// An entry name repeats the previous one in the same directory.
    Duplicate { name: Vec<u8> },
    /// A symlink target is empty.
    EmptyTarget,
    /// A symlink target contains NUL.
    NulInTarget,
    /// A symlink target is longer than [`MAX_TARGET_LEN`].
    TargetTooLong { len: u64 },
    /// Directories nest deeper than [`MAX_DEPTH`].
    TooDeep,
    /// A length that cannot fit (padding would overflow a u64).
    LengthOverflow { len: u64 },
    /// Bytes follow the root node.
    TrailingData,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::BadMagic => write!(f, "bad magic: not a NAR (expected 'nix-archive-1')"),
            Problem::Truncated => write!(f, "truncated: the NAR ends early"),
            Problem::UnexpectedToken { expected, found } => write!(f, "expected '{expected}', found '{}'", escape_bytes(found)),
            Problem::TokenTooLong { expected, len } => write!(f, "expected '{expected}', found a string of {len} bytes"),
            Problem::UnknownType { found } => write!(f, "unknown node type '{}'", escape_bytes(found)),
            Problem::ExecutableNotEmpty => write!(f, "'executable' must be followed by an empty string"),
            Problem::NonZeroPadding => write!(f, "non-zero padding"),
            Problem::EmptyName => write!(f, "empty entry name"),
            Problem::ReservedName { name } => write!(f, "entry name '{}' is not allowed", escape_bytes(name)),
            Problem::SlashInName { name } => write!(f, "entry name '{}' contains '/'", escape_bytes(name)),
            Problem::NulInName { name } => write!(f, "entry name '{}' contains NUL", escape_bytes(name)),
            Problem::NameTooLong { len } => write!(f, "entry name of {len} bytes is longer than {MAX_NAME_LEN}"),
            Problem::NotSorted { previous, name } => {
                write!(f, "entries not sorted: '{}' comes after '{}'", escape_bytes(name), escape_bytes(previous))
            }
            Problem::Duplicate { name } => write!(f, "duplicate entry '{}'", escape_bytes(name)),
            Problem::EmptyTarget => write!(f, "empty symlink target"),
            Problem::NulInTarget => write!(f, "symlink target contains NUL"),
            Problem::TargetTooLong { len } => write!(f, "symlink target of {len} bytes is longer than {MAX_TARGET_LEN}"),
            Problem::TooDeep => write!(f, "directories nested deeper than {MAX_DEPTH}"),
            Problem::LengthOverflow { len } => write!(f, "impossible length {len}"),
            Problem::TrailingData => write!(f, "trailing data after the root node"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { op, path, source } => write!(f, "{op} '{}': {source}", path.display()),
            Error::UnsupportedFileType { path } => write!(f, "file '{}' has an unsupported type", path.display()),
            Error::FileChanged { path, expected, got } => {
                write!(f, "file '{}' changed while it was read: expected {expected} bytes, got {got}", path.display())
            }
            Error::Contents { expected, source } => write!(f, "reading {expected} bytes of file contents: {source}"),
            Error::DestinationExists { path } => write!(f, "'{}' already exists; not overwriting it", path.display()),
            Error::Read { offset, source } => write!(f, "reading the NAR at byte {offset}: {source}"),
            Error::Write { source } => write!(f, "writing output: {source}"),
            Error::Malformed { offset, path, problem } => {
                write!(f, "malformed NAR at byte {offset}, in '{}': {problem}", display_nar_path(path))
            }
            Error::Usage { problem } => write!(f, "{problem}"),
            Error::NotFound { path } => write!(f, "'{}' does not exist in the NAR", display_nar_path(path)),
            Error::NotRegular { path, kind } => write!(f, "'{}' in the NAR is a {kind}, not a regular file", display_nar_path(path)),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } | Error::Contents { source, .. } | Error::Read { source, .. } | Error::Write { source } => Some(source),
            _ => None,
        }
    }
}

impl Error {
    /// The problem, when the NAR itself is malformed.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            Error::Malformed { problem, .. } => Some(problem),
            _ => None,
        }
    }

    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io { op, path: path.into(), source }
    }
}
