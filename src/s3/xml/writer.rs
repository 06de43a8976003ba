//! Escaping text into request bodies, and the check for text XML 1.0 cannot carry.

use super::error::{XmlError, XmlErrorKind};

/// Whether XML 1.0 can carry `c` at all, escaped or not (its `Char` production).
fn is_xml10_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Append `<element>text</element>`, escaping `&` `<` `>` `"` `'`. `\r` and `\n` become
/// `&#13;` `&#10;` so that the server's line-end normalisation keeps them. Characters XML 1.0
/// cannot carry (which [`check_text`] refuses first) would become references like `&#x1;`.
pub(super) fn push_element(out: &mut String, element: &str, text: &str) {
    out.push('<');
    out.push_str(element);
    out.push('>');
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\n' => out.push_str("&#10;"),
            c if is_xml10_char(c) => out.push(c),
            c => out.push_str(&format!("&#x{:X};", u32::from(c))),
        }
    }
    out.push_str("</");
    out.push_str(element);
    out.push('>');
}

/// An error when `text` has a character XML 1.0 cannot carry in any form (C0 controls other
/// than tab, CR and LF; U+FFFE; U+FFFF). `index` counts from 1 and names the entry.
pub(super) fn check_text(document: &'static str, element: &'static str, index: usize, text: &str) -> Result<(), XmlError> {
    match text.chars().find(|&c| !is_xml10_char(c)) {
        Some(ch) => Err(XmlError::new(document, XmlErrorKind::Unwritable { element, index, ch })),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        let mut out = String::new();
        push_element(&mut out, "Key", "a&b<c>d\"e'f\tg\r\nh ✓ \u{10348} \u{7f} \u{1}\u{1f}\u{fffe}");
        assert_eq!(out, "<Key>a&amp;b&lt;c&gt;d&quot;e&apos;f\tg&#13;&#10;h ✓ \u{10348} \u{7f} &#x1;&#x1F;&#xFFFE;</Key>");
    }

    #[test]
    fn check_finds_what_xml_1_0_cannot_carry() {
        assert!(check_text("T", "Key", 1, "a&b<c>\t\r\n ✓ \u{7f} \u{85} \u{fffd} \u{10ffff}").is_ok());
        for bad in ['\0', '\u{1}', '\u{8}', '\u{b}', '\u{c}', '\u{1f}', '\u{fffe}', '\u{ffff}'] {
            let e = check_text("DeleteObjects", "Key", 7, &format!("a{bad}")).unwrap_err();
            assert_eq!(e.kind(), &XmlErrorKind::Unwritable { element: "Key", index: 7, ch: bad });
        }
        let e = check_text("DeleteObjects", "Key", 7, "a\u{1}").unwrap_err();
        assert_eq!(e.to_string(), "DeleteObjects: <Key> number 7 contains '\\u{1}' (U+0001), which XML 1.0 cannot carry");
    }
}
