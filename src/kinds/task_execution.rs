//! `TaskExecution`: the role the ECS agent and Fargate use to pull images and write logs for a
//! task. Follows the Amazon ECS Developer Guide page "Amazon ECS task execution IAM role" (and
//! "IAM permissions for ECS Anywhere" on when external instances need it).

use super::{RoleDesign, RoleKind, Trust};
use crate::identity::StackEnv;
use crate::spec::KindReader;
use serde_json::{json, Value};

pub const ECS_TASK_EXECUTION_ROLE_POLICY: &str = "/service-role/AmazonECSTaskExecutionRolePolicy";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskExecution {}

impl RoleKind for TaskExecution {
    const NAME: &'static str = "TaskExecution";
    const SOURCE: &'static str = "Amazon ECS Developer Guide: \"Amazon ECS task execution IAM role\"";
    const PROPERTIES: &'static [super::Property] = &[];
    const AWS_MANAGED_POLICIES: &'static [&'static str] = &[ECS_TASK_EXECUTION_ROLE_POLICY];

    fn parse(_properties: &mut KindReader) -> Option<Self> {
        Some(TaskExecution {})
    }

    fn design(&self, _env: &StackEnv) -> RoleDesign {
        let mut role = RoleDesign::new(Trust::ecs_tasks());
        role.aws_managed.push(ECS_TASK_EXECUTION_ROLE_POLICY);
        role
    }

    fn samples() -> Vec<Value> {
        vec![json!({})]
    }
}
