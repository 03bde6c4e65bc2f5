//! Watch events decoded in one pass straight into the cached type.
//!
//! keelson-client's `watch()` reads each frame into a `serde_json::Value`
//! first and converts it afterwards; for an informer syncing 100,000 objects
//! by WatchList that second pass (and the allocator churn of the throw-away
//! trees) costs more than the parse itself. Object events are decoded here
//! directly; bookmarks and errors, rare and of other shapes, still go
//! through the client's [`decode_event`].

use bytes::{Buf, Bytes, BytesMut};
use futures::stream::{BoxStream, StreamExt};
use keelson_client::rest::{decode_event, WatchStream};
use keelson_client::{Error, Result, WatchEvent};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
enum ObjectEventType {
    #[serde(rename = "ADDED")]
    Added,
    #[serde(rename = "MODIFIED")]
    Modified,
    #[serde(rename = "DELETED")]
    Deleted,
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "K: DeserializeOwned"))]
struct ObjectFrame<K> {
    #[serde(rename = "type")]
    kind: ObjectEventType,
    object: K,
}

/// What one attempt at the front of the buffer found.
enum Next<K> {
    Event(Result<WatchEvent<K>>, usize),
    /// The frame is not complete yet.
    More,
    /// Not JSON: the stream cannot be read any further.
    Broken(Error),
}

fn next_frame<K: DeserializeOwned>(buf: &[u8]) -> Next<K> {
    let mut typed = serde_json::Deserializer::from_slice(buf).into_iter::<ObjectFrame<K>>();
    match typed.next() {
        Some(Ok(f)) => {
            let ev = match f.kind {
                ObjectEventType::Added => WatchEvent::Added(f.object),
                ObjectEventType::Modified => WatchEvent::Modified(f.object),
                ObjectEventType::Deleted => WatchEvent::Deleted(f.object),
            };
            return Next::Event(Ok(ev), typed.byte_offset());
        }
        Some(Err(e)) if e.is_eof() => return Next::More,
        None => return Next::More,
        Some(Err(_)) => {}
    }
    // A bookmark, an error, or an object that does not decode: the client's
    // decoder knows the other shapes and words the errors.
    let mut generic = serde_json::Deserializer::from_slice(buf).into_iter::<Value>();
    match generic.next() {
        Some(Ok(v)) => Next::Event(decode_event::<K>(v), generic.byte_offset()),
        Some(Err(e)) if e.is_eof() => Next::More,
        None => Next::More,
        Some(Err(e)) => Next::Broken(Error::Decode(format!("decoding watch stream: {e}"))),
    }
}

/// Decodes a watch response body into events of `K`.
pub(crate) fn typed_events<K: DeserializeOwned + Send + 'static>(
    body: BoxStream<'static, Result<Bytes>>,
) -> WatchStream<K> {
    struct St {
        body: BoxStream<'static, Result<Bytes>>,
        buf: BytesMut,
        done: bool,
        /// Don't parse again before the buffer reaches this length or a
        /// line ends: a large object arriving in many chunks is parsed a
        /// logarithmic number of times, not once per chunk.
        retry_at: usize,
    }
    let st = St {
        body,
        buf: BytesMut::new(),
        done: false,
        retry_at: 0,
    };
    futures::stream::unfold(st, |mut st| async move {
        loop {
            let skip = st
                .buf
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
            st.buf.advance(skip);
            if !st.buf.is_empty() && (st.buf.len() >= st.retry_at || st.done) {
                match next_frame::<K>(&st.buf) {
                    Next::Event(ev, used) => {
                        st.buf.advance(used);
                        st.retry_at = 0;
                        return Some((ev, st));
                    }
                    Next::More => st.retry_at = st.buf.len() * 2,
                    Next::Broken(e) => {
                        st.done = true;
                        st.buf.clear();
                        return Some((Err(e), st));
                    }
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
                Some(Ok(chunk)) => {
                    if chunk.contains(&b'\n') {
                        st.retry_at = 0;
                    }
                    st.buf.extend_from_slice(&chunk);
                }
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
    use k8s_openapi::api::core::v1::ConfigMap;

    async fn decode(chunks: &[&'static [u8]]) -> Vec<Result<WatchEvent<ConfigMap>>> {
        let body = futures::stream::iter(
            chunks
                .iter()
                .map(|c| Ok(Bytes::from_static(c)))
                .collect::<Vec<_>>(),
        )
        .boxed();
        typed_events::<ConfigMap>(body).collect().await
    }

    fn names(evs: &[Result<WatchEvent<ConfigMap>>]) -> Vec<String> {
        evs.iter()
            .map(|e| match e {
                Ok(WatchEvent::Added(c)) => {
                    format!("ADDED {}", c.metadata.name.clone().unwrap_or_default())
                }
                Ok(WatchEvent::Modified(c)) => {
                    format!("MODIFIED {}", c.metadata.name.clone().unwrap_or_default())
                }
                Ok(WatchEvent::Deleted(c)) => {
                    format!("DELETED {}", c.metadata.name.clone().unwrap_or_default())
                }
                Ok(WatchEvent::Bookmark(b)) => format!("BOOKMARK {}", b.resource_version),
                Ok(WatchEvent::Error(e)) => format!("ERROR {}", e.code),
                Err(e) => format!("Err {e}"),
            })
            .collect()
    }

    #[tokio::test]
    async fn frames_split_anywhere_decode_in_order() {
        let evs = decode(&[
            b"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\n{\"type\":\"MODI",
            b"FIED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"resourceVersion\":\"9\"}}}",
            b"\n{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"na",
            b"me\":\"a\"}}}\n{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410,\"reason\":\"Expired\",\"status\":\"Failure\"}}\n",
        ])
        .await;
        assert_eq!(
            names(&evs),
            [
                "ADDED a",
                "MODIFIED a",
                "BOOKMARK 9",
                "DELETED a",
                "ERROR 410"
            ]
        );
    }

    #[tokio::test]
    async fn an_undecodable_object_is_an_error_and_the_stream_goes_on() {
        let evs = decode(&[
            b"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":7}}}\n",
            b"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"b\"}}}\n",
        ])
        .await;
        let n = names(&evs);
        assert!(n[0].starts_with("Err decoding watch ADDED object"), "{n:?}");
        assert_eq!(n[1], "ADDED b");
    }

    #[tokio::test]
    async fn garbage_and_truncation_end_the_stream_with_an_error() {
        let evs = decode(&[b"{\"type\":\"ADDED\",\"object\":{\"metadata\":{}}}\nnot json"]).await;
        let n = names(&evs);
        assert_eq!(n.len(), 2, "{n:?}");
        assert!(n[1].starts_with("Err decoding watch stream"), "{n:?}");
        let evs = decode(&[b"{\"type\":\"ADDED\",\"obj"]).await;
        assert_eq!(names(&evs), ["Err watch stream ended inside an event"]);
    }
}
