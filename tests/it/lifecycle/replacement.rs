//! Every way a replacement A → B can end (contract, Lifecycle), each ending with IAM exactly as
//! the stack's current resource needs it. The replacing Update renames `Task` (so the resource
//! is replaced) and changes the role that keeps its name (`TaskExecution`: tags, boundary and
//! trust conditions), so that giving that role back has something to restore.

use super::*;

/// A: `TaskExecution` keeps its name across the replacement; `Task` is renamed.
fn before(kept: &str, task: &str) -> serde_json::Value {
    json!({"PropagationDelay": "0", "RestrictTrustToAccount": "false",
           "Tags": [{"Key": "team", "Value": "a"}],
           "Roles": {"TaskExecution": {"RoleName": kept},
                     "Task": {"RoleName": task, "ClusterName": "c1"},
                     // Generated names: A's own role and customer policy, which a give-back
                     // to A must leave exactly as they are.
                     "ClusterAccess": {"TrustedPrincipalArn": P1}}})
}

/// B: the kept role with other tags, a boundary and the confused-deputy trust conditions.
fn after(kept: &str, task: &str, boundary: &str) -> serde_json::Value {
    json!({"PropagationDelay": "0", "PermissionsBoundary": boundary,
           "Tags": [{"Key": "team", "Value": "b"}, {"Key": "env", "Value": "prod"}],
           "Roles": {"TaskExecution": {"RoleName": kept},
                     "Task": {"RoleName": task, "ClusterName": "c2"},
                     "ClusterAccess": {"TrustedPrincipalArn": P1}}})
}

/// The kept role's tags after it went back to A: A's, bookkeeping included — no lineage or
/// hand-over record naming A is left on it.
fn assert_tags_exactly_as_before(tags: &std::collections::HashMap<String, String>, id1: &str) {
    let want = std::collections::HashMap::from([
        (OWNER_TAG.to_string(), id1.to_string()),
        ("team".to_string(), "a".to_string()),
    ]);
    assert_eq!(tags, &want);
}

/// Create A, then the replacing Update to B: (A's answer, B's answer).
async fn replaced(
    iam: &aws_sdk_iam::Client,
    conv: &Conversation,
    p1: &serde_json::Value,
    p2: &serde_json::Value,
) -> (Answer, Answer) {
    let created = conv.create(p1.clone()).await;
    assert_iam_matches(iam, conv, &created, p1).await;
    let updated = conv
        .update(&created.physical_id(), p2.clone(), p1.clone())
        .await;
    assert_iam_matches(iam, conv, &updated, p2).await;
    assert_ne!(
        created.physical_id(),
        updated.physical_id(),
        "a replacement"
    );
    (created, updated)
}

/// A (`before`) replaced by B (`after`, with a boundary), each checked against IAM: where the
/// hand-over tests start.
struct AReplacedByB {
    iam: aws_sdk_iam::Client,
    conv: Conversation,
    kept: String,
    a: String,
    b: String,
    p1: serde_json::Value,
    p2: serde_json::Value,
    created: Answer,
    updated: Answer,
    id1: String,
    id2: String,
}

async fn a_replaced_by_b() -> AReplacedByB {
    let iam = iam_client(moto_endpoint()).await;
    let conv = Conversation::new().await;
    let (kept, a, b) = (name("kept"), name("a"), name("b"));
    let (p1, p2) = (
        before(&kept, &a),
        after(&kept, &b, &boundary_policy(&iam).await),
    );
    let (created, updated) = replaced(&iam, &conv, &p1, &p2).await;
    let (id1, id2) = (created.physical_id(), updated.physical_id());
    AReplacedByB {
        iam,
        conv,
        kept,
        a,
        b,
        p1,
        p2,
        created,
        updated,
        id1,
        id2,
    }
}

#[tokio::test]
async fn success_then_cleanup_keeps_what_b_took_over_and_stack_deletion_removes_everything() {
    let AReplacedByB {
        iam,
        conv,
        a,
        p1,
        p2,
        updated,
        id1,
        id2,
        ..
    } = a_replaced_by_b().await;

    // UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: the Delete of A, with A's properties.
    let cleanup = conv.delete(&id1, p1.clone()).await;
    cleanup.assert_success();
    assert_eq!(cleanup.reason(), "", "nothing kept by A's Delete");
    assert!(
        role_state(&iam, &a).await.is_none(),
        "only A's own role goes"
    );
    assert_iam_matches(&iam, &conv, &updated, &p2).await;

    // The stack is deleted later: B's Delete removes everything, the role it took over too.
    let deleted = conv.delete(&id2, p2.clone()).await;
    deleted.assert_success();
    assert_eq!(
        deleted.reason(),
        "",
        "nothing kept: the hand-over was complete"
    );
    assert_all_gone(&iam, &conv, &id2, &p2).await;
}

#[tokio::test]
async fn rollback_as_update_to_b_then_delete_of_b_restores_a_exactly() {
    let AReplacedByB {
        iam,
        conv,
        kept,
        b,
        p1,
        p2,
        created,
        id1,
        id2,
        ..
    } = a_replaced_by_b().await;

    let rolled_back = conv.update(&id2, p1.clone(), p2.clone()).await;
    assert_eq!(rolled_back.physical_id(), id1, "back to A");
    assert_eq!(rolled_back.body["Data"], created.body["Data"]);
    assert_iam_matches(&iam, &conv, &created, &p1).await;
    let cleanup = conv.delete(&id2, p2.clone()).await;
    cleanup.assert_success();
    assert!(role_state(&iam, &b).await.is_none(), "B's new role is gone");
    assert_iam_matches(&iam, &conv, &created, &p1).await;
    assert_tags_exactly_as_before(&role_state(&iam, &kept).await.unwrap().tags, &id1);

    conv.delete(&id1, p1.clone()).await.assert_success();
    assert_all_gone(&iam, &conv, &id1, &p1).await;
}

