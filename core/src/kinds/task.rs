//! `Task`: a task role that lets ECS Exec reach the task's containers. Follows the Amazon ECS
//! Developer Guide page "Monitor Amazon ECS containers with ECS Exec" (its task role policy) and
//! the retail-store workshop's task role, scoped to one cluster.

use super::documents::{allow, policy};
use super::{
    check_managed_policy_count, CheckContext, Design, DesignContext, Facts, Property, RoleDesign,
    RoleKind, TextProperty, Trust, LEAST_PRIVILEGE, MANAGED_POLICY_ARNS,
};
use crate::arn::Arn;
use crate::arns::PolicyArn;
use crate::iam_rules::check_cluster_name;
use crate::identity::StackEnv;
use crate::spec::PropertyError;
use serde_json::{json, Value};

const CLUSTER_NAME: TextProperty = Property::text("ClusterName", check_cluster_name).required();

/// The name of the task role's inline policy.
pub const INLINE_POLICY_NAME: &str = "EcsExec";

/// The ECS Exec channel actions.
pub const EXEC_CHANNEL_ACTIONS: [&str; 4] = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
];

kind_properties! {
    /// `Roles.Task`'s properties, typed.
    pub struct Task {
        /// `ClusterName`: the one cluster whose tasks the `ecs:` statement reaches.
        cluster_name: String = required_text(CLUSTER_NAME),
        /// Only the ssmmessages statement: ECS Exec needs no more from the task role, and
        /// `ecs:ExecuteCommand` there would let a container exec into its siblings.
        least_privilege: bool = flag(LEAST_PRIVILEGE),
        /// Customer-managed policies of the stack's to attach (`ManagedPolicyArns`): the
        /// application's own permissions.
        managed_policy_arns: Vec<PolicyArn> = list_or_empty(MANAGED_POLICY_ARNS),
    }
}

impl RoleKind for Task {
    const NAME: &'static str = "Task";
    const SOURCE: &'static str =
        "Amazon ECS Developer Guide: \"Monitor Amazon ECS containers with ECS Exec\"";
    const AWS_MANAGED_POLICIES: &'static [&'static str] = &[];

    fn check(&self, _cx: &CheckContext) -> Vec<PropertyError> {
        check_managed_policy_count(Self::NAME, 0, &self.managed_policy_arns)
    }

    fn facts(&self) -> Facts<'_> {
        Facts {
            managed_policy_arns: &self.managed_policy_arns,
            ..Facts::default()
        }
    }

    fn design(&self, cx: &DesignContext) -> Design {
        let mut role = RoleDesign::new(Trust::ecs_tasks());
        role.inline.insert(
            INLINE_POLICY_NAME.to_string(),
            exec_policy(cx.env, &self.cluster_name, self.least_privilege),
        );
        role.attached = self
            .managed_policy_arns
            .iter()
            .map(PolicyArn::to_string)
            .collect();
        role.into()
    }

    fn samples() -> Vec<Value> {
        vec![json!({ CLUSTER_NAME.name: "retail-store-ecs-cluster" })]
    }
}

/// The ECS Exec inline policy, scoped to one cluster; with `least_privilege` only the
/// ssmmessages statement.
pub fn exec_policy(env: &StackEnv, cluster: &str, least_privilege: bool) -> Value {
    let mut statements = vec![allow(&EXEC_CHANNEL_ACTIONS, json!("*"))];
    if !least_privilege {
        let ecs = |resource: String| {
            Arn {
                partition: &env.partition,
                service: "ecs",
                region: &env.region,
                account: &env.account,
                resource: &resource,
            }
            .to_string()
        };
        statements.push(allow(
            &["ecs:ExecuteCommand", "ecs:DescribeTasks"],
            json!([
                ecs(format!("task/{cluster}/*")),
                ecs(format!("cluster/{cluster}")),
            ]),
        ));
    }
    policy(statements)
}
