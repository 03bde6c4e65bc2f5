//! kubeconfig loading, merging, path resolution, overrides and exec plugins.

use super::*;
use std::ffi::OsString;
use std::fs;
use std::path::Path;

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).unwrap_or_else(|e| panic!("mkdir {dir:?}: {e}"));
    }
    fs::write(path, text).unwrap_or_else(|e| panic!("write {path:?}: {e}"));
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
}

fn ok<T>(r: crate::Result<T>) -> T {
    r.unwrap_or_else(|e| panic!("unexpected error: {e}"))
}

const FIRST: &str = r#"
apiVersion: v1
kind: Config
current-context: one
clusters:
- name: shared
  cluster:
    server: https://first.example:6443
    tls-server-name: first-name
contexts:
- name: one
  context: {cluster: shared, user: alice, namespace: team-a}
users:
- name: alice
  user:
    token: alice-token
"#;

const SECOND: &str = r#"
apiVersion: v1
kind: Config
current-context: two
clusters:
- name: shared
  cluster:
    server: https://second.example:6443
- name: other
  cluster:
    server: https://other.example
    insecure-skip-tls-verify: true
contexts:
- name: one
  context: {cluster: other, user: bob}
- name: two
  context: {cluster: other, user: bob}
users:
- name: bob
  user:
    username: bob
    password: secret
"#;

#[test]
fn first_file_to_set_a_key_wins() {
    let dir = tmp();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    write(&a, FIRST);
    write(&b, SECOND);
    let list = std::env::join_paths([&a, &b, &a]).unwrap_or_else(|e| panic!("{e}"));
    let rules = LoadingRules::from_kubeconfig_var(Some(&list));
    assert_eq!(
        rules.precedence,
        vec![a.clone(), b.clone()],
        "duplicates dropped"
    );
    let merged = ok(rules.load());
    assert_eq!(merged.current_context.as_deref(), Some("one"));
    assert_eq!(
        merged.cluster("shared").and_then(|c| c.server.as_deref()),
        Some("https://first.example:6443"),
        "the first file's cluster is kept whole"
    );
    assert_eq!(
        merged
            .cluster("shared")
            .and_then(|c| c.insecure_skip_tls_verify),
        None
    );
    assert!(
        merged.cluster("other").is_some(),
        "keys only in the second file are added"
    );
    assert_eq!(
        merged.context("one").and_then(|c| c.user.as_deref()),
        Some("alice")
    );
    assert!(merged.auth_info("bob").is_some());

    let config = ok(Config::from_kubeconfig(
        &merged,
        &ConfigOverrides::default(),
    ));
    assert_eq!(
        config.cluster_url.to_string(),
        "https://first.example:6443/"
    );
    assert_eq!(config.namespace, "team-a");
    assert!(!config.namespace_explicit);
    assert_eq!(config.auth.token.as_deref(), Some("alice-token"));
    assert_eq!(config.tls.server_name.as_deref(), Some("first-name"));
}

#[test]
fn current_context_comes_from_the_first_file_that_sets_it() {
    let dir = tmp();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    write(&a, "apiVersion: v1\nkind: Config\nclusters: []\n");
    write(&b, SECOND);
    let missing = dir.path().join("missing");
    let rules = LoadingRules {
        explicit_path: None,
        precedence: vec![missing, a, b],
    };
    let merged = ok(rules.load());
    assert_eq!(merged.current_context.as_deref(), Some("two"));
    let config = ok(Config::from_kubeconfig(
        &merged,
        &ConfigOverrides::default(),
    ));
    assert_eq!(config.cluster_url.to_string(), "https://other.example/");
    assert!(config.tls.insecure);
    assert_eq!(config.auth.username.as_deref(), Some("bob"));
    assert_eq!(config.namespace, "default");
}

#[test]
fn explicit_kubeconfig_is_the_only_file_and_must_exist() {
    let dir = tmp();
    let a = dir.path().join("a");
    write(&a, FIRST);
    let rules = LoadingRules::from_kubeconfig_var(Some(&OsString::from("/nonexistent/x")))
        .with_explicit_path(&a);
    assert_eq!(ok(rules.load()).current_context.as_deref(), Some("one"));
    let missing = dir.path().join("nope");
    let err = LoadingRules::default()
        .with_explicit_path(&missing)
        .load()
        .err();
    assert_eq!(
        err.map(|e| e.to_string()),
        Some(format!(
            "stat {}: no such file or directory",
            missing.display()
        ))
    );
}

