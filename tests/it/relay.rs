//! The CDK Provider framework relays the real ResponseURL (issue 11). aws-cdk-lib's own
//! provider-framework runtime (`framework.js`, run by `test-tools/cdk-relay/relay.mjs` under
//! node) receives the CloudFormation event, invokes our function through the Lambda Invoke API
//! (a shim here, in front of the function running under the tests' Runtime API) with the event
//! *and the real ResponseURL*, and then answers CloudFormation itself. CloudFormation must get
//! exactly one answer: the function recognizes the relayed event (its
//! `ResourceProperties.ServiceToken` names the framework's function, not this one), does not PUT,
//! and answers by its return value (SUCCESS) or a failed invocation (FAILED).
//!
//! Wired directly (`ServiceToken` = this function, also by alias or version), the function
//! still PUTs its one answer.

use crate::support::http::{self, Request, Response};
use crate::support::*;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// How long to keep listening after an answer for a second one.
const SETTLE: Duration = Duration::from_secs(1);

/// The framework's own physical id for a failed Create (its `CREATE_FAILED_PHYSICAL_ID_MARKER`).
const CREATE_FAILED_MARKER: &str = "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED";

/// This function, as the Runtime API reports its invoked ARN.
fn our_arn() -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:ecs-iam-roles")
}

/// The provider framework's onEvent function: the ServiceToken of a CDK `Provider`.
fn framework_arn() -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:cdk-provider-framework-onEvent")
}

fn tools() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test-tools/cdk-relay")
}

/// `relay.mjs`, or a clear message on how to install what it runs.
fn relay_script() -> PathBuf {
    let tools = tools();
    for needed in [
        "node_modules/aws-cdk-lib/custom-resources/lib/provider-framework/runtime/framework.js",
        "node_modules/@aws-sdk/client-lambda",
        "node_modules/@aws-sdk/client-sfn",
    ] {
        assert!(
            tools.join(needed).exists(),
            "{} is missing: run scripts/setup.sh (needs node and npm), which runs `npm ci` in \
             test-tools/cdk-relay to install aws-cdk-lib's provider framework and the AWS SDK \
             clients it loads",
            tools.join(needed).display()
        );
    }
    tools.join("relay.mjs")
}

/// One call the Lambda API shim received.
#[derive(Debug, Clone)]
struct LambdaCall {
    /// `Invoke` or `GetFunction` (or what else was asked).
    action: String,
    /// FunctionName as given (percent-decoded).
    function: String,
    payload: Value,
    /// What the function reported: its result, or its error.
    result: Option<Result<Value, Value>>,
}

/// The Lambda Invoke API for one function: `Invoke` runs the event through the function's
/// Runtime API; a function error comes back as real Lambda gives it (200,
/// `X-Amz-Function-Error: Unhandled`, the error object as payload). `GetFunction` answers
/// Active, for the framework's `waitUntilFunctionActiveV2` (it only asks after a failed Invoke).
struct LambdaApi {
    endpoint: String,
    calls: Arc<Mutex<Vec<LambdaCall>>>,
}

impl LambdaApi {
    async fn start(runtime: RuntimeApi, timeout: Duration) -> LambdaApi {
        let calls: Arc<Mutex<Vec<LambdaCall>>> = Default::default();
        let handler: http::Handler = {
            let calls = calls.clone();
            Arc::new(move |req: Request| {
                let (runtime, calls) = (runtime.clone(), calls.clone());
                Box::pin(async move { lambda_api(req, &runtime, timeout, &calls).await })
            })
        };
        let addr = http::serve(handler).await;
        LambdaApi {
            endpoint: format!("http://{addr}"),
            calls,
        }
    }

    fn calls(&self) -> Vec<LambdaCall> {
        self.calls.lock().unwrap().clone()
    }

    fn invokes(&self) -> Vec<LambdaCall> {
        self.calls()
            .into_iter()
            .filter(|c| c.action == "Invoke")
            .collect()
    }
}

fn json_response(status: u16, headers: Vec<(String, String)>, body: &Value) -> Response {
    let mut headers = headers;
    headers.push(("content-type".into(), "application/json".into()));
    Response {
        status,
        headers,
        body: serde_json::to_vec(body).unwrap(),
    }
}

