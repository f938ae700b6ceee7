//! The desired state and the output keys a spec asks for (pure: no IAM).

use ecs_iam_roles_core::desired::{build, outputs, Owner};
use ecs_iam_roles_core::identity::{stack_env, StackEnv};
use ecs_iam_roles_core::plan::OWNER_TAG_KEY;
use ecs_iam_roles_core::spec;
use serde_json::json;

fn env() -> StackEnv {
    stack_env("arn:aws:cloudformation:eu-west-1:123456789012:stack/retail/guid").unwrap()
}

#[test]
fn output_keys_are_exactly_the_contracts() {
    let env = env();
    let owner = Owner::new(&env, "EcsRoles", "retail-EcsRoles-abc");
    let principal = "arn:aws:iam::111122223333:role/granted-access-handler";
    let spec = spec::parse(&json!({"Roles": {
        "EcsAnywhere": {"LeastPrivilege": "true"},
        "TaskExecution": {},
        "Task": {"ClusterName": "c"},
        "SsoManagement": {"TrustedPrincipalArn": principal, "SsoRegion": "us-east-1"},
        "ClusterAccess": {"TrustedPrincipalArn": principal},
    }}))
    .unwrap();
    let state = build(&spec, &owner);
    let data = outputs(&spec, &state, &env);
    let keys: Vec<&str> = data.keys().map(String::as_str).collect();
    let mut expected = vec![
        "EcsAnywhereRoleArn",
        "EcsAnywhereRoleName",
        "EcsAnywherePolicyArn",
        "TaskExecutionRoleArn",
        "TaskExecutionRoleName",
        "TaskRoleArn",
        "TaskRoleName",
        "SsoManagementRoleArn",
        "SsoManagementPolicyArn",
        "ssoRoleARN",
        "ssoRegion",
        "ClusterAccessRoleArn",
        "ClusterAccessPolicyArn",
        "clusterAccessRoleArn",
        "ecsRegion",
    ];
    expected.sort();
    assert_eq!(keys, expected);
    assert_eq!(data["ssoRegion"], "us-east-1");
    assert_eq!(data["ecsRegion"], "eu-west-1");
    assert_eq!(data["ssoRoleARN"], data["SsoManagementRoleArn"]);
    assert!(data["ssoRoleARN"].starts_with("arn:aws:iam::123456789012:role/"));
    assert!(data["ClusterAccessPolicyArn"].starts_with("arn:aws:iam::123456789012:policy/"));
}

#[test]
fn without_least_privilege_ecs_anywhere_has_no_policy_output() {
    let env = env();
    let owner = Owner::new(&env, "R", "p");
    let spec =
        spec::parse(&json!({"Roles": {"EcsAnywhere": {"RoleName": "ecsAnywhereRole"}}})).unwrap();
    let state = build(&spec, &owner);
    assert!(state.policies.is_empty());
    let data = outputs(&spec, &state, &env);
    assert_eq!(data.len(), 2);
    assert_eq!(data["EcsAnywhereRoleName"], "ecsAnywhereRole");
    assert_eq!(
        data["EcsAnywhereRoleArn"],
        "arn:aws:iam::123456789012:role/ecsAnywhereRole"
    );
}

#[test]
fn path_boundary_and_tags_reach_every_role_and_policy() {
    let env = env();
    let owner = Owner::new(&env, "R", "p");
    let spec = spec::parse(&json!({
        "Path": "/ecs/",
        "PermissionsBoundary": "arn:aws:iam::123456789012:policy/Boundary",
        "Tags": [{"Key": "team", "Value": "platform"}],
        "Roles": {"SsoManagement": {"TrustedPrincipalArn": "arn:aws:iam::111122223333:role/h", "PolicyName": "sso"}}
    }))
    .unwrap();
    let state = build(&spec, &owner);
    let role = &state.roles[0];
    assert_eq!(role.path, "/ecs/");
    assert!(role.arn.contains(":role/ecs/"));
    assert_eq!(
        role.permissions_boundary.as_deref(),
        Some("arn:aws:iam::123456789012:policy/Boundary")
    );
    assert_eq!(role.tags["team"], "platform");
    assert_eq!(role.tags[OWNER_TAG_KEY], "p");
    let policy = &state.policies[0];
    assert_eq!(policy.arn, "arn:aws:iam::123456789012:policy/ecs/sso");
    assert_eq!(policy.tags[OWNER_TAG_KEY], "p");
    assert!(role.managed_policy_arns.contains(&policy.arn));
}

/// What a kind says it makes (`RoleKind::MAKES`) is what its design is: a role of its own, or
/// the account's service-linked roles (which get no role name, generated or given).
#[test]
fn every_kind_designs_what_it_says_it_makes() {
    use ecs_iam_roles_core::kinds::{Design, DesignContext, Kind, Makes};
    let env = env();
    for &kind in Kind::ALL {
        for sample in kind.samples() {
            let mut roles = serde_json::Map::new();
            roles.insert(kind.name().to_string(), sample.clone());
            let spec = spec::parse(&json!({ "Roles": roles })).unwrap();
            let role = &spec.roles[&kind];
            let arns = Default::default();
            let cx = DesignContext {
                env: &env,
                role_arns: &arns,
            };
            let design = role.kind.design(&cx);
            match kind.makes() {
                Makes::Role => assert!(matches!(design, Design::Role(_)), "{kind} {sample}"),
                Makes::ServiceLinkedRoles => {
                    assert!(
                        matches!(design, Design::ServiceLinked(_)),
                        "{kind} {sample}"
                    );
                    assert_eq!(role.role_name, None, "{kind}");
                    let state = build(&spec, &Owner::new(&env, "R", "s-R-1"));
                    assert!(state.roles.is_empty() && !state.service_linked.is_empty());
                }
            }
        }
    }
}
