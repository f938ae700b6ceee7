//! A fault-injecting proxy in front of moto: adds latency, throttles a fraction of calls, or
//! fails chosen IAM actions with an IAM error of our choosing. Also counts calls per action and,
//! when recording, keeps every IAM call with its parameters and the state of the role, policy
//! or instance profile it names as it stood just before the call (for the authorization test,
//! which replays them through an IAM policy engine).
//!
//! STS calls (the function learns its own account once per process) pass through untouched
//! and uncounted: they are not IAM's and need no permission.

use super::http::{self, Request, Response};
use serde_json::{json, Map, Value};
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

/// Recorded IAM calls (see `record_of`), when recording.
type Records = Arc<Mutex<Vec<Value>>>;

#[derive(Clone)]
pub struct FaultProxy {
    pub endpoint: String,
    pub faults: Arc<Mutex<Faults>>,
    pub calls: Arc<Mutex<Vec<String>>>,
    /// When each call arrived and when its answer left.
    spans: Spans,
    records: Option<Records>,
}

fn action_of(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .split('&')
        .find_map(|kv| kv.strip_prefix("Action="))
        .unwrap_or("?")
        .to_string()
}

/// The form parameters of an AWS Query request, decoded.
pub fn form_params(body: &[u8]) -> Map<String, Value> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k), Value::String(decode(v)))
        })
        .collect()
}

fn tags_json(tags: &[aws_sdk_iam::types::Tag]) -> Value {
    tags.iter()
        .map(|t| (t.key().to_string(), json!(t.value())))
        .collect::<Map<String, Value>>()
        .into()
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
    /// With the IAM client that reads the state before each call.
    records: Option<(Records, aws_sdk_iam::Client)>,
}

impl Inner {
    /// One call as the authorization test replays it: the action, its parameters, and the
    /// role, policy and instance profile it names as they are now (null: they do not exist).
    async fn record_of(&self, iam: &aws_sdk_iam::Client, action: &str, body: &[u8]) -> Value {
        let mut params = form_params(body);
        params.remove("Action");
        params.remove("Version");
        let param = |key: &str| params.get(key).and_then(Value::as_str).map(str::to_string);
        let role = match param("RoleName") {
            Some(name) => match iam.get_role().role_name(&name).send().await {
                Ok(got) => got.role().map(|r| {
                    json!({
                        "name": r.role_name(), "path": r.path(), "tags": tags_json(r.tags()),
                        "boundary": r.permissions_boundary().and_then(|b| b.permissions_boundary_arn()),
                    })
                }),
                Err(_) => None,
            },
            None => None,
        };
        let policy = match param("PolicyArn")
            .filter(|_| action != "AttachRolePolicy" && action != "DetachRolePolicy")
        {
            Some(arn) => match iam.get_policy().policy_arn(&arn).send().await {
                Ok(got) => got.policy().map(
                    |p| json!({"arn": p.arn(), "path": p.path(), "tags": tags_json(p.tags())}),
                ),
                Err(_) => None,
            },
            None => None,
        };
        let profile = match param("InstanceProfileName") {
            Some(name) => match iam.get_instance_profile().instance_profile_name(&name).send().await {
                Ok(got) => got.instance_profile().map(|p| {
                    json!({"name": p.instance_profile_name(), "path": p.path(), "tags": tags_json(p.tags())})
                }),
                Err(_) => None,
            },
            None => None,
        };
        json!({
            "action": action,
            "params": params,
            "account": super::ACCOUNT,
            "partition": "aws",
            "role": role,
            "policy": policy,
            "instanceProfile": profile,
        })
    }

    async fn handle(&self, req: Request) -> Response {
        let action = action_of(&req.body);
        if action == "GetCallerIdentity" {
            return self.forward(req).await;
        }
        if let Some((records, iam)) = &self.records {
            let record = self.record_of(iam, &action, &req.body).await;
            records.lock().unwrap().push(record);
        }
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
        self.forward(req).await
    }

    async fn forward(&self, req: Request) -> Response {
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
        FaultProxy::launch(upstream, false).await
    }

    /// A proxy that also records every IAM call for the authorization test (`records`).
    pub async fn recording(upstream: &str) -> FaultProxy {
        FaultProxy::launch(upstream, true).await
    }

    async fn launch(upstream: &str, record: bool) -> FaultProxy {
        let records = match record {
            true => Some((Records::default(), super::iam_client(upstream).await)),
            false => None,
        };
        let proxy = Arc::new(Inner {
            faults: Default::default(),
            calls: Default::default(),
            spans: Default::default(),
            client: reqwest::Client::new(),
            seed: AtomicU64::new(0x9E37_79B9_7F4A_7C15),
            upstream: upstream.trim_end_matches('/').to_string(),
            records,
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
            records: proxy.records.as_ref().map(|(r, _)| r.clone()),
        }
    }

    /// The recorded IAM calls, oldest first (empty unless made with `recording`).
    pub fn records(&self) -> Vec<Value> {
        self.records
            .as_ref()
            .map(|r| r.lock().unwrap().clone())
            .unwrap_or_default()
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
