//! `create deployment`, `create job`, `create cronjob`: pod-running kinds.

use super::common::{kinds, metadata, new_object, CreateRequest, ObjectFlags};
use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use serde_json::{json, Map, Value};
use std::collections::HashSet;

/// Flags of `create deployment NAME --image=image -- [COMMAND] [args...]`.
#[derive(Debug, clap::Args)]
pub struct DeploymentArgs {
    /// NAME, then the command for the container after `--`.
    pub args: Vec<String>,
    /// The command after `--`.
    #[arg(last = true)]
    pub command: Vec<String>,
    /// Image names to run. A deployment can have multiple images set for multi-container pod.
    #[arg(long = "image", value_delimiter = ',')]
    pub images: Vec<String>,
    /// The containerPort that this deployment exposes.
    #[arg(long, default_value_t = -1, allow_negative_numbers = true)]
    pub port: i32,
    /// Number of replicas to create. Default is 1.
    #[arg(short = 'r', long, default_value_t = 1, allow_negative_numbers = true)]
    pub replicas: i32,
    /// Shared object flags.
    #[command(flatten)]
    pub flags: ObjectFlags,
}

/// Runs `create deployment`.
pub async fn deployment(f: &mut Factory, a: DeploymentArgs, manager: &str) -> CmdResult {
    super::common::require_flags(&[("image", !a.images.is_empty())])?;
    let (name, command) = split_name_command(&a.args, &a.command, "create deployment")?;
    if a.images.len() > 1 && !command.is_empty() {
        return Err(CmdError::new(
            "cannot specify multiple --image options and command",
        ));
    }
    let obj = build_deployment(&name, &a.images, a.port, a.replicas, &command);
    let req = CreateRequest {
        target: kinds::DEPLOYMENT,
        object: obj,
        flags: &a.flags,
        default_manager: manager,
    };
    super::common::create_and_print(f, req).await.map(drop)
}

/// kubectl's `createDeployment`: label `app=NAME`, one container per image.
pub fn build_deployment(
    name: &str,
    images: &[String],
    port: i32,
    replicas: i32,
    command: &[String],
) -> Map<String, Value> {
    let mut obj = new_object(&kinds::DEPLOYMENT, name);
    let labels = json!({ "app": name });
    metadata(&mut obj).insert("labels".into(), labels.clone());
    let mut containers = Vec::new();
    let mut taken = HashSet::new();
    for image in images {
        let mut c = Map::new();
        c.insert(
            "name".into(),
            Value::String(container_name(image, &mut taken)),
        );
        c.insert("image".into(), Value::String(image.clone()));
        if !command.is_empty() {
            c.insert("command".into(), json!(command));
        }
        if port >= 0 && containers.is_empty() {
            c.insert("ports".into(), json!([{ "containerPort": port }]));
        }
        c.insert("resources".into(), json!({}));
        containers.push(Value::Object(c));
    }
    obj.insert(
        "spec".into(),
        json!({
            "replicas": replicas,
            "selector": { "matchLabels": labels },
            "template": {
                "metadata": { "labels": labels },
                "spec": { "containers": containers },
            },
            "strategy": {},
        }),
    );
    obj.insert("status".into(), json!({}));
    obj
}

/// The container name kubectl derives from an image: last path segment,
/// tag and digest dropped, `_` → `-`, and a random suffix on a repeat.
pub fn container_name(image: &str, taken: &mut HashSet<String>) -> String {
    let mut name = image.rsplit('/').next().unwrap_or(image);
    name = name.split(':').next().unwrap_or(name);
    name = name.split('@').next().unwrap_or(name);
    let mut name = name.replace('_', "-");
    if taken.contains(&name) {
        name = format!("{name}-{}", random_suffix(5));
    }
    taken.insert(name.clone());
    name
}

/// apimachinery's `rand.String`: letters without vowels and digits that read like them.
pub fn random_suffix(n: usize) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0x9e37_79b9)
        ^ (u64::from(std::process::id()) << 32);
    (0..n)
        .map(|_| {
            // xorshift: enough spread for a name suffix, no extra crate.
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            ALPHABET[(seed % ALPHABET.len() as u64) as usize] as char
        })
        .collect()
}

/// NAME from the arguments before `--`, the command from those after.
fn split_name_command(
    args: &[String],
    after_dash: &[String],
    command: &str,
) -> CmdResult<(String, Vec<String>)> {
    let name = super::common::name_required(args, command)?;
    Ok((name, after_dash.to_vec()))
}

