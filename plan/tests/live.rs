//! `--live` against moto (IAM, behind the root crate's fault proxy, which counts every call)
//! and a CloudFormation that answers for one stack: the roles made by the function's
//! own code, then drift made by hand (a managed policy detached, a trust policy changed) is
//! what an Update would repair, with exit code 2, and the plan makes no write at all.

use super::support;

use ecs_iam_roles::desired::{self, Owner};
use ecs_iam_roles::iam::Session;
use ecs_iam_roles::identity;
use ecs_iam_roles::plan::{self as core_plan, ActualState, Ownership};
use ecs_iam_roles_plan::Aws;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use support::http::{self, Request, Response};
use support::proxy::{form_params, FaultProxy};

const TEMPLATE: &str = r#"
Parameters:
  Suffix:
    Type: String
Resources:
  EcsRoles:
    Type: Custom::EcsIamRoles
    Properties:
      ServiceToken: !ImportValue ecs-iam-roles-ServiceToken
      Tags:
        - Key: team
          Value: platform
      Roles:
        TaskExecution:
          RoleName: !Sub exec-${Suffix}
        Task:
          RoleName: !Sub task-${Suffix}
          ClusterName: !ImportValue shared-cluster-name
"#;

/// The CloudFormation of one stack (its id, its `Suffix` parameter, its one resource) and one
/// export, answering DescribeStacks, ListStackResources and ListExports; it records every
/// call's action.
async fn cloudformation(
    stack_id: String,
    suffix: String,
    physical: String,
) -> (String, Arc<Mutex<Vec<String>>>) {
    let calls: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = calls.clone();
    let handler: http::Handler = Arc::new(move |req: Request| {
        let params = form_params(&req.body);
        let action = params["Action"].as_str().unwrap_or("?").to_string();
        seen.lock().unwrap().push(action.clone());
        let (stack_id, suffix, physical) = (stack_id.clone(), suffix.clone(), physical.clone());
        let name = stack_id.split('/').nth(1).unwrap_or_default().to_string();
        let asked = params
            .get("StackName")
            .and_then(Value::as_str)
            .map(str::to_string);
        Box::pin(async move {
            let xml = |body: String| {
                Response {
                status: 200,
                headers: vec![("content-type".into(), "text/xml".into())],
                body: format!(
                    "<{action}Response xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\">\
                     <{action}Result>{body}</{action}Result>\
                     <ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></{action}Response>"
                )
                .into_bytes(),
            }
            };
            let known = asked.as_deref().is_some_and(|a| a == name || a == stack_id);
            match action.as_str() {
                "DescribeStacks" | "ListStackResources" if !known => Response {
                    status: 400,
                    headers: vec![("content-type".into(), "text/xml".into())],
                    body: format!("<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id {} does not exist</Message></Error><RequestId>r</RequestId></ErrorResponse>", asked.unwrap_or_default()).into_bytes(),
                },
                "DescribeStacks" => xml(format!(
                    "<Stacks><member><StackId>{stack_id}</StackId><StackName>{name}</StackName>\
                     <Parameters><member><ParameterKey>Suffix</ParameterKey><ParameterValue>{suffix}</ParameterValue></member></Parameters>\
                     <CreationTime>2026-01-01T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus></member></Stacks>"
                )),
                "ListStackResources" => xml(format!(
                    "<StackResourceSummaries><member><LogicalResourceId>EcsRoles</LogicalResourceId>\
                     <PhysicalResourceId>{physical}</PhysicalResourceId><ResourceType>Custom::EcsIamRoles</ResourceType>\
                     <LastUpdatedTimestamp>2026-01-01T00:00:00Z</LastUpdatedTimestamp><ResourceStatus>CREATE_COMPLETE</ResourceStatus>\
                     </member></StackResourceSummaries>"
                )),
                "ListExports" => xml(format!(
                    "<Exports><member><ExportingStackId>{stack_id}</ExportingStackId>\
                     <Name>shared-cluster-name</Name><Value>cluster-{suffix}</Value></member></Exports>"
                )),
                _ => Response::status(400),
            }
        })
    });
    let addr = http::serve(handler).await;
    (format!("http://{addr}"), calls)
}

fn unique() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{:x}", nanos % 0xffff_ffff)
}

struct Setup {
    proxy: FaultProxy,
    moto: aws_sdk_iam::Client,
    aws: Aws,
    cfn_calls: Arc<Mutex<Vec<String>>>,
    template: String,
    suffix: String,
    stack_name: String,
}

