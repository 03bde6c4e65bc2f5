//! `keelctl create`: objects from files (`-f`), edited first with
//! `--edit`, or from a generator (`create deployment ...`, see
//! [`create_generators`]).

use super::create_generators;
use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::printers::DryRun;
use crate::resource::options::{FilenameFlags, OutputFlags};
use crate::resource::{last_applied, options, Builder, Helper, VisitError};

/// Flags of `keelctl create`.
#[derive(Debug, clap::Args)]
#[command(mut_arg("filenames", |a| a.help("Filename, directory, or URL to files to use to create the resource")))]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    /// A generator: `create deployment|namespace|configmap|...`.
    #[command(subcommand)]
    generator: Option<create_generators::Generator>,
    /// `-f` and `-R`.
    #[command(flatten)]
    files: FilenameFlags,
    /// Selector (label query) to filter on.
    #[arg(short = 'l', long)]
    selector: Option<String>,
    /// `-o` and `--dry-run`.
    #[command(flatten)]
    output: OutputFlags,
    /// If true, the configuration of current object will be saved in its annotation.
    #[arg(long)]
    save_config: bool,
    /// Must be one of: strict (or true), warn, ignore (or false).
    #[arg(long, default_value = "strict", num_args = 0..=1, require_equals = true, default_missing_value = "strict")]
    validate: String,
    /// Name of the manager used to track field ownership.
    #[arg(long, default_value = create_generators::FIELD_MANAGER)]
    field_manager: String,
    /// If true, keep the managedFields when printing objects in JSON or YAML format.
    #[arg(long)]
    show_managed_fields: bool,
    /// Edit the API resource before creating.
    #[arg(long)]
    edit: bool,
    /// Only relevant if --edit=true. Defaults to the line ending native to your platform.
    #[arg(long)]
    windows_line_endings: bool,
}

/// Runs the command.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    if let Some(generator) = args.generator {
        return create_generators::run(f, generator).await;
    }
    if args.edit {
        return edit_before_create(f, args).await;
    }
    if args.files.filenames.is_empty() {
        return Err(CmdError::new("must specify one of -f and -k"));
    }
    let dry_run = args.output.dry_run()?;
    let directive = options::validation_directive(&args.validate)?;
    let mut printer = args.output.printer(dry_run, args.show_managed_fields)?;
    let builder = Builder {
        label_selector: args.selector,
        validate: directive != "Ignore",
        ..Builder::from(args.files)
    };
    let mut visited = builder.visit(f).await?;
    let mut errors = visited.take_errors();
    let mut helper = Helper::for_writes(f.client()?, dry_run, args.field_manager);
    helper.field_validation = Some(directive.to_string());
    let mut count = 0;
    for item in visited.items {
        let Some(info) = item.accept(&mut errors) else {
            continue;
        };
        let mut object = info.object_or_empty();
        if args.save_config {
            last_applied::set_annotation(&mut object);
        }
        if dry_run != DryRun::Client {
            // cli-runtime's Helper.Create: a resourceVersion in the file is dropped.
            if let Some(meta) = object.get_mut("metadata").and_then(|m| m.as_object_mut()) {
                meta.remove("resourceVersion");
            }
            match helper.create(&info, &object).await {
                Ok(created) => object = created,
                Err(e) => {
                    errors
                        .objects
                        .push(VisitError::client(e).with_source("creating", &info.source));
                    continue;
                }
            }
        }
        count += 1;
        printer.print(&object, "created")?;
    }
    errors.into_result()?;
    if count == 0 {
        return Err(CmdError::new("no objects passed to create"));
    }
    Ok(())
}

/// kubectl's `RunEditOnCreate`: the files' objects open in the editor (the
/// loop of `keelctl edit`), and what is saved is created.
async fn edit_before_create(f: &mut Factory, args: Args) -> CmdResult {
    if args.files.filenames.is_empty() {
        return Err(CmdError::new(crate::commands::expose::NO_RESOURCES));
    }
    let edit_args = super::edit::Args::for_create(
        args.files,
        args.output.output,
        args.windows_line_endings,
        args.validate,
        args.field_manager,
        args.show_managed_fields,
    );
    super::edit::run_mode(f, edit_args, super::edit::EditMode::BeforeCreate).await
}
