"""Last (pytest runs the files in name order): with every consumer stack gone, `sam delete` of
the function's own stack; nothing the function owned is left in IAM."""

from conftest import FUNCTION_STACK, SERVICE_TOKEN_EXPORT, _run


def test_sam_delete_after_consumers(engine):
    e = engine
    leftovers = [s for s in e.live_stacks() if s != FUNCTION_STACK]
    for stack in leftovers:  # a failed test's stack: deleted so the function stack can go
        e.delete(stack)
    assert not leftovers, f"consumer stacks left by the tests: {leftovers}"

    _run("delete")
    assert FUNCTION_STACK not in e.live_stacks()
    assert SERVICE_TOKEN_EXPORT not in {x["Name"] for x in e.cfn.list_exports()["Exports"]}
    assert e.owned() == {"roles": [], "policies": [], "profiles": []}