/// Does `name` (a function name, ARN or partial ARN, maybe qualified) name this function?
fn names_our_function(name: &str) -> bool {
    let parts: Vec<&str> = name.split(':').collect();
    let bare = match parts.as_slice() {
        ["arn", _, "lambda", _, _, "function", name, ..] => *name,
        [_account, "function", name, ..] => *name,
        [name, ..] => *name,
        [] => "",
    };
    bare == "ecs-iam-roles"
}

async fn lambda_api(
    req: Request,
    runtime: &RuntimeApi,
    timeout: Duration,
    calls: &Mutex<Vec<LambdaCall>>,
) -> Response {
    let path = req.path.split('?').next().unwrap_or("");
    let parts: Vec<&str> = path.split('/').collect();
    // /2015-03-31/functions/{FunctionName}[/invocations]
    let (action, function) = match (req.method.as_str(), parts.as_slice()) {
        ("POST", ["", "2015-03-31", "functions", name, "invocations"]) => ("Invoke", *name),
        ("GET", ["", "2015-03-31", "functions", name]) => ("GetFunction", *name),
        _ => ("?", ""),
    };
    let function = percent_encoding::percent_decode_str(function)
        .decode_utf8_lossy()
        .into_owned();
    let payload: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    let mut call = LambdaCall {
        action: if action == "?" {
            format!("{} {}", req.method, req.path)
        } else {
            action.to_string()
        },
        function: function.clone(),
        payload: payload.clone(),
        result: None,
    };
    let response = if action == "?" {
        json_response(
            400,
            vec![(
                "x-amzn-ErrorType".into(),
                "InvalidRequestContentException".into(),
            )],
            &json!({"Type": "User", "message": format!("not served by the test's Lambda API: {} {}", req.method, req.path)}),
        )
    } else if !names_our_function(&function) {
        json_response(
            404,
            vec![(
                "x-amzn-ErrorType".into(),
                "ResourceNotFoundException".into(),
            )],
            &json!({"Type": "User", "message": format!("Function not found: {function}")}),
        )
    } else if action == "GetFunction" {
        json_response(
            200,
            vec![],
            &json!({"Configuration": {
                "FunctionName": "ecs-iam-roles",
                "FunctionArn": our_arn(),
                "State": "Active",
                "LastUpdateStatus": "Successful",
            }}),
        )
    } else {
        let result = runtime.invoke(payload, timeout).await;
        call.result = Some(result.clone());
        let mut headers = vec![("X-Amz-Executed-Version".to_string(), "$LATEST".to_string())];
        let body = match result {
            Ok(value) => value,
            Err(error) => {
                headers.push(("X-Amz-Function-Error".into(), "Unhandled".into()));
                error
            }
        };
        json_response(200, headers, &body)
    };
    calls.lock().unwrap().push(call);
    response
}

/// What one run of the framework printed (its own log lines on stdout), for failure messages.
struct Relayed {
    output: String,
}

/// Run aws-cdk-lib's provider framework (`onEvent`) on `event`, with our function as the
/// user's onEvent function behind `lambda`. It must end as a handled invocation (exit 0).
async fn relay(lambda: &LambdaApi, event: &Value) -> Relayed {
    let script = relay_script();
    let mut child = tokio::process::Command::new("node")
        .arg(&script)
        .arg(&lambda.endpoint)
        .arg(our_arn())
        .current_dir(tools())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_REGION", REGION)
        .env("AWS_DEFAULT_REGION", REGION)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `node` from PATH ({e}): the relay test runs aws-cdk-lib's provider \
                 framework under node; install node and npm, then run scripts/setup.sh"
            )
        });
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(&serde_json::to_vec(event).unwrap())
        .await
        .unwrap();
    drop(stdin);
    let out = tokio::time::timeout(Duration::from_secs(180), child.wait_with_output())
        .await
        .expect("the provider framework did not finish within 180 s")
        .unwrap();
    let output = format!(
        "--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "the provider framework's onEvent failed ({}); Lambda calls: {:?}\n{output}",
        out.status,
        lambda.calls()
    );
    Relayed { output }
}

