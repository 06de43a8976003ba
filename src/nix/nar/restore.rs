//! Reading NARs into something: [`restore`] (`nix-store --restore`), [`list`] (the `.ls`
//! listing, without writing anything) and [`cat`] (one file's contents).

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs::{self, DirBuilder, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::listing::{Listing, ListingNode};
use super::reader::{parse, Sink};
use super::Error;

/// Mode of restored directories and non-executable files (with executable bits for executable
/// files), as `nix-store --restore` leaves them: Nix sets its umask to 022 and creates
/// directories 0777, files 0666 and adds 0111 for executables.
const DIR_MODE: u32 = 0o755;
const FILE_MODE: u32 = 0o644;
const EXEC_MODE: u32 = 0o755;

/// What [`restore`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Size of the NAR read.
    pub nar_size: u64,
    pub directories: u64,
    /// Regular files, executable or not.
    pub files: u64,
    /// Regular files with the executable bits.
    pub executables: u64,
    pub symlinks: u64,
    /// Bytes of file contents written.
    pub file_bytes: u64,
}

/// Unpack the NAR on `input` at `dest`, as `nix-store --restore DEST` does. `dest` must not
/// exist (nothing is overwritten); its parent must. Directories are created 0755, files 0644
/// and executables 0755, whatever the umask. Every entry is created new (`O_EXCL`, `mkdir`,
/// `symlink`), never through an existing path, and only inside directories this call created,
/// so nothing is written outside `dest`. The NAR is validated as it is read (see
/// [`reader`](super::reader)); on an error, what was restored so far stays in place. Memory
/// does not grow with the NAR's size.
///
/// Errors: [`Error::DestinationExists`], [`Error::Malformed`], [`Error::Read`], and
/// [`Error::Io`] naming the file that could not be created or written.
pub fn restore(input: &mut dyn Read, dest: &Path) -> Result<Stats, Error> {
    let mut sink = RestoreSink { dest, stats: Stats::default(), dirs: Vec::new(), buf: vec![0; COPY_BUFFER] };
    let nar_size = parse(input, &mut sink)?;
    Ok(Stats { nar_size, ..sink.stats })
}

struct RestoreSink<'a> {
    dest: &'a Path,
    stats: Stats,
    /// Paths (inside the NAR) of the directories being filled, innermost last.
    dirs: Vec<Vec<u8>>,
    /// The one buffer file contents pass through.
    buf: Vec<u8>,
}

/// Size of the buffer file contents are restored through: as large as the parser's read
/// buffer, so that big reads bypass it, and small enough to stay in cache (measured: 256 KiB
/// made a 1 GiB restore 4x slower than 64 KiB).
const COPY_BUFFER: usize = 64 * 1024;

fn copy(r: &mut dyn Read, w: &mut dyn Write, buf: &mut [u8]) -> io::Result<u64> {
    let mut total = 0u64;
    loop {
        let n = match r.read(buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        w.write_all(&buf[..n])?;
        total += n as u64;
    }
}

impl RestoreSink<'_> {
    /// Where the node at `path` goes; checks that its parent is the directory this restore
    /// created last and is still filling.
    fn target(&self, path: &[u8]) -> Result<PathBuf, Error> {
        if path.is_empty() {
            if !self.dirs.is_empty() {
                return Err(Error::Usage { problem: "restore: a second root node" });
            }
            return Ok(self.dest.to_owned());
        }
        let parent = path.iter().rposition(|&b| b == b'/').map_or(&path[..0], |i| &path[..i]);
        if self.dirs.last().map(Vec::as_slice) != Some(parent) {
            return Err(Error::Usage { problem: "restore: refusing an entry outside the directory being restored" });
        }
        Ok(self.dest.join(OsStr::from_bytes(path)))
    }

    fn create_error(&self, path: &[u8], op: &'static str, target: PathBuf, e: io::Error) -> Error {
        if path.is_empty() && e.kind() == io::ErrorKind::AlreadyExists {
            Error::DestinationExists { path: target }
        } else {
            Error::io(op, target, e)
        }
    }
}

