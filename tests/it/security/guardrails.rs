//! The operator's guardrails (`AllowedKinds`, `TrustedPrincipalAccounts`) as conversations
//! through the binary: what they refuse is refused before any IAM call, naming the kind or the
//! principal's account and the parameter; a Delete is always served; a resource made before the
//! operator narrowed the settings keeps being served on Updates that leave the refused part as
//! it is; and an UPDATE_ROLLBACK is served whatever the guardrails say now (the proxy plays
//! CloudFormation's DescribeStacks answer `UPDATE_ROLLBACK_IN_PROGRESS`).

use super::*;

const OWN: &str = "arn:aws:iam::123456789012:role/granted-access-handler";
const ELSEWHERE: &str = "arn:aws:iam::999988887777:role/granted-access-handler";
const LISTED: &str = "arn:aws:iam::444455556666:role/granted-access-handler";

fn cluster_access(principal: &str) -> Value {
    json!({"PropagationDelay": "0", "Roles": {"ClusterAccess": {"TrustedPrincipalArn": principal}}})
}

/// IAM was not called at all (STS's GetCallerIdentity and CloudFormation are not IAM).
fn assert_no_iam_call(proxy: &FaultProxy) {
    let calls: Vec<String> = proxy
        .calls()
        .into_iter()
        .filter(|c| c != "DescribeStacks")
        .collect();
    assert!(calls.is_empty(), "IAM was called: {calls:?}");
}

#[tokio::test]
async fn by_default_only_principals_of_the_functions_own_account_are_trusted() {
    let (proxy, conv) = counted(&[("ECS_IAM_ROLES_TRUSTED_ACCOUNTS", "")]).await;
    for kind in ["ClusterAccess", "SsoManagement"] {
        let refused = conv
            .create(json!({"Roles": {kind: {"TrustedPrincipalArn": ELSEWHERE}}}))
            .await;
        assert_eq!(refused.status(), "FAILED", "{}", refused.body);
        let reason = refused.reason();
        for needle in [
            &format!("Roles.{kind}.TrustedPrincipalArn") as &str,
            "999988887777",
            "TrustedPrincipalAccounts",
        ] {
            assert!(reason.contains(needle), "{needle} in {reason}");
        }
    }
    assert_no_iam_call(&proxy);
    let own = conv.create(cluster_access(OWN)).await;
    own.assert_success();
    conv.delete(&own.physical_id(), cluster_access(OWN))
        .await
        .assert_success();
}

#[tokio::test]
async fn a_listed_account_is_trusted_and_a_star_trusts_any() {
    let (proxy, conv) = counted(&[("ECS_IAM_ROLES_TRUSTED_ACCOUNTS", "444455556666")]).await;
    let refused = conv.create(cluster_access(ELSEWHERE)).await;
    assert_eq!(refused.status(), "FAILED", "{}", refused.body);
    assert_no_iam_call(&proxy);
    let listed = conv.create(cluster_access(LISTED)).await;
    listed.assert_success();
    conv.delete(&listed.physical_id(), cluster_access(LISTED))
        .await
        .assert_success();

    let (_, any) = counted(&[("ECS_IAM_ROLES_TRUSTED_ACCOUNTS", "*")]).await;
    let anywhere = any.create(cluster_access(ELSEWHERE)).await;
    anywhere.assert_success();
    any.delete(&anywhere.physical_id(), cluster_access(ELSEWHERE))
        .await
        .assert_success();
}

#[tokio::test]
async fn allowed_kinds_refuse_a_new_kind_and_keep_serving_what_a_resource_holds() {
    let iam = iam_client(moto_endpoint()).await;
    // Made while every kind was offered; the same stack is then served by the function
    // redeployed with narrower settings.
    let (_, wide) = counted(&[]).await;
    let (exec, task) = (name("exec"), name("task"));
    let p1 = json!({"PropagationDelay": "0", "Roles": {
        "TaskExecution": {"RoleName": exec}, "Task": {"RoleName": task, "ClusterName": "c1"}}});
    let created = wide.create(p1.clone()).await;
    created.assert_success();
    let id = created.physical_id();

    // The operator narrows the offer to TaskExecution.
    let (proxy, mut narrow) = counted(&[("ECS_IAM_ROLES_ALLOWED_KINDS", "TaskExecution")]).await;
    narrow.stack_id = wide.stack_id.clone();
    narrow.stack_name = wide.stack_name.clone();
    let refused = narrow
        .create(json!({"Roles": {"Task": {"ClusterName": "c"}}}))
        .await;
    assert_eq!(refused.status(), "FAILED", "{}", refused.body);
    for needle in ["Roles.Task", "AllowedKinds", "TaskExecution"] {
        assert!(refused.reason().contains(needle), "{}", refused.reason());
    }
    assert_no_iam_call(&proxy);

    // The existing resource's Task is updated in what it already has (ClusterName).
    let mut p2 = p1.clone();
    p2["Roles"]["Task"]["ClusterName"] = json!("c2");
    let updated = narrow.update(&id, p2.clone(), p1.clone()).await;
    updated.assert_success();
    assert_iam_matches(&iam, &narrow, &updated, &p2).await;

    // Adding another kind that is not offered is refused, and changes nothing.
    proxy.clear_calls();
    let mut p3 = p2.clone();
    p3["Roles"]["Events"] = json!({});
    let added = narrow.update(&id, p3.clone(), p2.clone()).await;
    assert_eq!(added.status(), "FAILED", "{}", added.body);
    assert!(
        added.reason().contains("Roles.Events"),
        "{}",
        added.reason()
    );
    assert_eq!(proxy.writes(), Vec::<String>::new());

    // A Delete is always served.
    narrow.delete(&id, p2.clone()).await.assert_success();
    assert_all_gone(&iam, &narrow, &id, &p2).await;
}

