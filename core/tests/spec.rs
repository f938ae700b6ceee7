//! `ResourceProperties` checked and typed: every input error, named by its property, before any
//! IAM call.

use ecs_iam_roles_core::kinds::infrastructure::Use;
use ecs_iam_roles_core::kinds::{Kind, KindSpec};
use ecs_iam_roles_core::plan::{MAX_USER_TAGS, OWNER_TAG_KEY};
use ecs_iam_roles_core::spec::{parse, parse_in, parse_known, Context, PropertyError};
use serde_json::{json, Value};

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
    let spec = parse(&json!({"ServiceToken": "arn:x", "Roles": {"TaskExecution": {}}})).unwrap();
    assert_eq!(spec.path, "/");
    assert!(spec.restrict_trust_to_account);
    assert!(!spec.adopt_existing);
    assert_eq!(spec.roles.len(), 1);
    let role = &spec.roles[&Kind::TaskExecution];
    assert_eq!(role.role_name, None);
    assert!(matches!(role.kind, KindSpec::TaskExecution(_)));
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
    let KindSpec::EcsAnywhere(ecs_anywhere) = &spec.roles[&Kind::EcsAnywhere].kind else {
        panic!("{spec:?}")
    };
    assert!(ecs_anywhere.least_privilege);
    let KindSpec::Task(task) = &spec.roles[&Kind::Task].kind else {
        panic!("{spec:?}")
    };
    assert!(task.least_privilege);
    assert_eq!(task.cluster_name, "c1");
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
            &format!("\"cost\\ncenter\" contains '\\n' (U+000A); IAM tags allow only {allowed}")
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
    let role = &spec.roles[&Kind::SsoManagement];
    assert_eq!(role.role_name.as_deref(), Some("sso"));
    assert_eq!(role.policy_name(), Some("ssoPolicy"));
    let KindSpec::SsoManagement(sso) = &role.kind else {
        panic!("{role:?}")
    };
    assert_eq!(
        sso.trusted_principal_arn,
        "arn:aws:iam::111122223333:role/h"
    );
    assert_eq!(sso.external_id.as_deref(), Some("ext-1"));
    assert_eq!(sso.region.as_deref(), Some("eu-west-1"));
    assert_eq!(sso.policy_name.as_deref(), Some("ssoPolicy"));
    let KindSpec::ClusterAccess(cluster) = &spec.roles[&Kind::ClusterAccess].kind else {
        panic!("{spec:?}")
    };
    assert_eq!(cluster.region.as_deref(), Some("us-east-2"));
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

// The rest of ECS's roles ("More of ECS" in the contract): every input error names its property.

/// The one error of `properties`, as (property, message).
fn the_error(properties: Value) -> (String, String) {
    let e = one_error(properties);
    (e.property, e.message)
}

/// The one error of `properties` in a stack of partition `aws`.
fn the_error_in_aws(properties: Value) -> (String, String) {
    let context = Context {
        partition: Some("aws"),
        default_path: "/",
    };
    let mut errors = parse_in(&properties, context)
        .expect_err("expected invalid")
        .errors;
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = errors.remove(0);
    (e.property, e.message)
}

fn infrastructure_uses(uses: Value) -> (String, String) {
    the_error(json!({"Roles": {"Infrastructure": {"Uses": uses}}}))
}

