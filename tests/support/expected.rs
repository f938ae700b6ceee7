//! What IAM should hold for some properties, written by hand from the contract (its "What each
//! kind creates" table and the seeds), independently of the library: the conversation tests
//! compare IAM with this, so a mistake in `desired`, the kinds or the plan cannot hide behind
//! itself. Names the function generates are taken from the answer, and checked for their shape.

use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

pub struct ExpectedRole {
    pub name: String,
    pub path: String,
    pub trust: Value,
    pub managed: BTreeSet<String>,
    pub inline: BTreeMap<String, Value>,
    pub boundary: Option<String>,
    pub tags: BTreeMap<String, String>,
}

pub struct ExpectedPolicy {
    pub arn: String,
    pub document: Value,
    pub tags: BTreeMap<String, String>,
}

#[derive(Default)]
pub struct Expected {
    pub roles: Vec<ExpectedRole>,
    pub policies: Vec<ExpectedPolicy>,
    pub data: BTreeMap<String, String>,
}

const ECS_ANYWHERE_AGENT: [&str; 13] = [
    "ecs:DeregisterContainerInstance",
    "ecs:DiscoverPollEndpoint",
    "ecs:Poll",
    "ecs:RegisterContainerInstance",
    "ecs:StartTelemetrySession",
    "ecs:UpdateContainerInstancesState",
    "ecs:Submit*",
    "ecr:GetAuthorizationToken",
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchGetImage",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
];

const SSO_MANAGEMENT: [&str; 21] = [
    "sso:CreateAccountAssignment",
    "sso:DescribeAccountAssignmentDeletionStatus",
    "sso:DescribeAccountAssignmentCreationStatus",
    "sso:DescribePermissionSet",
    "sso:DeletePermissionSet",
    "sso:DeleteAccountAssignment",
    "sso:ListPermissionSets",
    "sso:ListTagsForResource",
    "sso:ListAccountAssignments",
    "organizations:ListAccounts",
    "organizations:DescribeAccount",
    "organizations:DescribeOrganization",
    "iam:GetSAMLProvider",
    "iam:GetRole",
    "iam:ListAttachedRolePolicies",
    "iam:ListRolePolicies",
    "identitystore:ListUsers",
    "sso:CreatePermissionSet",
    "sso:PutInlinePolicyToPermissionSet",
    "iam:ListRoles",
    "iam:ListUsers",
];

fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

fn flag(value: &Value, key: &str, default: bool) -> bool {
    match value.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => default,
    }
}

