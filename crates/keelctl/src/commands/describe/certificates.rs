//! The CertificateSigningRequest describer: the object's summary and the
//! subject and alternative names of the PKCS#10 request it carries, read
//! with a small DER reader (only what `x509.ParseCertificateRequest`
//! surfaces to kubectl).

use super::events::{finish, Events};
use super::writer::{creation_timestamp, format_labels, str_at, PrefixWriter, L0};
use serde_json::Value;

/// One DER element: its tag byte and contents.
struct Element<'a> {
    tag: u8,
    content: &'a [u8],
}

/// Reads DER elements one after the other from a buffer.
struct Der<'a> {
    rest: &'a [u8],
}

impl<'a> Der<'a> {
    fn new(data: &'a [u8]) -> Der<'a> {
        Der { rest: data }
    }

    fn next(&mut self) -> Option<Element<'a>> {
        let (&tag, rest) = self.rest.split_first()?;
        let (&first, mut rest) = rest.split_first()?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let (bytes, after) = rest.split_at(n);
            rest = after;
            bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
        };
        if rest.len() < len {
            return None;
        }
        let (content, after) = rest.split_at(len);
        self.rest = after;
        Some(Element { tag, content })
    }
}

/// An OBJECT IDENTIFIER in dotted form.
fn oid(bytes: &[u8]) -> String {
    let mut parts: Vec<u64> = Vec::new();
    let mut acc = 0u64;
    for (i, b) in bytes.iter().enumerate() {
        acc = (acc << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if parts.is_empty() && i < bytes.len() {
                let first = (acc / 40).min(2);
                parts.push(first);
                parts.push(acc - first * 40);
            } else {
                parts.push(acc);
            }
            acc = 0;
        }
    }
    parts
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// What kubectl prints of a certificate request.
#[derive(Debug, Default, PartialEq)]
pub struct Request {
    /// Subject common name (the last one wins, as in Go's pkix.Name).
    pub common_name: String,
    /// Subject serial number.
    pub serial_number: String,
    /// Subject attributes with several values, in kubectl's order:
    /// Organization, Organizational Unit, Country, Locality, Province,
    /// StreetAddress, PostalCode.
    pub lists: [Vec<String>; 7],
    /// DNS names from the subjectAltName extension.
    pub dns_names: Vec<String>,
    /// Email addresses.
    pub emails: Vec<String>,
    /// URIs.
    pub uris: Vec<String>,
    /// IP addresses.
    pub ips: Vec<String>,
}

const LIST_TITLES: [&str; 7] = [
    "Organization",
    "Organizational Unit",
    "Country",
    "Locality",
    "Province",
    "StreetAddress",
    "PostalCode",
];

/// Parses a PEM `CERTIFICATE REQUEST`; `Err` carries why not.
pub fn parse_pem_request(pem: &[u8]) -> Result<Request, String> {
    let text = String::from_utf8_lossy(pem);
    let body: String = text
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    if body.is_empty() {
        return Err("PEM block type must be CERTIFICATE REQUEST".into());
    }
    parse_der_request(&super::b64_decode(&body)).ok_or_else(|| "asn1: syntax error".to_string())
}

fn parse_der_request(der: &[u8]) -> Option<Request> {
    let outer = Der::new(der).next().filter(|e| e.tag == 0x30)?;
    let info = Der::new(outer.content).next().filter(|e| e.tag == 0x30)?;
    let mut fields = Der::new(info.content);
    let _version = fields.next().filter(|e| e.tag == 0x02)?;
    let subject = fields.next().filter(|e| e.tag == 0x30)?;
    let _key = fields.next()?;
    let mut req = Request::default();
    read_subject(subject.content, &mut req);
    if let Some(attrs) = fields.next().filter(|e| e.tag == 0xa0) {
        read_attributes(attrs.content, &mut req);
    }
    Some(req)
}

fn read_subject(rdns: &[u8], req: &mut Request) {
    let mut sets = Der::new(rdns);
    while let Some(set) = sets.next() {
        let mut atvs = Der::new(set.content);
        while let Some(atv) = atvs.next() {
            let mut parts = Der::new(atv.content);
            let (Some(id), Some(value)) = (parts.next(), parts.next()) else {
                continue;
            };
            let value = String::from_utf8_lossy(value.content).to_string();
            let list = match oid(id.content).as_str() {
                "2.5.4.3" => {
                    req.common_name = value;
                    continue;
                }
                "2.5.4.5" => {
                    req.serial_number = value;
                    continue;
                }
                "2.5.4.10" => 0,
                "2.5.4.11" => 1,
                "2.5.4.6" => 2,
                "2.5.4.7" => 3,
                "2.5.4.8" => 4,
                "2.5.4.9" => 5,
                "2.5.4.17" => 6,
                _ => continue,
            };
            req.lists[list].push(value);
        }
    }
}

fn read_attributes(attrs: &[u8], req: &mut Request) {
    let mut list = Der::new(attrs);
    while let Some(attr) = list.next() {
        let mut parts = Der::new(attr.content);
        let (Some(id), Some(values)) = (parts.next(), parts.next()) else {
            continue;
        };
        // PKCS#9 extensionRequest.
        if oid(id.content) != "1.2.840.113549.1.9.14" {
            continue;
        }
        let mut sets = Der::new(values.content);
        while let Some(exts) = sets.next() {
            let mut exts = Der::new(exts.content);
            while let Some(ext) = exts.next() {
                let mut parts = Der::new(ext.content);
                let Some(id) = parts.next() else { continue };
                if oid(id.content) != "2.5.29.17" {
                    continue;
                }
                let value = std::iter::from_fn(|| parts.next()).find(|e| e.tag == 0x04);
                if let Some(v) = value {
                    read_alt_names(v.content, req);
                }
            }
        }
    }
}

fn read_alt_names(ext: &[u8], req: &mut Request) {
    let Some(seq) = Der::new(ext).next() else {
        return;
    };
    let mut names = Der::new(seq.content);
    while let Some(n) = names.next() {
        let text = || String::from_utf8_lossy(n.content).to_string();
        match n.tag {
            0x82 => req.dns_names.push(text()),
            0x81 => req.emails.push(text()),
            0x86 => req.uris.push(text()),
            0x87 => {
                if let Some(ip) = ip_text(n.content) {
                    req.ips.push(ip);
                }
            }
            _ => {}
        }
    }
}

/// `net.IP.String()` for 4- and 16-byte addresses (IPv4-mapped ones as IPv4).
fn ip_text(bytes: &[u8]) -> Option<String> {
    match bytes.len() {
        4 => Some(std::net::Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]).to_string()),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(bytes);
            let v6 = std::net::Ipv6Addr::from(a);
            Some(match v6.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => v6.to_string(),
            })
        }
        _ => None,
    }
}

