//! `TaskExecution`: the role the ECS agent and Fargate use to pull images, write logs and fetch
//! a task's secrets. Follows the Amazon ECS Developer Guide page "Amazon ECS task execution IAM
//! role" (and "IAM permissions for ECS Anywhere" on when external instances need it): the managed
//! policy, and the page's optional permissions scoped to exactly the ARNs the task uses.

use super::documents::{allow, policy};
use super::{
    check_managed_policy_count, CheckContext, Design, DesignContext, Facts, ListProperty, Property,
    RoleDesign, RoleKind, Trust, MANAGED_POLICY_ARNS,
};
use crate::arn::Arn;
use crate::arns::{KmsKeyArn, PolicyArn, S3ObjectArn, SecretOrParameterArn};
use crate::spec::PropertyError;
use serde_json::{json, Value};

/// The page's AWS managed policy: pull images from ECR, write to CloudWatch Logs.
pub const ECS_TASK_EXECUTION_ROLE_POLICY: &str = "/service-role/AmazonECSTaskExecutionRolePolicy";
/// The inline policy of the optional permissions, present only when one of them is set.
pub const EXTRAS_POLICY_NAME: &str = "TaskExecutionExtras";

const SECRETS: ListProperty<SecretOrParameterArn> = Property::arn_list("Secrets");
const KMS_KEY_ARNS: ListProperty<KmsKeyArn> = Property::arn_list("KmsKeyArns");
const ENVIRONMENT_FILES: ListProperty<S3ObjectArn> = Property::arn_list("EnvironmentFiles");

kind_properties! {
    /// `Roles.TaskExecution`'s properties, typed.
    pub struct TaskExecution {
        /// Secrets Manager secrets and SSM parameters the task's containers reference.
        secrets: Vec<SecretOrParameterArn> = list_or_empty(SECRETS),
        /// Customer managed keys those secrets are encrypted with.
        kms_key_arns: Vec<KmsKeyArn> = list_or_empty(KMS_KEY_ARNS),
        /// S3 objects of the task's environment files.
        environment_files: Vec<S3ObjectArn> = list_or_empty(ENVIRONMENT_FILES),
        /// Customer-managed policies of the stack's to attach (`ManagedPolicyArns`).
        managed_policy_arns: Vec<PolicyArn> = list_or_empty(MANAGED_POLICY_ARNS),
    }
}

impl RoleKind for TaskExecution {
    const NAME: &'static str = "TaskExecution";
    const SOURCE: &'static str =
        "Amazon ECS Developer Guide: \"Amazon ECS task execution IAM role\"";
    const AWS_MANAGED_POLICIES: &'static [&'static str] = &[ECS_TASK_EXECUTION_ROLE_POLICY];

    fn check(&self, _cx: &CheckContext) -> Vec<PropertyError> {
        let own = Self::AWS_MANAGED_POLICIES.len();
        check_managed_policy_count(Self::NAME, own, &self.managed_policy_arns)
    }

    fn facts(&self) -> Facts<'_> {
        Facts {
            managed_policy_arns: &self.managed_policy_arns,
            ..Facts::default()
        }
    }

    fn design(&self, _cx: &DesignContext) -> Design {
        let mut role = RoleDesign::new(Trust::ecs_tasks());
        role.aws_managed.push(ECS_TASK_EXECUTION_ROLE_POLICY);
        role.attached = self
            .managed_policy_arns
            .iter()
            .map(PolicyArn::to_string)
            .collect();
        let extras = self.extras();
        if !extras.is_empty() {
            role.inline
                .insert(EXTRAS_POLICY_NAME.to_string(), policy(extras));
        }
        role.into()
    }

    fn samples() -> Vec<Value> {
        vec![
            json!({}),
            json!({
                SECRETS.name: [
                    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-password-AbCdEf",
                    "arn:aws:ssm:eu-west-1:123456789012:parameter/app/db-url",
                ],
                KMS_KEY_ARNS.name: ["arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
                ENVIRONMENT_FILES.name: ["arn:aws:s3:::app-config/prod.env"],
            }),
        ]
    }
}

impl TaskExecution {
    /// The page's optional statements, each on exactly the ARNs given.
    fn extras(&self) -> Vec<Value> {
        let of = |service: &str| -> Vec<&SecretOrParameterArn> {
            self.secrets
                .iter()
                .filter(|arn| arn.parts().service == service)
                .collect()
        };
        let buckets: Vec<String> = self
            .environment_files
            .iter()
            .filter_map(|object| {
                let arn = object.parts();
                let bucket = arn.resource.split('/').next()?;
                Some(
                    Arn {
                        resource: bucket,
                        ..arn
                    }
                    .to_string(),
                )
            })
            .fold(vec![], |mut buckets, bucket| {
                if !buckets.contains(&bucket) {
                    buckets.push(bucket);
                }
                buckets
            });
        let statements = [
            (
                vec!["secretsmanager:GetSecretValue"],
                json!(of("secretsmanager")),
            ),
            (vec!["ssm:GetParameters"], json!(of("ssm"))),
            (vec!["kms:Decrypt"], json!(self.kms_key_arns)),
            (vec!["s3:GetObject"], json!(self.environment_files)),
            (vec!["s3:GetBucketLocation"], json!(buckets)),
        ];
        statements
            .into_iter()
            .filter(|(_, resources)| resources.as_array().is_some_and(|r| !r.is_empty()))
            .map(|(actions, resources)| allow(&actions, resources))
            .collect()
    }
}
