//! Conversations against IAM's real behaviour where moto differs: the fault proxy in front of
//! moto answers as IAM does (eventual consistency, case-insensitive role names, quotas, 5xx
//! after a write landed, principals IAM will not accept). The expected messages are IAM's
//! documented ones, written out by hand.

use crate::support::proxy::{FaultProxy, NOT_YET_VISIBLE, THROTTLED};
use crate::support::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant, SystemTime};

/// A principal IAM does not accept (say, deleted, or not yet propagated and never will be).
const BAD_PRINCIPAL: &str = "arn:aws:iam::111122223333:role/new-handler";

/// `iam_retries` of each of the `answers` the function logged, in order (its log lines are
/// read as they come: waits a moment for the last).
async fn logged_retries(conv: &Conversation, answers: usize) -> Vec<u64> {
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let retries: Vec<u64> = conv
            .function
            .logs
            .lock()
            .unwrap()
            .iter()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|log| log["message"] == "answered")
            .map(|log| log["iam_retries"].as_u64().unwrap_or(0))
            .collect();
        if retries.len() >= answers || Instant::now() > until {
            return retries;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn create_role(iam: &aws_sdk_iam::Client, name: &str, trust: &Value, tags: &[(&str, &str)]) {
    let tags = tags
        .iter()
        .map(|(k, v)| {
            aws_sdk_iam::types::Tag::builder()
                .key(*k)
                .value(*v)
                .build()
                .unwrap()
        })
        .collect();
    iam.create_role()
        .role_name(name)
        .assume_role_policy_document(trust.to_string())
        .set_tags(Some(tags))
        .send()
        .await
        .unwrap();
}

fn service_trust(service: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})
}

/// Everything the tests compare of a role, for "untouched" checks.
fn snapshot(state: &RoleState) -> String {
    let tags: std::collections::BTreeMap<_, _> = state.tags.iter().collect();
    let inline: std::collections::BTreeMap<_, _> = state.inline.iter().collect();
    format!(
        "path {} trust {} attached {:?} inline {:?} boundary {:?} tags {:?}",
        state.path, state.trust, state.attached, inline, state.boundary, tags
    )
}

#[tokio::test]
async fn new_roles_and_policies_not_yet_visible_are_waited_for() {
    let iam = iam_client(moto_endpoint()).await;
    let proxy = FaultProxy::start(moto_endpoint()).await;
    proxy.emulate_propagation(2);
    let conv = Conversation::with(&proxy.endpoint, 0).await;
    // Five roles and three customer policies (EcsAnywhere's LeastPrivilege policy, and
    // SsoManagement's and ClusterAccess's), each written to right after it was made.
    let props = all_five();
    let created = conv.create(props.clone()).await;
    assert_iam_matches(&iam, &conv, &created, &props).await;
    // Each new role and policy was missing for exactly two calls naming it, and those calls
    // were tried again.
    assert_eq!(
        proxy.count(NOT_YET_VISIBLE),
        2 * (5 + 3),
        "{:?}",
        proxy.calls()
    );
    let retries = logged_retries(&conv, 1).await;
    assert!(retries[0] >= 16, "retries logged: {retries:?}");
    conv.delete(&created.physical_id(), props.clone())
        .await
        .assert_success();
    assert_all_gone(&iam, &conv, &created.physical_id(), &props).await;
}

