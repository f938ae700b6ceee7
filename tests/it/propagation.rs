//! `PropagationDelay`: waited before a SUCCESS answer to a Create, or to an Update that made a
//! role or changed trust or permissions; never before a Delete's answer or after an Update that
//! changed nothing or only tags; and never past the time the answer needs.

use crate::support::proxy::FaultProxy;
use crate::support::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn properties(role: &str, delay: &str) -> Value {
    json!({"PropagationDelay": delay, "Roles": {"TaskExecution": {"RoleName": role}}})
}

/// The answer, and how long it took from sending the event to its PUT.
async fn timed<F: std::future::Future<Output = Answer>>(work: F) -> (Answer, Duration) {
    let started = Instant::now();
    let answer = work.await;
    (answer, started.elapsed())
}

#[tokio::test]
async fn the_wait_follows_what_changed() {
    let conv = Conversation::new().await;
    let role = name("propagation");
    let p = properties(&role, "3");

    let (created, took) = timed(conv.create(p.clone())).await;
    created.assert_success();
    assert!(
        took >= Duration::from_secs(3),
        "Create answered after {took:?}"
    );
    let id = created.physical_id();
    let log = conv.function.log_text();
    assert!(log.contains("waiting for IAM to propagate"), "{log}");

    // Nothing to change: no wait.
    let (same, took) = timed(conv.update(&id, p.clone(), p.clone())).await;
    same.assert_success();
    assert!(
        took < Duration::from_secs(2),
        "no-op Update answered after {took:?}"
    );

    // Only tags change: no wait.
    let mut tagged = p.clone();
    tagged["Tags"] = json!([{"Key": "team", "Value": "platform"}]);
    let (retagged, took) = timed(conv.update(&id, tagged.clone(), p.clone())).await;
    retagged.assert_success();
    assert!(
        took < Duration::from_secs(2),
        "tag-only Update answered after {took:?}"
    );

    // Permissions change: wait.
    let mut extras = tagged.clone();
    extras["Roles"]["TaskExecution"]["KmsKeyArns"] =
        json!(["arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]);
    let (changed, took) = timed(conv.update(&id, extras.clone(), tagged.clone())).await;
    changed.assert_success();
    assert!(
        took >= Duration::from_secs(3),
        "Update answered after {took:?}"
    );

    let (deleted, took) = timed(conv.delete(&id, extras)).await;
    deleted.assert_success();
    assert!(
        took < Duration::from_secs(2),
        "Delete answered after {took:?}"
    );
}

#[tokio::test]
async fn a_failed_create_is_answered_without_waiting() {
    let proxy = FaultProxy::start(moto_endpoint()).await;
    proxy.fail("AttachRolePolicy", 403, "AccessDenied", "not authorized");
    let conv = Conversation::with(&proxy.endpoint, 0).await;
    let (answer, took) = timed(conv.create(properties(&name("propagation"), "30"))).await;
    assert_eq!(answer.status(), "FAILED", "{}", answer.body);
    assert!(
        took < Duration::from_secs(10),
        "FAILED answered after {took:?}"
    );
}

#[tokio::test]
async fn the_wait_is_cut_before_the_deadline_never_the_answer() {
    let mut conv = Conversation::new().await;
    conv.timeout = Duration::from_secs(6);
    let p = properties(&name("propagation"), "60");
    let deadline = std::time::SystemTime::now() + conv.timeout;
    let created = conv.create(p.clone()).await;
    created.assert_success();
    assert!(created.put.at < deadline, "answered after the deadline");
    conv.timeout = Duration::from_secs(60);
    conv.delete(&created.physical_id(), p)
        .await
        .assert_success();
}

#[tokio::test]
async fn the_delay_is_checked_before_any_iam_call() {
    let conv = Conversation::new().await;
    for bad in ["61", "-1", "ten", "1.5"] {
        let answer = conv.create(properties(&name("propagation"), bad)).await;
        assert_eq!(answer.status(), "FAILED");
        let reason = answer.reason();
        assert!(
            reason.contains("PropagationDelay: must be a whole number of seconds from 0 to 60"),
            "{reason}"
        );
    }
}
