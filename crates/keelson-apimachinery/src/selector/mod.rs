//! Label and field selectors, parsed and matched as kube-apiserver does
//! (`k8s.io/apimachinery/pkg/labels` and `pkg/fields`).

mod fields;
mod labels;

pub use fields::{
    escape_value, field_label_not_supported, unknown_field_selector, FieldRequirement,
    FieldSelector,
};
pub use labels::{LabelSelector, Labels, Operator, Requirement};

use crate::status::ApiError;

/// A selector that did not parse; kube-apiserver answers it with 400 BadRequest
/// and this message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SelectorError {
    /// The message, exactly as kube-apiserver words it.
    pub message: String,
}

impl SelectorError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

impl From<SelectorError> for ApiError {
    fn from(e: SelectorError) -> Self {
        ApiError::bad_request(e.message)
    }
}
