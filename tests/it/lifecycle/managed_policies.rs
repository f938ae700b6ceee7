//! `ManagedPolicyArns` on `Task` and `TaskExecution`: the stack's own customer-managed policies
//! (an `AWS::IAM::ManagedPolicy` of the same stack, say), attached on Create, changed in place on
//! Update, re-attached by drift repair, detached — never deleted — on Delete; refused before any
//! IAM call outside ManagedPath; retried while IAM does not see a new policy yet; accepted by
//! adoption when the role already holds exactly them.

use super::*;
use serde_json::Value;

/// A customer-managed policy at `path`, made as the stack's own `AWS::IAM::ManagedPolicy` would
/// be (by CloudFormation, before the custom resource that names it).
async fn app_policy(iam: &aws_sdk_iam::Client, path: &str) -> String {
    let document = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::app-bucket/*"}]});
    iam.create_policy()
        .policy_name(name("app"))
        .path(path)
        .policy_document(document.to_string())
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .arn()
        .unwrap()
        .to_string()
}

fn task_roles(exec: &str, task: &str, exec_policies: &[&str], task_policies: &[&str]) -> Value {
    json!({"PropagationDelay": "0", "Roles": {
        "TaskExecution": {"RoleName": exec, "ManagedPolicyArns": exec_policies},
        "Task": {"RoleName": task, "ClusterName": "c1", "ManagedPolicyArns": task_policies}}})
}

#[tokio::test]
async fn attached_on_create_swapped_on_update_repaired_and_detached_on_delete() {
    let iam = iam_client(moto_endpoint()).await;
    let conv = Conversation::new().await;
    let (a, b) = (app_policy(&iam, "/").await, app_policy(&iam, "/").await);
    let (exec, task) = (name("exec"), name("task"));
    let p1 = task_roles(&exec, &task, &[&a], &[&a]);
    let created = conv.create(p1.clone()).await;
    assert_iam_matches(&iam, &conv, &created, &p1).await;
    assert!(role_state(&iam, &task).await.unwrap().attached.contains(&a));

    // In place: the task role's policy swapped, the execution role's dropped.
    let p2 = task_roles(&exec, &task, &[], &[&b]);
    let updated = conv
        .update(&created.physical_id(), p2.clone(), p1.clone())
        .await;
    assert_eq!(updated.physical_id(), created.physical_id(), "in place");
    assert_iam_matches(&iam, &conv, &updated, &p2).await;

    // Drift: detached by hand, put back by the next Update.
    iam.detach_role_policy()
        .role_name(&task)
        .policy_arn(&b)
        .send()
        .await
        .unwrap();
    let repaired = conv
        .update(&created.physical_id(), p2.clone(), p2.clone())
        .await;
    assert_iam_matches(&iam, &conv, &repaired, &p2).await;

    // Delete: the roles go, the stack's policies stay (the stack deletes them itself).
    conv.delete(&created.physical_id(), p2.clone())
        .await
        .assert_success();
    assert_all_gone(&iam, &conv, &created.physical_id(), &p2).await;
    for arn in [&a, &b] {
        assert!(policy_state(&iam, arn).await.is_some(), "{arn} was deleted");
    }
}

#[tokio::test]
async fn outside_managed_path_another_account_or_aws_managed_is_refused_before_any_iam_call() {
    let iam = iam_client(moto_endpoint()).await;
    let outside = app_policy(&iam, "/").await;
    let proxy = FaultProxy::start(moto_endpoint()).await;
    let operator = [("ECS_IAM_ROLES_MANAGED_PATH", "/ecs-iam-roles/")];
    let conv = Conversation::with_operator(&proxy.endpoint, 0, &operator).await;
    let cases = [
        (outside.as_str(), "ManagedPath"),
        (
            "arn:aws:iam::210987654321:policy/ecs-iam-roles/app",
            "account 210987654321",
        ),
        (
            "arn:aws:iam::aws:policy/AdministratorAccess",
            "AWS managed policy",
        ),
    ];
    for (arn, why) in cases {
        let refused = conv
            .create(json!({"Roles": {"Task": {"ClusterName": "c", "ManagedPolicyArns": [arn]}}}))
            .await;
        assert_eq!(refused.status(), "FAILED", "{}", refused.body);
        let reason = refused.reason();
        assert!(reason.contains("Roles.Task.ManagedPolicyArns"), "{reason}");
        assert!(reason.contains(why), "{why} in {reason}");
    }
    let too_many: Vec<String> = (0..20)
        .map(|i| format!("arn:aws:iam::123456789012:policy/ecs-iam-roles/p{i}"))
        .collect();
    let refused = conv
        .create(json!({"Roles": {"TaskExecution": {"ManagedPolicyArns": too_many}}}))
        .await;
    assert!(refused.reason().contains("quota"), "{}", refused.reason());
    let calls: Vec<String> = proxy.calls();
    assert!(calls.is_empty(), "IAM was called: {calls:?}");
}

#[tokio::test]
async fn a_policy_iam_does_not_show_yet_is_waited_for() {
    let iam = iam_client(moto_endpoint()).await;
    let arn = app_policy(&iam, "/").await;
    let proxy = FaultProxy::start(moto_endpoint()).await;
    let conv = Conversation::with(&proxy.endpoint, 0).await;
    // IAM's eventual consistency: the stack's new policy is not attachable for a moment.
    let missing = format!("Policy {arn} does not exist or is not attachable.");
    let fault = crate::support::proxy::Fault {
        status: 404,
        code: "NoSuchEntity".into(),
        message: missing,
        remaining: Some(2),
        matching: Some(arn.clone()),
        after_landing: false,
    };
    proxy.inject("AttachRolePolicy", fault);
    let (exec, task) = (name("exec"), name("task"));
    let props = task_roles(&exec, &task, &[], &[&arn]);
    let created = conv.create(props.clone()).await;
    assert_iam_matches(&iam, &conv, &created, &props).await;
    assert!(proxy.count("AttachRolePolicy") >= 3, "{:?}", proxy.calls());
    conv.delete(&created.physical_id(), props.clone())
        .await
        .assert_success();
}

#[tokio::test]
async fn adoption_accepts_a_role_holding_exactly_the_listed_policies() {
    let iam = iam_client(moto_endpoint()).await;
    let arn = app_policy(&iam, "/").await;
    let role = name("consoleExec");
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    iam.create_role()
        .role_name(&role)
        .assume_role_policy_document(trust.to_string())
        .send()
        .await
        .unwrap();
    for policy in [
        "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
        &arn,
    ] {
        iam.attach_role_policy()
            .role_name(&role)
            .policy_arn(policy)
            .send()
            .await
            .unwrap();
    }
    let conv = Conversation::new().await;
    let unlisted = json!({"AdoptExisting": "true", "Roles": {"TaskExecution": {"RoleName": role}}});
    let refused = conv.create(unlisted).await;
    assert_eq!(refused.status(), "FAILED", "{}", refused.body);
    assert!(refused.reason().contains(&arn), "{}", refused.reason());

    let listed = json!({"AdoptExisting": "true", "PropagationDelay": "0",
                        "Roles": {"TaskExecution": {"RoleName": role, "ManagedPolicyArns": [arn]}}});
    let adopted = conv.create(listed.clone()).await;
    adopted.assert_success();
    conv.delete(&adopted.physical_id(), listed)
        .await
        .assert_success();
    let given_back = role_state(&iam, &role)
        .await
        .expect("an adopted role stays");
    assert!(given_back.attached.contains(&arn));
}
