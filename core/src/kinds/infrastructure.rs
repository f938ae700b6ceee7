//! `Infrastructure`: the role ECS uses to manage infrastructure for the cluster's services (EBS
//! volumes, Service Connect TLS, VPC Lattice, Managed Instances, load balancers of built-in
//! blue/green, Express services). Follows the Amazon ECS Developer Guide pages "Amazon ECS
//! infrastructure IAM role" and "Amazon ECS infrastructure IAM role for load balancers".

use super::{Design, DesignContext, ListProperty, Property, RoleDesign, RoleKind, Trust};
use crate::iam_rules::shown;
use serde_json::{json, Value};

/// The entries of `Uses`, and (at the same index) the managed policy each attaches, with the
/// paths exactly as the guide's ARNs have them. One length for both, by type.
const USE_NAMES: [&str; 6] = [
    "Volumes",
    "ServiceConnectTls",
    "VpcLattice",
    // The same word as the kind of the instance role it passes.
    <super::managed_instances::ManagedInstances as RoleKind>::NAME,
    "LoadBalancers",
    "ExpressServices",
];
const USE_POLICIES: [&str; 6] = [
    "/service-role/AmazonECSInfrastructureRolePolicyForVolumes",
    "/service-role/AmazonECSInfrastructureRolePolicyForServiceConnectTransportLayerSecurity",
    "/AmazonECSInfrastructureRolePolicyForVpcLattice",
    "/AmazonECSInfrastructureRolePolicyForManagedInstances",
    "/AmazonECSInfrastructureRolePolicyForLoadBalancers",
    "/service-role/AmazonECSInfrastructureRoleforExpressGatewayServices",
];

/// An entry of `Uses`: what the infrastructure role is for. `USE_NAMES` and `USE_POLICIES` hold,
/// at its index, its name and the managed policy it attaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Use {
    /// Amazon EBS volumes attached to tasks.
    Volumes,
    /// Service Connect's TLS (AWS Private CA).
    ServiceConnectTls,
    /// VPC Lattice target groups.
    VpcLattice,
    /// ECS Managed Instances.
    ManagedInstances,
    /// The load balancers of built-in blue/green deployments.
    LoadBalancers,
    /// Express services.
    ExpressServices,
}

impl Use {
    /// Every entry, in the order of `USE_NAMES`.
    pub const ALL: [Use; 6] = [
        Use::Volumes,
        Use::ServiceConnectTls,
        Use::VpcLattice,
        Use::ManagedInstances,
        Use::LoadBalancers,
        Use::ExpressServices,
    ];

    /// Its name in `Uses`.
    pub fn name(self) -> &'static str {
        USE_NAMES[self as usize]
    }

    /// The managed policy it attaches, as a path below `arn:PARTITION:iam::aws:policy`.
    pub fn policy(self) -> &'static str {
        USE_POLICIES[self as usize]
    }
}

impl std::str::FromStr for Use {
    type Err = ();

    fn from_str(name: &str) -> Result<Use, ()> {
        Use::ALL.into_iter().find(|u| u.name() == name).ok_or(())
    }
}

impl super::PropertyValue for Use {
    fn property_value(&self) -> Value {
        Value::from(self.name())
    }
}

fn check_use(value: &str) -> Result<(), String> {
    if USE_NAMES.contains(&value) {
        return Ok(());
    }
    Err(format!(
        "{} is not one of {}",
        shown(value),
        USE_NAMES.join(", ")
    ))
}

const USES_PROPERTY: ListProperty = Property::list("Uses", check_use).required();

kind_properties! {
    /// `Roles.Infrastructure`'s properties, typed.
    pub struct Infrastructure {
        /// `Uses`, as given (changing them is an in-place update).
        uses: Vec<Use> = enum_list(USES_PROPERTY),
    }
}

impl RoleKind for Infrastructure {
    const NAME: &'static str = "Infrastructure";
    const SOURCE: &'static str = "Amazon ECS Developer Guide: \"Amazon ECS infrastructure IAM role\", \"Amazon ECS infrastructure IAM role for load balancers\"";
    const AWS_MANAGED_POLICIES: &'static [&'static str] = &USE_POLICIES;

    fn design(&self, _cx: &DesignContext) -> Design {
        // The guide's trust policy has no condition for ecs.amazonaws.com.
        let mut role = RoleDesign::new(Trust::service("ecs.amazonaws.com"));
        for wanted in Use::ALL.into_iter().filter(|u| self.uses.contains(u)) {
            role.aws_managed.push(wanted.policy());
        }
        role.into()
    }

    fn samples() -> Vec<Value> {
        vec![json!({ USES_PROPERTY.name: USE_NAMES })]
    }
}
