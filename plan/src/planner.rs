//! One plan: the template's resources of the planned types, each checked, built and planned
//! with the function's own code, into the report (`--format json` prints it as is; the text
//! format is rendered from it).

use crate::changes;
use crate::check::{self, Rules, Stage, Tokens};
use crate::cli::Options;
use crate::live::{self, Aws};
use crate::resolve::{Resolver, Stack};
use crate::template;
use ecs_iam_roles::desired::{self, DesiredState, Owner};
use ecs_iam_roles::identity::{self, StackEnv};
use ecs_iam_roles::operator::{self, Operator};
use ecs_iam_roles::plan::{
    self, is_bookkeeping_key, ActualState, Ownership, Plan, UpdateFound, UpdateStrategy,
    OWNER_TAG_KEY,
};
use ecs_iam_roles::spec::{PropertyError, Spec};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The pseudo parameters' defaults (the contract's).
pub const DEFAULT_ACCOUNT: &str = "123456789012";
pub const DEFAULT_REGION: &str = "us-east-1";
pub const DEFAULT_PARTITION: &str = "aws";
pub const DEFAULT_STACK_NAME: &str = "stack";
/// The stack id's last part, offline: CloudFormation gives each stack a GUID.
pub const PLACEHOLDER_STACK_GUID: &str = "00000000-0000-0000-0000-000000000000";
/// The request id offline plans make the PhysicalResourceId from (`identity::physical_id`):
/// CloudFormation's real one is random, so names generated from it are examples.
pub const PLACEHOLDER_REQUEST_ID: &str = "ecs-iam-roles-plan";

/// What a plan found: the report, and whether anything changes in IAM.
#[derive(Debug, Clone)]
pub struct Report {
    pub value: Value,
    pub changed: bool,
    pub failed: bool,
}

/// Where the resource is, and whose rules apply.
struct Context<'a> {
    env: StackEnv,
    stack_id: String,
    operator: &'a Operator,
    /// Generated names are made from a placeholder id (offline).
    example_names: bool,
}

/// A resource of the planned types, as one template has it.
#[derive(Debug, Clone)]
enum Side {
    /// The template has no such resource.
    Absent,
    /// Its `Condition` is false: CloudFormation does not make it.
    Skipped(String),
    /// Its properties, resolved.
    Present(Value),
    /// Its properties could not be resolved.
    Broken(String),
}

/// Errors of one resource, for the report.
fn error(logical: &str, property: Option<&str>, message: &str) -> Value {
    json!({"logicalId": logical, "property": property, "message": message})
}

