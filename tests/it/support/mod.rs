//! The real parts the integration tests talk to: moto_server as IAM, a Lambda Runtime API that
//! runs the built binary, and a ResponseURL that records the PUT.
#![allow(dead_code)]

pub mod expected;
pub mod http;
pub mod moto;
pub mod proxy;

use http::{Request, Response};
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::AsyncBufReadExt;
use tokio::sync::{oneshot, Notify};

/// A change made to an event or to properties, in table-driven tests.
pub type Mutation = Box<dyn Fn(&mut Value)>;

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "eu-west-1";
/// The trusted principal of the Granted kinds in most tests.
pub const PRINCIPAL: &str = "arn:aws:iam::111122223333:role/granted-access-handler";

/// All five kinds at once, with a tag and a customer policy each where a kind has one.
pub fn all_five() -> Value {
    json!({"Tags": [{"Key": "team", "Value": "platform"}], "Roles": {
        "EcsAnywhere": {"LeastPrivilege": "true"},
        "TaskExecution": {},
        "Task": {"ClusterName": "c"},
        "SsoManagement": {"TrustedPrincipalArn": PRINCIPAL},
        "ClusterAccess": {"TrustedPrincipalArn": PRINCIPAL},
    }})
}

fn unique() -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{}{:x}{}",
        std::process::id() % 10_000,
        nanos % 0xfffff,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

static MOTO_ENDPOINT: OnceLock<String> = OnceLock::new();

/// The IAM endpoint: `MOTO_ENDPOINT` if set, else a moto_server started once for this test
/// binary (it exits when the test process does).
pub fn moto_endpoint() -> &'static str {
    MOTO_ENDPOINT.get_or_init(|| {
        if let Ok(endpoint) = std::env::var("MOTO_ENDPOINT") {
            return endpoint;
        }
        let path = moto::server_path(std::path::Path::new(env!("CARGO_MANIFEST_DIR")));
        moto::start(&path)
    })
}

/// An IAM client for checking state, on the same endpoint as the function.
pub async fn iam_client(endpoint: &str) -> aws_sdk_iam::Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(ecs_iam_roles::https::sdk_client())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_iam::config::Credentials::new(
            "testing", "testing", None, None, "tests",
        ))
        .load()
        .await;
    aws_sdk_iam::Client::new(&config)
}

type Pending = Arc<Mutex<HashMap<String, oneshot::Sender<Result<Value, Value>>>>>;

struct Invocation {
    id: String,
    /// The event's bytes as the Runtime API hands them over.
    event: Vec<u8>,
    deadline_ms: u64,
    done: oneshot::Sender<Result<Value, Value>>,
}

/// The X-Ray trace header the Runtime API gives the invocation with this Lambda request id (in
/// `Lambda-Runtime-Trace-Id`): X-Ray's shape, and different for every invocation.
pub fn trace_id(lambda_request_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let hex: String = Sha256::digest(lambda_request_id.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "Root=1-{}-{};Parent={};Sampled=0",
        &hex[..8],
        &hex[8..32],
        &hex[32..48]
    )
}

/// A Lambda Runtime API serving queued events to the function and collecting its results.
#[derive(Clone)]
pub struct RuntimeApi {
    pub addr: std::net::SocketAddr,
    queue: Arc<Mutex<VecDeque<Invocation>>>,
    pending: Pending,
    notify: Arc<Notify>,
    /// When the function first asked for an event (its cold start ends there).
    pub first_poll: Arc<Mutex<Option<std::time::Instant>>>,
}

