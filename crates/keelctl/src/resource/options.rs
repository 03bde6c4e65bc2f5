//! Flags every mutating command shares, parsed as kubectl parses them:
//! `-f`/`-R`, `-o`/`--dry-run` and `--validate`.

use super::{Builder, MutationPrinter};
use crate::error::{CmdError, CmdResult};
use crate::printers::DryRun;

/// `-f` and `-R`: the files, directories or URLs the objects come from.
/// kubectl words `--filename`'s help per command; a command sets its own
/// with `#[command(mut_arg("filenames", ...))]`.
#[derive(Debug, Clone, clap::Args)]
pub struct FilenameFlags {
    /// Filename, directory, or URL to files identifying the resource.
    #[arg(short = 'f', long = "filename")]
    pub filenames: Vec<String>,
    /// Process the directory used in -f, --filename recursively.
    #[arg(short = 'R', long)]
    pub recursive: bool,
}

/// `-o` and `--dry-run` of a command that prints what it changed.
#[derive(Debug, clap::Args)]
pub struct OutputFlags {
    /// Output format.
    #[arg(short = 'o', long)]
    pub output: Option<String>,
    /// Template string or path to template file to use when -o=go-template, -o=go-template-file.
    #[arg(long)]
    pub template: Option<String>,
    /// If true, ignore any errors in templates when a field or map key is missing in the template.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "true", action = clap::ArgAction::Set)]
    pub allow_missing_template_keys: bool,
    /// Must be "none", "server", or "client".
    #[arg(long, default_value = "none", num_args = 0..=1, require_equals = true, default_missing_value = "unchanged")]
    pub dry_run: String,
}

impl From<FilenameFlags> for Builder {
    /// A builder reading the objects from these sources.
    fn from(files: FilenameFlags) -> Self {
        Builder {
            filenames: files.filenames,
            recursive: files.recursive,
            ..Builder::default()
        }
    }
}

impl OutputFlags {
    /// The printer of the changed objects, for `-o` and the parsed
    /// `--dry-run`.
    pub fn printer(
        &self,
        dry_run: DryRun,
        show_managed_fields: bool,
    ) -> CmdResult<MutationPrinter> {
        Ok(MutationPrinter::with_template(
            self.output.as_deref(),
            self.template.as_deref(),
            dry_run,
            show_managed_fields,
        )?
        .allow_missing_keys(self.allow_missing_template_keys))
    }

    /// `--dry-run`, parsed by [`dry_run`].
    pub fn dry_run(&self) -> CmdResult<DryRun> {
        dry_run(&self.dry_run)
    }
}

/// Parses `--dry-run`: `none`, `client`, `server`; a bare `--dry-run`
/// (clap's missing value `unchanged`) is client with kubectl's deprecation
/// warning.
pub fn dry_run(value: &str) -> CmdResult<DryRun> {
    match value {
        "" | "none" => Ok(DryRun::None),
        "client" => Ok(DryRun::Client),
        "server" => Ok(DryRun::Server),
        "unchanged" => {
            klog_warning("--dry-run is deprecated and can be replaced with --dry-run=client.");
            Ok(DryRun::Client)
        }
        other => Err(CmdError::new(format!(
            "Invalid dry-run value ({other}). Must be \"none\", \"server\", or \"client\"."
        ))),
    }
}

/// Parses `--validate` into the `fieldValidation` directive kubectl sends:
/// `Strict` (also `true`, the default), `Warn`, `Ignore` (also `false`).
pub fn validation_directive(value: &str) -> CmdResult<&'static str> {
    match value.to_lowercase().as_str() {
        "strict" | "true" | "" => Ok("Strict"),
        "warn" => Ok("Warn"),
        "ignore" | "false" => Ok("Ignore"),
        _ => Err(CmdError::new(format!(
            "invalid - validate option {value:?}; must be one of: strict (or true), warn, ignore (or false)"
        ))),
    }
}

/// A klog warning line (`W1122 16:43:32.561354   21427 file.go:1] text`)
/// as kubectl writes them to stderr.
pub fn klog_warning(text: &str) {
    let now = chrono::Utc::now();
    eprintln!(
        "W{} {:>7} helpers.go:714] {text}",
        now.format("%m%d %H:%M:%S%.6f"),
        std::process::id()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse_like_kubectl() {
        assert_eq!(dry_run("server").unwrap(), DryRun::Server);
        assert_eq!(dry_run("none").unwrap(), DryRun::None);
        assert_eq!(
            dry_run("foo").unwrap_err().message,
            "error: Invalid dry-run value (foo). Must be \"none\", \"server\", or \"client\"."
        );
        assert_eq!(validation_directive("true").unwrap(), "Strict");
        assert_eq!(validation_directive("false").unwrap(), "Ignore");
        assert_eq!(
            validation_directive("foo").unwrap_err().message,
            "error: invalid - validate option \"foo\"; must be one of: strict (or true), warn, ignore (or false)"
        );
    }
}