#[test]
fn infrastructure_uses_is_required_non_empty_known_and_unique() {
    assert_eq!(
        the_error(json!({"Roles": {"Infrastructure": {}}})),
        pair(
            "Roles.Infrastructure.Uses",
            "is required for Infrastructure"
        )
    );
    assert_eq!(
        infrastructure_uses(json!([])),
        pair("Roles.Infrastructure.Uses", "must name at least one")
    );
    assert_eq!(
        infrastructure_uses(json!(["Volumes", "LoadBalancers", "Volumes"])),
        pair(
            "Roles.Infrastructure.Uses[2]",
            "\"Volumes\" is listed twice"
        )
    );
    assert_eq!(
        infrastructure_uses(json!(["LoadBalancers", "Volume"])),
        pair(
            "Roles.Infrastructure.Uses[1]",
            "\"Volume\" is not one of Volumes, ServiceConnectTls, VpcLattice, ManagedInstances, LoadBalancers, ExpressServices"
        )
    );
    // Names are matched exactly, as every property name is.
    assert_eq!(
        infrastructure_uses(json!(["volumes"])).0,
        "Roles.Infrastructure.Uses[0]"
    );
    assert_eq!(
        infrastructure_uses(json!("Volumes")),
        pair("Roles.Infrastructure.Uses", "must be a list")
    );
    assert_eq!(
        infrastructure_uses(json!([{"Volumes": true}])),
        pair("Roles.Infrastructure.Uses[0]", "must be a string")
    );
    let spec =
        parse(&json!({"Roles": {"Infrastructure": {"Uses": ["ExpressServices", "Volumes"]}}}))
            .unwrap();
    let KindSpec::Infrastructure(infrastructure) = &spec.roles[&Kind::Infrastructure].kind else {
        panic!("{spec:?}")
    };
    // Typed, in the order given (the design attaches in the registry's order).
    assert_eq!(infrastructure.uses, [Use::ExpressServices, Use::Volumes]);
}

#[test]
fn managed_instances_role_name_and_path() {
    let why = "AmazonECSInfrastructureRolePolicyForManagedInstances passes only roles arn:PARTITION:iam::ACCOUNT:role/ecsInstanceRole*";
    assert_eq!(
        the_error(json!({"Roles": {"ManagedInstances": {"RoleName": "myInstanceRole"}}})),
        pair(
            "Roles.ManagedInstances.RoleName",
            &format!("\"myInstanceRole\" must start with \"ecsInstanceRole\": {why}")
        )
    );
    // The prefix is case-sensitive, as IAM's ARN pattern is.
    let (property, _) =
        the_error(json!({"Roles": {"ManagedInstances": {"RoleName": "ECSInstanceRole"}}}));
    assert_eq!(property, "Roles.ManagedInstances.RoleName");
    assert_eq!(
        the_error(json!({"Path": "/ecs/", "Roles": {"ManagedInstances": {}}})),
        pair(
            "Path",
            &format!("\"/ecs/\" cannot hold the ManagedInstances role, which must be at path \"/\": {why}")
        )
    );
    // Both at once.
    let errs = errors(
        json!({"Path": "/ecs/", "Roles": {"ManagedInstances": {"RoleName": "instanceRole"}}}),
    );
    let properties: Vec<&str> = errs.iter().map(|e| e.property.as_str()).collect();
    assert_eq!(properties, ["Roles.ManagedInstances.RoleName", "Path"]);
    // An operator's ManagedPath other than "/" is the Path the role would get: refused too.
    let context = Context {
        partition: Some("aws"),
        default_path: "/ecs-iam-roles/",
    };
    let err = parse_in(&json!({"Roles": {"ManagedInstances": {}}}), context).unwrap_err();
    assert_eq!(err.errors.len(), 1, "{err}");
    assert_eq!(err.errors[0].property, "Path");
    assert!(
        err.errors[0]
            .message
            .starts_with("\"/ecs-iam-roles/\" cannot hold"),
        "{err}"
    );
    // A name with the prefix, at path "/", is fine; so is a generated name.
    for role in [
        json!({"RoleName": "ecsInstanceRole"}),
        json!({"RoleName": "ecsInstanceRole-prod"}),
        json!({}),
    ] {
        parse(&json!({"Path": "/", "Roles": {"ManagedInstances": role}})).unwrap();
    }
    // The rule is ManagedInstances' own: ContainerInstance takes any name and path.
    parse(
        &json!({"Path": "/ecs/", "Roles": {"ContainerInstance": {"RoleName": "myInstanceRole"}}}),
    )
    .unwrap();
}

