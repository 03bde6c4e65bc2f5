//! `keelctl run NAME --image=IMAGE`: one pod, as kubectl 1.37 makes it
//! (kubectl no longer has `--replicas` or a Deployment generator here), and
//! with `--expose --port` a Service in front of it.

use crate::commands::create_generators::common::{
    create_and_print, kinds, metadata, new_object, require_flags, string_map, CreateRequest,
    ObjectFlags,
};
use crate::error::{CmdError, CmdResult};
use crate::factory::Factory;
use keelson_apimachinery::patch::apply_merge_patch;
use serde_json::{json, Map, Value};

/// kubectl's field manager for `run`.
pub const FIELD_MANAGER: &str = "kubectl-run";

/// Flags of `keelctl run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// NAME.
    args: Vec<String>,
    /// The container's arguments (or, with --command, its command) after `--`.
    #[arg(last = true)]
    after_dash: Vec<String>,
    /// The image for the container to run.
    #[arg(long)]
    image: Option<String>,
    /// The port that this container exposes.
    #[arg(long, default_value = "")]
    port: String,
    /// Environment variables to set in the container.
    #[arg(long = "env")]
    env: Vec<String>,
    /// Comma separated labels to apply to the pod. Will override previous values.
    #[arg(short = 'l', long, default_value = "")]
    labels: String,
    /// Annotations to apply to the pod.
    #[arg(long = "annotations")]
    annotations: Vec<String>,
    /// The restart policy for this Pod. Legal values [Always, OnFailure, Never].
    #[arg(long, default_value = "Always")]
    restart: String,
    /// If true and extra arguments are present, use them as the 'command' field in the container.
    #[arg(long)]
    command: bool,
    /// If true, create a ClusterIP service associated with the pod. Requires `--port`.
    #[arg(long)]
    expose: bool,
    /// The image pull policy for the container.
    #[arg(long = "image-pull-policy", default_value = "")]
    image_pull_policy: String,
    /// If true, run the container in privileged mode.
    #[arg(long)]
    privileged: bool,
    /// An inline JSON override for the generated object.
    #[arg(long, default_value = "")]
    overrides: String,
    /// The method used to override the generated object: json, merge, or strategic.
    #[arg(long = "override-type", default_value = "merge")]
    override_type: String,
    /// Keep stdin open on the container in the pod (needs attach, which keelctl lacks).
    #[arg(short = 'i', long)]
    stdin: bool,
    /// Allocate a TTY for the container in the pod (needs attach).
    #[arg(short = 't', long)]
    tty: bool,
    /// Wait for the Pod to start running, then attach to it (needs attach).
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    attach: Option<bool>,
    /// If true, delete the pod after it exits (needs attach).
    #[arg(long)]
    rm: bool,
    /// Shared object flags.
    #[command(flatten)]
    flags: ObjectFlags,
}

/// Runs the command.
pub async fn run(f: &mut Factory, args: Args) -> CmdResult {
    require_flags(&[("image", args.image.is_some())])?;
    let image = args.image.clone().unwrap_or_default();
    let Some((name, before)) = args.args.split_first() else {
        return Err(CmdError::new("NAME is required for run"));
    };
    let rest: Vec<String> = before.iter().chain(&args.after_dash).cloned().collect();
    let rest = rest.as_slice();
    if args.stdin || args.tty || args.attach == Some(true) || args.rm {
        return Err(CmdError::new(
            "keelctl run does not support attaching yet (--stdin, --tty, --attach, --rm)",
        ));
    }
    let restart = args.restart.as_str();
    if !matches!(restart, "Always" | "OnFailure" | "Never") {
        return Err(CmdError::new(format!(
            "invalid restart policy: {restart}, valid values are: Always, OnFailure, Never"
        )));
    }
    if args.expose && args.port.is_empty() {
        return Err(CmdError::new("--port must be set when exposing a service"));
    }
    let port = match args.port.as_str() {
        "" => None,
        p => Some(
            p.parse::<i32>()
                .map_err(|_| CmdError::new("--port must be a number"))?,
        ),
    };
    let labels = match args.labels.as_str() {
        "" => vec![("run".to_string(), name.clone())],
        text => parse_labels(text)?,
    };
    let spec = PodSpec {
        name,
        image: &image,
        labels: &labels,
        annotations: &args.annotations,
        env: &args.env,
        port,
        restart,
        command: args.command,
        rest,
        pull_policy: &args.image_pull_policy,
        privileged: args.privileged,
    };
    let mut pod = build_pod(&spec)?;
    if !args.overrides.is_empty() {
        pod = apply_overrides(pod, &args.overrides, &args.override_type)?;
    }
    let req = CreateRequest {
        target: kinds::POD,
        object: pod,
        flags: &args.flags,
        default_manager: FIELD_MANAGER,
    };
    create_and_print(f, req).await?;
    if let (true, Some(port)) = (args.expose, port) {
        let svc = build_service(name, port, &labels);
        let req = CreateRequest {
            target: kinds::SERVICE,
            object: svc,
            flags: &args.flags,
            default_manager: FIELD_MANAGER,
        };
        create_and_print(f, req).await?;
    }
    Ok(())
}

/// kubectl's `--labels` parsing for run (`a=b,c=d`).
fn parse_labels(text: &str) -> CmdResult<Vec<(String, String)>> {
    text.split(',')
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) if !k.is_empty() && !v.contains('=') => Ok((k.to_string(), v.to_string())),
            _ => Err(CmdError::new(format!("unexpected label spec: {kv}"))),
        })
        .collect()
}

/// What the pod is made of.
struct PodSpec<'a> {
    name: &'a str,
    image: &'a str,
    labels: &'a [(String, String)],
    annotations: &'a [String],
    env: &'a [String],
    port: Option<i32>,
    restart: &'a str,
    command: bool,
    rest: &'a [String],
    pull_policy: &'a str,
    privileged: bool,
}

