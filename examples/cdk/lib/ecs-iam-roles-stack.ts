// The function deployed with the CDK: the same function and execution role as template.yaml
// (trust, `logs`, `on-failure-destination`, `read-stack-status` and `manage-owned-iam` policies),
// the same settings, and a custom resource that uses the function directly (no Provider
// framework: the function answers CloudFormation itself). It leaves out the template's alarms,
// metric filter, export and queue-URL output (docs: operators/cdk.md, "What it leaves out").
//
// `execution-role-policy.json` is generated from template.yaml (`cargo run -p xtask -- generate`
// runs test-tools/authz/policy-fragment.mjs); tests/it/template.rs fails when it
// differs from the template's policy, and tests/cdk.rs synthesizes this stack and checks that
// its role renders to exactly the template's role for the same settings (and runs the
// authorization test's escalation table against it).
//
// The template's parameters ManagedPath, RequiredPermissionsBoundaryArn, AllowedKinds,
// TrustedPrincipalAccounts and AllowAdoption are props here, substituted at synth time (see
// `executionRolePolicy` below), so the synthesized template has no parameters and the stack
// stays environment-agnostic.
import { Aws, CfnOutput, CustomResource, Duration, Fn, RemovalPolicy, Stack, StackProps } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as destinations from "aws-cdk-lib/aws-lambda-destinations";
import * as logs from "aws-cdk-lib/aws-logs";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import * as fs from "fs";
import * as path from "path";

/** The operator's settings: template.yaml's parameters of the same names. */
export interface EcsIamRolesSettings {
  /** The IAM path the function creates, changes and deletes under (template: ManagedPath). */
  readonly managedPath: string;
  /**
   * The permissions boundary every role must carry, or "" for none
   * (template: RequiredPermissionsBoundaryArn).
   */
  readonly requiredPermissionsBoundaryArn: string;
  /**
   * The kinds stacks may ask for, comma-separated (e.g. "TaskExecution,Task"), or "" for every
   * kind (template: AllowedKinds). Kind names are checked by the function, not here.
   */
  readonly allowedKinds: string;
  /**
   * The accounts whose principals may be a TrustedPrincipalArn: 12-digit ids, comma-separated,
   * "" for the function's own account only, "*" for any (template: TrustedPrincipalAccounts).
   */
  readonly trustedPrincipalAccounts: string;
  /** Whether stacks may adopt untagged existing roles (template: AllowAdoption). No default. */
  readonly allowAdoption: boolean;
  /** CloudWatch Logs retention of the function's log group (template: LogRetentionInDays). */
  readonly logRetentionInDays: number;
}

export interface EcsIamRolesStackProps extends StackProps {
  readonly settings: EcsIamRolesSettings;
  /**
   * The directory holding the function's `bootstrap` (arm64 Linux): cargo lambda's output,
   * `target/lambda/ecs-iam-roles-function` after `cargo lambda build --release --arm64`.
   */
  readonly codeDir: string;
}

// The template's rules for its parameters (AllowedPattern, AllowedValues).
const MANAGED_PATH = /^\/([A-Za-z0-9_+=,.@-]+\/)*$/;
const BOUNDARY_ARN = /^$|^arn:aws[a-z-]*:iam::(aws|[0-9]{12}):policy\/.+$/;
const ALLOWED_KINDS = /^[A-Za-z, ]*$/;
const TRUSTED_ACCOUNTS = /^(\*|[0-9, ]*)$/;
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 180, 365];

export function validateSettings(s: EcsIamRolesSettings): void {
  if (!MANAGED_PATH.test(s.managedPath)) {
    throw new Error(`managedPath ${JSON.stringify(s.managedPath)} is not an IAM path like / or /ecs-iam-roles/`);
  }
  if (!BOUNDARY_ARN.test(s.requiredPermissionsBoundaryArn)) {
    throw new Error(
      `requiredPermissionsBoundaryArn ${JSON.stringify(s.requiredPermissionsBoundaryArn)} is not "" or a policy ARN`,
    );
  }
  if (!ALLOWED_KINDS.test(s.allowedKinds)) {
    throw new Error(`allowedKinds ${JSON.stringify(s.allowedKinds)} is not kind names separated by commas, or ""`);
  }
  if (!TRUSTED_ACCOUNTS.test(s.trustedPrincipalAccounts)) {
    throw new Error(
      `trustedPrincipalAccounts ${JSON.stringify(s.trustedPrincipalAccounts)} is not account ids separated by commas, "" or "*"`,
    );
  }
  if (typeof s.allowAdoption !== "boolean") {
    throw new Error("allowAdoption must be set, true or false");
  }
  if (!LOG_RETENTION_DAYS.includes(s.logRetentionInDays)) {
    throw new Error(`logRetentionInDays ${s.logRetentionInDays} is not one of ${LOG_RETENTION_DAYS.join(", ")}`);
  }
}