/// `extractCSRStatus`.
fn csr_status(csr: &Value) -> String {
    let types: Vec<&str> = csr
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| str_at(c, "/type"))
        .collect();
    let mut status = if types.contains(&"Denied") {
        "Denied".to_string()
    } else if types.contains(&"Approved") {
        "Approved".to_string()
    } else {
        "Pending".to_string()
    };
    if types.contains(&"Failed") {
        status.push_str(",Failed");
    }
    if !str_at(csr, "/status/certificate").is_empty() {
        status.push_str(",Issued");
    }
    status
}

/// `printListHelper`: a title and its values, continuation lines indented.
fn list(w: &mut PrefixWriter, prefix: &str, name: &str, values: &[String]) {
    if values.is_empty() {
        return;
    }
    w.write(L0, &format!("{prefix}{name}:\t"));
    w.write(L0, &values.join(&format!("\n{prefix}\t")));
    w.write(L0, "\n");
}

/// kubectl's `describeCertificateSigningRequest`; `Err` is kubectl's
/// `Error parsing CSR: ...` when the request does not parse.
pub fn describe_csr(csr: &Value, events: Option<&Events>) -> Result<String, String> {
    let pem = super::b64_decode(str_at(csr, "/spec/request"));
    let req = parse_pem_request(&pem).map_err(|e| format!("Error parsing CSR: {e}"))?;
    let mut w = PrefixWriter::default();
    w.write(L0, &format!("Name:\t{}\n", str_at(csr, "/metadata/name")));
    w.write(
        L0,
        &format!(
            "Labels:\t{}\n",
            format_labels(csr.pointer("/metadata/labels"))
        ),
    );
    w.write(
        L0,
        &format!(
            "Annotations:\t{}\n",
            format_labels(csr.pointer("/metadata/annotations"))
        ),
    );
    creation_timestamp(&mut w, csr);
    w.write(
        L0,
        &format!("Requesting User:\t{}\n", str_at(csr, "/spec/username")),
    );
    let signer = str_at(csr, "/spec/signerName");
    if !signer.is_empty() {
        w.write(L0, &format!("Signer:\t{signer}\n"));
    }
    if let Some(secs) = csr
        .pointer("/spec/expirationSeconds")
        .and_then(Value::as_i64)
    {
        w.write(
            L0,
            &format!(
                "Requested Duration:\t{}\n",
                crate::printers::human_duration(secs)
            ),
        );
    }
    w.write(L0, &format!("Status:\t{}\n", csr_status(csr)));
    w.write(L0, "Subject:\n");
    w.write(L0, &format!("\tCommon Name:\t{}\n", req.common_name));
    w.write(L0, &format!("\tSerial Number:\t{}\n", req.serial_number));
    for (title, values) in LIST_TITLES.iter().zip(req.lists.iter()) {
        list(&mut w, "\t", title, values);
    }
    if !(req.dns_names.is_empty()
        && req.emails.is_empty()
        && req.ips.is_empty()
        && req.uris.is_empty())
    {
        w.write(L0, "Subject Alternative Names:\n");
        list(&mut w, "\t", "DNS Names", &req.dns_names);
        list(&mut w, "\t", "Email Addresses", &req.emails);
        list(&mut w, "\t", "URIs", &req.uris);
        list(&mut w, "\t", "IP Addresses", &req.ips);
    }
    Ok(finish(w, events))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids_decode() {
        assert_eq!(oid(&[0x55, 0x04, 0x03]), "2.5.4.3");
        assert_eq!(
            oid(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x0e]),
            "1.2.840.113549.1.9.14"
        );
    }

    #[test]
    fn ips_print_like_go() {
        assert_eq!(ip_text(&[10, 0, 0, 1]).as_deref(), Some("10.0.0.1"));
        let mut v6 = [0u8; 16];
        v6[0] = 0xfd;
        v6[15] = 1;
        assert_eq!(ip_text(&v6).as_deref(), Some("fd00::1"));
    }

    #[test]
    fn bad_requests_are_errors() {
        assert!(parse_pem_request(b"nope").is_err());
        let pem = b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n";
        assert_eq!(parse_pem_request(pem).unwrap_err(), "asn1: syntax error");
    }
}
