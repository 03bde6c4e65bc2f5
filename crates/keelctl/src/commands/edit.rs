//! `keelctl edit`: open objects in `$KUBE_EDITOR` / `$EDITOR` / `vi`, then
//! patch what changed; an invalid edit reopens the editor with the
//! server's complaints in the header, as kubectl's `EditOptions` does.

use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::resource::options::FilenameFlags;
use crate::resource::threeway::builtin_schema;
use crate::resource::{Builder, Helper, Info, MutationPrinter, VisitError};
use keelson_apimachinery::codec::{decode_documents, to_json, to_json_pretty, to_yaml};
use keelson_client::PatchType;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The header above the objects in the editor.
const HEADER: &str = "# Please edit the object below. Lines beginning with a '#' will be ignored,
# and an empty file will abort the edit. If an error occurs while saving this file will be
# reopened with the relevant failures.
#
";

/// Flags of `keelctl edit`.
#[derive(Debug, clap::Args)]
#[command(mut_arg("filenames", |a| a.help("Filename, directory, or URL to files to use to edit the resource")))]
pub struct Args {
    /// `TYPE NAME`, `TYPE/NAME` or `TYPE` (every object of the type).
    args: Vec<String>,
    /// `-f` and `-R`.
    #[command(flatten)]
    files: FilenameFlags,
    /// Output format: yaml (default) or json.
    #[arg(short = 'o', long)]
    output: Option<String>,
    /// Output the patch if the resource is edited.
    #[arg(long)]
    output_patch: bool,
    /// Defaults to the line ending native to your platform.
    #[arg(long)]
    windows_line_endings: bool,
    /// Must be one of: strict (or true), warn, ignore (or false).
    #[arg(long, default_value = "strict", num_args = 0..=1, require_equals = true, default_missing_value = "strict")]
    validate: String,
    /// If specified, edit will operate on the subresource of the requested object.
    #[arg(long)]
    subresource: Option<String>,
    /// Name of the manager used to track field ownership.
    #[arg(long, default_value = "kubectl-edit")]
    field_manager: String,
    /// If true, keep the managedFields when printing objects in JSON or YAML format.
    #[arg(long)]
    show_managed_fields: bool,
}

impl Args {
    /// The flags `create -f FILE --edit` shares with edit.
    pub(crate) fn for_create(
        files: FilenameFlags,
        output: Option<String>,
        windows_line_endings: bool,
        validate: String,
        field_manager: String,
        show_managed_fields: bool,
    ) -> Args {
        Args {
            args: Vec::new(),
            files,
            output,
            output_patch: false,
            windows_line_endings,
            validate,
            subresource: None,
            field_manager,
            show_managed_fields,
        }
    }

    /// The flags `apply edit-last-applied` shares with edit (it has no
    /// `--output-patch` or `--subresource`).
    pub(crate) fn for_last_applied(
        args: Vec<String>,
        files: FilenameFlags,
        output: Option<String>,
        windows_line_endings: bool,
        validate: String,
        field_manager: String,
        show_managed_fields: bool,
    ) -> Args {
        Args {
            args,
            files,
            output,
            output_patch: false,
            windows_line_endings,
            validate,
            subresource: None,
            field_manager,
            show_managed_fields,
        }
    }
}

/// What the editor holds and where saved changes go (kubectl's `EditMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EditMode {
    /// The objects; changes are patched into them.
    Normal,
    /// Their last-applied configurations (`apply edit-last-applied`);
    /// changes are patched into the annotation only.
    ApplyLastApplied,
    /// The objects of files, not on the server yet (`create --edit`);
    /// what is saved is created.
    BeforeCreate,
}

/// Why the file must be edited again (kubectl's `editReason`).
struct Reason {
    head: String,
    other: Vec<String>,
}

/// Runs the command.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    run_mode(f, args, EditMode::Normal).await
}