pub async fn run(options: &Options, aws: Option<&Aws>) -> Result<Report, String> {
    let operator = operator_of(options)?;
    let text = read_file(&options.template)?;
    let new_template = template::parse(&text).map_err(|e| format!("{}: {e}", options.template))?;
    let old_template = match &options.old {
        Some(path) => {
            let text = read_file(path)?;
            Some(template::parse(&text).map_err(|e| format!("{path}: {e}"))?)
        }
        None => None,
    };
    let mut logical_ids = resources_of(&new_template, &options.types);
    if let Some(old) = &old_template {
        for id in resources_of(old, &options.types) {
            if !logical_ids.contains(&id) {
                logical_ids.push(id);
            }
        }
    }

    // Where the stack lives: the options' pseudo parameters, or (live) the stack's own id.
    let mut stack = stack_of(options, None)?;
    let mut found: BTreeMap<String, Option<live::StackResource>> = BTreeMap::new();
    let mut deployed = None;
    if options.live {
        let aws = aws.ok_or("--live needs AWS clients")?;
        if options.physical_ids.is_empty() {
            let stack_name = options.stack_name.as_deref().expect("checked by the cli");
            let stack_now = live::deployed(aws, stack_name).await?;
            stack = stack_of(options, Some(&stack_now.stack_id))?;
            for id in &logical_ids {
                let resource =
                    stack_now
                        .resources
                        .get(id)
                        .map(|(_, physical)| live::StackResource {
                            stack_id: stack_now.stack_id.clone(),
                            physical_id: physical.clone(),
                        });
                found.insert(id.clone(), resource);
            }
            deployed = Some(stack_now);
        } else {
            for (logical, id) in &options.physical_ids {
                let logical = match logical {
                    Some(l) => l.clone(),
                    None if logical_ids.len() == 1 => logical_ids[0].clone(),
                    None => return Err(format!(
                        "--physical-id {id}: the template has {} resources to plan; give LOGICAL_ID=ID",
                        logical_ids.len()
                    )),
                };
                if !logical_ids.contains(&logical) {
                    return Err(format!("--physical-id {logical}=...: the template has no resource {logical} of the planned types"));
                }
                let resource = live::StackResource {
                    stack_id: String::new(),
                    physical_id: id.clone(),
                };
                found.insert(logical, Some(resource));
            }
        }
    }
    let env = identity::stack_env(&stack.stack_id)?;
    let cx = Context {
        env,
        stack_id: stack.stack_id.clone(),
        operator: &operator,
        example_names: !options.live,
    };

    let sides = |template: &Value| -> Result<BTreeMap<String, Side>, String> {
        let map = template.as_object().expect("a template is an object");
        let resolver = Resolver::new(map, &stack, &options.parameters, deployed.as_ref())?;
        Ok(logical_ids
            .iter()
            .map(|id| (id.clone(), side_of(map, &resolver, id, &options.types)))
            .collect())
    };
    let new_sides = sides(&new_template)?;
    let old_sides = old_template.as_ref().map(sides).transpose()?;

    let mut resources = vec![];
    let mut errors = vec![];
    let mut changed = false;
    for id in &logical_ids {
        let new = &new_sides[id];
        let old = old_sides.as_ref().map(|s| &s[id]);
        let kind = type_of(&new_template, id)
            .or_else(|| old_template.as_ref().and_then(|t| type_of(t, id)))
            .unwrap_or_default();
        let mut out = ResourceOut::new(id, &kind);
        let live_found = if options.live {
            Some(found.get(id).cloned().flatten())
        } else {
            None
        };
        if options.live && !options.physical_ids.is_empty() && !found.contains_key(id) {
            out.skipped("no --physical-id names it");
            resources.push(out.into_value());
            continue;
        }
        match (new, old, live_found) {
            (Side::Broken(message), _, _) | (_, Some(Side::Broken(message)), _) => {
                out.errors.push(error(id, None, message));
                out.action = "refused";
            }
            (_, _, Some(found)) => match (new, aws) {
                (Side::Present(properties), Some(aws)) => {
                    live_resource(&cx, &mut out, properties, found, aws).await
                }
                (Side::Skipped(why), _) => out.skipped(why),
                _ => {}
            },
            (Side::Present(properties), None, None) => create(&cx, &mut out, properties, false),
            (Side::Present(properties), Some(Side::Absent | Side::Skipped(_)), None) => {
                create(&cx, &mut out, properties, true)
            }
            (Side::Present(properties), Some(Side::Present(old)), None) => {
                update(&cx, &mut out, properties, old)
            }
            (Side::Absent | Side::Skipped(_), Some(Side::Present(old)), None) => {
                delete(&cx, &mut out, old)
            }
            (Side::Skipped(why), _, None) => out.skipped(why),
            (Side::Absent, _, None) => {}
        }
        if let Some(deployed) = &deployed {
            out.notes.extend(deployed.notes.iter().cloned());
        }
        changed |= out.changed;
        errors.append(&mut out.errors.clone());
        resources.push(out.into_value());
    }
    let failed = !errors.is_empty();
    let mut report = Map::new();
    report.insert("resources".into(), Value::Array(resources));
    report.insert("errors".into(), Value::Array(errors));
    Ok(Report {
        value: Value::Object(report),
        changed,
        failed,
    })
}

fn read_file(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))
}

