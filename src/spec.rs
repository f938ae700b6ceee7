//! `ResourceProperties` → typed desired state. Every input error is found here, before any IAM
//! call, and names the property at fault.

use crate::catalog::Kind;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// The tag key that records which resource owns a role or policy.
pub const OWNER_TAG_KEY: &str = "ecs-iam-roles:owner";
/// The tag key that records which resource a replacement replaced (for its rollback).
pub const LINEAGE_TAG_KEY: &str = "ecs-iam-roles:replaces";
/// IAM allows 50 tags per role or policy; the ownership and lineage tags take two.
pub const MAX_USER_TAGS: usize = 48;

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
    /// scalar form (`"true"`, `true`) they arrived in.
    pub fn fingerprint(&self) -> String {
        format!("{self:?}")
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
                format!("{arn:?} is in partition {theirs:?}, but the stack is in {partition:?}"),
            );
        }
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
    let permissions_boundary = c.checked(top, "", "PermissionsBoundary", check_policy_arn);
    if let (Some(arn), Some(partition)) = (&permissions_boundary, context.partition) {
        c.same_partition("PermissionsBoundary", arn, partition);
    }
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
        trusted_principal_arn: c.checked(
            object,
            &prefix,
            "TrustedPrincipalArn",
            check_principal_arn,
        ),
        external_id: c.checked(object, &prefix, "ExternalId", check_external_id),
        region: None,
    };
    if let (Some(arn), Some(partition)) = (&role.trusted_principal_arn, context.partition) {
        c.same_partition(&format!("{prefix}TrustedPrincipalArn"), arn, partition);
    }
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
    for (i, item) in items.iter().enumerate() {
        let at = format!("Tags[{i}]");
        let Value::Object(tag) = item else {
            c.fail(at, "must be an object {Key, Value}");
            continue;
        };
        c.reject_unknown(tag, &format!("{at}."), &["Key", "Value"]);
        let key = c.string(tag, &format!("{at}."), "Key");
        let value = c
            .string(tag, &format!("{at}."), "Value")
            .unwrap_or_default();
        let Some(key) = key else {
            c.fail(format!("{at}.Key"), "is required");
            continue;
        };
        if let Err(message) = check_tag_key(&key) {
            c.fail(format!("{at}.Key"), message);
            continue;
        }
        if let Err(message) = check_tag_value(&value) {
            c.fail(format!("{at}.Value"), message);
            continue;
        }
        if tags.insert(key.clone(), value).is_some() {
            c.fail(format!("{at}.Key"), format!("{key:?} appears twice"));
        }
    }
    tags
}

fn is_iam_name_char(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || "_+=,.@-".contains(ch)
}

fn check_name(value: &str, max: usize) -> Result<(), String> {
    if value.is_empty() || value.chars().count() > max {
        return Err(format!(
            "must be 1 to {max} characters, got {}",
            value.len()
        ));
    }
    if let Some(bad) = value.chars().find(|ch| !is_iam_name_char(*ch)) {
        return Err(format!(
            "{value:?} contains {bad:?}; allowed are letters, digits and _+=,.@-"
        ));
    }
    Ok(())
}

pub fn check_role_name(value: &str) -> Result<(), String> {
    check_name(value, 64)
}

pub fn check_policy_name(value: &str) -> Result<(), String> {
    check_name(value, 128)
}

pub fn check_path(value: &str) -> Result<(), String> {
    if value.len() > 512 {
        return Err("must be at most 512 characters".into());
    }
    if !value.starts_with('/') || !value.ends_with('/') {
        return Err(format!("{value:?} must begin and end with /, e.g. /ecs/"));
    }
    if value.contains("//") {
        return Err(format!("{value:?} must not contain //"));
    }
    if let Some(bad) = value.chars().find(|ch| !('\u{21}'..='\u{7e}').contains(ch)) {
        return Err(format!(
            "{value:?} contains {bad:?}; only printable ASCII without spaces is allowed"
        ));
    }
    Ok(())
}

/// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, split into its six parts.
fn arn_parts(value: &str) -> Option<[&str; 6]> {
    let mut parts = value.splitn(6, ':');
    let arn: [&str; 6] = [
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    ];
    (arn[0] == "arn" && arn[1].starts_with("aws")).then_some(arn)
}

fn is_account_id(value: &str) -> bool {
    value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit())
}

pub fn check_policy_arn(value: &str) -> Result<(), String> {
    let ok = arn_parts(value).is_some_and(|[_, _, service, region, account, resource]| {
        service == "iam"
            && region.is_empty()
            && (account == "aws" || is_account_id(account))
            && resource.len() > "policy/".len()
            && resource.starts_with("policy/")
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{value:?} is not an IAM policy ARN (arn:aws:iam::123456789012:policy/NAME)"
        ))
    }
}

