//! Property tests over the two parsers that take outside input: ResourceProperties and the
//! event. Nothing panics, and every rejection names what is wrong.

use ecs_iam_roles::desired::{build, outputs, Owner};
use ecs_iam_roles::identity::stack_env;
use ecs_iam_roles::protocol::{parse_request, render_body, Answer, EventFields, MAX_BODY_BYTES};
use ecs_iam_roles::spec;
use proptest::prelude::*;
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
];

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
                spec::check_role_name(&role.name).unwrap();
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_json_as_properties(value in json_value()) {
        check_properties(&value);
        check_properties(&json!({"Roles": value.clone()}));
    }

    #[test]
    fn valid_properties_with_one_value_changed(choice in any::<usize>(), replacement in json_value()) {
        let mut properties = valid_properties();
        mutate(&mut properties, choice, replacement);
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