/// The operator's settings from the options, read as the function reads its environment.
fn operator_of(options: &Options) -> Result<Operator, String> {
    let flag = |name: &str| -> &'static str {
        match name {
            operator::MANAGED_PATH_ENV => "--managed-path",
            operator::REQUIRED_BOUNDARY_ENV => "--required-boundary",
            operator::ALLOWED_KINDS_ENV => "--allowed-kinds",
            operator::TRUSTED_ACCOUNTS_ENV => "--trusted-accounts",
            _ => "--allow-adoption",
        }
    };
    let lookup = |name: &str| -> Option<String> {
        match name {
            operator::MANAGED_PATH_ENV => options.managed_path.clone(),
            operator::REQUIRED_BOUNDARY_ENV => options.required_boundary.clone(),
            operator::ALLOWED_KINDS_ENV => options.allowed_kinds.clone(),
            operator::TRUSTED_ACCOUNTS_ENV => options.trusted_accounts.clone(),
            operator::ALLOW_ADOPTION_ENV => options.allow_adoption.then(|| "true".to_string()),
            _ => None,
        }
    };
    Operator::from_lookup(lookup).map_err(|e| {
        let named = [
            operator::MANAGED_PATH_ENV,
            operator::REQUIRED_BOUNDARY_ENV,
            operator::ALLOWED_KINDS_ENV,
            operator::TRUSTED_ACCOUNTS_ENV,
        ]
        .into_iter()
        .find(|v| e.contains(v));
        match named {
            Some(var) => format!("{}: {e}", flag(var)),
            None => e,
        }
    })
}

/// The pseudo parameters: from a real stack id, or from the options and the defaults.
fn stack_of(options: &Options, stack_id: Option<&str>) -> Result<Stack, String> {
    if let Some(stack_id) = stack_id {
        let env = identity::stack_env(stack_id)?;
        return Ok(Stack {
            partition: env.partition,
            region: env.region,
            account: env.account,
            stack_name: env.stack_name,
            stack_id: stack_id.to_string(),
        });
    }
    let or = |v: &Option<String>, d: &str| v.clone().unwrap_or_else(|| d.to_string());
    let partition = or(&options.partition, DEFAULT_PARTITION);
    let region = or(&options.region, DEFAULT_REGION);
    let account = or(&options.account, DEFAULT_ACCOUNT);
    let stack_name = or(&options.stack_name, DEFAULT_STACK_NAME);
    let stack_id = format!(
        "arn:{partition}:cloudformation:{region}:{account}:stack/{stack_name}/{PLACEHOLDER_STACK_GUID}"
    );
    identity::stack_env(&stack_id).map_err(|e| {
        format!("--account, --region, --partition and --stack-name must make a stack ARN: {e}")
    })?;
    Ok(Stack {
        partition,
        region,
        account,
        stack_name,
        stack_id,
    })
}

/// The logical ids of the template's resources of the planned types, in template order.
fn resources_of(template: &Value, types: &[String]) -> Vec<String> {
    let Some(resources) = template.get("Resources").and_then(Value::as_object) else {
        return vec![];
    };
    resources
        .iter()
        .filter(|(_, r)| {
            r.get("Type")
                .and_then(Value::as_str)
                .is_some_and(|t| types.iter().any(|want| want == t))
        })
        .map(|(id, _)| id.clone())
        .collect()
}

fn type_of(template: &Value, id: &str) -> Option<String> {
    template
        .get("Resources")?
        .get(id)?
        .get("Type")?
        .as_str()
        .map(str::to_string)
}

fn side_of(template: &Map<String, Value>, resolver: &Resolver, id: &str, types: &[String]) -> Side {
    let Some(resource) = template
        .get("Resources")
        .and_then(|r| r.get(id))
        .filter(|r| {
            r.get("Type")
                .and_then(Value::as_str)
                .is_some_and(|t| types.iter().any(|want| want == t))
        })
    else {
        return Side::Absent;
    };
    if let Some(condition) = resource.get("Condition") {
        let Some(name) = condition.as_str() else {
            return Side::Broken("Condition must name a condition".into());
        };
        match resolver.condition(name) {
            Ok(Some(true)) => {}
            Ok(Some(false)) => {
                return Side::Skipped(format!(
                    "its Condition {name} is false: CloudFormation does not make it"
                ))
            }
            Ok(None) => return Side::Broken(resolver.unknown_condition(name)),
            Err(e) => return Side::Broken(e),
        }
    }
    let properties = resource.get("Properties").cloned().unwrap_or(Value::Null);
    match resolver.resolve(&properties) {
        Ok(value) => Side::Present(value.unwrap_or(Value::Null)),
        Err(e) => Side::Broken(e),
    }
}

