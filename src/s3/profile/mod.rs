//! The AWS shared config and credentials files (`~/.aws/config`, `~/.aws/credentials`).
//!
//! Two files, one set of profiles:
//!
//! - The **config file** (`AWS_CONFIG_FILE`, default `~/.aws/config`) holds `[profile NAME]`
//!   and `[default]` sections, plus `[sso-session NAME]`, `[services NAME]` and other
//!   `[PREFIX NAME]` sections. A `[profile default]` section makes every `[default]` section of
//!   the same file ignored; any other section without a prefix is ignored.
//! - The **credentials file** (`AWS_SHARED_CREDENTIALS_FILE`, default `~/.aws/credentials`) holds
//!   `[NAME]` sections only; sections with a prefix are ignored there.
//!
//! Sections that repeat are merged, the last value of a key wins, and the credentials file wins
//! over the config file key by key. Section names and property names must match
//! `[A-Za-z0-9_\-/.%@:+]+`; sections and properties with other names are ignored (and listed in
//! [`ProfileSet::warnings`]), but syntax errors anywhere fail the whole file. Property names are
//! case-insensitive (stored lowercased), section names are not. The line syntax is described in
//! `parse.rs`; the 65 cross-SDK cases of `tests/data/aws-profile/` are the specification.
//!
//! Everything here is pure except [`ProfileSet::load`], which reads the two files through an
//! [`Env`].

mod parse;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::env::Env;

/// Default location of the config file; `~` is the home directory.
pub const DEFAULT_CONFIG_FILE: &str = "~/.aws/config";
/// Default location of the credentials file; `~` is the home directory.
pub const DEFAULT_CREDENTIALS_FILE: &str = "~/.aws/credentials";

/// Which of the two files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// The config file, `[profile NAME]` sections.
    Config,
    /// The credentials file, `[NAME]` sections.
    Credentials,
}

impl FileKind {
    /// The variable that overrides the file's location.
    pub fn env_var(self) -> &'static str {
        match self {
            FileKind::Config => "AWS_CONFIG_FILE",
            FileKind::Credentials => "AWS_SHARED_CREDENTIALS_FILE",
        }
    }
    /// Where the file is when the variable is unset.
    pub fn default_path(self) -> &'static str {
        match self {
            FileKind::Config => DEFAULT_CONFIG_FILE,
            FileKind::Credentials => DEFAULT_CREDENTIALS_FILE,
        }
    }
    fn describe(self) -> &'static str {
        match self {
            FileKind::Config => "AWS config file",
            FileKind::Credentials => "AWS credentials file",
        }
    }
}

/// One section: a profile, an sso-session or a services section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    name: String,
    properties: BTreeMap<String, String>,
}

impl Profile {
    fn new(name: &str) -> Self {
        Profile { name: name.to_string(), properties: BTreeMap::new() }
    }
    /// The section's name (`foo` for `[profile foo]`).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// A property's value. Names are case-insensitive. A value continued on further lines
    /// contains `\n`; a property with sub-properties has the raw `\nname = value...` text.
    pub fn get(&self, key: &str) -> Option<&str> {
        match self.properties.get(key) {
            Some(v) => Some(v),
            None if key.bytes().any(|b| b.is_ascii_uppercase()) => self.properties.get(&key.to_ascii_lowercase()).map(String::as_str),
            None => None,
        }
    }
    /// A sub-property: `sub` inside `key =\n  sub = value`. The property name is
    /// case-insensitive, the sub-property name is not (as in the SDKs); the last one wins.
    pub fn sub_property(&self, key: &str, sub: &str) -> Option<&str> {
        parse::sub_properties(self.get(key)?).filter(|(name, _)| *name == sub).map(|(_, value)| value).last()
    }
    /// All properties, names lowercased, sorted by name.
    pub fn properties(&self) -> impl Iterator<Item = (&str, &str)> {
        self.properties.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
    /// No properties at all.
    pub fn is_empty(&self) -> bool {
        self.properties.is_empty()
    }
}

/// Where a file was looked for and whether it was there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The path after `~` expansion.
    pub path: PathBuf,
    /// Whether the file existed.
    pub found: bool,
}

