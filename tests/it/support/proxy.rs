//! A fault-injecting proxy in front of moto: adds latency, throttles a fraction of calls, or
//! fails chosen IAM actions with an IAM error of our choosing (before the call reaches moto, or
//! after it landed there). Also counts calls per action and, when recording, keeps every IAM
//! call with its parameters and the state of the role, policy or instance profile it names as
//! it stood just before the call (for the authorization test, which replays them through an IAM
//! policy engine).
//!
//! moto names service-linked roles wrongly and answers EntityAlreadyExists for one that
//! exists: the proxy always answers CreateServiceLinkedRole as IAM does (and the function talks
//! to moto only through a proxy, `Function::start_with`).
//!
//! moto is immediately consistent and case-sensitive about role names; real IAM is neither.
//! Opt-in emulations (`emulate_propagation`, `emulate_case_insensitive_names`) make the proxy
//! answer as IAM does, so a test can hold the function to IAM's behaviour, not moto's.
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

/// Recorded among the calls for each call answered NoSuchEntity because the role or policy it
/// names was created moments ago (`emulate_propagation`).
pub const NOT_YET_VISIBLE: &str = "(not yet visible)";

/// One injected failure of an action.
#[derive(Debug, Clone)]
pub struct Fault {
    pub status: u16,
    pub code: String,
    pub message: String,
    /// How many more calls fail; None: all of them.
    pub remaining: Option<usize>,
    /// Only calls with a parameter containing this text fail (None: every call).
    pub matching: Option<String>,
    /// The call is forwarded and takes effect in moto; only its answer is replaced by the error
    /// (IAM's 5xx after a write that landed).
    pub after_landing: bool,
}

impl Fault {
    /// Every call of the action answers this error (narrowed by the other fields).
    fn answer(status: u16, code: &str, message: &str) -> Fault {
        Fault {
            status,
            code: code.into(),
            message: message.into(),
            remaining: None,
            matching: None,
            after_landing: false,
        }
    }

    fn applies(&self, params: &Map<String, Value>) -> bool {
        self.remaining != Some(0)
            && self.matching.as_deref().is_none_or(|needle| {
                params
                    .values()
                    .any(|v| v.as_str().is_some_and(|v| v.contains(needle)))
            })
    }
}

#[derive(Default)]
pub struct Faults {
    /// Action → the failure its calls get.
    pub fail: HashMap<String, Fault>,
    pub latency: Duration,
    /// Extra latency for chosen actions.
    pub slow: HashMap<String, Duration>,
    /// Fraction of calls (0.0–1.0) answered with Throttling.
    pub throttle: f64,
    /// IAM's eventual consistency: after a CreateRole, CreatePolicy or CreateInstanceProfile
    /// lands, this many of the writes that follow and name the new role or profile (or attach
    /// the new policy) find it missing.
    pub propagation_calls: usize,
    /// IAM's role names: unique regardless of case, and looked up regardless of case.
    pub case_insensitive_names: bool,
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
    stacks: Stacks,
}

/// CloudFormation's answer to DescribeStacks, by stack id: the status the proxy plays.
type Stacks = Arc<Mutex<HashMap<String, String>>>;

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

/// Whether an action only reads.
fn is_read(action: &str) -> bool {
    action.starts_with("Get") || action.starts_with("List")
}

/// A form body with one parameter's value replaced (the others byte for byte as they were).
fn with_param(body: &[u8], key: &str, value: &str) -> Vec<u8> {
    let encoded = percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC);
    String::from_utf8_lossy(body)
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some((k, _)) if k == key => format!("{key}={encoded}"),
            _ => kv.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

/// The text of the first `<tag>` element of an XML answer.
fn xml_text<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = start + xml[start..].find(&format!("</{tag}>"))?;
    Some(&xml[start..end])
}

/// An instance profile's key among the entities propagating: its name may be a role's too.
fn profile_key(name: &str) -> String {
    format!("instance-profile/{name}")
}

/// The role IAM makes for a service's `CreateServiceLinkedRole` (ECS's; moto names them
/// `AWSServiceRoleForecs` and the like).
pub fn service_linked_role_name(service: &str) -> Option<&'static str> {
    Some(match service {
        "ecs.amazonaws.com" => "AWSServiceRoleForECS",
        "ecs-compute.amazonaws.com" => "AWSServiceRoleForECSCompute",
        "ecs.application-autoscaling.amazonaws.com" => {
            "AWSServiceRoleForApplicationAutoScaling_ECSService"
        }
        _ => return None,
    })
}

