//! Errors met while visiting resources, and how kubectl reports a batch of
//! them (cli-runtime's `ContinueOnErrorVisitor` and `EagerVisitorList`,
//! kubectl's `CheckErr`).

use crate::error::{standard_error_message, CmdError, CmdResult};
use keelson_apimachinery::status::ApiError;

/// One failure while reading or acting on an object.
#[derive(Debug, Clone)]
pub struct VisitError {
    /// Go's `err.Error()`: the text without kubectl's decoration.
    text: String,
    /// The server's `Status`, when the failure is one.
    api: Option<ApiError>,
    /// kubectl's own rendering, when it has one (`*url.Error`s).
    standard: Option<String>,
    /// Errors of a nested aggregate, kept for kubectl's `[a, b]` rendering.
    nested: Vec<VisitError>,
}

impl VisitError {
    /// A client-side failure (`error parsing x.yaml: ...`).
    pub fn plain(text: impl Into<String>) -> VisitError {
        VisitError {
            text: text.into(),
            api: None,
            standard: None,
            nested: Vec::new(),
        }
    }

    /// A failure `Status` from the server.
    pub fn api(err: ApiError) -> VisitError {
        VisitError {
            text: err.message.clone(),
            api: Some(err),
            standard: None,
            nested: Vec::new(),
        }
    }

    /// Any client error: a `Status` keeps its details, anything else its text.
    pub fn client(err: keelson_client::Error) -> VisitError {
        match err {
            keelson_client::Error::Api(api) => VisitError::api(api),
            other => VisitError::plain(other.to_string()),
        }
    }

    /// kubectl's `AddSourceToErr`: `error when creating "x.yaml": ...`, on
    /// the server's message when the failure is a `Status`.
    pub fn with_source(mut self, verb: &str, source: &str) -> VisitError {
        if source.is_empty() {
            return self;
        }
        self.text = format!("error when {verb} {source:?}: {}", self.text);
        if let Some(api) = &mut self.api {
            api.message = self.text.clone();
        }
        self
    }

    /// Sets the text kubectl's `StandardErrorMessage` gives this error.
    pub fn with_standard(mut self, standard: impl Into<String>) -> VisitError {
        self.standard = Some(standard.into());
        self
    }

    /// Several errors as one (apimachinery's `NewAggregate`); `None` for none.
    pub fn aggregate(mut errs: Vec<VisitError>) -> Option<VisitError> {
        match errs.len() {
            0 => None,
            1 => errs.pop(),
            _ => Some(VisitError {
                text: String::new(),
                api: None,
                standard: None,
                nested: errs,
            }),
        }
    }

    /// The server's `Status`, when the failure is one.
    pub fn status(&self) -> Option<&ApiError> {
        self.api.as_ref()
    }

    /// Go's `err.Error()`, with apimachinery's rendering of aggregates
    /// (`[a, b]`, duplicates dropped).
    pub fn text(&self) -> String {
        if self.nested.is_empty() {
            return self.text.clone();
        }
        aggregate_text(&self.nested)
    }

    /// kubectl's `messageForError`: the standard rendering of a server error,
    /// the plain text otherwise.
    fn message(&self) -> String {
        match &self.api {
            Some(api) => standard_error_message(&keelson_client::Error::Api(api.clone())),
            None => self.standard.clone().unwrap_or_else(|| self.text()),
        }
    }
}

fn aggregate_text(errs: &[VisitError]) -> String {
    let mut seen: Vec<String> = Vec::new();
    for e in errs {
        let msg = e.text();
        if !seen.contains(&msg) {
            seen.push(msg);
        }
    }
    match seen.len() {
        1 => seen.remove(0),
        _ => format!("[{}]", seen.join(", ")),
    }
}

/// What a command collected while visiting: failures of single objects
/// (server answers, namespace checks), in order, and failures that stopped
/// reading a source (decode, validation, mapping).
#[derive(Debug, Default)]
pub struct VisitErrors {
    /// Failures of the command's own work on an object.
    pub objects: Vec<VisitError>,
    /// Failures reading or mapping a file, URL or stdin.
    pub sources: Vec<VisitError>,
}

impl VisitErrors {
    /// Whether nothing failed.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty() && self.sources.is_empty()
    }

    /// The error kubectl's `CheckErr` prints for what was collected, if
    /// anything failed.
    ///
    /// Source failures form one aggregate appended after the object failures
    /// (the eager visitor list nests inside the continue-on-error visitor),
    /// so a lone source failure prints as `error: <text>`, several as one
    /// line each, and mixed with object failures as `[a, b]`.
    pub fn into_result(self) -> CmdResult {
        let mut errs = self.objects;
        if !self.sources.is_empty() {
            errs.push(VisitError {
                text: String::new(),
                api: None,
                standard: None,
                nested: self.sources,
            });
        }
        let top = match errs.len() {
            0 => return Ok(()),
            1 => errs.remove(0),
            _ => return Err(multiple(&errs)),
        };
        // CheckErr unwraps an aggregate of one.
        let single = if top.nested.len() == 1 {
            top.nested.into_iter().next().expect("one nested error")
        } else if !top.nested.is_empty() {
            return Err(multiple(&top.nested));
        } else {
            top
        };
        Err(check_err(&single))
    }
}