impl RuntimeApi {
    pub async fn start() -> RuntimeApi {
        let queue: Arc<Mutex<VecDeque<Invocation>>> = Default::default();
        let pending: Pending = Default::default();
        let notify = Arc::new(Notify::new());
        let first_poll: Arc<Mutex<Option<std::time::Instant>>> = Default::default();
        let handler: http::Handler = {
            let (queue, pending, notify, first) = (
                queue.clone(),
                pending.clone(),
                notify.clone(),
                first_poll.clone(),
            );
            Arc::new(move |req: Request| {
                let (queue, pending, notify, first) = (
                    queue.clone(),
                    pending.clone(),
                    notify.clone(),
                    first.clone(),
                );
                Box::pin(async move {
                    if req.method == "GET" && req.path.ends_with("/invocation/next") {
                        first
                            .lock()
                            .unwrap()
                            .get_or_insert_with(std::time::Instant::now);
                        loop {
                            let waiter = notify.notified();
                            let next = queue.lock().unwrap().pop_front();
                            if let Some(inv) = next {
                                pending.lock().unwrap().insert(inv.id.clone(), inv.done);
                                let trace = trace_id(&inv.id);
                                return Response {
                                    status: 200,
                                    headers: vec![
                                        ("lambda-runtime-aws-request-id".into(), inv.id),
                                        ("lambda-runtime-deadline-ms".into(), inv.deadline_ms.to_string()),
                                        (
                                            "lambda-runtime-invoked-function-arn".into(),
                                            format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:ecs-iam-roles"),
                                        ),
                                        ("lambda-runtime-trace-id".into(), trace),
                                        ("content-type".into(), "application/json".into()),
                                    ],
                                    body: inv.event,
                                };
                            }
                            waiter.await;
                        }
                    }
                    let parts: Vec<&str> = req.path.split('/').collect();
                    // /2018-06-01/runtime/invocation/{id}/response|error
                    if req.method == "POST" && parts.len() == 6 && parts[3] == "invocation" {
                        let body: Value = serde_json::from_slice(&req.body).unwrap_or_else(|_| {
                            Value::String(String::from_utf8_lossy(&req.body).into())
                        });
                        let result = if parts[5] == "response" {
                            Ok(body)
                        } else {
                            Err(body)
                        };
                        if let Some(done) = pending.lock().unwrap().remove(parts[4]) {
                            let _ = done.send(result);
                        }
                        return Response::status(202);
                    }
                    Response::status(if req.path.ends_with("/init/error") {
                        202
                    } else {
                        404
                    })
                })
            })
        };
        let addr = http::serve(handler).await;
        RuntimeApi {
            addr,
            queue,
            pending,
            notify,
            first_poll,
        }
    }

    /// Invoke the function with `event` and a deadline `timeout` from now; the function's
    /// result (Ok) or reported error (Err).
    pub async fn invoke(&self, event: Value, timeout: Duration) -> Result<Value, Value> {
        self.invoke_bytes(serde_json::to_vec(&event).unwrap(), timeout)
            .await
    }

    /// Invoke with an event given as JSON text (which may be more than serde_json can build a
    /// `Value` of).
    pub async fn invoke_raw(
        &self,
        event: Box<serde_json::value::RawValue>,
        timeout: Duration,
    ) -> Result<Value, Value> {
        self.invoke_bytes(event.get().as_bytes().to_vec(), timeout)
            .await
    }

    async fn invoke_bytes(&self, event: Vec<u8>, timeout: Duration) -> Result<Value, Value> {
        let (done, result) = oneshot::channel();
        let deadline_ms = (SystemTime::now() + timeout)
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        self.queue.lock().unwrap().push_back(Invocation {
            id: format!("lambda-{}", unique()),
            event,
            deadline_ms,
            done,
        });
        self.notify.notify_waiters();
        tokio::time::timeout(timeout + Duration::from_secs(30), result)
            .await
            .expect("the function never reported a result")
            .expect("runtime API dropped")
    }
}

/// One recorded PUT to the ResponseURL.
#[derive(Debug, Clone)]
pub struct Put {
    pub request: Request,
    pub at: SystemTime,
}

impl Put {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.request.body).expect("answer body is JSON")
    }
}

/// A ResponseURL that records every PUT, failing the first `fail_first` with 503.
#[derive(Clone)]
pub struct ResponseServer {
    pub addr: std::net::SocketAddr,
    puts: Arc<Mutex<Vec<Put>>>,
    attempts: Arc<AtomicUsize>,
    notify: Arc<Notify>,
}

impl ResponseServer {
    pub async fn start(fail_first: usize) -> ResponseServer {
        let puts: Arc<Mutex<Vec<Put>>> = Default::default();
        let attempts = Arc::new(AtomicUsize::new(0));
        let notify = Arc::new(Notify::new());
        let handler: http::Handler = {
            let (puts, attempts, notify) = (puts.clone(), attempts.clone(), notify.clone());
            Arc::new(move |req: Request| {
                let (puts, attempts, notify) = (puts.clone(), attempts.clone(), notify.clone());
                Box::pin(async move {
                    if attempts.fetch_add(1, Ordering::SeqCst) < fail_first {
                        return Response::status(503);
                    }
                    puts.lock().unwrap().push(Put {
                        request: req,
                        at: SystemTime::now(),
                    });
                    notify.notify_waiters();
                    Response::status(200)
                })
            })
        };
        let addr = http::serve(handler).await;
        ResponseServer {
            addr,
            puts,
            attempts,
            notify,
        }
    }

