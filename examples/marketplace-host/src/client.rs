//! A minimal HTTP/1.1 client (hyper, pooled keep-alive connections) for the load client and
//! the integration tests: JSON requests with a bearer token, raw requests for bad input, and
//! server-sent-event streams.

use std::time::Duration;

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap};
use hyper::{Method, Request};
use hyper_util::client::legacy::Client as Pool;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// An answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Bytes,
}

impl Reply {
    /// The body as JSON (`Null` if it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Whether the status is 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The error code of an error body.
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    /// The error field of an error body.
    pub fn field(&self) -> Option<String> {
        self.json()["error"]["field"].as_str().map(str::to_owned)
    }
}

/// A client of one host.
#[derive(Debug, Clone)]
pub struct Client {
    pool: Pool<HttpConnector, Full<Bytes>>,
    base: String,
}

impl Client {
    /// A client of `base` (`http://127.0.0.1:8080`).
    pub fn new(base: impl Into<String>) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let pool = Pool::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        Self {
            pool,
            base: base.into().trim_end_matches('/').to_owned(),
        }
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Sends a request with optional bearer token, extra headers and body.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<Reply, String> {
        let res = self.start(method, path, token, headers, body).await?;
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    async fn start(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<hyper::Response<Incoming>, String> {
        let mut req = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.header(AUTHORIZATION, format!("Bearer {t}"));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        self.pool
            .request(req)
            .await
            .map_err(|e| format!("{path}: {e}"))
    }

    /// Sends JSON (or nothing) with an optional bearer token.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> Result<Reply, String> {
        match body {
            Some(b) => {
                let bytes = serde_json::to_vec(b).map_err(|e| e.to_string())?;
                self.raw(
                    method,
                    path,
                    token,
                    &[(CONTENT_TYPE.as_str(), "application/json")],
                    bytes,
                )
                .await
            }
            None => self.raw(method, path, token, &[], Vec::new()).await,
        }
    }

    /// `GET`.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Result<Reply, String> {
        self.send(Method::GET, path, token, None).await
    }

    /// `POST` with a JSON body (or none).
    pub async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> Result<Reply, String> {
        self.send(Method::POST, path, token, body).await
    }

    /// `PUT` with a JSON body.
    pub async fn put(
        &self,
        path: &str,
        token: Option<&str>,
        body: &serde_json::Value,
    ) -> Result<Reply, String> {
        self.send(Method::PUT, path, token, Some(body)).await
    }

    /// `PATCH` with a JSON body.
    pub async fn patch(
        &self,
        path: &str,
        token: Option<&str>,
        body: &serde_json::Value,
    ) -> Result<Reply, String> {
        self.send(Method::PATCH, path, token, Some(body)).await
    }

    /// Opens a server-sent-event stream (`GET` with the token); fails on a non-2xx answer.
    pub async fn events(&self, path: &str, token: Option<&str>) -> Result<EventStream, String> {
        let res = self
            .start(Method::GET, path, token, &[], Vec::new())
            .await?;
        if !res.status().is_success() {
            let status = res.status();
            let body = res
                .into_body()
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            return Err(format!(
                "{path}: {status}: {}",
                String::from_utf8_lossy(&body)
            ));
        }
        Ok(EventStream {
            body: res.into_body(),
            buf: String::new(),
        })
    }
}

/// One server-sent event.
#[derive(Debug, Clone, PartialEq)]
pub struct SseEvent {
    /// `event:` (default `message`).
    pub event: String,
    /// `data:` lines joined by newlines.
    pub data: String,
}

/// An open server-sent-event stream.
#[derive(Debug)]
pub struct EventStream {
    body: Incoming,
    buf: String,
}

impl EventStream {
    /// The next event, or `None` when the stream ended or `within` passed without one.
    pub async fn next(&mut self, within: Duration) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(ev) = self.take_event() {
                return Some(ev);
            }
            let frame = tokio::time::timeout_at(deadline, self.body.frame())
                .await
                .ok()??
                .ok()?;
            if let Ok(data) = frame.into_data() {
                self.buf.push_str(&String::from_utf8_lossy(&data));
            }
        }
    }

    /// Parses the first complete event in the buffer (comments — keep-alives — are skipped).
    fn take_event(&mut self) -> Option<SseEvent> {
        loop {
            let normalized = self.buf.replace("\r\n", "\n");
            let end = normalized.find("\n\n")?;
            let block = normalized[..end].to_owned();
            self.buf = normalized[end + 2..].to_owned();
            let mut ev = SseEvent {
                event: "message".into(),
                data: String::new(),
            };
            let mut has_data = false;
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    ev.event = v.trim_start().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    if has_data {
                        ev.data.push('\n');
                    }
                    ev.data.push_str(v.strip_prefix(' ').unwrap_or(v));
                    has_data = true;
                }
            }
            if has_data {
                return Some(ev);
            }
        }
    }
}
