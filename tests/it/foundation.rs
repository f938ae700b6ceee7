//! The foundation, end to end: the real binary under a Runtime API, moto as IAM, a real
//! ResponseURL. Each test is a CloudFormation conversation with the IAM state checked.

use crate::support::*;
use serde_json::{json, Value};
use std::time::{Duration, SystemTime};

const TASK_EXECUTION_POLICY: &str =
    "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";
const OWNER_TAG: &str = "ecs-iam-roles:owner";

#[tokio::test]
async fn task_execution_create_update_delete() {
    let iam = iam_client(moto_endpoint()).await;
    let conv = Conversation::new().await;
    let role = name("execRole");
    let props = json!({"Roles": {"TaskExecution": {"RoleName": role}}});

    let created = conv.create(props.clone()).await;
    created.assert_success();
    let id = created.physical_id();
    assert!(!id.is_empty() && id.len() <= 1024);
    assert_eq!(
        created.data("TaskExecutionRoleArn"),
        format!("arn:aws:iam::{ACCOUNT}:role/{role}")
    );
    assert_eq!(created.data("TaskExecutionRoleName"), role);
    assert_eq!(
        created.body["Data"].as_object().unwrap().len(),
        2,
        "{}",
        created.body
    );
    assert_eq!(created.body["StackId"], conv.stack_id);
    assert_eq!(created.body["RequestId"], created.request_id.as_str());
    assert_eq!(created.body["LogicalResourceId"], "EcsRoles");
    // The invocation itself succeeded and returned the same body.
    assert_eq!(created.returned.as_ref().unwrap(), &created.body);

    let state = role_state(&iam, &role).await.expect("role exists");
    assert_eq!(state.path, "/");
    assert_eq!(state.attached, vec![TASK_EXECUTION_POLICY.to_string()]);
    assert!(state.inline.is_empty());
    assert_eq!(state.tags.get(OWNER_TAG), Some(&id));
    let statement = &state.trust["Statement"][0];
    assert_eq!(statement["Principal"]["Service"], "ecs-tasks.amazonaws.com");
    assert_eq!(statement["Action"], "sts:AssumeRole");
    assert_eq!(
        statement["Condition"]["StringEquals"]["aws:SourceAccount"],
        ACCOUNT
    );
    assert_eq!(
        statement["Condition"]["ArnLike"]["aws:SourceArn"],
        format!("arn:aws:ecs:{REGION}:{ACCOUNT}:*")
    );

    // Update in place: a tag and the trust restriction change; same id, same ARN.
    let new_props = json!({
        "Roles": {"TaskExecution": {"RoleName": role}},
        "Tags": [{"Key": "team", "Value": "platform"}],
        "RestrictTrustToAccount": "false"
    });
    let updated = conv.update(&id, new_props.clone(), props.clone()).await;
    updated.assert_success();
    assert_eq!(updated.physical_id(), id);
    assert_eq!(
        updated.data("TaskExecutionRoleArn"),
        created.data("TaskExecutionRoleArn")
    );
    let state = role_state(&iam, &role).await.unwrap();
    assert_eq!(state.tags.get("team").map(String::as_str), Some("platform"));
    assert_eq!(state.tags.get(OWNER_TAG), Some(&id));
    assert!(
        state.trust["Statement"][0].get("Condition").is_none(),
        "{}",
        state.trust
    );

    let deleted = conv.delete(&id, new_props.clone()).await;
    deleted.assert_success();
    assert_eq!(deleted.physical_id(), id);
    assert!(role_state(&iam, &role).await.is_none(), "role must be gone");

    // A repeated Delete finds nothing and succeeds.
    conv.delete(&id, new_props).await.assert_success();

    // Logs: structured JSON with the request's ids, never the ResponseURL's query.
    let logs = conv.function.log_text();
    assert!(
        !logs.contains("SECRET"),
        "the presigned query leaked into the logs:\n{logs}"
    );
    let answered: Vec<Value> = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["message"] == "answered")
        .collect();
    assert_eq!(answered.len(), 4, "{logs}");
    for line in &answered {
        assert!(
            line["span"]["RequestId"]
                .as_str()
                .unwrap()
                .starts_with("req-"),
            "{line}"
        );
        assert_eq!(line["span"]["LogicalResourceId"], "EcsRoles");
        assert!(line["duration_ms"].is_u64(), "{line}");
        assert!(line["iam_calls"].as_u64().unwrap() > 0, "{line}");
    }
    assert_eq!(answered[0]["span"]["RequestType"], "Create");
    // The Create's IAM calls, by action: one role made, one policy attached, nothing read.
    assert_eq!(
        answered[0]["iam_calls_by_action"],
        json!({"AttachRolePolicy": 1, "CreateRole": 1}),
        "{}",
        answered[0]
    );
}

