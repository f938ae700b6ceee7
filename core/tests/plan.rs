//! The planner as a value: desired states built from properties, actual states around them,
//! and the plans `converge` makes of them (and the give-back of what it adopted).

mod planning;

use ecs_iam_roles_core::adoption::AdoptionRecord;
use ecs_iam_roles_core::plan::{
    converge, teardown, ActualState, Created, Op, Ownership, PlanError, PolicyVersion,
    OWNER_TAG_KEY,
};
use planning::{all_five, as_actual, desired, OWNER};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

#[test]
fn create_from_nothing_is_two_phases() {
    let want = desired(all_five());
    let plan = converge(&want, &ActualState::default(), &Ownership::sole(OWNER)).unwrap();
    assert_eq!(plan.phases.len(), 2, "{plan}");
    assert!(plan.phases[0]
        .iter()
        .all(|op| matches!(op, Op::CreateRole { .. } | Op::CreatePolicy { .. })));
    assert_eq!(plan.phases[0].len(), 5 + 3);
    // 2 (EcsAnywhere) + 1 + 1 inline + 1 + 1 = 6 attachments/puts.
    assert_eq!(plan.phases[1].len(), 6, "{plan}");
    let created = Created::from_ops(plan.ops());
    assert_eq!((created.roles.len(), created.policies.len()), (5, 3));
}

#[test]
fn converged_state_plans_nothing() {
    let want = desired(all_five());
    let plan = converge(&want, &as_actual(&want), &Ownership::sole(OWNER)).unwrap();
    assert!(plan.is_empty(), "{plan}");
}

#[test]
fn equivalent_documents_in_other_shapes_are_not_drift() {
    let want = desired(json!({"Roles": {"EcsAnywhere": {}}, "RestrictTrustToAccount": "false"}));
    let mut actual = as_actual(&want);
    // The ECS Developer Guide page "IAM permissions for ECS Anywhere" prints the same trust with
    // a lone Statement object and a one-element list.
    actual.roles.values_mut().next().unwrap().trust = json!({
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Principal": {"Service": ["ssm.amazonaws.com"]}, "Action": "sts:AssumeRole"}
    });
    assert!(converge(&want, &actual, &Ownership::sole(OWNER))
        .unwrap()
        .is_empty());
}

#[test]
fn drift_is_repaired() {
    let want =
        desired(json!({"Roles": {"EcsAnywhere": {}}, "Tags": [{"Key": "team", "Value": "a"}]}));
    let mut actual = as_actual(&want);
    let role = actual.roles.values_mut().next().unwrap();
    role.trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]});
    let core = role.managed_policy_arns.iter().next().unwrap().clone();
    role.managed_policy_arns.remove(&core);
    role.managed_policy_arns
        .insert("arn:aws:iam::aws:policy/AdministratorAccess".into());
    role.inline_policies.insert("sneaky".into(), json!({}));
    role.tags.insert("team".into(), "b".into());
    role.tags.insert("extra".into(), "x".into());
    role.permissions_boundary = Some("arn:aws:iam::123456789012:policy/B".into());
    let plan = converge(&want, &actual, &Ownership::sole(OWNER)).unwrap();
    let actions: Vec<String> = plan.ops().map(|op| op.to_string()).collect();
    let name = &want.roles[0].name;
    for expected in [
        format!("UpdateAssumeRolePolicy role {name}"),
        format!("DeleteRolePermissionsBoundary role {name}"),
        format!("TagRole role {name}"),
        format!("UntagRole role {name}"),
        format!("AttachRolePolicy role {name} (policy {core})"),
        format!(
            "DetachRolePolicy role {name} (policy arn:aws:iam::aws:policy/AdministratorAccess)"
        ),
        format!("DeleteRolePolicy role {name} (inline policy sneaky)"),
    ] {
        assert!(
            actions.contains(&expected),
            "missing {expected} in {actions:?}"
        );
    }
    assert_eq!(actions.len(), 7, "{actions:?}");
    // Attach comes before detach.
    let phase_of = |prefix: &str| {
        plan.phases
            .iter()
            .position(|p| p.iter().any(|op| op.to_string().starts_with(prefix)))
            .unwrap()
    };
    assert!(phase_of("AttachRolePolicy") < phase_of("DetachRolePolicy"));
}

