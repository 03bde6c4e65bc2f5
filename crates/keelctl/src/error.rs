//! Command failures and how kubectl prints them.

use keelson_client::Error as ClientError;

/// A failed command: the text kubectl would print on stderr and its exit code.
#[derive(Debug)]
pub struct CmdError {
    /// The message, printed as `error: <message>` unless it is already a
    /// server error line (`Error from server (...)`).
    pub message: String,
    /// The process exit code (kubectl uses 1 for nearly everything).
    pub code: i32,
}

/// Result of a command.
pub type CmdResult<T = ()> = Result<T, CmdError>;

impl CmdError {
    /// A usage or client-side error, printed as `error: <message>`.
    pub fn new(message: impl Into<String>) -> CmdError {
        CmdError {
            message: format!("error: {}", message.into()),
            code: 1,
        }
    }

    /// A message printed verbatim.
    pub fn raw(message: impl Into<String>) -> CmdError {
        CmdError {
            message: message.into(),
            code: 1,
        }
    }

    /// Print the message to stderr and return the exit code. Like kubectl's
    /// `fatal`, a newline is added only when the message lacks one, so
    /// messages that end in blank lines (jsonpath errors) keep them.
    pub fn report(&self) -> i32 {
        if !self.message.is_empty() {
            if self.message.ends_with('\n') {
                eprint!("{}", self.message);
            } else {
                eprintln!("{}", self.message);
            }
        }
        self.code
    }
}

/// kubectl's rendering of a client error (`cmdutil.StandardErrorMessage`):
/// server statuses as `Error from server (Reason): ...`, 401 as "You must be
/// logged in", transport failures as "Unable to connect to the server" (or
/// kubectl's connection-refused hint), kubeconfig problems as
/// "Error in configuration".
pub fn standard_error_message(err: &ClientError) -> String {
    if let Some(status) = err.api() {
        let reason = status.reason.as_str();
        return if reason == "Unauthorized" {
            format!(
                "error: You must be logged in to the server ({})",
                status.message
            )
        } else if reason.is_empty() || reason == "Unknown" {
            format!("Error from server: {}", status.message)
        } else {
            format!("Error from server ({}): {}", reason, status.message)
        };
    }
    match err {
        ClientError::Transport(text) | ClientError::Timeout(text) => match url_error(text) {
            Some((url, cause)) if cause.contains("connection refused") => format!(
                "The connection to the server {} was refused - did you specify the right host or port?",
                host_of(url)
            ),
            Some((_, cause)) => format!("Unable to connect to the server: {cause}"),
            None => format!("error: {err}"),
        },
        ClientError::Config(text) => match text.strip_prefix("invalid configuration: ") {
            Some(rest) => format!("Error in configuration: {rest}"),
            None => format!("error: {err}"),
        },
        _ => format!("error: {err}"),
    }
}

/// Splits Go's `url.Error` text `Op "URL": cause` into URL and cause.
fn url_error(text: &str) -> Option<(&str, &str)> {
    let (_op, rest) = text.split_once(" \"")?;
    let (url, cause) = rest.split_once("\": ")?;
    Some((url, cause))
}

/// The `host:port` of a URL (Go's `url.URL.Host`).
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?']).next().unwrap_or(rest)
}

impl From<ClientError> for CmdError {
    fn from(err: ClientError) -> CmdError {
        CmdError::raw(standard_error_message(&err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_errors_read_like_kubectl() {
        let refused = ClientError::Transport(
            "Get \"https://127.0.0.1:1/api?timeout=32s\": dial tcp 127.0.0.1:1: connect: connection refused".into(),
        );
        assert_eq!(
            standard_error_message(&refused),
            "The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?"
        );
        let tls = ClientError::Transport("Get \"https://h:6443/api\": tls: bad certificate".into());
        assert_eq!(
            standard_error_message(&tls),
            "Unable to connect to the server: tls: bad certificate"
        );
        let config = ClientError::Config(
            "invalid configuration: context was not found for specified context: x".into(),
        );
        assert_eq!(
            standard_error_message(&config),
            "Error in configuration: context was not found for specified context: x"
        );
    }
}