/// Flags of `create job NAME --image=image [--from=cronjob/name] -- [COMMAND] [args...]`.
#[derive(Debug, clap::Args)]
pub struct JobArgs {
    /// NAME, then the command after `--`.
    pub args: Vec<String>,
    /// The command after `--`.
    #[arg(last = true)]
    pub command: Vec<String>,
    /// Image name to run.
    #[arg(long, default_value = "")]
    pub image: String,
    /// The name of the resource to create a Job from (only cronjob is supported).
    #[arg(long, default_value = "")]
    pub from: String,
    /// Shared object flags.
    #[command(flatten)]
    pub flags: ObjectFlags,
}

/// Runs `create job`.
pub async fn job(f: &mut Factory, a: JobArgs, manager: &str) -> CmdResult {
    let (name, command) = split_name_command(&a.args, &a.command, "create job")?;
    if a.image.is_empty() && a.from.is_empty() {
        return Err(CmdError::new("either --image or --from must be specified"));
    }
    if !a.image.is_empty() && !a.from.is_empty() {
        return Err(CmdError::new("either --image or --from must be specified"));
    }
    if !command.is_empty() && !a.from.is_empty() {
        return Err(CmdError::new("cannot specify --from and command"));
    }
    let obj = if a.from.is_empty() {
        build_job(&name, &a.image, &command)
    } else {
        job_from_cronjob(f, &name, &a.from).await?
    };
    let req = CreateRequest {
        target: kinds::JOB,
        object: obj,
        flags: &a.flags,
        default_manager: manager,
    };
    super::common::create_and_print(f, req).await.map(drop)
}

/// kubectl's `createJob`: one container named after the job, restart Never.
pub fn build_job(name: &str, image: &str, command: &[String]) -> Map<String, Value> {
    let mut obj = new_object(&kinds::JOB, name);
    obj.insert(
        "spec".into(),
        json!({ "template": pod_template(name, image, command, "Never") }),
    );
    obj.insert("status".into(), json!({}));
    obj
}

fn pod_template(name: &str, image: &str, command: &[String], restart: &str) -> Value {
    let mut c = Map::new();
    c.insert("name".into(), json!(name));
    c.insert("image".into(), json!(image));
    if !command.is_empty() {
        c.insert("command".into(), json!(command));
    }
    c.insert("resources".into(), json!({}));
    json!({
        "metadata": {},
        "spec": { "containers": [c], "restartPolicy": restart },
    })
}

/// kubectl's `createJobFromCronJob`: the CronJob's job template, owned by
/// the CronJob and annotated as a manual instantiation.
async fn job_from_cronjob(
    f: &mut Factory,
    name: &str,
    from: &str,
) -> CmdResult<Map<String, Value>> {
    let Some((kind, cj_name)) = from.split_once('/') else {
        return Err(CmdError::new(format!(
            "from must be of the form <resource>/<name>, got {from:?}"
        )));
    };
    let mapping = f
        .rest_mapper()?
        .mapping_for(kind)
        .await
        .map_err(|e| CmdError::new(e.kubectl_message()))?;
    if mapping.gvk.group != "batch" || mapping.gvk.kind != "CronJob" {
        // kubectl names the Go type it got: `*v1.Deployment`.
        return Err(CmdError::new(format!(
            "unknown object type *{}.{}",
            mapping.gvk.version, mapping.gvk.kind
        )));
    }
    let (namespace, _) = f.namespace()?;
    let client = f.client()?;
    let cronjob = client
        .get()
        .abs_path(kinds::CRONJOB.object_path(&namespace, cj_name))
        .json()
        .await?;
    let template = cronjob
        .pointer("/spec/jobTemplate")
        .cloned()
        .unwrap_or(json!({}));
    let mut annotations = Map::new();
    annotations.insert("cronjob.kubernetes.io/instantiate".into(), json!("manual"));
    if let Some(Value::Object(a)) = template.pointer("/metadata/annotations") {
        for (k, v) in a {
            annotations.insert(k.clone(), v.clone());
        }
    }
    let mut obj = new_object(&kinds::JOB, name);
    let meta = metadata(&mut obj);
    if let Some(labels) = template.pointer("/metadata/labels") {
        meta.insert("labels".into(), labels.clone());
    }
    meta.insert(
        "annotations".into(),
        super::common::sorted(Value::Object(annotations)),
    );
    meta.insert(
        "ownerReferences".into(),
        json!([{
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "name": cronjob.pointer("/metadata/name").cloned().unwrap_or(json!(cj_name)),
            "uid": cronjob.pointer("/metadata/uid").cloned().unwrap_or(json!("")),
            "controller": true,
        }]),
    );
    obj.insert(
        "spec".into(),
        template.get("spec").cloned().unwrap_or(json!({})),
    );
    obj.insert("status".into(), json!({}));
    Ok(obj)
}