/// One resource's part of the report, while it is worked out.
struct ResourceOut {
    logical_id: String,
    kind: String,
    action: &'static str,
    replacement: bool,
    reasons: Vec<String>,
    physical_id: Option<String>,
    roles: Vec<Value>,
    service_linked: Vec<Value>,
    changes: Option<Vec<Value>>,
    cleanup: Vec<Value>,
    calls: Vec<String>,
    cleanup_calls: Vec<String>,
    notes: Vec<String>,
    errors: Vec<Value>,
    changed: bool,
    tokens: Tokens,
}

impl ResourceOut {
    fn new(logical_id: &str, kind: &str) -> ResourceOut {
        ResourceOut {
            logical_id: logical_id.to_string(),
            kind: kind.to_string(),
            action: "none",
            replacement: false,
            reasons: vec![],
            physical_id: None,
            roles: vec![],
            service_linked: vec![],
            changes: None,
            cleanup: vec![],
            calls: vec![],
            cleanup_calls: vec![],
            notes: vec![],
            errors: vec![],
            changed: false,
            tokens: Tokens::default(),
        }
    }

    fn skipped(&mut self, why: &str) {
        self.action = "none";
        self.notes.push(format!("not planned: {why}"));
    }

    fn spec_errors(&mut self, errors: Vec<PropertyError>) {
        for e in errors {
            let property = self.tokens.reverse.text(&e.property);
            let message = self.tokens.reverse.text(&e.message);
            self.errors
                .push(error(&self.logical_id, Some(&property), &message));
        }
        self.action = "refused";
    }

    fn plan_error(&mut self, message: String) {
        let message = self.tokens.reverse.text(&message);
        let message = format!("the function would fail: {message}");
        self.errors.push(error(&self.logical_id, None, &message));
        self.action = "refused";
    }

    fn show(&mut self, spec: &Spec, state: &DesiredState, cx: &Context<'_>) {
        self.roles = state
            .roles
            .iter()
            .map(|role| role_value(role, state, spec, cx))
            .collect();
        self.service_linked = state
            .service_linked
            .iter()
            .map(|r| Value::from(r.role_name))
            .collect();
    }

    fn plan(&mut self, plan: &Plan, actual: &ActualState, states: &[&DesiredState]) {
        let changes = changes::of_plan(plan, actual, states);
        self.changed |= !plan.is_empty();
        self.calls = calls(plan);
        self.changes = Some(changes);
    }

    fn into_value(mut self) -> Value {
        let shown = serde_json::to_string(&(&self.roles, &self.changes)).unwrap_or_default();
        if self.tokens.stands_in(&shown) {
            self.notes.push(TOKENS_NOTE.to_string());
        }
        let reverse = &self.tokens.reverse;
        let mut out = Map::new();
        out.insert("logicalId".into(), Value::from(self.logical_id.as_str()));
        out.insert("type".into(), Value::from(self.kind.as_str()));
        out.insert("action".into(), Value::from(self.action));
        out.insert("replacement".into(), Value::from(self.replacement));
        if self.replacement {
            out.insert("replacementReasons".into(), json!(self.reasons));
        }
        if let Some(id) = &self.physical_id {
            out.insert("physicalId".into(), Value::from(id.as_str()));
        }
        out.insert("roles".into(), Value::Array(self.roles));
        out.insert(
            "serviceLinkedRoles".into(),
            Value::Array(self.service_linked),
        );
        if let Some(changes) = self.changes {
            out.insert("changes".into(), Value::Array(changes));
            out.insert("calls".into(), json!(self.calls));
        }
        if self.replacement {
            out.insert("cleanup".into(), Value::Array(self.cleanup));
            out.insert("cleanupCalls".into(), json!(self.cleanup_calls));
        }
        if !self.notes.is_empty() {
            out.insert("notes".into(), json!(self.notes));
        }
        redact_external_ids(&reverse.value(&Value::Object(out)))
    }
}

/// Said when a resource's roles or changes show tokens.
pub const TOKENS_NOTE: &str = "${...} is a value plan cannot know before the stack exists (Fn::GetAtt or Ref of another resource, Fn::ImportValue, a parameter without a value): give parameters with --parameter NAME=VALUE";

/// Said with `--live` when a value is known neither offline nor from the deployed stack.
pub const LIVE_TOKENS_NOTE: &str = "a ${...} value is known neither from the template nor from the deployed stack: a change that names it compares the account with a stand-in, not with the deployed value; give it with --parameter NAME=VALUE";

