use super::*;
use serde_json::json;

fn stack() -> Stack {
    Stack {
        partition: "aws".into(),
        region: "eu-west-1".into(),
        account: "123456789012".into(),
        stack_name: "s".into(),
        stack_id: "arn:aws:cloudformation:eu-west-1:123456789012:stack/s/g".into(),
    }
}

fn resolve(template: Value, given: &[(&str, &str)], value: Value) -> Resolved {
    let stack = stack();
    let given = given
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let template = template.as_object().unwrap().clone();
    let resolver = Resolver::new(&template, &stack, &given, None)?;
    resolver.resolve(&value)
}

#[test]
fn parameters_pseudo_parameters_and_sub() {
    let template = json!({
        "Parameters": {
            "Known": {"Type": "String", "Default": "d"},
            "Unknown": {"Type": "String"},
            "List": {"Type": "CommaDelimitedList", "Default": "a, b"},
        },
        "Resources": {"Fn": {"Type": "AWS::Lambda::Function"}},
    });
    let got = resolve(
        template.clone(),
        &[],
        json!({"Fn::Sub": "${AWS::Region}-${Known}-${Unknown}-${Fn.Arn}-${!Literal}"}),
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        tokens::render(got.as_str().unwrap()),
        "eu-west-1-d-${Unknown}-${Fn.Arn}-${Literal}"
    );
    let given = resolve(template.clone(), &[("Known", "g")], json!({"Ref": "Known"}));
    assert_eq!(given.unwrap(), Some(json!("g")));
    let list = resolve(
        template.clone(),
        &[],
        json!({"Fn::Join": ["+", {"Ref": "List"}]}),
    );
    assert_eq!(list.unwrap(), Some(json!("a+b")));
    assert_eq!(
        resolve(template.clone(), &[], json!({"Ref": "AWS::NoValue"})).unwrap(),
        None
    );
    assert!(resolve(template, &[("Nope", "x")], json!(1))
        .unwrap_err()
        .contains("Nope"));
}

#[test]
fn conditions_select_split_find_in_map() {
    let template = json!({
        "Parameters": {
            "Id": {"Type": "String", "Default": ""},
            "Unknown": {"Type": "String"},
        },
        "Mappings": {"M": {"eu-west-1": {"K": "v"}}},
        "Conditions": {
            "HasId": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Id"}, ""]}]},
            "Depends": {"Fn::Equals": [{"Ref": "Unknown"}, "x"]},
            "Either": {"Fn::Or": [{"Condition": "Depends"}, {"Fn::Equals": ["a", "a"]}]},
        },
    });
    let r = |v: Value| resolve(template.clone(), &[], v);
    assert_eq!(
        r(json!({"a": {"Fn::If": ["HasId", "yes", {"Ref": "AWS::NoValue"}]}})).unwrap(),
        Some(json!({}))
    );
    assert_eq!(
        r(json!({"Fn::If": ["Either", "yes", "no"]})).unwrap(),
        Some(json!("yes"))
    );
    assert!(r(json!({"Fn::If": ["Depends", "yes", "no"]}))
        .unwrap_err()
        .contains("--parameter"));
    assert_eq!(
        r(json!({"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]})).unwrap(),
        Some(json!("b"))
    );
    assert_eq!(
        r(json!({"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "K"]})).unwrap(),
        Some(json!("v"))
    );
    let split = r(json!({"Fn::Split": [".", {"Fn::Sub": "a.${Unknown}.b"}]}))
        .unwrap()
        .unwrap();
    let parts: Vec<String> = split
        .as_array()
        .unwrap()
        .iter()
        .map(|v| tokens::render(v.as_str().unwrap()))
        .collect();
    assert_eq!(parts, ["a", "${Unknown}", "b"]);
}

#[test]
fn names_the_template_gives_are_known() {
    let template = json!({
        "Parameters": {"Name": {"Type": "String", "Default": "c"}},
        "Resources": {
            "Cluster": {"Type": "AWS::ECS::Cluster", "Properties": {"ClusterName": {"Ref": "Name"}}},
            "Anonymous": {"Type": "AWS::ECS::Cluster"},
            "Policy": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"ManagedPolicyName": "p", "Path": "/x/"}},
        },
    });
    let r = |v: Value| resolve(template.clone(), &[], v).unwrap().unwrap();
    assert_eq!(r(json!({"Ref": "Cluster"})), json!("c"));
    assert_eq!(
        r(json!({"Fn::GetAtt": ["Cluster", "Arn"]})),
        json!("arn:aws:ecs:eu-west-1:123456789012:cluster/c")
    );
    assert_eq!(
        tokens::render(r(json!({"Ref": "Anonymous"})).as_str().unwrap()),
        "${Anonymous}"
    );
    assert_eq!(
        r(json!({"Ref": "Policy"})),
        json!("arn:aws:iam::123456789012:policy/x/p")
    );
}

#[test]
fn base64_is_standard() {
    assert_eq!(base64(b""), "");
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foobar"), "Zm9vYmFy");
}
