#!/usr/bin/env node
// Prints the execution role's `manage-owned-iam` policy document from template.yaml as
// CloudFormation JSON, intrinsic functions in their long form (`Fn::Sub`, `Fn::If`, `Ref`).
// examples/cdk/execution-role-policy.json is this output: the CDK example attaches exactly the
// template's policy, and tests/it/template.rs fails when the two drift apart. `cargo run -p xtask
// -- generate` writes it with this script (xtask/src/cdk.rs); by hand:
//
//   node test-tools/authz/policy-fragment.mjs template.yaml > examples/cdk/execution-role-policy.json

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const functions = ['Sub', 'If', 'GetAtt', 'Join', 'Select', 'Split', 'Equals', 'Not', 'And', 'Or',
  'ImportValue', 'FindInMap', 'Base64', 'GetAZs', 'Cidr'];
const customTags = functions.flatMap((name) => [
  { tag: `!${name}`, resolve: (value) => ({ [`Fn::${name}`]: value }) },
  { tag: `!${name}`, collection: 'seq', resolve: (seq) => ({ [`Fn::${name}`]: seq.toJSON() }) },
  { tag: `!${name}`, collection: 'map', resolve: (map) => ({ [`Fn::${name}`]: map.toJSON() }) },
]).concat([
  { tag: '!Ref', resolve: (value) => ({ Ref: value }) },
  { tag: '!Condition', resolve: (value) => ({ Condition: value }) },
]);

const [file] = process.argv.slice(2);
if (!file) {
  console.error('usage: node test-tools/authz/policy-fragment.mjs template.yaml');
  process.exit(2);
}
const template = parse(readFileSync(file, 'utf8'), { customTags });
const policy = template.Resources.FunctionRole.Properties.Policies
  .find((p) => p.PolicyName === 'manage-owned-iam');
if (!policy) {
  console.error(`${file}: FunctionRole has no manage-owned-iam policy`);
  process.exit(2);
}
process.stdout.write(JSON.stringify(policy.PolicyDocument, null, 2) + '\n');
