//! Instance profiles and service-linked roles in plans: made with the roles, repaired, owned
//! like roles, adopted with a console's role, and taken away (or given back) with them.

mod planning;

use ecs_iam_roles_core::desired::DesiredState;
use ecs_iam_roles_core::order::violations;
use ecs_iam_roles_core::plan::{
    converge, replacement_reasons, teardown, undo, ActualState, Created, Op, Ownership, Plan,
    PlanError, Stage, OWNER_TAG_KEY,
};
use planning::{all_kinds, as_actual, desired, OWNER};
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn container_instance(profile_name: Option<&str>) -> Value {
    let mut kind = json!({"RoleName": "ecsInstanceRole"});
    if let Some(name) = profile_name {
        kind["InstanceProfileName"] = json!(name);
    }
    json!({"Roles": {"ContainerInstance": kind}, "Tags": [{"Key": "team", "Value": "a"}]})
}

/// The stage of the first operation `matches` picks.
fn stage_of(plan: &Plan, matches: impl Fn(&Op) -> bool) -> Stage {
    plan.phases
        .iter()
        .find(|p| p.iter().any(&matches))
        .unwrap_or_else(|| panic!("not in {plan}"))
        .stage
}

fn no_violations(plan: &Plan, actual: &ActualState) {
    assert_eq!(
        violations(plan, actual, None),
        Vec::<String>::new(),
        "{plan}"
    );
}

#[test]
fn a_profile_is_made_with_its_role_and_given_it_next() {
    let want = desired(container_instance(None));
    let nothing = ActualState::default();
    let plan = converge(&want, &nothing, &Ownership::sole(OWNER)).unwrap();
    assert_eq!(plan.phases.len(), 2, "{plan}");
    let create = plan.phases[0]
        .iter()
        .find_map(|op| match op {
            Op::CreateInstanceProfile { name, path, tags } => Some((name, path, tags)),
            _ => None,
        })
        .expect("the profile is made in the first phase");
    // Named as the role by default, at its path, tagged as it is.
    assert_eq!(
        (create.0.as_str(), create.1.as_str()),
        ("ecsInstanceRole", "/")
    );
    assert_eq!(create.2[OWNER_TAG_KEY], OWNER);
    assert_eq!(create.2["team"], "a");
    assert!(plan.phases[0]
        .iter()
        .any(|op| matches!(op, Op::CreateRole { .. })));
    let add = Op::AddToInstanceProfile {
        role: "ecsInstanceRole".into(),
        profile: "ecsInstanceRole".into(),
    };
    assert!(plan.phases[1].contains(&add), "{plan}");
    assert_eq!(
        Created::from_ops(plan.ops()).instance_profiles,
        ["ecsInstanceRole"]
    );
    no_violations(&plan, &nothing);
    // The output names the profile.
    let profile = want.roles[0].instance_profile.as_ref().unwrap();
    assert!(
        profile.arn.ends_with(":instance-profile/ecsInstanceRole"),
        "{}",
        profile.arn
    );
}

#[test]
fn all_kinds_converged_plan_nothing_and_from_nothing_take_two_phases() {
    let want = desired(all_kinds());
    assert_eq!(want.service_linked.len(), 3);
    let converged = as_actual(&want);
    let plan = converge(&want, &converged, &Ownership::sole(OWNER)).unwrap();
    assert!(plan.is_empty(), "{plan}");
    let nothing = ActualState::default();
    let create = converge(&want, &nothing, &Ownership::sole(OWNER)).unwrap();
    assert_eq!(create.phases.len(), 2, "{create}");
    let slrs = create.phases[0]
        .iter()
        .filter(|op| matches!(op, Op::CreateServiceLinkedRole { .. }))
        .count();
    assert_eq!(slrs, 3);
    no_violations(&create, &nothing);
    let delete = teardown(&converged, OWNER, None);
    assert!(delete.phases.len() <= 2, "{delete}");
    no_violations(&delete, &converged);
}

