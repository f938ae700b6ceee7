//! Fault tests with a proxy in front of moto: throttling, latency past the deadline, and many
//! stacks at once. The answers must be right and nothing may leak.

use crate::support::proxy::FaultProxy;
use crate::support::*;
use serde_json::json;
use std::time::{Duration, SystemTime};

#[tokio::test]
async fn thirty_percent_throttling_still_creates_and_deletes_everything() {
    let iam = iam_client(moto_endpoint()).await;
    let proxy = FaultProxy::start(moto_endpoint()).await;
    proxy.set_throttle(0.3);
    let conv = Conversation::with(&proxy.endpoint, 0).await;
    let props = all_five();
    let created = conv.create(props.clone()).await;
    created.assert_success();
    let throttled = proxy
        .calls()
        .iter()
        .filter(|c| *c == crate::support::proxy::THROTTLED)
        .count();
    proxy.set_throttle(0.0);
    assert_iam_matches(&iam, &conv, &created, &props).await;
    proxy.set_throttle(0.3);
    conv.delete(&created.physical_id(), props.clone())
        .await
        .assert_success();
    proxy.set_throttle(0.0);
    assert_all_gone(&iam, &conv, &created.physical_id(), &props).await;
    assert!(throttled > 0, "the throttling was exercised");
}

#[tokio::test]
async fn latency_past_the_deadline_is_answered_in_time_and_delete_cleans_up() {
    let iam = iam_client(moto_endpoint()).await;
    let proxy = FaultProxy::start(moto_endpoint()).await;
    let mut conv = Conversation::with(&proxy.endpoint, 0).await;
    let props = json!({"Roles": {"TaskExecution": {}, "EcsAnywhere": {}}});
    // The creates go through (slowly); the attachments cannot finish in time.
    proxy.set_latency(Duration::from_millis(2_000));
    conv.timeout = Duration::from_secs(4);
    let (request_id, event) = conv.event("Create", props.clone());
    let deadline = SystemTime::now() + conv.timeout;
    let answer = conv.send(&request_id, event).await;
    assert_eq!(answer.status(), "FAILED", "{}", answer.body);
    assert!(answer.reason().contains("timed out"), "{}", answer.reason());
    assert!(answer.put.at < deadline, "answered after the deadline");
    // Let calls already forwarded land, then CloudFormation's Delete removes all of it.
    tokio::time::sleep(Duration::from_millis(4_000)).await;
    proxy.set_latency(Duration::ZERO);
    conv.timeout = Duration::from_secs(60);
    conv.delete(&answer.physical_id(), props.clone())
        .await
        .assert_success();
    assert_all_gone(&iam, &conv, &answer.physical_id(), &props).await;
}

#[tokio::test]
async fn non_retryable_errors_fail_at_once_with_iams_message() {
    let proxy = FaultProxy::start(moto_endpoint()).await;
    proxy.fail(
        "CreateRole",
        403,
        "AccessDenied",
        "User is not authorized to perform: iam:CreateRole",
    );
    let conv = Conversation::with(&proxy.endpoint, 0).await;
    let answer = conv.create(json!({"Roles": {"TaskExecution": {}}})).await;
    assert_eq!(answer.status(), "FAILED");
    assert!(
        answer.reason().contains("AccessDenied"),
        "{}",
        answer.reason()
    );
    assert!(
        answer.reason().contains("not authorized"),
        "{}",
        answer.reason()
    );
    let attempts = proxy.calls().iter().filter(|c| *c == "CreateRole").count();
    assert_eq!(attempts, 1, "AccessDenied is not retried");
}

#[tokio::test]
async fn concurrent_modification_is_retried() {
    let proxy = FaultProxy::start(moto_endpoint()).await;
    let conv = Conversation::with(&proxy.endpoint, 0).await;
    let props = json!({"Roles": {"TaskExecution": {}}});
    proxy.fail_times(
        "AttachRolePolicy",
        Some(3),
        409,
        "ConcurrentModification",
        "Rate of changes too high",
    );
    let answer = conv.create(props.clone()).await;
    answer.assert_success();
    let attaches = proxy
        .calls()
        .iter()
        .filter(|c| *c == "AttachRolePolicy")
        .count();
    assert_eq!(attaches, 4, "three failures, then success");
    conv.delete(&answer.physical_id(), props)
        .await
        .assert_success();
}