#[test]
fn relative_paths_resolve_against_their_file() {
    let dir = tmp();
    let cfg = dir.path().join("sub").join("config");
    write(
        &cfg,
        r#"
clusters:
- name: c
  cluster: {server: "https://c.example", certificate-authority: ca.crt}
users:
- name: u
  user:
    client-certificate: ../certs/u.crt
    client-key: /abs/u.key
    tokenFile: token
    exec: {command: ./bin/plugin, apiVersion: client.authentication.k8s.io/v1}
- name: v
  user:
    exec: {command: plugin-on-path, apiVersion: client.authentication.k8s.io/v1}
"#,
    );
    let kc = ok(Kubeconfig::read_from(&cfg));
    let sub = dir.path().join("sub");
    let s = |p: PathBuf| p.to_string_lossy().into_owned();
    assert_eq!(
        kc.cluster("c")
            .and_then(|c| c.certificate_authority.clone()),
        Some(s(sub.join("ca.crt")))
    );
    let u = kc.auth_info("u").cloned().unwrap_or_default();
    assert_eq!(u.client_certificate, Some(s(sub.join("../certs/u.crt"))));
    assert_eq!(u.client_key.as_deref(), Some("/abs/u.key"));
    assert_eq!(u.token_file, Some(s(sub.join("token"))));
    assert_eq!(u.exec.map(|e| e.command), Some(s(sub.join("./bin/plugin"))));
    let v = kc.auth_info("v").cloned().unwrap_or_default();
    assert_eq!(v.exec.map(|e| e.command).as_deref(), Some("plugin-on-path"));
}

#[test]
fn certificate_files_are_read_relative_to_the_kubeconfig() {
    let dir = tmp();
    write(&dir.path().join("ca.pem"), "CA PEM BYTES");
    write(&dir.path().join("token"), "file-token\n");
    let cfg = dir.path().join("config");
    write(
        &cfg,
        r#"
current-context: x
contexts: [{name: x, context: {cluster: c, user: u}}]
clusters: [{name: c, cluster: {server: "https://c.example:443", certificate-authority: ca.pem}}]
users: [{name: u, user: {tokenFile: token}}]
"#,
    );
    let kc = ok(Kubeconfig::read_from(&cfg));
    let config = ok(Config::from_kubeconfig(&kc, &ConfigOverrides::default()));
    assert_eq!(config.tls.ca_pem.as_deref(), Some(&b"CA PEM BYTES"[..]));
    assert_eq!(config.auth.token_file, Some(dir.path().join("token")));
}

#[test]
fn overrides_win_as_kubectl_flags_do() {
    let dir = tmp();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    write(&a, FIRST);
    write(&b, SECOND);
    let merged = ok(LoadingRules {
        explicit_path: None,
        precedence: vec![a, b],
    }
    .load());

    // --context picks another context, -n its namespace.
    let o = ConfigOverrides {
        context: Some("two".into()),
        namespace: Some("kube-system".into()),
        ..Default::default()
    };
    let c = ok(Config::from_kubeconfig(&merged, &o));
    assert_eq!(c.context.as_deref(), Some("two"));
    assert_eq!(c.cluster_url.host(), Some("other.example"));
    assert_eq!(c.namespace, "kube-system");
    assert!(c.namespace_explicit);

    // --server replaces the URL and drops the old tls-server-name; --token replaces credentials.
    let o = ConfigOverrides {
        server: Some("https://127.0.0.1:7443".into()),
        token: Some("flag-token".into()),
        ..Default::default()
    };
    let c = ok(Config::from_kubeconfig(&merged, &o));
    assert_eq!(c.cluster_url.to_string(), "https://127.0.0.1:7443/");
    assert_eq!(c.tls.server_name, None);
    assert_eq!(c.auth.token.as_deref(), Some("flag-token"));

    // --cluster and --user mix entries of different contexts.
    let o = ConfigOverrides {
        cluster: Some("other".into()),
        user: Some("bob".into()),
        ..Default::default()
    };
    let c = ok(Config::from_kubeconfig(&merged, &o));
    assert_eq!(c.cluster_url.host(), Some("other.example"));
    assert_eq!(c.auth.username.as_deref(), Some("bob"));
    assert_eq!(c.auth.token, None);
    assert_eq!(
        c.namespace, "team-a",
        "the namespace still comes from the context"
    );
}

