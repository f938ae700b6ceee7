// The function as the `onEvent` handler of the CDK Provider framework. The framework calls it
// without a ResponseURL; the function then answers by its return value
// `{PhysicalResourceId, Data}` (and fails the invocation with the Reason on FAILED), which is
// what the framework expects. tests/foundation.rs `no_response_url_is_answered_by_return_value`
// plays this conversation against moto.
import { CfnOutput, CustomResource, Duration, Stack, StackProps } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { Provider } from "aws-cdk-lib/custom-resources";
import { Construct } from "constructs";

export class EcsIamRolesStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // `cargo lambda build --release --arm64 --output-format zip` writes this file.
    const onEvent = new lambda.Function(this, "EcsIamRolesFunction", {
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: lambda.Architecture.ARM_64,
      handler: "bootstrap",
      code: lambda.Code.fromAsset("../../target/lambda/ecs-iam-roles/bootstrap.zip"),
      memorySize: 256,
      timeout: Duration.minutes(5),
    });
    // The same tag-scoped permissions as template.yaml's FunctionRole, in short.
    const resources = [
      `arn:${this.partition}:iam::${this.account}:role/*`,
      `arn:${this.partition}:iam::${this.account}:policy/*`,
    ];
    onEvent.addToRolePolicy(new iam.PolicyStatement({
      actions: ["iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies",
        "iam:ListInstanceProfilesForRole", "iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions"],
      resources: [...resources, `arn:${this.partition}:iam::aws:policy/*`],
    }));
    onEvent.addToRolePolicy(new iam.PolicyStatement({
      actions: ["iam:CreateRole", "iam:CreatePolicy", "iam:TagRole", "iam:TagPolicy"],
      resources,
      conditions: { StringLike: { "aws:RequestTag/ecs-iam-roles:owner": "?*" } },
    }));
    onEvent.addToRolePolicy(new iam.PolicyStatement({
      actions: ["iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy",
        "iam:DetachRolePolicy", "iam:RemoveRoleFromInstanceProfile", "iam:PutRolePermissionsBoundary",
        "iam:DeleteRolePermissionsBoundary", "iam:UntagRole", "iam:DeleteRole", "iam:CreatePolicyVersion",
        "iam:DeletePolicyVersion", "iam:UntagPolicy", "iam:DeletePolicy"],
      resources,
      conditions: { StringLike: { "iam:ResourceTag/ecs-iam-roles:owner": "?*" } },
    }));

    const provider = new Provider(this, "EcsIamRolesProvider", { onEventHandler: onEvent });
    const roles = new CustomResource(this, "EcsRoles", {
      serviceToken: provider.serviceToken,
      resourceType: "Custom::EcsIamRoles",
      properties: {
        Roles: {
          TaskExecution: {},
          Task: { ClusterName: "retail-store-ecs-cluster" },
        },
      },
    });
    new CfnOutput(this, "TaskRoleArn", { value: roles.getAttString("TaskRoleArn") });
    new CfnOutput(this, "TaskExecutionRoleArn", { value: roles.getAttString("TaskExecutionRoleArn") });
  }
}
