//! `Task`: a task role that lets ECS Exec reach the task's containers. Follows the Amazon ECS
//! Developer Guide page "Monitor Amazon ECS containers with ECS Exec" (its task role policy) and
//! the retail-store workshop's task role, scoped to one cluster.

use super::documents::{allow, policy};
use super::{
    Facts,
    check_managed_policy_count, CheckContext, Design, DesignContext, Property, RoleDesign,
    RoleKind, Trust, LEAST_PRIVILEGE, MANAGED_POLICY_ARNS,
};
use crate::spec::PropertyError;
use crate::arn::Arn;
use crate::iam_rules::check_cluster_name;
use crate::identity::StackEnv;
use crate::spec::KindReader;
use serde_json::{json, Value};

const CLUSTER_NAME: Property = Property::text("ClusterName", check_cluster_name).required();

/// The name of the task role's inline policy.
pub const INLINE_POLICY_NAME: &str = "EcsExec";

/// The ECS Exec channel actions.
pub const EXEC_CHANNEL_ACTIONS: [&str; 4] = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
];

/// `Roles.Task`'s properties, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// `ClusterName`: the one cluster whose tasks the `ecs:` statement reaches.
    pub cluster_name: String,
    /// Only the ssmmessages statement: ECS Exec needs no more from the task role, and
    /// `ecs:ExecuteCommand` there would let a container exec into its siblings.
    pub least_privilege: bool,
    /// Customer-managed policies of the stack's to attach (`ManagedPolicyArns`): the
    /// application's own permissions.
    pub managed_policy_arns: Vec<String>,
}

impl RoleKind for Task {
    const NAME: &'static str = "Task";
    const SOURCE: &'static str =
        "Amazon ECS Developer Guide: \"Monitor Amazon ECS containers with ECS Exec\"";
    const PROPERTIES: &'static [Property] = &[CLUSTER_NAME, LEAST_PRIVILEGE, MANAGED_POLICY_ARNS];
    const AWS_MANAGED_POLICIES: &'static [&'static str] = &[];

    fn parse(properties: &mut KindReader) -> Option<Self> {
        let cluster_name = properties.text(&CLUSTER_NAME);
        let least_privilege = properties.flag(&LEAST_PRIVILEGE);
        let present = properties.has(&MANAGED_POLICY_ARNS);
        let managed_policy_arns = match properties.list(&MANAGED_POLICY_ARNS) {
            Some(arns) => Some(arns),
            None if present => None,
            None => Some(vec![]),
        };
        Some(Task {
            cluster_name: cluster_name?,
            least_privilege,
            managed_policy_arns: managed_policy_arns?,
        })
    }

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
        role.attached.clone_from(&self.managed_policy_arns);
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