#[tokio::test]
async fn generated_name_when_role_name_is_absent() {
    let iam = iam_client(moto_endpoint()).await;
    let conv = Conversation::new().await;
    let props = json!({"Roles": {"TaskExecution": {}}});
    let created = conv.create(props.clone()).await;
    created.assert_success();
    let role = created.data("TaskExecutionRoleName");
    assert!(
        role.len() <= 64 && role.starts_with(&conv.stack_name[..5]),
        "{role}"
    );
    assert!(role_state(&iam, &role).await.is_some());
    conv.delete(&created.physical_id(), props)
        .await
        .assert_success();
    assert!(role_state(&iam, &role).await.is_none());
}

#[tokio::test]
async fn same_create_delivered_twice_gives_the_same_answer() {
    let iam = iam_client(moto_endpoint()).await;
    let conv = Conversation::new().await;
    let props = json!({"Roles": {"TaskExecution": {}}});
    let (request_id, event) = conv.event("Create", props.clone());
    let (first, second) = conv.send_twice(&request_id, event).await;
    first.assert_success();
    assert_eq!(second["Status"], "SUCCESS");
    assert_eq!(
        second["PhysicalResourceId"],
        first.body["PhysicalResourceId"]
    );
    assert_eq!(second["Data"], first.body["Data"]);
    let role = first.data("TaskExecutionRoleName");
    assert_eq!(role_state(&iam, &role).await.unwrap().attached.len(), 1);
    conv.delete(&first.physical_id(), props)
        .await
        .assert_success();
}

#[tokio::test]
async fn existing_role_not_owned_is_refused_and_untouched() {
    let iam = iam_client(moto_endpoint()).await;
    let role = name("foreign");
    iam.create_role()
        .role_name(&role)
        .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[]}"#)
        .send()
        .await
        .unwrap();
    let conv = Conversation::new().await;
    let props = json!({"Roles": {"TaskExecution": {"RoleName": role}}});
    let answer = conv.create(props.clone()).await;
    assert_eq!(answer.status(), "FAILED");
    assert!(answer.reason().contains(&role), "{}", answer.reason());
    assert!(
        answer.reason().contains("AdoptExisting"),
        "{}",
        answer.reason()
    );
    let state = role_state(&iam, &role)
        .await
        .expect("foreign role still exists");
    assert!(state.attached.is_empty());
    assert!(state.tags.is_empty());
    // CloudFormation then deletes the failed resource: the foreign role survives it.
    conv.delete(&answer.physical_id(), props)
        .await
        .assert_success();
    assert!(role_state(&iam, &role).await.is_some());
}

#[tokio::test]
async fn bad_properties_fail_before_any_iam_call() {
    // IAM is a blackhole: any call would hang until the deadline.
    let conv = Conversation::with(&format!("http://{}", http::blackhole().await), 0).await;
    let answer = conv
        .create(json!({"Roles": {"TaskExecution": {"RoleNmae": "x"}, "Task": {}}, "Tags": [{"Key": "aws:x", "Value": "y"}]}))
        .await;
    assert_eq!(answer.status(), "FAILED");
    let reason = answer.reason();
    for property in [
        "Roles.TaskExecution.RoleNmae",
        "Roles.Task.ClusterName",
        "Tags[0].Key",
    ] {
        assert!(
            reason.contains(property),
            "{property} missing from {reason}"
        );
    }
    let id = answer.physical_id();
    assert!(!id.is_empty());
    assert!(
        conv.function.log_text().contains("\"iam_calls\":0"),
        "{}",
        conv.function.log_text()
    );
    // Its Delete succeeds at once, also with IAM unreachable.
    let deleted = conv
        .delete(&id, json!({"Roles": {"TaskExecution": {"RoleNmae": "x"}}}))
        .await;
    deleted.assert_success();
}

