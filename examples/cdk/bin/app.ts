#!/usr/bin/env node
// The CDK app: one environment-agnostic stack, EcsIamRoles, configured with context
// (cdk.json holds the defaults; override with `-c name=value`):
//
//   managedPath                     template.yaml's ManagedPath ("/")
//   requiredPermissionsBoundaryArn  template.yaml's RequiredPermissionsBoundaryArn ("": none)
//   allowedKinds                    template.yaml's AllowedKinds ("": every kind)
//   trustedPrincipalAccounts        template.yaml's TrustedPrincipalAccounts ("": own account only)
//   allowAdoption                   template.yaml's AllowAdoption ("false"; must be set)
//   logRetentionInDays              template.yaml's LogRetentionInDays (30)
//   assetDir                        the directory holding the function's bootstrap (default:
//                                   cargo lambda's output, ../../target/lambda/ecs-iam-roles-function,
//                                   relative to this app, not to the current directory)
import { App } from "aws-cdk-lib";
import * as path from "path";
import { EcsIamRolesStack } from "../lib/ecs-iam-roles-stack";

const app = new App();

function context(name: string): string | undefined {
  const value: unknown = app.node.tryGetContext(name);
  return value === undefined || value === null ? undefined : String(value);
}

function required(name: string): string {
  const value = context(name);
  if (value === undefined) throw new Error(`context ${name} is not set (cdk.json sets it; -c ${name}=... overrides)`);
  return value;
}

const allowAdoption = required("allowAdoption");
if (allowAdoption !== "true" && allowAdoption !== "false") {
  throw new Error(`context allowAdoption must be "true" or "false", got ${JSON.stringify(allowAdoption)}`);
}
const assetDir = context("assetDir");

new EcsIamRolesStack(app, "EcsIamRoles", {
  description: "ecs-iam-roles: the Custom::EcsIamRoles function (CDK example) and a resource using it.",
  settings: {
    managedPath: required("managedPath"),
    requiredPermissionsBoundaryArn: context("requiredPermissionsBoundaryArn") ?? "",
    allowedKinds: context("allowedKinds") ?? "",
    trustedPrincipalAccounts: context("trustedPrincipalAccounts") ?? "",
    allowAdoption: allowAdoption === "true",
    logRetentionInDays: Number(required("logRetentionInDays")),
  },
  codeDir: assetDir
    ? path.resolve(assetDir)
    : path.join(__dirname, "..", "..", "..", "target", "lambda", "ecs-iam-roles-function"),
});
