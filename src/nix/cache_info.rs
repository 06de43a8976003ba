//! `nix-cache-info` (`text/x-nix-cache-info`), the file at the root of a binary cache:
//!
//! ```text
//! StoreDir: /nix/store
//! WantMassQuery: 1
//! Priority: 40
//! ```
//!
//! Nix 2.8 writes only the `StoreDir` line when it creates a `file://` cache; cache.nixos.org
//! has all three. Readers ignore unknown keys and lines without `:` (as Nix does); `StoreDir`
//! must match the store directory of the client (checked by the store, not here).

use std::fmt;

/// The largest `nix-cache-info` accepted, in bytes.
pub const MAX_CACHE_INFO: usize = 64 * 1024;

/// What a cache says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheInfo {
    /// The store directory of the paths in the cache.
    pub store_dir: Option<String>,
    /// Whether clients may query many paths at once (`1`/`0`).
    pub want_mass_query: Option<bool>,
    /// Substituter priority; lower is preferred (cache.nixos.org: 40).
    pub priority: Option<u64>,
}

impl Default for CacheInfo {
    /// What nixbucket writes: `StoreDir: /nix/store`, `WantMassQuery: 1`, `Priority: 40`.
    fn default() -> Self {
        CacheInfo { store_dir: Some("/nix/store".into()), want_mass_query: Some(true), priority: Some(40) }
    }
}

/// Why a `nix-cache-info` was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheInfoError {
    /// Larger than [`MAX_CACHE_INFO`].
    TooLarge { size: usize, max: usize },
    /// A known key with a value that is not valid (line numbers count from 1).
    Invalid { field: &'static str, line: usize, value: String },
    /// A known key appears twice.
    Duplicate { field: &'static str, line: usize },
}

impl fmt::Display for CacheInfoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CacheInfoError::TooLarge { size, max } => write!(f, "nix-cache-info is {size} bytes, more than the limit of {max}"),
            CacheInfoError::Invalid { field, line, value } => write!(f, "nix-cache-info line {line}: invalid '{field}' value {value:?}"),
            CacheInfoError::Duplicate { field, line } => write!(f, "nix-cache-info line {line}: field '{field}' appears more than once"),
        }
    }
}

impl std::error::Error for CacheInfoError {}

impl CacheInfo {
    /// Parse. As Nix (`BinaryCacheStore::init`, `HttpBinaryCacheStore`): lines split at the
    /// first `:`, the value trimmed; unknown keys and lines without `:` are ignored; an
    /// empty file is valid (every field `None`).
    ///
    /// Errors: [`CacheInfoError::TooLarge`] (checked first); [`CacheInfoError::Invalid`] for a
    /// `WantMassQuery` other than `0`/`1`, a `Priority` that is not a number, or an empty
    /// `StoreDir`; [`CacheInfoError::Duplicate`] for a repeated known key.
    pub fn parse(s: &str) -> Result<CacheInfo, CacheInfoError> {
        if s.len() > MAX_CACHE_INFO {
            return Err(CacheInfoError::TooLarge { size: s.len(), max: MAX_CACHE_INFO });
        }
        let mut info = CacheInfo { store_dir: None, want_mass_query: None, priority: None };
        for (i, l) in s.lines().enumerate() {
            let line = i + 1;
            let Some((key, value)) = l.split_once(':') else { continue };
            let value = value.trim();
            let invalid = |field| CacheInfoError::Invalid { field, line, value: value.to_string() };
            match key {
                "StoreDir" => {
                    if info.store_dir.is_some() {
                        return Err(CacheInfoError::Duplicate { field: "StoreDir", line });
                    }
                    if value.is_empty() {
                        return Err(invalid("StoreDir"));
                    }
                    info.store_dir = Some(value.to_string());
                }
                "WantMassQuery" => {
                    if info.want_mass_query.is_some() {
                        return Err(CacheInfoError::Duplicate { field: "WantMassQuery", line });
                    }
                    info.want_mass_query = Some(match value {
                        "1" => true,
                        "0" => false,
                        _ => return Err(invalid("WantMassQuery")),
                    });
                }
                "Priority" => {
                    if info.priority.is_some() {
                        return Err(CacheInfoError::Duplicate { field: "Priority", line });
                    }
                    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(invalid("Priority"));
                    }
                    info.priority = Some(value.parse().map_err(|_| invalid("Priority"))?);
                }
                _ => {}
            }
        }
        Ok(info)
    }
}

impl fmt::Display for CacheInfo {
    /// The fields that are set, in the order `StoreDir`, `WantMassQuery`, `Priority`, each line
    /// ending in `\n`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = &self.store_dir {
            writeln!(f, "StoreDir: {d}")?;
        }
        if let Some(w) = self.want_mass_query {
            writeln!(f, "WantMassQuery: {}", u8::from(w))?;
        }
        if let Some(p) = self.priority {
            writeln!(f, "Priority: {p}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_three_lines() {
        assert_eq!(CacheInfo::default().to_string(), "StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n");
    }

    #[test]
    fn parses_what_nix_and_cache_nixos_org_write() {
        // Nix 2.8 `nix copy --to file://…` writes exactly this.
        let nix = CacheInfo::parse("StoreDir: /nix/store\n").unwrap();
        assert_eq!(nix, CacheInfo { store_dir: Some("/nix/store".into()), want_mass_query: None, priority: None });
        assert_eq!(nix.to_string(), "StoreDir: /nix/store\n");
        let c = CacheInfo::parse("StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n").unwrap();
        assert_eq!(c, CacheInfo::default());
    }

    #[test]
    fn lenient_where_nix_is() {
        let c = CacheInfo::parse("X-Thing: 5\r\n Priority: 1\r\nPriority:  30 \r\nno colon here\n\nWantMassQuery:0").unwrap();
        assert_eq!(c, CacheInfo { store_dir: None, want_mass_query: Some(false), priority: Some(30) });
        assert_eq!(CacheInfo::parse("").unwrap(), CacheInfo { store_dir: None, want_mass_query: None, priority: None });
    }

    #[test]
    fn errors() {
        assert_eq!(CacheInfo::parse("Priority: high\n").unwrap_err(), CacheInfoError::Invalid { field: "Priority", line: 1, value: "high".into() });
        assert_eq!(CacheInfo::parse("Priority: -1\n").unwrap_err(), CacheInfoError::Invalid { field: "Priority", line: 1, value: "-1".into() });
        assert!(matches!(CacheInfo::parse("WantMassQuery: yes\n"), Err(CacheInfoError::Invalid { field: "WantMassQuery", .. })));
        assert!(matches!(CacheInfo::parse("StoreDir:\n"), Err(CacheInfoError::Invalid { field: "StoreDir", .. })));
        assert_eq!(CacheInfo::parse("StoreDir: /a\nStoreDir: /b\n").unwrap_err(), CacheInfoError::Duplicate { field: "StoreDir", line: 2 });
        let big = "x".repeat(MAX_CACHE_INFO + 1);
        assert!(matches!(CacheInfo::parse(&big), Err(CacheInfoError::TooLarge { .. })));
    }
}
