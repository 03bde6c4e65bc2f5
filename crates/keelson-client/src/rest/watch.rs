//! Watch streams: the JSON `{"type": ..., "object": ...}` frames of a watch
//! response, decoded as they arrive.

use super::status::api_error_from_status;
use crate::error::{Error, Result};
use bytes::{Buf, Bytes, BytesMut};
use futures::stream::{BoxStream, Stream, StreamExt};
use keelson_apimachinery::status::ApiError;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeMap;

/// One event of a watch (`metav1.WatchEvent`).
#[derive(Debug, Clone, PartialEq)]
pub enum WatchEvent<T> {
    /// `ADDED`.
    Added(T),
    /// `MODIFIED`.
    Modified(T),
    /// `DELETED`: the last state of the object.
    Deleted(T),
    /// `BOOKMARK`: the watch has seen everything up to this resourceVersion.
    Bookmark(Bookmark),
    /// `ERROR`: the server ended the watch with this `Status` (e.g. 410 Expired).
    Error(ApiError),
}

/// The content of a `BOOKMARK` event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bookmark {
    /// `metadata.resourceVersion`.
    pub resource_version: String,
    /// `metadata.annotations` (`k8s.io/initial-events-end` marks the end of the initial list).
    pub annotations: BTreeMap<String, String>,
}

impl<T> WatchEvent<T> {
    /// The event type as on the wire: `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK`, `ERROR`.
    pub fn type_name(&self) -> &'static str {
        match self {
            WatchEvent::Added(_) => "ADDED",
            WatchEvent::Modified(_) => "MODIFIED",
            WatchEvent::Deleted(_) => "DELETED",
            WatchEvent::Bookmark(_) => "BOOKMARK",
            WatchEvent::Error(_) => "ERROR",
        }
    }
}

/// Decodes one frame.
pub fn decode_event<T: DeserializeOwned>(frame: Value) -> Result<WatchEvent<T>> {
    let Value::Object(mut frame) = frame else {
        return Err(Error::Decode("watch event is not a JSON object".into()));
    };
    let kind = frame
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let object = frame.remove("object").unwrap_or(Value::Null);
    let typed = |o: Value| {
        serde_json::from_value::<T>(o)
            .map_err(|e| Error::Decode(format!("decoding watch {kind} object: {e}")))
    };
    Ok(match kind.as_str() {
        "ADDED" => WatchEvent::Added(typed(object)?),
        "MODIFIED" => WatchEvent::Modified(typed(object)?),
        "DELETED" => WatchEvent::Deleted(typed(object)?),
        "BOOKMARK" => {
            let meta = object.get("metadata");
            let resource_version = meta
                .and_then(|m| m.get("resourceVersion"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let annotations = meta
                .and_then(|m| m.get("annotations"))
                .and_then(Value::as_object)
                .map(|a| {
                    a.iter()
                        .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                        .collect()
                })
                .unwrap_or_default();
            WatchEvent::Bookmark(Bookmark {
                resource_version,
                annotations,
            })
        }
        "ERROR" => WatchEvent::Error(api_error_from_status(&object).unwrap_or_else(|| {
            ApiError::new(500, "InternalError", format!("watch error: {object}"))
        })),
        other => {
            return Err(Error::Decode(format!(
                "got invalid watch event type: {other}"
            )))
        }
    })
}

/// Splits a byte stream into JSON values. The server writes one value per
/// line, but JSON framing does not depend on it, so values are cut wherever they end.
pub(crate) fn json_frames(
    body: impl Stream<Item = Result<Bytes>> + Send + 'static,
) -> BoxStream<'static, Result<Value>> {
    struct St<S> {
        body: S,
        buf: BytesMut,
        done: bool,
    }
    let st = St {
        body: Box::pin(body),
        buf: BytesMut::new(),
        done: false,
    };
    futures::stream::unfold(st, |mut st| async move {
        loop {
            // Whitespace between values is skipped before looking for the next one.
            let skip = st
                .buf
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
            st.buf.advance(skip);
            if !st.buf.is_empty() {
                let mut it = serde_json::Deserializer::from_slice(&st.buf).into_iter::<Value>();
                match it.next() {
                    Some(Ok(v)) => {
                        let used = it.byte_offset();
                        st.buf.advance(used);
                        return Some((Ok(v), st));
                    }
                    Some(Err(e)) if e.is_eof() => {}
                    Some(Err(e)) => {
                        st.done = true;
                        st.buf.clear();
                        return Some((
                            Err(Error::Decode(format!("decoding watch stream: {e}"))),
                            st,
                        ));
                    }
                    None => {}
                }
            }
            if st.done {
                if st.buf.is_empty() {
                    return None;
                }
                st.buf.clear();
                return Some((
                    Err(Error::Decode("watch stream ended inside an event".into())),
                    st,
                ));
            }
            match st.body.next().await {
                Some(Ok(chunk)) => st.buf.extend_from_slice(&chunk),
                Some(Err(e)) => {
                    st.done = true;
                    st.buf.clear();
                    return Some((Err(e), st));
                }
                None => st.done = true,
            }
        }
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn frames_split_across_chunks_and_lines() {
        let chunks = vec![
            Ok(Bytes::from_static(
                b"{\"type\":\"ADDED\",\"object\":{\"a\":1}}\n{\"type\":\"MOD",
            )),
            Ok(Bytes::from_static(
                b"IFIED\",\"object\":{\"a\":2}}{\"type\":\"DELETED\",\"object\":{\"a\":3}}\n",
            )),
        ];
        let frames: Vec<Value> = json_frames(futures::stream::iter(chunks))
            .map(|r| r.unwrap_or(Value::Null))
            .collect()
            .await;
        assert_eq!(frames.len(), 3);
        assert_eq!(frames[1]["type"], "MODIFIED");
        assert_eq!(frames[2]["object"]["a"], 3);
    }

    #[tokio::test]
    async fn truncated_stream_is_an_error() {
        let chunks = vec![Ok(Bytes::from_static(b"{\"type\":\"ADDED\",\"obj"))];
        let frames: Vec<Result<Value>> = json_frames(futures::stream::iter(chunks)).collect().await;
        assert_eq!(frames.len(), 1);
        assert!(matches!(&frames[0], Err(Error::Decode(m)) if m.contains("ended inside")));
    }

    #[test]
    fn bookmark_and_error_events() {
        let b: WatchEvent<Value> = decode_event(json!({
            "type": "BOOKMARK",
            "object": {"kind": "Pod", "metadata": {"resourceVersion": "42",
                "annotations": {"k8s.io/initial-events-end": "true"}}}
        }))
        .unwrap_or(WatchEvent::Error(ApiError::new(0, "", "")));
        let WatchEvent::Bookmark(b) = b else {
            panic!("not a bookmark: {b:?}")
        };
        assert_eq!(b.resource_version, "42");
        assert_eq!(
            b.annotations
                .get("k8s.io/initial-events-end")
                .map(String::as_str),
            Some("true")
        );

        let e: WatchEvent<Value> = decode_event(json!({
            "type": "ERROR",
            "object": {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 410,
                "reason": "Expired", "message": "too old resource version: 1 (5)"}
        }))
        .unwrap_or(WatchEvent::Added(Value::Null));
        let WatchEvent::Error(e) = e else {
            panic!("not an error: {e:?}")
        };
        assert_eq!(e.code, 410);
        assert_eq!(e.reason, "Expired");
    }
}
