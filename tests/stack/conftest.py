"""Stack-level tests: the function deployed with `sam deploy` into MiniStack, a real
CloudFormation engine, and driven only through stack operations (create/update/delete stack),
with moto as the function's IAM and STS (scripts/engine.sh explains how).

Once per session: scripts/engine.sh start (moto and MiniStack on free loopback ports), build
(target/sam/build, from the host's debug build) unless STACK_TEST_NO_BUILD=1, and deploy (the
function's stack, ecs-iam-roles, exporting ecs-iam-roles-ServiceToken). The engine is stopped
at the end of the session. Run with scripts/stack-test.sh.
"""

import json
import os
import pathlib
import subprocess
import time

import boto3
import botocore.config
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
ENGINE = ROOT / "scripts" / "engine.sh"
ENGINE_DIR = pathlib.Path(os.environ.get("ENGINE_DIR", ROOT / "target" / "stack-test"))
OWNER_TAG = "ecs-iam-roles:owner"
FUNCTION_STACK = "ecs-iam-roles"
SERVICE_TOKEN_EXPORT = "ecs-iam-roles-ServiceToken"
# The one account besides its own whose principals the deployed function may trust.
TRUSTED_ACCOUNT = "111122223333"
# The function's log group: template.yaml's FunctionLogGroup, /aws/lambda/${AWS::StackName}-ecs-iam-roles.
FUNCTION_LOG_GROUP = f"/aws/lambda/{FUNCTION_STACK}-ecs-iam-roles"
# A custom resource whose ServiceToken names no function: MiniStack fails its Create at once
# (custom_resource.py:112-116, "ServiceToken ... not found"), which fails the stack operation
# after everything it depends on went through, and so rolls the update back.
BROKEN = {
    "Type": "Custom::Broken",
    "DependsOn": "EcsRoles",
    "Properties": {"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:no-such-function"},
}


# --- templates -------------------------------------------------------------------------------

