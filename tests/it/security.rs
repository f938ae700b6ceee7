//! The contract's security rules as conversations: each refusal happens before any IAM write
//! (most before any IAM call), and names what to change.

mod guardrails;

use crate::support::proxy::FaultProxy;
use crate::support::*;
use serde_json::{json, Value};

/// A conversation through a counting proxy, with these operator settings.
async fn counted(operator: &[(&str, &str)]) -> (FaultProxy, Conversation) {
    let proxy = FaultProxy::start(moto_endpoint()).await;
    let conv = Conversation::with_operator(&proxy.endpoint, 0, operator).await;
    (proxy, conv)
}

#[tokio::test]
async fn the_operators_rules_refuse_before_any_iam_call() {
    let boundary = "arn:aws:iam::123456789012:policy/Boundary";
    let (proxy, conv) = counted(&[
        ("ECS_IAM_ROLES_MANAGED_PATH", "/ecs-iam-roles/"),
        ("ECS_IAM_ROLES_REQUIRED_BOUNDARY", boundary),
    ])
    .await;
    let cases: [(Value, &[&str]); 4] = [
        // No Path: the managed path is the default; no boundary: refused, naming it.
        (
            json!({"Roles": {"TaskExecution": {}}}),
            &["PermissionsBoundary", boundary],
        ),
        (
            json!({"Path": "/", "PermissionsBoundary": boundary, "Roles": {"TaskExecution": {}}}),
            &["Path", "/ecs-iam-roles/"],
        ),
        // Adoption is off unless the operator set exactly "true".
        (
            json!({"AdoptExisting": "true", "PermissionsBoundary": boundary, "Roles": {"TaskExecution": {}}}),
            &["AdoptExisting", "AllowAdoption"],
        ),
        (
            json!({"PermissionsBoundary": boundary, "Roles": {"SsoManagement": {"TrustedPrincipalArn": "arn:aws:iam::111122223333:root"}}}),
            &["TrustedPrincipalArn", "account root"],
        ),
    ];
    for (props, words) in cases {
        let answer = conv.create(props.clone()).await;
        assert_eq!(answer.status(), "FAILED", "{props}: {}", answer.body);
        for word in words {
            assert!(
                answer.reason().contains(word),
                "{props}: {}",
                answer.reason()
            );
        }
    }
    assert_eq!(proxy.calls(), Vec::<String>::new(), "no IAM call");

    // The same function creates what keeps the rules, under the managed path by default.
    let good = json!({"PermissionsBoundary": boundary, "Roles": {"TaskExecution": {}}});
    let created = conv.create(good.clone()).await;
    created.assert_success();
    assert!(
        created
            .data("TaskExecutionRoleArn")
            .contains(":role/ecs-iam-roles/"),
        "{}",
        created.body
    );
    conv.delete(&created.physical_id(), good)
        .await
        .assert_success();
}

#[tokio::test]
async fn adoption_is_off_when_the_operator_said_nothing() {
    let (proxy, conv) = counted(&[]).await;
    let answer = conv
        .create(json!({"AdoptExisting": "true", "Roles": {"TaskExecution": {}}}))
        .await;
    assert_eq!(answer.status(), "FAILED");
    assert!(
        answer.reason().contains("AllowAdoption"),
        "{}",
        answer.reason()
    );
    assert_eq!(proxy.calls(), Vec::<String>::new());
}

#[tokio::test]
async fn a_stack_in_another_account_is_refused_before_any_iam_call() {
    let (proxy, mut conv) = counted(TEST_OPERATOR).await;
    // moto's credentials live in 123456789012.
    conv.stack_id = conv.stack_id.replace(ACCOUNT, "210987654321");
    let answer = conv.create(json!({"Roles": {"TaskExecution": {}}})).await;
    assert_eq!(answer.status(), "FAILED", "{}", answer.body);
    assert!(
        answer.reason().contains("210987654321") && answer.reason().contains(ACCOUNT),
        "{}",
        answer.reason()
    );
    assert_eq!(proxy.calls(), Vec::<String>::new());
    // Its Delete has nothing to remove.
    conv.delete(
        &answer.physical_id(),
        json!({"Roles": {"TaskExecution": {}}}),
    )
    .await
    .assert_success();
}

#[tokio::test]
async fn an_id_replayed_into_another_stack_or_resource_changes_nothing() {
    let iam = iam_client(moto_endpoint()).await;
    let (proxy, conv) = counted(TEST_OPERATOR).await;
    let props = json!({"Roles": {"TaskExecution": {"RoleName": name("victim")}}});
    let created = conv.create(props.clone()).await;
    created.assert_success();
    let id = created.physical_id();

    // The same stack name, recreated (another GUID), and another logical resource.
    let mut other_stack = Conversation::with(&proxy.endpoint, 0).await;
    other_stack.stack_id = conv.stack_id.replace("5b6c0e10", "6c7d1f21");
    other_stack.stack_name = conv.stack_name.clone();
    let mut other_resource = Conversation::with(&proxy.endpoint, 0).await;
    other_resource.stack_id = conv.stack_id.clone();
    other_resource.logical_id = "OtherRoles".into();
    proxy.clear_calls();
    for forger in [&other_stack, &other_resource] {
        let changed = json!({"Roles": {"TaskExecution": {"RoleName": props["Roles"]["TaskExecution"]["RoleName"]}}, "Tags": [{"Key": "x", "Value": "y"}]});
        let update = forger.update(&id, changed, props.clone()).await;
        assert_eq!(update.status(), "FAILED", "{}", update.body);
        assert!(
            update.reason().contains("was not made for"),
            "{}",
            update.reason()
        );
        let delete = forger.delete(&id, props.clone()).await;
        assert_eq!(delete.status(), "FAILED", "{}", delete.body);
    }
    assert_eq!(proxy.calls(), Vec::<String>::new(), "no IAM call");
    assert_iam_matches(&iam, &conv, &created, &props).await;
    conv.delete(&id, props).await.assert_success();
}

#[tokio::test]
async fn adoption_refuses_a_role_holding_more_than_its_kind() {
    let iam = iam_client(moto_endpoint()).await;
    let role = name("ecsTaskExecutionRole");
    iam.create_role()
        .role_name(&role)
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name(&role)
        .policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess")
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name(&role)
        .policy_name("legacy")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap();
    let before = role_state(&iam, &role).await.unwrap();
    let (proxy, conv) = counted(TEST_OPERATOR).await;
    let answer = conv
        .create(json!({"AdoptExisting": "true", "Roles": {"TaskExecution": {"RoleName": role}}}))
        .await;
    assert_eq!(answer.status(), "FAILED", "{}", answer.body);
    for listed in [
        "managed policy arn:aws:iam::aws:policy/ReadOnlyAccess",
        "inline policy legacy",
    ] {
        assert!(answer.reason().contains(listed), "{}", answer.reason());
    }
    // Adoption reads before it writes: the refusal makes no IAM write at all.
    assert_eq!(proxy.writes(), Vec::<String>::new(), "no IAM write");
    let after = role_state(&iam, &role).await.unwrap();
    assert_eq!(
        (&after.trust, &after.attached, &after.tags),
        (&before.trust, &before.attached, &before.tags)
    );
}
