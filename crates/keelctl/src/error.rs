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

/// kubectl's rendering of a client error (`cmdutil.StandardErrorMessage`).
pub fn standard_error_message(err: &ClientError) -> String {
    match err.api() {
        Some(status) => {
            let reason = status.reason.as_str();
            if reason.is_empty() || reason == "Unknown" {
                format!("Error from server: {}", status.message)
            } else {
                format!("Error from server ({}): {}", reason, status.message)
            }
        }
        None => format!("error: {err}"),
    }
}

impl From<ClientError> for CmdError {
    fn from(err: ClientError) -> CmdError {
        CmdError::raw(standard_error_message(&err))
    }
}