class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags, turned into their long (JSON) form."""


def _short_form(tag):
    def construct(loader, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        if tag == "Ref":
            return {"Ref": value}
        if tag == "Condition":
            return {"Condition": value}
        if tag == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {f"Fn::{tag}": value}
    return construct


for _tag in ("Ref", "Condition", "GetAtt", "Sub", "ImportValue", "If", "Not", "Equals", "And", "Or",
             "Base64", "Join", "Select", "Split", "FindInMap", "GetAZs", "Cidr"):
    _CfnLoader.add_constructor(f"!{_tag}", _short_form(_tag))


def load_template(path) -> dict:
    return yaml.load(pathlib.Path(path).read_text(), Loader=_CfnLoader)


def consumer(roles: dict, outputs=(), resource="EcsRoles", **props) -> dict:
    """A consumer stack: one Custom::EcsIamRoles (PropagationDelay 0 unless given) and an output
    per attribute named in `outputs`."""
    properties = {"ServiceToken": {"Fn::ImportValue": SERVICE_TOKEN_EXPORT}, "PropagationDelay": 0,
                  **props, "Roles": roles}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {resource: {"Type": "Custom::EcsIamRoles", "Properties": properties}},
        "Outputs": {key: {"Value": {"Fn::GetAtt": [resource, key]}} for key in outputs},
    }


# --- the engine ------------------------------------------------------------------------------

def _run(*args, env=None):
    proc = subprocess.run([str(ENGINE), *args], cwd=ROOT, env={**os.environ, **(env or {})},
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"scripts/engine.sh {' '.join(args)} failed:\n{proc.stdout[-6000:]}")
    return proc.stdout


def _read_env() -> dict:
    env = {}
    for line in (ENGINE_DIR / "env").read_text().splitlines():
        key, _, value = line.partition("=")
        env[key] = value
    return env


class Engine:
    def __init__(self, env: dict):
        self.env = env
        self.region = env["ENGINE_REGION"]
        self.account = env["ENGINE_ACCOUNT"]
        session = boto3.Session(aws_access_key_id="test", aws_secret_access_key="test",
                                region_name=self.region)
        config = botocore.config.Config(retries={"max_attempts": 2, "mode": "standard"})
        self.cfn = session.client("cloudformation", endpoint_url=env["ENGINE_MINISTACK_URL"], config=config)
        self.logs = session.client("logs", endpoint_url=env["ENGINE_MINISTACK_URL"], config=config)
        self.ec2 = session.client("ec2", endpoint_url=env["ENGINE_MINISTACK_URL"], config=config)
        self.ssm = session.client("ssm", endpoint_url=env["ENGINE_MINISTACK_URL"], config=config)
        # The IAM the function writes to: moto, not MiniStack's own IAM.
        self.iam = session.client("iam", endpoint_url=env["ENGINE_MOTO_URL"], config=config)

    # Stack operations ---------------------------------------------------------------------

    def settle(self, stack: str, timeout=240) -> str:
        """Wait until the stack's status is no longer *_IN_PROGRESS; return it."""
        deadline = time.time() + timeout
        while True:
            status = self.cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
            if not status.endswith("_IN_PROGRESS"):
                return status
            if time.time() > deadline:
                raise AssertionError(f"{stack} still {status} after {timeout}s\n{self.events(stack)}")
            time.sleep(0.5)

    def events(self, stack: str) -> str:
        events = self.cfn.describe_stack_events(StackName=stack)["StackEvents"]
        return "\n".join(f"  {e['LogicalResourceId']:<24} {e['ResourceStatus']:<44} "
                         f"{e.get('ResourceStatusReason') or ''}" for e in reversed(events))

    def create(self, stack: str, template: dict, params=None, expect="CREATE_COMPLETE") -> str:
        self.cfn.create_stack(StackName=stack, TemplateBody=json.dumps(template),
                              Parameters=_params(params),
                              Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"])
        return self.expect(stack, expect)

    def update(self, stack: str, template: dict, params=None, expect="UPDATE_COMPLETE") -> str:
        self.cfn.update_stack(StackName=stack, TemplateBody=json.dumps(template),
                              Parameters=_params(params),
                              Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"])
        return self.expect(stack, expect)

    def delete(self, stack: str, expect="DELETE_COMPLETE") -> str:
        stack_id = self.cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackId"]
        self.cfn.delete_stack(StackName=stack_id)
        return self.expect(stack_id, expect)

    def expect(self, stack: str, expected: str) -> str:
        status = self.settle(stack)
        assert status == expected, f"{stack}: {status}, expected {expected}\n{self.events(stack)}"
        return status

    def outputs(self, stack: str) -> dict:
        stack = self.cfn.describe_stacks(StackName=stack)["Stacks"][0]
        return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}

    def physical_id(self, stack: str, logical_id="EcsRoles") -> str:
        return self.cfn.describe_stack_resource(StackName=stack, LogicalResourceId=logical_id)[
            "StackResourceDetail"]["PhysicalResourceId"]

    def live_stacks(self) -> list:
        return [s["StackName"] for s in self.cfn.describe_stacks()["Stacks"]
                if s["StackStatus"] != "DELETE_COMPLETE"]

    # The function's own account of what it was sent (its JSON "answered" lines) -------------

    def answers(self, since_ms: int, logical_id=None) -> list:
        found, token = [], None
        while True:
            kwargs = {"logGroupName": FUNCTION_LOG_GROUP, "startTime": since_ms}
            if token:
                kwargs["nextToken"] = token
            page = self.logs.filter_log_events(**kwargs)
            for event in page["events"]:
                try:
                    line = json.loads(event["message"])
                except ValueError:
                    continue
                if not isinstance(line, dict) or line.get("message") != "answered":
                    continue
                span = line.get("span") or {}
                if logical_id and span.get("LogicalResourceId") != logical_id:
                    continue
                found.append({"RequestType": line.get("RequestType") or span.get("RequestType"),
                              "PhysicalResourceId": line.get("physical_resource_id"),
                              "Status": line.get("status"), "Reason": line.get("reason"),
                              "timestamp": line.get("timestamp")})
            token = page.get("nextToken")
            if not token or not page["events"]:
                break
        return sorted(found, key=lambda a: a["timestamp"] or "")

    # IAM (moto) ---------------------------------------------------------------------------

    def role(self, name: str):
        try:
            return self.iam.get_role(RoleName=name)["Role"]
        except self.iam.exceptions.NoSuchEntityException:
            return None

    def role_exists(self, name: str) -> bool:
        return self.role(name) is not None

    def attached(self, role: str) -> list:
        return sorted(p["PolicyArn"] for p in
                      self.iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"])

    def inline(self, role: str) -> dict:
        return {name: self.iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
                for name in self.iam.list_role_policies(RoleName=role)["PolicyNames"]}

    def tags(self, role: str) -> dict:
        return {t["Key"]: t["Value"] for t in self.iam.list_role_tags(RoleName=role)["Tags"]}

    def policy_document(self, arn: str) -> dict:
        version = self.iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        return self.iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]

    def snapshot(self) -> dict:
        """Everything in moto's IAM that the function could have touched, comparable with ==."""
        roles = {}
        for page in self.iam.get_paginator("list_roles").paginate():
            for r in page["Roles"]:
                name = r["RoleName"]
                role = self.iam.get_role(RoleName=name)["Role"]
                roles[name] = {
                    "Arn": role["Arn"], "Path": role["Path"],
                    "Trust": role.get("AssumeRolePolicyDocument"),
                    "Boundary": (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
                    "Tags": self.tags(name), "Attached": self.attached(name), "Inline": self.inline(name),
                    "Profiles": sorted(p["InstanceProfileName"] for p in self.iam.list_instance_profiles_for_role(
                        RoleName=name)["InstanceProfiles"]),
                }
        policies = {}
        for page in self.iam.get_paginator("list_policies").paginate(Scope="Local"):
            for p in page["Policies"]:
                policies[p["Arn"]] = {
                    "Document": self.policy_document(p["Arn"]),
                    "Tags": {t["Key"]: t["Value"] for t in self.iam.list_policy_tags(PolicyArn=p["Arn"])["Tags"]},
                }
        profiles = {}
        for page in self.iam.get_paginator("list_instance_profiles").paginate():
            for p in page["InstanceProfiles"]:
                profiles[p["InstanceProfileName"]] = {
                    "Roles": sorted(r["RoleName"] for r in p["Roles"]),
                    # moto has no ListInstanceProfileTags; GetInstanceProfile carries the tags.
                    "Tags": {t["Key"]: t["Value"] for t in self.iam.get_instance_profile(
                        InstanceProfileName=p["InstanceProfileName"])["InstanceProfile"].get("Tags", [])},
                }
        return {"roles": roles, "policies": policies, "profiles": profiles}

    def owned(self, owner=None) -> dict:
        """Roles, policies and instance profiles carrying the owner tag (of `owner`, if given)."""
        state = self.snapshot()
        match = (lambda tags: OWNER_TAG in tags and (owner is None or tags[OWNER_TAG] == owner))
        return {
            "roles": sorted(n for n, r in state["roles"].items() if match(r["Tags"])),
            "policies": sorted(a for a, p in state["policies"].items() if match(p["Tags"])),
            "profiles": sorted(n for n, p in state["profiles"].items() if match(p["Tags"])),
        }


def _params(params):
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in (params or {}).items()]


@pytest.fixture(scope="session")
def engine():
    _run("start")
    try:
        if os.environ.get("STACK_TEST_NO_BUILD") != "1" or not (
                ROOT / "target/sam/build/Function/bootstrap").exists():
            _run("build")
        # The operator trusts the account of examples/granted.yaml's access handler (the
        # default is the function's own account only).
        _run("deploy", "--parameter-overrides", f"TrustedPrincipalAccounts={TRUSTED_ACCOUNT}",
             env={"ENGINE_DIR": str(ENGINE_DIR)})
        eng = Engine(_read_env())
        yield eng
    finally:
        _run("stop")


@pytest.fixture
def now_ms():
    return int(time.time() * 1000)