#[test]
fn a_profile_drifted_by_hand_is_repaired() {
    let want = desired(container_instance(Some("profile")));
    let mut actual = as_actual(&want);
    let profile = actual.instance_profiles.get_mut("profile").unwrap();
    // The role taken out by hand, another put in, the tags changed.
    profile.roles = vec!["intruder".into()];
    profile.tags.insert("team".into(), "b".into());
    profile.tags.insert("extra".into(), "x".into());
    let plan = converge(&want, &actual, &Ownership::sole(OWNER)).unwrap();
    let leave =
        |op: &Op| matches!(op, Op::RemoveFromInstanceProfile { role, .. } if role == "intruder");
    let add =
        |op: &Op| matches!(op, Op::AddToInstanceProfile { role, .. } if role == "ecsInstanceRole");
    // IAM lets a profile hold one role: the intruder leaves before the role is added.
    assert!(stage_of(&plan, leave) < stage_of(&plan, add), "{plan}");
    let tag = Op::TagInstanceProfile {
        name: "profile".into(),
        tags: BTreeMap::from([("team".into(), "a".into())]),
    };
    let untag = Op::UntagInstanceProfile {
        name: "profile".into(),
        keys: vec!["extra".into()],
    };
    assert!(
        plan.ops().any(|op| *op == tag) && plan.ops().any(|op| *op == untag),
        "{plan}"
    );
    assert_eq!(plan.ops().count(), 4, "{plan}");
    no_violations(&plan, &actual);

    // Only the role missing: added back, nothing else.
    let mut actual = as_actual(&want);
    actual
        .instance_profiles
        .get_mut("profile")
        .unwrap()
        .roles
        .clear();
    let plan = converge(&want, &actual, &Ownership::sole(OWNER)).unwrap();
    assert_eq!(
        plan.ops().cloned().collect::<Vec<_>>(),
        [Op::AddToInstanceProfile {
            role: "ecsInstanceRole".into(),
            profile: "profile".into(),
        }]
    );
}