/// The merged contents of the config and credentials files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileSet {
    profiles: BTreeMap<String, Profile>,
    sso_sessions: BTreeMap<String, Profile>,
    /// `[PREFIX NAME]` sections other than `profile` and `sso-session`, by prefix then name.
    other: BTreeMap<String, BTreeMap<String, Profile>>,
    warnings: Vec<String>,
    config_file: Option<SourceFile>,
    credentials_file: Option<SourceFile>,
}

impl ProfileSet {
    /// Read the config and credentials files at [`config_file_path`] and
    /// [`credentials_file_path`]. A file that does not exist (or whose path needs a home
    /// directory that cannot be found) counts as empty.
    ///
    /// # Errors
    /// A file that exists but cannot be read, is not UTF-8 or has a syntax error; the error
    /// names the file and the line.
    pub fn load(env: &dyn Env) -> Result<ProfileSet, ProfileError> {
        let mut set = ProfileSet::default();
        for kind in [FileKind::Config, FileKind::Credentials] {
            let Some(path) = file_path(env, kind) else { continue };
            let found = match env.read_file(&path) {
                Ok(bytes) => {
                    let text = decode(&bytes, kind, &path)?;
                    set.merge(&text, kind, Some(&path))?;
                    true
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => false,
                Err(e) => {
                    return Err(ProfileError { kind, path: Some(path), line: None, message: "cannot be read".into(), source: Some(e) });
                }
            };
            let source = Some(SourceFile { path, found });
            match kind {
                FileKind::Config => set.config_file = source,
                FileKind::Credentials => set.credentials_file = source,
            }
        }
        Ok(set)
    }

    /// Parse the two files' contents (either may be empty).
    ///
    /// # Errors
    /// A syntax error; the error names the file kind and the line.
    pub fn parse(config: &str, credentials: &str) -> Result<ProfileSet, ProfileError> {
        let mut set = ProfileSet::default();
        set.merge(config, FileKind::Config, None)?;
        set.merge(credentials, FileKind::Credentials, None)?;
        Ok(set)
    }

    /// A profile by name (`default` for `[default]` or `[profile default]`).
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.get(name)
    }
    /// An `[sso-session NAME]` section.
    pub fn sso_session(&self, name: &str) -> Option<&Profile> {
        self.sso_sessions.get(name)
    }
    /// A `[services NAME]` section.
    pub fn services(&self, name: &str) -> Option<&Profile> {
        self.section("services", name)
    }
    /// Any `[PREFIX NAME]` section of the config file other than `profile` and `sso-session`.
    pub fn section(&self, prefix: &str, name: &str) -> Option<&Profile> {
        self.other.get(prefix)?.get(name)
    }
    /// All profiles, sorted by name.
    pub fn profiles(&self) -> impl Iterator<Item = &Profile> {
        self.profiles.values()
    }
    /// All sso-sessions, sorted by name.
    pub fn sso_sessions(&self) -> impl Iterator<Item = &Profile> {
        self.sso_sessions.values()
    }
    /// No profiles and no other sections.
    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty() && self.sso_sessions.is_empty() && self.other.is_empty()
    }
    /// Sections and properties that were ignored, one message each (file, line, reason), for
    /// logging at debug level.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
    /// Where [`ProfileSet::load`] looked for the config file; `None` for [`ProfileSet::parse`]
    /// or when no home directory was found for a `~` path.
    pub fn config_file(&self) -> Option<&SourceFile> {
        self.config_file.as_ref()
    }
    /// Where [`ProfileSet::load`] looked for the credentials file (see [`Self::config_file`]).
    pub fn credentials_file(&self) -> Option<&SourceFile> {
        self.credentials_file.as_ref()
    }

    /// Parse one file and merge it into the set (later files win key by key).
    fn merge(&mut self, text: &str, kind: FileKind, path: Option<&Path>) -> Result<(), ProfileError> {
        let sections = parse::parse(text).map_err(|e| ProfileError {
            kind,
            path: path.map(Path::to_path_buf),
            line: Some(e.line),
            message: e.message.to_string(),
            source: None,
        })?;
        let at = |line: usize| match path {
            Some(p) => format!("{} line {line}", p.display()),
            None => format!("{} line {line}", kind.describe()),
        };
        // `[profile default]` anywhere in the config file hides every `[default]` of that file.
        let prefixed_default = kind == FileKind::Config && sections.iter().any(|s| matches!(split_header(&s.header), (Some("profile"), "default")));
        for section in sections {
            let (prefix, name) = split_header(&section.header);
            let target = match (kind, prefix) {
                _ if !is_identifier(name) => {
                    self.warnings.push(format!("{}: section [{}] ignored: `{name}` is not a valid name", at(section.line), section.header));
                    continue;
                }
                (FileKind::Config, None) if name == "default" && prefixed_default => {
                    self.warnings.push(format!("{}: section [default] ignored because [profile default] takes priority", at(section.line)));
                    continue;
                }
                (FileKind::Config, Some("profile")) | (FileKind::Credentials, None) => {
                    self.profiles.entry(name.to_string()).or_insert_with(|| Profile::new(name))
                }
                (FileKind::Config, None) if name == "default" => self.profiles.entry(name.to_string()).or_insert_with(|| Profile::new(name)),
                (FileKind::Config, None) => {
                    self.warnings.push(format!(
                        "{}: section [{name}] ignored: config file sections other than [default] need a prefix, as in [profile {name}]",
                        at(section.line)
                    ));
                    continue;
                }
                (FileKind::Config, Some("sso-session")) => self.sso_sessions.entry(name.to_string()).or_insert_with(|| Profile::new(name)),
                (FileKind::Config, Some(prefix)) => {
                    self.other.entry(prefix.to_string()).or_default().entry(name.to_string()).or_insert_with(|| Profile::new(name))
                }
                (FileKind::Credentials, Some(_)) => {
                    self.warnings.push(format!("{}: section [{}] ignored: credentials file sections have no prefix", at(section.line), section.header));
                    continue;
                }
            };
            for (key, value, line) in section.properties {
                if is_identifier(&key) {
                    target.properties.insert(key, value);
                } else {
                    self.warnings.push(format!("{}: property `{key}` ignored: not a valid name", at(line)));
                }
            }
        }
        Ok(())
    }
}

