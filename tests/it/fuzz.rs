//! Property tests over the two parsers that take outside input: ResourceProperties and the
//! event. Nothing panics, and every rejection names what is wrong.

use ecs_iam_roles::desired::{build, outputs, Owner};
use ecs_iam_roles::identity::stack_env;
use ecs_iam_roles::kinds::KindSpec;
use ecs_iam_roles::plan::MAX_USER_TAGS;
use ecs_iam_roles::protocol::{parse_request, render_body, Answer, EventFields, MAX_BODY_BYTES};
use ecs_iam_roles::spec;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use serde_json::{json, Map, Value};

const NAMES: &[&str] = &[
    "Roles",
    "Path",
    "PermissionsBoundary",
    "Tags",
    "AdoptExisting",
    "RestrictTrustToAccount",
    "ServiceToken",
    "ServiceTimeout",
    "EcsAnywhere",
    "TaskExecution",
    "Task",
    "SsoManagement",
    "ClusterAccess",
    "RoleName",
    "PolicyName",
    "LeastPrivilege",
    "ClusterName",
    "TrustedPrincipalArn",
    "ExternalId",
    "SsoRegion",
    "EcsRegion",
    "Key",
    "Value",
    "RequestType",
    "ResponseURL",
    "StackId",
    "RequestId",
    "LogicalResourceId",
    "PhysicalResourceId",
    "ResourceProperties",
    "OldResourceProperties",
    "ResourceType",
];

const STRINGS: &[&str] = &[
    "",
    "true",
    "false",
    "True",
    "300",
    "/",
    "/ecs/",
    "Create",
    "Update",
    "Delete",
    "arn:aws:iam::123456789012:policy/B",
    "arn:aws:iam::111122223333:role/h",
    "arn:aws:cloudformation:eu-west-1:123456789012:stack/s/g",
    "eu-west-1",
    "c1",
    "aws:x",
    "http://127.0.0.1:1/x?sig=1",
    "é\"\\\u{0}",
    "arn:aws-cn:cloudformation:cn-north-1:123456789012:stack/s/g",
    "AWS:x",
    "ECS-IAM-Roles:owner",
    "a\tb",
    "line\nbreak",
    "hi\u{2028}there",
    "wide\u{3000}space",
    "हिंदी",
    "Ⓐ",
    "arn:aws:iam::111122223333:role/a b",
    "arn:aws-us-gov:iam::111122223333:role/h",
];

/// Tag keys and values IAM is picky about: case variants of one key, reserved prefixes in odd
/// case, control characters, separators, combining marks, symbols, multi-byte characters.
const TAG_TEXT: &[&str] = &[
    "Team",
    "team",
    "TEAM",
    "Équipe",
    "éQUIPE",
    "aws:x",
    "AWS:x",
    "Aws:",
    "ecs-iam-roles:owner",
    "ECS-IAM-Roles:owner",
    "x-aws:y",
    "",
    " ",
    "a\tb",
    "a\nb",
    "a\rb",
    "\u{85}",
    "\u{2028}",
    "\u{3000}",
    "\u{a0}",
    "_.:/=+-@",
    "a,b",
    "हिंदी",
    "e\u{301}",
    "Ⓐ",
    "🙂",
    "Ⅻ²½",
    "チーム",
];

/// A tag key or value: a plain one, one of the above, one repeated around IAM's limits (128,
/// 256) in one-, two- and three-byte characters, or any text.
fn tag_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[A-Za-z0-9 _.:/=+@-]{1,12}",
        4 => prop::sample::select(TAG_TEXT).prop_map(str::to_string),
        2 => (prop::sample::select(&["k", "é", "中", "a\t"][..]), 120usize..260)
            .prop_map(|(s, n)| s.repeat(n)),
        1 => any::<String>(),
        1 => "\\PC{0,12}",
    ]
}

