"""The custom resource's lifecycle through stack operations only: create, in-place update,
replacement, the rollback of an update that a later resource fails (in place and replacement),
removing the resource from the template, deleting stacks, two stacks at once."""

import copy
import json
import threading

from conftest import BROKEN, ENGINE_DIR, OWNER_TAG, consumer

OUTPUTS = ["TaskExecutionRoleArn", "TaskRoleArn", "TaskRoleName"]


def roles(prefix, task_name=None, least_privilege=None):
    task = {"RoleName": task_name or f"{prefix}Task", "ClusterName": f"{prefix}-cluster"}
    if least_privilege is not None:
        task["LeastPrivilege"] = least_privilege
    return {"TaskExecution": {"RoleName": f"{prefix}Exec"}, "Task": task}


def with_broken(template):
    template = copy.deepcopy(template)
    template["Resources"]["Broken"] = copy.deepcopy(BROKEN)
    return template


def task_actions(e, role):
    (doc,) = e.inline(role).values()
    found = set()
    for s in doc["Statement"]:
        found.update([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    return found


def test_create_update_in_place_then_replacement(engine):
    e, stack = engine, "life"
    e.create(stack, consumer(roles("life"), OUTPUTS))
    first = e.physical_id(stack)
    assert e.outputs(stack)["TaskRoleName"] == "lifeTask"
    assert e.tags("lifeExec") == {OWNER_TAG: first}
    assert "ecs:ExecuteCommand" in task_actions(e, "lifeTask")

    # In place: a tag added, LeastPrivilege on. Same PhysicalResourceId.
    e.update(stack, consumer(roles("life", least_privilege=True), OUTPUTS,
                             Tags=[{"Key": "team", "Value": "platform"}]))
    assert e.physical_id(stack) == first
    for name in ("lifeExec", "lifeTask"):
        assert e.tags(name) == {OWNER_TAG: first, "team": "platform"}
    assert task_actions(e, "lifeTask") == {
        "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"}

    # Replacement: Task's RoleName changes. A new PhysicalResourceId; the old Task role is deleted
    # (MiniStack sends Delete for the old id after the update, stacks.py:998-1035); the role that
    # kept its name (TaskExecution) is handed over to the new resource.
    e.update(stack, consumer(roles("life", task_name="lifeTask2", least_privilege=True), OUTPUTS,
                             Tags=[{"Key": "team", "Value": "platform"}]))
    second = e.physical_id(stack)
    assert second != first
    assert not e.role_exists("lifeTask")
    assert e.role_exists("lifeTask2") and e.role_exists("lifeExec")
    assert e.tags("lifeExec")[OWNER_TAG] == second
    assert e.outputs(stack)["TaskRoleArn"].endswith(":role/lifeTask2")

    # Deleting the stack deletes its roles.
    e.delete(stack)
    assert e.owned(second) == {"roles": [], "policies": [], "profiles": []}
    assert not e.role_exists("lifeExec") and not e.role_exists("lifeTask2")


def test_failed_update_in_place_rolls_back(engine):
    e, stack = engine, "rbinplace"
    template = consumer(roles("rbip"), OUTPUTS)
    e.create(stack, template)
    pid = e.physical_id(stack)
    before = e.snapshot()

    changed = consumer(roles("rbip", least_privilege=True), OUTPUTS, Tags=[{"Key": "team", "Value": "x"}])
    e.update(stack, with_broken(changed), expect="UPDATE_ROLLBACK_COMPLETE")
    # MiniStack sends the in-place change back with an Update carrying the old properties
    # (stacks.py:283-315 _revert_update, 473-488), as CloudFormation does.
    assert e.physical_id(stack) == pid
    assert e.snapshot() == before
    e.delete(stack)
    assert e.owned(pid) == {"roles": [], "policies": [], "profiles": []}


def test_failed_replacement_rolls_back(engine, now_ms):
    """The rollback of a replacement restores IAM exactly: the kept role (TaskExecution, whose name
    did not change) must still exist, exactly as it was (its tags included).

    MiniStack's sequence (stacks.py:868-921, 401-600): the Update answered with a new id; after
    the later resource fails, only a Delete of the new id (no Update back to the old properties);
    the old id is never sent anything. CloudFormation documents the rollback as deleting what the
    update created ("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"); the contract requires the
    function to restore IAM whichever sequence the engine sends."""
    e, stack = engine, "rbreplace"
    template = consumer(roles("rbr"), OUTPUTS)
    e.create(stack, template)
    pid = e.physical_id(stack)
    before = e.snapshot()

    replaced = consumer(roles("rbr", task_name="rbrTask2"), OUTPUTS)
    e.update(stack, with_broken(replaced), expect="UPDATE_ROLLBACK_COMPLETE")
    answers = [a for a in e.answers(now_ms, logical_id="EcsRoles")
               if (a["PhysicalResourceId"] or "").startswith(stack + "-")]
    # What MiniStack sent on the rollback of a replacement, from the function's own "answered"
    # lines: kept next to the other logs for the report.
    (ENGINE_DIR / "rollback-of-replacement.json").write_text(json.dumps(answers, indent=2))
    print("rollback of a replacement, requests in order:",
          [(a["RequestType"], a["PhysicalResourceId"], a["Status"]) for a in answers])

    try:
        assert e.physical_id(stack) == pid
        assert e.role_exists("rbrExec"), "the kept role was deleted by the rollback"
        assert not e.role_exists("rbrTask2")
        after = e.snapshot()
        kept, was = after["roles"]["rbrExec"], before["roles"]["rbrExec"]
        added = sorted(set(kept["Tags"]) - set(was["Tags"]))
        assert kept == was, f"the kept role rbrExec differs after the rollback; tags added: {added}"
        assert after == before
    finally:
        e.delete(stack)
        assert e.owned(pid) == {"roles": [], "policies": [], "profiles": []}


def test_removing_the_resource_deletes_its_roles(engine):
    e, stack = engine, "removal"
    template = consumer(roles("rm"), OUTPUTS)
    # Something that stays when EcsRoles leaves the template (a template needs a resource).
    template["Resources"]["Keep"] = {"Type": "AWS::CloudFormation::WaitConditionHandle"}
    e.create(stack, template)
    pid = e.physical_id(stack)
    assert e.owned(pid)["roles"] == ["rmExec", "rmTask"]

    del template["Resources"]["EcsRoles"]
    template["Outputs"] = {}
    e.update(stack, template)
    assert e.owned(pid) == {"roles": [], "policies": [], "profiles": []}
    assert not e.role_exists("rmExec") and not e.role_exists("rmTask")
    e.delete(stack)


def test_two_stacks_at_once(engine):
    e = engine
    stacks = {"twin-a": roles("twinA"), "twin-b": roles("twinB")}
    for name, r in stacks.items():
        e.cfn.create_stack(StackName=name, TemplateBody=json.dumps(consumer(r, OUTPUTS)))
    for name in stacks:
        e.expect(name, "CREATE_COMPLETE")
    owners = {name: e.physical_id(name) for name in stacks}
    assert e.owned(owners["twin-a"])["roles"] == ["twinAExec", "twinATask"]
    assert e.owned(owners["twin-b"])["roles"] == ["twinBExec", "twinBTask"]

    errors = []

    def delete(name):
        try:
            e.delete(name)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=delete, args=(name,)) for name in stacks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for owner in owners.values():
        assert e.owned(owner) == {"roles": [], "policies": [], "profiles": []}


def test_a_guardrail_refusal_fails_the_stack_with_the_reason(engine):
    """A principal of an account the operator does not trust: CREATE_FAILED before any IAM call,
    the Reason naming the account and the parameter, and the stack rolled back cleanly."""
    e, stack = engine, "guarded"
    principal = "arn:aws:iam::999988887777:role/granted-access-handler"
    template = consumer({"ClusterAccess": {"TrustedPrincipalArn": principal, "RoleName": "guardedAccess"}})
    e.create(stack, template, expect="ROLLBACK_COMPLETE")
    reasons = [ev.get("ResourceStatusReason") or "" for ev in
               e.cfn.describe_stack_events(StackName=stack)["StackEvents"]
               if ev["LogicalResourceId"] == "EcsRoles" and ev["ResourceStatus"] == "CREATE_FAILED"]
    assert any("999988887777" in r and "TrustedPrincipalAccounts" in r for r in reasons), reasons
    assert not e.role_exists("guardedAccess")
    e.delete(stack)