#[test]
fn insecure_flag_drops_the_kubeconfig_ca() {
    use base64::Engine;
    let ca = base64::engine::general_purpose::STANDARD.encode("PEM");
    let kc = ok(Kubeconfig::from_yaml(&format!(
        "current-context: x\ncontexts: [{{name: x, context: {{cluster: c}}}}]\nclusters: [{{name: c, cluster: {{server: 'https://c', certificate-authority-data: {ca}}}}}]\n"
    )));
    let c = ok(Config::from_kubeconfig(&kc, &ConfigOverrides::default()));
    assert_eq!(c.tls.ca_pem.as_deref(), Some(&b"PEM"[..]));
    let o = ConfigOverrides {
        insecure_skip_tls_verify: Some(true),
        ..Default::default()
    };
    let c = ok(Config::from_kubeconfig(&kc, &o));
    assert!(c.tls.insecure);
    assert_eq!(c.tls.ca_pem, None);
}

#[test]
fn missing_entries_are_configuration_errors() {
    let kc = ok(Kubeconfig::from_yaml(FIRST));
    let o = ConfigOverrides {
        context: Some("nope".into()),
        ..Default::default()
    };
    let err = Config::from_kubeconfig(&kc, &o)
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("invalid configuration: context was not found for specified context: nope")
    );
    let o = ConfigOverrides {
        cluster: Some("c9".into()),
        user: Some("u9".into()),
        ..Default::default()
    };
    let err = Config::from_kubeconfig(&kc, &o)
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("invalid configuration: [cluster \"c9\" does not exist, auth info \"u9\" does not exist]")
    );
}

#[test]
fn token_and_basic_auth_together_are_refused() {
    let kc = ok(Kubeconfig::from_yaml(
        "current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\nclusters: [{name: c, cluster: {server: 'https://c'}}]\nusers: [{name: u, user: {token: t, username: a, password: b}}]\n",
    ));
    let err = Config::from_kubeconfig(&kc, &ConfigOverrides::default())
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("invalid configuration: more than one authentication method found for u; found [token basicAuth], only one is allowed")
    );
}

#[test]
fn empty_config_falls_back_to_localhost_8080() {
    let c = ok(Config::from_kubeconfig(
        &Kubeconfig::default(),
        &ConfigOverrides::default(),
    ));
    // KUBERNETES_MASTER is not set in the test environment.
    if std::env::var_os("KUBERNETES_MASTER").is_none() {
        assert_eq!(c.cluster_url.to_string(), "http://localhost:8080/");
    }
    assert_eq!(c.namespace, "default");
    assert_eq!((c.qps, c.burst), (DEFAULT_QPS, DEFAULT_BURST));
}

#[test]
fn host_without_scheme_follows_tls_settings() {
    assert_eq!(
        ok(server_url("10.0.0.1:6443", true)).to_string(),
        "https://10.0.0.1:6443/"
    );
    assert_eq!(
        ok(server_url("10.0.0.1:8080", false)).to_string(),
        "http://10.0.0.1:8080/"
    );
    assert!(server_url("ftp://x", false).is_err());
}

#[test]
fn yaml_round_trip_keeps_kubectl_field_names() {
    let kc = ok(Kubeconfig::from_yaml(FIRST));
    let text = ok(kc.to_yaml());
    assert!(text.contains("current-context: one"), "{text}");
    assert!(text.contains("tls-server-name: first-name"), "{text}");
    assert_eq!(ok(Kubeconfig::from_yaml(&text)), kc);
}

const PLUGIN: &str = r#"#!/bin/sh
echo run >> "$COUNT_FILE"
printf '%s' "$KUBERNETES_EXEC_INFO" > "$INFO_FILE"
if [ -n "$FAIL" ]; then echo "plugin failed" >&2; exit 3; fi
printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"token":"tok-%s","expirationTimestamp":"%s"}}' "$REPLY_VERSION" "$1" "$EXPIRY"
"#;

fn plugin(dir: &Path, expiry: &str, extra: &[(&str, &str)]) -> (ExecRunner, PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let script = dir.join("plugin.sh");
    write(&script, PLUGIN);
    let mut perms = fs::metadata(&script)
        .map(|m| m.permissions())
        .unwrap_or_else(|e| panic!("{e}"));
    perms.set_mode(0o755);
    fs::set_permissions(&script, perms).unwrap_or_else(|e| panic!("{e}"));
    let count = dir.join("count");
    let info = dir.join("info");
    let mut env = vec![
        ExecEnvVar {
            name: "COUNT_FILE".into(),
            value: count.to_string_lossy().into_owned(),
        },
        ExecEnvVar {
            name: "INFO_FILE".into(),
            value: info.to_string_lossy().into_owned(),
        },
        ExecEnvVar {
            name: "EXPIRY".into(),
            value: expiry.into(),
        },
        ExecEnvVar {
            name: "REPLY_VERSION".into(),
            value: "client.authentication.k8s.io/v1".into(),
        },
    ];
    for (k, v) in extra {
        env.retain(|e| e.name != *k);
        env.push(ExecEnvVar {
            name: k.to_string(),
            value: v.to_string(),
        });
    }
    let exec = ExecConfig {
        command: script.to_string_lossy().into_owned(),
        args: Some(vec!["alpha".into()]),
        env: Some(env),
        api_version: Some("client.authentication.k8s.io/v1".into()),
        provide_cluster_info: Some(true),
        interactive_mode: Some("Never".into()),
        ..Default::default()
    };
    let runner = ExecRunner::new(
        exec,
        Some(serde_json::json!({"server": "https://c.example"})),
    );
    (runner, count, info)
}