/// The stack's roles made as the function makes them (its own desired state and plan, applied
/// with its own IAM session straight to moto), and clients for the plan through the proxy.
async fn setup(stack: &str) -> Setup {
    let moto_endpoint = support::moto_endpoint();
    let moto = support::iam_client(moto_endpoint).await;
    let suffix = unique();
    let stack_name = format!("{stack}-{suffix}");
    let stack_id = format!("arn:aws:cloudformation:us-east-1:123456789012:stack/{stack_name}/5b6c0e10-0000-11ef-9a4b-0a1b2c3d4e5f");
    let env = identity::stack_env(&stack_id).unwrap();
    let physical = identity::physical_id(&env, &stack_id, "EcsRoles", "create-request");
    let properties = json!({
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:ecs-iam-roles",
        "Tags": [{"Key": "team", "Value": "platform"}],
        "Roles": {
            "TaskExecution": {"RoleName": format!("exec-{suffix}")},
            "Task": {"RoleName": format!("task-{suffix}"), "ClusterName": format!("cluster-{suffix}")},
        }
    });
    let spec = ecs_iam_roles::spec::parse(&properties).unwrap();
    let state = desired::build(&spec, &Owner::new(&env, "EcsRoles", &physical));
    let create =
        core_plan::converge(&state, &ActualState::default(), &Ownership::sole(&physical)).unwrap();
    let session = Session::new(
        &moto,
        tokio::time::Instant::now() + std::time::Duration::from_secs(60),
    );
    session.apply(&create).await.unwrap();

    let proxy = FaultProxy::start(moto_endpoint).await;
    let (cfn_endpoint, cfn_calls) = cloudformation(stack_id, suffix.clone(), physical).await;
    let iam_config = support::config(&proxy.endpoint).await;
    let cfn_config = support::config(&cfn_endpoint).await;
    let aws = Aws {
        iam: Aws::from_config(&iam_config).iam,
        cloudformation: aws_sdk_cloudformation::Client::new(&cfn_config),
    };
    let template = support::scratch(&format!("live-{suffix}.yaml"), TEMPLATE);
    Setup {
        proxy,
        moto,
        aws,
        cfn_calls,
        template,
        suffix,
        stack_name,
    }
}

