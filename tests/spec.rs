//! `ResourceProperties` checked and typed: every input error, named by its property, before any
//! IAM call.

use ecs_iam_roles::kinds::{Kind, KindSpec};
use ecs_iam_roles::plan::{MAX_USER_TAGS, OWNER_TAG_KEY};
use ecs_iam_roles::spec::{parse, parse_in, Context, PropertyError};
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
        sso.0.trusted_principal_arn,
        "arn:aws:iam::111122223333:role/h"
    );
    assert_eq!(sso.0.external_id.as_deref(), Some("ext-1"));
    assert_eq!(sso.0.region.as_deref(), Some("eu-west-1"));
    assert_eq!(sso.0.policy_name.as_deref(), Some("ssoPolicy"));
    let KindSpec::ClusterAccess(cluster) = &spec.roles[&Kind::ClusterAccess].kind else {
        panic!("{spec:?}")
    };
    assert_eq!(cluster.0.region.as_deref(), Some("us-east-2"));
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