#[tokio::test]
async fn many_stacks_at_once() {
    let iam = iam_client(moto_endpoint()).await;
    let conversations = (0..6).map(|_| async {
        let conv = Conversation::new().await;
        let props = all_five();
        let created = conv.create(props.clone()).await;
        created.assert_success();
        let deleted = conv.delete(&created.physical_id(), props.clone()).await;
        deleted.assert_success();
        (conv, created.physical_id(), props)
    });
    for (conv, id, props) in futures::future::join_all(conversations).await {
        assert_all_gone(&iam, &conv, &id, &props).await;
    }
}

#[tokio::test]
async fn all_five_kinds_take_few_round_trips() {
    // With latency on every call, calls that do not wait for each other overlap in time; the
    // longest chain of calls that do is the number of round trips. The latency is well above
    // the time a debug build takes to sign and send a burst of calls.
    let proxy = FaultProxy::start(moto_endpoint()).await;
    proxy.set_latency(Duration::from_millis(700));
    let conv = Conversation::with(&proxy.endpoint, 0).await;
    let props = all_five();
    let (created, create_trips) = round_trips_of(&proxy, conv.create(props.clone())).await;
    let id = created.physical_id();
    let update = conv.update(&id, props.clone(), props.clone());
    let (_, update_trips) = round_trips_of(&proxy, update).await;
    assert!(proxy.writes().is_empty(), "{:?}", proxy.writes());
    let (_, delete_trips) = round_trips_of(&proxy, conv.delete(&id, props)).await;
    println!(
        "round trips: Create {create_trips}, no-op Update {update_trips}, Delete {delete_trips}"
    );
    assert_round_trips(create_trips, update_trips, delete_trips);
}

/// A request that succeeds, and the round trips of its IAM calls.
async fn round_trips_of(
    proxy: &FaultProxy,
    request: impl std::future::Future<Output = Answer>,
) -> (Answer, usize) {
    proxy.clear_calls();
    let answer = request.await;
    answer.assert_success();
    (answer, proxy.round_trips())
}

/// Create in at most 3 round trips, a no-op Update in 3, Delete in 4.
fn assert_round_trips(create: usize, update: usize, delete: usize) {
    assert!(create <= 3, "Create took {create} round trips");
    assert!(update <= 3, "no-op Update took {update} round trips");
    assert!(delete <= 4, "Delete took {delete} round trips");
}

#[tokio::test]
async fn all_kinds_take_few_round_trips() {
    // As above, with every kind: instance profiles and service-linked roles included.
    let iam = iam_client(moto_endpoint()).await;
    let proxy = FaultProxy::start(moto_endpoint()).await;
    proxy.set_latency(Duration::from_millis(700));
    let conv = Conversation::with(&proxy.endpoint, 0).await;
    let props = all_kinds();
    let (created, create_trips) = round_trips_of(&proxy, conv.create(props.clone())).await;
    let profiles = [
        created.data("ContainerInstanceInstanceProfileName"),
        created.data("ManagedInstancesInstanceProfileName"),
    ];
    for profile in &profiles {
        let state = profile_state(&iam, profile).await.expect("made");
        assert_eq!(state.roles.len(), 1, "{profile}: {state:?}");
    }
    let id = created.physical_id();
    let update = conv.update(&id, props.clone(), props.clone());
    let (_, update_trips) = round_trips_of(&proxy, update).await;
    assert!(proxy.writes().is_empty(), "{:?}", proxy.writes());
    let (_, delete_trips) = round_trips_of(&proxy, conv.delete(&id, props.clone())).await;
    println!(
        "round trips, all kinds: Create {create_trips}, no-op Update {update_trips}, Delete {delete_trips}"
    );
    assert_round_trips(create_trips, update_trips, delete_trips);
    for profile in &profiles {
        assert!(
            profile_state(&iam, profile).await.is_none(),
            "{profile} left behind"
        );
    }
    let (desired, _) = desired_for(&conv, &created.physical_id(), &props);
    for role in &desired.roles {
        assert!(
            role_state(&iam, &role.name).await.is_none(),
            "{} left behind",
            role.name
        );
    }
    for role in &desired.service_linked {
        assert!(
            iam.get_role()
                .role_name(role.role_name)
                .send()
                .await
                .is_ok(),
            "{} kept",
            role.role_name
        );
    }
}