fn document(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn allow_all(actions: &[&str]) -> Value {
    document(vec![
        json!({"Effect": "Allow", "Action": actions, "Resource": "*"}),
    ])
}

/// The expected state after a SUCCESS `answer` to `properties` in `stack_id`.
pub fn expected(stack_id: &str, answer: &Value, properties: &Value) -> Expected {
    // arn:PARTITION:cloudformation:REGION:ACCOUNT:stack/NAME/ID
    let parts: Vec<&str> = stack_id.split(':').collect();
    let (partition, region, account) = (parts[1], parts[3], parts[4]);
    let owner = answer["PhysicalResourceId"].as_str().unwrap();
    let data = &answer["Data"];
    let path = text(properties, "Path").unwrap_or("/");
    let restrict = flag(properties, "RestrictTrustToAccount", true);
    let mut tags: BTreeMap<String, String> = properties["Tags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            (
                text(t, "Key").unwrap().into(),
                text(t, "Value").unwrap().into(),
            )
        })
        .collect();
    tags.insert("ecs-iam-roles:owner".into(), owner.into());

    let service_trust = |service: &str, source: &str| {
        let mut statement = json!({
            "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"
        });
        if restrict {
            statement["Condition"] = json!({
                "StringEquals": {"aws:SourceAccount": account},
                "ArnLike": {"aws:SourceArn": format!("arn:{partition}:{source}:{region}:{account}:*")},
            });
        }
        document(vec![statement])
    };
    let principal_trust = |role: &Value| {
        let mut statement = json!({
            "Effect": "Allow",
            "Principal": {"AWS": text(role, "TrustedPrincipalArn").unwrap()},
            "Action": "sts:AssumeRole",
        });
        if let Some(external_id) = text(role, "ExternalId") {
            statement["Condition"] = json!({"StringEquals": {"sts:ExternalId": external_id}});
        }
        document(vec![statement])
    };
    let aws = |name: &str| format!("arn:{partition}:iam::aws:policy/{name}");
    let role_arn = |name: &str| format!("arn:{partition}:iam::{account}:role{path}{name}");
    let policy_arn = |name: &str| format!("arn:{partition}:iam::{account}:policy{path}{name}");
    // A name the function made: STACK-LOGICAL-LABEL-SUFFIX, at most 64 characters.
    let generated = |name: &str, label: &str| {
        assert!(
            name.len() <= 64 && name.contains(&format!("-{label}-")),
            "generated name {name}"
        );
    };
    // The last part of an ARN the answer gave (the name it made).
    let named_in = |key: &str| -> String {
        let arn = data[key]
            .as_str()
            .unwrap_or_else(|| panic!("Data has no {key}: {data}"));
        arn.rsplit('/').next().unwrap().to_string()
    };

    let mut expected = Expected::default();
    let roles = properties["Roles"].as_object().unwrap();
    for (kind, role) in roles {
        let name = match text(role, "RoleName") {
            Some(name) => name.to_string(),
            None => {
                let name = named_in(&format!("{kind}RoleArn"));
                generated(&name, kind);
                name
            }
        };
        let mut policy = |label: &str, document: Value| -> String {
            let name = match text(role, "PolicyName") {
                Some(name) => name.to_string(),
                None => {
                    let name = named_in(&format!("{kind}PolicyArn"));
                    generated(&name, label);
                    name
                }
            };
            let arn = policy_arn(&name);
            expected.policies.push(ExpectedPolicy {
                arn: arn.clone(),
                document,
                tags: tags.clone(),
            });
            expected
                .data
                .insert(format!("{kind}PolicyArn"), arn.clone());
            arn
        };
        let mut managed = BTreeSet::new();
        let mut inline = BTreeMap::new();
        let least_privilege = flag(role, "LeastPrivilege", false);
        let region_of = |key: &str| text(role, key).unwrap_or(region).to_string();
        let mut outputs = vec![(format!("{kind}RoleArn"), role_arn(&name))];
        let trust = match kind.as_str() {
            "EcsAnywhere" => {
                managed.insert(aws("AmazonSSMManagedInstanceCore"));
                if least_privilege {
                    managed.insert(policy("EcsAnywhereAgent", allow_all(&ECS_ANYWHERE_AGENT)));
                } else {
                    managed.insert(aws("service-role/AmazonEC2ContainerServiceforEC2Role"));
                }
                outputs.push((format!("{kind}RoleName"), name.clone()));
                service_trust("ssm.amazonaws.com", "ssm")
            }
            "TaskExecution" => {
                managed.insert(aws("service-role/AmazonECSTaskExecutionRolePolicy"));
                outputs.push((format!("{kind}RoleName"), name.clone()));
                service_trust("ecs-tasks.amazonaws.com", "ecs")
            }
            "Task" => {
                let cluster = text(role, "ClusterName").unwrap();
                let ecs = format!("arn:{partition}:ecs:{region}:{account}");
                let mut statements = vec![json!({
                    "Effect": "Allow",
                    "Action": ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                               "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
                    "Resource": "*",
                })];
                if !least_privilege {
                    statements.push(json!({
                        "Effect": "Allow",
                        "Action": ["ecs:ExecuteCommand", "ecs:DescribeTasks"],
                        "Resource": [format!("{ecs}:task/{cluster}/*"), format!("{ecs}:cluster/{cluster}")],
                    }));
                }
                inline.insert("EcsExec".to_string(), document(statements));
                outputs.push((format!("{kind}RoleName"), name.clone()));
                service_trust("ecs-tasks.amazonaws.com", "ecs")
            }
            "SsoManagement" => {
                managed.insert(policy(kind, allow_all(&SSO_MANAGEMENT)));
                outputs.push(("ssoRoleARN".into(), role_arn(&name)));
                outputs.push(("ssoRegion".into(), region_of("SsoRegion")));
                principal_trust(role)
            }
            "ClusterAccess" => {
                let actions = [
                    "ecs:ListTasks",
                    "ecs:DescribeTasks",
                    "cloudtrail:LookupEvents",
                ];
                managed.insert(policy(kind, allow_all(&actions)));
                outputs.push(("clusterAccessRoleArn".into(), role_arn(&name)));
                outputs.push(("ecsRegion".into(), region_of("EcsRegion")));
                principal_trust(role)
            }
            other => panic!("tests/support/expected.rs knows no kind {other}: describe it here"),
        };
        expected.data.extend(outputs);
        expected.roles.push(ExpectedRole {
            name,
            path: path.to_string(),
            trust,
            managed,
            inline,
            boundary: text(properties, "PermissionsBoundary").map(str::to_string),
            tags: tags.clone(),
        });
    }
    expected
}
