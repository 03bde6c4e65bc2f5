//! `keelctl api-resources`: the server's preferred resources as a table,
//! names, or an `APIResourceList` (kubectl's `APIResourceOptions`).

use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::printers::tabwriter::TabWriter;
use crate::printers::{self, sort_keys};
use keelson_apimachinery::codec;
use keelson_client::k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResource;
use keelson_client::restmapper::MappingError;
use serde_json::{json, Map, Value};

/// Flags of `keelctl api-resources`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Limit to resources in the specified API group.
    #[arg(long)]
    api_group: Option<String>,
    /// Use the cached list of resources if available.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    cached: bool,
    /// Limit to resources that belong to the specified categories.
    #[arg(long, value_delimiter = ',')]
    categories: Vec<String>,
    /// If false, non-namespaced resources will be returned, otherwise namespaced ones.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    namespaced: Option<bool>,
    /// Don't print headers.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false")]
    no_headers: bool,
    /// Output format. One of: (json, yaml, kyaml, name, wide).
    #[arg(short = 'o', long)]
    output: Option<String>,
    /// If non-empty, sort list of resources using specified field (name or kind).
    #[arg(long)]
    sort_by: Option<String>,
    /// Limit to resources that support the specified verbs.
    #[arg(long, value_delimiter = ',')]
    verbs: Vec<String>,
}

/// One resource with the group version it was found in.
struct GroupResource {
    group: String,
    group_version: String,
    version: String,
    resource: APIResource,
}

/// Runs the command.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    let output = args.output.clone().unwrap_or_default();
    if !matches!(
        output.as_str(),
        "" | "wide" | "name" | "json" | "yaml" | "kyaml"
    ) {
        return Err(CmdError::new(format!(
            "unable to match a printer suitable for the output format {output:?}, allowed formats are: json,kyaml,name,wide,yaml"
        )));
    }
    let sort_by = args.sort_by.clone().unwrap_or_default();
    if !matches!(sort_by.as_str(), "" | "name" | "kind") {
        return Err(CmdError::new("--sort-by accepts only name or kind"));
    }
    let discovery = f.discovery()?;
    if !args.cached {
        discovery.invalidate();
    }
    let found = discovery
        .server_preferred_resources()
        .await
        .map_err(|e| crate::commands::get::mapping_error(MappingError::Discovery(e)))?;
    let mut resources = Vec::new();
    for list in &found.resources {
        let (group, version) = match list.group_version.split_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), list.group_version.clone()),
        };
        for r in &list.resources {
            if r.verbs.is_empty() || !keep(&args, &group, r) {
                continue;
            }
            resources.push(GroupResource {
                group: group.clone(),
                group_version: list.group_version.clone(),
                version: version.clone(),
                resource: r.clone(),
            });
        }
    }
    resources.sort_by(|a, b| match sort_by.as_str() {
        "name" => a.resource.name.cmp(&b.resource.name),
        "kind" => a.resource.kind.cmp(&b.resource.kind),
        _ => a
            .group
            .cmp(&b.group)
            .then_with(|| a.resource.name.cmp(&b.resource.name)),
    });
    let text = match output.as_str() {
        "json" => codec::to_json_pretty(&resource_list(&resources)),
        "yaml" => codec::to_yaml(&sort_keys(&resource_list(&resources))),
        "kyaml" => printers::kyaml::to_kyaml(&resource_list(&resources)),
        _ => table(&resources, &output, args.no_headers),
    };
    printers::write_out(&mut std::io::stdout(), &text)?;
    match found.failure_message() {
        Some(message) => Err(CmdError::new(message)),
        None => Ok(()),
    }
}

/// The `--api-group`, `--namespaced`, `--verbs` and `--categories` filters.
fn keep(args: &Args, group: &str, r: &APIResource) -> bool {
    if args.api_group.as_deref().is_some_and(|g| g != group) {
        return false;
    }
    if args.namespaced.is_some_and(|n| n != r.namespaced) {
        return false;
    }
    if !args.verbs.iter().all(|v| r.verbs.contains(v)) {
        return false;
    }
    let categories = r.categories.as_deref().unwrap_or_default();
    args.categories.iter().all(|c| categories.contains(c))
}

fn table(resources: &[GroupResource], output: &str, no_headers: bool) -> String {
    let mut w = TabWriter::new();
    if !no_headers && output != "name" {
        let mut header = "NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND".to_string();
        if output == "wide" {
            header.push_str("\tVERBS\tCATEGORIES");
        }
        w.write_str(&header);
        w.write_str("\n");
    }
    for gr in resources {
        let r = &gr.resource;
        let line = match output {
            "name" if gr.group.is_empty() => r.name.clone(),
            "name" => format!("{}.{}", r.name, gr.group),
            _ => {
                let short = r.short_names.as_deref().unwrap_or_default().join(",");
                let mut line = format!(
                    "{}\t{short}\t{}\t{}\t{}",
                    r.name, gr.group_version, r.namespaced, r.kind
                );
                if output == "wide" {
                    let categories = r.categories.as_deref().unwrap_or_default().join(",");
                    line.push_str(&format!("\t{}\t{categories}", r.verbs.join(",")));
                }
                line
            }
        };
        w.write_str(&line);
        w.write_str("\n");
    }
    w.flush()
}

/// kubectl's `-o json|yaml` answer: one `APIResourceList` with every
/// resource's group and version, fields in Go's struct order.
fn resource_list(resources: &[GroupResource]) -> Value {
    let items: Vec<Value> = resources
        .iter()
        .map(|gr| {
            let r = &gr.resource;
            let mut m = Map::new();
            m.insert("name".into(), json!(r.name));
            m.insert("singularName".into(), json!(r.singular_name));
            m.insert("namespaced".into(), json!(r.namespaced));
            if !gr.group.is_empty() {
                m.insert("group".into(), json!(gr.group));
            }
            m.insert("version".into(), json!(gr.version));
            m.insert("kind".into(), json!(r.kind));
            m.insert("verbs".into(), json!(r.verbs));
            for (key, list) in [
                ("shortNames", &r.short_names),
                ("categories", &r.categories),
            ] {
                if let Some(l) = list.as_ref().filter(|l| !l.is_empty()) {
                    m.insert(key.into(), json!(l));
                }
            }
            if let Some(h) = r.storage_version_hash.as_ref().filter(|h| !h.is_empty()) {
                m.insert("storageVersionHash".into(), json!(h));
            }
            Value::Object(m)
        })
        .collect();
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "", "resources": items})
}