impl Sink for RestoreSink<'_> {
    fn directory(&mut self, path: &[u8]) -> Result<(), Error> {
        let target = self.target(path)?;
        DirBuilder::new().mode(DIR_MODE).create(&target).map_err(|e| self.create_error(path, "creating directory", target.clone(), e))?;
        // A stricter umask took bits away; put them back. `mkdir` just made this very
        // directory, so the path names it (lstat to be sure it is no symlink).
        let meta = fs::symlink_metadata(&target).map_err(|e| Error::io("getting status of", target.clone(), e))?;
        if meta.is_dir() && meta.permissions().mode() & 0o7777 != DIR_MODE {
            fs::set_permissions(&target, fs::Permissions::from_mode(DIR_MODE)).map_err(|e| Error::io("setting permissions of", target.clone(), e))?;
        }
        self.dirs.push(path.to_vec());
        self.stats.directories += 1;
        Ok(())
    }

    fn end_directory(&mut self, _path: &[u8]) -> Result<(), Error> {
        self.dirs.pop();
        Ok(())
    }

    fn file(&mut self, path: &[u8], executable: bool, _size: u64, _nar_offset: u64, contents: &mut dyn Read) -> Result<(), Error> {
        let target = self.target(path)?;
        // create_new is O_CREAT|O_EXCL: fails on anything already there, symlinks included,
        // without following them.
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(FILE_MODE)
            .open(&target)
            .map_err(|e| self.create_error(path, "creating file", target.clone(), e))?;
        let n = copy(contents, &mut f, &mut self.buf).map_err(|e| Error::io("writing file", target.clone(), e))?;
        let mode = if executable { EXEC_MODE } else { FILE_MODE };
        let meta = f.metadata().map_err(|e| Error::io("getting status of", target.clone(), e))?;
        if meta.permissions().mode() & 0o7777 != mode {
            f.set_permissions(fs::Permissions::from_mode(mode)).map_err(|e| Error::io("setting permissions of", target.clone(), e))?;
        }
        self.stats.files += 1;
        self.stats.executables += u64::from(executable);
        self.stats.file_bytes += n;
        Ok(())
    }

    fn symlink(&mut self, path: &[u8], target_bytes: &[u8]) -> Result<(), Error> {
        let target = self.target(path)?;
        std::os::unix::fs::symlink(OsStr::from_bytes(target_bytes), &target).map_err(|e| self.create_error(path, "creating symlink", target.clone(), e))?;
        self.stats.symlinks += 1;
        Ok(())
    }
}

/// Parse and validate the NAR on `input` without writing anything, and return its listing.
/// The listing holds every entry (not file contents), so memory grows with the number of
/// entries, not with the NAR's size.
///
/// Errors: [`Error::Malformed`], [`Error::Read`].
pub fn list(input: &mut dyn Read) -> Result<Listing, Error> {
    let mut sink = ListingSink { stack: Vec::new(), root: None };
    parse(input, &mut sink)?;
    let root = sink.root.ok_or(Error::Usage { problem: "listing: the NAR has no root node" })?;
    Ok(Listing { root })
}

struct ListingSink {
    /// Entries so far of the directories being filled, innermost last.
    stack: Vec<BTreeMap<Vec<u8>, ListingNode>>,
    root: Option<ListingNode>,
}

fn last_name(path: &[u8]) -> &[u8] {
    path.iter().rposition(|&b| b == b'/').map_or(path, |i| &path[i + 1..])
}

impl ListingSink {
    fn add(&mut self, path: &[u8], node: ListingNode) {
        match self.stack.last_mut() {
            Some(entries) => {
                entries.insert(last_name(path).to_vec(), node);
            }
            None => self.root = Some(node),
        }
    }
}

impl Sink for ListingSink {
    fn directory(&mut self, _path: &[u8]) -> Result<(), Error> {
        self.stack.push(BTreeMap::new());
        Ok(())
    }

    fn end_directory(&mut self, path: &[u8]) -> Result<(), Error> {
        if let Some(entries) = self.stack.pop() {
            self.add(path, ListingNode::Directory { entries });
        }
        Ok(())
    }

    fn file(&mut self, path: &[u8], executable: bool, size: u64, nar_offset: u64, _contents: &mut dyn Read) -> Result<(), Error> {
        self.add(path, ListingNode::Regular { executable, size, nar_offset });
        Ok(())
    }

