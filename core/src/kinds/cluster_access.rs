//! `ClusterAccess`: the role Granted's access handler (Common Fate) assumes to find a user's
//! ECS tasks. Follows Granted's "ECS access provider" setup (its cluster access policy);
//! `clusterAccessRoleArn` and `ecsRegion` are the field names of Granted's own configuration.

use super::access_handler::AccessHandlerRole;
use super::documents::{allow, policy};
use super::{Design, DesignContext, Facts, Property, RoleKind, EXTERNAL_ID, TRUSTED_PRINCIPAL_ARN};
use crate::iam_rules::check_region;
use crate::identity::StackEnv;
use crate::spec::KindReader;
use serde_json::{json, Value};

const ECS_REGION: Property =
    Property::text("EcsRegion", check_region).fingerprint_key(super::REGION_FINGERPRINT_KEY);

/// The setup's cluster access actions, allowed on `*`.
pub const ACTIONS: [&str; 3] = [
    "ecs:ListTasks",
    "ecs:DescribeTasks",
    "cloudtrail:LookupEvents",
];

/// `Roles.ClusterAccess`'s properties, typed: those of a role the access handler assumes, with
/// `EcsRegion` as the region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterAccess(pub AccessHandlerRole);

impl RoleKind for ClusterAccess {
    const NAME: &'static str = "ClusterAccess";
    const SOURCE: &'static str = "Granted (Common Fate): ECS access provider, cluster access role";
    const PROPERTIES: &'static [Property] = &AccessHandlerRole::properties(ECS_REGION);
    const AWS_MANAGED_POLICIES: &'static [&'static str] = &[];
    const ROLE_NAME_OUTPUT: bool = false;

    fn parse(properties: &mut KindReader) -> Option<Self> {
        AccessHandlerRole::parse(properties, &ECS_REGION).map(ClusterAccess)
    }

    fn facts(&self) -> Facts<'_> {
        self.0.facts()
    }

    fn design(&self, _cx: &DesignContext) -> Design {
        self.0
            .design(Self::NAME, policy(vec![allow(&ACTIONS, json!("*"))]))
            .into()
    }

    fn extra_outputs(&self, role_arn: &str, env: &StackEnv) -> Vec<(&'static str, String)> {
        self.0
            .outputs(role_arn, env, ["clusterAccessRoleArn", "ecsRegion"])
    }

    fn samples() -> Vec<Value> {
        vec![json!({
            TRUSTED_PRINCIPAL_ARN.name: super::SAMPLE_PRINCIPAL,
            EXTERNAL_ID.name: "ext-id-1",
        })]
    }
}
