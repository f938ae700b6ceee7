//! `ResourceProperties` → typed desired state. Every input error is found here, before any IAM
//! call, and names the property at fault. The kinds' own properties are read by the kinds
//! (`crate::kinds`), through `KindReader`.

mod reader;
mod tags;

use crate::arns::{FromChecked, PolicyArn, PrincipalArn};
use crate::iam_rules::check_path;
use crate::kinds::{
    ArnType, CheckContext, Kind, KindSpec, INSTANCE_PROFILE_NAME, LEAST_PRIVILEGE, POLICY_NAME,
    ROLE_NAME,
};
pub use reader::display_key;
use reader::Checker;
pub use reader::KindReader;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The top-level property of the IAM path of everything the resource makes.
pub const PATH: &str = "Path";
/// The top-level property of the wait before a SUCCESS answer.
pub const PROPAGATION_DELAY: &str = "PropagationDelay";

const TOP_LEVEL_PROPERTIES: [&str; 9] = [
    "ServiceToken",
    "ServiceTimeout",
    PATH,
    "PermissionsBoundary",
    "Tags",
    "AdoptExisting",
    "RestrictTrustToAccount",
    "Roles",
    PROPAGATION_DELAY,
];

/// `PropagationDelay` when the properties name none, in seconds.
pub const DEFAULT_PROPAGATION_DELAY: u64 = 10;
/// The longest `PropagationDelay`, in seconds.
pub const MAX_PROPAGATION_DELAY: u64 = 60;

/// The validated properties of one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// `Path`, or the operator's ManagedPath: the IAM path of everything the resource makes.
    pub path: String,
    /// `PermissionsBoundary`: the policy ARN set as every role's permissions boundary.
    pub permissions_boundary: Option<PolicyArn>,
    /// `Tags`: on every role, policy and instance profile the resource makes.
    pub tags: BTreeMap<String, String>,
    /// `AdoptExisting`: take over roles of the wanted names that exist and carry no owner tag.
    pub adopt_existing: bool,
    /// `RestrictTrustToAccount` (default true): the confused-deputy conditions in the trust
    /// policies of the services that document them.
    pub restrict_trust_to_account: bool,
    /// `Roles`: the kinds asked for, with their properties.
    pub roles: BTreeMap<Kind, RoleSpec>,
    /// `PropagationDelay` in seconds, if set (see `propagation_delay`).
    pub propagation_delay: Option<u64>,
}

impl Spec {
    /// How long to wait before answering SUCCESS to a request that made or changed a role.
    pub fn propagation_delay(&self) -> std::time::Duration {
        let seconds = self.propagation_delay.unwrap_or(DEFAULT_PROPAGATION_DELAY);
        std::time::Duration::from_secs(seconds)
    }

    /// A stable text for these properties (same properties, same text), whatever order or
    /// scalar form (`"true"`, `true`) they arrived in: JSON of the typed values with sorted
    /// keys, absent optional properties (and empty lists whose absence means empty) left out.
    /// A replacement's PhysicalResourceId is derived from it, so it must not change with a Rust
    /// release or a refactoring (as `Debug` output may), only with the properties; tests pin
    /// it.
    pub fn fingerprint(&self) -> String {
        // Destructured without `..`: a new field does not compile until it is placed here.
        let Spec {
            path,
            permissions_boundary,
            tags,
            adopt_existing,
            restrict_trust_to_account,
            roles,
            propagation_delay,
        } = self;
        let roles: Map<String, Value> = roles
            .iter()
            .map(|(kind, role)| (kind.name().to_string(), role.canonical()))
            .collect();
        canonical_json(&json!({
            PATH: path,
            "PermissionsBoundary": permissions_boundary,
            "Tags": tags,
            "AdoptExisting": adopt_existing,
            "RestrictTrustToAccount": restrict_trust_to_account,
            "Roles": roles,
            PROPAGATION_DELAY: propagation_delay,
        }))
    }
}

/// The validated properties of one role kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSpec {
    /// `RoleName`, which every kind takes.
    pub role_name: Option<String>,
    /// The kind's own properties, typed.
    pub kind: KindSpec,
}

impl RoleSpec {
    /// The one principal the role trusts, for kinds that take `TrustedPrincipalArn`.
    pub fn trusted_principal(&self) -> Option<&PrincipalArn> {
        self.kind.facts().trusted_principal
    }

    /// `ManagedPolicyArns`, for kinds that take it (empty otherwise).
    pub fn managed_policy_arns(&self) -> &[PolicyArn] {
        self.kind.facts().managed_policy_arns
    }

    /// The customer-managed policy's name, for kinds that take `PolicyName`.
    pub fn policy_name(&self) -> Option<&str> {
        self.kind.facts().policy_name
    }

    /// The instance profile's name as the properties give it, for kinds that have one:
    /// `InstanceProfileName`, else the role's name (None: both generated).
    pub fn instance_profile_name(&self) -> Option<&str> {
        let given = self.kind.facts().instance_profile?;
        given.or(self.role_name.as_deref())
    }

