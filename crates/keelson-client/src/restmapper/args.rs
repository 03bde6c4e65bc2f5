//! kubectl's resource arguments before any mapping (cli-runtime's
//! `ResourceTypeOrNameArgs`): `TYPE[,TYPE...] [NAME...]` or `TYPE/NAME...`.

use super::MappingError;

/// What the resource arguments of a kubectl command say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceArgs {
    /// No arguments.
    Empty,
    /// `pods,services web db`: the types (duplicates dropped) and the
    /// names, which apply to every type.
    Types {
        /// Resource or kind arguments, unresolved (`deploy`, `all`).
        types: Vec<String>,
        /// Object names; empty for every object.
        names: Vec<String>,
    },
    /// `pods/web svc/db`, or several types with names
    /// (`pods,svc web` → `pods/web svc/web`): one `(type, name)` per object.
    Tuples(Vec<(String, String)>),
}

/// Parses `args` as kubectl does, with kubectl's messages for misuse
/// (`TYPE TYPE/NAME` mixed, more than one slash, an empty type or name).
pub fn parse_resource_args(args: &[&str]) -> Result<ResourceArgs, MappingError> {
    let args = normalize_multiple_types(args);
    let slashed = args.iter().filter(|a| a.contains('/')).count();
    if slashed > 0 && slashed != args.len() {
        return Err(MappingError::InvalidArguments(
            "there is no need to specify a resource type as a separate argument when passing \
             arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' \
             instead of 'kubectl get resource resource/<resource_name>'"
                .into(),
        ));
    }
    if slashed > 0 {
        let mut tuples = Vec::new();
        for a in &args {
            if let Some(t) = split_type_name(a)? {
                tuples.push(t);
            }
        }
        return Ok(ResourceArgs::Tuples(tuples));
    }
    match args.split_first() {
        None => Ok(ResourceArgs::Empty),
        Some((types, names)) => Ok(ResourceArgs::Types {
            types: split_resource_argument(types),
            names: names.to_vec(),
        }),
    }
}

/// cli-runtime's `normalizeMultipleResourcesArgs`: `pods,svc a b` →
/// `pods/a pods/b svc/a svc/b`.
fn normalize_multiple_types(args: &[&str]) -> Vec<String> {
    if let [types, names @ ..] = args {
        let types = split_resource_argument(types);
        if !names.is_empty() && types.len() > 1 {
            return types
                .iter()
                .flat_map(|t| names.iter().map(move |n| format!("{t}/{n}")))
                .collect();
        }
    }
    args.iter().map(|a| a.to_string()).collect()
}

fn split_type_name(arg: &str) -> Result<Option<(String, String)>, MappingError> {
    if arg.is_empty() {
        return Ok(None);
    }
    let parts: Vec<&str> = arg.split('/').collect();
    let [resource, name] = parts.as_slice() else {
        return Err(MappingError::InvalidArguments(
            "arguments in resource/name form may not have more than one slash".into(),
        ));
    };
    if resource.is_empty() || name.is_empty() || split_resource_argument(resource).len() != 1 {
        return Err(MappingError::InvalidArguments(
            "arguments in resource/name form must have a single resource and name".into(),
        ));
    }
    Ok(Some((resource.to_string(), name.to_string())))
}

/// cli-runtime's `SplitResourceArgument`: comma-separated, first occurrence kept.
pub(crate) fn split_resource_argument(arg: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in arg.split(',') {
        if !out.iter().any(|o| o == item) {
            out.push(item.to_string());
        }
    }
    out
}
