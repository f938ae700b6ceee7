//! What IAM should hold for some properties, written by hand from the contract (its "What each
//! kind creates" and "More of ECS" tables, and the documents it follows) and the Amazon ECS
//! Developer Guide's IAM pages, independently of the library: the conversation tests compare IAM
//! with this, so a mistake in `desired`, the kinds or the plan cannot hide behind itself. Names
//! the function generates are taken from the answer, and checked for their shape.
//!
//! Only the properties that shape IAM are read: `PropagationDelay` (which the test harness sets
//! to 0 on every event that does not set it) and CloudFormation's own `ServiceToken` and
//! `ServiceTimeout` change nothing here.

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
    /// `ContainerInstance` and `ManagedInstances`: the profile holding exactly this role.
    pub instance_profile: Option<ExpectedInstanceProfile>,
}

pub struct ExpectedInstanceProfile {
    pub name: String,
    pub path: String,
    pub arn: String,
    pub tags: BTreeMap<String, String>,
}

/// A service-linked role `ServiceLinked` asks for: it exists, at IAM's path for the service,
/// and is not tagged as this resource's.
pub struct ExpectedServiceLinkedRole {
    /// `AWSServiceName`.
    pub service_name: String,
    /// The name IAM gives it (moto names them differently; see `assert_iam_matches`).
    pub role_name: String,
    /// `/aws-service-role/<service_name>/`.
    pub path: String,
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
    pub service_linked: Vec<ExpectedServiceLinkedRole>,
    pub data: BTreeMap<String, String>,
}

/// "Amazon ECS infrastructure IAM role" (and "… for load balancers", the Express Mode tutorial):
/// each entry of `Uses` and its AWS managed policy, path as in the pages' ARNs.
const INFRASTRUCTURE_USES: [(&str, &str); 6] = [
    (
        "Volumes",
        "service-role/AmazonECSInfrastructureRolePolicyForVolumes",
    ),
    (
        "ServiceConnectTls",
        "service-role/AmazonECSInfrastructureRolePolicyForServiceConnectTransportLayerSecurity",
    ),
    (
        "VpcLattice",
        "AmazonECSInfrastructureRolePolicyForVpcLattice",
    ),
    (
        "ManagedInstances",
        "AmazonECSInfrastructureRolePolicyForManagedInstances",
    ),
    (
        "LoadBalancers",
        "AmazonECSInfrastructureRolePolicyForLoadBalancers",
    ),
    (
        "ExpressServices",
        "service-role/AmazonECSInfrastructureRoleforExpressGatewayServices",
    ),
];

/// "Using service-linked roles for Amazon ECS" and Application Auto Scaling's "Amazon ECS and
/// Application Auto Scaling": entry of `Services`, `AWSServiceName`, the role IAM makes.
const SERVICE_LINKED: [(&str, &str, &str); 3] = [
    ("Ecs", "ecs.amazonaws.com", "AWSServiceRoleForECS"),
    (
        "EcsCompute",
        "ecs-compute.amazonaws.com",
        "AWSServiceRoleForECSCompute",
    ),
    (
        "ApplicationAutoScaling",
        "ecs.application-autoscaling.amazonaws.com",
        "AWSServiceRoleForApplicationAutoScaling_ECSService",
    ),
];

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

fn strings<'a>(value: &'a Value, key: &str) -> Vec<&'a str> {
    value
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|v| v.as_str().unwrap())
        .collect()
}

/// A trust policy the page prints without a condition: `service` may assume the role.
fn plain_service_trust(service: &str) -> Value {
    document(vec![json!({
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"
    })])
}

