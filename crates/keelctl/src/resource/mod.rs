//! kubectl's resource pipeline (cli-runtime's `resource` package): a
//! [`Builder`] turns `-f` sources or resource arguments into [`Info`]s,
//! mapped through the REST mapper; a [`Helper`] runs the REST verbs on
//! them; [`VisitErrors`] reports failures in kubectl's words once every
//! object was tried.

mod builder;
pub mod decode;
mod errors;
mod helper;
mod info;
pub mod last_applied;
pub mod object;
pub mod options;
mod output;
mod source;
pub mod threeway;
mod url;

pub use builder::{Builder, Item};
pub use errors::{check_err, report, VisitError, VisitErrors};
pub use helper::Helper;
pub use info::Info;
pub use output::MutationPrinter;
