//! Request/response logging at kubectl's `-v` levels, through `tracing`:
//! 6 method, URL, status and latency; 7 request headers; 8 response headers and
//! bodies cut at 1 KiB; 9 the request as a curl command and bodies up to 10 KiB;
//! 10 whole bodies. Below 6 the same facts go to `tracing` at debug/trace level.

use http::{HeaderMap, Method, StatusCode};
use std::time::Duration;

/// The `-v` level and where events go.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tracer {
    pub verbosity: u8,
}

fn headers_block(headers: &HeaderMap) -> String {
    let mut out = String::from("<\n");
    for (name, value) in headers {
        let shown = if name == http::header::AUTHORIZATION {
            // Tokens never reach logs; the scheme stays visible as in client-go.
            let v = value.to_str().unwrap_or("");
            match v.split_once(' ') {
                Some((scheme, _)) => format!("{scheme} <masked>"),
                None => "<masked>".to_string(),
            }
        } else {
            String::from_utf8_lossy(value.as_bytes()).into_owned()
        };
        out.push_str(&format!("\t{}: {shown}\n", canonical(name.as_str())));
    }
    out.push_str(" >");
    out
}

/// Go's canonical header spelling (`content-type` → `Content-Type`).
fn canonical(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut c = part.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

fn curl(method: &Method, url: &str, headers: &HeaderMap) -> String {
    let mut out = format!("curl -v -X{method} ");
    for (name, value) in headers {
        let v = if name == http::header::AUTHORIZATION {
            "<masked>".to_string()
        } else {
            String::from_utf8_lossy(value.as_bytes()).into_owned()
        };
        out.push_str(&format!(" -H \"{}: {v}\"", canonical(name.as_str())));
    }
    out.push_str(&format!(" '{url}'"));
    out
}

impl Tracer {
    fn body_limit(&self) -> Option<usize> {
        match self.verbosity {
            0..=7 => Some(0),
            8 => Some(1024),
            9 => Some(10 * 1024),
            _ => None,
        }
    }

    fn body_text(&self, body: &[u8]) -> Option<String> {
        let text = String::from_utf8_lossy(body);
        match self.body_limit() {
            Some(0) => None,
            Some(limit) if text.len() > limit => {
                let mut cut = limit;
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                Some(format!(
                    "{} [truncated {} chars]",
                    &text[..cut],
                    text.len() - cut
                ))
            }
            _ => Some(text.into_owned()),
        }
    }

    pub(crate) fn request(
        &self,
        method: &Method,
        url: &str,
        headers: &HeaderMap,
        body: Option<&[u8]>,
    ) {
        if self.verbosity >= 9 {
            tracing::info!(target: "keelson_client::rest", "\"Request\" curlCommand=<\n\t{}\n >", curl(method, url, headers));
        } else if self.verbosity >= 7 {
            tracing::info!(
                target: "keelson_client::rest",
                "\"Request\" verb=\"{method}\" url=\"{url}\" headers={}",
                headers_block(headers)
            );
        } else {
            tracing::trace!(target: "keelson_client::rest", %method, %url, "request");
        }
        if let Some(body) = body.filter(|b| !b.is_empty()) {
            if let Some(text) = self.body_text(body) {
                tracing::info!(target: "keelson_client::rest", "\"Request Body\" body={text:?}");
            }
        }
    }

    pub(crate) fn response(
        &self,
        method: &Method,
        url: &str,
        status: StatusCode,
        headers: &HeaderMap,
        latency: Duration,
    ) {
        let status_text = format!(
            "{} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        );
        let ms = latency.as_millis();
        if self.verbosity >= 8 {
            tracing::info!(
                target: "keelson_client::rest",
                "\"Response\" verb=\"{method}\" url=\"{url}\" status=\"{}\" headers={} milliseconds={ms}",
                status_text.trim_end(),
                headers_block(headers)
            );
        } else if self.verbosity >= 6 {
            tracing::info!(
                target: "keelson_client::rest",
                "\"Response\" verb=\"{method}\" url=\"{url}\" status=\"{}\" milliseconds={ms}",
                status_text.trim_end()
            );
        } else {
            tracing::debug!(target: "keelson_client::rest", %method, %url, status = status.as_u16(), milliseconds = ms as u64, "response");
        }
    }

    pub(crate) fn response_body(&self, body: &[u8]) {
        if let Some(text) = self.body_text(body) {
            tracing::info!(target: "keelson_client::rest", "\"Response Body\" body={text:?}");
        }
    }

    pub(crate) fn retry(
        &self,
        method: &Method,
        url: &str,
        attempt: u32,
        wait: Duration,
        why: &str,
    ) {
        if self.verbosity >= 4 {
            tracing::info!(
                target: "keelson_client::rest",
                "Got a Retry-After {}s response for attempt {attempt} to {url} ({method}, {why})",
                wait.as_secs()
            );
        } else {
            tracing::debug!(target: "keelson_client::rest", %method, %url, attempt, wait_seconds = wait.as_secs(), why, "retrying");
        }
    }

    pub(crate) fn throttled(&self, method: &Method, url: &str, waited: Duration) {
        // client-go says so at -v=1 past a second and at -v=3 past 50ms.
        let level = if waited > Duration::from_secs(1) {
            1
        } else {
            3
        };
        if waited > Duration::from_millis(50) && self.verbosity >= level {
            tracing::info!(
                target: "keelson_client::rest",
                "Waited for {:?} due to client-side throttling, not priority and fairness, request: {method}:{url}",
                waited
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_is_masked() {
        let mut h = HeaderMap::new();
        h.insert(
            http::header::AUTHORIZATION,
            http::HeaderValue::from_static("Bearer secret"),
        );
        h.insert(
            http::header::ACCEPT,
            http::HeaderValue::from_static("application/json"),
        );
        let block = headers_block(&h);
        assert!(block.contains("Authorization: Bearer <masked>"), "{block}");
        assert!(!block.contains("secret"));
        assert!(block.contains("Accept: application/json"));
        assert!(!curl(&Method::GET, "https://x/api", &h).contains("secret"));
    }

    #[test]
    fn bodies_are_cut_by_level() {
        let body = vec![b'a'; 2000];
        assert_eq!(Tracer { verbosity: 7 }.body_text(&body), None);
        let cut = Tracer { verbosity: 8 }.body_text(&body).unwrap_or_default();
        assert!(cut.ends_with("[truncated 976 chars]"), "{cut}");
        assert_eq!(
            Tracer { verbosity: 10 }.body_text(&body).map(|s| s.len()),
            Some(2000)
        );
    }
}