#[test]
fn instance_profile_names_follow_iams_rules() {
    assert_eq!(
        the_error(json!({"Roles": {"ContainerInstance": {"InstanceProfileName": "my profile"}}})),
        pair(
            "Roles.ContainerInstance.InstanceProfileName",
            "\"my profile\" contains ' '; allowed are letters, digits and _+=,.@-"
        )
    );
    assert_eq!(
        the_error(json!({"Roles": {"ManagedInstances": {"InstanceProfileName": "p".repeat(129)}}})),
        pair(
            "Roles.ManagedInstances.InstanceProfileName",
            "must be 1 to 128 characters, got 129"
        )
    );
    assert_eq!(
        the_error(json!({"Roles": {"ContainerInstance": {"SsmManaged": "yes"}}})),
        pair(
            "Roles.ContainerInstance.SsmManaged",
            "must be true or false, got \"yes\""
        )
    );
}

#[test]
fn events_needs_a_role_to_pass() {
    let nothing = "names no role to pass: list the task execution and task roles the scheduled tasks use, or add TaskExecution or Task to this resource";
    assert_eq!(
        the_error(json!({"Roles": {"Events": {}}})),
        pair("Roles.Events.PassRoleArns", nothing)
    );
    // Another kind is no substitute for the task roles.
    assert_eq!(
        the_error(json!({"Roles": {"Events": {}, "CodeDeploy": {}}})),
        pair("Roles.Events.PassRoleArns", nothing)
    );
    // An empty list says "pass nothing", even with task roles in the resource.
    assert_eq!(
        the_error(json!({"Roles": {"Events": {"PassRoleArns": []}, "TaskExecution": {}}})),
        pair("Roles.Events.PassRoleArns", nothing)
    );
    for roles in [
        json!({"Events": {}, "TaskExecution": {}}),
        json!({"Events": {}, "Task": {"ClusterName": "c1"}}),
        json!({"Events": {"PassRoleArns": ["arn:aws:iam::123456789012:role/ecsTaskExecutionRole"]}}),
    ] {
        parse(&json!({ "Roles": roles })).unwrap();
    }
    assert_eq!(
        the_error(json!({"Roles": {"Events": {"PassRoleArns": ["arn:aws:iam::123456789012:user/alice"]}}})),
        pair(
            "Roles.Events.PassRoleArns[0]",
            "\"arn:aws:iam::123456789012:user/alice\" is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)"
        )
    );
    let (property, message) = the_error(
        json!({"Roles": {"Events": {"PassRoleArns": ["arn:aws:iam::123456789012:role/*"]}}}),
    );
    assert_eq!(property, "Roles.Events.PassRoleArns[0]");
    assert!(message.contains("wildcard"), "{message}");
    assert_eq!(
        the_error_in_aws(json!({"Roles": {"Events": {"PassRoleArns": ["arn:aws-cn:iam::123456789012:role/r"]}}})),
        pair(
            "Roles.Events.PassRoleArns[0]",
            "\"arn:aws-cn:iam::123456789012:role/r\" is in partition \"aws-cn\", but the stack is in \"aws\""
        )
    );
}

fn hooks(function_arns: Value) -> (String, String) {
    the_error_in_aws(json!({"Roles": {"DeploymentHooks": {"FunctionArns": function_arns}}}))
}