#[tokio::test]
async fn a_rollback_is_served_although_the_guardrails_refuse_it_now() {
    let iam = iam_client(moto_endpoint()).await;
    let (_, wide) = counted(&[("ECS_IAM_ROLES_TRUSTED_ACCOUNTS", "*")]).await;
    let (exec, task) = (name("exec"), name("task"));
    let p1 = json!({"PropagationDelay": "0", "Roles": {
        "TaskExecution": {"RoleName": exec}, "Task": {"RoleName": task, "ClusterName": "c1"},
        "ClusterAccess": {"TrustedPrincipalArn": ELSEWHERE}}});
    let created = wide.create(p1.clone()).await;
    created.assert_success();
    let id = created.physical_id();

    // Then the operator narrows both settings; a forward update replaces the Task role (a
    // rename), drops the ClusterAccess kind and trusts nobody outside the account.
    let (proxy, mut narrow) = counted(&[
        ("ECS_IAM_ROLES_ALLOWED_KINDS", "TaskExecution,Task"),
        ("ECS_IAM_ROLES_TRUSTED_ACCOUNTS", ""),
    ])
    .await;
    narrow.stack_id = wide.stack_id.clone();
    narrow.stack_name = wide.stack_name.clone();
    let p2 = json!({"PropagationDelay": "0", "Roles": {
        "TaskExecution": {"RoleName": exec}, "Task": {"RoleName": name("task2"), "ClusterName": "c1"}}});
    let forward = narrow.update(&id, p2.clone(), p1.clone()).await;
    forward.assert_success();
    let new_id = forward.physical_id();
    assert_ne!(new_id, id, "a replacement");

    // A later resource fails: UPDATE_ROLLBACK sends the old properties back, which add a kind
    // that is not offered now and trust another account. Outside a rollback that is refused…
    let refused = narrow.update(&new_id, p1.clone(), p2.clone()).await;
    assert_eq!(refused.status(), "FAILED", "{}", refused.body);
    assert!(
        refused.reason().contains("Roles.ClusterAccess"),
        "{}",
        refused.reason()
    );
    // …while the stack is rolling back it is served, back to the old resource exactly.
    proxy.set_stack_status(&narrow.stack_id, "UPDATE_ROLLBACK_IN_PROGRESS");
    let rolled_back = narrow.update(&new_id, p1.clone(), p2.clone()).await;
    rolled_back.assert_success();
    assert_eq!(rolled_back.physical_id(), id);
    assert_iam_matches(&iam, &narrow, &created, &p1).await;
    narrow.delete(&new_id, p2.clone()).await.assert_success();
    narrow.delete(&id, p1.clone()).await.assert_success();
    assert_all_gone(&iam, &narrow, &id, &p1).await;
}

#[tokio::test]
async fn a_rollback_from_properties_that_never_parsed_is_served_too() {
    let iam = iam_client(moto_endpoint()).await;
    let (_, wide) = counted(&[("ECS_IAM_ROLES_TRUSTED_ACCOUNTS", "*")]).await;
    let p1 = json!({"PropagationDelay": "0", "Roles": {
        "ClusterAccess": {"TrustedPrincipalArn": ELSEWHERE, "RoleName": name("access")}}});
    let created = wide.create(p1.clone()).await;
    created.assert_success();
    let id = created.physical_id();

    // The operator narrows the trusted accounts; a forward Update with a typo failed on its
    // input, so the rollback's old properties are ones no request ever accepted.
    let (proxy, mut narrow) = counted(&[("ECS_IAM_ROLES_TRUSTED_ACCOUNTS", "")]).await;
    narrow.stack_id = wide.stack_id.clone();
    narrow.stack_name = wide.stack_name.clone();
    let mut typo = p1.clone();
    typo["Roles"]["ClusterAcess"] = json!({});
    proxy.set_stack_status(&narrow.stack_id, "UPDATE_ROLLBACK_IN_PROGRESS");
    let rolled_back = narrow.update(&id, p1.clone(), typo).await;
    rolled_back.assert_success();
    assert_eq!(rolled_back.physical_id(), id);
    assert_iam_matches(&iam, &narrow, &created, &p1).await;
    narrow.delete(&id, p1.clone()).await.assert_success();
    assert_all_gone(&iam, &narrow, &id, &p1).await;
}
