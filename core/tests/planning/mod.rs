//! States for the planning tests (tests/plan.rs, tests/order.rs): a desired state built from
//! properties through the public API, and what IAM would hold once it is applied.
#![allow(dead_code)]

use ecs_iam_roles_core::desired::{build, DesiredState, Owner};
use ecs_iam_roles_core::identity::stack_env;
use ecs_iam_roles_core::plan::ActualState;
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
    ActualState::as_made(desired)
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