/// Runs the editor loop in `mode`.
pub(crate) async fn run_mode(f: &mut Factory, args: Args, mode: EditMode) -> CmdResult {
    let directive = crate::resource::options::validation_directive(&args.validate)?;
    let json = match args.output.as_deref() {
        None | Some("") | Some("yaml") => false,
        Some("json") => true,
        Some(other) => {
            return Err(CmdError::new(format!(
                "unable to match a printer suitable for the output format {other:?}, allowed formats are: json,yaml"
            )))
        }
    };
    if let Some(sub) = args.subresource.as_deref().filter(|s| !s.is_empty()) {
        if sub != "status" {
            return Err(CmdError::new(format!(
                "invalid subresource value: {sub:?}. Must be one of [status]"
            )));
        }
    }
    let builder = Builder {
        args: args.args.clone(),
        all: args.files.filenames.is_empty(),
        require_object: true,
        latest: mode != EditMode::BeforeCreate,
        ..Builder::from(args.files.clone())
    };
    let mut visited = builder.visit(f).await?;
    let mut errors = visited.take_errors();
    let mut infos = Vec::new();
    for item in visited.items {
        infos.extend(item.accept(&mut errors));
    }
    if mode == EditMode::BeforeCreate {
        // The editor shows the namespace the objects will be created in.
        infos.iter_mut().for_each(Info::sync_object_namespace);
    }
    if let Some(e) = errors.into_error() {
        crate::resource::report(vec![e])?;
    }
    if mode == EditMode::ApplyLastApplied {
        infos = crate::commands::apply::last_applied_infos(infos)?;
    }
    if infos.is_empty() {
        return Err(CmdError::new("edit cancelled, no objects found"));
    }
    let (namespace, _) = f.namespace()?;
    let mut helper = Helper::new(f.client()?);
    helper.field_manager = Some(args.field_manager.clone());
    helper.field_validation = Some(directive.to_string());
    let session = Session {
        helper,
        args: &args,
        json,
        namespace,
        mode,
    };
    if mode == EditMode::BeforeCreate {
        return session.edit_each(infos).await;
    }
    session.edit(infos).await
}

struct Session<'a> {
    helper: Helper,
    args: &'a Args,
    json: bool,
    namespace: String,
    mode: EditMode,
}

