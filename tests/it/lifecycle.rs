//! The lifecycle as CloudFormation conversations against moto, with IAM checked after every
//! step: updates in place, replacement and its cleanup, UPDATE_ROLLBACK, drift repair,
//! adoption, and duplicate deliveries.

mod managed_policies;
mod replacement;

use crate::support::proxy::FaultProxy;
use crate::support::*;
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;

const P1: &str = "arn:aws:iam::111122223333:role/granted-access-handler";
const P2: &str = "arn:aws:iam::444455556666:role/granted-access-handler";
const OWNER_TAG: &str = "ecs-iam-roles:owner";

#[tokio::test]
async fn every_property_updates_in_place() {
    let iam = iam_client(moto_endpoint()).await;
    let conv = Conversation::new().await;
    let boundary = boundary_policy(&iam).await;
    let mut props = json!({"Roles": {
        "EcsAnywhere": {},
        "Task": {"ClusterName": "c1"},
        "SsoManagement": {"TrustedPrincipalArn": P1},
    }});
    let created = conv.create(props.clone()).await;
    assert_iam_matches(&iam, &conv, &created, &props).await;
    let id = created.physical_id();
    let arns: Vec<String> = [
        "EcsAnywhereRoleArn",
        "TaskRoleArn",
        "SsoManagementRoleArn",
        "SsoManagementPolicyArn",
    ]
    .iter()
    .map(|k| created.data(k))
    .collect();

    let steps: Vec<(&str, Mutation)> = vec![
        (
            "ExternalId added",
            Box::new(|p| p["Roles"]["SsoManagement"]["ExternalId"] = json!("ext-1")),
        ),
        (
            "principal changed",
            Box::new(|p| p["Roles"]["SsoManagement"]["TrustedPrincipalArn"] = json!(P2)),
        ),
        (
            "ExternalId removed",
            Box::new(|p| {
                p["Roles"]["SsoManagement"]
                    .as_object_mut()
                    .unwrap()
                    .remove("ExternalId");
            }),
        ),
        (
            "conditions off",
            Box::new(|p| p["RestrictTrustToAccount"] = json!("false")),
        ),
        (
            "tags added",
            Box::new(|p| {
                p["Tags"] = json!([{"Key": "team", "Value": "a"}, {"Key": "env", "Value": "dev"}])
            }),
        ),
        (
            "tag changed and removed",
            Box::new(|p| p["Tags"] = json!([{"Key": "team", "Value": "b"}])),
        ),
        (
            "boundary put",
            Box::new(move |p| p["PermissionsBoundary"] = json!(boundary)),
        ),
        (
            "boundary removed",
            Box::new(|p| {
                p.as_object_mut().unwrap().remove("PermissionsBoundary");
            }),
        ),
        (
            "cluster renamed",
            Box::new(|p| p["Roles"]["Task"]["ClusterName"] = json!("c2")),
        ),
        (
            "task least privilege",
            Box::new(|p| p["Roles"]["Task"]["LeastPrivilege"] = json!("true")),
        ),
        (
            "anywhere least privilege",
            Box::new(|p| p["Roles"]["EcsAnywhere"]["LeastPrivilege"] = json!("true")),
        ),
        (
            "anywhere least privilege off",
            Box::new(|p| p["Roles"]["EcsAnywhere"]["LeastPrivilege"] = json!("false")),
        ),
        (
            "kind added",
            Box::new(|p| p["Roles"]["TaskExecution"] = json!({})),
        ),
    ];
    let mut least_privilege_policy = None;
    for (step, change) in steps {
        let old = props.clone();
        change(&mut props);
        let answer = conv.update(&id, props.clone(), old).await;
        assert_eq!(answer.status(), "SUCCESS", "{step}: {}", answer.body);
        assert_eq!(answer.physical_id(), id, "{step}: must stay in place");
        for (key, arn) in [
            "EcsAnywhereRoleArn",
            "TaskRoleArn",
            "SsoManagementRoleArn",
            "SsoManagementPolicyArn",
        ]
        .iter()
        .zip(&arns)
        {
            assert_eq!(&answer.data(key), arn, "{step}: {key}");
        }
        assert_iam_matches(&iam, &conv, &answer, &props).await;
        if step == "anywhere least privilege" {
            least_privilege_policy = Some(answer.data("EcsAnywherePolicyArn"));
        }
    }
    // Turning LeastPrivilege off removed the custom policy it had made.
    assert!(policy_state(&iam, &least_privilege_policy.unwrap())
        .await
        .is_none());
    conv.delete(&id, props.clone()).await.assert_success();
    assert_all_gone(&iam, &conv, &id, &props).await;
}