/// The IAM calls of a plan, in order, each with its stage.
fn calls(plan: &Plan) -> Vec<String> {
    plan.phases
        .iter()
        .flat_map(|phase| {
            phase
                .ops
                .iter()
                .map(move |op| format!("{:?}: {op}", phase.stage))
        })
        .collect()
}

/// Granted treats an ExternalId as a shared secret, and a plan's output lands in CI logs: its
/// value is never printed (the function never logs it either).
pub const REDACTED: &str = "(ExternalId: not shown)";

fn redact_external_ids(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if k == "sts:ExternalId" {
                        match v {
                            Value::Array(items) => {
                                Value::Array(items.iter().map(|_| Value::from(REDACTED)).collect())
                            }
                            _ => Value::from(REDACTED),
                        }
                    } else {
                        redact_external_ids(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact_external_ids).collect()),
        other => other.clone(),
    }
}

/// One role as the report shows it: the documents are the desired state's own values.
fn role_value(
    role: &desired::DesiredRole,
    state: &DesiredState,
    spec: &Spec,
    cx: &Context<'_>,
) -> Value {
    let role_spec = spec.roles.get(&role.kind);
    let own: Vec<&desired::DesiredPolicy> = state
        .policies
        .iter()
        .filter(|p| p.kind == role.kind)
        .collect();
    let managed: Vec<&String> = role
        .managed_policy_arns
        .iter()
        .filter(|arn| !own.iter().any(|p| &&p.arn == arn))
        .collect();
    let customer: Vec<Value> = own
        .iter()
        .map(|p| {
            let generated = role_spec.is_some_and(|r| r.policy_name().is_none());
            json!({
                "name": p.name,
                "arn": p.arn,
                "document": p.document,
                "generatedName": generated && cx.example_names,
            })
        })
        .collect();
    let tags: Map<String, Value> = role
        .tags
        .iter()
        .filter(|(k, _)| !is_bookkeeping_key(k))
        .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
        .collect();
    let generated = role_spec.is_some_and(|r| r.role_name.is_none());
    json!({
        "kind": role.kind.name(),
        "name": role.name,
        "generatedName": generated && cx.example_names,
        "arn": role.arn,
        "path": role.path,
        "trust": role.trust,
        "managedPolicies": managed,
        "inlinePolicies": role.inline_policies,
        "customerPolicies": customer,
        "instanceProfile": role.instance_profile.as_ref().map(|p| json!({"name": p.name, "arn": p.arn})),
        "permissionsBoundary": role.permissions_boundary,
        "tags": tags,
    })
}

fn rules<'a>(cx: &'a Context<'a>) -> Rules<'a> {
    Rules {
        env: &cx.env,
        operator: cx.operator,
    }
}

/// The PhysicalResourceId offline: the function's own rule, from a placeholder request id.
fn placeholder_id(cx: &Context<'_>, logical: &str) -> String {
    identity::physical_id(&cx.env, &cx.stack_id, logical, PLACEHOLDER_REQUEST_ID)
}

/// A Create: what the function makes. `diff`: also as changes (the resource is new in an
/// update).
fn create(cx: &Context<'_>, out: &mut ResourceOut, properties: &Value, diff: bool) {
    let checked = match check::check(
        properties,
        rules(cx),
        Stage::Request { old: None },
        &mut out.tokens,
    ) {
        Ok(checked) => checked,
        Err(errors) => return out.spec_errors(errors),
    };
    let id = placeholder_id(cx, &out.logical_id);
    let state = desired::build(&checked.spec, &Owner::new(&cx.env, &out.logical_id, &id));
    out.show(&checked.spec, &state, cx);
    out.action = "create";
    let nothing = ActualState::default();
    let ownership = Ownership {
        adopt: checked.spec.adopt_existing,
        ..Ownership::sole(&id)
    };
    match plan::converge(&state, &nothing, &ownership) {
        Ok(plan) if diff => out.plan(&plan, &nothing, &[&state]),
        Ok(plan) => out.changed |= !plan.is_empty(),
        Err(e) => out.plan_error(e.to_string()),
    }
}

