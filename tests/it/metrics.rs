//! What an operator reads from the function's logs: the one "answered" line per event carries its
//! CloudWatch metrics in the Embedded Metric Format (so an alarm on FAILED answers and the
//! Reason are one record) and the IAM calls by action as numbers; every line logged during an
//! event carries the Lambda request id and the X-Ray trace id.

use crate::support::proxy::FaultProxy;
use crate::support::*;
use serde_json::{json, Value};
use std::time::Duration;

/// The function's log lines that are JSON, in the order written.
fn lines(conv: &Conversation) -> Vec<Value> {
    conv.function
        .log_text()
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

/// The "answered" line of the CloudFormation request `request_id` (it is written after the PUT,
/// so it may take a moment to arrive).
async fn answered(conv: &Conversation, request_id: &str) -> Value {
    let until = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let found = lines(conv)
            .into_iter()
            .find(|l| l["message"] == "answered" && l["span"]["RequestId"] == request_id);
        if let Some(line) = found {
            return line;
        }
        assert!(
            tokio::time::Instant::now() < until,
            "no answered line for {request_id}:\n{}",
            conv.function.log_text()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The EMF declaration of a line: its one CloudWatchMetrics directive.
fn directive(line: &Value) -> &Value {
    let directives = line["_aws"]["CloudWatchMetrics"].as_array().expect("EMF");
    assert_eq!(directives.len(), 1, "{line}");
    assert!(line["_aws"]["Timestamp"].as_u64().unwrap() > 0, "{line}");
    &directives[0]
}

#[tokio::test]
async fn a_failed_answer_is_a_metric_on_the_line_that_holds_its_reason() {
    let conv = Conversation::new().await;
    let answer = conv
        .create(json!({"Roles": {"TaskExecution": {"RoleName": "has space"}}}))
        .await;
    assert_eq!(answer.status(), "FAILED");
    let line = answered(&conv, &answer.request_id).await;

    let emf = directive(&line);
    assert_eq!(emf["Namespace"], "EcsIamRoles", "{line}");
    assert_eq!(emf["Dimensions"], json!([["RequestType", "Status"]]));
    assert_eq!(
        emf["Metrics"],
        json!([
            {"Name": "Answers", "Unit": "Count"},
            {"Name": "DurationMs", "Unit": "Milliseconds"},
            {"Name": "IamCalls", "Unit": "Count"},
            {"Name": "IamWrites", "Unit": "Count"},
            {"Name": "ColdStart", "Unit": "Count"},
        ])
    );
    // The dimension and metric values are members of the same line as status and reason.
    assert_eq!(line["Status"], "FAILED", "{line}");
    assert_eq!(line["RequestType"], "Create", "{line}");
    assert_eq!(line["Answers"], 1, "{line}");
    assert_eq!(line["status"], "FAILED");
    assert_eq!(line["reason"], answer.reason().as_str());
    assert!(line["DurationMs"].is_u64(), "{line}");
    assert_eq!(line["DurationMs"], line["duration_ms"]);
    assert_eq!(line["IamCalls"], 0, "refused before any IAM call: {line}");
    assert_eq!(line["IamWrites"], 0, "{line}");
    assert_eq!(line["iam_calls_by_action"], json!({}), "{line}");
}

#[tokio::test]
async fn a_success_counts_its_iam_calls_and_only_the_first_invocation_is_cold() {
    let conv = Conversation::new().await;
    let props = json!({"Roles": {"TaskExecution": {"RoleName": name("metrics")}}});
    let created = conv.create(props.clone()).await;
    created.assert_success();
    let deleted = conv.delete(&created.physical_id(), props).await;
    deleted.assert_success();

    for (answer, request_type, cold) in [(&created, "Create", 1), (&deleted, "Delete", 0)] {
        let line = answered(&conv, &answer.request_id).await;
        assert_eq!(directive(&line)["Namespace"], "EcsIamRoles");
        assert_eq!(line["Status"], "SUCCESS", "{line}");
        assert_eq!(line["RequestType"], request_type, "{line}");
        assert_eq!(line["ColdStart"], cold, "{request_type}: {line}");
        let calls = line["iam_calls"].as_u64().unwrap();
        assert!(calls > 0, "{line}");
        assert_eq!(line["IamCalls"], calls, "{line}");
        assert_eq!(line["IamWrites"], line["iam_writes"], "{line}");
        assert!(line["IamWrites"].as_u64().unwrap() > 0, "{line}");
        let by_action = line["iam_calls_by_action"].as_object().expect("an object");
        let sum: u64 = by_action
            .values()
            .map(|n| n.as_u64().expect("a number"))
            .sum();
        assert_eq!(sum, calls, "{line}");
        if request_type == "Create" {
            assert_eq!(by_action["CreateRole"], 1, "{line}");
        }
    }
}

#[tokio::test]
async fn every_line_of_an_event_carries_the_lambda_request_id_and_trace_id() {
    let proxy = FaultProxy::start(moto_endpoint()).await;
    let settings = [
        ("ECS_IAM_ROLES_ALLOW_ADOPTION", "true"),
        ("AWS_LAMBDA_LOG_LEVEL", "debug"),
    ];
    let conv = Conversation::with_operator(&proxy.endpoint, 0, &settings).await;
    // One throttled call: the IAM session's retry warning is logged during the event too.
    proxy.fail_times("CreateRole", Some(1), 400, "Throttling", "Rate exceeded");
    let props = json!({"Roles": {"TaskExecution": {"RoleName": name("traced")}}});
    let created = conv.create(props.clone()).await;
    created.assert_success();
    let deleted = conv.delete(&created.physical_id(), props).await;
    deleted.assert_success();

    let mut lambda_ids = vec![];
    for answer in [&created, &deleted] {
        let answered = answered(&conv, &answer.request_id).await;
        let lambda_id = answered["span"]["LambdaRequestId"].as_str().unwrap();
        assert!(lambda_id.starts_with("lambda-"), "{answered}");
        lambda_ids.push(lambda_id.to_string());
        let trace = trace_id(lambda_id);
        // From the event's first line to its answered line, each line is the event's.
        let lines = lines(&conv);
        let first = lines
            .iter()
            .position(|l| l["span"]["RequestId"] == answer.request_id.as_str())
            .unwrap();
        let last = lines
            .iter()
            .position(|l| l["message"] == "answered" && l["span"] == answered["span"])
            .unwrap();
        let during = &lines[first..=last];
        assert!(during.len() >= 3, "debug lines of the event: {during:?}");
        for line in during {
            assert_eq!(line["span"]["RequestId"], answer.request_id.as_str());
            assert_eq!(line["span"]["LambdaRequestId"], lambda_id, "{line}");
            assert_eq!(line["span"]["xrayTraceId"], trace.as_str(), "{line}");
        }
        if answer.request_id == created.request_id {
            assert!(
                during.iter().any(|l| l["message"] == "retrying IAM call"
                    && l["action"] == "CreateRole"
                    && l["iam_message"] == "Rate exceeded"),
                "the throttled CreateRole was retried: {during:?}"
            );
        }
    }
    assert_ne!(lambda_ids[0], lambda_ids[1], "one Lambda request id each");
}

#[tokio::test]
async fn the_operator_names_the_metrics_namespace() {
    let settings = [("ECS_IAM_ROLES_METRICS_NAMESPACE", "Platform/EcsRoles")];
    let conv = Conversation::with_operator(moto_endpoint(), 0, &settings).await;
    let answer = conv
        .create(json!({"Roles": {"TaskExecution": {"RoleNmae": "x"}}}))
        .await;
    assert_eq!(answer.status(), "FAILED");
    let line = answered(&conv, &answer.request_id).await;
    assert_eq!(directive(&line)["Namespace"], "Platform/EcsRoles", "{line}");
    assert_eq!(line["Answers"], 1);
}
