//! Every documented kind against moto: created exactly as the catalog says (trust, attached
//! ARNs, inline and customer-managed documents, tags, path, boundary), every output key, and
//! nothing left behind by Delete or by a Create that fails halfway.

mod support;

use serde_json::{json, Value};
use support::proxy::FaultProxy;
use support::*;

async fn create_check_delete(properties: Value) {
    let iam = iam_client(moto_endpoint()).await;
    let conv = Conversation::new().await;
    let created = conv.create(properties.clone()).await;
    assert_iam_matches(&iam, &conv, &created, &properties).await;
    let id = created.physical_id();
    conv.delete(&id, properties.clone()).await.assert_success();
    assert_all_gone(&iam, &conv, &id, &properties).await;
}

#[tokio::test]
async fn ecs_anywhere() {
    create_check_delete(json!({"Roles": {"EcsAnywhere": {}}})).await;
}

#[tokio::test]
async fn ecs_anywhere_least_privilege() {
    create_check_delete(json!({"Roles": {"EcsAnywhere": {"LeastPrivilege": "true"}}})).await;
}

#[tokio::test]
async fn task_execution() {
    create_check_delete(json!({"Roles": {"TaskExecution": {}}, "RestrictTrustToAccount": "false"}))
        .await;
}

#[tokio::test]
async fn task() {
    create_check_delete(json!({"Roles": {"Task": {"ClusterName": name("cluster")}}})).await;
}

#[tokio::test]
async fn task_least_privilege() {
    create_check_delete(json!({"Roles": {"Task": {"ClusterName": "c", "LeastPrivilege": "true"}}}))
        .await;
}

#[tokio::test]
async fn sso_management() {
    create_check_delete(json!({"Roles": {"SsoManagement": {
        "TrustedPrincipalArn": PRINCIPAL, "ExternalId": "optional-string", "SsoRegion": "us-east-1",
        "RoleName": name("sso"), "PolicyName": name("ssoPolicy")
    }}}))
    .await;
}

#[tokio::test]
async fn cluster_access() {
    create_check_delete(json!({"Roles": {"ClusterAccess": {"TrustedPrincipalArn": PRINCIPAL}}}))
        .await;
}

#[tokio::test]
async fn all_five_with_path_boundary_and_tags() {
    let iam = iam_client(moto_endpoint()).await;
    let boundary = boundary_policy(&iam).await;
    let properties = json!({
        "Path": "/ecs/",
        "PermissionsBoundary": boundary,
        "Tags": [{"Key": "team", "Value": "platform"}, {"Key": "cost-center", "Value": "42"}],
        "Roles": {
            "EcsAnywhere": {"LeastPrivilege": "true"},
            "TaskExecution": {},
            "Task": {"ClusterName": "retail-store-ecs-cluster"},
            "SsoManagement": {"TrustedPrincipalArn": PRINCIPAL},
            "ClusterAccess": {"TrustedPrincipalArn": PRINCIPAL, "ExternalId": "ext-id-1"},
        }
    });
    let conv = Conversation::new().await;
    let created = conv.create(properties.clone()).await;
    assert_iam_matches(&iam, &conv, &created, &properties).await;
    assert_eq!(created.body["Data"].as_object().unwrap().len(), 15);
    for key in [
        "TaskRoleName",
        "TaskExecutionRoleName",
        "EcsAnywhereRoleName",
    ] {
        let name = created.data(key);
        assert!(
            name.len() <= 64 && name.starts_with(&conv.stack_name[..5]),
            "{key}: {name}"
        );
    }
    assert!(created.data("TaskRoleArn").contains(":role/ecs/"));
    assert!(created
        .data("SsoManagementPolicyArn")
        .contains(":policy/ecs/"));

    // The same Create delivered again: same answer, still exactly one of everything.
    let (request_id, mut event) = conv.event("Create", properties.clone());
    event["RequestId"] = json!(created.request_id);
    event["ResponseURL"] = json!(conv.responses.url(&request_id));
    let again = conv.send(&request_id, event).await;
    assert_eq!(again.physical_id(), created.physical_id());
    assert_eq!(again.body["Data"], created.body["Data"]);
    assert_iam_matches(&iam, &conv, &again, &properties).await;

    let id = created.physical_id();
    conv.delete(&id, properties.clone()).await.assert_success();
    assert_all_gone(&iam, &conv, &id, &properties).await;
}