/// Flags of `create cronjob NAME --image=image --schedule='0/5 * * * ?' -- [COMMAND] [args...]`.
#[derive(Debug, clap::Args)]
pub struct CronJobArgs {
    /// NAME, then the command after `--`.
    pub args: Vec<String>,
    /// The command after `--`.
    #[arg(last = true)]
    pub command: Vec<String>,
    /// Image name to run.
    #[arg(long)]
    pub image: Option<String>,
    /// A schedule in the Cron format the job should be run with.
    #[arg(long)]
    pub schedule: Option<String>,
    /// job's restart policy. supported values: OnFailure, Never
    #[arg(long, default_value = "")]
    pub restart: String,
    /// Shared object flags.
    #[command(flatten)]
    pub flags: ObjectFlags,
}

/// Runs `create cronjob`.
pub async fn cronjob(f: &mut Factory, a: CronJobArgs, manager: &str) -> CmdResult {
    super::common::require_flags(&[
        ("image", a.image.is_some()),
        ("schedule", a.schedule.is_some()),
    ])?;
    let (name, command) = split_name_command(&a.args, &a.command, "create cronjob")?;
    let image = a.image.clone().unwrap_or_default();
    let schedule = a.schedule.clone().unwrap_or_default();
    let restart = match a.restart.as_str() {
        "" => "OnFailure",
        "OnFailure" => "OnFailure",
        "Never" => "Never",
        other => return Err(CmdError::new(format!("invalid restart policy: {other}"))),
    };
    let obj = build_cronjob(&name, &image, &schedule, restart, &command);
    let req = CreateRequest {
        target: kinds::CRONJOB,
        object: obj,
        flags: &a.flags,
        default_manager: manager,
    };
    super::common::create_and_print(f, req).await.map(drop)
}

/// kubectl's `createCronJob`.
pub fn build_cronjob(
    name: &str,
    image: &str,
    schedule: &str,
    restart: &str,
    command: &[String],
) -> Map<String, Value> {
    let mut obj = new_object(&kinds::CRONJOB, name);
    obj.insert(
        "spec".into(),
        json!({
            "schedule": schedule,
            "jobTemplate": {
                "metadata": { "name": name },
                "spec": { "template": pod_template(name, image, command, restart) },
            },
        }),
    );
    obj.insert("status".into(), json!({}));
    obj
}

#[cfg(test)]
mod tests {
    use super::*;
    use keelson_apimachinery::codec::to_json;

    #[test]
    fn deployment_matches_kubectl() {
        let images = vec!["a".to_string(), "b:1.0".to_string()];
        let d = build_deployment("d2", &images, 80, 2, &[]);
        assert_eq!(
            to_json(&Value::Object(d)),
            r#"{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"d2","labels":{"app":"d2"}},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"d2"}},"template":{"metadata":{"labels":{"app":"d2"}},"spec":{"containers":[{"name":"a","image":"a","ports":[{"containerPort":80}],"resources":{}},{"name":"b","image":"b:1.0","resources":{}}]}},"strategy":{}},"status":{}}"#
        );
    }

    #[test]
    fn container_names_from_images() {
        let mut taken = HashSet::new();
        assert_eq!(
            container_name("registry.io/team/my_app:1.2", &mut taken),
            "my-app"
        );
        assert_eq!(container_name("nginx@sha256:abc", &mut taken), "nginx");
        let again = container_name("nginx", &mut taken);
        assert!(again.starts_with("nginx-") && again.len() == 11, "{again}");
    }

    #[test]
    fn cronjob_matches_kubectl() {
        let c = build_cronjob("cj", "busybox", "*/1 * * * *", "Never", &["date".into()]);
        assert_eq!(
            to_json(&Value::Object(c)),
            r#"{"kind":"CronJob","apiVersion":"batch/v1","metadata":{"name":"cj"},"spec":{"schedule":"*/1 * * * *","jobTemplate":{"metadata":{"name":"cj"},"spec":{"template":{"metadata":{},"spec":{"containers":[{"name":"cj","image":"busybox","command":["date"],"resources":{}}],"restartPolicy":"Never"}}}}},"status":{}}"#
        );
    }

    #[test]
    fn job_matches_kubectl() {
        let j = build_job("j", "busybox", &["echo".into(), "hi".into()]);
        assert_eq!(
            to_json(&Value::Object(j)),
            r#"{"kind":"Job","apiVersion":"batch/v1","metadata":{"name":"j"},"spec":{"template":{"metadata":{},"spec":{"containers":[{"name":"j","image":"busybox","command":["echo","hi"],"resources":{}}],"restartPolicy":"Never"}}},"status":{}}"#
        );
    }
}