    /// A presigned-looking URL for one request; the query stands for the credential.
    pub fn url(&self, request_id: &str) -> String {
        format!(
            "http://{}/cfn-response/{request_id}?X-Amz-Signature=SECRET{request_id}",
            self.addr
        )
    }

    pub fn attempts(&self) -> usize {
        self.attempts.load(Ordering::SeqCst)
    }

    pub fn puts_for(&self, request_id: &str) -> Vec<Put> {
        let path = format!("/cfn-response/{request_id}?");
        self.puts
            .lock()
            .unwrap()
            .iter()
            .filter(|p| p.request.path.starts_with(&path))
            .cloned()
            .collect()
    }

    pub async fn wait_for(&self, request_id: &str, timeout: Duration) -> Put {
        let until = tokio::time::Instant::now() + timeout;
        loop {
            let waiter = self.notify.notified();
            if let Some(put) = self.puts_for(request_id).into_iter().next() {
                return put;
            }
            if tokio::time::timeout_at(until, waiter).await.is_err() {
                panic!("no answer PUT for request {request_id} within {timeout:?}");
            }
        }
    }
}

/// The built function binary running under a Runtime API.
pub struct Function {
    pub runtime: RuntimeApi,
    /// When the process was spawned.
    pub spawned: std::time::Instant,
    child: tokio::process::Child,
    pub logs: Arc<Mutex<Vec<String>>>,
}

/// The operator settings most tests run with: adoption allowed (several tests adopt), no
/// ManagedPath, no required boundary.
pub const TEST_OPERATOR: &[(&str, &str)] = &[("ECS_IAM_ROLES_ALLOW_ADOPTION", "true")];

/// The accounts of the principals the tests and samples trust (Granted's access handler in
/// another account): every function the tests start trusts them, unless its operator settings
/// name `ECS_IAM_ROLES_TRUSTED_ACCOUNTS` themselves (empty: the default, own account only).
pub const TEST_TRUSTED_ACCOUNTS: &str =
    "111122223333,444455556666,112233445566,111111111111,222222222222,123456789123";

impl Function {
    pub async fn start(iam_endpoint: &str) -> Function {
        Function::start_with(iam_endpoint, TEST_OPERATOR).await
    }