/// `profile foo` → `(Some("profile"), "foo")`, `default` → `(None, "default")`. The prefix is
/// whatever precedes the first space or tab.
fn split_header(header: &str) -> (Option<&str>, &str) {
    let header = header.trim_matches(parse::WHITESPACE);
    match header.split_once(parse::WHITESPACE) {
        Some((prefix, name)) => (Some(prefix.trim()), name.trim()),
        None => (None, header),
    }
}

/// `[A-Za-z0-9_\-/.%@:+]+`: what section and property names may contain.
fn is_identifier(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-/.%@:+".contains(&b))
}

fn decode(bytes: &[u8], kind: FileKind, path: &Path) -> Result<String, ProfileError> {
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let line = bytes[..valid].iter().filter(|&&b| b == b'\n').count() + 1;
        ProfileError { kind, path: Some(path.to_path_buf()), line: Some(line), message: "is not valid UTF-8".into(), source: None }
    })
}

/// The config file's location: `AWS_CONFIG_FILE` if set and not empty, else `~/.aws/config`,
/// with a leading `~` replaced by the home directory ([`Env::home_dir`]). `None` when the path
/// needs a home directory and there is none.
pub fn config_file_path(env: &dyn Env) -> Option<PathBuf> {
    file_path(env, FileKind::Config)
}

