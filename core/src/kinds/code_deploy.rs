//! `CodeDeploy`: the role CodeDeploy assumes for blue/green deployments of ECS services. Follows
//! the Amazon ECS Developer Guide page "Amazon ECS CodeDeploy IAM Role".

use super::{Design, DesignContext, RoleDesign, RoleKind, Trust, LEAST_PRIVILEGE};
use serde_json::{json, Value};

/// The page's AWS managed policy (without `LeastPrivilege`).
pub const CODE_DEPLOY_ROLE_FOR_ECS: &str = "/AWSCodeDeployRoleForECS";
/// The narrower policy; it passes only task roles named `ecsTaskExecutionRole` or
/// `ECSTaskExecution*` (docs/src/authors/kinds/code-deploy.md).
pub const CODE_DEPLOY_ROLE_FOR_ECS_LIMITED: &str = "/AWSCodeDeployRoleForECSLimited";

kind_properties! {
    /// `Roles.CodeDeploy`'s properties, typed.
    pub struct CodeDeploy {
        /// `LeastPrivilege`: `AWSCodeDeployRoleForECSLimited` in place of `AWSCodeDeployRoleForECS`.
        least_privilege: bool = flag(LEAST_PRIVILEGE),
    }
}

impl RoleKind for CodeDeploy {
    const NAME: &'static str = "CodeDeploy";
    const SOURCE: &'static str = "Amazon ECS Developer Guide: \"Amazon ECS CodeDeploy IAM Role\"";
    const AWS_MANAGED_POLICIES: &'static [&'static str] =
        &[CODE_DEPLOY_ROLE_FOR_ECS, CODE_DEPLOY_ROLE_FOR_ECS_LIMITED];

    fn design(&self, _cx: &DesignContext) -> Design {
        let mut role = RoleDesign::new(Trust::service("codedeploy.amazonaws.com"));
        role.aws_managed.push(if self.least_privilege {
            CODE_DEPLOY_ROLE_FOR_ECS_LIMITED
        } else {
            CODE_DEPLOY_ROLE_FOR_ECS
        });
        role.into()
    }

    fn samples() -> Vec<Value> {
        vec![json!({}), json!({ LEAST_PRIVILEGE.name: "true" })]
    }
}
