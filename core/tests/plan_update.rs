//! Taking away and deciding: teardown, the undo of a failed request, and the Update's
//! replacement reasons and lineage, over desired states built from properties.

mod planning;

use ecs_iam_roles_core::plan::{
    converge, owns_any, replaced_by, replacement_reasons, teardown, undo, ActualState, Created, Op,
    Ownership, LINEAGE_TAG_KEY, OWNER_TAG_KEY,
};
use planning::{all_five, as_actual, desired, OWNER};
use serde_json::json;

#[test]
fn teardown_empties_then_deletes_only_owned() {
    let want = desired(all_five());
    let mut actual = as_actual(&want);
    actual
        .roles
        .values_mut()
        .next()
        .unwrap()
        .instance_profiles
        .push("p".into());
    let foreign = actual.roles.keys().last().unwrap().clone();
    actual
        .roles
        .get_mut(&foreign)
        .unwrap()
        .tags
        .insert(OWNER_TAG_KEY.into(), "someone-else".into());
    let plan = teardown(&actual, OWNER, None);
    assert_eq!(plan.phases.len(), 2);
    assert!(plan.phases[1]
        .iter()
        .all(|op| matches!(op, Op::DeleteRole { .. } | Op::DeletePolicy { .. })));
    assert_eq!(plan.phases[1].len(), 4 + 3);
    assert!(!plan.ops().any(|op| op.target().contains(&foreign)));
    assert!(plan
        .ops()
        .any(|op| matches!(op, Op::RemoveFromInstanceProfile { .. })));
    assert!(teardown(&ActualState::default(), OWNER, None).is_empty());
}

fn owned_by(actual: &mut ActualState, owner: &str) {
    for role in actual.roles.values_mut() {
        role.tags.insert(OWNER_TAG_KEY.into(), owner.into());
    }
    for policy in actual.policies.values_mut() {
        policy.tags.insert(OWNER_TAG_KEY.into(), owner.into());
    }
}

#[test]
fn replacement_reasons_come_from_what_exists() {
    let old = desired(
        json!({"Roles": {"TaskExecution": {"RoleName": "a"}, "SsoManagement": {"TrustedPrincipalArn": "arn:aws:iam::111122223333:role/h", "PolicyName": "p1"}, "EcsAnywhere": {"LeastPrivilege": "true"}}}),
    );
    let actual = as_actual(&old);
    let same = replacement_reasons(&old, &old, &actual, OWNER);
    assert!(same.is_empty(), "{same:?}");
    let renamed = desired(
        json!({"Roles": {"TaskExecution": {"RoleName": "b"}, "SsoManagement": {"TrustedPrincipalArn": "arn:aws:iam::111122223333:role/h", "PolicyName": "p2"}, "EcsAnywhere": {}}}),
    );
    let reasons = replacement_reasons(&old, &renamed, &actual, OWNER);
    assert_eq!(
        reasons.len(),
        2,
        "role a and policy p1, not the LeastPrivilege policy: {reasons:?}"
    );
    assert!(reasons[0].contains("role a"));
    assert!(reasons[1].contains("policy/p1"));
    // An earlier failed Update left nothing: nothing is abandoned, so in place.
    assert!(replacement_reasons(&renamed, &old, &as_actual(&old), OWNER).is_empty());
    // Someone else's role is not ours to abandon.
    let mut foreign = actual.clone();
    owned_by(&mut foreign, "other");
    assert!(replacement_reasons(&old, &renamed, &foreign, OWNER).is_empty());
    let moved = desired(
        json!({"Path": "/x/", "Roles": {"TaskExecution": {"RoleName": "a"}, "SsoManagement": {"TrustedPrincipalArn": "arn:aws:iam::111122223333:role/h", "PolicyName": "p1"}, "EcsAnywhere": {"LeastPrivilege": "true"}}}),
    );
    let reasons = replacement_reasons(&old, &moved, &actual, OWNER);
    assert!(
        reasons.iter().any(|r| r.contains("moves from / to /x/")),
        "{reasons:?}"
    );
}

