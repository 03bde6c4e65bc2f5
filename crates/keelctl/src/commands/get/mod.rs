//! `keelctl get`: objects by type and name, selectors, all namespaces,
//! paging, every `-o` format, the server's tables, `--raw`, and watches.

mod gosort;
mod sort;
mod watch;

use crate::error::{standard_error_message, CmdError, CmdResult};
use crate::factory::Factory;
use crate::printers::table::{TableOptions, TablePrinter, TABLE_ACCEPT};
use crate::printers::{self, OutputFormat};
use keelson_apimachinery::gvk::GroupVersion;
use keelson_client::restmapper::{
    parse_resource_args, MappingError, ResourceArgs, ResourceTarget, RestMapping, Scope,
};
use keelson_client::{Request, RestClient};
use serde_json::{json, Value};
use sort::SortBy;

const NO_RESOURCE_TYPE: &str = "You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.\n\nerror: Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples";

/// Flags of `keelctl get`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// TYPE[.VERSION][.GROUP] [NAME ...] or TYPE[.VERSION][.GROUP]/NAME ...
    resources: Vec<String>,
    /// Output format: json, yaml, name, wide, jsonpath=..., jsonpath-as-json=...,
    /// jsonpath-file=..., custom-columns=..., custom-columns-file=...
    #[arg(short = 'o', long)]
    output: Option<String>,
    /// Template string or path to template file to use when -o=go-template,
    /// -o=go-template-file (or jsonpath formats).
    #[arg(long)]
    template: Option<String>,
    /// Selector (label query) to filter on (`=`, `==`, `!=`, `in`, `notin`).
    #[arg(short = 'l', long)]
    selector: Option<String>,
    /// Selector (field query) to filter on, e.g. `metadata.name=x`.
    #[arg(long)]
    field_selector: Option<String>,
    /// List the requested objects across all namespaces.
    #[arg(short = 'A', long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    all_namespaces: bool,
    /// Return large lists in chunks rather than all at once (0 disables).
    #[arg(long, default_value_t = 500)]
    chunk_size: i64,
    /// After listing/getting the requested object, watch for changes.
    #[arg(short = 'w', long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    watch: bool,
    /// Watch for changes to the requested object(s), without listing/getting first.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    watch_only: bool,
    /// Output watch event objects when --watch or --watch-only is used.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    output_watch_events: bool,
    /// Raw URI to request from the server (uses the kubeconfig transport).
    #[arg(long)]
    raw: Option<String>,
    /// If the requested object does not exist the command will return exit code 0.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    ignore_not_found: bool,
    /// If true, keep the managedFields when printing objects in JSON or YAML format.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    show_managed_fields: bool,
    /// When using the default or custom-column output format, don't print headers.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    no_headers: bool,
    /// When printing, show all labels as the last column.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    show_labels: bool,
    /// Label keys to present as columns (`-L key1,key2` or repeated).
    #[arg(short = 'L', long = "label-columns", value_delimiter = ',')]
    label_columns: Vec<String>,
    /// If present, list the resource type for the requested object(s).
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    show_kind: bool,
    /// If true, ignore any errors in templates when a field or map key is
    /// missing in the template (jsonpath output formats).
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "true", action = clap::ArgAction::Set)]
    allow_missing_template_keys: bool,
    /// Fetch this subresource (status, scale) of the named objects.
    #[arg(long)]
    subresource: Option<String>,
    /// Sort list types using this field specification (a JSONPath, e.g. `.metadata.name`).
    #[arg(long)]
    sort_by: Option<String>,
}

/// Runs the command.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    if let Some(raw) = &args.raw {
        return raw_get(f, raw).await;
    }
    let format =
        OutputFormat::parse_with_template(args.output.as_deref(), args.template.as_deref())?
            .allow_missing_keys(args.allow_missing_template_keys);
    let sort_by = match &args.sort_by {
        Some(s) => Some(SortBy::parse(s).map_err(CmdError::new)?),
        None => None,
    };
    if args.resources.is_empty() {
        return Err(CmdError::raw(NO_RESOURCE_TYPE));
    }
    // kubectl checks -o itself: --template alone does not refuse labels.
    let output = args.output.as_deref().unwrap_or_default();
    if args.show_labels && !output.is_empty() && output != "wide" {
        return Err(CmdError::new(format!(
            "--show-labels option cannot be used with {output} printer"
        )));
    }
    check_names(&args)?;
    let (namespace, _) = f.namespace()?;
    let client = f.client()?;
    let targets = resolve(f, &args.resources).await?;
    let mut g = Get {
        args,
        format,
        sort_by,
        namespace,
        client,
        out: String::new(),
        errors: Vec::new(),
    };
    if g.args.watch || g.args.watch_only {
        return watch::run(&mut g, &targets).await;
    }
    if g.format.is_table() {
        g.print_tables(&targets).await;
    } else {
        g.print_objects(&targets).await?;
    }
    g.finish(&targets)
}

