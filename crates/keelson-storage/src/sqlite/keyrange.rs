//! Prefix + pagination bounds as SQL range conditions on the key column.
//!
//! SQLite compares TEXT with memcmp on UTF-8, which orders like Rust's `str`
//! (code point order), so a prefix is the half-open range
//! `[prefix, prefix with its last character incremented)` and the primary-key
//! index answers it as a range scan.

/// The keys a list or watch covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct KeyRange {
    /// Lower bound.
    pub lower: String,
    /// Whether `lower` itself is included (prefix) or not (`start_after`).
    pub lower_inclusive: bool,
    /// Exclusive upper bound; `None` when every key above `lower` matches.
    pub upper: Option<String>,
}

impl KeyRange {
    /// Keys starting with `prefix`, strictly after `start_after` if given.
    pub fn new(prefix: &str, start_after: Option<&str>) -> KeyRange {
        let upper = prefix_end(prefix);
        match start_after {
            Some(after) if after >= prefix => KeyRange {
                lower: after.to_string(),
                lower_inclusive: false,
                upper,
            },
            _ => KeyRange {
                lower: prefix.to_string(),
                lower_inclusive: true,
                upper,
            },
        }
    }

    /// True when no key can match (e.g. `start_after` past the prefix).
    pub fn is_empty(&self) -> bool {
        self.upper
            .as_deref()
            .is_some_and(|u| u <= self.lower.as_str())
    }

    /// The same range restricted to keys strictly after `key`.
    pub fn after(&self, key: &str) -> KeyRange {
        KeyRange {
            lower: key.to_string(),
            lower_inclusive: false,
            upper: self.upper.clone(),
        }
    }

    /// SQL condition on `column`, using parameters `?lo` and `?hi` (the
    /// caller binds them with [`KeyRange::bind`]).
    pub fn condition(&self, column: &str) -> String {
        let op = if self.lower_inclusive { ">=" } else { ">" };
        match self.upper {
            Some(_) => format!("{column} {op} :lo AND {column} < :hi"),
            None => format!("{column} {op} :lo"),
        }
    }

    /// Named parameters for [`KeyRange::condition`].
    pub fn bind(&self) -> Vec<(&'static str, &dyn rusqlite::ToSql)> {
        let mut params: Vec<(&'static str, &dyn rusqlite::ToSql)> = vec![(":lo", &self.lower)];
        if let Some(hi) = &self.upper {
            params.push((":hi", hi));
        }
        params
    }

    /// Whether `key` lies in the range (for filtering in memory).
    pub fn contains(&self, key: &str) -> bool {
        let above = if self.lower_inclusive {
            key >= self.lower.as_str()
        } else {
            key > self.lower.as_str()
        };
        above && self.upper.as_deref().is_none_or(|u| key < u)
    }
}

/// The smallest string greater than every string starting with `prefix`, or
/// `None` if there is none (empty prefix, or only `char::MAX`).
pub(super) fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let mut next = last as u32 + 1;
        if (0xD800..=0xDFFF).contains(&next) {
            next = 0xE000;
        }
        if let Some(c) = char::from_u32(next) {
            chars.push(c);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_end_increments_last_char() {
        assert_eq!(
            prefix_end("/registry/pods/"),
            Some("/registry/pods0".to_string())
        );
        assert_eq!(prefix_end(""), None);
        assert_eq!(prefix_end("a\u{10FFFF}"), Some("b".to_string()));
        assert_eq!(prefix_end("\u{D7FF}"), Some("\u{E000}".to_string()));
    }

    #[test]
    fn range_respects_start_after() {
        let r = KeyRange::new("/a/", Some("/a/x"));
        assert!(!r.contains("/a/x"));
        assert!(r.contains("/a/y"));
        assert!(!r.contains("/b"));
        // A start_after below the prefix does not widen the range.
        let r = KeyRange::new("/a/", Some("/"));
        assert!(r.contains("/a/"));
        assert!(!r.contains("/0"));
        assert!(KeyRange::new("/a/", Some("/b")).is_empty());
    }
}
