//! A streaming, validating NAR parser. [`parse`] reads a NAR once, front to back, through a
//! fixed buffer, checks every rule of the format (see the [module docs](super)) and reports
//! each node to a [`Sink`]; file contents are handed over as a bounded reader and never held in
//! memory. Every length is checked against its limit before anything is allocated.

use std::io::{self, BufRead, BufReader, Read};

use super::{check_name, check_target, Error, Problem, MAGIC, MAX_DEPTH, MAX_NAME_LEN, MAX_TARGET_LEN, MAX_TOKEN_LEN};

/// Size of the buffer between the NAR stream and the parser.
const READ_BUFFER: usize = 64 * 1024;

/// Receives the nodes of a NAR in order. `path` is the node's path inside the NAR: names
/// joined with `/`, empty for the root. A directory's entries follow its
/// [`Sink::directory`] and precede its [`Sink::end_directory`].
pub trait Sink {
    /// A directory starts.
    fn directory(&mut self, path: &[u8]) -> Result<(), Error>;
    /// A directory's last entry was reported.
    fn end_directory(&mut self, _path: &[u8]) -> Result<(), Error> {
        Ok(())
    }
    /// A regular file of `size` bytes whose contents start at byte `nar_offset` of the NAR.
    /// The sink may read `contents` (at most `size` bytes) or leave it; what it leaves is
    /// skipped.
    fn file(&mut self, path: &[u8], executable: bool, size: u64, nar_offset: u64, contents: &mut dyn Read) -> Result<(), Error>;
    /// A symlink to `target`.
    fn symlink(&mut self, path: &[u8], target: &[u8]) -> Result<(), Error>;
}

/// A sink that keeps nothing: [`parse`] with it only validates.
pub struct Validate;

impl Sink for Validate {
    fn directory(&mut self, _: &[u8]) -> Result<(), Error> {
        Ok(())
    }
    fn file(&mut self, _: &[u8], _: bool, _: u64, _: u64, _: &mut dyn Read) -> Result<(), Error> {
        Ok(())
    }
    fn symlink(&mut self, _: &[u8], _: &[u8]) -> Result<(), Error> {
        Ok(())
    }
}

/// Parse the NAR on `input` to its end, reporting its nodes to `sink`; returns the NAR's size.
/// Bytes after the root node are an error, so the whole input is one NAR.
///
/// Errors: [`Error::Malformed`] naming the problem, the byte offset and the path inside the
/// NAR; [`Error::Read`] when `input` fails; whatever `sink` returns.
pub fn parse(input: &mut dyn Read, sink: &mut dyn Sink) -> Result<u64, Error> {
    let mut p = Parser { r: BufReader::with_capacity(READ_BUFFER, input), offset: 0, path: Vec::new() };
    let start = p.offset;
    let magic = p.token_or(|_| Problem::BadMagic)?;
    if magic != MAGIC {
        return Err(p.malformed_at(start, Problem::BadMagic));
    }
    p.node(sink, 0)?;
    let trailing = p.r.fill_buf().map_err(|source| Error::Read { offset: p.offset, source })?;
    if !trailing.is_empty() {
        return Err(p.malformed(Problem::TrailingData));
    }
    Ok(p.offset)
}

struct Parser<'r> {
    r: BufReader<&'r mut dyn Read>,
    offset: u64,
    /// Path of the current node inside the NAR.
    path: Vec<u8>,
}

