//! The role kinds: one file per kind, and the registry that lists them.
//!
//! A kind's file holds everything about it: the document it follows, its property names and
//! which are required, its typed properties, its trust, managed, inline and customer-managed
//! policies, and its outputs. `spec` and `desired` loop over the registry and know no kind by
//! name. Adding a kind is one new file and one line in `registry!` at the bottom of this file
//! (docs/src/contributors/adding-a-kind.md walks through it).

#[macro_use]
mod properties;
pub mod access_handler;
pub mod documents;

use crate::arns::{PolicyArn, PrincipalArn};
use crate::iam_rules::{
    check_external_id, check_instance_profile_name, check_policy_name, check_role_name,
};
use crate::identity::StackEnv;
use crate::spec::{KindReader, PropertyError};
pub use documents::{
    CustomerPolicy, Design, InstanceProfileDesign, RoleDesign, ServiceLinkedRole, Trust,
};
pub(crate) use properties::{fingerprint_value, read_property, typed, typed_items};
pub use properties::{
    ArnType, Check, CheckedProperty, FlagProperty, Form, KindProperties, ListProperty, Many, One,
    Property, PropertyValue, Shape, TextProperty,
};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Every kind takes it; a name is generated when it is absent.
pub const ROLE_NAME: TextProperty = Property::text("RoleName", check_role_name);
/// The name of a kind's customer-managed policy; generated when absent.
pub const POLICY_NAME: TextProperty = Property::text("PolicyName", check_policy_name);
/// A kind's narrower variant (see the kind's file for what it drops).
pub const LEAST_PRIVILEGE: FlagProperty = Property::flag("LeastPrivilege");
/// The one IAM role or user that may assume a role (Granted's access handler).
pub const TRUSTED_PRINCIPAL_ARN: TextProperty<PrincipalArn> =
    Property::arn::<PrincipalArn>("TrustedPrincipalArn").required();
/// Customer-managed policies of the stack's own (under `ManagedPath`) to attach besides the
/// kind's: the application's own permissions (`Task`, `TaskExecution`).
pub const MANAGED_POLICY_ARNS: ListProperty<PolicyArn> =
    Property::arn_list::<PolicyArn>("ManagedPolicyArns");
/// IAM's highest quota of managed policies per role (10 by default, raised on request up to 20):
/// more can never be attached. Below it, an account at its quota answers LimitExceeded.
pub const MAX_MANAGED_POLICIES_PER_ROLE: usize = 20;

/// `ManagedPolicyArns` and the kind's own `own` managed policies must fit on one role.
pub fn check_managed_policy_count(
    kind: &str,
    own: usize,
    arns: &[PolicyArn],
) -> Vec<PropertyError> {
    if own + arns.len() <= MAX_MANAGED_POLICIES_PER_ROLE {
        return vec![];
    }
    let message = format!(
        "{} policies and the kind's own {own} exceed IAM's quota of managed policies per role ({MAX_MANAGED_POLICIES_PER_ROLE} at most, 10 by default); combine policies",
        arns.len()
    );
    vec![property_error(kind, MANAGED_POLICY_ARNS.name, message)]
}

/// Required of the trusted principal as `sts:ExternalId`, when set.
pub const EXTERNAL_ID: TextProperty = Property::text("ExternalId", check_external_id);
/// The instance profile of a kind that has one; default: the role's name.
pub const INSTANCE_PROFILE_NAME: TextProperty =
    Property::text("InstanceProfileName", check_instance_profile_name);

/// The fingerprint's key for a kind's region property (`SsoRegion`, `EcsRegion`), as it has
/// always been.
const REGION_FINGERPRINT_KEY: &str = "Region";
/// A principal for the samples of kinds that trust one.
const SAMPLE_PRINCIPAL: &str = "arn:aws:iam::111122223333:role/granted-access-handler";

/// What a kind's design sees besides its own properties and the stack's environment.
pub struct DesignContext<'a> {
    /// Where the stack lives.
    pub env: &'a StackEnv,
    /// The ARNs of the roles this resource makes, by kind (`Events` passes the task roles).
    pub role_arns: &'a BTreeMap<Kind, String>,
}

/// What a kind's own checks see of the rest of the properties.
pub struct CheckContext<'a> {
    /// `Path` (or its default).
    pub path: &'a str,
    /// The kinds the properties name.
    pub kinds: &'a BTreeSet<Kind>,
    /// The kind's `RoleName`, if set.
    pub role_name: Option<&'a str>,
}

/// An input error of a kind's property `name` (`Roles.<Kind>.<name>`).
pub fn property_error(kind: &str, name: &str, message: String) -> PropertyError {
    PropertyError {
        property: format!("Roles.{kind}.{name}"),
        message,
    }
}

