//! The ordering rule (src/order.rs) over every kind of plan: Create, Update, Delete, undo and
//! adoption, with and without a required boundary, as unit and property tests.

mod planning;

use ecs_iam_roles_core::adoption::AdoptionRecord;
use ecs_iam_roles_core::desired::DesiredState;
use ecs_iam_roles_core::order::violations;
use ecs_iam_roles_core::plan::{
    converge, teardown, undo, ActualState, Created, Op, Ownership, Phase, Plan, Stage,
    OWNER_TAG_KEY,
};
use planning::{all_five, as_actual, desired, OWNER};
use proptest::prelude::*;
use serde_json::{json, Value};

const BOUNDARY: &str = "arn:aws:iam::123456789012:policy/Boundary";

fn with_boundary(mut properties: Value) -> Value {
    properties["PermissionsBoundary"] = json!(BOUNDARY);
    properties
}

fn phase(stage: Stage, ops: Vec<Op>) -> Phase {
    Phase { stage, ops }
}

#[test]
fn create_update_and_delete_keep_the_rule() {
    for required in [None, Some(BOUNDARY)] {
        let properties = match required {
            Some(_) => with_boundary(all_five()),
            None => all_five(),
        };
        let want = desired(properties);
        let nothing = ActualState::default();
        let create = converge(&want, &nothing, &Ownership::sole(OWNER)).unwrap();
        assert_eq!(
            violations(&create, &nothing, required),
            Vec::<String>::new()
        );
        let created = as_actual(&want);
        let delete = teardown(&created, OWNER, required);
        assert_eq!(
            violations(&delete, &created, required),
            Vec::<String>::new()
        );
    }
}

#[test]
fn with_a_required_boundary_grants_wait_for_it() {
    let want = desired(with_boundary(
        json!({"Roles": {"Task": {"ClusterName": "c"}}}),
    ));
    let mut actual = as_actual(&want);
    let role = actual.roles.values_mut().next().unwrap();
    // Made before the operator required the boundary, and drifted since.
    role.permissions_boundary = None;
    role.inline_policies.clear();
    let plan = converge(&want, &actual, &Ownership::sole(OWNER)).unwrap();
    assert_eq!(
        violations(&plan, &actual, Some(BOUNDARY)),
        Vec::<String>::new(),
        "{plan}"
    );
    let stages: Vec<Stage> = plan.phases.iter().map(|p| p.stage).collect();
    assert_eq!(stages, [Stage::Bound, Stage::Grant], "{plan}");
    let flattened = Plan {
        phases: vec![phase(Stage::Grant, plan.ops().cloned().collect())],
    };
    let found = violations(&flattened, &actual, Some(BOUNDARY));
    assert!(
        found[0].contains("does not have the required boundary yet"),
        "{found:?}"
    );
    let removal = Plan {
        phases: vec![phase(
            Stage::Bound,
            vec![Op::DeleteBoundary {
                role: want.roles[0].name.clone(),
            }],
        )],
    };
    assert_eq!(violations(&removal, &actual, Some(BOUNDARY)).len(), 1);
}

/// How one role of the desired state stands in IAM before a request.
#[derive(Debug, Clone)]
enum RoleCase {
    Missing,
    Owned,
    OwnedByPrevious,
    Unowned,
    Adopted,
}

fn role_case() -> impl Strategy<Value = RoleCase> {
    prop_oneof![
        Just(RoleCase::Missing),
        Just(RoleCase::Owned),
        Just(RoleCase::OwnedByPrevious),
        Just(RoleCase::Unowned),
        Just(RoleCase::Adopted),
    ]
}

/// Per role: its case, and drift (trust, a policy detached, boundary gone, an inline gone).
type RoleDraw = (RoleCase, bool, bool, bool, bool);

/// An actual state around `want`: each role in one of the cases, with or without drift.
fn actual_state(want: &DesiredState, draws: &[RoleDraw], policies_exist: bool) -> ActualState {
    let mut actual = as_actual(want);
    if !policies_exist {
        actual.policies.clear();
    }
    for (role, (case, trust, detach, unbound, no_inline)) in want.roles.iter().zip(draws) {
        let found = actual.roles.get_mut(&role.name).unwrap();
        if *trust {
            found.trust = json!({"Version": "2012-10-17", "Statement": []});
        }
        if *detach {
            found.managed_policy_arns.pop_first();
        }
        if *unbound {
            found.permissions_boundary = None;
        }
        if *no_inline {
            found.inline_policies.clear();
        }
        match case {
            RoleCase::Missing => {
                actual.roles.remove(&role.name);
            }
            RoleCase::Owned => {}
            RoleCase::OwnedByPrevious => {
                found.tags.insert(OWNER_TAG_KEY.into(), "previous".into());
            }
            RoleCase::Unowned => {
                found.tags.clear();
            }
            RoleCase::Adopted => {
                let record = AdoptionRecord {
                    attached: found.managed_policy_arns.iter().take(1).cloned().collect(),
                    trust: Some(json!({"Version": "2012-10-17", "Statement": []})),
                    boundary: Some(None),
                    ..Default::default()
                };
                found.tags.extend(record.to_tags());
            }
        }
    }
    actual
}

proptest! {
    #[test]
    fn every_plan_keeps_the_owner_tag_and_boundary_order(
        draws in proptest::collection::vec(
            (role_case(), any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
            5,
        ),
        policies_exist in any::<bool>(),
        boundary in any::<bool>(),
        adopt in any::<bool>(),
    ) {
        let required = boundary.then_some(BOUNDARY);
        let properties = if boundary { with_boundary(all_five()) } else { all_five() };
        let want = desired(properties);
        let actual = actual_state(&want, &draws, policies_exist);

        let ownership = Ownership {
            takes_over: &["previous"],
            adopt,
            ..Ownership::sole(OWNER)
        };
        if let Ok(plan) = converge(&want, &actual, &ownership) {
            prop_assert_eq!(violations(&plan, &actual, required), Vec::<String>::new(), "converge:\n{}", plan);
            // The request failed after all its calls: taking it back keeps the rule too.
            let after = as_actual(&want);
            let back = undo(&Created::from_ops(plan.ops()), &actual, &after, OWNER, required);
            prop_assert_eq!(violations(&back, &after, required), Vec::<String>::new(), "undo:\n{}", back);
        }
        let delete = teardown(&actual, OWNER, required);
        prop_assert_eq!(violations(&delete, &actual, required), Vec::<String>::new(), "teardown:\n{}", delete);
    }
}