#[test]
fn deployment_hooks_name_lambda_functions_of_the_stacks_partition() {
    let example = "arn:aws:lambda:REGION:ACCOUNT:function:NAME";
    assert_eq!(
        the_error(json!({"Roles": {"DeploymentHooks": {}}})),
        pair(
            "Roles.DeploymentHooks.FunctionArns",
            "is required for DeploymentHooks"
        )
    );
    assert_eq!(
        hooks(json!([])),
        pair(
            "Roles.DeploymentHooks.FunctionArns",
            "must name at least one"
        )
    );
    assert_eq!(
        hooks(json!(["arn:aws:iam::123456789012:role/hook"])),
        pair(
            "Roles.DeploymentHooks.FunctionArns[0]",
            &format!("\"arn:aws:iam::123456789012:role/hook\" is an ARN of \"iam\", not of lambda ({example})")
        )
    );
    assert_eq!(
        hooks(json!(["arn:aws:lambda:eu-west-1:123456789012:layer:shared:3"])),
        pair(
            "Roles.DeploymentHooks.FunctionArns[0]",
            &format!("\"arn:aws:lambda:eu-west-1:123456789012:layer:shared:3\" is not a Lambda function ARN ({example})")
        )
    );
    assert_eq!(
        hooks(json!(["smoke-test"])),
        pair(
            "Roles.DeploymentHooks.FunctionArns[0]",
            &format!("\"smoke-test\" is not an ARN ({example})")
        )
    );
    assert_eq!(
        hooks(json!(["arn:aws:lambda:eu-west-1:123456789012:function:*"])),
        pair(
            "Roles.DeploymentHooks.FunctionArns[0]",
            &format!("\"arn:aws:lambda:eu-west-1:123456789012:function:*\" contains a wildcard; name exactly one resource ({example})")
        )
    );
    assert_eq!(
        hooks(json!(["arn:aws:lambda::123456789012:function:smoke-test"])).0,
        "Roles.DeploymentHooks.FunctionArns[0]"
    );
    assert_eq!(
        hooks(json!([
            "arn:aws:lambda:eu-west-1:123456789012:function:smoke-test",
            "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:hook"
        ])),
        pair(
            "Roles.DeploymentHooks.FunctionArns[1]",
            "\"arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:hook\" is in partition \"aws-us-gov\", but the stack is in \"aws\""
        )
    );
    assert_eq!(
        hooks(json!([
            "arn:aws:lambda:eu-west-1:123456789012:function:smoke-test",
            "arn:aws:lambda:eu-west-1:123456789012:function:smoke-test"
        ])),
        pair(
            "Roles.DeploymentHooks.FunctionArns[1]",
            "\"arn:aws:lambda:eu-west-1:123456789012:function:smoke-test\" is listed twice"
        )
    );
    // Qualified ARNs (a hook invoked through an alias or version) are accepted.
    let context = Context {
        partition: Some("aws"),
        default_path: "/",
    };
    let spec = parse_in(
        &json!({"Roles": {"DeploymentHooks": {"FunctionArns": [
            "arn:aws:lambda:eu-west-1:123456789012:function:smoke-test:live",
            "arn:aws:lambda:eu-west-1:123456789012:function:smoke-test:$LATEST",
        ]}}}),
        context,
    )
    .unwrap();
    let KindSpec::DeploymentHooks(hooks) = &spec.roles[&Kind::DeploymentHooks].kind else {
        panic!("{spec:?}")
    };
    assert_eq!(hooks.function_arns.len(), 2);
}

fn task_execution_extra(property: &str, arns: Value) -> (String, String) {
    let mut role = serde_json::Map::new();
    role.insert(property.to_string(), arns);
    the_error_in_aws(json!({"Roles": {"TaskExecution": role}}))
}