/// What a kind makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Makes {
    /// A role this resource owns, named by `RoleName` or generated (every kind but one).
    Role,
    /// ECS's service-linked roles: the account's, made when missing, never owned (`ServiceLinked`).
    ServiceLinkedRoles,
}

/// A kind's typed properties as the rest of the function sees them, whatever the kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Facts<'a> {
    /// `PolicyName`: the name of the kind's customer-managed policy, when given.
    pub policy_name: Option<&'a str>,
    /// For kinds with an instance profile: `Some(InstanceProfileName)` (inner None: the role's
    /// name). None for kinds without one.
    pub instance_profile: Option<Option<&'a str>>,
    /// `TrustedPrincipalArn`: the one principal the role trusts, for kinds that take it.
    pub trusted_principal: Option<&'a PrincipalArn>,
    /// `ManagedPolicyArns`: the stack's own policies the role attaches.
    pub managed_policy_arns: &'a [PolicyArn],
}

/// What every kind's file provides besides its properties; the registry dispatches to it.
pub trait RoleKind: KindProperties {
    /// The key under `Roles`, the prefix of the output keys and the label of generated names.
    const NAME: &'static str;
    /// The document the kind follows: a page title of the Amazon ECS Developer Guide, or the
    /// source the project started from.
    const SOURCE: &'static str;
    /// Every AWS managed policy the kind may attach, as paths below
    /// `arn:PARTITION:iam::aws:policy`: the execution role may attach these and no other.
    const AWS_MANAGED_POLICIES: &'static [&'static str];
    /// Whether the outputs include `<Kind>RoleName`.
    const ROLE_NAME_OUTPUT: bool = true;
    /// What the kind makes: a role this resource owns (and so takes `RoleName`), or the
    /// account's service-linked roles.
    const MAKES: Makes = Makes::Role;
    /// What a generated name of its role starts with (empty: the usual generated name). The
    /// kind's `check` refuses a `RoleName` that breaks the rule.
    const ROLE_NAME_PREFIX: &'static str = "";

    /// What the rest of the function needs to know of the typed properties without knowing the
    /// kind (names it must reserve, the principal it trusts, the policies it attaches).
    fn facts(&self) -> Facts<'_> {
        Facts::default()
    }

    /// Input errors that depend on the rest of the properties (checked before any IAM call).
    fn check(&self, _cx: &CheckContext) -> Vec<PropertyError> {
        vec![]
    }

    /// The role (and policies) the properties ask for, in the stack's environment.
    fn design(&self, cx: &DesignContext) -> Design;

    /// Output keys beyond `<Kind>RoleArn`, `<Kind>RoleName` and `<Kind>PolicyArn`.
    fn extra_outputs(&self, _role_arn: &str, _env: &StackEnv) -> Vec<(&'static str, String)> {
        vec![]
    }

    /// Property objects (what goes under `Roles.<Kind>`) that between them produce every
    /// output key and every managed policy of the kind: for the tests and the drift checks.
    fn samples() -> Vec<Value>;
}