#[test]
fn someone_elses_profile_or_one_at_another_path_is_refused() {
    let want = desired(container_instance(Some("taken")));
    let mut actual = as_actual(&want);
    actual.instance_profiles.get_mut("taken").unwrap().tags = BTreeMap::new();
    let err = converge(&want, &actual, &Ownership::sole(OWNER)).unwrap_err();
    assert!(
        matches!(&err, PlanError::NotOwned { entity: "instance profile", name, .. } if name == "taken"),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("instance profile taken already exists"),
        "{err}"
    );

    let mut actual = as_actual(&want);
    actual.instance_profiles.get_mut("taken").unwrap().path = "/other/".into();
    let err = converge(&want, &actual, &Ownership::sole(OWNER)).unwrap_err();
    assert!(
        matches!(err, PlanError::InstanceProfileWrongPath { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("InstanceProfileName"), "{err}");
}

#[test]
fn too_many_tags_on_a_profile_are_refused() {
    let want = desired(container_instance(None));
    let mut actual = as_actual(&want);
    let profile = actual.instance_profiles.values_mut().next().unwrap();
    profile.tags.remove("team");
    for i in 0..49 {
        profile.tags.insert(format!("k{i}"), "v".into());
    }
    let err = converge(&want, &actual, &Ownership::sole(OWNER)).unwrap_err();
    assert!(
        matches!(
            &err,
            PlanError::TooManyTags {
                entity: "instance profile",
                ..
            }
        ),
        "{err}"
    );
}

/// A console-made `ecsInstanceRole` in its profile, neither tagged.
fn console_made(want: &DesiredState) -> ActualState {
    let mut actual = as_actual(want);
    for role in actual.roles.values_mut() {
        role.tags.clear();
    }
    for profile in actual.instance_profiles.values_mut() {
        profile.tags.clear();
    }
    actual
}

/// `actual` after `plan` ran, as far as tags go.
fn tagged(mut actual: ActualState, plan: &Plan) -> ActualState {
    for op in plan.ops() {
        match op {
            Op::TagRole { role, tags } => actual
                .roles
                .get_mut(role)
                .unwrap()
                .tags
                .extend(tags.clone()),
            Op::TagInstanceProfile { name, tags } => actual
                .instance_profiles
                .get_mut(name)
                .unwrap()
                .tags
                .extend(tags.clone()),
            _ => {}
        }
    }
    actual
}

#[test]
fn a_console_made_role_and_profile_are_adopted_and_given_back_together() {
    let want = desired(container_instance(None));
    let before = console_made(&want);
    let adopt = Ownership {
        adopt: true,
        ..Ownership::sole(OWNER)
    };
    let plan = converge(&want, &before, &adopt).unwrap();
    no_violations(&plan, &before);
    // Claimed by their tags (with the adoption marker); the role is already in the profile.
    let claim = plan
        .ops()
        .find_map(|op| match op {
            Op::TagInstanceProfile { tags, .. } => Some(tags.clone()),
            _ => None,
        })
        .expect("the profile is claimed");
    assert_eq!(claim[OWNER_TAG_KEY], OWNER);
    assert!(claim.contains_key("ecs-iam-roles:adopted"), "{claim:?}");
    assert!(
        !plan.ops().any(|op| matches!(
            op,
            Op::AddToInstanceProfile { .. }
                | Op::CreateInstanceProfile { .. }
                | Op::RemoveFromInstanceProfile { .. }
        )),
        "{plan}"
    );

    // Adopted, an Update plans nothing more; the Delete gives both back: the role stays in
    // the profile, nothing is deleted, only the bookkeeping (and the tags added) go.
    let adopted = tagged(before, &plan);
    let again = converge(&want, &adopted, &adopt).unwrap();
    assert!(again.is_empty(), "{again}");
    let mut deleting = adopted.clone();
    for role in deleting.roles.values_mut() {
        role.instance_profiles = vec!["ecsInstanceRole".into()];
    }
    let delete = teardown(&deleting, OWNER, None);
    no_violations(&delete, &deleting);
    assert!(
        !delete.ops().any(|op| matches!(
            op,
            Op::DeleteRole { .. }
                | Op::DeleteInstanceProfile { .. }
                | Op::RemoveFromInstanceProfile { .. }
        )),
        "{delete}"
    );
    let release = delete
        .ops()
        .find_map(|op| match op {
            Op::UntagInstanceProfile { keys, .. } => Some(keys.clone()),
            _ => None,
        })
        .expect("the profile's tags go");
    assert!(
        release.contains(&OWNER_TAG_KEY.to_string()) && release.contains(&"team".to_string()),
        "{release:?}"
    );
    assert_eq!(
        stage_of(&delete, |op| matches!(op, Op::UntagInstanceProfile { .. })),
        Stage::Release
    );
}

#[test]
fn a_profile_holding_another_role_is_not_adopted() {
    let want = desired(container_instance(None));
    let mut before = console_made(&want);
    before
        .instance_profiles
        .get_mut("ecsInstanceRole")
        .unwrap()
        .roles = vec!["other".into()];
    let adopt = Ownership {
        adopt: true,
        ..Ownership::sole(OWNER)
    };
    let err = converge(&want, &before, &adopt).unwrap_err();
    assert!(
        matches!(&err, PlanError::InstanceProfileHoldsAnother { holds, .. } if holds == "other"),
        "{err}"
    );
    // An empty one is adopted, and given the role.
    before
        .instance_profiles
        .get_mut("ecsInstanceRole")
        .unwrap()
        .roles
        .clear();
    let plan = converge(&want, &before, &adopt).unwrap();
    assert!(
        plan.ops()
            .any(|op| matches!(op, Op::AddToInstanceProfile { .. })),
        "{plan}"
    );
    no_violations(&plan, &before);
}

#[test]
fn delete_empties_then_deletes_the_profile_with_the_role() {
    let want = desired(container_instance(Some("profile")));
    let mut actual = as_actual(&want);
    actual
        .roles
        .get_mut("ecsInstanceRole")
        .unwrap()
        .instance_profiles = vec!["profile".into()];
    let plan = teardown(&actual, OWNER, None);
    let leave = Op::RemoveFromInstanceProfile {
        role: "ecsInstanceRole".into(),
        profile: "profile".into(),
    };
    // Listed by the role and by the profile: removed once.
    assert_eq!(plan.ops().filter(|op| **op == leave).count(), 1, "{plan}");
    assert_eq!(stage_of(&plan, |op| *op == leave), Stage::Revoke);
    let deletes = plan.phases.last().unwrap();
    assert!(
        deletes.contains(&Op::DeleteInstanceProfile {
            name: "profile".into()
        }),
        "{plan}"
    );
    assert!(
        deletes.contains(&Op::DeleteRole {
            role: "ecsInstanceRole".into()
        }),
        "{plan}"
    );
    no_violations(&plan, &actual);
    // Someone else's profile the role is in: the role leaves it, the profile stays.
    let mut foreign = actual.clone();
    foreign.instance_profiles.get_mut("profile").unwrap().tags = BTreeMap::new();
    let plan = teardown(&foreign, OWNER, None);
    assert!(plan.ops().any(|op| *op == leave));
    assert!(
        !plan
            .ops()
            .any(|op| matches!(op, Op::DeleteInstanceProfile { .. })),
        "{plan}"
    );
}

#[test]
fn undo_removes_the_profile_a_failed_create_made() {
    let want = desired(container_instance(None));
    let nothing = ActualState::default();
    let plan = converge(&want, &nothing, &Ownership::sole(OWNER)).unwrap();
    // The first phase landed; the second failed.
    let created = Created::from_ops(plan.phases[0].iter());
    let mut after = as_actual(&want);
    after
        .instance_profiles
        .get_mut("ecsInstanceRole")
        .unwrap()
        .roles
        .clear();
    let back = undo(&created, &nothing, &after, OWNER, None);
    assert!(
        back.ops().any(|op| *op
            == Op::DeleteInstanceProfile {
                name: "ecsInstanceRole".into()
            }),
        "{back}"
    );
    assert!(
        back.ops().any(|op| matches!(op, Op::DeleteRole { .. })),
        "{back}"
    );
    no_violations(&back, &after);
}

#[test]
fn service_linked_roles_are_made_when_missing_and_never_touched_otherwise() {
    let want = desired(json!({"Roles": {"ServiceLinked": {"Services": ["Ecs", "EcsCompute"]}}}));
    assert!(want.roles.is_empty());
    let nothing = ActualState::default();
    let plan = converge(&want, &nothing, &Ownership::sole(OWNER)).unwrap();
    assert_eq!(plan.phases.len(), 1);
    assert_eq!(plan.phases[0].stage, Stage::Own);
    assert_eq!(
        plan.phases[0].ops,
        [
            Op::CreateServiceLinkedRole {
                service_name: "ecs.amazonaws.com".into(),
                role_name: "AWSServiceRoleForECS".into()
            },
            Op::CreateServiceLinkedRole {
                service_name: "ecs-compute.amazonaws.com".into(),
                role_name: "AWSServiceRoleForECSCompute".into()
            },
        ]
    );
    assert!(
        Created::from_ops(plan.ops()) == Created::default(),
        "never taken back"
    );
    let mut one = nothing.clone();
    one.service_linked.insert("AWSServiceRoleForECS".into());
    let plan = converge(&want, &one, &Ownership::sole(OWNER)).unwrap();
    assert_eq!(plan.ops().count(), 1, "{plan}");
    let existing = as_actual(&want);
    assert!(converge(&want, &existing, &Ownership::sole(OWNER))
        .unwrap()
        .is_empty());
    // Never torn down: a Delete does not name them.
    assert!(teardown(&existing, OWNER, None).is_empty());
    let output = &want.service_linked[0].arn;
    assert!(
        output.ends_with(":role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"),
        "{output}"
    );
}

#[test]
fn a_renamed_profile_is_a_replacement_and_a_kept_one_is_not() {
    let old = desired(container_instance(Some("before")));
    let new = desired(container_instance(Some("after")));
    let actual = as_actual(&old);
    let reasons = replacement_reasons(&old, &new, &actual, OWNER);
    assert_eq!(reasons, ["instance profile before is renamed"]);
    assert!(replacement_reasons(&old, &old, &actual, OWNER).is_empty());
    // Only what this resource owns counts.
    let mut foreign = actual.clone();
    foreign
        .instance_profiles
        .get_mut("before")
        .unwrap()
        .tags
        .clear();
    assert!(replacement_reasons(&old, &new, &foreign, OWNER).is_empty());
}

#[test]
fn the_five_kinds_have_no_profile_and_no_service_linked_role() {
    let want = desired(planning::all_five());
    assert!(want.roles.iter().all(|r| r.instance_profile.is_none()));
    assert!(want.service_linked.is_empty());
}
