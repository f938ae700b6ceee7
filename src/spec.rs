//! `ResourceProperties` → typed desired state. Every input error is found here, before any IAM
//! call, and names the property at fault.

use crate::catalog::Kind;
use crate::iam_rules::shown;
pub use crate::iam_rules::{
    check_cluster_name, check_external_id, check_path, check_policy_arn, check_policy_name,
    check_principal_arn, check_region, check_role_name, check_tag_key, check_tag_value,
};
use crate::plan::MAX_USER_TAGS;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::fmt;

const TOP_LEVEL_PROPERTIES: [&str; 8] = [
    "ServiceToken",
    "ServiceTimeout",
    "Path",
    "PermissionsBoundary",
    "Tags",
    "AdoptExisting",
    "RestrictTrustToAccount",
    "Roles",
];

fn kind_properties(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::EcsAnywhere => &["RoleName", "LeastPrivilege"],
        Kind::TaskExecution => &["RoleName"],
        Kind::Task => &["RoleName", "ClusterName", "LeastPrivilege"],
        Kind::SsoManagement => &[
            "TrustedPrincipalArn",
            "ExternalId",
            "RoleName",
            "PolicyName",
            "SsoRegion",
        ],
        Kind::ClusterAccess => &[
            "TrustedPrincipalArn",
            "ExternalId",
            "RoleName",
            "PolicyName",
            "EcsRegion",
        ],
    }
}

/// The validated properties of one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    pub path: String,
    pub permissions_boundary: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub adopt_existing: bool,
    pub restrict_trust_to_account: bool,
    pub roles: BTreeMap<Kind, RoleSpec>,
}

impl Spec {
    /// A stable text for these properties (same properties, same text), whatever order or
    /// scalar form (`"true"`, `true`) they arrived in: JSON with sorted keys, absent optional
    /// properties left out. A replacement's PhysicalResourceId is derived from it, so it must not
    /// change with a Rust release or a refactoring (as `Debug` output may), only with the
    /// properties; a test pins it.
    pub fn fingerprint(&self) -> String {
        // Destructured without `..`: a new field does not compile until it is placed here.
        let Spec {
            path,
            permissions_boundary,
            tags,
            adopt_existing,
            restrict_trust_to_account,
            roles,
        } = self;
        let roles: Map<String, Value> = roles
            .iter()
            .map(|(kind, role)| (kind.name().to_string(), role.canonical()))
            .collect();
        canonical_json(&json!({
            "Path": path,
            "PermissionsBoundary": permissions_boundary,
            "Tags": tags,
            "AdoptExisting": adopt_existing,
            "RestrictTrustToAccount": restrict_trust_to_account,
            "Roles": roles,
        }))
    }
}

/// The validated properties of one role kind; which fields are set depends on the kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleSpec {
    pub role_name: Option<String>,
    pub policy_name: Option<String>,
    pub least_privilege: bool,
    pub cluster_name: Option<String>,
    pub trusted_principal_arn: Option<String>,
    pub external_id: Option<String>,
    /// `SsoRegion` or `EcsRegion`.
    pub region: Option<String>,
}

impl RoleSpec {
    fn canonical(&self) -> Value {
        let RoleSpec {
            role_name,
            policy_name,
            least_privilege,
            cluster_name,
            trusted_principal_arn,
            external_id,
            region,
        } = self;
        json!({
            "RoleName": role_name,
            "PolicyName": policy_name,
            "LeastPrivilege": least_privilege,
            "ClusterName": cluster_name,
            "TrustedPrincipalArn": trusted_principal_arn,
            "ExternalId": external_id,
            "Region": region,
        })
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
    pub property: String,
    pub message: String,
}

/// All the bad properties of one request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SpecError {
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

struct Checker {
    errors: Vec<PropertyError>,
}

impl Checker {
    fn fail(&mut self, property: impl Into<String>, message: impl Into<String>) {
        self.errors.push(PropertyError {
            property: property.into(),
            message: message.into(),
        });
    }

    fn reject_unknown(&mut self, object: &Map<String, Value>, prefix: &str, known: &[&str]) {
        for key in object.keys() {
            if !known.contains(&key.as_str()) {
                self.fail(
                    format!("{prefix}{}", display_key(key)),
                    format!("unknown property; valid names are {}", known.join(", ")),
                );
            }
        }
    }