/// A CloudFormation event for a custom resource whose ServiceToken is `service_token`.
fn event_via(
    conv: &Conversation,
    service_token: &str,
    request_type: &str,
    properties: Value,
) -> (String, Value) {
    let (id, mut event) = conv.event(request_type, properties);
    event["ServiceToken"] = json!(service_token);
    event["ResourceProperties"]["ServiceToken"] = json!(service_token);
    (id, event)
}

/// Every PUT CloudFormation got for `request_id`, after waiting `SETTLE` for a late one.
async fn settled_answers(conv: &Conversation, request_id: &str) -> Vec<Value> {
    tokio::time::sleep(SETTLE).await;
    conv.responses
        .puts_for(request_id)
        .iter()
        .map(|p| p.json())
        .collect()
}

/// The one answer, or a failure listing all of them.
#[track_caller]
fn only(answers: &[Value], what: &str, relayed: Option<&Relayed>) -> Value {
    assert_eq!(
        answers.len(),
        1,
        "{what}: CloudFormation must get exactly one answer, got {}: {}{}",
        answers.len(),
        serde_json::to_string_pretty(answers).unwrap(),
        relayed
            .map(|r| format!("\n{}", r.output))
            .unwrap_or_default()
    );
    answers[0].clone()
}

/// The Answer shape the support assertions take, from a PUT the framework sent.
fn as_answer(conv: &Conversation, request_id: &str, returned: Result<Value, Value>) -> Answer {
    let put = conv.responses.puts_for(request_id).remove(0);
    Answer {
        request_id: request_id.to_string(),
        body: put.json(),
        put,
        returned,
    }
}

#[tokio::test]
async fn relayed_create_and_delete_get_one_answer_each() {
    let conv = Conversation::new().await;
    let iam = iam_client(moto_endpoint()).await;
    let lambda = LambdaApi::start(conv.function.runtime.clone(), conv.timeout).await;
    let props = json!({"Roles": {"TaskExecution": {}}});

    let (id, event) = event_via(&conv, &framework_arn(), "Create", props.clone());
    let relayed = relay(&lambda, &event).await;
    let answers = settled_answers(&conv, &id).await;

    // The framework's own behaviour: one Invoke of our function, carrying the real ResponseURL.
    let invokes = lambda.invokes();
    assert_eq!(invokes.len(), 1, "one Invoke: {:?}", lambda.calls());
    assert_eq!(invokes[0].function, our_arn());
    assert_eq!(
        invokes[0].payload["ResponseURL"], event["ResponseURL"],
        "the framework relays the real ResponseURL"
    );
    assert_eq!(
        invokes[0].payload["ResourceProperties"]["ServiceToken"],
        json!(framework_arn())
    );
    assert!(
        lambda.calls().iter().all(|c| c.action == "Invoke"),
        "no GetFunction (it follows only a failed Invoke, and retries it): {:?}",
        lambda.calls()
    );

    // Our function's side: no PUT of its own, the answer is its return value.
    let answer = only(&answers, "relayed Create", Some(&relayed));
    assert_eq!(answer["Status"], "SUCCESS", "{answer}\n{}", relayed.output);
    let returned = invokes[0]
        .result
        .clone()
        .expect("the Invoke ran the function");
    let returned_value = returned
        .clone()
        .unwrap_or_else(|e| panic!("a relayed successful Create returns a value, got error {e}"));
    let physical_id = answer["PhysicalResourceId"].as_str().unwrap().to_string();
    assert_eq!(
        returned_value["PhysicalResourceId"],
        json!(physical_id),
        "the framework answers the function's PhysicalResourceId"
    );
    assert_ne!(
        physical_id, id,
        "not the framework's default id (the RequestId)"
    );
    assert_eq!(returned_value["Data"], answer["Data"]);
    assert!(answer["Data"]["TaskExecutionRoleArn"]
        .as_str()
        .is_some_and(|arn| arn.starts_with(&format!("arn:aws:iam::{ACCOUNT}:role/"))));
    assert_iam_matches(&iam, &conv, &as_answer(&conv, &id, returned), &props).await;

    // Delete, relayed the same way.
    let (id, mut event) = event_via(&conv, &framework_arn(), "Delete", props.clone());
    event["PhysicalResourceId"] = json!(physical_id);
    let relayed = relay(&lambda, &event).await;
    let answers = settled_answers(&conv, &id).await;
    let answer = only(&answers, "relayed Delete", Some(&relayed));
    assert_eq!(answer["Status"], "SUCCESS", "{answer}\n{}", relayed.output);
    assert_eq!(answer["PhysicalResourceId"], json!(physical_id));
    assert_eq!(lambda.invokes().len(), 2);
    assert_all_gone(&iam, &conv, &physical_id, &props).await;
}