/// `TaskExecutionExtras` ("Amazon ECS task execution IAM role"): one statement per action that
/// has ARNs, on exactly them; none at all when no list is set.
fn task_execution_extras(role: &Value) -> Option<Value> {
    let secrets = strings(role, "Secrets");
    let of = |service: &str| -> Vec<&str> {
        let prefix = format!(":{service}:");
        secrets
            .iter()
            .copied()
            .filter(|arn| arn.contains(&prefix))
            .collect()
    };
    let objects = strings(role, "EnvironmentFiles");
    let mut buckets: Vec<&str> = vec![];
    for object in &objects {
        // arn:PARTITION:s3:::BUCKET/KEY → arn:PARTITION:s3:::BUCKET
        let bucket = &object[..object.find('/').unwrap()];
        if !buckets.contains(&bucket) {
            buckets.push(bucket);
        }
    }
    let statements: Vec<Value> = [
        ("secretsmanager:GetSecretValue", of("secretsmanager")),
        ("ssm:GetParameters", of("ssm")),
        ("kms:Decrypt", strings(role, "KmsKeyArns")),
        ("s3:GetObject", objects.clone()),
        ("s3:GetBucketLocation", buckets),
    ]
    .into_iter()
    .filter(|(_, resources)| !resources.is_empty())
    .map(
        |(action, resources)| json!({"Effect": "Allow", "Action": [action], "Resource": resources}),
    )
    .collect();
    (!statements.is_empty()).then(|| document(statements))
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
    // The ARN of another kind's role of this resource (`Events` passes the task roles).
    let arn_of_kind = |kind: &str| -> Option<String> {
        let role = roles.get(kind)?;
        Some(match text(role, "RoleName") {
            Some(name) => role_arn(name),
            None => data[format!("{kind}RoleArn")].as_str().unwrap().to_string(),
        })
    };
    for (kind, role) in roles {
        if kind == "ServiceLinked" {
            // The account's, not this resource's: no RoleName, no tags, only an output key.
            for wanted in strings(role, "Services") {
                let (label, service, name) = SERVICE_LINKED
                    .into_iter()
                    .find(|(label, _, _)| *label == wanted)
                    .unwrap();
                let path = format!("/aws-service-role/{service}/");
                let arn = format!("arn:{partition}:iam::{account}:role{path}{name}");
                expected
                    .data
                    .insert(format!("{label}ServiceLinkedRoleArn"), arn);
                expected.service_linked.push(ExpectedServiceLinkedRole {
                    service_name: service.into(),
                    role_name: name.into(),
                    path,
                });
            }
            continue;
        }
        let name = match text(role, "RoleName") {
            Some(name) => name.to_string(),
            None => {
                let name = named_in(&format!("{kind}RoleArn"));
                generated(&name, kind);
                if kind == "ManagedInstances" {
                    // "Amazon ECS Managed Instances instance profile": the infrastructure policy
                    // passes only role/ecsInstanceRole*.
                    assert!(
                        name.starts_with("ecsInstanceRole-"),
                        "generated name {name}"
                    );
                }
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
        let mut instance_profile = None;
        let mut with_instance_profile = |outputs: &mut Vec<(String, String)>| {
            let profile = text(role, "InstanceProfileName")
                .unwrap_or(&name)
                .to_string();
            let arn = format!("arn:{partition}:iam::{account}:instance-profile{path}{profile}");
            outputs.push((format!("{kind}InstanceProfileArn"), arn.clone()));
            outputs.push((format!("{kind}InstanceProfileName"), profile.clone()));
            instance_profile = Some(ExpectedInstanceProfile {
                name: profile,
                path: path.to_string(),
                arn,
                tags: tags.clone(),
            });
        };
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
                // The stack's own policies, attached as given (contract: ManagedPolicyArns).
                managed.extend(
                    strings(role, "ManagedPolicyArns")
                        .into_iter()
                        .map(String::from),
                );
                if let Some(extras) = task_execution_extras(role) {
                    inline.insert("TaskExecutionExtras".to_string(), extras);
                }
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
                managed.extend(
                    strings(role, "ManagedPolicyArns")
                        .into_iter()
                        .map(String::from),
                );
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
            // The pages of the kinds below print their trust without a condition, and the
            // contract adds none where the service does not document it.
            "ContainerInstance" => {
                managed.insert(aws("service-role/AmazonEC2ContainerServiceforEC2Role"));
                if flag(role, "SsmManaged", false) {
                    managed.insert(aws("AmazonSSMManagedInstanceCore"));
                }
                outputs.push((format!("{kind}RoleName"), name.clone()));
                with_instance_profile(&mut outputs);
                plain_service_trust("ec2.amazonaws.com")
            }
            "ManagedInstances" => {
                assert_eq!(path, "/", "ManagedInstances lives at path /");
                managed.insert(aws("AmazonECSInstanceRolePolicyForManagedInstances"));
                outputs.push((format!("{kind}RoleName"), name.clone()));
                with_instance_profile(&mut outputs);
                plain_service_trust("ec2.amazonaws.com")
            }
            "Infrastructure" => {
                for wanted in strings(role, "Uses") {
                    let (_, policy) = INFRASTRUCTURE_USES
                        .into_iter()
                        .find(|(entry, _)| *entry == wanted)
                        .unwrap();
                    managed.insert(aws(policy));
                }
                outputs.push((format!("{kind}RoleName"), name.clone()));
                plain_service_trust("ecs.amazonaws.com")
            }
            "CodeDeploy" => {
                managed.insert(aws(if least_privilege {
                    "AWSCodeDeployRoleForECSLimited"
                } else {
                    "AWSCodeDeployRoleForECS"
                }));
                outputs.push((format!("{kind}RoleName"), name.clone()));
                plain_service_trust("codedeploy.amazonaws.com")
            }
            "Events" => {
                managed.insert(aws("service-role/AmazonEC2ContainerServiceEventsRole"));
                let passed: Vec<String> = match role.get("PassRoleArns") {
                    Some(Value::Array(arns)) => arns
                        .iter()
                        .map(|a| a.as_str().unwrap().to_string())
                        .collect(),
                    _ => ["TaskExecution", "Task"]
                        .into_iter()
                        .filter_map(arn_of_kind)
                        .collect(),
                };
                inline.insert(
                    "PassTaskRoles".to_string(),
                    document(vec![json!({
                        "Effect": "Allow", "Action": ["iam:PassRole"], "Resource": passed
                    })]),
                );
                outputs.push((format!("{kind}RoleName"), name.clone()));
                plain_service_trust("events.amazonaws.com")
            }
            "DeploymentHooks" => {
                inline.insert(
                    "InvokeHooks".to_string(),
                    document(vec![json!({
                        "Effect": "Allow",
                        "Action": ["lambda:InvokeFunction"],
                        "Resource": strings(role, "FunctionArns"),
                    })]),
                );
                outputs.push((format!("{kind}RoleName"), name.clone()));
                plain_service_trust("ecs.amazonaws.com")
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
            instance_profile,
        });
    }
    expected
}