/// An Update from `old` (the old template's properties, deployed as they are) to `properties`.
fn update(cx: &Context<'_>, out: &mut ResourceOut, properties: &Value, old: &Value) {
    let known = check::check(old, rules(cx), Stage::Known, &mut out.tokens);
    let Ok(old_checked) = known else {
        // The old properties never made anything (the function refused them): the Update
        // makes everything, as a Create.
        out.notes.push(
            "the old template's properties are invalid, so its Create failed and made nothing: this Update creates everything".into(),
        );
        return create(cx, out, properties, true);
    };
    let checked = match check::check(
        properties,
        rules(cx),
        Stage::Request {
            old: Some(&old_checked.spec),
        },
        &mut out.tokens,
    ) {
        Ok(checked) => checked,
        Err(errors) => return out.spec_errors(errors),
    };
    let (env, logical) = (&cx.env, out.logical_id.clone());
    let cur = placeholder_id(cx, &logical);
    let in_place = desired::build(&checked.spec, &Owner::new(env, &logical, &cur));
    let old_state = desired::build(&old_checked.spec, &Owner::new(env, &logical, &cur));
    // What the old template made: everything, as it asked, owned by the current id.
    let actual = ActualState::as_made(&old_state);
    let found = UpdateFound {
        new: &in_place,
        old: Some(&old_state),
        actual: &actual,
        stray: None,
        replaced: None,
    };
    match plan::decide_update(&cur, Some(&found)) {
        UpdateStrategy::InPlace { .. } => {
            out.show(&checked.spec, &in_place, cx);
            let ownership = Ownership::in_place(&cur, checked.spec.adopt_existing);
            match plan::converge(&in_place, &actual, &ownership) {
                Ok(plan) => {
                    out.action = if plan.is_empty() { "none" } else { "update" };
                    out.plan(&plan, &actual, &[&in_place, &old_state]);
                }
                Err(e) => out.plan_error(e.to_string()),
            }
        }
        UpdateStrategy::Replace { reasons } | UpdateStrategy::ReturnTo { reasons, .. } => {
            let updating = plan::Updating {
                env,
                stack_id: &cx.stack_id,
                logical_id: &logical,
                current: &cur,
                old_properties: &old_checked.properties,
            };
            let plan::Replacement { id, desired: state } =
                plan::replacement(&checked.spec, &updating);
            out.show(&checked.spec, &state, cx);
            out.action = "replace";
            out.replacement = true;
            out.reasons = reasons;
            // The function reads what the new state names; it takes over what the current
            // resource owns of it.
            let before = only(&actual, &state);
            let replaced = cur.as_str();
            let ownership = Ownership::replacing(&id, &replaced, checked.spec.adopt_existing);
            match plan::converge(&state, &before, &ownership) {
                Ok(plan) => out.plan(&plan, &before, &[&state, &old_state]),
                Err(e) => return out.plan_error(e.to_string()),
            }
            // CloudFormation's Delete of the replaced resource, after the stack update: what
            // the current id still owns.
            let after = handed_over(&actual, &state, &id);
            let cleanup = plan::teardown(&after, &cur, cx.operator.required_boundary.as_deref());
            out.cleanup = changes::of_plan(&cleanup, &after, &[&old_state]);
            out.cleanup_calls = calls(&cleanup);
        }
        UpdateStrategy::CreateAnew => create(cx, out, properties, true),
    }
}

/// The resource is gone from the template (or its Condition turned false): CloudFormation
/// deletes it, and the function removes what it made.
fn delete(cx: &Context<'_>, out: &mut ResourceOut, old: &Value) {
    let Ok(old_checked) = check::check(old, rules(cx), Stage::Known, &mut out.tokens) else {
        out.notes.push("the old template's properties are invalid, so its Create failed and made nothing: the Delete removes nothing".into());
        out.changes = Some(vec![]);
        return;
    };
    let cur = placeholder_id(cx, &out.logical_id);
    let old_state = desired::build(
        &old_checked.spec,
        &Owner::new(&cx.env, &out.logical_id, &cur),
    );
    let actual = ActualState::as_made(&old_state);
    let plan = plan::teardown(&actual, &cur, cx.operator.required_boundary.as_deref());
    out.action = "delete";
    out.plan(&plan, &actual, &[&old_state]);
}