#[test]
fn foreign_role_is_refused() {
    let want = desired(json!({"Roles": {"TaskExecution": {"RoleName": "taken"}}}));
    let mut actual = as_actual(&want);
    actual.roles.get_mut("taken").unwrap().tags.clear();
    let err = converge(&want, &actual, &Ownership::sole(OWNER)).unwrap_err();
    assert!(
        matches!(&err, PlanError::NotOwned { name, .. } if name == "taken"),
        "{err}"
    );
    assert!(err.to_string().contains("AdoptExisting"), "{err}");
    actual
        .roles
        .get_mut("taken")
        .unwrap()
        .tags
        .insert(OWNER_TAG_KEY.into(), "other".into());
    assert!(converge(&want, &actual, &Ownership::sole(OWNER)).is_err());
    let takes_over = Ownership {
        takes_over: &["other"],
        ..Ownership::sole(OWNER)
    };
    assert!(converge(&want, &actual, &takes_over).is_ok());
}

#[test]
fn changed_policy_document_gets_a_new_version_pruning_the_oldest() {
    let want = desired(
        json!({"Roles": {"ClusterAccess": {"TrustedPrincipalArn": "arn:aws:iam::111122223333:role/h"}}}),
    );
    let mut actual = as_actual(&want);
    let policy = actual.policies.values_mut().next().unwrap();
    policy.document = json!({"Version": "2012-10-17", "Statement": []});
    policy.versions = (1..=5)
        .map(|i| PolicyVersion {
            id: format!("v{i}"),
            is_default: i == 3,
        })
        .collect();
    let plan = converge(&want, &actual, &Ownership::sole(OWNER)).unwrap();
    assert_eq!(plan.phases.len(), 2, "{plan}");
    assert!(
        matches!(&plan.phases[0][0], Op::DeletePolicyVersion { version_id, .. } if version_id == "v1")
    );
    assert!(matches!(&plan.phases[1][0], Op::CreatePolicyVersion { .. }));
}

#[test]
fn least_privilege_off_detaches_and_deletes_the_custom_policy() {
    let before = desired(json!({"Roles": {"EcsAnywhere": {"LeastPrivilege": "true"}}}));
    let after = desired(json!({"Roles": {"EcsAnywhere": {"LeastPrivilege": "false"}}}));
    let plan = converge(&after, &as_actual(&before), &Ownership::sole(OWNER)).unwrap();
    let ops: Vec<&str> = plan.ops().map(|op| op.action().as_str()).collect();
    assert_eq!(
        ops,
        ["AttachRolePolicy", "DetachRolePolicy", "DeletePolicy"],
        "{plan}"
    );
}

