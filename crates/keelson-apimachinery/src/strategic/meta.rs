//! Patch metadata looked up in OpenAPI v2 definitions, the counterpart of
//! strategicpatch's `LookupPatchMeta`: for a field, its
//! `x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key` and the
//! schema of its value (following `$ref`s, `additionalProperties` and
//! arrays' `items`).
//!
//! A field the schema does not describe has no metadata: its maps merge and
//! its lists are replaced, as for a JSON merge patch.

use super::{gofmt, StrategicMergeError};
use crate::schema::DEFINITIONS_REF_PREFIX;
use serde_json::{Map, Value};

/// Bounds `$ref` chains, so a cyclic document cannot loop forever.
const MAX_REF_DEPTH: usize = 16;

/// The schema of one value of the patched object, inside a set of definitions.
#[derive(Clone, Copy, Debug)]
pub struct PatchSchema<'s> {
    definitions: &'s Map<String, Value>,
    node: Option<&'s Value>,
    named: bool,
}

/// How a field is patched: its strategies and, for lists of objects, the
/// key that identifies an item.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PatchMeta {
    /// `x-kubernetes-patch-strategy` split at commas, e.g. `["merge", "retainKeys"]`.
    pub strategies: Vec<String>,
    /// `x-kubernetes-patch-merge-key`, empty when none.
    pub merge_key: String,
}

impl PatchMeta {
    fn of(field: &Value) -> Self {
        Self {
            strategies: field
                .get("x-kubernetes-patch-strategy")
                .and_then(Value::as_str)
                .map(|s| s.split(',').map(str::to_string).collect())
                .unwrap_or_default(),
            merge_key: field
                .get("x-kubernetes-patch-merge-key")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        }
    }

    /// Splits `retainKeys` from the other strategy (strategicpatch's
    /// `extractRetainKeysPatchStrategy`): whether keys are retained, and
    /// `merge`, `replace` or `""`.
    pub fn retain_keys_and_strategy(&self) -> Result<(bool, &str), StrategicMergeError> {
        let s = &self.strategies;
        match s.len() {
            0 => Ok((false, "")),
            1 if s[0] == RETAIN_KEYS => Ok((true, "")),
            1 => Ok((false, &s[0])),
            2 if s[0] == RETAIN_KEYS => Ok((true, &s[1])),
            2 if s[1] == RETAIN_KEYS => Ok((true, &s[0])),
            _ => Err(StrategicMergeError::Internal(format!(
                "unexpected patch strategy: {}",
                gofmt::strings(s)
            ))),
        }
    }

    /// The strategy other than `retainKeys`.
    pub fn strategy(&self) -> Result<&str, StrategicMergeError> {
        self.retain_keys_and_strategy().map(|(_, s)| s)
    }
}

const RETAIN_KEYS: &str = "retainKeys";

impl<'s> PatchSchema<'s> {
    /// The schema of definition `name` in `definitions`; `None` when there is
    /// no such definition.
    pub fn new(definitions: &'s Map<String, Value>, name: &str) -> Option<Self> {
        definitions.get(name).map(|node| Self {
            definitions,
            node: Some(node),
            named: true,
        })
    }

    /// A value nothing is known about.
    pub fn unknown(definitions: &'s Map<String, Value>) -> Self {
        Self {
            definitions,
            node: None,
            named: false,
        }
    }

    fn at(self, node: Option<&'s Value>) -> Self {
        let mut out = Self {
            node,
            named: false,
            ..self
        };
        for _ in 0..MAX_REF_DEPTH {
            let Some(n) = out.node else { break };
            if let Some(r) = n.get("$ref").and_then(Value::as_str) {
                out.named = true;
                out.node = r
                    .strip_prefix(DEFINITIONS_REF_PREFIX)
                    .and_then(|name| self.definitions.get(name));
            } else if let Some(first) = n.get("allOf").and_then(|a| a.get(0)) {
                out.node = Some(first);
            } else {
                break;
            }
        }
        out
    }

    /// The schema of the value at `key` of an object, and the field's patch
    /// metadata (`LookupPatchMetadataForStruct`).
    pub fn field(self, key: &str) -> (Self, PatchMeta) {
        let Some(node) = self.node else {
            return (self.at(None), PatchMeta::default());
        };
        if let Some(prop) = node.get("properties").and_then(|p| p.get(key)) {
            return (self.at(Some(prop)), PatchMeta::of(prop));
        }
        match node.get("additionalProperties") {
            // Values of a map carry no patch tags of their own.
            Some(v @ Value::Object(_)) => (self.at(Some(v)), PatchMeta::default()),
            _ => (self.at(None), PatchMeta::default()),
        }
    }

    /// The schema of the items of the list at `key`, and the list field's
    /// patch metadata (`LookupPatchMetadataForSlice`).
    pub fn items(self, key: &str) -> (Self, PatchMeta) {
        let (list, meta) = self.field(key);
        let items = list.node.and_then(|n| n.get("items"));
        (self.at(items), meta)
    }

    /// The Go kind of the value, as strategicpatch names it in messages.
    pub fn name(&self) -> &'static str {
        let Some(node) = self.node else {
            return "struct";
        };
        if self.named || node.get("properties").is_some() {
            return "struct";
        }
        match (
            node.get("type").and_then(Value::as_str),
            node.get("format").and_then(Value::as_str),
        ) {
            (Some("string"), _) => "string",
            (Some("boolean"), _) => "bool",
            (Some("integer"), Some("int32")) => "int32",
            (Some("integer"), _) => "int64",
            (Some("number"), _) => "float64",
            (Some("array"), _) => "slice",
            (Some("object"), _) if node.get("additionalProperties").is_some() => "map",
            _ => "struct",
        }
    }
}