    /// The typed properties under their fingerprint keys (`KindProperties::fingerprint`).
    fn canonical(&self) -> Value {
        let mut canonical = self.kind.fingerprint();
        if let Some(name) = &self.role_name {
            canonical.insert(ROLE_NAME.fingerprint_key.into(), name.as_str().into());
        }
        // Fingerprints have always recorded `LeastPrivilege` (false unless set) for every kind.
        canonical
            .entry(LEAST_PRIVILEGE.fingerprint_key.to_string())
            .or_insert(Value::Bool(false));
        Value::Object(canonical)
    }
}

/// `value` as compact JSON with every object's keys sorted and its null members left out,
/// whatever order `serde_json::Map` keeps (it keeps insertion order under `preserve_order`).
fn canonical_json(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> =
                map.iter().filter(|(_, v)| !v.is_null()).collect();
            members.sort_by(|a, b| a.0.cmp(b.0));
            let members: Vec<String> = members
                .into_iter()
                .map(|(k, v)| format!("{}:{}", Value::from(k.as_str()), canonical_json(v)))
                .collect();
            format!("{{{}}}", members.join(","))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(canonical_json).collect();
            format!("[{}]", items.join(","))
        }
        scalar => scalar.to_string(),
    }
}

/// One bad property: where it is and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyError {
    /// Where it is, e.g. `Roles.Task.ClusterName` or `Tags[2].Key`.
    pub property: String,
    /// What is wrong with it, for the Reason.
    pub message: String,
}

/// All the bad properties of one request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SpecError {
    /// Every bad property found.
    pub errors: Vec<PropertyError>,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid properties: ")?;
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", e.property, e.message)?;
        }
        Ok(())
    }
}

/// What parsing needs to know beyond the properties themselves.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The stack's partition: every ARN in the properties must be in it (None: any).
    pub partition: Option<&'a str>,
    /// `Path` when the properties name none: the operator's ManagedPath.
    pub default_path: &'a str,
}

impl Default for Context<'_> {
    fn default() -> Self {
        Context {
            partition: None,
            default_path: "/",
        }
    }
}

/// Parse and validate `ResourceProperties` (any partition, default path `/`).
pub fn parse(properties: &Value) -> Result<Spec, SpecError> {
    parse_in(properties, Context::default())
}

/// Parse and validate `ResourceProperties` for a stack in `context`.
pub fn parse_in(properties: &Value, context: Context) -> Result<Spec, SpecError> {
    parse_with(properties, context, true)
}

/// Properties that were accepted once (a Delete's, an Update's old ones): parsed to find what
/// they made, without the kinds' checks against the rest of the properties, which may depend
/// on settings that changed since (a `ManagedPath` that is now the default `Path`).
pub fn parse_known(properties: &Value, context: Context) -> Result<Spec, SpecError> {
    parse_with(properties, context, false)
}

fn parse_with(properties: &Value, context: Context, kind_checks: bool) -> Result<Spec, SpecError> {
    let mut c = Checker { errors: vec![] };
    let empty = Map::new();
    let top = match properties {
        Value::Object(map) => map,
        Value::Null => &empty,
        _ => {
            c.fail("ResourceProperties", "must be an object");
            return Err(SpecError { errors: c.errors });
        }
    };
    c.reject_unknown(top, "", &TOP_LEVEL_PROPERTIES);

    let path = c
        .checked(top, "", PATH, check_path)
        .unwrap_or_else(|| context.default_path.to_string());
    let permissions_boundary = c
        .arn(top, "", "PermissionsBoundary", PolicyArn::CHECK, context)
        .map(PolicyArn::from_checked);
    let tags = tags::parse_tags(&mut c, top.get("Tags"));
    let adopt_existing = c.boolean(top, "", "AdoptExisting", false);
    let restrict_trust_to_account = c.boolean(top, "", "RestrictTrustToAccount", true);
    let propagation_delay = parse_propagation_delay(&mut c, top);
    let roles = parse_roles(&mut c, top.get("Roles"), context);
    check_names_differ(&mut c, &roles);
    if kind_checks {
        check_kinds(&mut c, &roles, &path);
    }

    if c.errors.is_empty() {
        Ok(Spec {
            path,
            permissions_boundary,
            tags,
            adopt_existing,
            restrict_trust_to_account,
            roles,
            propagation_delay,
        })
    } else {
        Err(SpecError { errors: c.errors })
    }
}

fn parse_propagation_delay(c: &mut Checker, top: &Map<String, Value>) -> Option<u64> {
    let text = c.string(top, "", PROPAGATION_DELAY)?;
    match text.trim().parse::<u64>() {
        Ok(seconds) if seconds <= MAX_PROPAGATION_DELAY => Some(seconds),
        _ => {
            c.fail(
                PROPAGATION_DELAY,
                format!("must be a whole number of seconds from 0 to {MAX_PROPAGATION_DELAY}, got {text:?}"),
            );
            None
        }
    }
}