#[test]
fn adoption_that_would_pass_fifty_tags_is_refused_before_any_call() {
    let state = desired(
        json!({"AdoptExisting": "true", "Tags": [{"Key": "team", "Value": "platform"}], "Roles": {"TaskExecution": {"RoleName": "theirs"}}}),
    );
    let mut actual = as_actual(&state);
    let role = actual.roles.get_mut("theirs").unwrap();
    // The role's own 47 tags, and a trust the record must keep (about 425 characters of
    // JSON, 568 of base64); with the user's tag, the owner tag and the adoption record
    // (marker and three chunks) that is 53.
    role.tags = (0..47)
        .map(|i| (format!("k{i}"), "v".to_string()))
        .collect();
    role.trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole", "Sid": "x".repeat(300)}]});
    let adopt = Ownership {
        adopt: true,
        ..Ownership::sole(OWNER)
    };
    let err = converge(&state, &actual, &adopt).unwrap_err();
    let PlanError::TooManyTags {
        entity,
        name,
        count,
        own,
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!((*entity, name.as_str()), ("role", "theirs"));
    assert_eq!((*count, *own), (53, 5));
    assert!(
        err.to_string()
            .contains("IAM allows 50. Nothing was changed"),
        "{err}"
    );
    // With three of its tags fewer, it fits exactly.
    let role = actual.roles.get_mut("theirs").unwrap();
    role.tags
        .retain(|k, _| !["k0", "k1", "k2"].contains(&k.as_str()));
    assert!(converge(&state, &actual, &adopt).is_ok());
}

#[test]
fn a_role_found_under_the_name_in_another_case_is_refused() {
    let state = desired(
        json!({"AdoptExisting": "true", "Roles": {"TaskExecution": {"RoleName": "AdoptMe"}}}),
    );
    let mut actual = as_actual(&state);
    let role = actual.roles.get_mut("AdoptMe").unwrap();
    role.name = "adoptme".into();
    role.tags.clear();
    let adopt = Ownership {
        adopt: true,
        ..Ownership::sole(OWNER)
    };
    assert_eq!(
        converge(&state, &actual, &adopt).unwrap_err(),
        PlanError::NameCase {
            wanted: "AdoptMe".into(),
            actual: "adoptme".into()
        }
    );
    // Someone else's role: the usual refusal comes first.
    let err = converge(&state, &actual, &Ownership::sole(OWNER)).unwrap_err();
    assert!(
        err.to_string()
            .contains("already exists and is not owned by this resource"),
        "{err}"
    );
}

#[test]
fn tag_keys_are_one_key_regardless_of_case() {
    let state = desired(
        json!({"Tags": [{"Key": "Team", "Value": "platform"}], "Roles": {"TaskExecution": {}}}),
    );
    let mut actual = as_actual(&state);
    let role = actual.roles.values_mut().next().unwrap();
    let value = role.tags.remove("Team").unwrap();
    role.tags.insert("team".into(), value);
    // IAM keeps `team` for `Team`: no drift, nothing to write.
    let plan = converge(&state, &actual, &Ownership::sole(OWNER)).unwrap();
    assert!(plan.is_empty(), "{plan}");
    // A different value is set once, and the key is never untagged.
    let role = actual.roles.values_mut().next().unwrap();
    role.tags.insert("team".into(), "other".into());
    let plan = converge(&state, &actual, &Ownership::sole(OWNER)).unwrap();
    let ops: Vec<String> = plan.ops().map(ToString::to_string).collect();
    assert_eq!(ops.len(), 1, "{ops:?}");
    assert!(ops[0].starts_with("TagRole"), "{ops:?}");
}

#[test]
fn adoption_only_adds_and_records_what_it_added() {
    let state = desired(
        json!({"AdoptExisting": "true", "Roles": {"EcsAnywhere": {"RoleName": "ecsAnywhereRole"}}}),
    );
    let mut actual = as_actual(&state);
    let role = actual.roles.get_mut("ecsAnywhereRole").unwrap();
    role.tags = BTreeMap::from([("team".to_string(), "infra".to_string())]);
    let original_trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    role.trust = original_trust.clone();
    let core = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore".to_string();
    role.managed_policy_arns = BTreeSet::from([
        core.clone(),
        "arn:aws:iam::aws:policy/ReadOnlyAccess".to_string(),
    ]);
    role.inline_policies.insert("theirs".into(), json!({}));

    assert!(
        converge(&state, &actual, &Ownership::sole(OWNER)).is_err(),
        "not without AdoptExisting"
    );
    let adopt = Ownership {
        adopt: true,
        ..Ownership::sole(OWNER)
    };
    // Permissions beyond the kind's would pass to the new trusted principal: refused.
    let err = converge(&state, &actual, &adopt).unwrap_err();
    assert_eq!(
        err,
        PlanError::AdoptionWidens {
            name: "ecsAnywhereRole".into(),
            extra: vec![
                "managed policy arn:aws:iam::aws:policy/ReadOnlyAccess".into(),
                "inline policy theirs".into()
            ]
        }
    );
    assert!(
        err.to_string()
            .contains("ReadOnlyAccess, inline policy theirs"),
        "{err}"
    );
    let role = actual.roles.get_mut("ecsAnywhereRole").unwrap();
    role.managed_policy_arns
        .remove("arn:aws:iam::aws:policy/ReadOnlyAccess");
    role.inline_policies.clear();
    let plan = converge(
        &state,
        &actual,
        &Ownership {
            adopt: true,
            ..Ownership::sole(OWNER)
        },
    )
    .unwrap();
    let actions: Vec<&str> = plan.ops().map(|op| op.action().as_str()).collect();
    assert!(
        !actions
            .iter()
            .any(|a| a.starts_with("Detach") || a.starts_with("Delete") || a.starts_with("Untag")),
        "{plan}"
    );
    let tags = plan
        .ops()
        .find_map(|op| match op {
            Op::TagRole { tags, .. } => Some(tags.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(tags[OWNER_TAG_KEY], OWNER);
    let record = AdoptionRecord::from_tags(&tags).expect("adoption recorded");
    let phase_of = |action: &str| {
        plan.phases
            .iter()
            .position(|p| p.iter().any(|op| op.action().as_str() == action))
            .unwrap()
    };
    assert!(
        phase_of("TagRole") < phase_of("UpdateAssumeRolePolicy"),
        "owner tag first: {plan}"
    );
    assert_eq!(
        record.attached,
        vec![
            "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role".to_string()
        ]
    );
    assert_eq!(record.trust, Some(original_trust.clone()));

    // Another resource's role is never adopted.
    let mut taken = actual.clone();
    taken
        .roles
        .get_mut("ecsAnywhereRole")
        .unwrap()
        .tags
        .insert(OWNER_TAG_KEY.into(), "other".into());
    assert!(converge(
        &state,
        &taken,
        &Ownership {
            adopt: true,
            ..Ownership::sole(OWNER)
        }
    )
    .is_err());

    // Teardown gives the role back instead of deleting it.
    let mut adopted = actual.clone();
    let role = adopted.roles.get_mut("ecsAnywhereRole").unwrap();
    role.tags.extend(tags);
    role.managed_policy_arns.extend(record.attached.clone());
    let plan = teardown(&adopted, OWNER, None);
    let ops: Vec<String> = plan.ops().map(|op| op.to_string()).collect();
    assert!(!ops.iter().any(|o| o.starts_with("DeleteRole")), "{ops:?}");
    assert!(
        ops.contains(&"UpdateAssumeRolePolicy role ecsAnywhereRole".to_string()),
        "{ops:?}"
    );
    assert!(
        ops.iter()
            .any(|o| o.contains("AmazonEC2ContainerServiceforEC2Role")),
        "{ops:?}"
    );
    assert!(
        !ops.iter()
            .any(|o| o.contains(&core) || o.contains("ReadOnlyAccess") || o.contains("theirs")),
        "{ops:?}"
    );
    let untag = plan
        .ops()
        .find_map(|op| match op {
            Op::UntagRole { keys, .. } => Some(keys.clone()),
            _ => None,
        })
        .unwrap();
    assert!(untag.contains(&OWNER_TAG_KEY.to_string()));
    assert!(!untag.contains(&"team".to_string()));
}

#[test]
fn role_at_another_path_is_refused() {
    let state = desired(json!({"Roles": {"TaskExecution": {"RoleName": "a"}}}));
    let mut actual = as_actual(&state);
    actual.roles.get_mut("a").unwrap().path = "/other/".into();
    let err = converge(&state, &actual, &Ownership::sole(OWNER)).unwrap_err();
    assert!(matches!(err, PlanError::WrongPath { .. }), "{err}");
}
