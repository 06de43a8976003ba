//! The process environment and file system, as an interface.
//!
//! Everything that depends on `$HOME`, environment variables or files read by name (AWS config
//! files, credential caches) takes an `&dyn Env`, so tests run it against [`FakeEnv`] and never
//! touch the real machine. [`OsEnv`] is the real one.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

/// Access to environment variables and files.
pub trait Env: Send + Sync {
    /// An environment variable, `None` when unset or not UTF-8.
    fn var(&self, name: &str) -> Option<String>;
    /// The whole content of a file.
    fn read_file(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// The home directory as the AWS SDKs find it: `HOME`, else `USERPROFILE`,
    /// else `HOMEDRIVE` + `HOMEPATH`.
    fn home_dir(&self) -> Option<PathBuf> {
        if let Some(h) = self.var("HOME").filter(|h| !h.is_empty()) {
            return Some(PathBuf::from(h));
        }
        if let Some(h) = self.var("USERPROFILE").filter(|h| !h.is_empty()) {
            return Some(PathBuf::from(h));
        }
        match (self.var("HOMEDRIVE"), self.var("HOMEPATH")) {
            (Some(d), Some(p)) => Some(PathBuf::from(format!("{d}{p}"))),
            _ => None,
        }
    }
    /// A variable that is set and not empty.
    fn var_nonempty(&self, name: &str) -> Option<String> {
        self.var(name).filter(|v| !v.is_empty())
    }
}

/// The real environment and file system.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsEnv;

/// Cap on files read through [`Env::read_file`] by [`OsEnv`]: config files, tokens, caches.
pub const MAX_ENV_FILE: u64 = 16 * 1024 * 1024;

impl Env for OsEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
    fn read_file(&self, path: &Path) -> io::Result<Vec<u8>> {
        use std::io::Read;
        let f = std::fs::File::open(path)?;
        let mut buf = Vec::new();
        f.take(MAX_ENV_FILE + 1).read_to_end(&mut buf)?;
        if buf.len() as u64 > MAX_ENV_FILE {
            return Err(io::Error::new(io::ErrorKind::InvalidData, format!("{} is larger than {MAX_ENV_FILE} bytes", path.display())));
        }
        Ok(buf)
    }
}

/// An environment made of a map of variables and a map of files, for tests.
#[derive(Debug, Default, Clone)]
pub struct FakeEnv {
    /// Environment variables.
    pub vars: HashMap<String, String>,
    /// Files by path.
    pub files: HashMap<PathBuf, Vec<u8>>,
}

impl FakeEnv {
    /// An empty environment.
    pub fn new() -> Self {
        Self::default()
    }
    /// Set a variable.
    pub fn with_var(mut self, k: &str, v: &str) -> Self {
        self.vars.insert(k.to_string(), v.to_string());
        self
    }
    /// Add a file.
    pub fn with_file(mut self, path: impl Into<PathBuf>, content: impl Into<Vec<u8>>) -> Self {
        self.files.insert(path.into(), content.into());
        self
    }
}

impl Env for FakeEnv {
    fn var(&self, name: &str) -> Option<String> {
        self.vars.get(name).cloned()
    }
    fn read_file(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.files.get(path).cloned().ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("{}: not found", path.display())))
    }
}
