//! What the two roles of Granted's ECS access provider (`SsoManagement`, `ClusterAccess`) share:
//! one IAM principal, the access handler, assumes them (with an ExternalId when set), each holds
//! one customer-managed policy, and Granted's configuration names the role ARN and a region.

use super::TRUSTED_PRINCIPAL_ARN;
use super::{CustomerPolicy, Facts, Property, RoleDesign, Trust, EXTERNAL_ID, POLICY_NAME};
use crate::identity::StackEnv;
use crate::spec::KindReader;
use serde_json::Value;

/// The properties of a role the access handler assumes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessHandlerRole {
    /// `TrustedPrincipalArn`: the access handler's role or user, the one principal the role trusts.
    pub trusted_principal_arn: String,
    /// `ExternalId`: the `sts:ExternalId` the principal must send, if set.
    pub external_id: Option<String>,
    /// `PolicyName` of the customer-managed policy; generated when absent.
    pub policy_name: Option<String>,
    /// The region Granted's configuration names; default: the stack's.
    pub region: Option<String>,
}

impl AccessHandlerRole {
    /// The properties after `RoleName`: the trusted principal's, then the kind's `region`.
    pub const fn properties(region: Property) -> [Property; 4] {
        [TRUSTED_PRINCIPAL_ARN, EXTERNAL_ID, POLICY_NAME, region]
    }

    /// Reads the shared properties and the kind's `region` property. None without a valid
    /// `TrustedPrincipalArn`; the reader records every invalid value.
    pub fn parse(properties: &mut KindReader, region: &Property) -> Option<Self> {
        let trusted_principal_arn = properties.text(&TRUSTED_PRINCIPAL_ARN);
        let external_id = properties.text(&EXTERNAL_ID);
        let policy_name = properties.text(&POLICY_NAME);
        let region = properties.text(region);
        Some(AccessHandlerRole {
            trusted_principal_arn: trusted_principal_arn?,
            external_id,
            policy_name,
            region,
        })
    }

    /// The facts others need: the trusted principal and `PolicyName`.
    pub fn facts(&self) -> Facts<'_> {
        Facts {
            policy_name: self.policy_name.as_deref(),
            trusted_principal: Some(&self.trusted_principal_arn),
            ..Facts::default()
        }
    }

    /// Trusted by the principal only; the customer-managed policy `document`, named
    /// `PolicyName` or generated with `label`.
    pub fn design(&self, label: &'static str, document: Value) -> RoleDesign {
        let mut role = RoleDesign::new(Trust::Principal {
            arn: self.trusted_principal_arn.clone(),
            external_id: self.external_id.clone(),
        });
        role.customer_policy = Some(CustomerPolicy {
            label,
            name: self.policy_name.clone(),
            document,
        });
        role
    }

    /// Granted's own configuration keys: the role ARN under `role_key`, the region under
    /// `region_key`.
    pub fn outputs(
        &self,
        role_arn: &str,
        env: &StackEnv,
        [role_key, region_key]: [&'static str; 2],
    ) -> Vec<(&'static str, String)> {
        let region = self.region.as_ref().unwrap_or(&env.region);
        vec![
            (role_key, role_arn.to_string()),
            (region_key, region.clone()),
        ]
    }
}
