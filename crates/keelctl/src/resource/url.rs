//! `-f https://...`: manifests read over HTTP (cli-runtime's `URLVisitor`).
//!
//! The request goes through the client's transport with the cluster's
//! credentials stripped: a manifest server is not the API server and must
//! never see its token or client certificate.

use super::errors::VisitError;
use keelson_client::{Config, RestClient};

/// How often a 5xx answer is tried (cli-runtime's `HttpAttemptCount`).
const ATTEMPTS: u32 = 3;

/// Fetches `url` with no credentials; the body of a `200 OK`, else
/// kubectl's `unable to read URL "u", server reported 404 Not Found, status code=404`.
pub async fn fetch(base: &Config, url: &str) -> Result<Vec<u8>, VisitError> {
    let uri: http::Uri = url
        .parse()
        .map_err(|e| VisitError::plain(format!("parse {url:?}: {e}")))?;
    let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
        return Err(VisitError::plain(format!("parse {url:?}: missing host")));
    };
    let server: http::Uri = format!("{scheme}://{authority}")
        .parse()
        .map_err(|e| VisitError::plain(format!("parse {url:?}: {e}")))?;
    let config = anonymous(base, server);
    let client = RestClient::new(config).map_err(VisitError::client)?;
    let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut attempt = 0;
    loop {
        attempt += 1;
        match client
            .get()
            .request_uri(path_and_query)
            .max_retries(0)
            .send()
            .await
        {
            Ok(resp) if resp.status == http::StatusCode::OK => return Ok(resp.body.to_vec()),
            Ok(resp) => return Err(status_error(url, resp.status.as_u16())),
            Err(keelson_client::Error::Api(api)) => {
                if (500..600).contains(&api.code) && attempt < ATTEMPTS {
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    continue;
                }
                return Err(status_error(url, api.code));
            }
            Err(keelson_client::Error::Transport(text)) => return Err(transport_error(url, &text)),
            Err(other) => return Err(VisitError::client(other)),
        }
    }
}

/// The configuration of `base` aimed at `server`, with nothing that identifies the user.
fn anonymous(base: &Config, server: http::Uri) -> Config {
    let mut config = base.clone();
    config.cluster_url = server;
    config.auth = Default::default();
    config.impersonate = Default::default();
    config.tls = Default::default();
    config.proxy_url = None;
    config
}

fn status_error(url: &str, code: u16) -> VisitError {
    let reason = http::StatusCode::from_u16(code)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("status code");
    VisitError::plain(format!(
        "unable to read URL {url:?}, server reported {code} {reason}, status code={code}"
    ))
}

/// kubectl's rendering of a `*url.Error`: refused connections name the host.
fn transport_error(url: &str, text: &str) -> VisitError {
    // The client words it as Go does: `Get "<url>": <cause>`.
    let cause = text.split_once("\": ").map(|(_, c)| c).unwrap_or(text);
    let standard = if cause.contains("connection refused") {
        let host = url
            .parse::<http::Uri>()
            .ok()
            .and_then(|u| u.authority().map(|a| a.to_string()))
            .unwrap_or_else(|| url.to_string());
        format!("The connection to the server {host} was refused - did you specify the right host or port?")
    } else {
        format!("Unable to connect to the server: {cause}")
    };
    VisitError::plain(text).with_standard(standard)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_read_like_kubectl() {
        let e = status_error("http://h/x.yaml", 404);
        assert_eq!(
            e.text(),
            "unable to read URL \"http://h/x.yaml\", server reported 404 Not Found, status code=404"
        );
        let e = transport_error(
            "http://127.0.0.1:1/x.yaml",
            "Get \"http://127.0.0.1:1/x.yaml\": dial tcp 127.0.0.1:1: connect: connection refused",
        );
        assert_eq!(
            crate::resource::errors::check_err(&e).message,
            "The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?"
        );
    }
}