#[test]
fn lineage_points_back_to_the_replaced_resource() {
    let state = desired(json!({"Roles": {"TaskExecution": {"RoleName": "a"}}}));
    let mut actual = as_actual(&state);
    assert_eq!(replaced_by(&state, &actual, OWNER), None);
    actual
        .roles
        .get_mut("a")
        .unwrap()
        .tags
        .insert(LINEAGE_TAG_KEY.into(), "old-id".into());
    assert_eq!(
        replaced_by(&state, &actual, OWNER).as_deref(),
        Some("old-id")
    );
    assert_eq!(replaced_by(&state, &actual, "someone-else"), None);
    actual
        .roles
        .get_mut("a")
        .unwrap()
        .tags
        .insert(LINEAGE_TAG_KEY.into(), OWNER.into());
    assert_eq!(
        replaced_by(&state, &actual, OWNER),
        None,
        "a role never replaces itself"
    );
    assert!(owns_any(&state, &actual, OWNER));
    assert!(!owns_any(&state, &actual, "old-id"));
}

#[test]
fn undo_tears_down_what_was_created_and_gives_back_what_was_taken_over() {
    let state = desired(
        json!({"Roles": {"TaskExecution": {"RoleName": "new"}, "EcsAnywhere": {"RoleName": "kept"}}}),
    );
    let after = as_actual(&state);
    let mut before = after.clone();
    before.roles.remove("new");
    before
        .roles
        .get_mut("kept")
        .unwrap()
        .tags
        .insert(OWNER_TAG_KEY.into(), "previous".into());
    let plan = converge(
        &state,
        &before,
        &Ownership {
            takes_over: &["previous"],
            ..Ownership::sole(OWNER)
        },
    )
    .unwrap();
    let undo_plan = undo(&Created::from_ops(plan.ops()), &before, &after, OWNER, None);
    let ops: Vec<String> = undo_plan.ops().map(|op| op.to_string()).collect();
    assert!(ops.contains(&"TagRole role kept".to_string()), "{ops:?}");
    assert!(ops.contains(&"DeleteRole role new".to_string()), "{ops:?}");
    assert!(!ops.iter().any(|o| o == "DeleteRole role kept"), "{ops:?}");
    let Op::TagRole { tags, .. } = &undo_plan.phases[0][0] else {
        panic!("{undo_plan}")
    };
    assert_eq!(tags[OWNER_TAG_KEY], "previous");
}

/// A replacement's id depends on the replaced id and the new properties only (every delivery of
/// the Update arrives at the same id), and what it makes records whom it replaces.
#[test]
fn a_replacement_is_named_by_the_replaced_id_and_the_new_properties() {
    use ecs_iam_roles_core::identity::stack_env;
    use ecs_iam_roles_core::plan::{replacement, Updating};
    use ecs_iam_roles_core::spec::parse;
    let env = stack_env("arn:aws:cloudformation:eu-west-1:123456789012:stack/s/g").unwrap();
    let old = json!({"Roles": {"TaskExecution": {"RoleName": "a"}}});
    let updating = Updating {
        env: &env,
        stack_id: "arn:aws:cloudformation:eu-west-1:123456789012:stack/s/g",
        logical_id: "Roles",
        current: "s-Roles-old",
        old_properties: &old,
    };
    let new = parse(&json!({"Roles": {"TaskExecution": {"RoleName": "b"}}})).unwrap();
    let first = replacement(&new, &updating);
    assert_eq!(first, replacement(&new, &updating));
    assert_ne!(first.id, "s-Roles-old");
    let other = parse(&json!({"Roles": {"TaskExecution": {"RoleName": "c"}}})).unwrap();
    assert_ne!(replacement(&other, &updating).id, first.id);
    let elsewhere = Updating {
        current: "s-Roles-older",
        ..updating
    };
    assert_ne!(replacement(&new, &elsewhere).id, first.id);
    let role = &first.desired.roles[0];
    assert_eq!(role.name, "b");
    assert_eq!(role.tags[OWNER_TAG_KEY], first.id);
    assert_eq!(role.tags[LINEAGE_TAG_KEY], "s-Roles-old");

    // The replacement takes over what the replaced resource owns; in place, only its own.
    let replaced = "s-Roles-old";
    let replacing = Ownership::replacing(&first.id, &replaced, false);
    let tagged = |owner: &str| [(OWNER_TAG_KEY.to_string(), owner.to_string())].into();
    assert!(replacing.accepts(&tagged("s-Roles-old")));
    assert!(replacing.accepts(&tagged(&first.id)));
    assert!(!replacing.accepts(&tagged("s-Roles-other")));
    let in_place = Ownership::in_place(replaced, false);
    assert!(in_place.accepts(&tagged("s-Roles-old")));
    assert!(!in_place.accepts(&tagged(&first.id)));
}
