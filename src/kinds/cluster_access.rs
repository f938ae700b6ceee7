//! `ClusterAccess`: the role Granted's access handler (Common Fate) assumes to find a user's
//! ECS tasks. Follows Granted's "ECS access provider" setup (its cluster access policy);
//! `clusterAccessRoleArn` and `ecsRegion` are the field names of Granted's own configuration.

use super::documents::{allow, policy};
use super::{
    CustomerPolicy, Property, RoleDesign, RoleKind, Trust, EXTERNAL_ID, POLICY_NAME,
    TRUSTED_PRINCIPAL_ARN,
};
use crate::iam_rules::check_region;
use crate::identity::StackEnv;
use crate::spec::KindReader;
use serde_json::{json, Value};

const ECS_REGION: Property =
    Property::text("EcsRegion", check_region).fingerprint_key(super::REGION_FINGERPRINT_KEY);

pub const ACTIONS: [&str; 3] = [
    "ecs:ListTasks",
    "ecs:DescribeTasks",
    "cloudtrail:LookupEvents",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterAccess {
    pub trusted_principal_arn: String,
    pub external_id: Option<String>,
    pub policy_name: Option<String>,
    /// Default: the stack's region.
    pub ecs_region: Option<String>,
}

impl RoleKind for ClusterAccess {
    const NAME: &'static str = "ClusterAccess";
    const SOURCE: &'static str = "Granted (Common Fate): ECS access provider, cluster access role";
    const PROPERTIES: &'static [Property] =
        &[TRUSTED_PRINCIPAL_ARN, EXTERNAL_ID, POLICY_NAME, ECS_REGION];
    const AWS_MANAGED_POLICIES: &'static [&'static str] = &[];
    const ROLE_NAME_OUTPUT: bool = false;

    fn parse(properties: &mut KindReader) -> Option<Self> {
        let trusted_principal_arn = properties.text(&TRUSTED_PRINCIPAL_ARN);
        let external_id = properties.text(&EXTERNAL_ID);
        let policy_name = properties.text(&POLICY_NAME);
        let ecs_region = properties.text(&ECS_REGION);
        Some(ClusterAccess {
            trusted_principal_arn: trusted_principal_arn?,
            external_id,
            policy_name,
            ecs_region,
        })
    }

    fn design(&self, _env: &StackEnv) -> RoleDesign {
        let mut role = RoleDesign::new(Trust::Principal {
            arn: self.trusted_principal_arn.clone(),
            external_id: self.external_id.clone(),
        });
        role.customer_policy = Some(CustomerPolicy {
            label: Self::NAME,
            name: self.policy_name.clone(),
            document: policy(vec![allow(&ACTIONS, json!("*"))]),
        });
        role
    }

    fn extra_outputs(&self, role_arn: &str, env: &StackEnv) -> Vec<(&'static str, String)> {
        let region = self.ecs_region.as_ref().unwrap_or(&env.region);
        vec![
            ("clusterAccessRoleArn", role_arn.to_string()),
            ("ecsRegion", region.clone()),
        ]
    }

    fn samples() -> Vec<Value> {
        vec![json!({
            TRUSTED_PRINCIPAL_ARN.name: super::SAMPLE_PRINCIPAL,
            EXTERNAL_ID.name: "ext-id-1",
        })]
    }
}
