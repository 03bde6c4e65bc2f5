//! Field selectors: the `fieldSelector` grammar of `k8s.io/apimachinery/pkg/fields`.

use super::labels::Operator;
use super::SelectorError;
use crate::status::ApiError;
use crate::validation::go_quote;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// One `field=value` or `field!=value` term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRequirement {
    /// The field path, e.g. `metadata.name` or `spec.nodeName`.
    pub field: String,
    /// [`Operator::Equals`] (for `=` and `==`) or [`Operator::NotEquals`].
    pub operator: Operator,
    /// The value, unescaped.
    pub value: String,
}

impl FieldRequirement {
    fn matches(&self, actual: &str) -> bool {
        (actual == self.value) == (self.operator == Operator::Equals)
    }
}

impl fmt::Display for FieldRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = if self.operator == Operator::Equals {
            "="
        } else {
            "!="
        };
        write!(f, "{}{op}{}", self.field, escape_value(&self.value))
    }
}

/// A field selector: terms that must all hold. A field the object does not
/// have counts as the empty string, as in Kubernetes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldSelector {
    requirements: Vec<FieldRequirement>,
}

impl FieldSelector {
    /// Matches every object.
    pub fn everything() -> Self {
        Self::default()
    }

    /// Whether this selector puts no restriction on fields.
    pub fn is_everything(&self) -> bool {
        self.requirements.is_empty()
    }

    /// The terms, sorted as kube-apiserver sorts them; the server checks each
    /// `field` is supported for the kind (see [`field_label_not_supported`]).
    pub fn requirements(&self) -> &[FieldRequirement] {
        &self.requirements
    }

    /// Whether the object's field values satisfy every term.
    pub fn matches(&self, fields: &BTreeMap<String, String>) -> bool {
        self.matches_fn(|f| fields.get(f).map(String::as_str))
    }

    /// [`matches`](Self::matches) over a lookup function.
    pub fn matches_fn<'a>(&self, field: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.requirements
            .iter()
            .all(|r| r.matches(field(&r.field).unwrap_or("")))
    }

    /// The value a `field=value` term demands, which lets an index answer it.
    pub fn requires_exact_match(&self, field: &str) -> Option<&str> {
        self.requirements
            .iter()
            .find(|r| r.field == field && r.operator == Operator::Equals)
            .map(|r| r.value.as_str())
    }
}

impl fmt::Display for FieldSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

impl FromStr for FieldSelector {
    type Err = SelectorError;

    /// Parses `a=b,c!=d`; in values `\,`, `\=` and `\\` stand for the character.
    fn from_str(selector: &str) -> Result<Self, Self::Err> {
        let mut parts = split_terms(selector);
        parts.sort_unstable();
        let mut requirements = Vec::new();
        for part in parts.into_iter().filter(|p| !p.is_empty()) {
            let Some((field, op, rhs)) = split_term(part) else {
                return Err(SelectorError::new(format!(
                    "invalid selector: '{selector}'; can't understand '{part}'"
                )));
            };
            let operator = if op == "!=" {
                Operator::NotEquals
            } else {
                Operator::Equals
            };
            requirements.push(FieldRequirement {
                field: field.to_string(),
                operator,
                value: unescape_value(rhs)?,
            });
        }
        Ok(Self { requirements })
    }
}

/// Splits on commas that are not escaped by a backslash.
fn split_terms(s: &str) -> Vec<&str> {
    if s.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let mut start = 0;
    let mut in_slash = false;
    for (i, c) in s.char_indices() {
        if in_slash {
            in_slash = false;
        } else if c == '\\' {
            in_slash = true;
        } else if c == ',' {
            terms.push(&s[start..i]);
            start = i + 1;
        }
    }
    terms.push(&s[start..]);
    terms
}

/// Splits at the first operator; `!=` and `==` win over `=` at the same place.
fn split_term(term: &str) -> Option<(&str, &str, &str)> {
    for (i, _) in term.char_indices() {
        for op in ["!=", "==", "="] {
            if term[i..].starts_with(op) {
                return Some((&term[..i], op, &term[i + op.len()..]));
            }
        }
    }
    None
}