    fn same_partition(&mut self, property: &str, arn: &str, partition: &str) {
        let theirs = arn.split(':').nth(1).unwrap_or_default();
        if theirs != partition {
            self.fail(
                property,
                format!(
                    "{} is in partition {theirs:?}, but the stack is in {partition:?}",
                    shown(arn)
                ),
            );
        }
    }

    /// An ARN property: its shape (`check`), then the stack's partition. Every ARN property is
    /// read through here, so none can skip the partition check.
    fn arn(
        &mut self,
        object: &Map<String, Value>,
        prefix: &str,
        key: &str,
        check: fn(&str) -> Result<(), String>,
        context: Context,
    ) -> Option<String> {
        let arn = self.checked(object, prefix, key, check)?;
        if let Some(partition) = context.partition {
            self.same_partition(&format!("{prefix}{key}"), &arn, partition);
        }
        Some(arn)
    }

    /// A scalar as CloudFormation sends it: a string, or (from direct invokes) a JSON scalar.
    fn string(&mut self, object: &Map<String, Value>, prefix: &str, key: &str) -> Option<String> {
        match object.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Null => None,
            _ => {
                self.fail(format!("{prefix}{key}"), "must be a string");
                None
            }
        }
    }

    fn boolean(
        &mut self,
        object: &Map<String, Value>,
        prefix: &str,
        key: &str,
        default: bool,
    ) -> bool {
        let Some(value) = self.string(object, prefix, key) else {
            return default;
        };
        match value.to_ascii_lowercase().as_str() {
            "true" => true,
            "false" => false,
            _ => {
                self.fail(
                    format!("{prefix}{key}"),
                    format!("must be true or false, got {value:?}"),
                );
                default
            }
        }
    }

    fn checked(
        &mut self,
        object: &Map<String, Value>,
        prefix: &str,
        key: &str,
        check: fn(&str) -> Result<(), String>,
    ) -> Option<String> {
        let value = self.string(object, prefix, key)?;
        match check(&value) {
            Ok(()) => Some(value),
            Err(message) => {
                self.fail(format!("{prefix}{key}"), message);
                None
            }
        }
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
        .checked(top, "", "Path", check_path)
        .unwrap_or_else(|| context.default_path.to_string());
    let permissions_boundary = c.arn(top, "", "PermissionsBoundary", check_policy_arn, context);
    let tags = parse_tags(&mut c, top.get("Tags"));
    let adopt_existing = c.boolean(top, "", "AdoptExisting", false);
    let restrict_trust_to_account = c.boolean(top, "", "RestrictTrustToAccount", true);

    let mut roles = BTreeMap::new();
    match top.get("Roles") {
        None | Some(Value::Null) => c.fail(
            "Roles",
            format!(
                "is required: name at least one of {}",
                kind_names().join(", ")
            ),
        ),
        Some(Value::Object(kinds)) => {
            if kinds.is_empty() {
                c.fail(
                    "Roles",
                    format!("must name at least one of {}", kind_names().join(", ")),
                );
            }
            for (name, value) in kinds {
                let Some(kind) = Kind::from_name(name) else {
                    c.fail(
                        format!("Roles.{}", display_key(name)),
                        format!(
                            "unknown role kind; valid names are {}",
                            kind_names().join(", ")
                        ),
                    );
                    continue;
                };
                if let Some(role) = parse_role(&mut c, kind, value, context) {
                    roles.insert(kind, role);
                }
            }
        }
        Some(_) => c.fail("Roles", "must be an object keyed by role kind"),
    }

    // Two kinds asking for the same role or policy name would fight over one IAM entity.
    let mut seen_roles: BTreeMap<String, Kind> = BTreeMap::new();
    let mut seen_policies: BTreeMap<String, Kind> = BTreeMap::new();
    for (kind, role) in &roles {
        if let Some(name) = &role.role_name {
            if let Some(other) = seen_roles.insert(name.to_ascii_lowercase(), *kind) {
                c.fail(
                    format!("Roles.{kind}.RoleName"),
                    format!("{name:?} is also the RoleName of {other}; role names must differ"),
                );
            }
        }
        if let Some(name) = &role.policy_name {
            if let Some(other) = seen_policies.insert(name.to_ascii_lowercase(), *kind) {
                c.fail(
                    format!("Roles.{kind}.PolicyName"),
                    format!("{name:?} is also the PolicyName of {other}; policy names must differ"),
                );
            }
        }
    }

    if c.errors.is_empty() {
        Ok(Spec {
            path,
            permissions_boundary,
            tags,
            adopt_existing,
            restrict_trust_to_account,
            roles,
        })
    } else {
        Err(SpecError { errors: c.errors })
    }
}

/// A property name as it appears in an error: quoted when it is empty or has odd characters,
/// so that the message always shows which name is meant.
fn display_key(key: &str) -> String {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric()) {
        key.to_string()
    } else {
        format!("{key:?}")
    }
}

