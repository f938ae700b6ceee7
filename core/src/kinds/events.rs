//! `Events`: the role EventBridge assumes to run scheduled ECS tasks. Follows the Amazon ECS
//! Developer Guide page "Amazon ECS EventBridge IAM Role": the managed policy, and `iam:PassRole`
//! on exactly the task execution and task roles the scheduled tasks use.

use super::documents::{allow, policy};
use super::{
    property_error, CheckContext, Design, DesignContext, Kind, ListProperty, Property, RoleDesign,
    RoleKind, Trust,
};
use crate::arns::RoleArn;
use crate::spec::PropertyError;
use serde_json::{json, Value};

/// The page's AWS managed policy, with which EventBridge runs the tasks.
pub const EVENTS_ROLE_POLICY: &str = "/service-role/AmazonEC2ContainerServiceEventsRole";
/// The inline policy with `iam:PassRole`.
pub const INLINE_POLICY_NAME: &str = "PassTaskRoles";

const PASS_ROLE_ARNS: ListProperty<RoleArn> = Property::arn_list("PassRoleArns");

kind_properties! {
    /// `Roles.Events`'s properties, typed.
    pub struct Events {
        /// None: this resource's own `TaskExecution` and `Task` roles.
        pass_role_arns: Option<Vec<RoleArn>> = optional_list(PASS_ROLE_ARNS),
    }
}

impl Events {
    /// The kinds whose roles are passed when `PassRoleArns` is not set.
    const OWN_TASK_ROLES: [Kind; 2] = [Kind::TaskExecution, Kind::Task];
}

impl RoleKind for Events {
    const NAME: &'static str = "Events";
    const SOURCE: &'static str = "Amazon ECS Developer Guide: \"Amazon ECS EventBridge IAM Role\"";
    const AWS_MANAGED_POLICIES: &'static [&'static str] = &[EVENTS_ROLE_POLICY];

    fn check(&self, cx: &CheckContext) -> Vec<PropertyError> {
        let nothing = match &self.pass_role_arns {
            Some(arns) => arns.is_empty(),
            None => !Self::OWN_TASK_ROLES.iter().any(|k| cx.kinds.contains(k)),
        };
        if !nothing {
            return vec![];
        }
        let message = format!(
            "names no role to pass: list the task execution and task roles the scheduled tasks use, or add {} or {} to this resource",
            Kind::TaskExecution,
            Kind::Task
        );
        vec![property_error(Self::NAME, PASS_ROLE_ARNS.name, message)]
    }

    fn design(&self, cx: &DesignContext) -> Design {
        let arns: Vec<String> = match &self.pass_role_arns {
            Some(arns) => arns.iter().map(RoleArn::to_string).collect(),
            None => Self::OWN_TASK_ROLES
                .iter()
                .filter_map(|k| cx.role_arns.get(k).cloned())
                .collect(),
        };
        let mut role = RoleDesign::new(Trust::service("events.amazonaws.com"));
        role.aws_managed.push(EVENTS_ROLE_POLICY);
        role.inline.insert(
            INLINE_POLICY_NAME.to_string(),
            policy(vec![allow(&["iam:PassRole"], json!(arns))]),
        );
        role.into()
    }

    fn samples() -> Vec<Value> {
        vec![json!({
            PASS_ROLE_ARNS.name: ["arn:aws:iam::123456789012:role/ecsTaskExecutionRole"]
        })]
    }
}