/// An IAM role or user ARN (with or without a path). An account root, a wildcard or any other
/// principal would let more than one identity assume the role.
pub fn check_principal_arn(value: &str) -> Result<(), String> {
    let example = "arn:aws:iam::111122223333:role/NAME";
    let Some([_, _, service, region, account, resource]) = arn_parts(value) else {
        return Err(format!(
            "{value:?} is not an IAM role or user ARN ({example})"
        ));
    };
    if value.contains(['*', '?']) {
        return Err(format!(
            "{value:?} contains a wildcard; name exactly one role or user ({example})"
        ));
    }
    if service != "iam" || !region.is_empty() || !is_account_id(account) {
        return Err(format!(
            "{value:?} is not an IAM role or user ARN ({example})"
        ));
    }
    if resource == "root" {
        return Err(format!(
            "{value:?} is an account root, which lets every principal of that account with sts:AssumeRole permission assume the role; name the one role or user ({example})"
        ));
    }
    let Some(path_and_name) = resource
        .strip_prefix("role/")
        .or_else(|| resource.strip_prefix("user/"))
    else {
        return Err(format!(
            "{value:?} is not an IAM role or user ARN ({example})"
        ));
    };
    let (path, name) = match path_and_name.rsplit_once('/') {
        Some((path, name)) => (format!("/{path}/"), name),
        None => ("/".to_string(), path_and_name),
    };
    check_name(name, 64).map_err(|e| format!("{value:?}: the name {e}"))?;
    check_path(&path).map_err(|e| format!("{value:?}: the path {e}"))?;
    Ok(())
}

pub fn check_external_id(value: &str) -> Result<(), String> {
    if !(2..=1224).contains(&value.len()) {
        return Err("must be 2 to 1224 characters".into());
    }
    if let Some(bad) = value
        .chars()
        .find(|ch| !(is_iam_name_char(*ch) || *ch == ':' || *ch == '/'))
    {
        return Err(format!(
            "contains {bad:?}; allowed are letters, digits and _+=,.@:/-"
        ));
    }
    Ok(())
}

pub fn check_cluster_name(value: &str) -> Result<(), String> {
    if value.is_empty() || value.len() > 255 {
        return Err("must be 1 to 255 characters".into());
    }
    if let Some(bad) = value
        .chars()
        .find(|ch| !(ch.is_ascii_alphanumeric() || *ch == '-' || *ch == '_'))
    {
        return Err(format!(
            "{value:?} contains {bad:?}; ECS cluster names allow letters, digits, - and _"
        ));
    }
    Ok(())
}

pub fn check_region(value: &str) -> Result<(), String> {
    // e.g. eu-west-1, us-gov-west-1, cn-north-1, ap-southeast-5
    let parts: Vec<&str> = value.split('-').collect();
    let ok = parts.len() >= 3
        && parts[0].len() == 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{value:?} is not an AWS region name such as eu-west-1"
        ))
    }
}

pub fn check_tag_key(value: &str) -> Result<(), String> {
    if value.is_empty() || value.chars().count() > 128 {
        return Err("must be 1 to 128 characters".into());
    }
    if value.to_ascii_lowercase().starts_with("aws:") {
        return Err(format!("{value:?}: keys beginning with aws: are reserved"));
    }
    if value.starts_with(crate::adoption::TAG_PREFIX) {
        return Err(format!(
            "{value:?}: keys beginning with {} are reserved for this resource's own bookkeeping",
            crate::adoption::TAG_PREFIX
        ));
    }
    check_tag_chars(value)
}

pub fn check_tag_value(value: &str) -> Result<(), String> {
    if value.chars().count() > 256 {
        return Err("must be at most 256 characters".into());
    }
    check_tag_chars(value)
}