fn kind_names() -> Vec<&'static str> {
    Kind::ALL.iter().map(|k| k.name()).collect()
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
    let prefix = format!("Roles.{kind}.");
    c.reject_unknown(object, &prefix, kind_properties(kind));
    let mut role = RoleSpec {
        role_name: c.checked(object, &prefix, "RoleName", check_role_name),
        policy_name: c.checked(object, &prefix, "PolicyName", check_policy_name),
        least_privilege: c.boolean(object, &prefix, "LeastPrivilege", false),
        cluster_name: c.checked(object, &prefix, "ClusterName", check_cluster_name),
        trusted_principal_arn: c.arn(
            object,
            &prefix,
            "TrustedPrincipalArn",
            check_principal_arn,
            context,
        ),
        external_id: c.checked(object, &prefix, "ExternalId", check_external_id),
        region: None,
    };
    role.region = match kind {
        Kind::SsoManagement => c.checked(object, &prefix, "SsoRegion", check_region),
        Kind::ClusterAccess => c.checked(object, &prefix, "EcsRegion", check_region),
        _ => None,
    };
    let required: &[&str] = match kind {
        Kind::Task => &["ClusterName"],
        Kind::SsoManagement | Kind::ClusterAccess => &["TrustedPrincipalArn"],
        _ => &[],
    };
    for key in required {
        if matches!(object.get(*key), None | Some(Value::Null)) {
            c.fail(format!("{prefix}{key}"), format!("is required for {kind}"));
        }
    }
    Some(role)
}

fn parse_tags(c: &mut Checker, value: Option<&Value>) -> BTreeMap<String, String> {
    let mut tags = BTreeMap::new();
    let items = match value {
        None | Some(Value::Null) => return tags,
        Some(Value::Array(items)) => items,
        Some(_) => {
            c.fail("Tags", "must be a list of {Key, Value}");
            return tags;
        }
    };
    if items.len() > MAX_USER_TAGS {
        c.fail(
            "Tags",
            format!(
                "has {} tags; at most {MAX_USER_TAGS} are allowed (IAM's limit is 50; two are this resource's own)",
                items.len()
            ),
        );
    }
    // Lower-cased key → the index and spelling of the first tag with it: IAM's tag keys are
    // unique regardless of case, so `Team` and `team` would be one tag with two values.
    let mut seen: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("Tags[{i}]");
        let Value::Object(tag) = item else {
            c.fail(at, "must be an object {Key, Value}");
            continue;
        };
        c.reject_unknown(tag, &format!("{at}."), &["Key", "Value"]);
        let key = tag_field(c, tag, &at, "Key", check_tag_key);
        let value = tag_field(c, tag, &at, "Value", check_tag_value);
        let Some(key) = key else {
            continue;
        };
        let folded = key.to_lowercase();
        if let Some((first, spelling)) = seen.get(&folded) {
            c.fail(
                format!("{at}.Key"),
                format!(
                    "{} is the same key as Tags[{first}].Key {}: IAM tag keys must differ regardless of case",
                    shown(&key),
                    shown(spelling)
                ),
            );
            continue;
        }
        seen.insert(folded, (i, key.clone()));
        if let Some(value) = value {
            tags.insert(key, value);
        }
    }
    tags
}