#[test]
fn task_execution_extras_name_exactly_one_resource_each() {
    let secrets = "arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME or arn:aws:ssm:REGION:ACCOUNT:parameter/NAME";
    let kms = "arn:aws:kms:REGION:ACCOUNT:key/KEY-ID";
    let s3 = "arn:aws:s3:::BUCKET/KEY";
    // `*`, or any wildcard: never more than the ARNs given.
    assert_eq!(
        task_execution_extra("Secrets", json!(["*"])),
        pair(
            "Roles.TaskExecution.Secrets[0]",
            &format!("\"*\" contains a wildcard; name exactly one resource ({secrets})")
        )
    );
    assert_eq!(
        task_execution_extra("KmsKeyArns", json!(["arn:aws:kms:eu-west-1:123456789012:key/*"])),
        pair(
            "Roles.TaskExecution.KmsKeyArns[0]",
            &format!("\"arn:aws:kms:eu-west-1:123456789012:key/*\" contains a wildcard; name exactly one resource ({kms})")
        )
    );
    assert_eq!(
        task_execution_extra("EnvironmentFiles", json!(["arn:aws:s3:::app-config/*"])).0,
        "Roles.TaskExecution.EnvironmentFiles[0]"
    );
    // Malformed.
    assert_eq!(
        task_execution_extra("Secrets", json!(["db-password"])),
        pair(
            "Roles.TaskExecution.Secrets[0]",
            &format!("\"db-password\" is not an ARN ({secrets})")
        )
    );
    assert_eq!(
        task_execution_extra("Secrets", json!(["arn:aws:ssm:eu-west-1:123456789012:document/x"])),
        pair(
            "Roles.TaskExecution.Secrets[0]",
            &format!("\"arn:aws:ssm:eu-west-1:123456789012:document/x\" names no secret or parameter ({secrets})")
        )
    );
    assert_eq!(
        task_execution_extra(
            "KmsKeyArns",
            json!(["arn:aws:kms:eu-west-1:123456789012:alias/app"])
        ),
        pair(
            "Roles.TaskExecution.KmsKeyArns[0]",
            &format!(
                "\"arn:aws:kms:eu-west-1:123456789012:alias/app\" is not a KMS key ARN ({kms})"
            )
        )
    );
    assert_eq!(
        task_execution_extra("EnvironmentFiles", json!(["arn:aws:s3:::app-config"])),
        pair(
            "Roles.TaskExecution.EnvironmentFiles[0]",
            &format!("\"arn:aws:s3:::app-config\" is not an S3 object ARN ({s3})")
        )
    );
    assert_eq!(
        task_execution_extra(
            "Secrets",
            json!("arn:aws:ssm:eu-west-1:123456789012:parameter/p")
        ),
        pair("Roles.TaskExecution.Secrets", "must be a list")
    );
    // The wrong service.
    assert_eq!(
        task_execution_extra("KmsKeyArns", json!(["arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"])),
        pair(
            "Roles.TaskExecution.KmsKeyArns[0]",
            &format!("\"arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf\" is an ARN of \"secretsmanager\", not of kms ({kms})")
        )
    );
    assert_eq!(
        task_execution_extra("Secrets", json!(["arn:aws:s3:::app-config/prod.env"])),
        pair(
            "Roles.TaskExecution.Secrets[0]",
            &format!("\"arn:aws:s3:::app-config/prod.env\" is an ARN of \"s3\", not of secretsmanager or ssm ({secrets})")
        )
    );
    assert_eq!(
        task_execution_extra(
            "EnvironmentFiles",
            json!(["arn:aws:ssm:eu-west-1:123456789012:parameter/p"])
        )
        .0,
        "Roles.TaskExecution.EnvironmentFiles[0]"
    );
    // Another partition.
    assert_eq!(
        task_execution_extra("Secrets", json!(["arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:db"])),
        pair(
            "Roles.TaskExecution.Secrets[0]",
            "\"arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:db\" is in partition \"aws-cn\", but the stack is in \"aws\""
        )
    );
    assert_eq!(
        task_execution_extra("EnvironmentFiles", json!(["arn:aws-us-gov:s3:::app-config/prod.env"])),
        pair(
            "Roles.TaskExecution.EnvironmentFiles[0]",
            "\"arn:aws-us-gov:s3:::app-config/prod.env\" is in partition \"aws-us-gov\", but the stack is in \"aws\""
        )
    );
    // Every bad entry of every extra at once.
    let errs = errors(json!({"Roles": {"TaskExecution": {
        "Secrets": ["*", "arn:aws:ssm:eu-west-1:123456789012:parameter/ok"],
        "KmsKeyArns": ["alias/app"],
        "EnvironmentFiles": ["arn:aws:s3:::bkt/k", "arn:aws:s3:::bkt/k"],
    }}}));
    let properties: Vec<&str> = errs.iter().map(|e| e.property.as_str()).collect();
    assert_eq!(
        properties,
        [
            "Roles.TaskExecution.Secrets[0]",
            "Roles.TaskExecution.KmsKeyArns[0]",
            "Roles.TaskExecution.EnvironmentFiles[1]"
        ]
    );
    // Empty lists ask for nothing.
    let spec = parse(&json!({"Roles": {"TaskExecution": {"Secrets": [], "KmsKeyArns": [], "EnvironmentFiles": []}}}))
        .unwrap();
    let KindSpec::TaskExecution(execution) = &spec.roles[&Kind::TaskExecution].kind else {
        panic!("{spec:?}")
    };
    assert!(execution.secrets.is_empty() && execution.kms_key_arns.is_empty());
}