fn runs(count: &Path) -> usize {
    fs::read_to_string(count)
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

#[tokio::test]
async fn exec_plugin_token_is_cached_until_it_expires() {
    let dir = tmp();
    let (runner, count, info) = plugin(dir.path(), "2999-01-01T00:00:00Z", &[]);
    let cred = ok(runner.credential().await);
    assert_eq!(cred.token.as_deref(), Some("tok-alpha"));
    let again = ok(runner.credential().await);
    assert_eq!(again.token.as_deref(), Some("tok-alpha"));
    assert_eq!(runs(&count), 1, "a valid credential is not fetched twice");

    let info: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&info).unwrap_or_default()).unwrap_or_default();
    assert_eq!(info["apiVersion"], "client.authentication.k8s.io/v1");
    assert_eq!(info["kind"], "ExecCredential");
    assert_eq!(info["spec"]["interactive"], false);
    assert_eq!(info["spec"]["cluster"]["server"], "https://c.example");

    runner.invalidate().await;
    ok(runner.credential().await);
    assert_eq!(runs(&count), 2, "a rejected credential is fetched again");
}

#[tokio::test]
async fn exec_plugin_runs_again_after_expiry() {
    let dir = tmp();
    let (runner, count, _) = plugin(dir.path(), "2000-01-01T00:00:00Z", &[]);
    ok(runner.credential().await);
    ok(runner.credential().await);
    assert_eq!(runs(&count), 2);
}

#[tokio::test]
async fn exec_plugin_failures_read_like_client_go() {
    let dir = tmp();
    let (runner, _, _) = plugin(dir.path(), "2999-01-01T00:00:00Z", &[("FAIL", "1")]);
    let err = runner
        .credential()
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.starts_with("exec: executable ") && err.ends_with("failed with exit code 3"),
        "{err}"
    );

    let dir = tmp();
    let (runner, _, _) = plugin(
        dir.path(),
        "2999-01-01T00:00:00Z",
        &[("REPLY_VERSION", "client.authentication.k8s.io/v1beta1")],
    );
    let err = runner.credential().await.err().map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("exec plugin is configured to use API version client.authentication.k8s.io/v1, plugin returned version client.authentication.k8s.io/v1beta1")
    );

    let missing = ExecRunner::new(
        ExecConfig {
            command: "keelson-no-such-plugin".into(),
            api_version: Some("client.authentication.k8s.io/v1".into()),
            install_hint: Some("install it from the vendor".into()),
            interactive_mode: Some("Never".into()),
            ..Default::default()
        },
        None,
    );
    let err = missing.credential().await.err().map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("exec: executable keelson-no-such-plugin not found\n\ninstall it from the vendor")
    );
}

#[test]
fn in_cluster_config_reads_the_service_account() {
    let dir = tmp();
    write(&dir.path().join("token"), "sa-token\n");
    write(&dir.path().join("ca.crt"), "SA CA");
    write(&dir.path().join("namespace"), "apps\n");
    // The only test that touches these variables.
    std::env::set_var("KUBERNETES_SERVICE_HOST", "10.96.0.1");
    std::env::set_var("KUBERNETES_SERVICE_PORT", "443");
    let c = ok(incluster_config(dir.path(), &ConfigOverrides::default()));
    std::env::remove_var("KUBERNETES_SERVICE_HOST");
    std::env::remove_var("KUBERNETES_SERVICE_PORT");
    assert_eq!(c.cluster_url.to_string(), "https://10.96.0.1:443/");
    assert_eq!(c.auth.token.as_deref(), Some("sa-token"));
    assert_eq!(c.auth.token_file, Some(dir.path().join("token")));
    assert_eq!(c.tls.ca_pem.as_deref(), Some(&b"SA CA"[..]));
    assert_eq!(c.namespace, "apps");
    let err = incluster_config(dir.path(), &ConfigOverrides::default())
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined")
    );
}
