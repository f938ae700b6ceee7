//! Exactly one answer, for any bytes: events serde_json cannot build a value of, a ResponseURL
//! that never answers, an Update of a resource whose Create failed, and logs that never show a
//! credential at any level.

use crate::support::*;
use serde_json::{json, Value};
use std::time::{Duration, SystemTime};

/// `depth` objects nested in one another, innermost `{}`: past serde_json's limit of 128.
fn nested(depth: usize) -> String {
    format!("{}{{}}{}", "{\"a\":".repeat(depth), "}".repeat(depth))
}

#[tokio::test]
async fn an_event_nested_past_the_parsers_limit_is_still_answered() {
    let conv = Conversation::new().await;
    for (request_type, status) in [
        ("Create", "FAILED"),
        ("Update", "FAILED"),
        ("Delete", "SUCCESS"),
    ] {
        let (request_id, mut event) =
            conv.event(request_type, json!({"Roles": {"TaskExecution": {}}}));
        if request_type != "Create" {
            event["PhysicalResourceId"] = json!("stack-EcsRoles-0123456789ab01234567");
        }
        event["ResourceProperties"]["Deep"] = json!("PLACEHOLDER");
        // serde_json cannot build this event as a Value; the function gets its raw bytes.
        let text = event.to_string().replace("\"PLACEHOLDER\"", &nested(200));
        assert!(
            serde_json::from_str::<Value>(&text).is_err(),
            "the test event must be too deep"
        );
        let raw: Box<serde_json::value::RawValue> = serde_json::from_str(&text).unwrap();
        let returned = conv.function.runtime.invoke_raw(raw, conv.timeout).await;
        let put = conv
            .responses
            .wait_for(&request_id, Duration::from_secs(5))
            .await
            .json();
        assert_eq!(put["Status"], status, "{request_type}: {put}");
        assert_eq!(put["RequestId"], request_id.as_str());
        assert_eq!(put["LogicalResourceId"], "EcsRoles");
        let id = put["PhysicalResourceId"].as_str().unwrap();
        assert!(!id.is_empty());
        if request_type == "Create" {
            assert!(
                put["Reason"]
                    .as_str()
                    .unwrap()
                    .starts_with("malformed event: recursion limit exceeded"),
                "{put}"
            );
            assert!(
                id.starts_with("ecs-iam-roles-failed-"),
                "nothing was made: a marker id, {id}"
            );
        } else {
            assert_eq!(
                id, "stack-EcsRoles-0123456789ab01234567",
                "the event's own id"
            );
        }
        assert!(
            returned.is_ok(),
            "answered, so the invocation succeeds: {returned:?}"
        );
        assert_eq!(conv.responses.puts_for(&request_id).len(), 1);
    }
}

#[tokio::test]
async fn a_response_url_that_never_answers_cannot_hold_the_function_past_its_deadline() {
    let mut conv = Conversation::new().await;
    conv.timeout = Duration::from_secs(4);
    let blackhole = http::blackhole().await;
    let (_, mut event) = conv.event("Create", json!({"Roles": {}}));
    event["ResponseURL"] = json!(format!(
        "http://{blackhole}/cfn-response?X-Amz-Signature=SECRET"
    ));
    let deadline = SystemTime::now() + conv.timeout;
    let returned = conv.function.runtime.invoke(event, conv.timeout).await;
    let finished = SystemTime::now();
    assert!(
        finished < deadline,
        "finished {:?} after the deadline",
        finished.duration_since(deadline).unwrap()
    );
    // Not delivered: the invocation fails, so Lambda's own retry can try once more.
    let err = returned.unwrap_err().to_string();
    assert!(err.contains("no answer in time"), "{err}");
    assert!(!err.contains("SECRET"), "{err}");
}

#[tokio::test]
async fn an_update_of_a_resource_whose_create_failed_creates_it_and_the_markers_delete_keeps_it() {
    let iam = iam_client(moto_endpoint()).await;
    let conv = Conversation::new().await;
    let bad = conv
        .create(json!({"Roles": {"TaskExecution": {"RoleName": "has space"}}}))
        .await;
    assert_eq!(bad.status(), "FAILED");
    // The line template.yaml's FailedAnswersMetricFilter counts, `{ $.message = "answered" &&
    // $.status = "FAILED" }`, at INFO, which every ApplicationLogLevel the template allows keeps.
    let logs = conv.function.log_text();
    let failed: Vec<Value> = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["message"] == "answered" && l["status"] == "FAILED")
        .collect();
    assert_eq!(failed.len(), 1, "{logs}");
    assert_eq!(failed[0]["level"], "INFO", "{}", failed[0]);
    let marker = bad.physical_id();

    let props = json!({"Roles": {"TaskExecution": {"RoleName": name("made-by-update")}}});
    let updated = conv
        .update(
            &marker,
            props.clone(),
            json!({"Roles": {"TaskExecution": {"RoleName": "has space"}}}),
        )
        .await;
    updated.assert_success();
    let id = updated.physical_id();
    assert_ne!(
        id, marker,
        "a new id: CloudFormation then deletes the marker"
    );
    assert_iam_matches(&iam, &conv, &updated, &props).await;

    conv.delete(
        &marker,
        json!({"Roles": {"TaskExecution": {"RoleName": "has space"}}}),
    )
    .await
    .assert_success();
    assert_iam_matches(&iam, &conv, &updated, &props).await;
    conv.delete(&id, props.clone()).await.assert_success();
    assert_all_gone(&iam, &conv, &id, &props).await;
}

#[tokio::test]
async fn no_log_level_shows_the_presigned_query_or_an_external_id() {
    for level in ["trace", "debug"] {
        let operator = [
            ("ECS_IAM_ROLES_ALLOW_ADOPTION", "true"),
            ("AWS_LAMBDA_LOG_LEVEL", level),
        ];
        let conv = Conversation::with_operator(moto_endpoint(), 0, &operator).await;
        let props = json!({"Roles": {"ClusterAccess": {
            "TrustedPrincipalArn": "arn:aws:iam::111122223333:role/granted-access-handler",
            "ExternalId": "SHARED-SECRET-7f3a",
        }}});
        let created = conv.create(props.clone()).await;
        created.assert_success();
        conv.delete(&created.physical_id(), props)
            .await
            .assert_success();
        let logs = conv.function.log_text();
        assert!(
            logs.contains("\"received\""),
            "{level}: this crate logs at {level}:\n{logs}"
        );
        for secret in ["SHARED-SECRET-7f3a", "X-Amz-Signature", "SECRET"] {
            assert!(
                !logs.contains(secret),
                "{level}: {secret} in the logs:\n{logs}"
            );
        }
    }
}
