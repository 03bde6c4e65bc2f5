//! The one error type of the benchmark tool.

/// Why a benchmark could not run (a slow or failing server is a figure, not
/// an error; this is for setups that cannot produce figures at all).
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The kubeconfig is missing, unreadable or lacks what the tool needs.
    #[error("kubeconfig: {0}")]
    Kubeconfig(String),
    /// TLS setup or handshake failed.
    #[error("tls: {0}")]
    Tls(String),
    /// The HTTP exchange failed below the status line.
    #[error("http: {0}")]
    Http(String),
    /// The server answered with a status the benchmark cannot continue after.
    #[error("{what}: server answered {status}: {body}")]
    Status {
        /// The request that failed, e.g. `create namespace bench-list`.
        what: String,
        /// HTTP status code.
        status: u16,
        /// Start of the response body (usually a `Status` object).
        body: String,
    },
    /// Starting, watching or stopping the `keelson` process failed.
    #[error("server process: {0}")]
    Process(String),
    /// The storage layer failed.
    #[error("storage: {0}")]
    Storage(#[from] keelson_storage::StorageError),
    /// Local file or socket IO failed.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

impl From<hyper::Error> for BenchError {
    fn from(e: hyper::Error) -> Self {
        BenchError::Http(e.to_string())
    }
}

impl From<http::Error> for BenchError {
    fn from(e: http::Error) -> Self {
        BenchError::Http(e.to_string())
    }
}

/// Result alias of the tool.
pub type Result<T> = std::result::Result<T, BenchError>;
