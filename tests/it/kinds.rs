//! Every documented kind against moto: created exactly as the catalog says (trust, attached
//! ARNs, inline and customer-managed documents, tags, path, boundary), every output key, and
//! nothing left behind by Delete or by a Create that fails halfway.

use crate::support::proxy::FaultProxy;
use crate::support::*;
use serde_json::{json, Value};

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

#[tokio::test]
async fn container_instance_with_ssm() {
    create_check_delete(json!({"Roles": {"ContainerInstance": {"SsmManaged": "true"}}})).await;
}

#[tokio::test]
async fn managed_instances() {
    create_check_delete(
        json!({"Roles": {"ManagedInstances": {"InstanceProfileName": name("mi")}}}),
    )
    .await;
}

#[tokio::test]
async fn infrastructure_every_use() {
    create_check_delete(json!({"Roles": {"Infrastructure": {"Uses": [
        "Volumes", "ServiceConnectTls", "VpcLattice", "ManagedInstances", "LoadBalancers", "ExpressServices"
    ]}}}))
    .await;
}

#[tokio::test]
async fn code_deploy_least_privilege() {
    create_check_delete(json!({"Roles": {"CodeDeploy": {"LeastPrivilege": "true"}}})).await;
}

#[tokio::test]
async fn events_passing_this_resources_task_roles() {
    create_check_delete(json!({"Roles": {
        "Events": {}, "TaskExecution": {}, "Task": {"ClusterName": name("cluster")}
    }}))
    .await;
}

#[tokio::test]
async fn deployment_hooks() {
    let hook = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:smoke-test:live");
    create_check_delete(json!({"Roles": {"DeploymentHooks": {"FunctionArns": [hook]}}})).await;
}

#[tokio::test]
async fn task_execution_extras() {
    create_check_delete(json!({"Roles": {"TaskExecution": {
        "Secrets": [
            format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:db-AbCdEf"),
            format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/app/url"),
        ],
        "KmsKeyArns": [format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab")],
        "EnvironmentFiles": ["arn:aws:s3:::app-config/prod.env"],
    }}}))
    .await;
}

/// The new kinds' properties change in place: IAM holds exactly the new state, under the same
/// id, and drift is put right.
#[tokio::test]
async fn new_kinds_update_in_place_and_repair_drift() {
    let iam = iam_client(moto_endpoint()).await;
    let conv = Conversation::new().await;
    let hook = |name: &str| format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}");
    let p1 = json!({"Roles": {
        "Infrastructure": {"Uses": ["Volumes"]},
        "DeploymentHooks": {"FunctionArns": [hook("a")]},
        "TaskExecution": {},
        "Events": {"PassRoleArns": [format!("arn:aws:iam::{ACCOUNT}:role/ecsTaskExecutionRole")]},
    }});
    let created = conv.create(p1.clone()).await;
    assert_iam_matches(&iam, &conv, &created, &p1).await;
    let id = created.physical_id();

    let p2 = json!({"Roles": {
        "Infrastructure": {"Uses": ["LoadBalancers", "ExpressServices"]},
        "DeploymentHooks": {"FunctionArns": [hook("a"), hook("b")]},
        "TaskExecution": {"KmsKeyArns": [format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/k1")]},
        "Events": {},
    }});
    let updated = conv.update(&id, p2.clone(), p1.clone()).await;
    assert_eq!(updated.physical_id(), id, "in place");
    assert_iam_matches(&iam, &conv, &updated, &p2).await;

    // Drift: a managed policy detached by hand and an inline policy deleted by hand.
    let infrastructure = updated.data("InfrastructureRoleName");
    iam.detach_role_policy()
        .role_name(&infrastructure)
        .policy_arn("arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers")
        .send()
        .await
        .unwrap();
    iam.delete_role_policy()
        .role_name(updated.data("DeploymentHooksRoleName"))
        .policy_name("InvokeHooks")
        .send()
        .await
        .unwrap();
    let repaired = conv.update(&id, p2.clone(), p2.clone()).await;
    assert_iam_matches(&iam, &conv, &repaired, &p2).await;

    conv.delete(&id, p2.clone()).await.assert_success();
    assert_all_gone(&iam, &conv, &id, &p2).await;
}

/// Every kind's samples (`RoleKind::samples`, what events/kinds/ holds) against moto, each
/// compared with its hand-written expectation (support/expected.rs): a kind added without one
/// fails here, with no test of its own needed.
#[tokio::test]
async fn every_kinds_samples() {
    for kind in ecs_iam_roles::kinds::Kind::ALL {
        for sample in kind.samples() {
            let mut roles = serde_json::Map::new();
            roles.insert(kind.name().to_string(), sample);
            create_check_delete(json!({ "Roles": roles })).await;
        }
    }
}
