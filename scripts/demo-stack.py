"""The quick-start stack's life on the engine, as a user sees it (scripts/demo.sh runs this with
the engine started and the function deployed): create, print outputs and events; update (a tag
and LeastPrivilege); delete; then list what is left in IAM (moto)."""

import os
import pathlib
import sys

import boto3

ROOT = pathlib.Path(__file__).resolve().parents[1]
STACK = "quick-start"
TEMPLATE = (ROOT / "examples" / "quick-start.yaml").read_text()
region = os.environ["ENGINE_REGION"]
credentials = {"aws_access_key_id": "demo", "aws_secret_access_key": "demo", "region_name": region}
cfn = boto3.client("cloudformation", endpoint_url=os.environ["ENGINE_MINISTACK_URL"], **credentials)
iam = boto3.client("iam", endpoint_url=os.environ["ENGINE_MOTO_URL"], **credentials)
seen_events = set()


def show_events():
    events = cfn.describe_stack_events(StackName=STACK)["StackEvents"]
    for event in reversed(events):
        if event["EventId"] in seen_events:
            continue
        seen_events.add(event["EventId"])
        reason = event.get("ResourceStatusReason") or ""
        print(f"  {event['LogicalResourceId']:<12} {event['ResourceType']:<28} "
              f"{event['ResourceStatus']:<20} {reason}")


def show_outputs():
    stack = cfn.describe_stacks(StackName=STACK)["Stacks"][0]
    print(f"  status: {stack['StackStatus']}")
    for output in sorted(stack.get("Outputs", []), key=lambda o: o["OutputKey"]):
        print(f"  {output['OutputKey']:<22} {output['OutputValue']}")


def role_summary(name):
    role = iam.get_role(RoleName=name)["Role"]
    attached = [p["PolicyArn"].split(":policy/")[1]
                for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]]
    inline = []
    for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
        actions = [a for s in document["Statement"]
                   for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
        inline.append(f"{policy} ({' '.join(actions)})")
    tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name)["Tags"]
            if not t["Key"].startswith("ecs-iam-roles:")}
    statement = role["AssumeRolePolicyDocument"]["Statement"][0]
    principal = ", ".join(f"{k} {v}" for k, v in statement["Principal"].items())
    conditions = sorted(key for test in statement.get("Condition", {}).values() for key in test)
    when = f" if {' and '.join(conditions)}" if conditions else ""
    print(f"  {name}\n    trust: {principal}{when}\n    managed: {', '.join(attached) or '-'}"
          f"\n    inline: {', '.join(inline) or '-'}\n    tags: {tags}")


def wait(waiter):
    cfn.get_waiter(waiter).wait(StackName=STACK, WaiterConfig={"Delay": 1, "MaxAttempts": 300})


def roles_of_stack():
    stack = cfn.describe_stacks(StackName=STACK)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    return [outputs["EcsAnywhereRoleName"], outputs["TaskExecutionRoleArn"].rsplit("/", 1)[1],
            outputs["TaskRoleArn"].rsplit("/", 1)[1]]


print(f"== Create stack {STACK} (examples/quick-start.yaml; waits PropagationDelay, 10 s)")
cfn.create_stack(StackName=STACK, TemplateBody=TEMPLATE)
wait("stack_create_complete")
show_events()
show_outputs()
print("  In IAM:")
for name in roles_of_stack():
    role_summary(name)

print("\n== Update stack: Team=payments, LeastPrivilege=true (in place: same ARNs)")
cfn.update_stack(StackName=STACK, TemplateBody=TEMPLATE, Parameters=[
    {"ParameterKey": "Team", "ParameterValue": "payments"},
    {"ParameterKey": "LeastPrivilege", "ParameterValue": "true"},
])
wait("stack_update_complete")
show_events()
show_outputs()
print("  In IAM:")
for name in roles_of_stack():
    role_summary(name)

print("\n== Delete stack")
cfn.delete_stack(StackName=STACK)
wait("stack_delete_complete")
show_events()

print("\n== Left in IAM (expect none):")
roles = [r["RoleName"] for r in iam.list_roles()["Roles"] if not r["Path"].startswith("/aws-service-role/")]
policies = [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]]
print("  roles:    " + (", ".join(roles) or "(none)"))
print("  policies: " + (", ".join(policies) or "(none)"))
sys.exit(1 if roles or policies else 0)
