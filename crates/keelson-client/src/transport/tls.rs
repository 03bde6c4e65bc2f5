//! rustls client configuration from a [`TlsConfig`]: roots, `insecure-skip-tls-verify`,
//! client certificates (static, or rotated by an exec plugin), ALPN `h2` then `http/1.1`.

use crate::config::TlsConfig;
use crate::error::{Error, Result};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::ResolvesClientCert;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::sync::{Arc, RwLock};

/// The crypto provider every connection uses (ring).
pub(crate) fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Parses a PEM certificate chain.
pub(crate) fn parse_certs(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::Config(format!("unable to load {what}: {e}")))?;
    if certs.is_empty() {
        return Err(Error::Config(format!(
            "unable to load {what}: no certificate found in the PEM data"
        )));
    }
    Ok(certs)
}

/// A client certificate and key, ready for handshakes.
pub(crate) fn certified_key(cert_pem: &[u8], key_pem: &[u8]) -> Result<Arc<CertifiedKey>> {
    let chain = parse_certs(cert_pem, "client certificate")?;
    let key = PrivateKeyDer::from_pem_slice(key_pem)
        .map_err(|e| Error::Config(format!("unable to load client key: {e}")))?;
    let signing = provider()
        .key_provider
        .load_private_key(key)
        .map_err(|e| Error::Config(format!("unable to load client key: {e}")))?;
    Ok(Arc::new(CertifiedKey::new(chain, signing)))
}

/// The client certificate offered in handshakes; an exec plugin may replace it.
#[derive(Debug, Default)]
pub(crate) struct ClientCertSlot(RwLock<Option<Arc<CertifiedKey>>>);

impl ClientCertSlot {
    pub(crate) fn set(&self, key: Arc<CertifiedKey>) {
        if let Ok(mut slot) = self.0.write() {
            *slot = Some(key);
        }
    }

    fn current(&self) -> Option<Arc<CertifiedKey>> {
        self.0.read().ok().and_then(|s| s.clone())
    }
}

impl ResolvesClientCert for ClientCertSlot {
    fn resolve(&self, _hints: &[&[u8]], _schemes: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        self.current()
    }

    fn has_certs(&self) -> bool {
        self.current().is_some()
    }
}

/// Builds the rustls config; the client certificate comes from `slot`.
pub(crate) fn client_config(
    tls: &TlsConfig,
    slot: Arc<ClientCertSlot>,
) -> Result<rustls::ClientConfig> {
    let provider = provider();
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS: {e}")))?;
    let mut config = if tls.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(SkipVerify(provider)))
            .with_client_cert_resolver(slot)
    } else {
        let mut roots = RootCertStore::empty();
        match &tls.ca_pem {
            Some(pem) => {
                for cert in parse_certs(pem, "certificate-authority")? {
                    roots.add(cert).map_err(|e| {
                        Error::Config(format!("unable to load root certificates: {e}"))
                    })?;
                }
            }
            None => add_system_roots(&mut roots),
        }
        builder
            .with_root_certificates(roots)
            .with_client_cert_resolver(slot)
    };
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Without a CA in the kubeconfig Go trusts the system roots; these are the
/// files Go reads on Linux, plus `SSL_CERT_FILE`.
fn add_system_roots(roots: &mut RootCertStore) {
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    if let Some(f) = std::env::var_os("SSL_CERT_FILE") {
        files.push(f.into());
    }
    for f in [
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/ssl/ca-bundle.pem",
        "/etc/pki/tls/cacert.pem",
        "/etc/ssl/cert.pem",
    ] {
        files.push(f.into());
    }
    for f in files {
        if let Ok(pem) = std::fs::read(&f) {
            let certs: Vec<_> = CertificateDer::pem_slice_iter(&pem)
                .filter_map(|c| c.ok())
                .collect();
            if !certs.is_empty() {
                roots.add_parsable_certificates(certs);
                return;
            }
        }
    }
}

/// `insecure-skip-tls-verify`: any certificate is accepted, but the handshake
/// signatures are still checked (as Go's `InsecureSkipVerify` does).
#[derive(Debug)]
struct SkipVerify(Arc<CryptoProvider>);

impl ServerCertVerifier for SkipVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
