//! First-start credentials: a CA, a serving certificate, an admin token and
//! the kubeconfig that ties them together. Later starts reuse what is on disk.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer};
use std::fs;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

/// The credentials a server runs with.
pub struct Credentials {
    /// CA certificate (PEM), written into the kubeconfig.
    pub ca_pem: String,
    /// Serving certificate chain (DER).
    pub serving_chain: Vec<CertificateDer<'static>>,
    /// Serving key.
    pub serving_key: PrivateKeyDer<'static>,
    /// The admin bearer token.
    pub admin_token: String,
}

fn pki_err(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

fn write_private(path: &Path, contents: &str) -> io::Result<()> {
    fs::write(path, contents)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// Loads the credentials under `dir/pki`, generating any that are missing.
pub fn load_or_create(dir: &Path) -> io::Result<Credentials> {
    let pki = dir.join("pki");
    fs::create_dir_all(&pki)?;
    let paths = PkiPaths::new(&pki);
    if !paths.complete() {
        generate(&paths)?;
    }
    let ca_pem = fs::read_to_string(&paths.ca_crt)?;
    let serving_chain = CertificateDer::pem_file_iter(&paths.serving_crt)
        .map_err(pki_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(pki_err)?;
    let serving_key = PrivateKeyDer::from_pem_file(&paths.serving_key).map_err(pki_err)?;
    let admin_token = fs::read_to_string(&paths.token)?.trim().to_string();
    Ok(Credentials {
        ca_pem,
        serving_chain,
        serving_key,
        admin_token,
    })
}

struct PkiPaths {
    ca_crt: PathBuf,
    ca_key: PathBuf,
    serving_crt: PathBuf,
    serving_key: PathBuf,
    token: PathBuf,
}

impl PkiPaths {
    fn new(pki: &Path) -> Self {
        Self {
            ca_crt: pki.join("ca.crt"),
            ca_key: pki.join("ca.key"),
            serving_crt: pki.join("apiserver.crt"),
            serving_key: pki.join("apiserver.key"),
            token: pki.join("admin.token"),
        }
    }

    fn complete(&self) -> bool {
        [
            &self.ca_crt,
            &self.ca_key,
            &self.serving_crt,
            &self.serving_key,
            &self.token,
        ]
        .iter()
        .all(|p| p.exists())
    }
}

fn generate(paths: &PkiPaths) -> io::Result<()> {
    let ca_key = KeyPair::generate().map_err(pki_err)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(pki_err)?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "keelson-ca");
    ca_params.distinguished_name = dn;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca_params.not_after = rcgen::date_time_ymd(2036, 1, 1);
    let ca_cert = ca_params.self_signed(&ca_key).map_err(pki_err)?;
    let issuer = Issuer::new(ca_params, &ca_key);

    let serving_key = KeyPair::generate().map_err(pki_err)?;
    let mut params = CertificateParams::new(vec![
        "localhost".to_string(),
        "kubernetes".to_string(),
        "kubernetes.default".to_string(),
        "kubernetes.default.svc".to_string(),
    ])
    .map_err(pki_err)?;
    params
        .subject_alt_names
        .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    params
        .subject_alt_names
        .push(SanType::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)));
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "keelson-apiserver");
    params.distinguished_name = dn;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.not_after = rcgen::date_time_ymd(2036, 1, 1);
    let serving = params.signed_by(&serving_key, &issuer).map_err(pki_err)?;

    let token: String = {
        use rand::Rng;
        let mut rng = rand::rng();
        (0..40)
            .map(|_| {
                let n = rng.random_range(0..36u8);
                (if n < 10 { b'0' + n } else { b'a' + n - 10 }) as char
            })
            .collect()
    };

    fs::write(&paths.ca_crt, ca_cert.pem())?;
    write_private(&paths.ca_key, &ca_key.serialize_pem())?;
    fs::write(
        &paths.serving_crt,
        format!("{}{}", serving.pem(), ca_cert.pem()),
    )?;
    write_private(&paths.serving_key, &serving_key.serialize_pem())?;
    // Written last: its presence marks a complete set.
    write_private(&paths.token, &token)?;
    Ok(())
}

/// Writes `dir/kubeconfig` for the admin (context `keelson`) and returns its path.
pub fn write_kubeconfig(dir: &Path, server_url: &str, creds: &Credentials) -> io::Result<PathBuf> {
    use base64::Engine;
    let ca = base64::engine::general_purpose::STANDARD.encode(creds.ca_pem.as_bytes());
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: keelson\n  cluster:\n    server: {server_url}\n    certificate-authority-data: {ca}\ncontexts:\n- name: keelson\n  context:\n    cluster: keelson\n    user: admin\n    namespace: default\ncurrent-context: keelson\nusers:\n- name: admin\n  user:\n    token: {token}\npreferences: {{}}\n",
        token = creds.admin_token
    );
    let path = dir.join("kubeconfig");
    write_private(&path, &text)?;
    Ok(path)
}