/// The registry: one line per kind, `Variant => module::Type`, in the order kinds are made and
/// listed. It defines `Kind`, the typed `KindSpec`, and their dispatch to the kind's file.
macro_rules! registry {
    ($($variant:ident => $module:ident :: $kind:ident),+ $(,)?) => {
        $(pub mod $module;)+

        /// A role kind: a key under `Roles`, with its own file in this module.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Kind {
            $(
                #[doc = concat!(
                    "`Roles.", stringify!($variant), "`: see [`", stringify!($module), "`]."
                )]
                $variant
            ),+
        }

        /// One kind's validated properties, typed by kind.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum KindSpec {
            $(
                #[doc = concat!("`Roles.", stringify!($variant), "`'s properties.")]
                $variant($module::$kind)
            ),+
        }

        impl Kind {
            /// Every kind, in the registry's order.
            pub const ALL: &'static [Kind] = &[$(Kind::$variant),+];

            /// The key under `Roles` (`RoleKind::NAME`).
            pub fn name(self) -> &'static str {
                match self { $(Kind::$variant => <$module::$kind as RoleKind>::NAME),+ }
            }

            /// The document the kind follows (`RoleKind::SOURCE`).
            pub fn source(self) -> &'static str {
                match self { $(Kind::$variant => <$module::$kind as RoleKind>::SOURCE),+ }
            }

            /// Its properties besides `RoleName` (`KindProperties::PROPERTIES`).
            pub fn properties(self) -> &'static [Property] {
                match self { $(Kind::$variant => <$module::$kind as KindProperties>::PROPERTIES),+ }
            }

            /// Every AWS managed policy it may attach (`RoleKind::AWS_MANAGED_POLICIES`).
            pub fn aws_managed_policies(self) -> &'static [&'static str] {
                match self {
                    $(Kind::$variant => <$module::$kind as RoleKind>::AWS_MANAGED_POLICIES),+
                }
            }

            /// What a generated name of its role starts with (`RoleKind::ROLE_NAME_PREFIX`).
            pub fn role_name_prefix(self) -> &'static str {
                match self {
                    $(Kind::$variant => <$module::$kind as RoleKind>::ROLE_NAME_PREFIX),+
                }
            }

            /// What it makes (`RoleKind::MAKES`).
            pub fn makes(self) -> Makes {
                match self { $(Kind::$variant => <$module::$kind as RoleKind>::MAKES),+ }
            }

            /// Whether it makes a role this resource owns.
            pub fn has_role(self) -> bool {
                self.makes() == Makes::Role
            }

            /// Whether the outputs include `<Kind>RoleName` (`RoleKind::ROLE_NAME_OUTPUT`).
            pub fn role_name_output(self) -> bool {
                match self {
                    $(Kind::$variant => <$module::$kind as RoleKind>::ROLE_NAME_OUTPUT),+
                }
            }

            /// Properties that between them produce every output key and managed policy of the kind
            /// (`RoleKind::samples`).
            pub fn samples(self) -> Vec<Value> {
                match self { $(Kind::$variant => <$module::$kind as RoleKind>::samples()),+ }
            }

            pub(crate) fn parse(self, properties: &mut KindReader) -> Option<KindSpec> {
                match self {
                    $(Kind::$variant => {
                        <$module::$kind as KindProperties>::parse(properties).map(KindSpec::$variant)
                    })+
                }
            }
        }

        impl KindSpec {
            /// The kind these properties are of.
            pub fn kind(&self) -> Kind {
                match self { $(KindSpec::$variant(_) => Kind::$variant),+ }
            }

            /// What the properties ask for (`RoleKind::design`).
            pub fn design(&self, cx: &DesignContext) -> Design {
                match self { $(KindSpec::$variant(spec) => spec.design(cx)),+ }
            }

            /// The typed values under their fingerprint keys (`KindProperties::fingerprint`).
            pub(crate) fn fingerprint(&self) -> Map<String, Value> {
                match self { $(KindSpec::$variant(spec) => spec.fingerprint()),+ }
            }

            /// The typed facts the rest of the function needs (`RoleKind::facts`).
            pub fn facts(&self) -> Facts<'_> {
                match self { $(KindSpec::$variant(spec) => spec.facts()),+ }
            }

            /// Input errors that depend on the rest of the properties (`RoleKind::check`).
            pub fn check(&self, cx: &CheckContext) -> Vec<PropertyError> {
                match self { $(KindSpec::$variant(spec) => spec.check(cx)),+ }
            }

            /// The kind's output keys beyond the usual ones (`RoleKind::extra_outputs`).
            pub fn extra_outputs(&self, role_arn: &str, env: &StackEnv) -> Vec<(&'static str, String)> {
                match self { $(KindSpec::$variant(spec) => spec.extra_outputs(role_arn, env)),+ }
            }
        }
    };
}

impl Kind {
    /// The kind whose key under `Roles` is `name`.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.name() == name)
    }

    /// Every property name the kind takes: `RoleName` (if it has a role), then its own.
    pub fn property_names(self) -> Vec<&'static str> {
        let role_name = self.has_role().then_some(ROLE_NAME.name);
        let own = self.properties().iter().map(|p| p.name);
        role_name.into_iter().chain(own).collect()
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Every AWS managed policy any kind may attach (paths below `arn:PARTITION:iam::aws:policy`).
pub fn aws_managed_policies() -> BTreeSet<&'static str> {
    Kind::ALL
        .iter()
        .flat_map(|k| k.aws_managed_policies())
        .copied()
        .collect()
}

registry! {
    EcsAnywhere => ecs_anywhere::EcsAnywhere,
    TaskExecution => task_execution::TaskExecution,
    Task => task::Task,
    SsoManagement => sso_management::SsoManagement,
    ClusterAccess => cluster_access::ClusterAccess,
    ContainerInstance => container_instance::ContainerInstance,
    ManagedInstances => managed_instances::ManagedInstances,
    Infrastructure => infrastructure::Infrastructure,
    CodeDeploy => code_deploy::CodeDeploy,
    Events => events::Events,
    DeploymentHooks => deployment_hooks::DeploymentHooks,
    ServiceLinked => service_linked::ServiceLinked,
}