/**
 * template.yaml's `manage-owned-iam` policy (execution-role-policy.json) with the settings put
 * in, as CloudFormation would: `${ManagedPath}` inside `Fn::Sub`, `Ref` of
 * RequiredPermissionsBoundaryArn, and the statements under `Fn::If [RequireBoundary, ...]` kept
 * or dropped. The pseudo parameters (`${AWS::Partition}`, `${AWS::AccountId}`) stay for
 * CloudFormation. Any other parameter or condition is an error, so that a new one in the template
 * cannot slip through unsubstituted.
 */
export function executionRolePolicy(settings: EcsIamRolesSettings, file = path.join(__dirname, "..", "execution-role-policy.json")): unknown {
  const document: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
  const boundary = settings.requiredPermissionsBoundaryArn;
  const NO_VALUE = Symbol("AWS::NoValue");
  const walk = (x: unknown, where: string): unknown => {
    if (Array.isArray(x)) {
      return x.map((v, i) => walk(v, `${where}[${i}]`)).filter((v) => v !== NO_VALUE);
    }
    if (x === null || typeof x !== "object") return x;
    const entries = Object.entries(x as Record<string, unknown>);
    if (entries.length === 1) {
      const [key, arg] = entries[0];
      if (key === "Ref") {
        if (arg === "RequiredPermissionsBoundaryArn") return boundary;
        if (arg === "AWS::NoValue") return NO_VALUE;
        throw new Error(`${file} ${where}: Ref ${String(arg)} has no CDK equivalent here`);
      }
      if (key === "Fn::If") {
        const [condition, ifTrue, ifFalse] = arg as [string, unknown, unknown];
        if (condition !== "RequireBoundary") throw new Error(`${file} ${where}: unknown condition ${condition}`);
        return walk(boundary !== "" ? ifTrue : ifFalse, where);
      }
      if (key === "Fn::Sub") {
        if (typeof arg !== "string") throw new Error(`${file} ${where}: Fn::Sub with variables is not expected`);
        const text = arg.replace(/\$\{ManagedPath\}/g, settings.managedPath);
        for (const [, name] of text.matchAll(/\$\{([^}]*)\}/g)) {
          if (!name.startsWith("AWS::")) throw new Error(`${file} ${where}: \${${name}} has no CDK equivalent here`);
        }
        return text.includes("${") ? { "Fn::Sub": text } : text;
      }
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) {
      const w = walk(v, `${where}.${k}`);
      if (w !== NO_VALUE) out[k] = w;
    }
    return out;
  };
  return walk(document, "");
}

export class EcsIamRolesStack extends Stack {
  /** The ServiceToken of `Custom::EcsIamRoles` resources: the function's ARN. */
  public readonly serviceToken: string;