impl Session<'_> {
    /// kubectl's edit loop over one buffer holding every object.
    async fn edit(&self, mut infos: Vec<Info>) -> CmdResult {
        for info in &mut infos {
            if let Some(obj) = &mut info.object {
                crate::printers::strip_managed_fields(obj);
            }
        }
        let original_obj = match infos.as_slice() {
            [one] => one.object_or_empty(),
            many => {
                let items: Vec<Value> = many.iter().map(Info::object_or_empty).collect();
                serde_json::json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {}})
            }
        };
        let mut reasons: Vec<Reason> = Vec::new();
        let mut contains_error = false;
        let mut original = String::new();
        let mut edited = String::new();
        let mut previous_file: Option<PathBuf> = None;
        loop {
            let mut buf = String::new();
            if !self.json {
                let text = header(&reasons);
                match self.mode {
                    EditMode::Normal | EditMode::BeforeCreate => buf.push_str(&text),
                    EditMode::ApplyLastApplied => {
                        buf.push_str(&text.replacen(HEADER, crate::commands::apply::EDIT_HEADER, 1))
                    }
                }
            }
            if contains_error {
                buf.push_str(&manual_strip(&edited));
            } else {
                let body = self.render(&original_obj);
                buf.push_str(&body);
                original = buf.clone();
            }
            if self.args.windows_line_endings {
                buf = buf.replace('\n', "\r\n");
            }
            let before = edited.clone();
            let ext = if self.json { ".json" } else { ".yaml" };
            let (text, file) = launch(&buf, ext, previous_file.as_deref())?;
            edited = text;
            if contains_error && strip_comments(&before) == strip_comments(&edited) {
                return Err(preserved(
                    CmdError::new("Edit cancelled, no valid changes were saved."),
                    &file,
                ));
            }
            if let Some(prev) = previous_file.take() {
                let _ = std::fs::remove_file(prev);
            }
            if let Some(problem) = self.validation_problem(&edited) {
                // kubectl reports a file that fails client-side validation as
                // the first object being invalid, and reopens the editor.
                let info = &infos[0];
                let resource = info.resource_with_group();
                eprintln!("error: {resource} {:?} is invalid", info.name);
                reasons = vec![Reason {
                    head: format!("{resource} {:?} was not valid", info.name),
                    other: vec![format!(
                        "<nil>: Invalid value: \"The edited file failed validation\": {problem}"
                    )],
                }];
                contains_error = true;
                previous_file = Some(file);
                continue;
            }
            if strip_comments(&original) == strip_comments(&edited) {
                let _ = std::fs::remove_file(&file);
                eprintln!("Edit cancelled, no changes made.");
                return Ok(());
            }
            if !has_lines(&edited) {
                let _ = std::fs::remove_file(&file);
                eprintln!("Edit cancelled, saved file was empty.");
                return Ok(());
            }
            reasons.clear();
            let updated = match parse_edited(&edited) {
                Ok(objects) => objects,
                Err(e) => {
                    contains_error = true;
                    previous_file = Some(file);
                    reasons.push(Reason {
                        head: format!("The edited file had a syntax error: {e}"),
                        other: vec![],
                    });
                    continue;
                }
            };
            let outcome = match self.mode {
                EditMode::Normal => self.patch_all(&infos, updated, &mut reasons).await,
                EditMode::BeforeCreate => self
                    .create_all(&infos, updated)
                    .await
                    .map(|()| Outcome::default()),
                EditMode::ApplyLastApplied => crate::commands::apply::patch_last_applied(
                    &self.helper,
                    &self.namespace,
                    &infos,
                    updated,
                    self.args.output.as_deref(),
                    self.args.show_managed_fields,
                )
                .await
                .map(|()| Outcome::default()),
            }
            .map_err(|e| preserved(e, &file))?;
            if outcome.retryable > 0 {
                eprintln!(
                    "You can run `{} replace -f {}` to try this update again.",
                    program_name(),
                    file.display()
                );
                return Err(CmdError {
                    message: String::new(),
                    code: 1,
                });
            }
            if outcome.not_found > 0 {
                eprintln!(
                    "The edits you made on deleted resources have been saved to {:?}",
                    file.display().to_string()
                );
                return Err(CmdError {
                    message: String::new(),
                    code: 1,
                });
            }
            if outcome.invalid == 0 {
                let _ = std::fs::remove_file(&file);
                return Ok(());
            }
            contains_error = !reasons.is_empty();
            previous_file = Some(file);
        }
    }

    /// The client-side schema check of the saved file (first document),
    /// unless `--validate=ignore`.
    fn validation_problem(&self, edited: &str) -> Option<String> {
        if crate::resource::options::validation_directive(&self.args.validate).ok()
            == Some("Ignore")
        {
            return None;
        }
        // A file that does not parse fails validation too, as in kubectl.
        let doc = match decode_documents(edited.as_bytes()) {
            Ok(docs) => docs.into_iter().next().unwrap_or(Value::Null),
            Err(e) => return Some(e.message),
        };
        crate::resource::decode::object_kind_problems(&doc).err().map(|p| {
            format!("error validating data: {p}; if you choose to ignore these errors, turn validation off with --validate=false")
        })
    }

    fn render(&self, obj: &Value) -> String {
        let sorted = crate::printers::sort_keys(obj);
        if self.json {
            to_json_pretty(&sorted)
        } else {
            to_yaml(&sorted)
        }
    }

    /// kubectl's `visitToPatch`: each edited object against its original
    /// (matched by uid); unchanged ones are `skipped`.
    async fn patch_all(
        &self,
        infos: &[Info],
        updated: Vec<Value>,
        reasons: &mut Vec<Reason>,
    ) -> CmdResult<Outcome> {
        let mut outcome = Outcome::default();
        for edited in updated {
            let uid = edited
                .pointer("/metadata/uid")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let ns = edited
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let Some(info) = infos.iter().find(|i| {
                i.object
                    .as_ref()
                    .and_then(|o| o.pointer("/metadata/uid"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    == uid
            }) else {
                return Err(CmdError::new(format!(
                    "no original object found for {}",
                    to_json(&edited)
                )));
            };
            if info.namespaced()
                && !ns.is_empty()
                && ns != self.namespace
                && self.args.files.filenames.is_empty()
                && info.namespace != ns
            {
                return Err(CmdError::new(format!(
                    "the namespace from the provided object {ns:?} does not match the namespace {:?}. You must pass '--namespace={ns}' to perform this operation.",
                    self.namespace
                )));
            }
            let original = info.object_or_empty();
            let mut printer = MutationPrinter::new(
                self.args.output.as_deref(),
                crate::printers::DryRun::None,
                self.args.show_managed_fields,
            )?;
            if crate::resource::threeway::deep_equal(&original, &edited) {
                printer.print(&edited, "skipped")?;
                continue;
            }
            for key in ["apiVersion", "kind"] {
                if original.get(key) != edited.get(key) {
                    return Err(CmdError::new(
                        "At least one of apiVersion, kind and name was changed",
                    ));
                }
            }
            if original.pointer("/metadata/name") != edited.pointer("/metadata/name") {
                return Err(CmdError::new(
                    "At least one of apiVersion, kind and name was changed",
                ));
            }
            let (patch_type, patch) = two_way_patch(info, &original, &edited);
            if self.args.output_patch {
                println!("Patch: {patch}");
            }
            match self
                .helper
                .patch(
                    info,
                    patch_type,
                    patch.as_bytes(),
                    self.args.subresource.as_deref(),
                    None,
                )
                .await
            {
                Ok(obj) => printer.print(&obj, "edited")?,
                Err(e) => eprintln!(
                    "{}",
                    outcome.add_error(VisitError::client(e), info, reasons)
                ),
            }
        }
        Ok(outcome)
    }
}

impl Session<'_> {
    /// kubectl's edit before create: one editor per object, as `create`
    /// visits them; a failure does not stop the next object, and all are
    /// reported at the end.
    async fn edit_each(&self, infos: Vec<Info>) -> CmdResult {
        let mut errors = Vec::new();
        for info in infos {
            if let Err(e) = self.edit(vec![info]).await {
                errors.push(crate::commands::expose::visit_error(e));
            }
        }
        crate::resource::report(errors)
    }

    /// kubectl's `visitToCreate`: creates each saved object, stopping at
    /// the first failure. An object is sent to the resource of the file's
    /// object of the same kind.
    async fn create_all(&self, infos: &[Info], updated: Vec<Value>) -> CmdResult {
        for object in updated {
            // A printer per object, as kubectl makes one per created object:
            // YAML documents get no `---` between them.
            let mut printer = MutationPrinter::new(
                self.args.output.as_deref(),
                crate::printers::DryRun::None,
                self.args.show_managed_fields,
            )?;
            let api_version = object.get("apiVersion").and_then(Value::as_str);
            let kind = object.get("kind").and_then(Value::as_str);
            let Some(source) = infos.iter().find(|i| {
                Some(i.mapping.gvk.kind.as_str()) == kind
                    && Some(i.mapping.gvk.api_version().as_str()) == api_version
            }) else {
                return Err(CmdError::new(format!(
                    "no original object found for {}",
                    to_json(&object)
                )));
            };
            let mut info = source.clone();
            info.name = keelson_apimachinery::meta::name(&object).to_string();
            let namespace = keelson_apimachinery::meta::namespace(&object);
            if info.namespaced() && !namespace.is_empty() {
                info.namespace = namespace.to_string();
            }
            match self.helper.create(&info, &object).await {
                Ok(created) => printer.print(&created, "created")?,
                Err(e) => {
                    return Err(crate::resource::check_err(&VisitError::client(e)));
                }
            }
        }
        Ok(())
    }
}