/// The proxy's state, shared by the connections it serves.
struct Inner {
    faults: Arc<Mutex<Faults>>,
    calls: Arc<Mutex<Vec<String>>>,
    spans: Spans,
    client: reqwest::Client,
    seed: AtomicU64,
    upstream: String,
    /// An IAM client straight to moto, for what the emulations need to know.
    iam: aws_sdk_iam::Client,
    /// Recorded calls (the state before each is read with `iam`), when recording.
    records: Option<Records>,
    /// Roles, policies and instance profiles created moments ago, by the name a call gives
    /// them (a role name, a policy ARN, `instance-profile/` and a profile name: role names have
    /// no ':' or '/', so they never collide), with how many more calls naming them find them
    /// missing.
    propagating: Mutex<HashMap<String, usize>>,
    /// The stack statuses DescribeStacks answers (CloudFormation, which moto does not play
    /// for stacks it never made).
    stacks: Stacks,
    /// CreateRole calls one at a time while names are compared regardless of case, so two
    /// names differing only in case cannot both pass the check.
    creating_role: tokio::sync::Mutex<()>,
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
        if action == "DescribeStacks" {
            return self.describe_stacks(req).await;
        }
        if let Some(records) = &self.records {
            let record = self.record_of(&self.iam, &action, &req.body).await;
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

    /// CloudFormation's DescribeStacks: recorded as a CloudFormation call, answered with the
    /// status set for the stack (its response shape, CloudFormation API Reference), else by
    /// moto (which knows no such stack).
    async fn describe_stacks(&self, req: Request) -> Response {
        let mut params = form_params(&req.body);
        params.remove("Action");
        params.remove("Version");
        let stack_id = params
            .get("StackName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if let Some(records) = &self.records {
            let record = json!({"action": "cloudformation:DescribeStacks", "params": params,
                                "account": super::ACCOUNT, "partition": "aws"});
            records.lock().unwrap().push(record);
        }
        let status = self.stacks.lock().unwrap().get(&stack_id).cloned();
        let Some(status) = status else {
            return self.forward(req).await;
        };
        let name = stack_id.split('/').nth(1).unwrap_or_default();
        Response {
            status: 200,
            headers: vec![("content-type".into(), "text/xml".into())],
            body: format!(
                "<DescribeStacksResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\">\
                 <DescribeStacksResult><Stacks><member><StackId>{stack_id}</StackId>\
                 <StackName>{name}</StackName><CreationTime>2026-01-01T00:00:00Z</CreationTime>\
                 <StackStatus>{status}</StackStatus></member></Stacks></DescribeStacksResult>\
                 <ResponseMetadata><RequestId>proxy</RequestId></ResponseMetadata></DescribeStacksResponse>"
            )
            .into_bytes(),
        }
    }

    async fn answer(&self, req: Request, action: &str) -> Response {
        let params = form_params(&req.body);
        let (latency, fault, throttle, case_insensitive) = {
            let mut f = self.faults.lock().unwrap();
            let fault = match f.fail.get_mut(action) {
                Some(fault) if fault.applies(&params) => {
                    if let Some(n) = &mut fault.remaining {
                        *n -= 1;
                    }
                    Some(fault.clone())
                }
                _ => None,
            };
            let latency = f.latency + f.slow.get(action).copied().unwrap_or_default();
            (latency, fault, f.throttle, f.case_insensitive_names)
        };
        tokio::time::sleep(latency).await;
        if let Some(fault) = fault.as_ref().filter(|f| !f.after_landing) {
            return iam_error(fault.status, &fault.code, &fault.message);
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
        let _one_create_at_a_time = match case_insensitive && action == "CreateRole" {
            true => Some(self.creating_role.lock().await),
            false => None,
        };
        let req = match case_insensitive {
            true => match self.by_stored_name(req, action, &params).await {
                Ok(req) => req,
                Err(refused) => return refused,
            },
            false => req,
        };
        if let Some(missing) = self.not_yet_visible(action, &form_params(&req.body)) {
            self.calls.lock().unwrap().push(NOT_YET_VISIBLE.into());
            return missing;
        }
        let response = match action {
            // moto makes service-linked roles under names of its own: answered as IAM does.
            "CreateServiceLinkedRole" => self.create_service_linked_role(&params).await,
            _ => self.forward(req).await,
        };
        self.note_created(action, &params, &response);
        match fault {
            Some(fault) => iam_error(fault.status, &fault.code, &fault.message),
            None => response,
        }
    }

    /// IAM finds a role by its name regardless of case, and refuses a new role whose name
    /// differs from an existing one only in case; moto does neither. A call naming a role by
    /// another case gets the stored name (`Err`: CreateRole's refusal).
    async fn by_stored_name(
        &self,
        req: Request,
        action: &str,
        params: &Map<String, Value>,
    ) -> Result<Request, Response> {
        let Some(asked) = params.get("RoleName").and_then(Value::as_str) else {
            return Ok(req);
        };
        // Asked for exactly: moto answers as IAM would. Not found: look for another case.
        if self.iam.get_role().role_name(asked).send().await.is_ok() {
            return Ok(req);
        }
        let roles = self
            .iam
            .list_roles()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .expect("ListRoles on moto");
        let Some(stored) = roles
            .iter()
            .map(|r| r.role_name())
            .find(|name| name.eq_ignore_ascii_case(asked))
        else {
            return Ok(req);
        };
        if action == "CreateRole" {
            let message = format!("Role with name {asked} already exists.");
            return Err(iam_error(409, "EntityAlreadyExists", &message));
        }
        let body = with_param(&req.body, "RoleName", stored);
        Ok(Request { body, ..req })
    }

    /// IAM's CreateServiceLinkedRole: the role made under the name and path IAM gives the
    /// service's role (with moto's CreateRole), trusted by the service; if it exists, IAM's
    /// refusal (`InvalidInput`, not moto's `EntityAlreadyExists`).
    async fn create_service_linked_role(&self, params: &Map<String, Value>) -> Response {
        let service = params
            .get("AWSServiceName")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let Some(name) = service_linked_role_name(service) else {
            let message = format!("The service {service} is not known to this emulation of IAM.");
            return iam_error(400, "InvalidInput", &message);
        };
        if self.iam.get_role().role_name(name).send().await.is_ok() {
            let message = format!(
                "Service role name {name} has been taken in this account, please try a different suffix."
            );
            return iam_error(400, "InvalidInput", &message);
        }
        let trust = json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"
        }]});
        let made = self
            .iam
            .create_role()
            .role_name(name)
            .path(format!("/aws-service-role/{service}/"))
            .assume_role_policy_document(trust.to_string())
            .send()
            .await;
        let role = match made {
            Ok(made) => made.role().cloned().expect("CreateRole answers the role"),
            // Made concurrently by another call: as IAM would say.
            Err(_) => {
                let message = format!("Service role name {name} has been taken in this account, please try a different suffix.");
                return iam_error(400, "InvalidInput", &message);
            }
        };
        let created = role
            .create_date()
            .fmt(aws_smithy_types::date_time::Format::DateTime)
            .expect("a date IAM can print");
        let trust = percent_encoding::utf8_percent_encode(
            &trust.to_string(),
            percent_encoding::NON_ALPHANUMERIC,
        )
        .to_string();
        let body = format!(
            "<CreateServiceLinkedRoleResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
             <CreateServiceLinkedRoleResult><Role><Path>{}</Path><RoleName>{}</RoleName>\
             <RoleId>{}</RoleId><Arn>{}</Arn><CreateDate>{created}</CreateDate>\
             <AssumeRolePolicyDocument>{trust}</AssumeRolePolicyDocument></Role>\
             </CreateServiceLinkedRoleResult><ResponseMetadata><RequestId>proxy</RequestId>\
             </ResponseMetadata></CreateServiceLinkedRoleResponse>",
            role.path(),
            role.role_name(),
            role.role_id(),
            role.arn(),
        );
        Response {
            status: 200,
            headers: vec![("content-type".into(), "text/xml".into())],
            body: body.into_bytes(),
        }
    }

    /// IAM's eventual consistency: a write naming a role or policy created moments ago may find
    /// it missing, with IAM's own messages. Reads stay consistent, so the tests' checks and the
    /// function's reads see what is there.
    fn not_yet_visible(&self, action: &str, params: &Map<String, Value>) -> Option<Response> {
        if is_read(action) || action.starts_with("Create") {
            return None;
        }
        let mut propagating = self.propagating.lock().unwrap();
        // Charged to one entity per call, the role first: each new entity is missing for
        // exactly `propagation_calls` calls that name it.
        let mut charge = |key: &str| match propagating.get_mut(key) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        };
        let param = |key: &str| params.get(key).and_then(Value::as_str);
        if let Some(role) = param("RoleName").filter(|role| charge(role)) {
            let message = format!("The role with name {role} cannot be found.");
            return Some(iam_error(404, "NoSuchEntity", &message));
        }
        let policy = param("PolicyArn").filter(|_| action == "AttachRolePolicy");
        if let Some(arn) = policy.filter(|arn| charge(arn)) {
            let message = format!("Policy {arn} does not exist or is not attachable.");
            return Some(iam_error(404, "NoSuchEntity", &message));
        }
        let profile = param("InstanceProfileName");
        if let Some(name) = profile.filter(|name| charge(&profile_key(name))) {
            let message = format!("Instance Profile {name} cannot be found.");
            return Some(iam_error(404, "NoSuchEntity", &message));
        }
        None
    }

    /// A role, policy or instance profile moto created starts propagating (whatever answer the
    /// proxy gives).
    fn note_created(&self, action: &str, params: &Map<String, Value>, response: &Response) {
        let calls = self.faults.lock().unwrap().propagation_calls;
        if calls == 0 || response.status != 200 {
            return;
        }
        let created = match action {
            "CreateRole" => params
                .get("RoleName")
                .and_then(Value::as_str)
                .map(str::to_string),
            "CreatePolicy" => {
                xml_text(&String::from_utf8_lossy(&response.body), "Arn").map(str::to_string)
            }
            "CreateInstanceProfile" => params
                .get("InstanceProfileName")
                .and_then(Value::as_str)
                .map(profile_key),
            _ => None,
        };
        if let Some(key) = created {
            self.propagating.lock().unwrap().insert(key, calls);
        }
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
        let proxy = Arc::new(Inner {
            faults: Default::default(),
            calls: Default::default(),
            spans: Default::default(),
            client: reqwest::Client::new(),
            seed: AtomicU64::new(0x9E37_79B9_7F4A_7C15),
            upstream: upstream.trim_end_matches('/').to_string(),
            iam: super::iam_client(upstream).await,
            records: record.then(Records::default),
            propagating: Default::default(),
            stacks: Default::default(),
            creating_role: Default::default(),
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
            records: proxy.records.clone(),
            stacks: proxy.stacks.clone(),
        }
    }

    /// Answer CloudFormation's DescribeStacks for `stack_id` with `status` (as
    /// `UPDATE_ROLLBACK_IN_PROGRESS` while a stack rolls an update back).
    pub fn set_stack_status(&self, stack_id: &str, status: &str) {
        let mut stacks = self.stacks.lock().unwrap();
        stacks.insert(stack_id.to_string(), status.to_string());
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
        self.inject(
            action,
            Fault {
                remaining: times,
                ..Fault::answer(status, code, message)
            },
        );
    }

    /// Fail every call of `action` that has a parameter containing `needle` (say, a principal
    /// in a trust policy).
    pub fn fail_matching(
        &self,
        action: &str,
        needle: &str,
        status: u16,
        code: &str,
        message: &str,
    ) {
        self.inject(
            action,
            Fault {
                matching: Some(needle.into()),
                ..Fault::answer(status, code, message)
            },
        );
    }

    /// The next `times` calls of `action` take effect in moto, but are answered 500
    /// InternalFailure: the caller cannot know the write landed.
    pub fn fail_after_landing(&self, action: &str, times: usize) {
        self.inject(
            action,
            Fault {
                remaining: Some(times),
                after_landing: true,
                ..Fault::answer(
                    500,
                    "InternalFailure",
                    "The request processing has failed because of an unknown error, exception or failure.",
                )
            },
        );
    }

    /// Replace the failure `action`'s calls get.
    pub fn inject(&self, action: &str, fault: Fault) {
        self.faults
            .lock()
            .unwrap()
            .fail
            .insert(action.into(), fault);
    }

    /// IAM's eventual consistency: after a CreateRole, CreatePolicy or CreateInstanceProfile
    /// lands, the next `calls` writes naming that role or profile (or attaching that policy)
    /// are answered NoSuchEntity with IAM's message (0: off).
    pub fn emulate_propagation(&self, calls: usize) {
        self.faults.lock().unwrap().propagation_calls = calls;
    }

    /// IAM's role names: a CreateRole whose name differs from an existing role's only in case
    /// is refused, and a role named in another case is found.
    pub fn emulate_case_insensitive_names(&self) {
        self.faults.lock().unwrap().case_insensitive_names = true;
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

    /// How many of the calls were `action` (or a marker such as `THROTTLED`).
    pub fn count(&self, action: &str) -> usize {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|c| *c == action)
            .count()
    }

    /// The write actions among the calls (everything but Get*, List* and the markers).
    pub fn writes(&self) -> Vec<String> {
        self.calls()
            .into_iter()
            .filter(|a| !is_read(a) && a != THROTTLED && a != NOT_YET_VISIBLE)
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
