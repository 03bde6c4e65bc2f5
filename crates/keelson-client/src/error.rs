//! The client's error type: a server `Status`, or what went wrong before one arrived.

use keelson_apimachinery::status::ApiError;

/// Everything a client call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server answered with a failure `Status` (or a bare error code,
    /// turned into one the way client-go does).
    #[error("{0}")]
    Api(ApiError),
    /// The kubeconfig (or in-cluster configuration) cannot be used.
    #[error("{0}")]
    Config(String),
    /// An exec credential plugin failed.
    #[error("{0}")]
    Exec(String),
    /// The request could not be built (bad namespace, name, header or URL).
    #[error("{0}")]
    Request(String),
    /// Connecting or talking to the server failed.
    #[error("{0}")]
    Transport(String),
    /// The request did not finish in time.
    #[error("{0}")]
    Timeout(String),
    /// The response body was not what the caller asked for.
    #[error("{0}")]
    Decode(String),
}

/// Result with the client's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The server's `Status`, when the failure is one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The `Status` reason (`NotFound`, `Conflict`, ...), when the server gave one.
    pub fn reason(&self) -> Option<&str> {
        self.api().map(|e| e.reason.as_str())
    }

    /// The HTTP status code, when the server answered.
    pub fn code(&self) -> Option<u16> {
        self.api().map(|e| e.code)
    }

    /// `apierrors.IsNotFound`.
    pub fn is_not_found(&self) -> bool {
        self.reason() == Some("NotFound")
    }

    /// `apierrors.IsAlreadyExists`.
    pub fn is_already_exists(&self) -> bool {
        self.reason() == Some("AlreadyExists")
    }

    /// `apierrors.IsConflict`.
    pub fn is_conflict(&self) -> bool {
        self.reason() == Some("Conflict")
    }

    /// `apierrors.IsInvalid`.
    pub fn is_invalid(&self) -> bool {
        self.reason() == Some("Invalid")
    }

    /// `apierrors.IsResourceExpired` / `IsGone`: a watch or list asked for a
    /// compacted resourceVersion and must relist.
    pub fn is_gone(&self) -> bool {
        matches!(self.reason(), Some("Expired") | Some("Gone"))
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(e)
    }
}