fn check_tag_chars(value: &str) -> Result<(), String> {
    match value
        .chars()
        .find(|ch| !(ch.is_alphanumeric() || ch.is_whitespace() || "_.:/=+-@".contains(*ch)))
    {
        Some(bad) => Err(format!(
            "{value:?} contains {bad:?}; allowed are letters, digits, spaces and _.:/=+-@"
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
    fn role_names() {
        assert!(check_role_name("retailStoreECSTaskExecutionRole").is_ok());
        assert!(check_role_name("a+=,.@-_9").is_ok());
        assert!(check_role_name(&"a".repeat(64)).is_ok());
        assert!(check_role_name(&"a".repeat(65)).is_err());
        assert!(check_role_name("").is_err());
        assert!(check_role_name("has space").is_err());
        assert!(check_role_name("slash/no").is_err());
        assert!(check_policy_name(&"p".repeat(128)).is_ok());
        assert!(check_policy_name(&"p".repeat(129)).is_err());
    }

    #[test]
    fn paths() {
        assert!(check_path("/").is_ok());
        assert!(check_path("/ecs/roles/").is_ok());
        assert!(check_path("ecs/").is_err());
        assert!(check_path("/ecs").is_err());
        assert!(check_path("/a b/").is_err());
        assert!(check_path("/a//b/").is_err());
        assert!(check_path(&format!("/{}/", "a".repeat(511))).is_err());
    }

    #[test]
    fn arns() {
        assert!(check_policy_arn("arn:aws:iam::123456789012:policy/Boundary").is_ok());
        assert!(check_policy_arn("arn:aws-cn:iam::aws:policy/x/Y").is_ok());
        assert!(check_policy_arn("arn:aws:iam::123456789012:role/Boundary").is_err());
        assert!(check_policy_arn("arn:aws:iam::1234:policy/B").is_err());
        assert!(check_policy_arn("Boundary").is_err());
        assert!(
            check_principal_arn("arn:aws:iam::111122223333:role/granted-access-handler").is_ok()
        );
        assert!(check_principal_arn("arn:aws:iam::111122223333:user/ops/alice").is_ok());
        assert!(check_principal_arn("arn:aws-cn:iam::111122223333:role/a/b/c").is_ok());
        for bad in [
            "arn:aws:iam::111122223333:root",
            "arn:aws:iam::111122223333:role/*",
            "arn:aws:iam::111122223333:role/granted-*",
            "arn:aws:iam::111122223333:role/a?",
            "arn:aws:iam::111122223333:role/",
            "arn:aws:iam::111122223333:role/a b",
            "arn:aws:iam::111122223333:role/x//y",
            "arn:aws:iam::*:role/x",
            "arn:aws:iam::111122223333:group/g",
        ] {
            let err = check_principal_arn(bad).unwrap_err();
            assert!(err.contains(bad), "{err}");
        }
        assert!(check_principal_arn(&format!(
            "arn:aws:iam::111122223333:role/{}",
            "r".repeat(65)
        ))
        .is_err());
        assert!(check_principal_arn("arn:aws:iam::111122223333:policy/p").is_err());
        assert!(check_principal_arn("arn:aws:sts::111122223333:assumed-role/x/y").is_err());
        assert!(check_principal_arn("111122223333").is_err());
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
    fn external_ids_clusters_regions() {
        assert!(check_external_id("optional-string").is_ok());
        assert!(check_external_id("x").is_err());
        assert!(check_external_id("bad id").is_err());
        assert!(check_cluster_name("retail-store-ecs-cluster").is_ok());
        assert!(check_cluster_name("a_b").is_ok());
        assert!(check_cluster_name("a/b").is_err());
        assert!(check_cluster_name(&"c".repeat(256)).is_err());
        assert!(check_region("eu-west-1").is_ok());
        assert!(check_region("us-gov-west-1").is_ok());
        assert!(check_region("Europe").is_err());
        assert!(check_region("eu-west").is_err());
    }

    #[test]
    fn tags() {
        let spec = parse(&json!({"Roles": {"TaskExecution": {}}, "Tags": [{"Key": "team", "Value": "platform"}, {"Key": "empty", "Value": ""}]})).unwrap();
        assert_eq!(spec.tags["team"], "platform");
        assert_eq!(spec.tags["empty"], "");
        let e = one_error(
            json!({"Roles": {"TaskExecution": {}}, "Tags": [{"Key": "aws:x", "Value": "v"}]}),
        );
        assert_eq!(e.property, "Tags[0].Key");
        assert!(e.message.contains("reserved"));
        let e = one_error(
            json!({"Roles": {"TaskExecution": {}}, "Tags": [{"Key": "k", "Value": "v"}, {"Key": "AWS:y", "Value": "v"}]}),
        );
        assert_eq!(e.property, "Tags[1].Key");
        let e = one_error(
            json!({"Roles": {"TaskExecution": {}}, "Tags": [{"Key": "k".repeat(129), "Value": "v"}]}),
        );
        assert_eq!(e.property, "Tags[0].Key");
        let e = one_error(
            json!({"Roles": {"TaskExecution": {}}, "Tags": [{"Key": "k", "Value": "v".repeat(257)}]}),
        );
        assert_eq!(e.property, "Tags[0].Value");
        let e = one_error(
            json!({"Roles": {"TaskExecution": {}}, "Tags": [{"Key": "k", "Value": "a"}, {"Key": "k", "Value": "b"}]}),
        );
        assert_eq!(e.property, "Tags[1].Key");
        let e = one_error(
            json!({"Roles": {"TaskExecution": {}}, "Tags": [{"Key": OWNER_TAG_KEY, "Value": "x"}]}),
        );
        assert_eq!(e.property, "Tags[0].Key");
        let e = one_error(json!({"Roles": {"TaskExecution": {}}, "Tags": {"team": "x"}}));
        assert_eq!(e.property, "Tags");
        let e = one_error(
            json!({"Roles": {"TaskExecution": {}}, "Tags": [{"Key": "k", "Value": "v", "Extra": 1}]}),
        );
        assert_eq!(e.property, "Tags[0].Extra");
        let many: Vec<Value> = (0..=MAX_USER_TAGS)
            .map(|i| json!({"Key": format!("k{i}"), "Value": "v"}))
            .collect();
        let e = one_error(json!({"Roles": {"TaskExecution": {}}, "Tags": many}));
        assert_eq!(e.property, "Tags");
        let ok: Vec<Value> = (0..MAX_USER_TAGS)
            .map(|i| json!({"Key": format!("k{i}"), "Value": "v"}))
            .collect();
        assert!(parse(&json!({"Roles": {"TaskExecution": {}}, "Tags": ok})).is_ok());
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