/// What the patches ran into (kubectl's `editResults`).
#[derive(Default)]
struct Outcome {
    invalid: usize,
    not_found: usize,
    retryable: usize,
}

impl Outcome {
    fn add_error(&mut self, e: VisitError, info: &Info, reasons: &mut Vec<Reason>) -> String {
        let resource = info.resource_with_group();
        let status = e.status();
        match status.map(|s| s.reason.as_str()) {
            Some("Invalid") => {
                self.invalid += 1;
                let other = status
                    .map(|s| {
                        s.causes
                            .iter()
                            .map(|c| format!("{}: {}", c.field, c.message))
                            .collect()
                    })
                    .unwrap_or_default();
                reasons.push(Reason {
                    head: format!("{resource} {:?} was not valid", info.name),
                    other,
                });
                format!("error: {resource} {:?} is invalid", info.name)
            }
            Some("NotFound") => {
                self.not_found += 1;
                format!(
                    "error: {resource} {:?} could not be found on the server",
                    info.name
                )
            }
            _ => {
                self.retryable += 1;
                format!(
                    "error: {resource} {:?} could not be patched: {}",
                    info.name,
                    e.text()
                )
            }
        }
    }
}

/// The two-way patch from the object shown to the object saved: strategic
/// for built-in kinds, JSON merge otherwise.
fn two_way_patch(info: &Info, original: &Value, edited: &Value) -> (PatchType, String) {
    let gvk = &info.mapping.gvk;
    let empty = Map::new();
    let o = original.as_object().unwrap_or(&empty);
    let e = edited.as_object().unwrap_or(&empty);
    let (kind, patch) = match builtin_schema(&gvk.group, &gvk.version, &gvk.kind)
        .and_then(|schema| crate::resource::threeway::two_way_strategic(o, e, schema).ok())
    {
        Some(p) => (PatchType::StrategicMerge, Value::Object(p)),
        None => (
            PatchType::Merge,
            crate::resource::threeway::create_merge_patch(original, edited),
        ),
    };
    (kind, to_json(&crate::printers::sort_keys(&patch)))
}

