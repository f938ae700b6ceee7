//! `Infrastructure`: the role ECS uses to manage infrastructure for the cluster's services (EBS
//! volumes, Service Connect TLS, VPC Lattice, Managed Instances, load balancers of built-in
//! blue/green, Express services). Follows the Amazon ECS Developer Guide pages "Amazon ECS
//! infrastructure IAM role" and "Amazon ECS infrastructure IAM role for load balancers".

use super::{Design, DesignContext, Property, RoleDesign, RoleKind, Trust};
use crate::iam_rules::shown;
use crate::spec::KindReader;
use serde_json::{json, Value};

/// Each entry of `Uses` and the managed policy it attaches (paths exactly as the guide's ARNs).
const USES: [(&str, &str); 6] = [
    ("Volumes", "/service-role/AmazonECSInfrastructureRolePolicyForVolumes"),
    (
        "ServiceConnectTls",
        "/service-role/AmazonECSInfrastructureRolePolicyForServiceConnectTransportLayerSecurity",
    ),
    ("VpcLattice", "/AmazonECSInfrastructureRolePolicyForVpcLattice"),
    (
        // The same word as the kind of the instance role it passes.
        <super::managed_instances::ManagedInstances as RoleKind>::NAME,
        "/AmazonECSInfrastructureRolePolicyForManagedInstances",
    ),
    ("LoadBalancers", "/AmazonECSInfrastructureRolePolicyForLoadBalancers"),
    (
        "ExpressServices",
        "/service-role/AmazonECSInfrastructureRoleforExpressGatewayServices",
    ),
];

fn check_use(value: &str) -> Result<(), String> {
    if USES.iter().any(|(name, _)| *name == value) {
        return Ok(());
    }
    let valid: Vec<&str> = USES.iter().map(|(name, _)| *name).collect();
    Err(format!("{} is not one of {}", shown(value), valid.join(", ")))
}

const USES_PROPERTY: Property = Property::list("Uses", check_use).required();

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Infrastructure {
    /// Entries of `USES`, as given (changing them is an in-place update).
    pub uses: Vec<String>,
}

impl RoleKind for Infrastructure {
    const NAME: &'static str = "Infrastructure";
    const SOURCE: &'static str = "Amazon ECS Developer Guide: \"Amazon ECS infrastructure IAM role\", \"Amazon ECS infrastructure IAM role for load balancers\"";
    const PROPERTIES: &'static [Property] = &[USES_PROPERTY];
    const AWS_MANAGED_POLICIES: &'static [&'static str] = &[
        USES[0].1, USES[1].1, USES[2].1, USES[3].1, USES[4].1, USES[5].1,
    ];

    fn parse(properties: &mut KindReader) -> Option<Self> {
        let uses = properties.list(&USES_PROPERTY)?;
        Some(Infrastructure { uses })
    }

    fn design(&self, _cx: &DesignContext) -> Design {
        // The guide's trust policy has no condition for ecs.amazonaws.com.
        let mut role = RoleDesign::new(Trust::service("ecs.amazonaws.com"));
        for (name, policy) in USES {
            if self.uses.iter().any(|u| u == name) {
                role.aws_managed.push(policy);
            }
        }
        role.into()
    }

    fn samples() -> Vec<Value> {
        let all: Vec<&str> = USES.iter().map(|(name, _)| *name).collect();
        vec![json!({ USES_PROPERTY.name: all })]
    }
}
