//! `EcsAnywhere`: the role of an external instance registered with ECS Anywhere, assumed by
//! Systems Manager. Follows the Amazon ECS Developer Guide pages "IAM permissions for ECS
//! Anywhere" and "ECS Anywhere IAM role", and the ECS Anywhere workshop's role setup (whose
//! AmazonEC2ContainerServiceforEC2Role action list the least-privilege policy trims).

use super::documents::{allow, policy};
use super::{CustomerPolicy, Design, DesignContext, RoleDesign, RoleKind, Trust, LEAST_PRIVILEGE};
use serde_json::{json, Value};

/// The AWS managed policy that makes the instance a Systems Manager managed instance.
pub const SSM_MANAGED_INSTANCE_CORE: &str = "/AmazonSSMManagedInstanceCore";
/// The ECS container agent's AWS managed policy (also `ContainerInstance`'s).
pub const EC2_CONTAINER_SERVICE_FOR_EC2_ROLE: &str =
    "/service-role/AmazonEC2ContainerServiceforEC2Role";

/// AmazonEC2ContainerServiceforEC2Role's actions, less what an external instance's agent never
/// calls (`ecs:CreateCluster`, `ec2:DescribeTags`), as the developer guide advises.
pub const AGENT_ACTIONS: [&str; 13] = [
    "ecs:DeregisterContainerInstance",
    "ecs:DiscoverPollEndpoint",
    "ecs:Poll",
    "ecs:RegisterContainerInstance",
    "ecs:StartTelemetrySession",
    "ecs:UpdateContainerInstancesState",
    "ecs:Submit*",
    "ecr:GetAuthorizationToken",
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchGetImage",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
];

kind_properties! {
    /// `Roles.EcsAnywhere`'s properties, typed.
    pub struct EcsAnywhere {
        /// A customer-managed policy with `AGENT_ACTIONS` in place of
        /// AmazonEC2ContainerServiceforEC2Role.
        least_privilege: bool = flag(LEAST_PRIVILEGE),
    }
}

impl RoleKind for EcsAnywhere {
    const NAME: &'static str = "EcsAnywhere";
    const SOURCE: &'static str =
        "Amazon ECS Developer Guide: \"IAM permissions for ECS Anywhere\", \"ECS Anywhere IAM role\"";
    const AWS_MANAGED_POLICIES: &'static [&'static str] = &[
        SSM_MANAGED_INSTANCE_CORE,
        EC2_CONTAINER_SERVICE_FOR_EC2_ROLE,
    ];

    fn design(&self, _cx: &DesignContext) -> Design {
        let mut role = RoleDesign::new(Trust::ssm());
        role.aws_managed.push(SSM_MANAGED_INSTANCE_CORE);
        if self.least_privilege {
            role.customer_policy = Some(CustomerPolicy {
                label: "EcsAnywhereAgent",
                name: None,
                document: agent_policy(),
            });
        } else {
            role.aws_managed.push(EC2_CONTAINER_SERVICE_FOR_EC2_ROLE);
        }
        role.into()
    }

    fn samples() -> Vec<Value> {
        vec![json!({}), json!({ LEAST_PRIVILEGE.name: "true" })]
    }
}

/// The customer-managed policy that replaces AmazonEC2ContainerServiceforEC2Role under
/// `LeastPrivilege: true`.
pub fn agent_policy() -> Value {
    policy(vec![allow(&AGENT_ACTIONS, json!("*"))])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn the_agent_list_is_the_managed_policys_minus_two_each_once() {
        assert!(!AGENT_ACTIONS.contains(&"ecs:CreateCluster"));
        assert!(!AGENT_ACTIONS.contains(&"ec2:DescribeTags"));
        assert!(AGENT_ACTIONS.contains(&"ecs:Submit*"));
        let unique: BTreeSet<_> = AGENT_ACTIONS.iter().collect();
        assert_eq!(unique.len(), AGENT_ACTIONS.len());
    }
}