impl Setup {
    /// The plan of the template with `--live`: the Suffix parameter and the cluster's name
    /// come from the deployed stack (its parameters, the account's exports).
    async fn plan(&self, extra: &[&str]) -> ecs_iam_roles_plan::Output {
        let mut args = vec![
            "plan",
            &self.template,
            "--live",
            "--stack-name",
            &self.stack_name,
            "--detailed-exitcode",
        ];
        args.extend_from_slice(extra);
        support::plan_with(&args, self.aws.clone()).await
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_made_by_hand_is_what_an_update_would_repair_and_nothing_is_written() {
    let s = setup("live").await;
    let exec = format!("exec-{}", s.suffix);
    let task = format!("task-{}", s.suffix);

    // As the function made them: no drift.
    let clean = s.plan(&[]).await;
    assert_eq!(clean.code, 0, "{}{}", clean.stdout, clean.stderr);
    assert!(
        clean.stdout.contains("EcsRoles (Custom::EcsIamRoles) ["),
        "{}",
        clean.stdout
    );
    assert!(
        clean.stdout.contains("]: no IAM change\n"),
        "{}",
        clean.stdout
    );
    assert!(s.proxy.count("GetRole") >= 2, "{:?}", s.proxy.calls());

    // By hand: the execution role loses its managed policy, the task role trusts EC2.
    let policy = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";
    s.moto
        .detach_role_policy()
        .role_name(&exec)
        .policy_arn(policy)
        .send()
        .await
        .unwrap();
    let ec2 = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    s.moto
        .update_assume_role_policy()
        .role_name(&task)
        .policy_document(ec2.to_string())
        .send()
        .await
        .unwrap();
    s.moto
        .tag_role()
        .role_name(&task)
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("team")
                .value("someone-else")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    s.proxy.clear_calls();
    s.cfn_calls.lock().unwrap().clear();
    let drift = s.plan(&[]).await;
    assert_eq!(drift.code, 2, "{}{}", drift.stdout, drift.stderr);
    let t = &drift.stdout;
    if std::env::var("SHOW_PLAN").is_ok() {
        eprintln!("{t}");
    }
    assert!(t.contains("]: drift: an Update would repair it\n"), "{t}");
    for line in [
        format!("  role {exec} (TaskExecution)\n    + managed policy {policy}\n"),
        format!("  role {task} (Task)\n"),
        "    - trust principal Service ec2.amazonaws.com\n".to_string(),
        "    + trust principal Service ecs-tasks.amazonaws.com\n".to_string(),
        "    + trust condition {\"ArnLike\":{\"aws:SourceArn\":\"arn:aws:ecs:us-east-1:123456789012:*\"},\"StringEquals\":{\"aws:SourceAccount\":\"123456789012\"}}\n".to_string(),
        "    ~ tag team=someone-else -> team=platform\n".to_string(),
        format!("    Grant: UpdateAssumeRolePolicy role {task}\n"),
        format!("    Grant: AttachRolePolicy role {exec} (policy {policy})\n"),
    ] {
        assert!(t.contains(&line), "{line}\n{t}");
    }
    // Read-only: IAM Get*/List* through the proxy, CloudFormation DescribeStackResource.
    assert!(!s.proxy.calls().is_empty());
    assert_eq!(
        s.proxy.writes(),
        Vec::<String>::new(),
        "{:?}",
        s.proxy.calls()
    );
    assert_eq!(
        *s.cfn_calls.lock().unwrap(),
        ["DescribeStacks", "ListStackResources", "ListExports"]
    );

    // The same as JSON.
    s.proxy.clear_calls();
    let json = s.plan(&["--format", "json"]).await;
    assert_eq!(json.code, 2);
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    let resource = &report["resources"][0];
    assert_eq!(resource["action"], "repair");
    assert!(resource["physicalId"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{}-EcsRoles-", s.stack_name)));
    let changes = resource["changes"].as_array().unwrap();
    assert!(
        changes.contains(
            &json!({"op": "add", "role": exec, "what": "managedPolicy", "value": policy})
        ),
        "{changes:?}"
    );
    assert!(
        changes.contains(
            &json!({"op": "remove", "role": task, "what": "trust", "part": "principal",
        "value": {"Service": "ec2.amazonaws.com"}})
        ),
        "{changes:?}"
    );
    assert_eq!(s.proxy.writes(), Vec::<String>::new());

    // Still drifted: the plan repaired nothing.
    let again = s.plan(&[]).await;
    assert_eq!(again.code, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_physical_id_of_another_stack_or_no_resource_yet() {
    let s = setup("other").await;
    // --physical-id: the pseudo parameters come from the options; any id is taken as given.
    let suffix = format!("Suffix={}", s.suffix);
    let foreign = s
        .plan(&["--physical-id", "someone-elses-id", "--parameter", &suffix])
        .await;
    // The roles exist but are owned by another id: the function would refuse to change them.
    assert_eq!(foreign.code, 1, "{}", foreign.stdout);
    assert!(
        foreign
            .stdout
            .contains("already exists and is not owned by this resource"),
        "{}",
        foreign.stdout
    );
    assert_eq!(s.proxy.writes(), Vec::<String>::new());

    // A stack that has no such resource yet: the plan is its Create.
    let other = support::scratch(
        &format!("live-other-{}.yaml", s.suffix),
        &TEMPLATE.replace("  EcsRoles:", "  NewRoles:"),
    );
    let parameter = format!("Suffix={}-new", s.suffix);
    let out = support::plan_with(
        &[
            "plan",
            &other,
            "--live",
            "--stack-name",
            &s.stack_name,
            "--parameter",
            &parameter,
            "--detailed-exitcode",
        ],
        s.aws.clone(),
    )
    .await;
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("NewRoles (Custom::EcsIamRoles): create\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("has no resource NewRoles yet"),
        "{}",
        out.stdout
    );

    // A stack that does not exist: an error.
    let missing = support::plan_with(
        &["plan", &other, "--live", "--stack-name", "no-such-stack"],
        s.aws.clone(),
    )
    .await;
    assert_eq!(missing.code, 1, "{}", missing.stdout);
    assert!(
        missing.stderr.contains(
            "DescribeStacks: ValidationError: Stack with id no-such-stack does not exist"
        ),
        "{}",
        missing.stderr
    );
    assert_eq!(s.proxy.writes(), Vec::<String>::new());
}