/// Drift: what an Update with these properties would do in the account now.
async fn live_resource(
    cx: &Context<'_>,
    out: &mut ResourceOut,
    properties: &Value,
    found: Option<live::StackResource>,
    aws: &Aws,
) {
    let Some(found) = found else {
        out.notes.push(format!(
            "stack {} has no resource {} yet: its Create makes everything",
            cx.env.stack_name, out.logical_id
        ));
        return create(cx, out, properties, true);
    };
    out.physical_id = Some(found.physical_id.clone());
    if identity::is_failed_marker(&found.physical_id) {
        out.notes.push(
            "the resource's Create failed and made nothing: its next Update creates everything"
                .into(),
        );
        return create(cx, out, properties, true);
    }
    // An Update carrying an id made for another stack or resource is refused (with
    // --physical-id there is no stack id to hold it to).
    if !found.stack_id.is_empty()
        && !identity::belongs_to(&found.physical_id, &found.stack_id, &out.logical_id)
    {
        let e = ecs_iam_roles::error::Error::ForeignId {
            physical_id: found.physical_id.clone(),
            logical_id: out.logical_id.clone(),
            stack_id: found.stack_id.clone(),
        };
        return out.plan_error(e.to_string());
    }
    // The template is taken as the deployed one: what the resource holds stays served
    // (Operator::guard of an Update that adds nothing).
    let checked = match check::check(properties, rules(cx), Stage::Known, &mut out.tokens) {
        Ok(known) => {
            let old = known.spec.clone();
            check::check(
                properties,
                rules(cx),
                Stage::Request { old: Some(&old) },
                &mut out.tokens,
            )
        }
        Err(errors) => Err(errors),
    };
    let checked = match checked {
        Ok(checked) => checked,
        Err(errors) => return out.spec_errors(errors),
    };
    if out.tokens.stands_in(&checked.properties.to_string()) {
        out.notes.push(LIVE_TOKENS_NOTE.to_string());
    }
    let cur = found.physical_id.clone();
    let state = desired::build(&checked.spec, &Owner::new(&cx.env, &out.logical_id, &cur));
    out.show(&checked.spec, &state, cx);
    let actual = match live::read(aws, &state).await {
        Ok(actual) => actual,
        Err(e) => {
            out.errors.push(error(&out.logical_id, None, &e));
            out.action = "refused";
            return;
        }
    };
    let ownership = Ownership {
        descendants_of: Some(&cur),
        adopt: checked.spec.adopt_existing,
        ..Ownership::sole(&cur)
    };
    match plan::converge(&state, &actual, &ownership) {
        Ok(plan) => {
            out.action = if plan.is_empty() { "none" } else { "repair" };
            out.plan(&plan, &actual, &[&state]);
        }
        Err(e) => out.plan_error(e.to_string()),
    }
}

/// What of `actual` a state names (what the function reads for it).
fn only(actual: &ActualState, state: &DesiredState) -> ActualState {
    let profiles: Vec<&String> = state
        .roles
        .iter()
        .filter_map(|r| r.instance_profile.as_ref().map(|p| &p.name))
        .collect();
    ActualState {
        roles: actual
            .roles
            .iter()
            .filter(|(name, _)| state.roles.iter().any(|r| &&r.name == name))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        policies: actual
            .policies
            .iter()
            .filter(|(arn, _)| state.policies.iter().any(|p| &&p.arn == arn))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        instance_profiles: actual
            .instance_profiles
            .iter()
            .filter(|(name, _)| profiles.contains(name))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        service_linked: actual.service_linked.clone(),
    }
}

/// `actual` after a replacement under `id` took over what `state` names.
fn handed_over(actual: &ActualState, state: &DesiredState, id: &str) -> ActualState {
    let mut after = actual.clone();
    let taken = only(actual, state);
    let owner = || BTreeMap::from([(OWNER_TAG_KEY.to_string(), id.to_string())]);
    for name in taken.roles.keys() {
        after
            .roles
            .get_mut(name)
            .expect("taken from it")
            .tags
            .extend(owner());
    }
    for arn in taken.policies.keys() {
        after
            .policies
            .get_mut(arn)
            .expect("taken from it")
            .tags
            .extend(owner());
    }
    for name in taken.instance_profiles.keys() {
        after
            .instance_profiles
            .get_mut(name)
            .expect("taken from it")
            .tags
            .extend(owner());
    }
    after
}