fn header(reasons: &[Reason]) -> String {
    let mut out = HEADER.to_string();
    for r in reasons {
        if r.other.is_empty() {
            out.push_str(&format!("# {}\n", hash_on_line_break(&r.head)));
        } else {
            out.push_str(&format!("# {}:\n", hash_on_line_break(&r.head)));
        }
        for o in &r.other {
            out.push_str(&format!("# * {}\n", hash_on_line_break(o)));
        }
        out.push_str("#\n");
    }
    out
}

/// Continues a comment onto the next lines of a multi-line message.
fn hash_on_line_break(s: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, ch) in chars.iter().enumerate() {
        if *ch == '\n' && chars.get(i + 1).is_some_and(|n| *n != '#') {
            out.push_str("\n# ");
        } else {
            out.push(*ch);
        }
    }
    out
}

/// cmdutil's `ManualStrip`: lines starting with `#` (not `#!`) dropped.
fn manual_strip(text: &str) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if t.starts_with('#') && !t.starts_with("#!") {
            continue;
        }
        out.push_str(line);
        if i + 1 < lines.len() {
            out.push('\n');
        }
    }
    out
}

/// cmdutil's `StripComments`: the YAML as JSON, or the text without comments.
fn strip_comments(text: &str) -> String {
    match decode_documents(text.as_bytes()) {
        Ok(docs) => to_json(&docs.into_iter().next().unwrap_or(Value::Null)),
        Err(_) => manual_strip(text),
    }
}

fn has_lines(text: &str) -> bool {
    text.lines().any(|l| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with('#')
    })
}

/// The objects of the saved file, lists flattened.
fn parse_edited(text: &str) -> Result<Vec<Value>, String> {
    let docs = decode_documents(text.as_bytes())
        .map_err(|e| format!("error parsing edited-file: {}", e.message))?;
    let mut out = Vec::new();
    for doc in docs {
        match doc.get("items").and_then(Value::as_array) {
            Some(items)
                if doc
                    .get("kind")
                    .and_then(Value::as_str)
                    .is_some_and(|k| k.ends_with("List")) =>
            {
                out.extend(items.iter().cloned())
            }
            _ => out.push(doc),
        }
    }
    Ok(out)
}

