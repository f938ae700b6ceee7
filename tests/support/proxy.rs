//! A fault-injecting proxy in front of moto: adds latency, throttles a fraction of calls, or
//! fails chosen IAM actions with an IAM error of our choosing. Also counts calls per action.

use super::http::{self, Request, Response};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// When each call arrived and when its answer left.
type Spans = Arc<Mutex<Vec<(Instant, Option<Instant>)>>>;

/// Recorded among the calls for each call the proxy throttled.
pub const THROTTLED: &str = "(throttled)";

#[derive(Default)]
pub struct Faults {
    /// Action → (HTTP status, IAM error code, message, how many more calls fail; None: all).
    pub fail: HashMap<String, (u16, String, String, Option<usize>)>,
    pub latency: Duration,
    /// Extra latency for chosen actions.
    pub slow: HashMap<String, Duration>,
    /// Fraction of calls (0.0–1.0) answered with Throttling.
    pub throttle: f64,
}

#[derive(Clone)]
pub struct FaultProxy {
    pub endpoint: String,
    pub faults: Arc<Mutex<Faults>>,
    pub calls: Arc<Mutex<Vec<String>>>,
    /// When each call arrived and when its answer left.
    spans: Spans,
}

fn action_of(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .split('&')
        .find_map(|kv| kv.strip_prefix("Action="))
        .unwrap_or("?")
        .to_string()
}

fn iam_error(status: u16, code: &str, message: &str) -> Response {
    let sender = if status >= 500 { "Receiver" } else { "Sender" };
    Response {
        status,
        headers: vec![("content-type".into(), "text/xml".into())],
        body: format!(
            "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>{sender}</Type>\
             <Code>{code}</Code><Message>{message}</Message></Error><RequestId>proxy</RequestId></ErrorResponse>"
        )
        .into_bytes(),
    }
}

/// The proxy's state, shared by the connections it serves.
struct Inner {
    faults: Arc<Mutex<Faults>>,
    calls: Arc<Mutex<Vec<String>>>,
    spans: Spans,
    client: reqwest::Client,
    seed: AtomicU64,
    upstream: String,
}

impl Inner {
    async fn handle(&self, req: Request) -> Response {
        let action = action_of(&req.body);
        self.calls.lock().unwrap().push(action.clone());
        let index = {
            let mut spans = self.spans.lock().unwrap();
            spans.push((Instant::now(), None));
            spans.len() - 1
        };
        let response = self.answer(req, &action).await;
        if let Some(span) = self.spans.lock().unwrap().get_mut(index) {
            span.1 = Some(Instant::now());
        }
        response
    }

    async fn answer(&self, req: Request, action: &str) -> Response {
        let (latency, fail, throttle) = {
            let mut f = self.faults.lock().unwrap();
            let fail = match f.fail.get_mut(action) {
                Some((_, _, _, Some(0))) | None => None,
                Some((status, code, message, remaining)) => {
                    if let Some(n) = remaining {
                        *n -= 1;
                    }
                    Some((*status, code.clone(), message.clone()))
                }
            };
            let latency = f.latency + f.slow.get(action).copied().unwrap_or_default();
            (latency, fail, f.throttle)
        };
        tokio::time::sleep(latency).await;
        if let Some((status, code, message)) = fail {
            return iam_error(status, &code, &message);
        }
        // xorshift: a deterministic sequence, so a failing run can be replayed.
        let mut x = self.seed.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.seed.store(x, Ordering::Relaxed);
        if (x % 10_000) as f64 / 10_000.0 < throttle {
            self.calls.lock().unwrap().push(THROTTLED.into());
            return iam_error(400, "Throttling", "Rate exceeded");
        }
        let mut forward = self.client.request(
            reqwest::Method::from_bytes(req.method.as_bytes()).unwrap(),
            format!("{}{}", self.upstream, req.path),
        );
        for (k, v) in &req.headers {
            if !k.eq_ignore_ascii_case("host") && !k.eq_ignore_ascii_case("content-length") {
                forward = forward.header(k, v);
            }
        }
        match forward.body(req.body).send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let content_type = resp
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("text/xml")
                    .to_string();
                let body = resp.bytes().await.unwrap_or_default().to_vec();
                Response {
                    status,
                    headers: vec![("content-type".into(), content_type)],
                    body,
                }
            }
            Err(_) => Response::status(502),
        }
    }
}

impl FaultProxy {
    pub async fn start(upstream: &str) -> FaultProxy {
        let proxy = Arc::new(Inner {
            faults: Default::default(),
            calls: Default::default(),
            spans: Default::default(),
            client: reqwest::Client::new(),
            seed: AtomicU64::new(0x9E37_79B9_7F4A_7C15),
            upstream: upstream.trim_end_matches('/').to_string(),
        });
        let handler: http::Handler = {
            let proxy = proxy.clone();
            Arc::new(move |req: Request| {
                let proxy = proxy.clone();
                Box::pin(async move { proxy.handle(req).await })
            })
        };
        let addr = http::serve(handler).await;
        FaultProxy {
            endpoint: format!("http://{addr}"),
            faults: proxy.faults.clone(),
            calls: proxy.calls.clone(),
            spans: proxy.spans.clone(),
        }
    }

    pub fn fail(&self, action: &str, status: u16, code: &str, message: &str) {
        self.fail_times(action, None, status, code, message);
    }

    /// Fail the next `times` calls of `action` (all of them for None).
    pub fn fail_times(
        &self,
        action: &str,
        times: Option<usize>,
        status: u16,
        code: &str,
        message: &str,
    ) {
        self.faults
            .lock()
            .unwrap()
            .fail
            .insert(action.into(), (status, code.into(), message.into(), times));
    }

    pub fn set_latency(&self, latency: Duration) {
        self.faults.lock().unwrap().latency = latency;
    }

    /// Add `latency` to every call of `action` (Duration::ZERO to stop).
    pub fn slow_down(&self, action: &str, latency: Duration) {
        self.faults
            .lock()
            .unwrap()
            .slow
            .insert(action.into(), latency);
    }

    pub fn set_throttle(&self, fraction: f64) {
        self.faults.lock().unwrap().throttle = fraction;
    }

    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }

    /// The write actions among the calls (everything but Get*, List* and throttled calls).
    pub fn writes(&self) -> Vec<String> {
        self.calls()
            .into_iter()
            .filter(|a| !a.starts_with("Get") && !a.starts_with("List") && a != THROTTLED)
            .collect()
    }

    pub fn clear_calls(&self) {
        self.calls.lock().unwrap().clear();
        self.spans.lock().unwrap().clear();
    }

    /// Round trips: the longest chain of calls each of which started after the previous one
    /// had been answered (calls that overlap in time do not wait for each other).
    pub fn round_trips(&self) -> usize {
        let mut spans = self.spans.lock().unwrap().clone();
        spans.sort_by_key(|(start, _)| *start);
        let mut depth = vec![0usize; spans.len()];
        for i in 0..spans.len() {
            let before = (0..i)
                .filter(|&j| spans[j].1.is_some_and(|end| end <= spans[i].0))
                .map(|j| depth[j])
                .max()
                .unwrap_or(0);
            depth[i] = before + 1;
        }
        depth.into_iter().max().unwrap_or(0)
    }
}