#[tokio::test]
async fn update_that_changes_nothing_makes_no_iam_write() {
    let proxy = FaultProxy::start(moto_endpoint()).await;
    let conv = Conversation::with(&proxy.endpoint, 0).await;
    let props = json!({
        "Tags": [{"Key": "team", "Value": "platform"}],
        "Roles": {
            "EcsAnywhere": {"LeastPrivilege": "true"},
            "TaskExecution": {},
            "Task": {"ClusterName": "c"},
            "SsoManagement": {"TrustedPrincipalArn": P1, "ExternalId": "abc-1"},
            "ClusterAccess": {"TrustedPrincipalArn": P1},
        }
    });
    let created = conv.create(props.clone()).await;
    created.assert_success();
    proxy.clear_calls();
    let updated = conv
        .update(&created.physical_id(), props.clone(), props.clone())
        .await;
    updated.assert_success();
    assert_eq!(updated.body["Data"], created.body["Data"]);
    assert!(!proxy.calls().is_empty());
    assert_eq!(
        proxy.writes(),
        Vec::<String>::new(),
        "a no-op Update wrote to IAM"
    );
    conv.delete(&created.physical_id(), props)
        .await
        .assert_success();
}

#[tokio::test]
async fn rename_replaces_and_cleanup_delete_keeps_the_new_and_the_kept() {
    let iam = iam_client(moto_endpoint()).await;
    let conv = Conversation::new().await;
    let (a, b, kept) = (name("a"), name("b"), name("kept"));
    let p1 =
        json!({"Roles": {"TaskExecution": {"RoleName": a}, "EcsAnywhere": {"RoleName": kept}}});
    let p2 =
        json!({"Roles": {"TaskExecution": {"RoleName": b}, "EcsAnywhere": {"RoleName": kept}}});
    let created = conv.create(p1.clone()).await;
    created.assert_success();
    let id1 = created.physical_id();

    let updated = conv.update(&id1, p2.clone(), p1.clone()).await;
    updated.assert_success();
    let id2 = updated.physical_id();
    assert_ne!(id1, id2, "a rename is a replacement");
    // Nothing deleted yet: the old role is still there for a rollback.
    assert_eq!(role_state(&iam, &a).await.unwrap().tags[OWNER_TAG], id1);
    assert_iam_matches(&iam, &conv, &updated, &p2).await;
    assert_eq!(
        role_state(&iam, &kept).await.unwrap().tags[OWNER_TAG],
        id2,
        "kept role handed over"
    );

    // CloudFormation's cleanup: Delete of the old id with the old properties.
    conv.delete(&id1, p1.clone()).await.assert_success();
    assert!(role_state(&iam, &a).await.is_none());
    assert_iam_matches(&iam, &conv, &updated, &p2).await;

    conv.delete(&id2, p2.clone()).await.assert_success();
    assert_all_gone(&iam, &conv, &id2, &p2).await;
}

#[tokio::test]
async fn rename_then_rollback_restores_the_old_state_exactly() {
    let iam = iam_client(moto_endpoint()).await;
    let conv = Conversation::new().await;
    let (a, b, kept) = (name("a"), name("b"), name("kept"));
    let p1 = json!({"Roles": {
        "TaskExecution": {"RoleName": a},
        "EcsAnywhere": {"RoleName": kept},
        "ClusterAccess": {"TrustedPrincipalArn": P1},
    }});
    let p2 =
        json!({"Roles": {"TaskExecution": {"RoleName": b}, "EcsAnywhere": {"RoleName": kept}}});
    let created = conv.create(p1.clone()).await;
    assert_iam_matches(&iam, &conv, &created, &p1).await;
    let id1 = created.physical_id();
    let updated = conv.update(&id1, p2.clone(), p1.clone()).await;
    updated.assert_success();
    let id2 = updated.physical_id();
    assert_ne!(id1, id2);

    // The stack update failed elsewhere: UPDATE_ROLLBACK sends the old properties to the new id.
    let rolled_back = conv.update(&id2, p1.clone(), p2.clone()).await;
    rolled_back.assert_success();
    assert_eq!(
        rolled_back.physical_id(),
        id1,
        "the rollback returns to the original resource"
    );
    assert_eq!(rolled_back.body["Data"], created.body["Data"]);
    // Then the cleanup deletes the new id.
    conv.delete(&id2, p2.clone()).await.assert_success();
    assert!(role_state(&iam, &b).await.is_none());
    assert_iam_matches(&iam, &conv, &created, &p1).await;

    conv.delete(&id1, p1.clone()).await.assert_success();
    assert_all_gone(&iam, &conv, &id1, &p1).await;
}