#[tokio::test]
async fn malformed_events_are_answered_failed() {
    let conv = Conversation::with(&format!("http://{}", http::blackhole().await), 0).await;
    let cases: Vec<(&str, Mutation)> = vec![
        (
            "RequestType",
            Box::new(|e: &mut Value| {
                e.as_object_mut().unwrap().remove("RequestType");
            }),
        ),
        (
            "Upsert",
            Box::new(|e: &mut Value| e["RequestType"] = json!("Upsert")),
        ),
        (
            "ResourceProperties",
            Box::new(|e: &mut Value| e["ResourceProperties"] = json!("not an object")),
        ),
        (
            "StackId",
            Box::new(|e: &mut Value| {
                e.as_object_mut().unwrap().remove("StackId");
            }),
        ),
        (
            "StackId",
            Box::new(|e: &mut Value| e["StackId"] = json!("not-an-arn")),
        ),
    ];
    for (expected, mutate) in cases {
        let (request_id, mut event) = conv.event("Create", json!({"Roles": {"TaskExecution": {}}}));
        mutate(&mut event);
        let answer = conv.send(&request_id, event).await;
        assert_eq!(answer.status(), "FAILED", "{expected}: {}", answer.body);
        assert!(
            answer.reason().contains(expected),
            "{expected}: {}",
            answer.reason()
        );
        assert!(!answer.physical_id().is_empty());
        assert!(
            answer.returned.is_ok(),
            "the invocation must succeed once answered"
        );
    }
}

#[tokio::test]
async fn response_url_failing_twice_is_retried() {
    let conv = Conversation::with(moto_endpoint(), 2).await;
    let props = json!({"Roles": {"TaskExecution": {}}});
    let answer = conv.create(props.clone()).await;
    answer.assert_success();
    assert_eq!(conv.responses.attempts(), 3);
    let put = &answer.put.request;
    assert_eq!(put.method, "PUT");
    assert_eq!(put.header("content-type"), Some(""), "{:?}", put.headers);
    let lengths = put
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .count();
    assert_eq!(lengths, 1, "one Content-Length: {:?}", put.headers);
    assert_eq!(
        put.header("content-length"),
        Some(put.body.len().to_string().as_str())
    );
    assert!(put.body.len() <= 4096);
    conv.delete(&answer.physical_id(), props)
        .await
        .assert_success();
}

#[tokio::test]
async fn deadline_shorter_than_the_work_is_answered_failed_in_time() {
    let mut conv = Conversation::with(&format!("http://{}", http::blackhole().await), 0).await;
    conv.timeout = Duration::from_secs(4);
    let (request_id, event) = conv.event("Create", json!({"Roles": {"TaskExecution": {}}}));
    let deadline = SystemTime::now() + conv.timeout;
    let answer = conv.send(&request_id, event).await;
    assert_eq!(answer.status(), "FAILED");
    assert!(answer.reason().contains("timed out"), "{}", answer.reason());
    assert!(
        answer.put.at < deadline,
        "answered {:?} after the deadline",
        answer.put.at.duration_since(deadline)
    );
    // STS is unreachable too, so the function never learned its account and made no IAM
    // call: the id is a failed Create's marker, whose Delete has nothing to do.
    assert!(
        answer.reason().contains("timed out asking STS"),
        "{}",
        answer.reason()
    );
    assert!(
        answer.physical_id().starts_with("ecs-iam-roles-failed-"),
        "{}",
        answer.physical_id()
    );
    assert!(answer.returned.is_ok());
    // The process lives on for the next event.
    assert!(conv.function.is_running());
}

#[tokio::test]
async fn no_response_url_is_answered_by_return_value() {
    let iam = iam_client(moto_endpoint()).await;
    let conv = Conversation::new().await;
    let props = json!({"Roles": {"TaskExecution": {}}});
    let (_, mut event) = conv.event("Create", props.clone());
    event.as_object_mut().unwrap().remove("ResponseURL");
    let returned = conv
        .function
        .runtime
        .invoke(event, conv.timeout)
        .await
        .expect("success");
    let id = returned["PhysicalResourceId"].as_str().unwrap().to_string();
    let role = returned["Data"]["TaskExecutionRoleName"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(role_state(&iam, &role).await.is_some());
    assert_eq!(conv.responses.attempts(), 0, "no PUT without a ResponseURL");

    let (_, mut delete) = conv.event("Delete", props);
    delete.as_object_mut().unwrap().remove("ResponseURL");
    delete["PhysicalResourceId"] = json!(id);
    let returned = conv
        .function
        .runtime
        .invoke(delete, conv.timeout)
        .await
        .expect("success");
    assert_eq!(returned["PhysicalResourceId"], id.as_str());
    assert!(role_state(&iam, &role).await.is_none());

    // A failure without a ResponseURL is an invocation error carrying the reason.
    let (_, mut bad) = conv.event("Create", json!({"Roles": {}}));
    bad.as_object_mut().unwrap().remove("ResponseURL");
    let err = conv
        .function
        .runtime
        .invoke(bad, conv.timeout)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Roles"), "{err}");
}