/// One entry of `Tags`: `Key` and `Value` each present, missing, null or not a string.
fn tag() -> impl Strategy<Value = Value> {
    let field = || {
        prop_oneof![
            8 => tag_text().prop_map(|s| Some(json!(s))),
            1 => Just(None),
            1 => Just(Some(Value::Null)),
            1 => prop_oneof![Just(json!(7)), Just(json!(true)), Just(json!(["x"]))].prop_map(Some),
        ]
    };
    (field(), field()).prop_map(|(key, value)| {
        let mut tag = Map::new();
        if let Some(key) = key {
            tag.insert("Key".into(), key);
        }
        if let Some(value) = value {
            tag.insert("Value".into(), value);
        }
        Value::Object(tag)
    })
}

/// A `Tags` list: plain tags, or odd ones, sometimes with a key again in another case.
fn tags() -> impl Strategy<Value = Value> {
    let plain = ("[A-Za-z0-9_.:/=+@-]{1,10}", "[A-Za-z0-9 _.:/=+@-]{0,10}")
        .prop_map(|(key, value)| json!({"Key": key, "Value": value}));
    let list = prop_oneof![
        1 => prop::collection::vec(plain, 0..4),
        2 => prop::collection::vec(tag(), 0..6),
    ];
    (list, prop::bool::weighted(0.3), any::<usize>()).prop_map(|(mut tags, again, pick)| {
        let key = tags
            .get(pick % tags.len().max(1))
            .and_then(|t| t.get("Key"))
            .cloned();
        if let (true, Some(Value::String(key))) = (again, key) {
            tags.push(json!({"Key": key.to_uppercase(), "Value": "v"}));
        }
        Value::Array(tags)
    })
}