/// The resource builder's refusals: names with selectors, names with `-A`.
fn check_names(args: &Args) -> CmdResult {
    let arg_refs: Vec<&str> = args.resources.iter().map(String::as_str).collect();
    let has_names = match parse_resource_args(&arg_refs).map_err(mapping_error)? {
        ResourceArgs::Empty => false,
        ResourceArgs::Types { names, .. } => !names.is_empty(),
        ResourceArgs::Tuples(t) => !t.is_empty(),
    };
    if !has_names {
        if args.subresource.as_deref().is_some_and(|s| !s.is_empty()) {
            return Err(CmdError::new(
                "subresource cannot be used when bulk resources are specified",
            ));
        }
        return Ok(());
    }
    let set = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.is_empty());
    if set(&args.selector) || set(&args.field_selector) {
        return Err(CmdError::new(
            "name cannot be provided when a selector is specified",
        ));
    }
    if args.all_namespaces {
        return Err(CmdError::new(
            "a resource cannot be retrieved by name across all namespaces",
        ));
    }
    Ok(())
}

/// Resolves resource arguments, printing kubectl's short-name warnings.
pub(super) async fn resolve(
    f: &mut Factory,
    resources: &[String],
) -> CmdResult<Vec<ResourceTarget>> {
    let arg_refs: Vec<&str> = resources.iter().map(String::as_str).collect();
    let mapper = f.rest_mapper()?;
    let targets = mapper
        .resolve_args(&arg_refs)
        .await
        .map_err(mapping_error)?;
    if let Ok(m) = mapper.mapper().await {
        if let Some(first) = arg_refs.first().filter(|a| !a.contains('/')) {
            for t in first.split(',') {
                for w in m.shortcut_warnings(t) {
                    eprintln!("Warning: {w}");
                }
            }
        }
    }
    Ok(targets)
}

/// A mapping failure as kubectl prints it.
pub fn mapping_error(e: MappingError) -> CmdError {
    match e {
        // client-go cannot decode a discovery 401 body and words it generically.
        MappingError::Discovery(err) if err.api().is_some_and(|a| a.code == 401) => CmdError::new(
            "You must be logged in to the server (the server has asked for the client to provide credentials)",
        ),
        MappingError::Discovery(err) => CmdError::raw(standard_error_message(&err)),
        other => CmdError::new(other.kubectl_message()),
    }
}

/// One `get` invocation: flags, output so far and the errors kubectl
/// reports after printing what it could.
pub(super) struct Get {
    args: Args,
    format: OutputFormat,
    sort_by: Option<SortBy>,
    namespace: String,
    client: RestClient,
    out: String,
    errors: Vec<String>,
}

impl Get {
    /// The namespace to ask in: none for cluster-scoped resources or `-A`.
    fn namespace_for(&self, mapping: &RestMapping) -> Option<&str> {
        match mapping.scope {
            Scope::Root => None,
            Scope::Namespace if self.args.all_namespaces => None,
            Scope::Namespace => Some(self.namespace.as_str()),
        }
    }

    /// A request on the mapping's collection (or object), selectors applied to lists.
    fn request(&self, target: &ResourceTarget) -> Request {
        let m = &target.mapping;
        let gv = GroupVersion::new(m.gvr.group.clone(), m.gvr.version.clone());
        let req = self
            .client
            .get()
            .group_version(&gv)
            .namespace_if(self.namespace_for(m))
            .resource(m.gvr.resource.clone());
        match &target.name {
            Some(name) => match self.args.subresource.as_deref().filter(|s| !s.is_empty()) {
                Some(sub) => req.name(name.clone()).subresource(sub),
                None => req.name(name.clone()),
            },
            None => {
                let mut req = req;
                if let Some(s) = self.args.selector.as_deref().filter(|s| !s.is_empty()) {
                    req = req.param("labelSelector", s);
                }
                if let Some(s) = self
                    .args
                    .field_selector
                    .as_deref()
                    .filter(|s| !s.is_empty())
                {
                    req = req.param("fieldSelector", s);
                }
                req
            }
        }
    }

    fn table_request(&self, target: &ResourceTarget) -> Request {
        let req = self.request(target).header("Accept", TABLE_ACCEPT);
        if self.sort_by.is_some() {
            req.param("includeObject", "Object")
        } else {
            req
        }
    }