  constructor(scope: Construct, id: string, props: EcsIamRolesStackProps) {
    super(scope, id, props);
    const settings = props.settings;
    validateSettings(settings);
    if (!fs.existsSync(path.join(props.codeDir, "bootstrap"))) {
      throw new Error(
        `${props.codeDir} has no bootstrap: build the function first (cargo lambda build --release --arm64), ` +
          "or pass the directory holding it with -c assetDir=DIR",
      );
    }

    const logGroup = new logs.LogGroup(this, "FunctionLogGroup", {
      logGroupName: Fn.sub("/aws/lambda/${AWS::StackName}-ecs-iam-roles"),
      retention: settings.logRetentionInDays as logs.RetentionDays,
      // The record of the IAM changes made: kept when the stack goes, as template.yaml keeps it.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Invocations that still fail after Lambda's retries: stacks that would wait for an answer.
    const failedInvocations = new sqs.Queue(this, "FailedInvocationsQueue", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
    });
    // template.yaml's logical id, so that the role's statement on it reads the same.
    (failedInvocations.node.defaultChild as sqs.CfnQueue).overrideLogicalId("FailedInvocationsQueue");

    // template.yaml's FunctionRole, written as CloudFormation (L1) so that its documents are
    // exactly the template's: the L2 Role would rewrite them and add AWSLambdaBasicExecutionRole.
    const role = new iam.CfnRole(this, "FunctionRole", {
      assumeRolePolicyDocument: {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "lambda.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID } },
          },
        ],
      },
      policies: [
        {
          policyName: "logs",
          policyDocument: {
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: logGroup.logGroupArn,
              },
            ],
          },
        },
        {
          policyName: "on-failure-destination",
          policyDocument: {
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Action: "sqs:SendMessage",
                Resource: failedInvocations.queueArn,
              },
            ],
          },
        },
        // As template.yaml: whether a stack is rolling an update back (asked only when the
        // guardrails would refuse an Update), on this account's stacks in this Region.
        {
          policyName: "read-stack-status",
          policyDocument: {
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Action: "cloudformation:DescribeStacks",
                Resource: Fn.sub("arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/*/*"),
              },
            ],
          },
        },
        { policyName: "manage-owned-iam", policyDocument: executionRolePolicy(settings) },
      ],
    });

    const fn = new lambda.Function(this, "Function", {
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: lambda.Architecture.ARM_64,
      handler: "bootstrap",
      code: lambda.Code.fromAsset(props.codeDir),
      memorySize: 256,
      // CloudFormation waits up to an hour for an answer; the function answers FAILED itself
      // shortly before this timeout, so a stack is never left waiting.
      timeout: Duration.seconds(300),
      // Imported, not mutable: nothing may add a statement or a managed policy to it.
      role: iam.Role.fromRoleArn(this, "ExecutionRole", role.attrArn, { mutable: false }),
      logGroup,
      // JSON lines at INFO: Lambda passes the level as AWS_LAMBDA_LOG_LEVEL, and the one
      // "answered" line per request (INFO) is what the FAILED-answer alarms count.
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      // As template.yaml: two retries, then the queue (the role's own statement allows it; the
      // role is immutable, so the destination adds nothing to it).
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
      onFailure: new destinations.SqsDestination(failedInvocations),
      environment: {
        // The operator's settings, as template.yaml passes them; adoption always explicit.
        ECS_IAM_ROLES_ALLOW_ADOPTION: settings.allowAdoption ? "true" : "false",
        ECS_IAM_ROLES_MANAGED_PATH: settings.managedPath,
        ECS_IAM_ROLES_REQUIRED_BOUNDARY: settings.requiredPermissionsBoundaryArn,
        ECS_IAM_ROLES_METRICS_NAMESPACE: "EcsIamRoles",
        ECS_IAM_ROLES_ALLOWED_KINDS: settings.allowedKinds,
        ECS_IAM_ROLES_TRUSTED_ACCOUNTS: settings.trustedPrincipalAccounts,
      },
    });
    this.serviceToken = fn.functionArn;
    new CfnOutput(this, "ServiceToken", {
      description: "The ServiceToken for Custom::EcsIamRoles resources.",
      value: fn.functionArn,
    });

    // An example resource: the roles of an ECS service, the function as its ServiceToken.
    const roles = new CustomResource(this, "EcsRoles", {
      serviceToken: fn.functionArn,
      resourceType: "Custom::EcsIamRoles",
      properties: {
        Roles: {
          TaskExecution: {},
          Task: { ClusterName: "retail-store-ecs-cluster" },
        },
        // Path defaults to the function's ManagedPath; a required boundary must be passed.
        ...(settings.requiredPermissionsBoundaryArn !== ""
          ? { PermissionsBoundary: settings.requiredPermissionsBoundaryArn }
          : {}),
      },
    });
    new CfnOutput(this, "TaskRoleArn", { value: roles.getAttString("TaskRoleArn") });
    new CfnOutput(this, "TaskExecutionRoleArn", { value: roles.getAttString("TaskExecutionRoleArn") });
  }
}
