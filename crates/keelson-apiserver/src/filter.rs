//! Which objects a list or watch wants: namespace, label and field selectors.

use crate::registry::ResourceEntry;
use crate::watch_cache::CachedObject;
use keelson_apimachinery::selector::{
    field_label_not_supported, unknown_field_selector, FieldSelector, LabelSelector,
};
use keelson_apimachinery::status::ApiResult;
use std::collections::HashMap;

/// The selection of a list or watch request.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Namespace, empty for all.
    pub namespace: String,
    /// Label selector, if any.
    pub labels: Option<LabelSelector>,
    /// Field selector, if any.
    pub fields: Option<FieldSelector>,
}

impl ListFilter {
    /// Parses `labelSelector` and `fieldSelector`, checking that every field is
    /// one the resource supports.
    pub fn from_query(
        entry: &ResourceEntry,
        namespace: &str,
        query: &HashMap<String, String>,
    ) -> ApiResult<Self> {
        let labels = match query.get("labelSelector").map(|s| s.trim()) {
            None | Some("") => None,
            Some(s) => Some(s.parse::<LabelSelector>()?),
        };
        let fields = match query.get("fieldSelector").map(|s| s.trim()) {
            None | Some("") => None,
            Some(s) => {
                let sel = s.parse::<FieldSelector>()?;
                for req in sel.requirements() {
                    let field = req.field.as_str();
                    let known = field == "metadata.name"
                        || field == "metadata.namespace"
                        || entry.strategy.selectable_fields.contains(&field);
                    if !known {
                        // Kinds without their own selectable fields answer with
                        // the generic conversion's message, the others with theirs.
                        return Err(if entry.strategy.selectable_fields.is_empty() {
                            unknown_field_selector(field)
                        } else {
                            field_label_not_supported(field)
                        });
                    }
                }
                Some(sel)
            }
        };
        Ok(ListFilter {
            namespace: namespace.to_string(),
            labels,
            fields,
        })
    }

    /// Whether the request selects by labels or fields (then no remaining count is given).
    pub fn has_selectors(&self) -> bool {
        self.labels.as_ref().is_some_and(|l| !l.is_everything()) || self.fields.is_some()
    }

    /// Whether the object is selected.
    pub fn matches(&self, obj: &CachedObject) -> bool {
        if !self.namespace.is_empty() && obj.namespace != self.namespace {
            return false;
        }
        if let Some(l) = &self.labels {
            if !l.matches(&obj.labels) {
                return false;
            }
        }
        if let Some(f) = &self.fields {
            if !f.matches(&obj.fields) {
                return false;
            }
        }
        true
    }
}
