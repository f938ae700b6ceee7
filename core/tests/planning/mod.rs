//! States for the planning tests (tests/plan.rs, tests/order.rs): a desired state built from
//! properties through the public API, and what IAM would hold once it is applied.
#![allow(dead_code)]

use ecs_iam_roles_core::desired::{build, DesiredState, Owner};
use ecs_iam_roles_core::identity::stack_env;
use ecs_iam_roles_core::plan::{
    ActualInstanceProfile, ActualPolicy, ActualRole, ActualState, PolicyVersion,
};
use ecs_iam_roles_core::spec;
use serde_json::{json, Value};

pub const OWNER: &str = "stack-R-abc";

pub fn desired(properties: Value) -> DesiredState {
    let env = stack_env("arn:aws:cloudformation:eu-west-1:123456789012:stack/stack/g").unwrap();
    let spec = spec::parse(&properties).unwrap();
    build(&spec, &Owner::new(&env, "R", OWNER))
}

/// What IAM would hold after applying `desired` exactly.
pub fn as_actual(desired: &DesiredState) -> ActualState {
    ActualState {
        roles: desired
            .roles
            .iter()
            .map(|r| {
                (
                    r.name.clone(),
                    ActualRole {
                        name: r.name.clone(),
                        path: r.path.clone(),
                        trust: r.trust.clone(),
                        managed_policy_arns: r.managed_policy_arns.clone(),
                        inline_policies: r.inline_policies.clone(),
                        permissions_boundary: r.permissions_boundary.clone(),
                        tags: r.tags.clone(),
                        instance_profiles: vec![],
                    },
                )
            })
            .collect(),
        policies: desired
            .policies
            .iter()
            .map(|p| {
                (
                    p.arn.clone(),
                    ActualPolicy {
                        arn: p.arn.clone(),
                        document: p.document.clone(),
                        versions: vec![PolicyVersion {
                            id: "v1".into(),
                            is_default: true,
                        }],
                        tags: p.tags.clone(),
                    },
                )
            })
            .collect(),
        instance_profiles: desired
            .roles
            .iter()
            .filter_map(|r| {
                let p = r.instance_profile.as_ref()?;
                let found = ActualInstanceProfile {
                    name: p.name.clone(),
                    path: p.path.clone(),
                    roles: vec![r.name.clone()],
                    tags: p.tags.clone(),
                };
                Some((p.name.clone(), found))
            })
            .collect(),
        service_linked: desired
            .service_linked
            .iter()
            .map(|s| s.role_name.to_string())
            .collect(),
    }
}

pub fn all_five() -> Value {
    let p = "arn:aws:iam::111122223333:role/granted-access-handler";
    json!({"Roles": {
        "EcsAnywhere": {"LeastPrivilege": "true"},
        "TaskExecution": {},
        "Task": {"ClusterName": "c"},
        "SsoManagement": {"TrustedPrincipalArn": p},
        "ClusterAccess": {"TrustedPrincipalArn": p},
    }})
}

/// Every kind at once: the five above, the instance profile kinds, the service kinds and the
/// service-linked roles.
pub fn all_kinds() -> Value {
    let p = "arn:aws:iam::111122223333:role/granted-access-handler";
    json!({"Path": "/", "Roles": {
        "EcsAnywhere": {"LeastPrivilege": "true"},
        "TaskExecution": {},
        "Task": {"ClusterName": "c"},
        "SsoManagement": {"TrustedPrincipalArn": p},
        "ClusterAccess": {"TrustedPrincipalArn": p},
        "ContainerInstance": {},
        "ManagedInstances": {},
        "Infrastructure": {"Uses": ["Volumes", "LoadBalancers"]},
        "CodeDeploy": {},
        "Events": {},
        "DeploymentHooks": {"FunctionArns": ["arn:aws:lambda:eu-west-1:123456789012:function:x"]},
        "ServiceLinked": {"Services": ["Ecs", "EcsCompute", "ApplicationAutoScaling"]},
    }})
}