impl VisitErrors {
    /// The visit's error as cli-runtime's `Result.Infos()` returns it (the
    /// continue-on-error aggregate), for commands that collect the objects
    /// first and report their own failures after it (`apply`).
    pub fn into_error(self) -> Option<VisitError> {
        let mut errs = self.objects;
        if !self.sources.is_empty() {
            errs.push(VisitError {
                text: String::new(),
                api: None,
                standard: None,
                nested: self.sources,
            });
        }
        match errs.len() {
            0 => None,
            1 => errs.pop(),
            _ => Some(VisitError {
                text: String::new(),
                api: None,
                standard: None,
                nested: errs,
            }),
        }
    }
}

/// kubectl's `CheckErr` on a command's list of errors: one prints alone
/// (an aggregate of one unwrapped), several one per line.
pub fn report(mut errs: Vec<VisitError>) -> CmdResult {
    match errs.len() {
        0 => Ok(()),
        1 => {
            let e = errs.remove(0);
            match e.nested.len() {
                0 => Err(check_err(&e)),
                1 => Err(check_err(&e.nested[0])),
                _ => Err(multiple(&e.nested)),
            }
        }
        _ => Err(multiple(&errs)),
    }
}

/// kubectl's `MultipleErrors("", errs)`: every message followed by a
/// newline, so one that already ends in a newline (a jsonpath execution
/// error) leaves a blank line, the last one included.
fn multiple(errs: &[VisitError]) -> CmdError {
    CmdError::raw(errs.iter().map(|e| e.message() + "\n").collect::<String>())
}

/// kubectl's `CheckErr` for one error: `Invalid` answers list their causes,
/// other server errors print as `Error from server (...)`, the rest after
/// `error: `.
pub fn check_err(err: &VisitError) -> CmdError {
    if let Some(api) = &err.api {
        if api.reason == "Invalid" {
            return CmdError::raw(invalid_message(api));
        }
        return CmdError::raw(err.message());
    }
    if let Some(standard) = &err.standard {
        return CmdError::raw(standard.clone());
    }
    let text = err.text();
    if text.starts_with("error: ") {
        CmdError::raw(text)
    } else {
        CmdError::raw(format!("error: {text}"))
    }
}

/// `The ConfigMap "a" is invalid: data[x]: Invalid value: ...`, one cause a line.
fn invalid_message(api: &ApiError) -> String {
    let kind = api.kind.clone().unwrap_or_default();
    let name = api.name.clone().unwrap_or_default();
    let has_details = api.kind.is_some() || api.name.is_some() || !api.causes.is_empty();
    if !has_details {
        return format!("The request is invalid: {}", api.message);
    }
    let head = if !kind.is_empty() || !name.is_empty() {
        format!("The {kind} {name:?} is invalid")
    } else if let Some(c) = api.causes.first().filter(|c| !c.message.is_empty()) {
        format!("The request is invalid: {}", c.message)
    } else {
        "The request is invalid".to_string()
    };
    if api.causes.is_empty() {
        return head;
    }
    let mut seen: Vec<String> = Vec::new();
    for c in &api.causes {
        let msg = format!("{}: {}", c.field, c.message);
        if !seen.contains(&msg) {
            seen.push(msg);
        }
    }
    seen.iter()
        .map(|m| format!("{head}: {m}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn already_exists(name: &str) -> VisitError {
        VisitError::api(ApiError::new(
            409,
            "AlreadyExists",
            format!("configmaps {name:?} already exists"),
        ))
        .with_source("creating", "a.yaml")
    }

    /// What the user sees for these failures.
    fn message(objects: Vec<VisitError>, sources: Vec<VisitError>) -> String {
        let errs = VisitErrors { objects, sources };
        errs.into_result().expect_err("something failed").message
    }

    #[test]
    fn a_lone_source_error_prints_after_error_prefix() {
        assert_eq!(
            message(vec![], vec![VisitError::plain("error parsing x.yaml: bad")]),
            "error: error parsing x.yaml: bad"
        );
    }

    #[test]
    fn several_source_errors_print_one_per_line() {
        assert_eq!(
            message(vec![], vec![VisitError::plain("a"), VisitError::plain("b")]),
            "a\nb\n"
        );
    }

    #[test]
    fn object_errors_come_first_and_source_errors_nest() {
        assert_eq!(
            message(
                vec![already_exists("a")],
                vec![
                    VisitError::plain("x"),
                    VisitError::plain("y"),
                    VisitError::plain("x"),
                ],
            ),
            "Error from server (AlreadyExists): error when creating \"a.yaml\": configmaps \"a\" already exists\n[x, y]\n"
        );
    }

    #[test]
    fn a_message_ending_in_a_newline_leaves_a_blank_line() {
        let errs = vec![
            VisitError::plain("bad template\n"),
            VisitError::plain("bad template\n"),
        ];
        assert_eq!(
            report(errs).expect_err("two failures").message,
            "bad template\n\nbad template\n\n"
        );
    }

    #[test]
    fn one_server_error_is_standard() {
        assert_eq!(
            message(vec![already_exists("b")], vec![]),
            "Error from server (AlreadyExists): error when creating \"a.yaml\": configmaps \"b\" already exists"
        );
    }
}