fn unescape_value(s: &str) -> Result<String, SelectorError> {
    let mut out = String::with_capacity(s.len());
    let mut in_slash = false;
    for c in s.chars() {
        if in_slash {
            if !matches!(c, '\\' | ',' | '=') {
                return Err(SelectorError::new(format!(
                    "invalid field selector: invalid escape sequence: \\{c}"
                )));
            }
            out.push(c);
            in_slash = false;
            continue;
        }
        match c {
            '\\' => in_slash = true,
            // Go prints the rune with %v, i.e. as its number.
            ',' | '=' => {
                return Err(SelectorError::new(format!(
                    "invalid field selector: unescaped character in value: {}",
                    c as u32
                )))
            }
            c => out.push(c),
        }
    }
    if in_slash {
        return Err(SelectorError::new(
            "invalid field selector: invalid escape sequence: \\",
        ));
    }
    Ok(out)
}

/// Escapes `\`, `,` and `=` so a value can be put in a field selector.
pub fn escape_value(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(',', "\\,")
        .replace('=', "\\=")
}

/// 400 `field label not supported: <field>`, kube-apiserver's answer for a
/// field a built-in kind does not index.
pub fn field_label_not_supported(field: &str) -> ApiError {
    ApiError::bad_request(format!("field label not supported: {field}"))
}

/// 400 for kinds that only select on `metadata.name` and `metadata.namespace`
/// (custom resources without selectable fields and most built-ins):
/// `"f" is not a known field selector: only "metadata.name", "metadata.namespace"`.
pub fn unknown_field_selector(field: &str) -> ApiError {
    ApiError::bad_request(format!(
        "{} is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
        go_quote(field)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parses_and_matches() {
        let sel: FieldSelector = "status.phase!=Failed,metadata.name==web".parse().unwrap();
        assert_eq!(sel.to_string(), "metadata.name=web,status.phase!=Failed");
        assert!(sel.matches(&fields(&[
            ("metadata.name", "web"),
            ("status.phase", "Running")
        ])));
        assert!(!sel.matches(&fields(&[
            ("metadata.name", "web"),
            ("status.phase", "Failed")
        ])));
        assert!(!sel.matches(&fields(&[("status.phase", "Running")])));
        assert_eq!(sel.requires_exact_match("metadata.name"), Some("web"));
        assert_eq!(sel.requires_exact_match("status.phase"), None);
        let empty_value: FieldSelector = "spec.nodeName=".parse().unwrap();
        assert!(
            empty_value.matches(&fields(&[])),
            "a missing field is the empty string"
        );
        assert!("".parse::<FieldSelector>().unwrap().is_everything());
        assert!(",,".parse::<FieldSelector>().unwrap().is_everything());
    }

    #[test]
    fn escaping_round_trips() {
        let sel: FieldSelector = r"metadata.name=a\,b\=c\\d".parse().unwrap();
        assert_eq!(sel.requirements()[0].value, r"a,b=c\d");
        assert_eq!(sel.to_string(), r"metadata.name=a\,b\=c\\d");
        assert_eq!(sel.to_string().parse::<FieldSelector>().unwrap(), sel);
    }

    #[test]
    fn errors_use_kubernetes_messages() {
        let e = |s: &str| s.parse::<FieldSelector>().unwrap_err().message;
        assert_eq!(
            e("a=b,foo"),
            "invalid selector: 'a=b,foo'; can't understand 'foo'"
        );
        assert_eq!(
            e(r"a=b\x"),
            r"invalid field selector: invalid escape sequence: \x"
        );
        assert_eq!(
            e(r"a=b\"),
            r"invalid field selector: invalid escape sequence: \"
        );
        assert_eq!(
            e("a=b=c"),
            "invalid field selector: unescaped character in value: 61"
        );
        let api: ApiError = "foo".parse::<FieldSelector>().unwrap_err().into();
        assert_eq!(api.code, 400);
        assert_eq!(
            field_label_not_supported("spec.foo").message,
            "field label not supported: spec.foo"
        );
        assert_eq!(
            unknown_field_selector("spec.foo").message,
            "\"spec.foo\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
        );
    }
}