    /// The function with these operator settings (environment variables) instead.
    pub async fn start_with(iam_endpoint: &str, operator: &[(&str, &str)]) -> Function {
        // Never moto itself: a proxy in front answers what moto gets wrong as IAM does
        // (service-linked roles). A test's own proxy does so already.
        let proxy = match MOTO_ENDPOINT.get() {
            Some(moto) if moto == iam_endpoint => Some(proxy::FaultProxy::start(moto).await),
            _ => None,
        };
        let iam_endpoint = proxy.as_ref().map_or(iam_endpoint, |p| p.endpoint.as_str());
        let runtime = RuntimeApi::start().await;
        let spawned = std::time::Instant::now();
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_ecs-iam-roles-function"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", runtime.addr.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", "ecs-iam-roles")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/ecs-iam-roles")
            .env("AWS_REGION", REGION)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ENDPOINT_URL", iam_endpoint)
            .env("RUST_BACKTRACE", "0")
            .env("ECS_IAM_ROLES_TRUSTED_ACCOUNTS", TEST_TRUSTED_ACCOUNTS)
            .envs(operator.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start the function binary");
        let logs: Arc<Mutex<Vec<String>>> = Default::default();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn tokio::io::AsyncRead + Unpin + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let logs = logs.clone();
            tokio::spawn(async move {
                let mut lines = tokio::io::BufReader::new(stream).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    logs.lock().unwrap().push(line);
                }
            });
        }
        Function {
            runtime,
            spawned,
            child,
            logs,
        }
    }

    pub fn log_text(&self) -> String {
        self.logs.lock().unwrap().join("\n")
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

/// A CloudFormation conversation with one custom resource of one stack.
pub struct Conversation {
    pub function: Function,
    pub responses: ResponseServer,
    pub stack_name: String,
    pub stack_id: String,
    pub logical_id: String,
    pub timeout: Duration,
}

pub struct Answer {
    pub request_id: String,
    pub body: Value,
    pub put: Put,
    pub returned: Result<Value, Value>,
}

impl Answer {
    pub fn status(&self) -> &str {
        self.body["Status"].as_str().unwrap_or("")
    }
    pub fn physical_id(&self) -> String {
        self.body["PhysicalResourceId"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }
    pub fn data(&self, key: &str) -> String {
        self.body["Data"][key]
            .as_str()
            .unwrap_or_else(|| panic!("no Data.{key} in {}", self.body))
            .to_string()
    }
    pub fn reason(&self) -> String {
        self.body["Reason"].as_str().unwrap_or("").to_string()
    }
    #[track_caller]
    pub fn assert_success(&self) -> &Self {
        assert_eq!(self.status(), "SUCCESS", "answer: {}", self.body);
        self
    }
}

impl Conversation {
    pub async fn new() -> Conversation {
        Conversation::with(moto_endpoint(), 0).await
    }

    pub async fn with(iam_endpoint: &str, fail_first_puts: usize) -> Conversation {
        Conversation::with_operator(iam_endpoint, fail_first_puts, TEST_OPERATOR).await
    }

    pub async fn with_operator(
        iam_endpoint: &str,
        fail_first_puts: usize,
        operator: &[(&str, &str)],
    ) -> Conversation {
        let stack_name = format!("stack{}", unique());
        Conversation {
            function: Function::start_with(iam_endpoint, operator).await,
            responses: ResponseServer::start(fail_first_puts).await,
            stack_id: format!(
                "arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{stack_name}/5b6c0e10-0000-11ef-9a4b-0a1b2c3d4e5f"
            ),
            stack_name,
            logical_id: "EcsRoles".into(),
            timeout: Duration::from_secs(60),
        }
    }

    pub fn event(&self, request_type: &str, properties: Value) -> (String, Value) {
        let request_id = format!("req-{}", unique());
        let mut props = without_propagation_delay(properties);
        props["ServiceToken"] = json!(format!(
            "arn:aws:lambda:{REGION}:{ACCOUNT}:function:ecs-iam-roles"
        ));
        let event = json!({
            "RequestType": request_type,
            "ServiceToken": props["ServiceToken"],
            "ResponseURL": self.responses.url(&request_id),
            "StackId": self.stack_id,
            "RequestId": request_id,
            "LogicalResourceId": self.logical_id,
            "ResourceType": "Custom::EcsIamRoles",
            "ResourceProperties": props,
        });
        (request_id, event)
    }

    /// Send an event and wait for its one PUT.
    pub async fn send(&self, request_id: &str, event: Value) -> Answer {
        let returned = self.function.runtime.invoke(event, self.timeout).await;
        let put = self
            .responses
            .wait_for(request_id, Duration::from_secs(5))
            .await;
        Answer {
            request_id: request_id.to_string(),
            body: put.json(),
            put,
            returned,
        }
    }

    /// Deliver the same event twice (as Lambda and CloudFormation retries do); both answers.
    pub async fn send_twice(&self, request_id: &str, event: Value) -> (Answer, Value) {
        let first = self.send(request_id, event.clone()).await;
        self.function
            .runtime
            .invoke(event, self.timeout)
            .await
            .unwrap();
        let puts = self.responses.puts_for(request_id);
        assert_eq!(puts.len(), 2, "one answer per delivery");
        (first, puts[1].json())
    }

    pub async fn create(&self, properties: Value) -> Answer {
        let (id, event) = self.event("Create", properties);
        self.send(&id, event).await
    }

    pub async fn update(&self, physical_id: &str, properties: Value, old: Value) -> Answer {
        let (id, mut event) = self.event("Update", properties);
        event["PhysicalResourceId"] = json!(physical_id);
        let mut old = without_propagation_delay(old);
        old["ServiceToken"] = event["ServiceToken"].clone();
        event["OldResourceProperties"] = old;
        self.send(&id, event).await
    }

    pub async fn delete(&self, physical_id: &str, properties: Value) -> Answer {
        let (id, mut event) = self.event("Delete", properties);
        event["PhysicalResourceId"] = json!(physical_id);
        self.send(&id, event).await
    }
}

/// The tests answer at once: `PropagationDelay: "0"` unless the properties set one (the tests of
/// the wait itself).
fn without_propagation_delay(mut properties: Value) -> Value {
    if let Some(object) = properties.as_object_mut() {
        object
            .entry("PropagationDelay")
            .or_insert_with(|| json!("0"));
    }
    properties
}

/// Unique role and cluster names for one test.
pub fn name(prefix: &str) -> String {
    format!("{prefix}-{}", unique())
}

/// IAM's view of a role, as the tests compare it.
#[derive(Debug)]
pub struct RoleState {
    /// The instance profiles that hold the role, by name, sorted.
    pub instance_profiles: Vec<String>,
    pub path: String,
    pub trust: Value,
    pub attached: Vec<String>,
    pub inline: HashMap<String, Value>,
    pub boundary: Option<String>,
    pub tags: HashMap<String, String>,
}

pub async fn role_state(iam: &aws_sdk_iam::Client, name: &str) -> Option<RoleState> {
    let got = match iam.get_role().role_name(name).send().await {
        Ok(got) => got,
        Err(e) => {
            let e = e.into_service_error();
            assert!(e.is_no_such_entity_exception(), "GetRole {name}: {e}");
            return None;
        }
    };
    let role = got.role().unwrap();
    let mut attached: Vec<String> = iam
        .list_attached_role_policies()
        .role_name(name)
        .send()
        .await
        .unwrap()
        .attached_policies()
        .iter()
        .map(|p| p.policy_arn().unwrap().to_string())
        .collect();
    attached.sort();
    let mut inline = HashMap::new();
    for policy in iam
        .list_role_policies()
        .role_name(name)
        .send()
        .await
        .unwrap()
        .policy_names()
    {
        let doc = iam
            .get_role_policy()
            .role_name(name)
            .policy_name(policy)
            .send()
            .await
            .unwrap();
        inline.insert(
            policy.clone(),
            ecs_iam_roles::iam::parse_document(doc.policy_document()),
        );
    }
    let tags = iam
        .list_role_tags()
        .role_name(name)
        .send()
        .await
        .unwrap()
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    let mut instance_profiles: Vec<String> = iam
        .list_instance_profiles_for_role()
        .role_name(name)
        .send()
        .await
        .unwrap()
        .instance_profiles()
        .iter()
        .map(|p| p.instance_profile_name().to_string())
        .collect();
    instance_profiles.sort();
    Some(RoleState {
        instance_profiles,
        path: role.path().to_string(),
        trust: ecs_iam_roles::iam::parse_document(role.assume_role_policy_document().unwrap()),
        attached,
        inline,
        boundary: role
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
            .map(str::to_string),
        tags,
    })
}

pub struct InstanceProfileState {
    pub arn: String,
    pub path: String,
    /// The roles it holds, by name.
    pub roles: Vec<String>,
    pub tags: HashMap<String, String>,
}

/// An instance profile, if it exists.
pub async fn instance_profile_state(
    iam: &aws_sdk_iam::Client,
    name: &str,
) -> Option<InstanceProfileState> {
    let got = match iam
        .get_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
    {
        Ok(got) => got,
        Err(e) => {
            let e = e.into_service_error();
            assert!(
                e.is_no_such_entity_exception(),
                "GetInstanceProfile {name}: {e}"
            );
            return None;
        }
    };
    let profile = got.instance_profile().unwrap();
    // GetInstanceProfile's own Tags: moto (5.2) has no ListInstanceProfileTags.
    let tags = profile
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    Some(InstanceProfileState {
        arn: profile.arn().to_string(),
        path: profile.path().to_string(),
        roles: profile
            .roles()
            .iter()
            .map(|r| r.role_name().to_string())
            .collect(),
        tags,
    })
}

/// The names of the roles at exactly `path`.
pub async fn roles_at_path(iam: &aws_sdk_iam::Client, path: &str) -> Vec<String> {
    let listed = iam
        .list_roles()
        .path_prefix(path)
        .max_items(1000)
        .send()
        .await
        .unwrap();
    listed
        .roles()
        .iter()
        .filter(|r| r.path() == path)
        .map(|r| r.role_name().to_string())
        .collect()
}

/// A customer-managed policy's default document and tags, if it exists.
pub async fn policy_state(
    iam: &aws_sdk_iam::Client,
    arn: &str,
) -> Option<(Value, HashMap<String, String>)> {
    let got = match iam.get_policy().policy_arn(arn).send().await {
        Ok(got) => got,
        Err(e) => {
            let e = e.into_service_error();
            assert!(e.is_no_such_entity_exception(), "GetPolicy {arn}: {e}");
            return None;
        }
    };
    let policy = got.policy().unwrap();
    let version = iam
        .get_policy_version()
        .policy_arn(arn)
        .version_id(policy.default_version_id().unwrap())
        .send()
        .await
        .unwrap();
    let doc =
        ecs_iam_roles::iam::parse_document(version.policy_version().unwrap().document().unwrap());
    let tags = iam
        .list_policy_tags()
        .policy_arn(arn)
        .send()
        .await
        .unwrap()
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    Some((doc, tags))
}

/// The desired state and output Data of `properties` under `physical_id`, by the library.
pub fn desired_for(
    conv: &Conversation,
    physical_id: &str,
    properties: &Value,
) -> (ecs_iam_roles::desired::DesiredState, Value) {
    let env = ecs_iam_roles::identity::stack_env(&conv.stack_id).unwrap();
    let spec = ecs_iam_roles::spec::parse(properties).unwrap();
    let state = ecs_iam_roles::desired::build(
        &spec,
        &ecs_iam_roles::desired::Owner::new(&env, &conv.logical_id, physical_id),
    );
    let data = json!(ecs_iam_roles::desired::outputs(&spec, &state, &env));
    (state, data)
}

/// IAM holds exactly what the contract says `properties` make (`expected`, written by hand),
/// and the answer's Data is exactly the contract's output keys.
pub async fn assert_iam_matches(
    iam: &aws_sdk_iam::Client,
    conv: &Conversation,
    answer: &Answer,
    properties: &Value,
) {
    answer.assert_success();
    let want = expected::expected(&conv.stack_id, &answer.body, properties);
    assert_eq!(
        answer.body["Data"],
        json!(want.data),
        "Data keys and values"
    );
    for role in &want.roles {
        let actual = role_state(iam, &role.name)
            .await
            .unwrap_or_else(|| panic!("role {} missing", role.name));
        assert_eq!(actual.path, role.path, "{}: path", role.name);
        assert!(
            ecs_iam_roles::plan::same_policy(&actual.trust, &role.trust),
            "{}: trust {} vs {}",
            role.name,
            actual.trust,
            role.trust
        );
        let want_attached: Vec<String> = role.managed.iter().cloned().collect();
        assert_eq!(
            actual.attached, want_attached,
            "{}: attached policies",
            role.name
        );
        assert_eq!(
            actual.inline.len(),
            role.inline.len(),
            "{}: inline policies",
            role.name
        );
        for (name, doc) in &role.inline {
            assert!(
                ecs_iam_roles::plan::same_policy(&actual.inline[name], doc),
                "{}: inline {name}: {} vs {doc}",
                role.name,
                actual.inline[name]
            );
        }
        assert_eq!(actual.boundary, role.boundary, "{}: boundary", role.name);
        assert_eq!(
            without_bookkeeping(actual.tags.into_iter()),
            without_bookkeeping(role.tags.clone().into_iter()),
            "{}: tags",
            role.name
        );
        let want_profiles: Vec<&str> = role
            .instance_profile
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(
            actual.instance_profiles, want_profiles,
            "{}: instance profiles holding it",
            role.name
        );
        if let Some(profile) = &role.instance_profile {
            let actual = instance_profile_state(iam, &profile.name)
                .await
                .unwrap_or_else(|| panic!("instance profile {} missing", profile.name));
            assert_eq!(actual.arn, profile.arn, "{}: arn", profile.name);
            assert_eq!(actual.path, profile.path, "{}: path", profile.name);
            assert_eq!(
                actual.roles,
                std::slice::from_ref(&role.name),
                "{}: roles",
                profile.name
            );
            assert_eq!(
                without_bookkeeping(actual.tags.into_iter()),
                without_bookkeeping(profile.tags.clone().into_iter()),
                "{}: tags",
                profile.name
            );
        }
    }
    for linked in &want.service_linked {
        // moto names service-linked roles its own way (AWSServiceRoleForecs for
        // ecs.amazonaws.com), IAM as the contract says (AWSServiceRoleForECS, which the Data
        // check above holds the ARN to): look for the service's role at its path.
        let found = roles_at_path(iam, &linked.path).await;
        assert_eq!(
            found.len(),
            1,
            "one service-linked role for {} ({}) at {}: {found:?}",
            linked.service_name,
            linked.role_name,
            linked.path
        );
        let tags = role_state(iam, &found[0]).await.unwrap().tags;
        assert!(
            !tags.keys().any(|k| k.starts_with("ecs-iam-roles:")),
            "service-linked role {} is the account's, never tagged as owned: {tags:?}",
            found[0]
        );
    }
    for policy in &want.policies {
        let (doc, tags) = policy_state(iam, &policy.arn)
            .await
            .unwrap_or_else(|| panic!("policy {} missing", policy.arn));
        assert!(
            ecs_iam_roles::plan::same_policy(&doc, &policy.document),
            "{}: document {doc} vs {}",
            policy.arn,
            policy.document
        );
        assert_eq!(
            without_bookkeeping(tags.into_iter()),
            without_bookkeeping(policy.tags.clone().into_iter()),
            "{}: tags",
            policy.arn
        );
    }
}

pub async fn assert_all_gone(
    iam: &aws_sdk_iam::Client,
    conv: &Conversation,
    physical_id: &str,
    properties: &Value,
) {
    let (desired, _) = desired_for(conv, physical_id, properties);
    for role in &desired.roles {
        assert!(
            role_state(iam, &role.name).await.is_none(),
            "role {} left behind",
            role.name
        );
        if let Some(profile) = &role.instance_profile {
            assert!(
                instance_profile_state(iam, &profile.name).await.is_none(),
                "instance profile {} left behind",
                profile.name
            );
        }
    }
    for policy in &desired.policies {
        assert!(
            policy_state(iam, &policy.arn).await.is_none(),
            "policy {} left behind",
            policy.arn
        );
    }
}

/// User tags and the owner tag; the lineage and adoption bookkeeping is checked on its own.
pub fn without_bookkeeping(
    tags: impl Iterator<Item = (String, String)>,
) -> std::collections::BTreeMap<String, String> {
    tags.filter(|(k, _)| !k.starts_with("ecs-iam-roles:") || k == "ecs-iam-roles:owner")
        .collect()
}

/// A customer-managed policy to use as a permissions boundary.
pub async fn boundary_policy(iam: &aws_sdk_iam::Client) -> String {
    iam.create_policy()
        .policy_name(name("Boundary"))
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .arn()
        .unwrap()
        .to_string()
}

/// IAM's view of an instance profile: its path, the roles it holds and its tags.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileState {
    pub path: String,
    pub roles: Vec<String>,
    pub tags: std::collections::BTreeMap<String, String>,
}

pub async fn profile_state(iam: &aws_sdk_iam::Client, name: &str) -> Option<ProfileState> {
    let found = instance_profile_state(iam, name).await?;
    Some(ProfileState {
        path: found.path,
        roles: found.roles,
        tags: found.tags.into_iter().collect(),
    })
}

/// Every kind at once, with the instance profile kinds and the service-linked roles.
pub fn all_kinds() -> Value {
    json!({"Path": "/", "PropagationDelay": "0", "Tags": [{"Key": "team", "Value": "platform"}],
        "Roles": {
        "EcsAnywhere": {"LeastPrivilege": "true"},
        "TaskExecution": {},
        "Task": {"ClusterName": "c"},
        "SsoManagement": {"TrustedPrincipalArn": PRINCIPAL},
        "ClusterAccess": {"TrustedPrincipalArn": PRINCIPAL},
        "ContainerInstance": {},
        "ManagedInstances": {},
        "Infrastructure": {"Uses": ["Volumes", "LoadBalancers"]},
        "CodeDeploy": {},
        "Events": {},
        "DeploymentHooks": {"FunctionArns": [format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:x")]},
        "ServiceLinked": {"Services": ["Ecs", "EcsCompute", "ApplicationAutoScaling"]},
    }})
}