#[tokio::test]
async fn kind_removed_replaces_and_cleanup_removes_the_old() {
    let iam = iam_client(moto_endpoint()).await;
    let conv = Conversation::new().await;
    let p1 = json!({"Roles": {"TaskExecution": {}, "EcsAnywhere": {"LeastPrivilege": "true"}}});
    let p2 = json!({"Roles": {"TaskExecution": {}}});
    let created = conv.create(p1.clone()).await;
    created.assert_success();
    let id1 = created.physical_id();
    let updated = conv.update(&id1, p2.clone(), p1.clone()).await;
    updated.assert_success();
    let id2 = updated.physical_id();
    assert_ne!(id1, id2, "removing a kind is a replacement");
    assert_ne!(
        updated.data("TaskExecutionRoleName"),
        created.data("TaskExecutionRoleName"),
        "generated names are new"
    );
    assert!(
        role_state(&iam, &created.data("EcsAnywhereRoleName"))
            .await
            .is_some(),
        "nothing deleted before cleanup"
    );
    conv.delete(&id1, p1.clone()).await.assert_success();
    assert_all_gone(&iam, &conv, &id1, &p1).await;
    assert_iam_matches(&iam, &conv, &updated, &p2).await;
    conv.delete(&id2, p2.clone()).await.assert_success();
    assert_all_gone(&iam, &conv, &id2, &p2).await;
}