    fn symlink(&mut self, path: &[u8], target: &[u8]) -> Result<(), Error> {
        self.add(path, ListingNode::Symlink { target: target.to_vec() });
        Ok(())
    }
}

/// Copy the contents of the regular file at `path` inside the NAR on `input` to `out`, and
/// return its size. `path` is names separated by `/` (empty components and `.` are skipped;
/// empty is the root). The NAR is read and validated to its end; the contents stream through a
/// fixed buffer.
///
/// Errors: [`Error::NotFound`], [`Error::NotRegular`] (symlinks are not followed),
/// [`Error::Malformed`], [`Error::Read`], [`Error::Write`].
pub fn cat(input: &mut dyn Read, path: &[u8], out: &mut dyn Write) -> Result<u64, Error> {
    let want = normalize(path);
    let mut sink = CatSink { want: &want, out, found: None, written: 0 };
    parse(input, &mut sink)?;
    match sink.found {
        None => Err(Error::NotFound { path: want }),
        Some("regular") => {
            sink.out.flush().map_err(|source| Error::Write { source })?;
            Ok(sink.written)
        }
        Some(kind) => Err(Error::NotRegular { path: want, kind }),
    }
}

/// `path` as the parser spells paths: names joined by single `/`, no `.` components.
pub(crate) fn normalize(path: &[u8]) -> Vec<u8> {
    let names: Vec<&[u8]> = path.split(|&b| b == b'/').filter(|n| !n.is_empty() && *n != b".").collect();
    names.join(&b'/')
}

struct CatSink<'a> {
    want: &'a [u8],
    out: &'a mut dyn Write,
    found: Option<&'static str>,
    written: u64,
}

impl Sink for CatSink<'_> {
    fn directory(&mut self, path: &[u8]) -> Result<(), Error> {
        if path == self.want {
            self.found = Some("directory");
        }
        Ok(())
    }

    fn file(&mut self, path: &[u8], _executable: bool, _size: u64, _nar_offset: u64, contents: &mut dyn Read) -> Result<(), Error> {
        if path == self.want {
            self.found = Some("regular");
            self.written = io::copy(contents, self.out).map_err(|source| Error::Write { source })?;
        }
        Ok(())
    }

    fn symlink(&mut self, path: &[u8], _target: &[u8]) -> Result<(), Error> {
        if path == self.want {
            self.found = Some("symlink");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Defence in depth below the parser's checks: fed the nodes of a symlink and then
    /// something "inside" it (which the parser refuses as a duplicate entry), the restore sink
    /// neither follows the link nor writes through it.
    #[test]
    fn sink_never_writes_through_a_symlink() {
        let base = std::env::temp_dir().join(format!("nixbucket-restore-sink-{}", std::process::id()));
        let _ = fs::remove_dir_all(&base);
        let outside = base.join("outside");
        fs::create_dir_all(&outside).unwrap();
        let dest = base.join("dest");
        let mut sink = RestoreSink { dest: &dest, stats: Stats::default(), dirs: Vec::new(), buf: vec![0; 16] };
        sink.directory(b"").unwrap();
        sink.symlink(b"a", outside.as_os_str().as_bytes()).unwrap();
        assert!(matches!(sink.directory(b"a"), Err(Error::Io { .. })));
        assert!(matches!(sink.file(b"a", false, 1, 0, &mut &b"x"[..]), Err(Error::Io { .. })));
        assert!(matches!(sink.symlink(b"a", b"y"), Err(Error::Io { .. })));
        assert!(matches!(sink.file(b"a/x", false, 1, 0, &mut &b"x"[..]), Err(Error::Usage { .. })));
        sink.end_directory(b"").unwrap();
        assert!(matches!(sink.file(b"", false, 1, 0, &mut &b"x"[..]), Err(Error::DestinationExists { .. })));
        assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
        assert_eq!(fs::read_link(dest.join("a")).unwrap(), outside);
        fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn cat_paths_are_normalized() {
        assert_eq!(normalize(b"/a//b/./c/"), b"a/b/c");
        assert_eq!(normalize(b"/"), b"");
        assert_eq!(normalize(b"a/../b"), b"a/../b");
    }
}
