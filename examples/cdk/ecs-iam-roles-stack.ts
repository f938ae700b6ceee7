// The function deployed with the CDK, with exactly template.yaml's execution-role policy, and a
// custom resource that uses it directly (no Provider framework: the function answers
// CloudFormation itself).
//
// `execution-role-policy.json` is generated from template.yaml
// (`node test-tools/authz/policy-fragment.mjs template.yaml`); tests/template.rs fails when it
// differs from the template's policy, so the authorization test of the template covers it too.
// It refers to the parameters ManagedPath and RequiredPermissionsBoundaryArn and the condition
// RequireBoundary, declared below under the same logical ids as in template.yaml.
import { CfnCondition, CfnOutput, CfnParameter, CustomResource, Duration, Fn, Stack, StackProps } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { Construct } from "constructs";
import * as path from "path";
import executionRolePolicy from "./execution-role-policy.json";

export class EcsIamRolesStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const managedPath = new CfnParameter(this, "ManagedPath", {
      type: "String",
      default: "/",
      allowedPattern: "^/([A-Za-z0-9_+=,.@-]+/)*$",
    });
    const requiredBoundary = new CfnParameter(this, "RequiredPermissionsBoundaryArn", {
      type: "String",
      default: "",
    });
    new CfnCondition(this, "RequireBoundary", {
      expression: Fn.conditionNot(Fn.conditionEquals(requiredBoundary.valueAsString, "")),
    });

    // `cargo lambda build --release --arm64 --output-format zip` writes this file.
    const fn = new lambda.Function(this, "EcsIamRolesFunction", {
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: lambda.Architecture.ARM_64,
      handler: "bootstrap",
      code: lambda.Code.fromAsset(path.join(__dirname, "../../target/lambda/ecs-iam-roles/bootstrap.zip")),
      memorySize: 256,
      timeout: Duration.minutes(5),
      environment: {
        // The operator's settings, as template.yaml passes them. Adoption stays off.
        ECS_IAM_ROLES_ALLOW_ADOPTION: "false",
        ECS_IAM_ROLES_MANAGED_PATH: managedPath.valueAsString,
        ECS_IAM_ROLES_REQUIRED_BOUNDARY: requiredBoundary.valueAsString,
      },
    });
    const policy = new iam.CfnPolicy(this, "ManageOwnedIam", {
      policyName: "manage-owned-iam",
      policyDocument: executionRolePolicy,
      roles: [fn.role!.roleName],
    });

    const roles = new CustomResource(this, "EcsRoles", {
      serviceToken: fn.functionArn,
      resourceType: "Custom::EcsIamRoles",
      properties: {
        Roles: {
          TaskExecution: {},
          Task: { ClusterName: "retail-store-ecs-cluster" },
        },
      },
    });
    // The function may change IAM only once its policy is attached.
    roles.node.addDependency(policy);
    new CfnOutput(this, "TaskRoleArn", { value: roles.getAttString("TaskRoleArn") });
    new CfnOutput(this, "TaskExecutionRoleArn", { value: roles.getAttString("TaskExecutionRoleArn") });
  }
}
