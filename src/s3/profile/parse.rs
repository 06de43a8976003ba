//! The INI dialect of the AWS shared config files, read line by line.
//!
//! This layer only splits text into sections and properties; which sections count (the
//! `profile` prefix, valid names, `[default]` against `[profile default]`) is decided when the
//! sections are merged (see the parent module). The rules, as the AWS SDKs apply them:
//!
//! - Lines are split at `\n` (a `\r` before it is dropped). Blank lines (only spaces and tabs)
//!   and lines whose first character is `#` or `;` are ignored.
//! - A line starting with `[` is a section header. A `#` or `;` anywhere in it starts a
//!   comment; what remains, trimmed, must end with `]`.
//! - A line starting with a space or tab continues the previous property: it is trimmed and
//!   appended to the value after a `\n`, comments included. When that property's value was empty
//!   (`s3 =`), the continuation lines are sub-properties and must look like `name = value`.
//! - Any other line is a property `name = value`, split at the first `=`. Name and value are
//!   trimmed of spaces and tabs; a `#` or `;` preceded by whitespace starts a comment. Names are
//!   ASCII-lowercased (property names are case-insensitive); the name must not be empty.
//!
//! Only spaces and tabs count as whitespace when trimming (not other Unicode spaces).

/// What the config files call whitespace; `str::trim` would also strip other characters.
pub(super) const WHITESPACE: &[char] = &[' ', '\t'];
const COMMENT: &[char] = &['#', ';'];

/// A section as written: the text between the brackets and its properties in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RawSection {
    /// The header between `[` and `]`, e.g. `profile foo` (not yet trimmed inside).
    pub header: String,
    /// 1-based line of the header.
    pub line: usize,
    /// `(lowercased name, value, line)`; a name may repeat, the last one wins.
    pub properties: Vec<(String, String, usize)>,
}

/// A syntax error: the 1-based line and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SyntaxError {
    pub line: usize,
    pub message: &'static str,
}

/// Split a whole file into sections. The first syntax error stops parsing.
pub(super) fn parse(text: &str) -> Result<Vec<RawSection>, SyntaxError> {
    // A UTF-8 byte order mark (Windows editors write one) is not part of the first line.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut sections: Vec<RawSection> = Vec::new();
    // The property that continuation lines extend: its index in the current section and
    // whether its value was empty, which makes the continuations sub-properties.
    let mut current: Option<(usize, bool)> = None;
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        let error = |message| SyntaxError { line: line_no, message };
        if line.trim_matches(WHITESPACE).is_empty() || line.starts_with(COMMENT) {
            continue;
        }
        if line.starts_with('[') {
            let header = strip_comment(line, false).strip_prefix('[').and_then(|h| h.strip_suffix(']')).ok_or(error("Profile definition must end with ']'"))?;
            sections.push(RawSection { header: header.to_string(), line: line_no, properties: Vec::new() });
            current = None;
        } else if line.starts_with(WHITESPACE) {
            let Some(section) = sections.last_mut() else {
                return Err(error("Expected a profile definition"));
            };
            let Some((property, is_sub)) = current else {
                return Err(error("Expected a property definition, found continuation"));
            };
            if is_sub {
                split_property(line).map_err(|e| error(e.message(true)))?;
            }
            let value = &mut section.properties[property].1;
            value.push('\n');
            value.push_str(line.trim_matches(WHITESPACE));
        } else {
            let Some(section) = sections.last_mut() else {
                return Err(error("Expected a profile definition"));
            };
            let (name, value) = split_property(line).map_err(|e| error(e.message(false)))?;
            section.properties.push((name.to_ascii_lowercase(), value.to_string(), line_no));
            current = Some((section.properties.len() - 1, value.is_empty()));
        }
    }
    Ok(sections)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PropertyError {
    NoEquals,
    NoName,
}

impl PropertyError {
    fn message(self, sub: bool) -> &'static str {
        match (self, sub) {
            (PropertyError::NoEquals, false) => "Expected an '=' sign defining a property",
            (PropertyError::NoEquals, true) => "Expected an '=' sign defining a sub-property",
            (PropertyError::NoName, false) => "Property did not have a name",
            (PropertyError::NoName, true) => "Sub-property did not have a name",
        }
    }
}

/// `name = value # comment` → `(name, value)`, both trimmed, the name not lowercased.
fn split_property(line: &str) -> Result<(&str, &str), PropertyError> {
    let line = strip_comment(line, true);
    let (name, value) = line.split_once('=').ok_or(PropertyError::NoEquals)?;
    let name = name.trim_matches(WHITESPACE);
    if name.is_empty() {
        return Err(PropertyError::NoName);
    }
    Ok((name, value.trim_matches(WHITESPACE)))
}

/// Trim the line and cut it at the first comment character. In property lines a comment
/// character only counts after whitespace (`value#1` is a value); in headers it always counts.
fn strip_comment(line: &str, needs_whitespace: bool) -> &str {
    let line = line.trim_matches(WHITESPACE);
    let mut after_whitespace = false;
    for (i, c) in line.char_indices() {
        if COMMENT.contains(&c) && (after_whitespace || !needs_whitespace) {
            return line[..i].trim_matches(WHITESPACE);
        }
        after_whitespace = c.is_whitespace();
    }
    line
}

/// The sub-properties in a property's value (`\nname = value\n...`): lines with an `=`, names
/// and values trimmed. Lines without `=` are skipped, as the SDKs do.
pub(super) fn sub_properties(value: &str) -> impl Iterator<Item = (&str, &str)> {
    value.split('\n').filter_map(|line| {
        let (name, value) = line.split_once('=')?;
        Some((name.trim_matches(WHITESPACE), value.trim_matches(WHITESPACE)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_in_properties_need_whitespace_before_them() {
        assert_eq!(split_property("a = b # c"), Ok(("a", "b")));
        assert_eq!(split_property("a = b#c # d"), Ok(("a", "b#c")));
        assert_eq!(split_property("a=b;c"), Ok(("a", "b;c")));
        assert_eq!(split_property("A = x=y"), Ok(("A", "x=y")));
        assert_eq!(split_property("= b"), Err(PropertyError::NoName));
        assert_eq!(split_property("a : b"), Err(PropertyError::NoEquals));
        assert_eq!(strip_comment("[profile a]#x", false), "[profile a]");
        assert_eq!(strip_comment("[profile a#x]", false), "[profile a");
    }

    #[test]
    fn errors_carry_line_numbers() {
        let e = parse("[default]\n\n# c\nk = v\nnot a property\n").unwrap_err();
        assert_eq!(e, SyntaxError { line: 5, message: "Expected an '=' sign defining a property" });
        let e = parse("\r\n[default\r\n").unwrap_err();
        assert_eq!(e.line, 2);
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        let s = parse("\u{feff}[default]\nregion = x\n").unwrap();
        assert_eq!(s[0].properties, vec![("region".to_string(), "x".to_string(), 2)]);
    }

    #[test]
    fn sub_property_continuations_keep_comments_raw() {
        let s = parse("[services s]\ns3 =\n  endpoint_url = http://h:9000 # c\n  x = y\n").unwrap();
        assert_eq!(s[0].properties[0].1, "\nendpoint_url = http://h:9000 # c\nx = y");
        let subs: Vec<_> = sub_properties(&s[0].properties[0].1).collect();
        assert_eq!(subs, vec![("endpoint_url", "http://h:9000 # c"), ("x", "y")]);
    }
}