#[tokio::test]
async fn rollback_as_delete_of_b_alone_gives_the_kept_role_back_to_a_as_it_was() {
    let AReplacedByB {
        iam,
        conv,
        kept,
        b,
        p1,
        p2,
        created,
        id1,
        id2,
        ..
    } = a_replaced_by_b().await;

    // UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS as MiniStack sends it: the engine returns to
    // A without calling the function and deletes B, with B's properties.
    let cleanup = conv.delete(&id2, p2.clone()).await;
    cleanup.assert_success();
    assert!(
        cleanup.reason().contains(&kept) && cleanup.reason().contains(&id1),
        "the answer says what was kept, and for whom: {}",
        cleanup.reason()
    );
    assert!(role_state(&iam, &b).await.is_none(), "B's new role is gone");
    // A's outputs name the kept role: it exists, with A's tags, no boundary and A's trust.
    assert_iam_matches(&iam, &conv, &created, &p1).await;
    let kept_role = role_state(&iam, &kept).await.unwrap();
    assert_eq!(kept_role.boundary, None);
    assert_tags_exactly_as_before(&kept_role.tags, &id1);

    // The rollback of the rollback is not a thing; the stack's deletion is.
    let deleted = conv.delete(&id1, p1.clone()).await;
    deleted.assert_success();
    assert_eq!(deleted.reason(), "");
    assert_all_gone(&iam, &conv, &id1, &p1).await;
}

#[tokio::test]
async fn stack_deletion_after_a_cleanup_that_never_came_deletes_what_b_made() {
    let AReplacedByB {
        iam,
        conv,
        kept,
        a,
        b,
        p1,
        p2,
        id1,
        id2,
        ..
    } = a_replaced_by_b().await;

    // The cleanup Delete of A failed (UPDATE_COMPLETE, "one or more resources could not be
    // deleted"); later the stack is deleted: CloudFormation deletes only B.
    let deleted = conv.delete(&id2, p2.clone()).await;
    deleted.assert_success();
    assert!(role_state(&iam, &b).await.is_none(), "what B made is gone");
    // Nothing tells this from a rollback that sent only B's Delete: the role B took over goes
    // back to A, which still owns its own role, and the answer says so.
    assert!(deleted.reason().contains(&kept), "{}", deleted.reason());
    assert_eq!(role_state(&iam, &kept).await.unwrap().tags[OWNER_TAG], id1);
    assert!(role_state(&iam, &a).await.is_some());
    // Whoever deletes A's leftovers by hand (or a retried cleanup) removes exactly A's.
    conv.delete(&id1, p1.clone()).await.assert_success();
    assert_all_gone(&iam, &conv, &id1, &p1).await;
}

#[tokio::test]
async fn a_replacement_of_a_replacement_records_only_its_own_predecessor() {
    let iam = iam_client(moto_endpoint()).await;
    let conv = Conversation::new().await;
    let (kept, a, b, c) = (name("kept"), name("a"), name("b"), name("c"));
    let boundary = boundary_policy(&iam).await;
    let (p1, p2) = (before(&kept, &a), after(&kept, &b, &boundary));
    let p3 = before(&kept, &c);
    let (created, updated) = replaced(&iam, &conv, &p1, &p2).await;
    let (id1, id2) = (created.physical_id(), updated.physical_id());
    conv.delete(&id1, p1.clone()).await.assert_success();

    // B → C, then a rollback that sends only C's Delete: the kept role goes back to B as B's
    // properties describe it (B's tags and boundary), C's new role goes.
    let third = conv.update(&id2, p3.clone(), p2.clone()).await;
    assert_iam_matches(&iam, &conv, &third, &p3).await;
    let id3 = third.physical_id();
    let cleanup = conv.delete(&id3, p3.clone()).await;
    cleanup.assert_success();
    assert!(cleanup.reason().contains(&id2), "{}", cleanup.reason());
    assert!(role_state(&iam, &c).await.is_none());
    assert_iam_matches(&iam, &conv, &updated, &p2).await;

    conv.delete(&id2, p2.clone()).await.assert_success();
    assert_all_gone(&iam, &conv, &id2, &p2).await;
}

#[tokio::test]
async fn a_replacement_whose_record_would_pass_iams_tag_limit_fails_before_any_write() {
    let iam = iam_client(moto_endpoint()).await;
    let conv = Conversation::new().await;
    let (kept, a, b) = (name("kept"), name("a"), name("b"));
    let tags: Vec<_> = (0..46)
        .map(|i| json!({"Key": format!("k{i}"), "Value": "v"}))
        .collect();
    let mut p1 = before(&kept, &a);
    p1["Tags"] = json!(tags);
    let mut p2 = p1.clone();
    p2["Roles"]["Task"]["RoleName"] = json!(b);
    let created = conv.create(p1.clone()).await;
    assert_iam_matches(&iam, &conv, &created, &p1).await;

    // 46 user tags, the owner, the lineage and the record's marker and chunks: over 50.
    let refused = conv
        .update(&created.physical_id(), p2.clone(), p1.clone())
        .await;
    assert_eq!(refused.status(), "FAILED", "{}", refused.body);
    assert!(
        refused.reason().contains("IAM allows 50"),
        "{}",
        refused.reason()
    );
    assert!(role_state(&iam, &b).await.is_none(), "nothing was made");
    assert_iam_matches(&iam, &conv, &created, &p1).await;
    conv.delete(&created.physical_id(), p1.clone())
        .await
        .assert_success();
    assert_all_gone(&iam, &conv, &created.physical_id(), &p1).await;
}