#[tokio::test]
async fn a_principal_iam_never_accepts_fails_in_time_with_iams_message() {
    let iam = iam_client(moto_endpoint()).await;
    let proxy = FaultProxy::start(moto_endpoint()).await;
    let message = format!(r#"Invalid principal in policy: "AWS":"{BAD_PRINCIPAL}""#);
    proxy.fail_matching(
        "CreateRole",
        BAD_PRINCIPAL,
        400,
        "MalformedPolicyDocument",
        &message,
    );
    let props = json!({"Roles": {
        "TaskExecution": {},
        "SsoManagement": {"TrustedPrincipalArn": BAD_PRINCIPAL},
    }});
    let stacks = (0..4).map(|_| async {
        let mut conv = Conversation::with(&proxy.endpoint, 0).await;
        conv.timeout = Duration::from_secs(8);
        let (request_id, event) = conv.event("Create", props.clone());
        let deadline = SystemTime::now() + conv.timeout;
        let answer = conv.send(&request_id, event).await;
        (conv, answer, deadline)
    });
    for (conv, answer, deadline) in futures::future::join_all(stacks).await {
        assert_eq!(answer.status(), "FAILED", "{}", answer.body);
        assert!(answer.put.at < deadline, "answered after the deadline");
        let reason = answer.reason();
        assert!(
            reason.contains("Invalid principal in policy") && reason.contains(BAD_PRINCIPAL),
            "IAM's message, not only a timeout: {reason}"
        );
        assert!(!reason.starts_with("timed out"), "{reason}");
        assert!(reason.contains("taken back"), "{reason}");
        // The TaskExecution role and the SsoManagement policy made alongside are gone.
        assert_all_gone(&iam, &conv, &answer.physical_id(), &props).await;
    }
    assert!(
        proxy.count("CreateRole") > 4 * 2,
        "the principal was retried as IAM propagation: {:?}",
        proxy.calls()
    );
}

#[tokio::test]
async fn a_quota_hit_while_adopting_leaves_the_roles_as_they_were() {
    let iam = iam_client(moto_endpoint()).await;
    let proxy = FaultProxy::start(moto_endpoint()).await;
    let conv = Conversation::with(&proxy.endpoint, 0).await;
    let (execution, anywhere) = (name("adopt-exec"), name("adopt-anywhere"));
    let props = json!({
        "AdoptExisting": "true",
        "Tags": [{"Key": "cost-center", "Value": "42"}],
        "Roles": {
            "TaskExecution": {"RoleName": execution},
            "EcsAnywhere": {"RoleName": anywhere},
        }
    });
    // One role with exactly its kind's trust, one with the plain service trust of a role made
    // by hand (adoption puts the account conditions on it); neither has its policies yet.
    let (desired, _) = desired_for(&conv, "any", &props);
    let kind_trust = &desired
        .roles
        .iter()
        .find(|r| r.name == execution)
        .unwrap()
        .trust;
    create_role(&iam, &execution, kind_trust, &[("team", "payments")]).await;
    create_role(
        &iam,
        &anywhere,
        &service_trust("ssm.amazonaws.com"),
        &[("team", "edge")],
    )
    .await;
    let mut before = vec![];
    for role in [&execution, &anywhere] {
        before.push(snapshot(&role_state(&iam, role).await.unwrap()));
    }

    proxy.fail(
        "AttachRolePolicy",
        409,
        "LimitExceeded",
        "Cannot exceed quota for PoliciesPerRole: 10",
    );
    let answer = conv.create(props.clone()).await;
    assert_eq!(answer.status(), "FAILED", "{}", answer.body);
    let reason = answer.reason();
    assert!(reason.contains("PoliciesPerRole"), "{reason}");
    assert!(reason.contains("managed policies per role"), "{reason}");
    assert_eq!(proxy.count("AttachRolePolicy"), 3, "a quota is not retried");
    for (role, before) in [&execution, &anywhere].into_iter().zip(before) {
        let after = role_state(&iam, role).await.unwrap();
        assert_eq!(snapshot(&after), before, "{role} as it was");
    }
}

#[tokio::test]
async fn a_delete_conflict_once_is_waited_for() {
    let iam = iam_client(moto_endpoint()).await;
    let proxy = FaultProxy::start(moto_endpoint()).await;
    let conv = Conversation::with(&proxy.endpoint, 0).await;
    let props = all_five();
    let created = conv.create(props.clone()).await;
    created.assert_success();
    proxy.fail_times(
        "DeleteRole",
        Some(1),
        409,
        "DeleteConflict",
        "Cannot delete entity, must detach all policies first.",
    );
    conv.delete(&created.physical_id(), props.clone())
        .await
        .assert_success();
    assert_eq!(proxy.count("DeleteRole"), 5 + 1, "{:?}", proxy.calls());
    assert_all_gone(&iam, &conv, &created.physical_id(), &props).await;
}

#[tokio::test]
async fn writes_that_landed_before_a_500_are_recognised() {
    let iam = iam_client(moto_endpoint()).await;
    // Each case on its own proxy, all at once.
    let cases = [
        "CreateRole",
        "CreatePolicy",
        "AttachRolePolicy",
        "DeleteRole",
    ]
    .map(|action| {
        let iam = iam.clone();
        async move {
            let proxy = FaultProxy::start(moto_endpoint()).await;
            let conv = Conversation::with(&proxy.endpoint, 0).await;
            let props = json!({"Roles": {
                "TaskExecution": {},
                "EcsAnywhere": {"LeastPrivilege": "true"},
            }});
            if action != "DeleteRole" {
                proxy.fail_after_landing(action, 1);
            }
            let created = conv.create(props.clone()).await;
            assert_iam_matches(&iam, &conv, &created, &props).await;
            if action == "DeleteRole" {
                proxy.fail_after_landing(action, 1);
            }
            let deleted = conv.delete(&created.physical_id(), props.clone()).await;
            assert_eq!(deleted.status(), "SUCCESS", "{action}: {}", deleted.body);
            assert_all_gone(&iam, &conv, &created.physical_id(), &props).await;
            // The one call answered 500 was tried again.
            let expected = match action {
                "CreateRole" | "DeleteRole" => 2 + 1,
                "CreatePolicy" => 1 + 1,
                _ => 3 + 1,
            };
            assert_eq!(
                proxy.count(action),
                expected,
                "{action}: {:?}",
                proxy.calls()
            );
        }
    });
    futures::future::join_all(cases).await;
}

/// A proxy answering role names as IAM does (regardless of case), a conversation through it,
/// and someone's unowned role `prefix-…` in lower case: its stored name, the name in `prefix`'s
/// case, and its state before (a `snapshot`).
async fn name_taken_in_lower_case(
    prefix: &str,
) -> (
    aws_sdk_iam::Client,
    FaultProxy,
    Conversation,
    String,
    String,
    String,
) {
    let iam = iam_client(moto_endpoint()).await;
    let proxy = FaultProxy::start(moto_endpoint()).await;
    proxy.emulate_case_insensitive_names();
    let conv = Conversation::with(&proxy.endpoint, 0).await;
    let unique = name("x");
    let (existing, asked) = (
        format!("{}-{unique}", prefix.to_lowercase()),
        format!("{prefix}-{unique}"),
    );
    create_role(
        &iam,
        &existing,
        &service_trust("ecs-tasks.amazonaws.com"),
        &[("team", "other")],
    )
    .await;
    let before = snapshot(&role_state(&iam, &existing).await.unwrap());
    (iam, proxy, conv, existing, asked, before)
}

#[tokio::test]
async fn a_name_taken_in_another_case_is_refused_and_left_untouched() {
    let (iam, _proxy, conv, existing, asked, before) = name_taken_in_lower_case("MyRole").await;
    let props = json!({"Roles": {
        "TaskExecution": {"RoleName": asked},
        "Task": {"ClusterName": "c"},
    }});
    let answer = conv.create(props.clone()).await;
    assert_eq!(answer.status(), "FAILED", "{}", answer.body);
    assert!(
        answer
            .reason()
            .contains("exists and is not owned by this resource"),
        "{}",
        answer.reason()
    );
    assert_eq!(
        snapshot(&role_state(&iam, &existing).await.unwrap()),
        before,
        "the existing role is untouched"
    );
    // Neither the Task role made alongside nor a role named in the other case is left.
    assert_all_gone(&iam, &conv, &answer.physical_id(), &props).await;
}

#[tokio::test]
async fn ten_stacks_at_once_under_thirty_percent_throttling() {
    let iam = iam_client(moto_endpoint()).await;
    let proxy = FaultProxy::start(moto_endpoint()).await;
    proxy.set_throttle(0.3);
    let started = Instant::now();
    let stacks = (0..10).map(|_| async {
        let conv = Conversation::with(&proxy.endpoint, 0).await;
        let props = all_five();
        let created = conv.create(props.clone()).await;
        (conv, created, props)
    });
    let stacks = futures::future::join_all(stacks).await;
    let created_in = started.elapsed();
    for (conv, created, props) in &stacks {
        created.assert_success();
        assert_iam_matches(&iam, conv, created, props).await;
    }
    let deletes = stacks.iter().map(|(conv, created, props)| async move {
        conv.delete(&created.physical_id(), props.clone()).await
    });
    for answer in futures::future::join_all(deletes).await {
        answer.assert_success();
    }
    let wall = started.elapsed();
    for (conv, created, props) in &stacks {
        assert_all_gone(&iam, conv, &created.physical_id(), props).await;
    }
    let throttled = proxy.count(THROTTLED);
    let calls = proxy.calls().len() - throttled;
    let mut retries = vec![];
    for (conv, _, _) in &stacks {
        retries.push(logged_retries(conv, 2).await);
    }
    let figures = format!(
        "ten stacks under 30 % throttling: {calls} IAM calls, {throttled} throttled; \
         retries per stack [Create, Delete]: {retries:?}; Create of all {:.1} s, \
         Create and Delete {:.1} s",
        created_in.as_secs_f64(),
        wall.as_secs_f64()
    );
    println!("{figures}");
    // scripts/test.sh prints this after the tests, as it does the authorization figures.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/real-iam");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("throttling.txt"), format!("{figures}\n")).unwrap();
    assert!(throttled > 0, "the throttling was exercised");
    let total: u64 = retries.iter().flatten().sum();
    // Every throttled call was retried (moto under ten stacks may add a transient of its own).
    assert!(
        total as usize >= throttled,
        "{total} retries for {throttled} throttled calls"
    );
}

#[tokio::test]
async fn a_missing_aws_managed_policy_is_not_waited_for() {
    // In a partition without it, IAM answers a missing AWS managed policy with this message;
    // it will not appear by waiting.
    let proxy = FaultProxy::start(moto_endpoint()).await;
    let arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";
    proxy.fail_matching(
        "AttachRolePolicy",
        arn,
        404,
        "NoSuchEntity",
        &format!("Policy {arn} does not exist or is not attachable."),
    );
    let conv = Conversation::with(&proxy.endpoint, 0).await;
    let props = json!({"Roles": {"TaskExecution": {}}});
    let started = Instant::now();
    let answer = conv.create(props.clone()).await;
    assert_eq!(answer.status(), "FAILED", "{}", answer.body);
    assert!(
        answer.reason().contains("not attachable"),
        "{}",
        answer.reason()
    );
    assert_eq!(
        proxy.count("AttachRolePolicy"),
        1,
        "not retried as propagation (took {:?})",
        started.elapsed()
    );
    let iam = iam_client(moto_endpoint()).await;
    assert_all_gone(&iam, &conv, &answer.physical_id(), &props).await;
}

#[tokio::test]
async fn adoption_of_a_role_named_in_another_case_is_refused_and_changes_nothing() {
    let (iam, proxy, conv, existing, asked, before) = name_taken_in_lower_case("AdoptMe").await;
    let props = json!({"AdoptExisting": "true", "Roles": {"TaskExecution": {"RoleName": asked}}});
    // IAM finds the role under the other case (GetRole), but its ARN names `adoptme-…`: the
    // outputs would name a role that does not match it, so the stack must use IAM's name.
    let refused = conv.create(props.clone()).await;
    assert_eq!(refused.status(), "FAILED", "{}", refused.body);
    assert!(
        refused
            .reason()
            .contains(&format!("role {asked} exists as {existing}")),
        "{}",
        refused.reason()
    );
    assert_eq!(
        proxy.writes(),
        Vec::<String>::new(),
        "adoption reads first: no write"
    );
    assert_eq!(
        snapshot(&role_state(&iam, &existing).await.unwrap()),
        before
    );
}

#[tokio::test]
async fn a_new_instance_profile_not_yet_visible_is_waited_for() {
    let iam = iam_client(moto_endpoint()).await;
    let proxy = FaultProxy::start(moto_endpoint()).await;
    proxy.emulate_propagation(2);
    let conv = Conversation::with(&proxy.endpoint, 0).await;
    let props = json!({"PropagationDelay": "0", "Roles": {"ContainerInstance": {}}});
    let created = conv.create(props.clone()).await;
    created.assert_success();
    // AddRoleToInstanceProfile right after CreateRole and CreateInstanceProfile: the role and
    // the profile were each missing for two calls, which were tried again.
    assert_eq!(proxy.count(NOT_YET_VISIBLE), 2 + 2, "{:?}", proxy.calls());
    assert!(
        proxy.count("AddRoleToInstanceProfile") > 1,
        "{:?}",
        proxy.calls()
    );
    let (role, profile) = (
        created.data("ContainerInstanceRoleName"),
        created.data("ContainerInstanceInstanceProfileName"),
    );
    assert_eq!(profile_state(&iam, &profile).await.unwrap().roles, [role]);
    conv.delete(&created.physical_id(), props)
        .await
        .assert_success();
    assert!(profile_state(&iam, &profile).await.is_none());
}
