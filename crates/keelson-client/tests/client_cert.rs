//! Client certificates, from the kubeconfig or from an exec plugin, presented
//! to a local TLS server that requires them (and speaks only HTTP/1.1).

use base64::Engine;
use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use keelson_client::config::{ConfigOverrides, LoadingRules};
use keelson_client::{Config, RestClient};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::collections::HashMap;
use std::sync::Arc;

struct Pki {
    ca_pem: String,
    server_pem: String,
    server_key: String,
    /// name → (cert PEM, key PEM)
    clients: HashMap<&'static str, (String, String)>,
}

fn pki() -> Pki {
    let ca_key = KeyPair::generate().expect("key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "test-ca");
    ca.distinguished_name = dn;
    let ca_cert = ca.self_signed(&ca_key).expect("CA");
    let issuer = Issuer::new(ca, &ca_key);

    let server_key = KeyPair::generate().expect("key");
    let mut sp = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    sp.subject_alt_names
        .push(rcgen::SanType::IpAddress(std::net::IpAddr::from([
            127, 0, 0, 1,
        ])));
    sp.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server = sp.signed_by(&server_key, &issuer).expect("server cert");

    let mut clients = HashMap::new();
    for name in ["jane", "bob"] {
        let key = KeyPair::generate().expect("key");
        let mut cp = CertificateParams::new(Vec::<String>::new()).expect("params");
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, name);
        cp.distinguished_name = dn;
        cp.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let cert = cp.signed_by(&key, &issuer).expect("client cert");
        clients.insert(name, (cert.pem(), key.serialize_pem()));
    }
    Pki {
        ca_pem: ca_cert.pem(),
        server_pem: server.pem(),
        server_key: server_key.serialize_pem(),
        clients,
    }
}

/// A TLS server that requires a client certificate from the CA and answers
/// with the name of the certificate it got.
async fn serve(pki: &Pki) -> String {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(pki.ca_pem.as_bytes()).expect("CA DER"))
        .expect("root");
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .expect("verifier");
    let chain =
        vec![CertificateDer::from_pem_slice(pki.server_pem.as_bytes()).expect("server DER")];
    let key = PrivateKeyDer::from_pem_slice(pki.server_key.as_bytes()).expect("server key");
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .expect("server config");
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let names: Arc<HashMap<Vec<u8>, &'static str>> = Arc::new(
        pki.clients
            .iter()
            .map(|(name, (pem, _))| {
                let der = CertificateDer::from_pem_slice(pem.as_bytes()).expect("client DER");
                (der.as_ref().to_vec(), *name)
            })
            .collect(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("https://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, names) = (acceptor.clone(), names.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let who = tls
                    .get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|c| c.first())
                    .and_then(|c| names.get(c.as_ref()).copied())
                    .unwrap_or("unknown");
                let svc = service_fn(
                    move |_req: http::Request<hyper::body::Incoming>| async move {
                        let body = format!("{{\"client\":\"{who}\"}}");
                        Ok::<_, std::convert::Infallible>(
                            http::Response::builder()
                                .header("content-type", "application/json")
                                .body(Full::new(Bytes::from(body)))
                                .expect("response"),
                        )
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), svc)
                    .await;
            });
        }
    });
    url
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

async fn who(client: &RestClient) -> keelson_client::Result<(String, http::Version)> {
    let resp = client.get().abs_path("/whoami").send().await?;
    let v = resp.json()?;
    Ok((v["client"].as_str().unwrap_or("").to_string(), resp.version))
}

#[tokio::test]
async fn certificate_data_in_the_kubeconfig() {
    let pki = pki();
    let url = serve(&pki).await;
    let (cert, key) = &pki.clients["jane"];
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config");
    std::fs::write(
        &path,
        format!(
            "current-context: x\ncontexts: [{{name: x, context: {{cluster: c, user: u}}}}]\nclusters: [{{name: c, cluster: {{server: '{url}', certificate-authority-data: {}}}}}]\nusers: [{{name: u, user: {{client-certificate-data: {}, client-key-data: {}}}}}]\n",
            b64(&pki.ca_pem),
            b64(cert),
            b64(key)
        ),
    )
    .expect("write");
    let config = Config::load(
        &LoadingRules::default().with_explicit_path(&path),
        &ConfigOverrides::default(),
    )
    .expect("config");
    let client = RestClient::new(config).expect("client");
    let (name, version) = who(&client).await.expect("mutual TLS works");
    assert_eq!(name, "jane");
    assert_eq!(
        version,
        http::Version::HTTP_11,
        "HTTP/1.1 when the server offers no h2"
    );
}

#[tokio::test]
async fn certificate_files_relative_to_the_kubeconfig() {
    let pki = pki();
    let url = serve(&pki).await;
    let (cert, key) = &pki.clients["bob"];
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("pki")).expect("mkdir");
    std::fs::write(dir.path().join("pki/ca.crt"), &pki.ca_pem).expect("write");
    std::fs::write(dir.path().join("pki/bob.crt"), cert).expect("write");
    std::fs::write(dir.path().join("pki/bob.key"), key).expect("write");
    let path = dir.path().join("config");
    std::fs::write(
        &path,
        format!(
            "current-context: x\ncontexts: [{{name: x, context: {{cluster: c, user: u}}}}]\nclusters: [{{name: c, cluster: {{server: '{url}', certificate-authority: pki/ca.crt}}}}]\nusers: [{{name: u, user: {{client-certificate: pki/bob.crt, client-key: pki/bob.key}}}}]\n"
        ),
    )
    .expect("write");
    let config = Config::load(
        &LoadingRules::default().with_explicit_path(&path),
        &ConfigOverrides::default(),
    )
    .expect("config");
    let (name, _) = who(&RestClient::new(config).expect("client"))
        .await
        .expect("mutual TLS works");
    assert_eq!(name, "bob");

    // Without a client certificate the server ends the handshake.
    let mut config = Config::new(&url).expect("config");
    config.tls.ca_pem = Some(pki.ca_pem.as_bytes().to_vec());
    let err = who(&RestClient::new(config).expect("client"))
        .await
        .expect_err("no client cert");
    assert!(
        matches!(err, keelson_client::Error::Transport(_)),
        "{err:?}"
    );
}

#[tokio::test]
async fn exec_plugin_certificate() {
    use std::os::unix::fs::PermissionsExt;
    let pki = pki();
    let url = serve(&pki).await;
    let (cert, key) = &pki.clients["jane"];
    let dir = tempfile::tempdir().expect("tempdir");
    let cred = serde_json::json!({
        "apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
        "status": {"clientCertificateData": cert, "clientKeyData": key}
    });
    std::fs::write(dir.path().join("cred.json"), cred.to_string()).expect("write");
    let script = dir.path().join("plugin");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ncat '{}'\n",
            dir.path().join("cred.json").display()
        ),
    )
    .expect("write");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let path = dir.path().join("config");
    std::fs::write(
        &path,
        format!(
            "current-context: x\ncontexts: [{{name: x, context: {{cluster: c, user: u}}}}]\nclusters: [{{name: c, cluster: {{server: '{url}', certificate-authority-data: {}}}}}]\nusers: [{{name: u, user: {{exec: {{command: ./plugin, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never}}}}}}]\n",
            b64(&pki.ca_pem)
        ),
    )
    .expect("write");
    let config = Config::load(
        &LoadingRules::default().with_explicit_path(&path),
        &ConfigOverrides::default(),
    )
    .expect("config");
    let (name, _) = who(&RestClient::new(config).expect("client"))
        .await
        .expect("plugin cert works");
    assert_eq!(name, "jane");
}
