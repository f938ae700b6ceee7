//! Input errors: the same bad properties through the function (its handler, in-process, as a
//! Create) and through the plan give the same property names and messages; tokens; exit codes.

use super::support;

use ecs_iam_roles::account::Caller;
use ecs_iam_roles::handler::{self, Deps};
use ecs_iam_roles::metrics::Metrics;
use ecs_iam_roles::operator::{self, Operator};
use ecs_iam_roles::stacks::Stacks;
use ecs_iam_roles_plan::{check, resolve, template};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const STACK_ID: &str =
    "arn:aws:cloudformation:us-east-1:123456789012:stack/stack/00000000-0000-0000-0000-000000000000";

/// A template whose one resource the function refuses for many reasons at once.
const BAD: &str = r#"
Parameters:
  Cluster:
    Type: String
    Default: "bad cluster name"
  Team:
    Type: String
    Default: platform
Resources:
  EcsRoles:
    Type: Custom::EcsIamRoles
    Properties:
      ServiceToken: !ImportValue ecs-iam-roles-ServiceToken
      Tags:
        - Key: aws:reserved
          Value: x
        - Key: !Ref Team
        - Key: Platform
          Value: twice
      Roles:
        TaskExecution:
          RoleNam: typo
          Secrets: [arn:aws:secretsmanager:us-east-1:123456789012:secret:*]
        Task:
          ClusterName: !Ref Cluster
          LeastPrivilege: maybe
        SsoManagement:
          TrustedPrincipalArn: arn:aws:iam::111122223333:root
        DeploymentHooks:
          FunctionArns: [!Sub "arn:aws-cn:lambda:${AWS::Region}:${AWS::AccountId}:function:hook"]
      PropagationDelay: 600
"#;

/// A template the function's operator rules refuse (ManagedPath, boundary, kinds, accounts).
const AGAINST_OPERATOR: &str = r#"
Resources:
  EcsRoles:
    Type: Custom::EcsIamRoles
    Properties:
      ServiceToken: token
      Path: /elsewhere/
      AdoptExisting: true
      Roles:
        TaskExecution: {}
        CodeDeploy: {}
"#;

/// The properties CloudFormation sends for the template's EcsRoles (resolved, every scalar a
/// string), with the plan's pseudo parameters.
fn properties(text: &str) -> Value {
    let template = template::parse(text).unwrap();
    let stack = resolve::Stack {
        partition: "aws".into(),
        region: "us-east-1".into(),
        account: "123456789012".into(),
        stack_name: "stack".into(),
        stack_id: STACK_ID.into(),
    };
    let map = template.as_object().unwrap();
    let resolver = resolve::Resolver::new(map, &stack, &BTreeMap::new(), None).unwrap();
    let raw = &template["Resources"]["EcsRoles"]["Properties"];
    let mut resolved = check::stringified(&resolver.resolve(raw).unwrap().unwrap());
    // The ServiceToken is an import CloudFormation resolves.
    resolved["ServiceToken"] =
        json!("arn:aws:lambda:us-east-1:123456789012:function:ecs-iam-roles");
    resolved
}

/// The function's Reason for a Create of these properties, under these operator settings
/// (environment variable name → value).
async fn function_reason(properties: &Value, settings: &[(&str, &str)]) -> String {
    let unreachable = support::config("http://127.0.0.1:9").await;
    let settings: Vec<(String, String)> = settings
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let deps = Deps {
        iam: aws_sdk_iam::Client::new(&unreachable),
        http: reqwest::Client::new(),
        operator: Operator::from_lookup(|name| {
            settings
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }),
        caller: Caller::new(aws_sdk_sts::Client::new(&unreachable)),
        stacks: Stacks::none(),
        metrics: Metrics::default(),
    };
    let event = json!({
        "RequestType": "Create",
        "RequestId": "request-1",
        "StackId": STACK_ID,
        "LogicalResourceId": "EcsRoles",
        "ResourceType": "Custom::EcsIamRoles",
        "ResourceProperties": properties,
    });
    let budget = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    let (answer, calls) = handler::process(&deps, &event, budget).await;
    assert!(!answer.success, "the function accepted {properties}");
    assert_eq!(calls.total, 0, "bad input is found before any IAM call");
    answer.reason.expect("a FAILED answer has a Reason")
}