#[test]
fn propagation_delay_is_0_to_60_seconds() {
    let delay = |value: Value| {
        parse(&json!({"Roles": {"TaskExecution": {}}, "PropagationDelay": value}))
            .map(|spec| spec.propagation_delay())
    };
    assert_eq!(
        parse(&json!({"Roles": {"TaskExecution": {}}}))
            .unwrap()
            .propagation_delay(),
        std::time::Duration::from_secs(10)
    );
    assert_eq!(delay(json!("0")).unwrap(), std::time::Duration::ZERO);
    assert_eq!(delay(json!("60")).unwrap().as_secs(), 60);
    assert_eq!(delay(json!(25)).unwrap().as_secs(), 25);
    for (value, shown) in [
        (json!("61"), "\"61\""),
        (json!("-1"), "\"-1\""),
        (json!("ten"), "\"ten\""),
        (json!("1.5"), "\"1.5\""),
        (json!(""), "\"\""),
        (json!(3600), "\"3600\""),
    ] {
        assert_eq!(
            the_error(json!({"Roles": {"TaskExecution": {}}, "PropagationDelay": value})),
            pair(
                "PropagationDelay",
                &format!("must be a whole number of seconds from 0 to 60, got {shown}")
            ),
            "{value}"
        );
    }
    assert_eq!(
        the_error(json!({"Roles": {"TaskExecution": {}}, "PropagationDelay": [10]})),
        pair("PropagationDelay", "must be a string")
    );
}

#[test]
fn service_linked_takes_services_only() {
    let (property, message) = the_error(
        json!({"Roles": {"ServiceLinked": {"Services": ["Ecs"], "RoleName": "AWSServiceRoleForECS"}}}),
    );
    assert_eq!(property, "Roles.ServiceLinked.RoleName");
    assert_eq!(message, "unknown property; valid names are Services");
    assert_eq!(
        the_error(json!({"Roles": {"ServiceLinked": {}}})),
        pair(
            "Roles.ServiceLinked.Services",
            "is required for ServiceLinked"
        )
    );
    assert_eq!(
        the_error(json!({"Roles": {"ServiceLinked": {"Services": []}}})),
        pair("Roles.ServiceLinked.Services", "must name at least one")
    );
    assert_eq!(
        the_error(json!({"Roles": {"ServiceLinked": {"Services": ["ECS"]}}})),
        pair(
            "Roles.ServiceLinked.Services[0]",
            "\"ECS\" is not one of Ecs, EcsCompute, ApplicationAutoScaling"
        )
    );
    assert_eq!(
        the_error(json!({"Roles": {"ServiceLinked": {"Services": ["Ecs", "Ecs"]}}})),
        pair("Roles.ServiceLinked.Services[1]", "\"Ecs\" is listed twice")
    );
}

#[test]
fn code_deploy_least_privilege_is_a_flag() {
    assert_eq!(
        the_error(json!({"Roles": {"CodeDeploy": {"LeastPrivilege": "limited"}}})),
        pair(
            "Roles.CodeDeploy.LeastPrivilege",
            "must be true or false, got \"limited\""
        )
    );
    let (property, message) = the_error(json!({"Roles": {"CodeDeploy": {"PassRoleArns": []}}}));
    assert_eq!(property, "Roles.CodeDeploy.PassRoleArns");
    assert_eq!(
        message,
        "unknown property; valid names are RoleName, LeastPrivilege"
    );
}

#[test]
fn new_kinds_role_names_must_differ_from_the_others() {
    // The console names both instance roles ecsInstanceRole: one resource cannot have both.
    assert_eq!(
        the_error(json!({"Roles": {
            "ContainerInstance": {"RoleName": "ecsInstanceRole"},
            "ManagedInstances": {"RoleName": "ecsInstanceRole"},
        }})),
        pair(
            "Roles.ManagedInstances.RoleName",
            "\"ecsInstanceRole\" is also the RoleName of ContainerInstance; role names must differ"
        )
    );
}

