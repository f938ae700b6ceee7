"""The function's own stack, as `sam deploy` made it in MiniStack from the unchanged
template.yaml: every resource created, the ServiceToken exported."""

from conftest import FUNCTION_STACK, SERVICE_TOKEN_EXPORT


def test_function_stack_deployed(engine):
    e = engine
    stack = e.cfn.describe_stacks(StackName=FUNCTION_STACK)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    resources = {r["LogicalResourceId"]: r for r in
                 e.cfn.describe_stack_resources(StackName=FUNCTION_STACK)["StackResources"]}
    # The SAM transform's output (MiniStack runs aws-sam-translator itself, engine.py:1641-1683),
    # the alarms, the metric filter, the queue, the log group and EventInvokeConfig included: all
    # have MiniStack provisioners (records only; alarms never fire on the metric filter, and the
    # on-failure destination is not exercised: MiniStack invokes custom resources synchronously,
    # custom_resource.py:141-145, so there are no async retries).
    expected = {"FunctionLogGroup", "FailedInvocationsQueue", "FailedAnswersMetricFilter",
                "FailedAnswersAlarm", "FunctionErrorsAlarm", "FailedInvocationsAlarm", "FunctionRole",
                "Function", "FunctionEventInvokeConfig"}
    assert expected <= set(resources), sorted(resources)
    assert {r["ResourceStatus"] for r in resources.values()} == {"CREATE_COMPLETE"}
    exports = {x["Name"]: x["Value"] for x in e.cfn.list_exports()["Exports"]}
    token = exports[SERVICE_TOKEN_EXPORT]
    assert token == resources["Function"]["PhysicalResourceId"] or token.endswith(
        ":function:" + resources["Function"]["PhysicalResourceId"])
    assert token.startswith(f"arn:aws:lambda:{e.region}:{e.account}:function:")
