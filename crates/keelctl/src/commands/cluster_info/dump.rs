//! `keelctl cluster-info dump`: nodes, then per namespace its events,
//! replication controllers, services, daemon sets, deployments, replica
//! sets, pods and every pod container's logs, to stdout or into a
//! directory tree, as kubectl's `ClusterInfoDumpOptions` writes them.

use super::typed::typed_list;
use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use crate::printers::{self, OutputFormat};
use keelson_apimachinery::codec;
use keelson_apimachinery::gvk::GroupVersion;
use keelson_client::RestClient;
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

/// The formats kubectl's `PrintFlags` (no table printer) accept.
const ALLOWED_FORMATS: &str = "go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,kyaml,name,template,templatefile,yaml";

/// What each namespace's dump holds, in kubectl's order: API group
/// version, resource, list kind, and the file it goes to.
const NAMESPACED: &[(&str, &str, &str, &str)] = &[
    ("v1", "events", "EventList", "events"),
    (
        "v1",
        "replicationcontrollers",
        "ReplicationControllerList",
        "replication-controllers",
    ),
    ("v1", "services", "ServiceList", "services"),
    ("apps/v1", "daemonsets", "DaemonSetList", "daemonsets"),
    ("apps/v1", "deployments", "DeploymentList", "deployments"),
    ("apps/v1", "replicasets", "ReplicaSetList", "replicasets"),
    ("v1", "pods", "PodList", "pods"),
];

/// Flags of `keelctl cluster-info dump`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Arguments, which kubectl ignores.
    #[arg(hide = true)]
    ignored: Vec<String>,
    /// If true, dump all namespaces.  If true, --namespaces is ignored.
    #[arg(short = 'A', long)]
    all_namespaces: bool,
    /// If true, ignore any errors in templates when a field or map key is missing in the template.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "true", action = clap::ArgAction::Set)]
    allow_missing_template_keys: bool,
    /// A comma separated list of namespaces to dump.
    #[arg(long, value_delimiter = ',')]
    namespaces: Vec<String>,
    /// Output format (json when not given, unless --template asks for go-template).
    #[arg(short = 'o', long)]
    output: Option<String>,
    /// Where to output the files.  If empty or '-' uses stdout, otherwise creates a directory hierarchy in that directory
    #[arg(long, default_value = "")]
    output_directory: String,
    /// The length of time (like 5s, 2m, or 3h, higher than zero) to wait until at least one pod is running
    #[arg(long, default_value = "20s", value_parser = pod_running_timeout)]
    pod_running_timeout: Duration,
    /// If true, keep the managedFields when printing objects in JSON or YAML format.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "false", action = clap::ArgAction::Set)]
    show_managed_fields: bool,
    /// Template string or path to template file to use when -o=go-template, -o=go-template-file.
    #[arg(long)]
    template: Option<String>,
}

/// A Go duration; zero for one that is not positive, which kubectl
/// rejects after parsing.
fn pod_running_timeout(text: &str) -> Result<Duration, String> {
    let invalid = || format!("time: invalid duration {text:?}");
    match text.strip_prefix('-') {
        Some(rest) => crate::flags::parse_duration(rest)
            .map(|_| Duration::ZERO)
            .ok_or_else(invalid),
        None => crate::flags::parse_duration(text).ok_or_else(invalid),
    }
}

/// Where one printed list or log goes: stdout, or a file of the tree.
struct Sink {
    dir: Option<PathBuf>,
}

impl Sink {
    /// Writes `text` to stdout, or to `<dir>/<name><ext>` (created, parents too).
    fn write(&self, name: &str, ext: &str, text: &[u8]) -> CmdResult {
        let Some(dir) = &self.dir else {
            let mut out = std::io::stdout();
            return out
                .write_all(text)
                .and_then(|_| out.flush())
                .map_err(|e| CmdError::new(e.to_string()));
        };
        let file = dir.join(format!("{name}{ext}"));
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                CmdError::new(format!(
                    "mkdir {}: {}",
                    first_missing(parent).display(),
                    go_reason(&e)
                ))
            })?;
        }
        std::fs::write(&file, text)
            .map_err(|e| CmdError::new(format!("open {}: {}", file.display(), go_reason(&e))))
    }
}