/// The credentials file's location: `AWS_SHARED_CREDENTIALS_FILE` if set and not empty, else
/// `~/.aws/credentials`, expanded as in [`config_file_path`].
pub fn credentials_file_path(env: &dyn Env) -> Option<PathBuf> {
    file_path(env, FileKind::Credentials)
}

fn file_path(env: &dyn Env, kind: FileKind) -> Option<PathBuf> {
    let home = env.home_dir().map(|h| h.to_string_lossy().into_owned());
    locate(env.var_nonempty(kind.env_var()).as_deref().unwrap_or(kind.default_path()), home.as_deref(), std::path::MAIN_SEPARATOR).map(PathBuf::from)
}

/// Expand `~` (alone or followed by `/`, or `\` where that is the separator) to `home`,
/// writing the rest with `separator` as the SDKs do; any other path is used as it is.
fn locate(path: &str, home: Option<&str>, separator: char) -> Option<String> {
    let rest = if path == "~" {
        ""
    } else if let Some(rest) = path.strip_prefix("~/").or_else(|| if separator == '\\' { path.strip_prefix("~\\") } else { None }) {
        rest
    } else {
        return Some(path.to_string());
    };
    let home = home?;
    let mut out = home.to_string();
    if !rest.is_empty() {
        if !out.ends_with(separator) && !out.ends_with('/') {
            out.push(separator);
        }
        if separator == '/' {
            out.push_str(rest);
        } else {
            out.extend(rest.chars().map(|c| if c == '/' { separator } else { c }));
        }
    }
    Some(out)
}

/// The profile to use: `explicit` (the store URL's `profile=`) if given and not empty, else
/// `AWS_PROFILE` if set and not empty, else `default`.
pub fn selected_profile_name(env: &dyn Env, explicit: Option<&str>) -> String {
    explicit.filter(|p| !p.is_empty()).map(str::to_string).or_else(|| env.var_nonempty("AWS_PROFILE")).unwrap_or_else(|| "default".to_string())
}

/// The endpoint the profile sets for S3, following the AWS "service-specific endpoints" rules:
/// the `endpoint_url` sub-property of `s3` in the `[services NAME]` section that the profile
/// names with `services = NAME`, else the profile's own `endpoint_url`. `None` when the profile
/// does not exist, sets neither (or sets them empty), or has
/// `ignore_configured_endpoint_urls = true`. The environment variables
/// (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`) are the
/// caller's business.
pub fn s3_endpoint_url(set: &ProfileSet, profile: &str) -> Option<String> {
    let p = set.profile(profile)?;
    if p.get("ignore_configured_endpoint_urls").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return None;
    }
    let from_services = p.get("services").and_then(|name| set.services(name)).and_then(|s| s.sub_property("s3", "endpoint_url")).filter(|u| !u.is_empty());
    from_services.or_else(|| p.get("endpoint_url").filter(|u| !u.is_empty())).map(str::to_string)
}

/// A config or credentials file that could not be read or parsed.
#[derive(Debug)]
pub struct ProfileError {
    kind: FileKind,
    path: Option<PathBuf>,
    line: Option<usize>,
    message: String,
    source: Option<io::Error>,
}

impl ProfileError {
    /// Which file.
    pub fn kind(&self) -> FileKind {
        self.kind
    }
    /// The file's path (`None` for [`ProfileSet::parse`]).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
    /// The 1-based line, for syntax and encoding errors.
    pub fn line(&self) -> Option<usize> {
        self.line
    }
    /// What was wrong, without the location.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.describe())?;
        if let Some(p) = &self.path {
            write!(f, " {}", p.display())?;
        }
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        match &self.source {
            Some(e) => write!(f, ": {}: {e}", self.message),
            None => write!(f, ": {}", self.message),
        }
    }
}

impl std::error::Error for ProfileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}