impl Parser<'_> {
    fn malformed_at(&self, offset: u64, problem: Problem) -> Error {
        Error::Malformed { offset, path: self.path.clone(), problem }
    }

    fn malformed(&self, problem: Problem) -> Error {
        self.malformed_at(self.offset, problem)
    }

    fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), Error> {
        match self.r.read_exact(buf) {
            Ok(()) => {
                self.offset += buf.len() as u64;
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Err(self.malformed(Problem::Truncated)),
            Err(source) => Err(Error::Read { offset: self.offset, source }),
        }
    }

    fn u64(&mut self) -> Result<u64, Error> {
        let mut b = [0u8; 8];
        self.read_exact(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn padding(&mut self, len: u64) -> Result<(), Error> {
        let n = super::padding(len);
        let mut pad = [0u8; 8];
        let start = self.offset;
        self.read_exact(&mut pad[..n])?;
        if pad[..n].iter().any(|&b| b != 0) {
            return Err(self.malformed_at(start, Problem::NonZeroPadding));
        }
        Ok(())
    }

    /// A string of at most `max` bytes; a longer length is refused (with `too_long`) before
    /// anything is allocated.
    fn string(&mut self, max: usize, too_long: impl FnOnce(u64) -> Problem) -> Result<Vec<u8>, Error> {
        let start = self.offset;
        let len = self.u64()?;
        if len > max as u64 {
            return Err(self.malformed_at(start, too_long(len)));
        }
        let mut s = vec![0u8; len as usize];
        self.read_exact(&mut s)?;
        self.padding(len)?;
        Ok(s)
    }

    fn token_or(&mut self, too_long: impl FnOnce(u64) -> Problem) -> Result<Vec<u8>, Error> {
        self.string(MAX_TOKEN_LEN, too_long)
    }

    fn token(&mut self, expected: &'static str) -> Result<Vec<u8>, Error> {
        self.token_or(|len| Problem::TokenTooLong { expected, len })
    }

    fn expect(&mut self, expected: &'static str) -> Result<(), Error> {
        let start = self.offset;
        let found = self.token(expected)?;
        if found != expected.as_bytes() {
            return Err(self.malformed_at(start, Problem::UnexpectedToken { expected, found }));
        }
        Ok(())
    }

    fn node(&mut self, sink: &mut dyn Sink, depth: usize) -> Result<(), Error> {
        self.expect("(")?;
        self.expect("type")?;
        let start = self.offset;
        let ty = self.token("regular', 'symlink' or 'directory")?;
        match ty.as_slice() {
            b"regular" => self.regular(sink)?,
            b"symlink" => {
                self.expect("target")?;
                let start = self.offset;
                let target = self.string(MAX_TARGET_LEN, |len| Problem::TargetTooLong { len })?;
                if let Some(problem) = check_target(&target) {
                    return Err(self.malformed_at(start, problem));
                }
                sink.symlink(&self.path, &target)?;
            }
            // The ')' ending the entries is the one closing the node.
            b"directory" => return self.directory(sink, depth),
            _ => return Err(self.malformed_at(start, Problem::UnknownType { found: ty })),
        }
        self.expect(")")
    }

    fn regular(&mut self, sink: &mut dyn Sink) -> Result<(), Error> {
        let mut start = self.offset;
        let mut tok = self.token("executable' or 'contents")?;
        let mut executable = false;
        if tok == b"executable" {
            let value_start = self.offset;
            if self.u64()? != 0 {
                return Err(self.malformed_at(value_start, Problem::ExecutableNotEmpty));
            }
            executable = true;
            start = self.offset;
            tok = self.token("contents")?;
        }
        if tok != b"contents" {
            let expected = if executable { "contents" } else { "executable' or 'contents" };
            return Err(self.malformed_at(start, Problem::UnexpectedToken { expected, found: tok }));
        }
        let len_start = self.offset;
        let size = self.u64()?;
        if size > u64::MAX - 7 {
            return Err(self.malformed_at(len_start, Problem::LengthOverflow { len: size }));
        }
        let nar_offset = self.offset;
        let mut contents = Contents { r: &mut self.r, left: size, eof: false, err: None };
        let result = sink.file(&self.path, executable, size, nar_offset, &mut contents);
        // Whatever the sink did not read is skipped in the read buffer, without copying.
        if result.is_ok() {
            contents.skip();
        }
        let Contents { left, eof, err, .. } = contents;
        self.offset = nar_offset + (size - left);
        // A truncated or failing NAR explains any error the sink saw while reading it.
        if eof {
            return Err(self.malformed(Problem::Truncated));
        }
        if let Some(source) = err {
            return Err(Error::Read { offset: self.offset, source });
        }
        result?;
        self.padding(size)
    }

    fn directory(&mut self, sink: &mut dyn Sink, depth: usize) -> Result<(), Error> {
        sink.directory(&self.path)?;
        let mut prev: Option<Vec<u8>> = None;
        loop {
            let start = self.offset;
            let tok = self.token("entry' or ')")?;
            match tok.as_slice() {
                b")" => break,
                b"entry" => {}
                _ => return Err(self.malformed_at(start, Problem::UnexpectedToken { expected: "entry' or ')", found: tok })),
            }
            self.expect("(")?;
            self.expect("name")?;
            let start = self.offset;
            let name = self.string(MAX_NAME_LEN, |len| Problem::NameTooLong { len })?;
            if let Some(problem) = check_name(&name) {
                return Err(self.malformed_at(start, problem));
            }
            if let Some(prev) = &prev {
                if name == *prev {
                    return Err(self.malformed_at(start, Problem::Duplicate { name }));
                }
                if name < *prev {
                    return Err(self.malformed_at(start, Problem::NotSorted { previous: prev.clone(), name }));
                }
            }
            if depth + 1 > MAX_DEPTH {
                return Err(self.malformed_at(start, Problem::TooDeep));
            }
            self.expect("node")?;
            let parent_len = self.path.len();
            if parent_len > 0 {
                self.path.push(b'/');
            }
            self.path.extend_from_slice(&name);
            self.node(sink, depth + 1)?;
            self.path.truncate(parent_len);
            self.expect(")")?;
            prev = Some(name);
        }
        sink.end_directory(&self.path)
    }
}

/// File contents: at most `left` more bytes of the NAR.
struct Contents<'a, 'r> {
    r: &'a mut BufReader<&'r mut dyn Read>,
    left: u64,
    /// The NAR ended inside the contents.
    eof: bool,
    /// Reading the NAR failed; the sink saw a copy of the message.
    err: Option<io::Error>,
}

impl Contents<'_, '_> {
    /// Skip the rest; the outcome is in `eof` / `err`.
    fn skip(&mut self) {
        while self.left > 0 {
            match self.r.fill_buf() {
                Ok([]) => {
                    self.eof = true;
                    return;
                }
                Ok(buf) => {
                    let n = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
                    self.r.consume(n);
                    self.left -= n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.err = Some(e);
                    return;
                }
            }
        }
    }
}

impl Read for Contents<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let want = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = match self.r.read(&mut buf[..want]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Err(e),
            Err(e) => {
                let copy = io::Error::new(e.kind(), e.to_string());
                self.err = Some(e);
                return Err(copy);
            }
        };
        if n == 0 {
            self.eof = true;
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the NAR ends inside a file's contents"));
        }
        self.left -= n as u64;
        Ok(n)
    }
}