/// kubectl's pod generator (`run-pod/v1`), fields in Go's order.
fn build_pod(s: &PodSpec<'_>) -> CmdResult<Map<String, Value>> {
    let mut pod = new_object(&kinds::POD, s.name);
    let meta = metadata(&mut pod);
    meta.insert(
        "labels".into(),
        string_map(s.labels.iter().map(|(k, v)| (k, v))),
    );
    if !s.annotations.is_empty() {
        let mut pairs = Vec::new();
        for a in s.annotations {
            match a.split_once('=') {
                Some((k, v)) => pairs.push((k.to_string(), v.to_string())),
                None => return Err(CmdError::new(format!("invalid annotation spec: {a}"))),
            }
        }
        meta.insert(
            "annotations".into(),
            string_map(pairs.iter().map(|(k, v)| (k, v))),
        );
    }
    let mut c = Map::new();
    c.insert("name".into(), json!(s.name));
    c.insert("image".into(), json!(s.image));
    if !s.rest.is_empty() {
        let field = if s.command { "command" } else { "args" };
        c.insert(field.into(), json!(s.rest));
    }
    if let Some(p) = s.port {
        c.insert("ports".into(), json!([{ "containerPort": p }]));
    }
    if !s.env.is_empty() {
        let mut env = Vec::new();
        for e in s.env {
            match e.split_once('=') {
                Some((k, v)) if !k.is_empty() => env.push(json!({ "name": k, "value": v })),
                _ => return Err(CmdError::new(format!("invalid env: {e}"))),
            }
        }
        c.insert("env".into(), Value::Array(env));
    }
    c.insert("resources".into(), json!({}));
    if !s.pull_policy.is_empty() {
        c.insert("imagePullPolicy".into(), json!(s.pull_policy));
    }
    if s.privileged {
        c.insert("securityContext".into(), json!({ "privileged": true }));
    }
    pod.insert(
        "spec".into(),
        json!({ "containers": [c], "restartPolicy": s.restart, "dnsPolicy": "ClusterFirst" }),
    );
    pod.insert("status".into(), json!({}));
    Ok(pod)
}

/// `--overrides`: a JSON merge patch over the generated object (the
/// default `--override-type=merge`); `json` is an RFC 6902 patch.
fn apply_overrides(
    pod: Map<String, Value>,
    overrides: &str,
    kind: &str,
) -> CmdResult<Map<String, Value>> {
    let target = Value::Object(pod);
    let merged = match kind {
        "merge" => apply_merge_patch(&target, overrides.as_bytes()),
        "json" => keelson_apimachinery::patch::apply_json_patch(&target, overrides.as_bytes()),
        other => {
            return Err(CmdError::new(format!(
                "invalid override-type: {other}, valid values are: json, merge (strategic is not supported by keelctl)"
            )))
        }
    }
    .map_err(|e| CmdError::new(e.message.to_string()))?;
    match merged {
        Value::Object(m) => Ok(m),
        _ => Err(CmdError::new("--overrides did not produce an object")),
    }
}

/// The Service `run --expose` creates: the pod's labels as selector, one TCP port.
fn build_service(name: &str, port: i32, labels: &[(String, String)]) -> Map<String, Value> {
    let mut svc = new_object(&kinds::SERVICE, name);
    svc.insert(
        "spec".into(),
        json!({
            "ports": [{ "protocol": "TCP", "port": port, "targetPort": port }],
            "selector": string_map(labels.iter().map(|(k, v)| (k, v))),
        }),
    );
    svc.insert("status".into(), json!({ "loadBalancer": {} }));
    svc
}

#[cfg(test)]
mod tests {
    use super::*;
    use keelson_apimachinery::codec::to_json;

    fn spec<'a>(
        labels: &'a [(String, String)],
        env: &'a [String],
        rest: &'a [String],
    ) -> PodSpec<'a> {
        PodSpec {
            name: "web",
            image: "nginx",
            labels,
            annotations: &[],
            env,
            port: Some(80),
            restart: "Never",
            command: true,
            rest,
            pull_policy: "",
            privileged: false,
        }
    }

    #[test]
    fn pod_matches_kubectl() {
        let labels = parse_labels("x=y,z=w").unwrap();
        let env = vec!["A=1".to_string(), "B=2".to_string()];
        let rest = vec!["sh".to_string(), "-c".to_string(), "hi".to_string()];
        let pod = build_pod(&spec(&labels, &env, &rest)).unwrap();
        assert_eq!(
            to_json(&Value::Object(pod)),
            r#"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web","labels":{"x":"y","z":"w"}},"spec":{"containers":[{"name":"web","image":"nginx","command":["sh","-c","hi"],"ports":[{"containerPort":80}],"env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],"resources":{}}],"restartPolicy":"Never","dnsPolicy":"ClusterFirst"},"status":{}}"#
        );
    }

    #[test]
    fn bad_input_messages() {
        assert_eq!(
            parse_labels("bad").unwrap_err().message,
            "error: unexpected label spec: bad"
        );
        let env = vec!["BAD".to_string()];
        assert_eq!(
            build_pod(&spec(&[], &env, &[])).unwrap_err().message,
            "error: invalid env: BAD"
        );
    }

    #[test]
    fn overrides_merge() {
        let pod = build_pod(&spec(&[], &[], &[])).unwrap();
        let out = apply_overrides(pod, r#"{"spec":{"hostNetwork":true}}"#, "merge").unwrap();
        assert_eq!(out["spec"]["hostNetwork"], json!(true));
        assert_eq!(out["spec"]["dnsPolicy"], json!("ClusterFirst"));
    }
}