/// `Key` or `Value` of one tag. Both are required, as IAM requires them: a missing `Value` is
/// an error, not an empty value (an empty string is a valid one).
fn tag_field(
    c: &mut Checker,
    tag: &Map<String, Value>,
    at: &str,
    name: &str,
    check: fn(&str) -> Result<(), String>,
) -> Option<String> {
    if matches!(tag.get(name), None | Some(Value::Null)) {
        let message = match name {
            "Value" => "is required (an empty string is a valid Value)",
            _ => "is required",
        };
        c.fail(format!("{at}.{name}"), message);
        return None;
    }
    c.checked(tag, &format!("{at}."), name, check)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::OWNER_TAG_KEY;
    use serde_json::json;

    fn errors(properties: Value) -> Vec<PropertyError> {
        parse(&properties).expect_err("expected invalid").errors
    }

    fn one_error(properties: Value) -> PropertyError {
        let mut errors = errors(properties);
        assert_eq!(errors.len(), 1, "{errors:?}");
        errors.remove(0)
    }

    #[test]
    fn minimal_task_execution_uses_defaults() {
        let spec =
            parse(&json!({"ServiceToken": "arn:x", "Roles": {"TaskExecution": {}}})).unwrap();
        assert_eq!(spec.path, "/");
        assert!(spec.restrict_trust_to_account);
        assert!(!spec.adopt_existing);
        assert_eq!(spec.roles.len(), 1);
        assert_eq!(spec.roles[&Kind::TaskExecution], RoleSpec::default());
    }

    #[test]
    fn string_scalars_are_read_as_booleans_and_numbers() {
        let spec = parse(&json!({
            "ServiceToken": "arn:x",
            "ServiceTimeout": "300",
            "AdoptExisting": "true",
            "RestrictTrustToAccount": "false",
            "Roles": {"EcsAnywhere": {"LeastPrivilege": "True"}, "Task": {"ClusterName": "c1", "LeastPrivilege": true}}
        }))
        .unwrap();
        assert!(spec.adopt_existing);
        assert!(!spec.restrict_trust_to_account);
        assert!(spec.roles[&Kind::EcsAnywhere].least_privilege);
        assert!(spec.roles[&Kind::Task].least_privilege);
    }

    #[test]
    fn bad_boolean_names_property() {
        let e = one_error(json!({"Roles": {"TaskExecution": {}}, "AdoptExisting": "yes"}));
        assert_eq!(e.property, "AdoptExisting");
        assert!(e.message.contains("true or false"), "{}", e.message);
    }

    #[test]
    fn unknown_top_level_property_lists_valid_names() {
        let e = one_error(json!({"Roles": {"TaskExecution": {}}, "Pth": "/"}));
        assert_eq!(e.property, "Pth");
        assert!(e.message.contains("Path"), "{}", e.message);
        assert!(
            e.message.contains("RestrictTrustToAccount"),
            "{}",
            e.message
        );
    }

    #[test]
    fn unknown_role_property_and_kind_are_named() {
        let e = one_error(json!({"Roles": {"TaskExecution": {"RoleNmae": "x"}}}));
        assert_eq!(e.property, "Roles.TaskExecution.RoleNmae");
        assert!(e.message.contains("RoleName"));
        let e = one_error(json!({"Roles": {"TaskExecutionRole": {}}}));
        assert_eq!(e.property, "Roles.TaskExecutionRole");
        assert!(e.message.contains("TaskExecution"));
        // A property valid for one kind is unknown on another.
        let e = one_error(json!({"Roles": {"TaskExecution": {"ClusterName": "c"}}}));
        assert_eq!(e.property, "Roles.TaskExecution.ClusterName");
    }

    #[test]
    fn odd_property_names_are_quoted() {
        let e = one_error(json!({"Roles": {"TaskExecution": {}}, "": 1}));
        assert_eq!(e.property, "\"\"");
        let e = one_error(json!({"Roles": {"Task Execution": {}}}));
        assert_eq!(e.property, "Roles.\"Task Execution\"");
    }

    #[test]
    fn roles_required_and_non_empty() {
        assert_eq!(one_error(json!({})).property, "Roles");
        assert_eq!(one_error(json!({"Roles": {}})).property, "Roles");
        assert_eq!(
            one_error(json!({"Roles": "TaskExecution"})).property,
            "Roles"
        );
        assert_eq!(one_error(json!([1])).property, "ResourceProperties");
    }

    #[test]
    fn required_role_properties() {
        let e = one_error(json!({"Roles": {"Task": {}}}));
        assert_eq!(e.property, "Roles.Task.ClusterName");
        let e = one_error(json!({"Roles": {"SsoManagement": {}}}));
        assert_eq!(e.property, "Roles.SsoManagement.TrustedPrincipalArn");
        let e = one_error(json!({"Roles": {"ClusterAccess": {"ExternalId": "abc"}}}));
        assert_eq!(e.property, "Roles.ClusterAccess.TrustedPrincipalArn");
    }

    #[test]
    fn every_error_is_reported_at_once() {
        let errs = errors(json!({
            "Path": "ecs",
            "Roles": {"Task": {"RoleName": "bad name"}, "Nope": {}}
        }));
        let props: Vec<&str> = errs.iter().map(|e| e.property.as_str()).collect();
        assert!(props.contains(&"Path"));
        assert!(props.contains(&"Roles.Task.RoleName"));
        assert!(props.contains(&"Roles.Task.ClusterName"));
        assert!(props.contains(&"Roles.Nope"));
    }

    #[test]
    fn arns_must_be_in_the_stacks_partition() {
        let props = json!({
            "PermissionsBoundary": "arn:aws-cn:iam::123456789012:policy/B",
            "Roles": {"SsoManagement": {"TrustedPrincipalArn": "arn:aws-us-gov:iam::111122223333:role/h"}}
        });
        let context = Context {
            partition: Some("aws"),
            default_path: "/",
        };
        let err = parse_in(&props, context).unwrap_err();
        let properties: Vec<&str> = err.errors.iter().map(|e| e.property.as_str()).collect();
        assert_eq!(
            properties,
            [
                "PermissionsBoundary",
                "Roles.SsoManagement.TrustedPrincipalArn"
            ]
        );
        assert!(err.to_string().contains("\"aws-us-gov\""), "{err}");
        assert_eq!(
            err.errors[0].message,
            "\"arn:aws-cn:iam::123456789012:policy/B\" is in partition \"aws-cn\", but the stack is in \"aws\""
        );
        assert!(parse_in(&props, Context::default()).is_ok());
    }

    #[test]
    fn the_default_path_is_the_contexts() {
        let context = Context {
            partition: Some("aws"),
            default_path: "/ecs-iam-roles/",
        };
        let spec = parse_in(&json!({"Roles": {"TaskExecution": {}}}), context).unwrap();
        assert_eq!(spec.path, "/ecs-iam-roles/");
    }

    #[test]
    fn tags() {
        let spec = parse(&json!({"Roles": {"TaskExecution": {}}, "Tags": [{"Key": "team", "Value": "platform"}, {"Key": "empty", "Value": ""}]})).unwrap();
        assert_eq!(spec.tags["team"], "platform");
        assert_eq!(spec.tags["empty"], "");
        let same = json!([{"Key": "k", "Value": "a"}, {"Key": "k", "Value": "b"}]);
        assert_eq!(tag_error(same).0, "Tags[1].Key");
        assert_eq!(tag_error(json!({"team": "x"})).0, "Tags");
        let extra = json!([{"Key": "k", "Value": "v", "Extra": 1}]);
        assert_eq!(tag_error(extra).0, "Tags[0].Extra");
        let many: Vec<Value> = (0..=MAX_USER_TAGS)
            .map(|i| json!({"Key": format!("k{i}"), "Value": "v"}))
            .collect();
        assert_eq!(tag_error(json!(many)).0, "Tags");
        let ok: Vec<Value> = (0..MAX_USER_TAGS)
            .map(|i| json!({"Key": format!("k{i}"), "Value": "v"}))
            .collect();
        assert!(parse(&json!({"Roles": {"TaskExecution": {}}, "Tags": ok})).is_ok());
    }

    fn tag_errors(tags: Value) -> Vec<(String, String)> {
        errors(json!({"Roles": {"TaskExecution": {}}, "Tags": tags}))
            .into_iter()
            .map(|e| (e.property, e.message))
            .collect()
    }

    fn tag_error(tags: Value) -> (String, String) {
        let mut errors = tag_errors(tags);
        assert_eq!(errors.len(), 1, "{errors:?}");
        errors.remove(0)
    }

    fn pair(property: &str, message: &str) -> (String, String) {
        (property.to_string(), message.to_string())
    }

    #[test]
    fn a_tag_needs_a_value_but_an_empty_one_is_fine() {
        let missing = "is required (an empty string is a valid Value)";
        assert_eq!(
            tag_error(json!([{"Key": "team"}])),
            pair("Tags[0].Value", missing)
        );
        assert_eq!(
            tag_error(json!([{"Key": "a", "Value": ""}, {"Key": "team", "Value": null}])),
            pair("Tags[1].Value", missing)
        );
        assert_eq!(
            tag_error(json!([{"Value": "platform"}])),
            pair("Tags[0].Key", "is required")
        );
        assert_eq!(
            tag_error(json!([{"Key": "team", "Value": ["a"]}])),
            pair("Tags[0].Value", "must be a string")
        );
        let spec =
            parse(&json!({"Roles": {"TaskExecution": {}}, "Tags": [{"Key": "team", "Value": ""}]}))
                .unwrap();
        assert_eq!(spec.tags["team"], "");
    }

    #[test]
    fn tag_keys_are_unique_regardless_of_case() {
        assert_eq!(
            tag_error(json!([{"Key": "Team", "Value": "a"}, {"Key": "env", "Value": "b"}, {"Key": "team", "Value": "c"}])),
            pair(
                "Tags[2].Key",
                "\"team\" is the same key as Tags[0].Key \"Team\": IAM tag keys must differ regardless of case"
            )
        );
        assert_eq!(
            tag_error(json!([{"Key": "Équipe", "Value": "a"}, {"Key": "éQUIPE", "Value": "b"}])),
            pair(
                "Tags[1].Key",
                "\"éQUIPE\" is the same key as Tags[0].Key \"Équipe\": IAM tag keys must differ regardless of case"
            )
        );
    }

    #[test]
    fn reserved_tag_prefixes_in_any_case() {
        assert_eq!(
            tag_error(json!([{"Key": "AWS:x", "Value": "v"}])),
            pair(
                "Tags[0].Key",
                "\"AWS:x\": keys beginning with aws: (in any case) are reserved for AWS"
            )
        );
        for key in ["ECS-IAM-Roles:owner", OWNER_TAG_KEY, "ecs-iam-roles:x"] {
            assert_eq!(
                tag_error(json!([{"Key": key, "Value": "v"}])),
                pair(
                    "Tags[0].Key",
                    &format!("\"{key}\": keys beginning with ecs-iam-roles: (in any case) are reserved for this resource's own bookkeeping")
                )
            );
        }
        // Only the prefix is reserved.
        assert!(parse(&json!({"Roles": {"TaskExecution": {}}, "Tags": [{"Key": "x-aws:y", "Value": "ecs-iam-roles:z"}]})).is_ok());
    }

    #[test]
    fn tags_use_iam_tag_characters_only() {
        let allowed = "letters, numbers, space separators and _.:/=+-@";
        assert_eq!(
            tag_error(json!([{"Key": "team", "Value": "a\tb"}])),
            pair(
                "Tags[0].Value",
                &format!("\"a\\tb\" contains '\\t' (U+0009); IAM tags allow only {allowed}")
            )
        );
        assert_eq!(
            tag_error(json!([{"Key": "cost\ncenter", "Value": "x"}])),
            pair(
                "Tags[0].Key",
                &format!(
                    "\"cost\\ncenter\" contains '\\n' (U+000A); IAM tags allow only {allowed}"
                )
            )
        );
        assert_eq!(
            tag_error(json!([{"Key": "team", "Value": "a,b"}])),
            pair(
                "Tags[0].Value",
                &format!("\"a,b\" contains ',' (U+002C); IAM tags allow only {allowed}")
            )
        );
        let spec = parse(&json!({"Roles": {"TaskExecution": {}}, "Tags": [
            {"Key": "Cost Center", "Value": "Ärger 42 / x=y+z @ a:b_c.d-e"},
            {"Key": "チーム", "Value": "プラットフォーム\u{3000}二"},
        ]}))
        .unwrap();
        assert_eq!(spec.tags["チーム"], "プラットフォーム\u{3000}二");
    }

    #[test]
    fn tag_lengths_are_characters_not_bytes() {
        let tag = |key: String, value: String| json!([{"Key": key, "Value": value}]);
        // 'é' is two bytes in UTF-8: 128 of them are 256 bytes, still 128 characters.
        assert!(parse(
            &json!({"Roles": {"TaskExecution": {}}, "Tags": tag("é".repeat(128), "é".repeat(256))})
        )
        .is_ok());
        assert_eq!(
            tag_error(tag("é".repeat(129), "v".into())),
            pair("Tags[0].Key", "must be 1 to 128 characters, got 129")
        );
        assert_eq!(
            tag_error(tag("k".into(), "é".repeat(257))),
            pair("Tags[0].Value", "must be at most 256 characters, got 257")
        );
        assert_eq!(
            tag_error(tag(String::new(), "v".into())),
            pair("Tags[0].Key", "must be 1 to 128 characters, got 0")
        );
    }

    #[test]
    fn every_tag_error_is_reported_at_once() {
        let errors = tag_errors(json!([
            {"Key": "aws:a", "Value": "x\ny"},
            {"Key": "b"},
            {"Key": "B", "Value": "v"},
            {"Key": "ok", "Value": "v"},
        ]));
        let properties: Vec<&str> = errors.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            properties,
            [
                "Tags[0].Key",
                "Tags[0].Value",
                "Tags[1].Value",
                "Tags[2].Key"
            ]
        );
    }

    #[test]
    fn arns_follow_iams_length_and_character_rules() {
        let principal = |arn: &str| {
            let e = one_error(json!({"Roles": {"SsoManagement": {"TrustedPrincipalArn": arn}}}));
            assert_eq!(e.property, "Roles.SsoManagement.TrustedPrincipalArn");
            e.message
        };
        let long = format!(
            "arn:aws:iam::111122223333:role/{}/handler",
            "p".repeat(1961)
        );
        assert_eq!(long.chars().count(), 2000);
        assert_eq!(
            principal(&long),
            format!(
                "\"arn:aws:iam::111122223333:role/{}\"… (2000 characters): the path must be 1 to 512 characters, got 1963",
                "p".repeat(33)
            )
        );
        assert_eq!(
            principal("arn:aws:iam::111122223333:role/granted handler"),
            "\"arn:aws:iam::111122223333:role/granted handler\": the role name \"granted handler\" contains ' '; allowed are letters, digits and _+=,.@-"
        );
        assert_eq!(
            principal(&format!("arn:aws:iam::111122223333:user/{}", "é".repeat(3))),
            "\"arn:aws:iam::111122223333:user/ééé\": the user name \"ééé\" contains 'é'; allowed are letters, digits and _+=,.@-"
        );
        let boundary = |arn: &str| {
            let e = one_error(json!({"Roles": {"TaskExecution": {}}, "PermissionsBoundary": arn}));
            assert_eq!(e.property, "PermissionsBoundary");
            e.message
        };
        let prefix = "arn:aws:iam::123456789012:policy/";
        assert_eq!(
            boundary(&format!("{prefix}{}", "b".repeat(2016))),
            format!(
                "\"{prefix}{}\"… (2049 characters): an IAM policy ARN must be at most 2048 characters, got 2049",
                "b".repeat(31)
            )
        );
        assert_eq!(
            boundary(&format!("{prefix}{}", "b".repeat(129))),
            format!(
                "\"{prefix}{}\"… (162 characters): the policy name must be 1 to 128 characters, got 129",
                "b".repeat(31)
            )
        );
        assert_eq!(
            boundary(&format!("{prefix}my boundary")),
            format!("\"{prefix}my boundary\": the policy name \"my boundary\" contains ' '; allowed are letters, digits and _+=,.@-")
        );
    }

    #[test]
    fn the_fingerprint_is_pinned() {
        let spec = parse(&json!({
            "Path": "/ecs/",
            "PermissionsBoundary": "arn:aws:iam::123456789012:policy/B",
            "Tags": [{"Key": "team", "Value": "platform"}, {"Key": "env", "Value": ""}],
            "RestrictTrustToAccount": "false",
            "Roles": {
                "Task": {"ClusterName": "c1", "LeastPrivilege": "true"},
                "SsoManagement": {"TrustedPrincipalArn": "arn:aws:iam::111122223333:role/h", "ExternalId": "ext-1", "SsoRegion": "eu-west-1", "RoleName": "sso"},
            }
        }))
        .unwrap();
        // Changing this text changes the PhysicalResourceId a replacement gets: do it only on
        // purpose.
        assert_eq!(
            spec.fingerprint(),
            concat!(
                r#"{"AdoptExisting":false,"Path":"/ecs/","#,
                r#""PermissionsBoundary":"arn:aws:iam::123456789012:policy/B","#,
                r#""RestrictTrustToAccount":false,"Roles":{"#,
                r#""SsoManagement":{"ExternalId":"ext-1","LeastPrivilege":false,"Region":"eu-west-1","#,
                r#""RoleName":"sso","TrustedPrincipalArn":"arn:aws:iam::111122223333:role/h"},"#,
                r#""Task":{"ClusterName":"c1","LeastPrivilege":true}},"#,
                r#""Tags":{"env":"","team":"platform"}}"#,
            )
        );
    }

    #[test]
    fn the_fingerprint_ignores_order_and_scalar_form() {
        let a = parse(&json!({
            "Tags": [{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}],
            "AdoptExisting": "true",
            "Roles": {"TaskExecution": {"RoleName": "x"}, "EcsAnywhere": {"LeastPrivilege": true}},
        }))
        .unwrap();
        let b = parse(&json!({
            "Roles": {"EcsAnywhere": {"LeastPrivilege": "TRUE"}, "TaskExecution": {"RoleName": "x"}},
            "AdoptExisting": true,
            "Tags": [{"Value": "1", "Key": "a"}, {"Key": "b", "Value": "2"}],
        }))
        .unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        // The same spec built with its maps filled in the other order.
        let mut c = a.clone();
        c.tags = a
            .tags
            .iter()
            .rev()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        c.roles = a.roles.iter().rev().map(|(k, r)| (*k, r.clone())).collect();
        assert_eq!(a.fingerprint(), c.fingerprint());
        let mut d = a.clone();
        d.tags.insert("a".into(), "other".into());
        assert_ne!(a.fingerprint(), d.fingerprint());
        assert_eq!(
            canonical_json(&json!({"b": [1, {"d": null, "c": "x"}], "a": "\u{1}"})),
            r#"{"a":"\u0001","b":[1,{"c":"x"}]}"#
        );
    }

    #[test]
    fn duplicate_names_across_kinds() {
        let e = one_error(
            json!({"Roles": {"TaskExecution": {"RoleName": "same"}, "EcsAnywhere": {"RoleName": "Same"}}}),
        );
        assert!(e.property.ends_with(".RoleName"), "{e:?}");
    }

    #[test]
    fn granted_kinds_parse_fully() {
        let spec = parse(&json!({"Roles": {
            "SsoManagement": {"TrustedPrincipalArn": "arn:aws:iam::111122223333:role/h", "ExternalId": "ext-1", "RoleName": "sso", "PolicyName": "ssoPolicy", "SsoRegion": "eu-west-1"},
            "ClusterAccess": {"TrustedPrincipalArn": "arn:aws:iam::111122223333:role/h", "EcsRegion": "us-east-2"}
        }})).unwrap();
        let sso = &spec.roles[&Kind::SsoManagement];
        assert_eq!(sso.external_id.as_deref(), Some("ext-1"));
        assert_eq!(sso.region.as_deref(), Some("eu-west-1"));
        assert_eq!(sso.policy_name.as_deref(), Some("ssoPolicy"));
        assert_eq!(
            spec.roles[&Kind::ClusterAccess].region.as_deref(),
            Some("us-east-2")
        );
        let e = one_error(
            json!({"Roles": {"ClusterAccess": {"TrustedPrincipalArn": "arn:aws:iam::111122223333:role/h", "SsoRegion": "eu-west-1"}}}),
        );
        assert_eq!(e.property, "Roles.ClusterAccess.SsoRegion");
    }

    #[test]
    fn error_message_lists_every_property() {
        let err = parse(&json!({"Roles": {"Task": {}}, "Path": "x"})).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("Path:"), "{text}");
        assert!(
            text.contains("Roles.Task.ClusterName: is required"),
            "{text}"
        );
    }
}