    /// Records a failed request unless it is a NotFound kubectl was told to
    /// ignore; a failed list says which list, as kubectl's builder does.
    fn record_error(&mut self, target: &ResourceTarget, err: keelson_client::Error) {
        if self.args.ignore_not_found && err.is_not_found() {
            return;
        }
        let err = match err {
            keelson_client::Error::Api(mut api)
                if target.name.is_none() && matches!(api.code, 400 | 404) =>
            {
                let gvr = &target.mapping.gvr;
                let gvr = format!("{}/{}, Resource={}", gvr.group, gvr.version, gvr.resource);
                let label = self.args.selector.clone().unwrap_or_default();
                let field = self.args.field_selector.clone().unwrap_or_default();
                api.message = if label.is_empty() && field.is_empty() {
                    format!("Unable to list {gvr:?}: {}", api.message)
                } else {
                    format!(
                        "Unable to find {gvr:?} that match label selector {label:?}, field selector {field:?}: {}",
                        api.message
                    )
                };
                keelson_client::Error::Api(api)
            }
            other => other,
        };
        self.errors.push(standard_error_message(&err));
    }

    /// Every page of a list (`limit`/`continue`), or the one object asked for.
    async fn fetch(&mut self, target: &ResourceTarget, table: bool) -> Vec<Value> {
        let mut pages = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut req = if table {
                self.table_request(target)
            } else {
                self.request(target)
            };
            if target.name.is_none()
                && self.args.chunk_size > 0
                && !(table && self.sort_by.is_some())
            {
                req = req.param("limit", self.args.chunk_size.to_string());
                if let Some(t) = &token {
                    req = req.param("continue", t.clone());
                }
            }
            match req.json().await {
                Ok(page) => {
                    token = page
                        .pointer("/metadata/continue")
                        .and_then(Value::as_str)
                        .filter(|t| !t.is_empty())
                        .map(str::to_string);
                    pages.push(page);
                    if token.is_none() || target.name.is_some() {
                        return pages;
                    }
                }
                Err(e) => {
                    self.record_error(target, e);
                    return pages;
                }
            }
        }
    }

    /// Whether names get a `kind/` prefix: `--show-kind` or several kinds asked for.
    fn with_kind(&self, targets: &[ResourceTarget]) -> bool {
        self.args.show_kind
            || targets.windows(2).any(|w| {
                w[0].mapping.gvk.group != w[1].mapping.gvk.group
                    || w[0].mapping.gvk.kind != w[1].mapping.gvk.kind
            })
    }

    fn table_options(&self, mapping: &RestMapping, with_kind: bool) -> TableOptions {
        let kind_prefix = with_kind.then(|| {
            let kind = mapping.gvk.kind.to_lowercase();
            if mapping.gvk.group.is_empty() {
                kind
            } else {
                format!("{kind}.{}", mapping.gvk.group)
            }
        });
        TableOptions {
            no_headers: self.args.no_headers,
            wide: self.format == OutputFormat::Wide,
            with_namespace: self.args.all_namespaces && mapping.scope == Scope::Namespace,
            show_labels: self.args.show_labels,
            label_columns: self.args.label_columns.clone(),
            kind_prefix,
        }
    }

    /// The human-readable path: one table per resource type, a blank line
    /// between types that printed rows.
    async fn print_tables(&mut self, targets: &[ResourceTarget]) {
        let with_kind = self.with_kind(targets);
        // (printer, rows it printed) for the current resource type.
        let mut current: Option<(TablePrinter, usize)> = None;
        let mut last_mapping: Option<&RestMapping> = None;
        for target in targets {
            if last_mapping != Some(&target.mapping) {
                if let Some((p, rows)) = current.take() {
                    self.push_table(p, rows);
                }
                current = Some((
                    TablePrinter::new(self.table_options(&target.mapping, with_kind)),
                    0,
                ));
                last_mapping = Some(&target.mapping);
            }
            for mut page in self.fetch(target, true).await {
                if let Some(sort_by) = &self.sort_by {
                    sort_rows(&mut page, sort_by);
                }
                if let Some((p, rows)) = current.as_mut() {
                    *rows += p.print_table(&page, None);
                }
            }
        }
        if let Some((p, rows)) = current {
            self.push_table(p, rows);
        }
    }

    /// Appends one resource type's table; types that printed rows are
    /// separated by a blank line unless headers are off.
    fn push_table(&mut self, mut printer: TablePrinter, rows: usize) {
        if rows == 0 {
            return;
        }
        if !self.out.is_empty() && !self.args.no_headers {
            self.out.push('\n');
        }
        self.out.push_str(&printer.flush());
    }

    /// json, yaml, name, jsonpath and custom columns: every object in one
    /// `List`, or the object itself when one name was asked for.
    async fn print_objects(&mut self, targets: &[ResourceTarget]) -> CmdResult {
        let single = targets.len() == 1 && targets[0].name.is_some();
        let mut items = Vec::new();
        for target in targets {
            for page in self.fetch(target, false).await {
                items.extend(page_items(page));
            }
        }
        if self.format.hides_managed_fields() && !self.args.show_managed_fields {
            items.iter_mut().for_each(printers::strip_managed_fields);
        }
        if let Some(sort_by) = &self.sort_by {
            items = sort_by.sort(items, |v| Some(v)).map_err(CmdError::new)?;
        }
        if single && items.len() == 1 {
            let obj = items.remove(0);
            self.out.push_str(&printers::render(
                &obj,
                &self.format,
                !self.args.no_headers,
            )?);
            return Ok(());
        }
        // kubectl's printGeneric: a missing single object prints nothing but
        // the error; otherwise the (possibly empty) list is printed.
        if (single && !self.errors.is_empty()) || (items.is_empty() && self.args.ignore_not_found) {
            return Ok(());
        }
        let list = json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}});
        match printers::render(&list, &self.format, !self.args.no_headers) {
            Ok(text) => self.out.push_str(&text),
            // kubectl aggregates a printer failure with the fetch errors:
            // one message a line, without the `error: ` prefix.
            Err(e) if !self.errors.is_empty() => {
                let message = e.message.strip_prefix("error: ").unwrap_or(&e.message);
                // Each line is the error and a newline, so a message that
                // ends in newlines (jsonpath's) keeps one more.
                let line = if message.ends_with('\n') {
                    format!("{message}\n")
                } else {
                    message.to_string()
                };
                self.errors.push(line);
            }
            Err(e) => return Err(e),
        }
        Ok(())
    }

    /// Prints the output, then kubectl's "No resources found" or the errors.
    fn finish(self, targets: &[ResourceTarget]) -> CmdResult {
        let mut stdout = std::io::stdout();
        printers::write_out(&mut stdout, &self.out)?;
        let table = self.format.is_table();
        if table && self.out.is_empty() && self.errors.is_empty() && !self.args.ignore_not_found {
            let all_namespaced = !self.args.all_namespaces
                && targets.iter().all(|t| t.mapping.scope == Scope::Namespace);
            if all_namespaced {
                eprintln!("No resources found in {} namespace.", self.namespace);
            } else {
                eprintln!("No resources found");
            }
        }
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(CmdError::raw(self.errors.join("\n")))
        }
    }
}