#[tokio::test]
async fn failure_mid_create_leaves_nothing_behind() {
    let iam = iam_client(moto_endpoint()).await;
    let proxy = FaultProxy::start(moto_endpoint()).await;
    // Phase one (roles and policies) succeeds; the inline policy of phase two fails.
    proxy.fail(
        "PutRolePolicy",
        409,
        "LimitExceeded",
        "Cannot exceed quota for PoliciesPerRole: 10",
    );
    let conv = Conversation::with(&proxy.endpoint, 0).await;
    let properties = json!({"Roles": {
        "EcsAnywhere": {"LeastPrivilege": "true"},
        "TaskExecution": {},
        "Task": {"ClusterName": "c"},
        "SsoManagement": {"TrustedPrincipalArn": PRINCIPAL},
        "ClusterAccess": {"TrustedPrincipalArn": PRINCIPAL},
    }});
    let answer = conv.create(properties.clone()).await;
    assert_eq!(answer.status(), "FAILED", "{}", answer.body);
    let reason = answer.reason();
    assert!(reason.contains("PutRolePolicy"), "{reason}");
    assert!(reason.contains("LimitExceeded"), "{reason}");
    assert!(reason.contains("Cannot exceed quota"), "{reason}");
    let (desired, _) = desired_for(&conv, &answer.physical_id(), &properties);
    let task_role = &desired
        .roles
        .iter()
        .find(|r| r.kind == ecs_iam_roles::kinds::Kind::Task)
        .unwrap()
        .name;
    assert!(
        reason.contains(task_role.as_str()),
        "names the role: {reason}"
    );
    let calls = proxy.calls();
    assert!(calls.iter().any(|c| c == "CreateRole"), "{calls:?}");
    assert!(
        calls.iter().any(|c| c == "DeleteRole"),
        "cleanup ran: {calls:?}"
    );
    assert_all_gone(&iam, &conv, &answer.physical_id(), &properties).await;
    // CloudFormation's Delete after the failed Create succeeds.
    conv.delete(&answer.physical_id(), properties)
        .await
        .assert_success();
}

#[tokio::test]
async fn service_linked_roles_are_made_once_found_after_and_never_deleted() {
    let iam = iam_client(moto_endpoint()).await;
    let props = json!({"PropagationDelay": "0", "Roles": {"ServiceLinked": {"Services": ["Ecs"]}}});
    let first = Conversation::new().await;
    let created = first.create(props.clone()).await;
    created.assert_success();
    let arn = created.data("EcsServiceLinkedRoleArn");
    assert_eq!(
        arn,
        format!(
            "arn:aws:iam::{ACCOUNT}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"
        )
    );
    let role = iam
        .get_role()
        .role_name("AWSServiceRoleForECS")
        .send()
        .await
        .expect("made under IAM's name");
    let role = role.role().unwrap();
    assert_eq!(role.path(), "/aws-service-role/ecs.amazonaws.com/");
    assert!(role.tags().is_empty(), "never tagged as owned");

    // Another stack asks for it too: IAM answers that it exists, which is success.
    let proxy = FaultProxy::start(moto_endpoint()).await;
    let second = Conversation::with(&proxy.endpoint, 0).await;
    let found = second.create(props.clone()).await;
    found.assert_success();
    assert_eq!(found.data("EcsServiceLinkedRoleArn"), arn);
    assert_eq!(
        proxy.count("CreateServiceLinkedRole"),
        1,
        "{:?}",
        proxy.calls()
    );

    for (conv, answer) in [(&first, &created), (&second, &found)] {
        conv.delete(&answer.physical_id(), props.clone())
            .await
            .assert_success();
    }
    assert!(
        iam.get_role()
            .role_name("AWSServiceRoleForECS")
            .send()
            .await
            .is_ok(),
        "the account's service-linked role stays"
    );
}

#[tokio::test]
async fn other_invalid_input_from_create_service_linked_role_fails() {
    let proxy = FaultProxy::start(moto_endpoint()).await;
    proxy.fail(
        "CreateServiceLinkedRole",
        400,
        "InvalidInput",
        "Custom suffix is not allowed for ecs.amazonaws.com",
    );
    let conv = Conversation::with(&proxy.endpoint, 0).await;
    let answer = conv
        .create(json!({"PropagationDelay": "0", "Roles": {"ServiceLinked": {"Services": ["Ecs"]}}}))
        .await;
    assert_eq!(answer.status(), "FAILED", "{}", answer.body);
    assert!(
        answer.reason().contains("Custom suffix is not allowed"),
        "{}",
        answer.reason()
    );
    assert!(
        answer.reason().contains("AWSServiceRoleForECS"),
        "{}",
        answer.reason()
    );
}