/// What Go's `err.Error()` says for a failed request: a server status is
/// its message alone (as `StatusError` words it).
fn go_error(e: &keelson_client::Error) -> String {
    match e.api() {
        Some(status) => status.message.clone(),
        None => e.to_string(),
    }
}

/// The directory Go's `os.MkdirAll` names when it fails: the first one
/// below the deepest that exists.
fn first_missing(dir: &std::path::Path) -> &std::path::Path {
    let mut missing = dir;
    for ancestor in dir.ancestors().skip(1) {
        if ancestor.exists() {
            break;
        }
        missing = ancestor;
    }
    missing
}

/// The `syscall.Errno` text Go puts after a failed path operation.
fn go_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::AlreadyExists => "file exists".into(),
        std::io::ErrorKind::NotADirectory => "not a directory".into(),
        std::io::ErrorKind::IsADirectory => "is a directory".into(),
        _ => e.to_string(),
    }
}

/// The printer `-o`/`--template` ask for; kubectl's `PrintFlags` has no table.
fn output_format(args: &Args) -> CmdResult<OutputFormat> {
    let unmatched = || {
        CmdError::new(format!(
            "unable to match a printer suitable for the output format {:?}, allowed formats are: {ALLOWED_FORMATS}",
            args.output.as_deref().unwrap_or("json")
        ))
    };
    let output = args.output.as_deref().unwrap_or("json");
    // A --template without -o means go-template; otherwise json is the default.
    let template = args.template.as_deref().filter(|t| !t.is_empty());
    let requested = args
        .output
        .as_deref()
        .or(template.is_none().then_some("json"));
    let name = output.split('=').next().unwrap_or_default();
    if matches!(name, "wide" | "custom-columns" | "custom-columns-file") {
        return Err(unmatched());
    }
    let format = OutputFormat::parse_with_template(requested, template).map_err(|e| {
        // The shared parser lists the table formats too, which this command lacks.
        if e.message.contains("unable to match a printer") {
            unmatched()
        } else {
            e
        }
    })?;
    if format.is_table() {
        return Err(unmatched());
    }
    Ok(format.allow_missing_keys(args.allow_missing_template_keys))
}

/// Runs the command.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    let format = output_format(&args)?;
    if args.pod_running_timeout.is_zero() {
        return Err(CmdError::new(
            "--pod-running-timeout must be higher than zero",
        ));
    }
    let client = f.client()?;
    let (current, _) = f.namespace()?;
    let dest = args.output_directory.as_str();
    let sink = Sink {
        dir: (!dest.is_empty() && dest != "-").then(|| PathBuf::from(dest)),
    };
    // kubectl names files after the `-o` value, json when not given.
    let ext = match args.output.as_deref().unwrap_or("json") {
        "json" => ".json",
        "yaml" => ".yaml",
        _ => ".txt",
    };
    // kubectl's one YAML printer writes `---` before every object but
    // its first, whichever file or stream that object goes to.
    let printed = std::cell::Cell::new(0usize);
    let print = |list: Value, kind: &str, version: &str, file: &str| -> CmdResult {
        let mut typed = typed_list(list, kind, version);
        if !args.show_managed_fields && format.hides_managed_fields() {
            printers::strip_managed_fields(&mut typed);
        }
        // `render` sorts keys as Go does for unstructured maps; these are
        // typed lists, whose JSON and KYAML keep the struct's order.
        let text = match &format {
            OutputFormat::Json => codec::to_json_pretty(&typed),
            OutputFormat::Kyaml => printers::kyaml::to_kyaml(&typed),
            OutputFormat::Yaml if printed.get() > 0 => {
                format!("---\n{}", printers::render(&typed, &format, true)?)
            }
            OutputFormat::Name => {
                return Err(CmdError::new(format!(
                    "list types are not supported by name printing: *{}.{kind}",
                    version.rsplit('/').next().unwrap_or(version)
                )))
            }
            OutputFormat::GoTemplate(t) => printers::render_go_template(t, &typed, true)?,
            _ => printers::render(&typed, &format, true)?,
        };
        printed.set(printed.get() + 1);
        sink.write(file, ext, text.as_bytes())
    };

    let nodes = client.get().resource("nodes").json().await?;
    print(nodes, "NodeList", "v1", "nodes")?;

    let namespaces = if args.all_namespaces {
        let list = client.get().resource("namespaces").json().await?;
        names(&list)
    } else if args.namespaces.is_empty() || args.namespaces == [""] {
        // pflag reads `--namespaces=` as no namespaces at all.
        vec!["kube-system".to_string(), current]
    } else {
        args.namespaces.clone()
    };
    for ns in &namespaces {
        for (version, resource, kind, file) in NAMESPACED {
            let list = list_in(&client, version, resource, ns).await?;
            let pods = (*resource == "pods").then(|| list.clone());
            print(list, kind, version, &format!("{ns}/{file}"))?;
            if let Some(pods) = pods {
                dump_logs(&client, &sink, ns, &pods).await?;
            }
        }
    }
    if let Some(dir) = &sink.dir {
        printers::write_out(
            &mut std::io::stdout(),
            &format!("Cluster info dumped to {}\n", dir.display()),
        )?;
    }
    Ok(())
}