/// The objects of a list answer with their `apiVersion` and `kind` filled
/// in (servers leave them out of items), or the single object answered.
fn page_items(page: Value) -> Vec<Value> {
    if !printers::is_list(&page) {
        return vec![page];
    }
    let api_version = page.get("apiVersion").cloned().unwrap_or(Value::Null);
    let kind = page
        .get("kind")
        .and_then(Value::as_str)
        .map(|k| k.strip_suffix("List").unwrap_or(k).to_string());
    let Value::Object(mut map) = page else {
        return Vec::new();
    };
    let Some(Value::Array(items)) = map.remove("items") else {
        return Vec::new();
    };
    items
        .into_iter()
        .map(|mut item| {
            if let Value::Object(obj) = &mut item {
                if !obj.contains_key("apiVersion") && !api_version.is_null() {
                    obj.insert("apiVersion".into(), api_version.clone());
                }
                if let (false, Some(kind)) = (obj.contains_key("kind"), &kind) {
                    obj.insert("kind".into(), Value::String(kind.clone()));
                }
            }
            item
        })
        .collect()
}

/// Sorts a Table's rows by their embedded objects. When no row has the
/// field, kubectl drops the table without a word; so does this.
fn sort_rows(table: &mut Value, sort_by: &SortBy) {
    if let Some(rows) = table.get_mut("rows").and_then(Value::as_array_mut) {
        let taken = std::mem::take(rows);
        *rows = sort_by
            .sort(taken, |row| row.get("object"))
            .unwrap_or_default();
    }
}

/// `get --raw /path`: the body as the server sent it.
async fn raw_get(f: &mut Factory, uri: &str) -> CmdResult {
    let client = f.client()?;
    let body = client.get().request_uri(uri).bytes().await?;
    let mut stdout = std::io::stdout();
    use std::io::Write;
    stdout
        .write_all(&body)
        .and_then(|_| stdout.flush())
        .map_err(|e| CmdError::new(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_items_get_kind_and_api_version() {
        let page = json!({"kind": "DeploymentList", "apiVersion": "apps/v1", "items": [{"metadata": {"name": "a"}}]});
        assert_eq!(
            page_items(page),
            vec![json!({"metadata": {"name": "a"}, "apiVersion": "apps/v1", "kind": "Deployment"})]
        );
    }
}