/// ARNs as a stack might write them: a good IAM ARN of one of `resources` (in `aws`, with one of
/// `accounts`), or one with a single part spoiled: another partition, account or resource type,
/// an odd path or name, up to well past IAM's 2048 characters.
fn arn(
    accounts: &'static [&'static str],
    resources: &'static [&'static str],
) -> impl Strategy<Value = String> {
    let select =
        |items: &'static [&'static str]| prop::sample::select(items).prop_map(str::to_string);
    let good = (
        select(accounts),
        select(resources),
        prop_oneof![Just(String::new()), "([!-~&&[^/*?]]{1,6}/){1,3}"],
        "[A-Za-z0-9_+=,.@-]{1,8}",
    );
    let odd = (
        select(&["aws-cn", "aws-us-gov", "aws x", "AWS", ""]),
        select(&["aws", "1234", "*", "", "111122223333"]),
        select(&["root", "group/", "role", "policy/", "user/", "role/"]),
        prop_oneof![
            (1usize..2100).prop_map(|n| format!("{}/", "p".repeat(n))),
            Just("é/".to_string()),
            Just("a//".to_string()),
            "\\PC{0,6}/",
        ],
        prop_oneof![
            (60usize..2100).prop_map(|n| "n".repeat(n)),
            "\\PC{0,10}",
            Just("granted handler".to_string()),
            Just("*".to_string()),
            Just(String::new()),
        ],
    );
    (good, odd, 0usize..8).prop_map(|((a, r, path, name), odd, spoil)| {
        let mut parts = ["aws".to_string(), a, r, path, name];
        let (p, oa, or, opath, oname) = odd;
        match spoil {
            0 => parts[0] = p,
            1 => parts[1] = oa,
            2 => parts[2] = or,
            3 => parts[3] = opath,
            4 => parts[4] = oname,
            _ => {}
        }
        let [p, a, r, path, name] = parts;
        format!("arn:{p}:iam::{a}:{r}{path}{name}")
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(NAMES).prop_map(str::to_string),
        1 => ".{0,12}",
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        prop::sample::select(STRINGS).prop_map(|s| json!(s)),
        ".{0,80}".prop_map(Value::String),
        arn(&["111122223333"], &["role/", "user/"]).prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn valid_properties() -> Value {
    json!({
        "Path": "/ecs/",
        "Tags": [{"Key": "team", "Value": "platform"}],
        "RestrictTrustToAccount": "true",
        "Roles": {
            "EcsAnywhere": {"LeastPrivilege": "true"},
            "TaskExecution": {"RoleName": "exec"},
            "Task": {"ClusterName": "c1"},
            "SsoManagement": {"TrustedPrincipalArn": "arn:aws:iam::111122223333:role/h", "ExternalId": "ext-1"},
            "ClusterAccess": {"TrustedPrincipalArn": "arn:aws:iam::111122223333:role/h"},
        }
    })
}

/// Replace the value at one path of `value` (chosen by `choice`) with `replacement`.
fn mutate(value: &mut Value, choice: usize, replacement: Value) {
    fn paths(value: &Value, here: Vec<String>, out: &mut Vec<Vec<String>>) {
        out.push(here.clone());
        if let Value::Object(map) = value {
            for (k, v) in map {
                let mut next = here.clone();
                next.push(k.clone());
                paths(v, next, out);
            }
        }
    }
    let mut all = vec![];
    paths(value, vec![], &mut all);
    let path = &all[choice % all.len()];
    let mut target = value;
    for k in path {
        target = target.get_mut(k).unwrap();
    }
    *target = replacement;
}

fn check_properties(properties: &Value) {
    match spec::parse(properties) {
        Ok(spec) => {
            let env = stack_env("arn:aws:cloudformation:eu-west-1:123456789012:stack/s/g").unwrap();
            let state = build(
                &spec,
                &Owner::new(&env, "EcsRoles", "s-EcsRoles-0123456789ab"),
            );
            for role in &state.roles {
                ecs_iam_roles::iam_rules::check_role_name(&role.name).unwrap();
            }
            let data = outputs(&spec, &state, &env);
            assert!(data.len() >= 2 * state.roles.len());
        }
        Err(err) => {
            assert!(!err.errors.is_empty());
            for e in &err.errors {
                assert!(!e.property.is_empty(), "{err}");
                assert!(!e.message.is_empty(), "{err}");
            }
        }
    }
}

fn check_any_json_as_properties(value: &Value) {
    check_properties(value);
    check_properties(&json!({"Roles": value.clone()}));
}

fn check_one_value_changed(choice: usize, replacement: Value) {
    let mut properties = valid_properties();
    mutate(&mut properties, choice, replacement);
    check_properties(&properties);
}

// The shrunk failures recorded in tests/fuzz.proptest-regressions (an empty property name),
// kept as plain tests: the recorded seeds replay other values once the strategies change.

#[test]
fn recorded_failure_an_empty_name_as_properties() {
    check_any_json_as_properties(&json!({"": null}));
}

#[test]
fn recorded_failure_an_empty_name_replacing_one_value() {
    check_one_value_changed(695054564683772256, json!({"": null}));
}

/// What IAM would refuse in `Tags`, `PermissionsBoundary` and `TrustedPrincipalArn` never gets
/// through, and every rejection names one of them.
fn check_against_iam(properties: &Value, partition: &str) {
    let context = spec::Context {
        partition: Some(partition),
        default_path: "/",
    };
    match spec::parse_in(properties, context) {
        Ok(spec) => {
            assert!(spec.tags.len() <= MAX_USER_TAGS);
            let mut folded = std::collections::BTreeSet::new();
            for (key, value) in &spec.tags {
                assert!((1..=128).contains(&key.chars().count()), "{key:?}");
                assert!(value.chars().count() <= 256, "{value:?}");
                for text in [key, value] {
                    assert!(!text.chars().any(char::is_control), "{text:?}");
                }
                let lower = key.to_lowercase();
                assert!(!lower.starts_with("aws:") && !lower.starts_with("ecs-iam-roles:"));
                assert!(folded.insert(lower), "{key:?} twice");
            }
            let principals: Vec<&str> = spec
                .roles
                .values()
                .filter_map(|r| match &r.kind {
                    KindSpec::SsoManagement(s) => Some(s.trusted_principal_arn.as_str()),
                    KindSpec::ClusterAccess(s) => Some(s.trusted_principal_arn.as_str()),
                    _ => None,
                })
                .collect();
            for arn in &principals {
                // A trust names one principal: no wildcard. (A policy path may hold any
                // printable ASCII, `*` and `?` included, so a boundary ARN may too.)
                assert!(!arn.contains(['*', '?']), "{arn}");
            }
            let boundary = spec.permissions_boundary.as_ref().map(|b| b.as_str());
            for arn in boundary.into_iter().chain(principals) {
                assert!(arn.chars().count() <= 2048, "{arn}");
                assert!(arn.starts_with(&format!("arn:{partition}:iam::")), "{arn}");
                assert!(arn.bytes().all(|b| b.is_ascii_graphic()), "{arn}");
                // IAM's name limits: 64 for roles and users, 128 for policies.
                assert!(arn.rsplit('/').next().unwrap().len() <= 128, "{arn}");
            }
        }
        Err(err) => {
            assert!(!err.errors.is_empty());
            for e in &err.errors {
                assert!(
                    e.property.starts_with("Tags")
                        || e.property == "PermissionsBoundary"
                        || e.property == "Roles.SsoManagement.TrustedPrincipalArn",
                    "{err}"
                );
                assert!(!e.message.is_empty(), "{err}");
                // Long values are cut: one bad property cannot fill the Reason.
                assert!(e.message.chars().count() < 1500, "{}", e.message);
            }
        }
    }
}

/// Failures are saved to, and replayed first from, `tests/fuzz.proptest-regressions` beside this
/// file. (Proptest's default wants a `lib.rs` in a directory above this file; finding none, it
/// warns.)
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 2_000,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_json_as_properties(value in json_value()) {
        check_any_json_as_properties(&value);
    }

    #[test]
    fn valid_properties_with_one_value_changed(choice in any::<usize>(), replacement in json_value()) {
        check_one_value_changed(choice, replacement);
    }

    #[test]
    fn tags_and_arns_as_iam_checks_them(
        tags in tags(),
        boundary in prop::option::of(arn(&["111122223333", "aws"], &["policy/"])),
        principal in arn(&["111122223333"], &["role/", "user/"]),
        partition in prop_oneof![4 => Just("aws"), 1 => Just("aws-cn")],
    ) {
        let mut properties = json!({
            "Tags": tags,
            "Roles": {"SsoManagement": {"TrustedPrincipalArn": principal}},
        });
        if let Some(boundary) = boundary {
            properties["PermissionsBoundary"] = json!(boundary);
        }
        check_against_iam(&properties, partition);
        check_properties(&properties);
    }

    #[test]
    fn any_json_as_an_event(value in json_value()) {
        let fields = EventFields::read(&value);
        if let Err(reason) = parse_request(&value) {
            prop_assert!(!reason.is_empty());
        }
        let body = render_body(&fields, &Answer::failed("id".into(), format!("{value}")));
        prop_assert!(body.len() <= MAX_BODY_BYTES);
        serde_json::from_slice::<Value>(&body).unwrap();
    }

    #[test]
    fn an_event_with_one_value_changed(choice in any::<usize>(), replacement in json_value()) {
        let mut event = json!({
            "RequestType": "Update", "RequestId": "r", "ResponseURL": "http://127.0.0.1:1/x",
            "StackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/s/g",
            "LogicalResourceId": "EcsRoles", "ResourceType": "Custom::EcsIamRoles",
            "PhysicalResourceId": "p", "ResourceProperties": valid_properties(),
            "OldResourceProperties": valid_properties(),
        });
        mutate(&mut event, choice, replacement);
        match parse_request(&event) {
            Ok(_) => {}
            Err(reason) => prop_assert!(!reason.is_empty()),
        }
    }
}