#[tokio::test]
async fn relayed_bad_create_gets_one_failed_answer_with_our_reason() {
    let conv = Conversation::new().await;
    let lambda = LambdaApi::start(conv.function.runtime.clone(), conv.timeout).await;
    let props = json!({"Rolez": {"TaskExecution": {}}});

    let (id, event) = event_via(&conv, &framework_arn(), "Create", props.clone());
    let relayed = relay(&lambda, &event).await;
    let answers = settled_answers(&conv, &id).await;
    let invokes = lambda.invokes();
    assert_eq!(invokes.len(), 1, "one Invoke: {:?}", lambda.calls());

    let answer = only(&answers, "relayed bad Create", Some(&relayed));
    assert_eq!(answer["Status"], "FAILED", "{answer}\n{}", relayed.output);
    // The invocation failed with our Reason, and the framework passed it on.
    let error = match invokes[0]
        .result
        .clone()
        .expect("the Invoke ran the function")
    {
        Err(error) => error,
        Ok(value) => panic!("a relayed FAILED must fail the invocation, it returned {value}"),
    };
    let message = error["errorMessage"].as_str().unwrap_or_default();
    assert!(
        message.contains("Rolez"),
        "error names the property: {error}"
    );
    let reason = answer["Reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains(message),
        "the Reason carries the function's message {message:?}: {reason}"
    );
    assert!(
        reason.contains("Logs: /aws/lambda/ecs-iam-roles"),
        "{reason}"
    );
    // The framework's answer to a failed Create, whose Delete it then ignores.
    assert_eq!(answer["PhysicalResourceId"], CREATE_FAILED_MARKER);

    let (id, mut event) = event_via(&conv, &framework_arn(), "Delete", props);
    event["PhysicalResourceId"] = json!(CREATE_FAILED_MARKER);
    let relayed = relay(&lambda, &event).await;
    let answer = only(
        &settled_answers(&conv, &id).await,
        "Delete after it",
        Some(&relayed),
    );
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    assert_eq!(
        lambda.invokes().len(),
        1,
        "the framework answers that Delete without invoking the function"
    );
}

#[tokio::test]
async fn direct_wiring_by_arn_alias_or_version_gets_one_put_from_the_function() {
    let conv = Conversation::new().await;
    let iam = iam_client(moto_endpoint()).await;
    let props = json!({"Roles": {"TaskExecution": {}}});
    for token in [
        our_arn(),
        format!("{}:live", our_arn()),
        format!("{}:7", our_arn()),
    ] {
        let (id, event) = event_via(&conv, &token, "Create", props.clone());
        let created = conv.send(&id, event).await;
        let answer = only(&settled_answers(&conv, &id).await, &token, None);
        assert_eq!(answer["Status"], "SUCCESS", "{token}: {answer}");
        assert!(
            created.returned.is_ok(),
            "{token}: the invocation succeeds once answered: {:?}",
            created.returned
        );
        assert_iam_matches(&iam, &conv, &created, &props).await;

        let physical_id = created.physical_id();
        let (id, mut event) = event_via(&conv, &token, "Delete", props.clone());
        event["PhysicalResourceId"] = json!(physical_id);
        conv.send(&id, event).await.assert_success();
        only(&settled_answers(&conv, &id).await, &token, None);
        assert_all_gone(&iam, &conv, &physical_id, &props).await;
    }
}