#[test]
fn two_kinds_cannot_share_an_instance_profile() {
    let e = one_error(json!({"Roles": {
        "ContainerInstance": {"InstanceProfileName": "shared"},
        "ManagedInstances": {"InstanceProfileName": "Shared"},
    }}));
    assert_eq!(e.property, "Roles.ManagedInstances.InstanceProfileName");
    assert!(
        e.message
            .contains("also the instance profile of ContainerInstance"),
        "{}",
        e.message
    );
    // The default is the role's name.
    let e = one_error(json!({"Roles": {
        "ContainerInstance": {"RoleName": "ecsInstanceRole"},
        "ManagedInstances": {"InstanceProfileName": "ecsInstanceRole"},
    }}));
    assert_eq!(e.property, "Roles.ManagedInstances.InstanceProfileName");
}

/// Every property of every kind, pinned: the fingerprint is computed from the typed
/// properties, under the keys 0.1.0 recorded (`Region` for `SsoRegion`/`EcsRegion`).
#[test]
fn the_fingerprint_of_every_kinds_properties_is_pinned() {
    let properties = json!({
        "Path": "/p/", "AdoptExisting": true, "PropagationDelay": "5",
        "Roles": {
            "EcsAnywhere": {"RoleName": "a", "LeastPrivilege": "false"},
            "TaskExecution": {
                "RoleName": "b",
                "Secrets": ["arn:aws:ssm:eu-west-1:123456789012:parameter/x"],
                "EnvironmentFiles": ["arn:aws:s3:::bkt/o.env"],
                "ManagedPolicyArns": ["arn:aws:iam::123456789012:policy/p/app"],
            },
            "Task": {"RoleName": "c", "ClusterName": "cl", "ManagedPolicyArns": ["arn:aws:iam::123456789012:policy/p/t"]},
            "SsoManagement": {"RoleName": "d", "TrustedPrincipalArn": "arn:aws:iam::111122223333:user/u", "PolicyName": "sp"},
            "ClusterAccess": {"RoleName": "e", "TrustedPrincipalArn": "arn:aws:iam::111122223333:role/h", "ExternalId": "x1", "PolicyName": "cp", "EcsRegion": "eu-west-2"},
            "ContainerInstance": {"RoleName": "f", "InstanceProfileName": "fp", "SsmManaged": "TRUE"},
            "ManagedInstances": {"RoleName": "g", "InstanceProfileName": "gp"},
            "Infrastructure": {"RoleName": "h", "Uses": ["VpcLattice", "Volumes"]},
            "CodeDeploy": {"RoleName": "i", "LeastPrivilege": true},
            "Events": {"RoleName": "j", "PassRoleArns": []},
            "DeploymentHooks": {"RoleName": "k", "FunctionArns": ["arn:aws:lambda:eu-west-1:123456789012:function:f:live"]},
            "ServiceLinked": {"Services": ["EcsCompute", "Ecs"]},
        }
    });
    // Parsed as known properties: the fingerprint does not depend on the kinds' cross-checks.
    let spec = parse_known(&properties, Context::default()).unwrap();
    // Changing this text changes the PhysicalResourceId a replacement gets: do it only on
    // purpose.
    assert_eq!(
        spec.fingerprint(),
        concat!(
            r#"{"AdoptExisting":true,"Path":"/p/","PropagationDelay":5,"RestrictTrustToAccount":true,"Roles":{"#,
            r#""ClusterAccess":{"ExternalId":"x1","LeastPrivilege":false,"PolicyName":"cp","Region":"eu-west-2","RoleName":"e","TrustedPrincipalArn":"arn:aws:iam::111122223333:role/h"},"#,
            r#""CodeDeploy":{"LeastPrivilege":true,"RoleName":"i"},"#,
            r#""ContainerInstance":{"InstanceProfileName":"fp","LeastPrivilege":false,"RoleName":"f","SsmManaged":true},"#,
            r#""DeploymentHooks":{"FunctionArns":["arn:aws:lambda:eu-west-1:123456789012:function:f:live"],"LeastPrivilege":false,"RoleName":"k"},"#,
            r#""EcsAnywhere":{"LeastPrivilege":false,"RoleName":"a"},"#,
            // An empty `PassRoleArns` is recorded: it means something other than an absent one.
            r#""Events":{"LeastPrivilege":false,"PassRoleArns":[],"RoleName":"j"},"#,
            r#""Infrastructure":{"LeastPrivilege":false,"RoleName":"h","Uses":["VpcLattice","Volumes"]},"#,
            r#""ManagedInstances":{"InstanceProfileName":"gp","LeastPrivilege":false,"RoleName":"g"},"#,
            r#""ServiceLinked":{"LeastPrivilege":false,"Services":["EcsCompute","Ecs"]},"#,
            r#""SsoManagement":{"LeastPrivilege":false,"PolicyName":"sp","RoleName":"d","TrustedPrincipalArn":"arn:aws:iam::111122223333:user/u"},"#,
            r#""Task":{"ClusterName":"cl","LeastPrivilege":false,"ManagedPolicyArns":["arn:aws:iam::123456789012:policy/p/t"],"RoleName":"c"},"#,
            r#""TaskExecution":{"EnvironmentFiles":["arn:aws:s3:::bkt/o.env"],"LeastPrivilege":false,"ManagedPolicyArns":["arn:aws:iam::123456789012:policy/p/app"],"RoleName":"b","Secrets":["arn:aws:ssm:eu-west-1:123456789012:parameter/x"]}},"#,
            r#""Tags":{}}"#,
        )
    );
}