/// The plan's errors, as the function's Reason writes them.
fn plan_reason(text: &str, args: &[&str]) -> (i32, String, Value) {
    // One file per template: the tests run at once.
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    let path = support::scratch(&format!("bad-{:x}.yaml", hasher.finish()), text);
    let mut all = vec!["plan", path.as_str(), "--format", "json"];
    all.extend_from_slice(args);
    let out = support::plan(&all);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let errors: Vec<String> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["logicalId"], "EcsRoles");
            format!(
                "{}: {}",
                e["property"].as_str().unwrap(),
                e["message"].as_str().unwrap()
            )
        })
        .collect();
    (
        out.code,
        format!("invalid properties: {}", errors.join("; ")),
        report,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_properties_give_the_functions_own_messages() {
    let properties = properties(BAD);
    let function = function_reason(&properties, &[]).await;
    // Each bad property is named, not just the first.
    for property in [
        "Tags[0].Key",
        "Tags[1].Value",
        "Tags[2].Key",
        "Roles.TaskExecution.RoleNam",
        "Roles.TaskExecution.Secrets[0]",
        "Roles.Task.ClusterName",
        "Roles.Task.LeastPrivilege",
        "Roles.SsoManagement.TrustedPrincipalArn",
        "Roles.DeploymentHooks.FunctionArns[0]",
        "PropagationDelay",
    ] {
        assert!(
            function.contains(&format!("{property}: ")),
            "{property}: {function}"
        );
    }
    let (code, plan, report) = tokio::task::spawn_blocking(|| plan_reason(BAD, &[]))
        .await
        .unwrap();
    assert_eq!(code, 1, "a template the function refuses fails the plan");
    assert_eq!(plan, function);
    assert_eq!(report["resources"][0]["action"], "refused");

    // The text format lists the same errors.
    let path = support::scratch("bad-text.yaml", BAD);
    let text = tokio::task::spawn_blocking(move || support::plan(&["plan", &path]))
        .await
        .unwrap();
    assert_eq!(text.code, 1);
    assert!(
        text.stdout.contains("errors:\n  EcsRoles: Tags[0].Key: "),
        "{}",
        text.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_operators_rules_give_the_functions_own_messages() {
    let properties = properties(AGAINST_OPERATOR);
    let settings = [
        (operator::MANAGED_PATH_ENV, "/ecs/"),
        (
            operator::REQUIRED_BOUNDARY_ENV,
            "arn:aws:iam::123456789012:policy/Boundary",
        ),
    ];
    let function = function_reason(&properties, &settings).await;
    let (code, plan, _) = tokio::task::spawn_blocking(|| {
        plan_reason(
            AGAINST_OPERATOR,
            &[
                "--managed-path",
                "/ecs/",
                "--required-boundary",
                "arn:aws:iam::123456789012:policy/Boundary",
            ],
        )
    })
    .await
    .unwrap();
    assert_eq!(code, 1);
    assert_eq!(plan, function);
    for property in ["Path", "PermissionsBoundary", "AdoptExisting"] {
        assert!(plan.contains(&format!("{property}: ")), "{plan}");
    }

    // The guardrails run after those checks: a template that passes them meets AllowedKinds.
    let fixed = AGAINST_OPERATOR
        .replace("Path: /elsewhere/", "Path: /ecs/")
        .replace(
            "AdoptExisting: true",
            "PermissionsBoundary: arn:aws:iam::123456789012:policy/Boundary",
        );
    let properties = self::properties(&fixed);
    let settings = [
        (operator::MANAGED_PATH_ENV, "/ecs/"),
        (
            operator::REQUIRED_BOUNDARY_ENV,
            "arn:aws:iam::123456789012:policy/Boundary",
        ),
        (operator::ALLOWED_KINDS_ENV, "TaskExecution"),
    ];
    let function = function_reason(&properties, &settings).await;
    let (code, plan, _) = tokio::task::spawn_blocking(move || {
        plan_reason(
            &fixed,
            &[
                "--managed-path",
                "/ecs/",
                "--required-boundary",
                "arn:aws:iam::123456789012:policy/Boundary",
                "--allowed-kinds",
                "TaskExecution",
            ],
        )
    })
    .await
    .unwrap();
    assert_eq!(code, 1);
    assert_eq!(plan, function);
    assert!(
        plan.starts_with(
            "invalid properties: Roles.CodeDeploy: the kind CodeDeploy is not offered"
        ),
        "{plan}"
    );
}

#[test]
fn tokens_stay_visible_wherever_they_go() {
    let text = r#"
Parameters:
  Prefix:
    Type: String
  Hook:
    Type: String
Resources:
  Hooks:
    Type: AWS::Lambda::Function
  EcsRoles:
    Type: Custom::EcsIamRoles
    Properties:
      ServiceToken: !ImportValue ecs-iam-roles-ServiceToken
      Tags:
        - Key: owner
          Value: !ImportValue team-name
      Roles:
        TaskExecution:
          RoleName: !Sub ${Prefix}-exec
        Task:
          RoleName: !Sub ${Prefix}-task
          ClusterName: !GetAtt Cluster.Name
        Events: {}
        DeploymentHooks:
          FunctionArns: [!GetAtt Hooks.Arn, !Ref Hook]
Outputs: {}
"#
    .replace(
        "          ClusterName: !GetAtt Cluster.Name",
        "          ClusterName: !ImportValue cluster-name",
    );
    let path = support::scratch("tokens.yaml", &text);
    let out = support::plan(&["plan", &path]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let t = &out.stdout;
    for expected in [
        "  role ${Prefix}-exec (TaskExecution)\n",
        "    arn arn:aws:iam::123456789012:role/${Prefix}-exec\n",
        "task/${ImportValue:cluster-name}/*",
        "cluster/${ImportValue:cluster-name}\"",
        // Events passes both task roles: their ARNs carry the token too.
        "\"Resource\":[\"arn:aws:iam::123456789012:role/${Prefix}-exec\",\"arn:aws:iam::123456789012:role/${Prefix}-task\"]",
        "\"Resource\":[\"${Hooks.Arn}\",\"${Hook}\"]",
        "    tag owner=${ImportValue:team-name}\n",
        "  note: ${...} is a value plan cannot know",
    ] {
        assert!(t.contains(expected), "{expected}\n{t}");
    }
    assert!(!t.contains("plantoken"), "no stand-in is ever shown: {t}");

    let json = support::plan(&["plan", &path, "--format", "json"]);
    assert!(!json.stdout.contains("plantoken"), "{}", json.stdout);
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["resources"][0]["roles"][0]["name"], "${Prefix}-exec");

    // Given a value, the token is gone.
    let given = support::plan(&["plan", &path, "--parameter", "Prefix=app"]);
    assert!(
        given.stdout.contains("  role app-exec (TaskExecution)\n"),
        "{}",
        given.stdout
    );
}

#[test]
fn what_cannot_be_planned_offline_is_an_error_that_says_how_to_fix_it() {
    let text = r#"
Parameters:
  LeastPrivilege:
    Type: String
  Flag:
    Type: String
Conditions:
  On: !Equals [!Ref Flag, "yes"]
Resources:
  EcsRoles:
    Type: Custom::EcsIamRoles
    Properties:
      ServiceToken: token
      Roles:
        EcsAnywhere:
          LeastPrivilege: !Ref LeastPrivilege
  Other:
    Type: Custom::EcsIamRoles
    Properties:
      ServiceToken: token
      Roles:
        TaskExecution: !If [On, {}, !Ref AWS::NoValue]
"#;
    let path = support::scratch("unknowable.yaml", text);
    let out = support::plan(&["plan", &path, "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0]["property"], "Roles.EcsAnywhere.LeastPrivilege");
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .contains("${LeastPrivilege}"));
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .contains("--parameter"));
    assert_eq!(errors[1]["logicalId"], "Other");
    assert!(errors[1]["message"]
        .as_str()
        .unwrap()
        .contains("condition On"));

    let ok = support::plan(&[
        "plan",
        &path,
        "--parameter",
        "LeastPrivilege=true",
        "--parameter",
        "Flag=yes",
    ]);
    assert_eq!(ok.code, 0, "{}", ok.stdout);
    assert!(
        ok.stdout.contains("Other (Custom::EcsIamRoles): create\n"),
        "{}",
        ok.stdout
    );
}

#[test]
fn exit_codes() {
    let example = support::at("examples/retail-store.yaml");
    let plain = support::plan(&["plan", &example]);
    assert_eq!(plain.code, 0);
    // A plan of a new stack creates roles: with --detailed-exitcode, that is a change.
    let detailed = support::plan(&["plan", &example, "--detailed-exitcode"]);
    assert_eq!(detailed.code, 2);
    assert_eq!(detailed.stdout, plain.stdout);
    let same = support::plan(&["plan", &example, "--old", &example, "--detailed-exitcode"]);
    assert_eq!(same.code, 0);
    let bad = support::scratch("bad-exit.yaml", BAD);
    assert_eq!(
        support::plan(&["plan", &bad, "--detailed-exitcode"]).code,
        1
    );
    // A resource whose Condition is false is not planned: no change.
    let skipped = support::scratch(
        "skipped.yaml",
        "Conditions:\n  Never: !Equals [a, b]\nResources:\n  EcsRoles:\n    Type: Custom::EcsIamRoles\n    Condition: Never\n    Properties: {Roles: {Task: {}}}\n",
    );
    let out = support::plan(&["plan", &skipped, "--detailed-exitcode"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("not planned: its Condition Never is false"),
        "{}",
        out.stdout
    );
    for args in [
        vec!["plan"],
        vec!["plan", "/nonexistent.yaml"],
        vec!["plan", &example, "--bogus"],
        vec!["plan", &example, "--format", "xml"],
        vec!["plan", &example, "--parameter", "NoSuchParameter=1"],
        vec!["plan", &example, "--managed-path", "no-slashes"],
        vec!["plan", &example, "--account", "12"],
        vec!["plan", &example, "--live"],
        vec![
            "plan",
            &example,
            "--live",
            "--stack-name",
            "s",
            "--old",
            &example,
        ],
        vec!["deploy", &example],
    ] {
        let out = support::plan(&args);
        assert_eq!(out.code, 1, "{args:?}: {}", out.stdout);
        assert!(
            out.stderr.starts_with("ecs-iam-roles"),
            "{args:?}: {}",
            out.stderr
        );
    }
    let help = support::plan(&["--help"]);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("ecs-iam-roles plan TEMPLATE"));
}

#[test]
fn another_type_and_json_templates() {
    let json_template = json!({
        "Resources": {
            "Roles": {
                "Type": "AWS::CloudFormation::CustomResource",
                "Properties": {
                    "ServiceToken": {"Fn::ImportValue": "ecs-iam-roles-ServiceToken"},
                    "Roles": {"TaskExecution": {"RoleName": {"Fn::Join": ["-", [{"Ref": "AWS::StackName"}, "exec"]]}}}
                }
            }
        }
    });
    let path = support::scratch("template.json", &json_template.to_string());
    let none = support::plan(&["plan", &path]);
    assert_eq!(
        none.stdout,
        "no resource of the planned types in the template\n"
    );
    let out = support::plan(&[
        "plan",
        &path,
        "--type",
        "AWS::CloudFormation::CustomResource",
        "--stack-name",
        "prod",
        "--region",
        "eu-west-1",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("  role prod-exec (TaskExecution)\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("arn:aws:ecs:eu-west-1:123456789012:*"),
        "{}",
        out.stdout
    );
}

#[test]
fn external_ids_are_never_printed() {
    let example = support::at("examples/granted.yaml");
    for format in ["text", "json"] {
        let out = support::plan(&[
            "plan",
            &example,
            "--parameter",
            "ExternalId=shared-secret-value",
            "--format",
            format,
        ]);
        assert_eq!(out.code, 0, "{}", out.stdout);
        assert!(
            !out.stdout.contains("shared-secret-value"),
            "{}",
            out.stdout
        );
        assert!(out.stdout.contains("sts:ExternalId"), "{}", out.stdout);
    }
}