/// `metadata.name` of each item of a list.
fn names(list: &Value) -> Vec<String> {
    list.get("items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|i| i.pointer("/metadata/name").and_then(Value::as_str))
        .map(str::to_string)
        .collect()
}

async fn list_in(client: &RestClient, version: &str, resource: &str, ns: &str) -> CmdResult<Value> {
    let request = match version.split_once('/') {
        Some((group, v)) => client.get().group_version(&GroupVersion::new(group, v)),
        None => client.get(),
    };
    Ok(request.namespace(ns).resource(resource).json().await?)
}

/// Each pod's init and regular containers' logs between kubectl's markers,
/// into `<ns>/<pod>/logs.txt` or stdout. A failed log request is written
/// where its log would be, and the dump goes on.
async fn dump_logs(client: &RestClient, sink: &Sink, ns: &str, pods: &Value) -> CmdResult {
    for pod in pods
        .get("items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = pod
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let pod_ns = pod
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let mut text: Vec<u8> = Vec::new();
        for field in ["initContainers", "containers"] {
            let containers = pod
                .pointer(&format!("/spec/{field}"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for c in containers {
                let cname = c.get("name").and_then(Value::as_str).unwrap_or_default();
                let subject = format!("container {cname} of pod {pod_ns}/{name}");
                text.extend(format!("==== START logs for {subject} ====\n").bytes());
                let logs = client
                    .get()
                    .namespace(pod_ns)
                    .resource("pods")
                    .name(name)
                    .subresource("log")
                    .param("container", cname)
                    .bytes()
                    .await;
                match logs {
                    Ok(body) => text.extend_from_slice(&body),
                    Err(e) => text.extend(format!("Request log error: {}\n", go_error(&e)).bytes()),
                }
                text.extend(format!("==== END logs for {subject} ====\n").bytes());
            }
        }
        // kubectl creates the log file even for a pod without containers.
        sink.write(&format!("{ns}/{name}/logs"), ".txt", &text)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_errors_read_as_go_prints_them() {
        let status = keelson_apimachinery::status::ApiError::new(
            501,
            "NotImplemented",
            "pods/log is not implemented",
        );
        assert_eq!(
            go_error(&keelson_client::Error::from(status)),
            "pods/log is not implemented"
        );
        let transport = keelson_client::Error::Transport("dial tcp: refused".into());
        assert_eq!(go_error(&transport), "dial tcp: refused");
    }

    #[test]
    fn pod_running_timeout_parses_go_durations() {
        assert_eq!(pod_running_timeout("20s"), Ok(Duration::from_secs(20)));
        assert_eq!(pod_running_timeout("0"), Ok(Duration::ZERO));
        assert_eq!(pod_running_timeout("-1m"), Ok(Duration::ZERO));
        assert_eq!(
            pod_running_timeout("x"),
            Err("time: invalid duration \"x\"".to_string())
        );
    }
}