/// The rest of the forms, pinned: a boundary, tags, a KMS key list, `SsoRegion` and an
/// `ExternalId` (the same text the reader-recorded fingerprint gave).
#[test]
fn the_fingerprint_of_the_other_forms_is_pinned() {
    let properties = json!({
        "PermissionsBoundary": "arn:aws:iam::123456789012:policy/b/Boundary",
        "Tags": [{"Key": "team", "Value": "platform"}, {"Key": "cost", "Value": "42"}],
        "RestrictTrustToAccount": false,
        "Roles": {
            "TaskExecution": {
                "KmsKeyArns": ["arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
                "Secrets": ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"],
            },
            "SsoManagement": {"TrustedPrincipalArn": "arn:aws:iam::111122223333:role/h", "ExternalId": "x2", "SsoRegion": "us-east-1"},
            "Infrastructure": {"Uses": ["ExpressServices"]},
        }
    });
    let spec = parse_known(&properties, Context::default()).unwrap();
    assert_eq!(
        spec.fingerprint(),
        concat!(
            r#"{"AdoptExisting":false,"Path":"/","PermissionsBoundary":"arn:aws:iam::123456789012:policy/b/Boundary","#,
            r#""RestrictTrustToAccount":false,"Roles":{"#,
            r#""Infrastructure":{"LeastPrivilege":false,"Uses":["ExpressServices"]},"#,
            r#""SsoManagement":{"ExternalId":"x2","LeastPrivilege":false,"Region":"us-east-1","TrustedPrincipalArn":"arn:aws:iam::111122223333:role/h"},"#,
            r#""TaskExecution":{"KmsKeyArns":["arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"],"LeastPrivilege":false,"Secrets":["arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"]}},"#,
            r#""Tags":{"cost":"42","team":"platform"}}"#,
        )
    );
}

/// A list that defaults to empty means the same given empty or left out, so it fingerprints
/// the same. (Until the fingerprint was computed from the typed properties, an explicitly empty
/// one was recorded as `[]`: such a spec's replacement id moved once, on purpose.)
#[test]
fn an_empty_list_fingerprints_as_an_absent_one() {
    let given = parse(&json!({"Roles": {
        "TaskExecution": {"KmsKeyArns": [], "Secrets": [], "EnvironmentFiles": [], "ManagedPolicyArns": []},
        "Task": {"ClusterName": "c", "ManagedPolicyArns": []},
    }}))
    .unwrap();
    let absent =
        parse(&json!({"Roles": {"TaskExecution": {}, "Task": {"ClusterName": "c"}}})).unwrap();
    assert_eq!(given.fingerprint(), absent.fingerprint());
    assert_eq!(given, absent);
}