fn program_name() -> String {
    std::env::args()
        .next()
        .and_then(|a| {
            Path::new(&a)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "keelctl".into())
}

/// kubectl's `preservedFile`: says where the edits were kept.
fn preserved(e: CmdError, file: &Path) -> CmdError {
    if file.exists() {
        eprintln!(
            "A copy of your changes has been stored to {:?}",
            file.display().to_string()
        );
    }
    e
}

/// Writes `buf` to a fresh temporary file, opens the editor on it and reads
/// it back (kubectl's `LaunchTempFile`).
fn launch(buf: &str, ext: &str, previous: Option<&Path>) -> CmdResult<(String, PathBuf)> {
    let path = temp_file(&format!("{}-edit-", program_name()), ext, buf)
        .map_err(|e| CmdError::new(e.to_string()))?;
    let (argv, shell) = editor_command();
    let mut args = argv.clone();
    if shell {
        let last = args.pop().unwrap_or_default();
        args.push(format!("{last} {:?}", path.display().to_string()));
    } else {
        args.push(path.display().to_string());
    }
    let status = std::process::Command::new(&args[0])
        .args(&args[1..])
        .status();
    // A failed editor leaves the new file behind; only the previous pass's
    // file is pointed out, as kubectl does.
    let failed = |e: CmdError| match previous {
        Some(prev) => preserved(e, prev),
        None => e,
    };
    match status {
        Ok(s) if s.success() => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let msg = format!("unable to launch the editor {:?}", argv.join(" "));
            return Err(failed(CmdError::new(msg)));
        }
        _ => {
            let msg = format!("there was a problem with the editor {:?}", argv.join(" "));
            return Err(failed(CmdError::new(msg)));
        }
    }
    let text = std::fs::read_to_string(&path).map_err(|e| CmdError::new(e.to_string()))?;
    Ok((text, path))
}

/// `$KUBE_EDITOR`, `$EDITOR` or `vi`; an editor with spaces runs through
/// `$SHELL -c` (default `/bin/bash`).
fn editor_command() -> (Vec<String>, bool) {
    let editor = ["KUBE_EDITOR", "EDITOR"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|v| !v.is_empty())
        .unwrap_or_else(|| "vi".to_string());
    if !editor.contains(' ') {
        return (vec![editor], false);
    }
    let shell = std::env::var("SHELL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "/bin/bash".into());
    (vec![shell, "-c".into(), editor], true)
}

/// Go's `os.CreateTemp("", prefix + "*" + ext)`.
fn temp_file(prefix: &str, ext: &str, content: &str) -> std::io::Result<PathBuf> {
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default()
        ^ u64::from(std::process::id());
    for _ in 0..100 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let path = std::env::temp_dir().join(format!("{prefix}{}{ext}", seed as u32));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                std::io::Write::write_all(&mut f, content.as_bytes())?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("cannot create a temporary file"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_carry_the_reasons() {
        let reasons = vec![Reason {
            head: "configmaps \"a\" was not valid".into(),
            other: vec!["data[x y]: Invalid value: \"x y\": bad\nsecond line".into()],
        }];
        assert_eq!(
            header(&reasons),
            format!("{HEADER}# configmaps \"a\" was not valid:\n# * data[x y]: Invalid value: \"x y\": bad\n# second line\n#\n")
        );
    }

    #[test]
    fn comments_are_stripped_like_kubectl() {
        assert_eq!(manual_strip("# a\nb: 1\n  # c\n#!x\n"), "b: 1\n#!x\n");
        assert_eq!(strip_comments("# header\nb: 1\n"), strip_comments("b: 1\n"));
        assert!(!has_lines("# only\n\n  \n"));
    }
}