#[tokio::test]
async fn drift_is_repaired_by_the_next_update() {
    let iam = iam_client(moto_endpoint()).await;
    let conv = Conversation::new().await;
    let props = json!({"Roles": {
        "EcsAnywhere": {},
        "Task": {"ClusterName": "c"},
        "ClusterAccess": {"TrustedPrincipalArn": P1},
    }});
    let created = conv.create(props.clone()).await;
    created.assert_success();
    let anywhere = created.data("EcsAnywhereRoleName");
    let task = created.data("TaskRoleName");
    let access = created
        .data("ClusterAccessRoleArn")
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let policy = created.data("ClusterAccessPolicyArn");

    // By hand: a policy detached, a trust edited, an inline policy removed, an extra one
    // attached, a policy document edited into five versions, and the trusted principal
    // recreated (IAM then shows its unique id).
    iam.detach_role_policy()
        .role_name(&anywhere)
        .policy_arn("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore")
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name(&anywhere)
        .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
        .send()
        .await
        .unwrap();
    iam.update_assume_role_policy()
        .role_name(&anywhere)
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#)
        .send()
        .await
        .unwrap();
    iam.delete_role_policy()
        .role_name(&task)
        .policy_name("EcsExec")
        .send()
        .await
        .unwrap();
    iam.update_assume_role_policy()
        .role_name(&access)
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"AROAEXAMPLEUNIQUEID123"},"Action":"sts:AssumeRole"}]}"#)
        .send()
        .await
        .unwrap();
    for i in 0..4 {
        iam.create_policy_version()
            .policy_arn(&policy)
            .policy_document(format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b{i}/*"}}]}}"#))
            .set_as_default(true)
            .send()
            .await
            .unwrap();
    }

    let repaired = conv
        .update(&created.physical_id(), props.clone(), props.clone())
        .await;
    repaired.assert_success();
    assert_eq!(repaired.physical_id(), created.physical_id());
    assert_iam_matches(&iam, &conv, &repaired, &props).await;
    let versions = iam
        .list_policy_versions()
        .policy_arn(&policy)
        .send()
        .await
        .unwrap();
    assert!(
        versions.versions().len() <= 5,
        "oldest version pruned: {}",
        versions.versions().len()
    );

    conv.delete(&created.physical_id(), props)
        .await
        .assert_success();
}

#[tokio::test]
async fn adoption_repairs_an_existing_role_and_delete_gives_it_back() {
    let iam = iam_client(moto_endpoint()).await;
    let role = name("ecsAnywhereRole");
    let original_trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    iam.create_role()
        .role_name(&role)
        .assume_role_policy_document(original_trust.to_string())
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("owner-team")
                .value("infra")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name(&role)
        .policy_arn("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore")
        .send()
        .await
        .unwrap();
    let before = role_state(&iam, &role).await.unwrap();

    let conv = Conversation::new().await;
    let refused = conv
        .create(json!({"Roles": {"EcsAnywhere": {"RoleName": role}}}))
        .await;
    assert_eq!(refused.status(), "FAILED");
    assert_eq!(
        role_state(&iam, &role).await.unwrap().tags,
        before.tags,
        "refusal left it untouched"
    );

    let props = json!({"AdoptExisting": "true", "Tags": [{"Key": "team", "Value": "platform"}],
                       "Roles": {"EcsAnywhere": {"RoleName": role}}});
    let adopted = conv.create(props.clone()).await;
    adopted.assert_success();
    let state = role_state(&iam, &role).await.unwrap();
    assert_eq!(
        state.trust["Statement"][0]["Principal"]["Service"], "ssm.amazonaws.com",
        "trust put right"
    );
    assert_eq!(
        state.attached,
        vec![
            "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore".to_string(),
            "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role".to_string()
        ],
        "the missing policy attached"
    );
    assert_eq!(state.tags[OWNER_TAG], adopted.physical_id());
    assert_eq!(state.tags["owner-team"], "infra", "what it had stays");
    assert_eq!(state.tags["team"], "platform");

    // A no-op Update of an adopted role changes nothing.
    let again = conv
        .update(&adopted.physical_id(), props.clone(), props.clone())
        .await;
    again.assert_success();
    assert_eq!(role_state(&iam, &role).await.unwrap().tags, state.tags);

    conv.delete(&adopted.physical_id(), props)
        .await
        .assert_success();
    let after = role_state(&iam, &role)
        .await
        .expect("an adopted role is never deleted");
    assert_eq!(
        after.attached, before.attached,
        "only what adoption attached is detached"
    );
    assert!(
        ecs_iam_roles::plan::same_policy(&after.trust, &original_trust),
        "trust given back: {}",
        after.trust
    );
    let tags: HashMap<String, String> = after.tags;
    assert_eq!(tags, before.tags, "tags as before adoption");
}

#[tokio::test]
async fn duplicate_update_and_delete_deliveries() {
    let iam = iam_client(moto_endpoint()).await;
    let conv = Conversation::new().await;
    let (a, b) = (name("a"), name("b"));
    let p1 = json!({"Roles": {"TaskExecution": {"RoleName": a}}});
    let p2 = json!({"Roles": {"TaskExecution": {"RoleName": b}}});
    let created = conv.create(p1.clone()).await;
    let id1 = created.physical_id();

    let (request_id, mut event) = conv.event("Update", p2.clone());
    event["PhysicalResourceId"] = json!(id1);
    event["OldResourceProperties"] = p1.clone();
    let first = conv.send(&request_id, event.clone()).await;
    first.assert_success();
    conv.function
        .runtime
        .invoke(event, conv.timeout)
        .await
        .unwrap();
    let second = conv.responses.puts_for(&request_id)[1].json();
    assert_eq!(second["Status"], "SUCCESS", "{second}");
    assert_eq!(
        second["PhysicalResourceId"],
        first.body["PhysicalResourceId"]
    );
    assert_eq!(second["Data"], first.body["Data"]);

    let (request_id, mut delete) = conv.event("Delete", p1.clone());
    delete["PhysicalResourceId"] = json!(id1);
    conv.send(&request_id, delete.clone())
        .await
        .assert_success();
    conv.function
        .runtime
        .invoke(delete, conv.timeout)
        .await
        .unwrap();
    assert_eq!(
        conv.responses.puts_for(&request_id)[1].json()["Status"],
        "SUCCESS"
    );
    assert!(role_state(&iam, &a).await.is_none());
    assert!(
        role_state(&iam, &b).await.is_some(),
        "the new role survives the old one's Delete"
    );
    conv.delete(&first.physical_id(), p2).await.assert_success();
    assert!(role_state(&iam, &b).await.is_none());
}

#[tokio::test]
async fn replacement_cut_off_by_the_deadline_is_cleaned_up_by_the_rollback() {
    let iam = iam_client(moto_endpoint()).await;
    let proxy = FaultProxy::start(moto_endpoint()).await;
    let mut conv = Conversation::with(&proxy.endpoint, 0).await;
    let (a, b, kept) = (name("a"), name("b"), name("kept"));
    let p1 =
        json!({"Roles": {"TaskExecution": {"RoleName": a}, "EcsAnywhere": {"RoleName": kept}}});
    let p2 =
        json!({"Roles": {"TaskExecution": {"RoleName": b}, "EcsAnywhere": {"RoleName": kept}}});
    let created = conv.create(p1.clone()).await;
    created.assert_success();
    let id1 = created.physical_id();

    // The replacing Update reads, creates role b and hands over the kept role; its attachment
    // hangs past the deadline, and so does taking it back (the teardown's read).
    proxy.slow_down("AttachRolePolicy", Duration::from_secs(3));
    proxy.slow_down("ListInstanceProfilesForRole", Duration::from_secs(3));
    conv.timeout = Duration::from_secs(4);
    let cut_off = conv.update(&id1, p2.clone(), p1.clone()).await;
    assert_eq!(cut_off.status(), "FAILED", "{}", cut_off.body);
    assert!(
        cut_off.reason().contains("timed out"),
        "{}",
        cut_off.reason()
    );
    assert_eq!(
        cut_off.physical_id(),
        id1,
        "CloudFormation keeps the old id"
    );
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    proxy.set_latency(Duration::ZERO);
    conv.timeout = Duration::from_secs(60);

    // UPDATE_ROLLBACK: the old properties to the old id, the failed ones as old.
    let rolled_back = conv.update(&id1, p1.clone(), p2.clone()).await;
    rolled_back.assert_success();
    assert_eq!(rolled_back.physical_id(), id1);
    assert!(
        role_state(&iam, &b).await.is_none(),
        "what the cut-off replacement made is gone"
    );
    assert_iam_matches(&iam, &conv, &created, &p1).await;

    conv.delete(&id1, p1.clone()).await.assert_success();
    assert_all_gone(&iam, &conv, &id1, &p1).await;
}

#[tokio::test]
async fn container_instance_profile_is_made_updated_repaired_and_deleted() {
    let iam = iam_client(moto_endpoint()).await;
    let conv = Conversation::new().await;
    let props = json!({"PropagationDelay": "0", "Tags": [{"Key": "team", "Value": "a"}],
                       "Roles": {"ContainerInstance": {}}});
    let created = conv.create(props.clone()).await;
    created.assert_success();
    let (role, profile) = (
        created.data("ContainerInstanceRoleName"),
        created.data("ContainerInstanceInstanceProfileName"),
    );
    assert_eq!(profile, role, "named as the role by default");
    assert!(created
        .data("ContainerInstanceInstanceProfileArn")
        .ends_with(&format!(":instance-profile/{profile}")));
    let state = profile_state(&iam, &profile).await.expect("the profile");
    assert_eq!(
        state.roles,
        std::slice::from_ref(&role),
        "the profile holds the role"
    );
    assert_eq!(state.path, "/");
    assert_eq!(state.tags[OWNER_TAG], created.physical_id());
    assert_eq!(state.tags["team"], "a");

    // In place: the tags and the policies change; the profile and the role stay.
    let changed = json!({"PropagationDelay": "0", "Tags": [{"Key": "team", "Value": "b"}],
                         "Roles": {"ContainerInstance": {"SsmManaged": "true"}}});
    let updated = conv
        .update(&created.physical_id(), changed.clone(), props.clone())
        .await;
    updated.assert_success();
    assert_eq!(updated.physical_id(), created.physical_id(), "in place");
    let state = profile_state(&iam, &profile).await.unwrap();
    assert_eq!(
        (state.roles.clone(), state.tags["team"].as_str()),
        (vec![role.clone()], "b")
    );
    let attached = role_state(&iam, &role).await.unwrap().attached;
    assert!(
        attached
            .iter()
            .any(|a| a.ends_with("/AmazonSSMManagedInstanceCore")),
        "{attached:?}"
    );

    // Drift: the role taken out of its profile by hand is put back by the next Update.
    iam.remove_role_from_instance_profile()
        .instance_profile_name(&profile)
        .role_name(&role)
        .send()
        .await
        .unwrap();
    conv.update(&created.physical_id(), changed.clone(), changed.clone())
        .await
        .assert_success();
    assert_eq!(
        profile_state(&iam, &profile).await.unwrap().roles,
        std::slice::from_ref(&role)
    );

    conv.delete(&created.physical_id(), changed)
        .await
        .assert_success();
    assert!(role_state(&iam, &role).await.is_none(), "role deleted");
    assert!(
        profile_state(&iam, &profile).await.is_none(),
        "profile deleted"
    );
}

#[tokio::test]
async fn a_console_made_ecs_instance_role_and_profile_are_adopted_and_handed_back() {
    let iam = iam_client(moto_endpoint()).await;
    // What the ECS console's "create ecsInstanceRole" leaves: the role, its policy and a profile
    // of the same name holding it, none of them tagged.
    let role = name("ecsInstanceRole");
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    iam.create_role()
        .role_name(&role)
        .assume_role_policy_document(trust.to_string())
        .send()
        .await
        .unwrap();
    let ec2_role_policy =
        "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role";
    iam.attach_role_policy()
        .role_name(&role)
        .policy_arn(ec2_role_policy)
        .send()
        .await
        .unwrap();
    iam.create_instance_profile()
        .instance_profile_name(&role)
        .send()
        .await
        .unwrap();
    iam.add_role_to_instance_profile()
        .instance_profile_name(&role)
        .role_name(&role)
        .send()
        .await
        .unwrap();
    let role_before = role_state(&iam, &role).await.unwrap();
    let profile_before = profile_state(&iam, &role).await.unwrap();

    let conv = Conversation::new().await;
    let props = json!({"AdoptExisting": "true", "PropagationDelay": "0",
                       "Roles": {"ContainerInstance": {"RoleName": role}}});
    let adopted = conv.create(props.clone()).await;
    adopted.assert_success();
    assert_eq!(adopted.data("ContainerInstanceInstanceProfileName"), role);
    let profile = profile_state(&iam, &role).await.unwrap();
    assert_eq!(profile.roles, std::slice::from_ref(&role));
    assert_eq!(
        profile.tags[OWNER_TAG],
        adopted.physical_id(),
        "adopted too"
    );
    assert_eq!(
        role_state(&iam, &role).await.unwrap().tags[OWNER_TAG],
        adopted.physical_id()
    );

    conv.delete(&adopted.physical_id(), props)
        .await
        .assert_success();
    let role_after = role_state(&iam, &role).await.expect("never deleted");
    assert_eq!(role_after.attached, role_before.attached);
    assert_eq!(role_after.tags, role_before.tags, "bookkeeping gone");
    assert_eq!(
        profile_state(&iam, &role).await.expect("never deleted"),
        profile_before,
        "the profile as it was, the role still in it"
    );
}

#[tokio::test]
async fn a_renamed_instance_profile_replaces_and_the_cleanup_delete_removes_the_old_one() {
    let iam = iam_client(moto_endpoint()).await;
    let conv = Conversation::new().await;
    let (role, before, after) = (name("ecsInstanceRole"), name("before"), name("after"));
    let props = |profile: &str| {
        json!({"PropagationDelay": "0", "Roles": {"ContainerInstance": {
            "RoleName": role, "InstanceProfileName": profile}}})
    };
    let created = conv.create(props(&before)).await;
    created.assert_success();
    let id1 = created.physical_id();

    let updated = conv.update(&id1, props(&after), props(&before)).await;
    updated.assert_success();
    let id2 = updated.physical_id();
    assert_ne!(id1, id2, "a renamed instance profile is a replacement");
    assert_eq!(updated.data("ContainerInstanceInstanceProfileName"), after);
    // Both profiles hold the role until the stack update has succeeded.
    let new = profile_state(&iam, &after).await.unwrap();
    assert_eq!(
        (new.roles.as_slice(), &new.tags[OWNER_TAG]),
        (std::slice::from_ref(&role), &id2)
    );
    assert_eq!(
        profile_state(&iam, &before).await.unwrap().tags[OWNER_TAG],
        id1
    );
    assert_eq!(role_state(&iam, &role).await.unwrap().tags[OWNER_TAG], id2);

    // CloudFormation's cleanup: the old profile goes, the role (handed over) stays in the new.
    conv.delete(&id1, props(&before)).await.assert_success();
    assert!(profile_state(&iam, &before).await.is_none());
    assert_eq!(
        profile_state(&iam, &after).await.unwrap().roles,
        std::slice::from_ref(&role)
    );

    conv.delete(&id2, props(&after)).await.assert_success();
    assert!(profile_state(&iam, &after).await.is_none());
    assert!(role_state(&iam, &role).await.is_none());
}