/// Each kind's own checks against the rest of the properties.
fn check_kinds(c: &mut Checker, roles: &BTreeMap<Kind, RoleSpec>, path: &str) {
    let kinds: BTreeSet<Kind> = roles.keys().copied().collect();
    for role in roles.values() {
        let cx = CheckContext {
            path,
            kinds: &kinds,
            role_name: role.role_name.as_deref(),
        };
        c.errors.extend(role.kind.check(&cx));
    }
}

fn kind_names() -> String {
    let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
    names.join(", ")
}

fn parse_roles(
    c: &mut Checker,
    value: Option<&Value>,
    context: Context,
) -> BTreeMap<Kind, RoleSpec> {
    let mut roles = BTreeMap::new();
    let kinds = match value {
        None | Some(Value::Null) => {
            c.fail(
                "Roles",
                format!("is required: name at least one of {}", kind_names()),
            );
            return roles;
        }
        Some(Value::Object(kinds)) => kinds,
        Some(_) => {
            c.fail("Roles", "must be an object keyed by role kind");
            return roles;
        }
    };
    if kinds.is_empty() {
        c.fail(
            "Roles",
            format!("must name at least one of {}", kind_names()),
        );
    }
    for (name, value) in kinds {
        let Some(kind) = Kind::from_name(name) else {
            c.fail(
                format!("Roles.{}", display_key(name)),
                format!("unknown role kind; valid names are {}", kind_names()),
            );
            continue;
        };
        if let Some(role) = parse_role(c, kind, value, context) {
            roles.insert(kind, role);
        }
    }
    roles
}

fn parse_role(c: &mut Checker, kind: Kind, value: &Value, context: Context) -> Option<RoleSpec> {
    let empty = Map::new();
    let object = match value {
        Value::Object(map) => map,
        // `EcsAnywhere: {}` may arrive as an empty string or null from some tools.
        Value::Null => &empty,
        Value::String(s) if s.is_empty() => &empty,
        _ => {
            c.fail(format!("Roles.{kind}"), "must be an object of properties");
            return None;
        }
    };
    let mut reader = KindReader::new(c, object, kind, context);
    let role_name = if kind.has_role() {
        reader.text(&ROLE_NAME)
    } else {
        None
    };
    let errors_before = reader.errors_recorded();
    let spec = kind.parse(&mut reader);
    // A kind that parses to nothing has said why; otherwise it would vanish from `Roles`.
    debug_assert!(
        spec.is_some() || reader.errors_recorded() > errors_before,
        "{kind} parsed to nothing without an error"
    );
    let spec = spec?;
    Some(RoleSpec {
        role_name,
        kind: spec,
    })
}

/// Two kinds asking for the same role or policy name would fight over one IAM entity.
fn check_names_differ(c: &mut Checker, roles: &BTreeMap<Kind, RoleSpec>) {
    let mut seen_roles: BTreeMap<String, Kind> = BTreeMap::new();
    let mut seen_policies: BTreeMap<String, Kind> = BTreeMap::new();
    let mut seen_profiles: BTreeMap<String, Kind> = BTreeMap::new();
    for (kind, role) in roles {
        let mut role_clash = false;
        if let Some(name) = &role.role_name {
            if let Some(other) = seen_roles.insert(name.to_ascii_lowercase(), *kind) {
                role_clash = true;
                c.fail(
                    format!("Roles.{kind}.{}", ROLE_NAME.name),
                    format!(
                        "{name:?} is also the {} of {other}; role names must differ",
                        ROLE_NAME.name
                    ),
                );
            }
        }
        if let Some(name) = role.policy_name() {
            if let Some(other) = seen_policies.insert(name.to_ascii_lowercase(), *kind) {
                c.fail(
                    format!("Roles.{kind}.{}", POLICY_NAME.name),
                    format!(
                        "{name:?} is also the {} of {other}; policy names must differ",
                        POLICY_NAME.name
                    ),
                );
            }
        }
        // An instance profile holds one role: two kinds cannot share one. (A profile named
        // after a clashing role name clashes too; that is said once, above.)
        if let Some(name) = role.instance_profile_name().filter(|_| !role_clash) {
            if let Some(other) = seen_profiles.insert(name.to_ascii_lowercase(), *kind) {
                c.fail(
                    format!("Roles.{kind}.{}", INSTANCE_PROFILE_NAME.name),
                    format!("{name:?} is also the instance profile of {other}; instance profile names must differ"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys_and_drops_nulls() {
        assert_eq!(
            canonical_json(&json!({"b": [1, {"d": null, "c": "x"}], "a": "\u{1}"})),
            r#"{"a":"\u0001","b":[1,{"c":"x"}]}"#
        );
    }
}
