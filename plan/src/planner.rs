//! One plan: the template's resources of the planned types, each checked, built and planned
//! with the function's own code, into the report (`--format json` prints it as is; the text
//! format is rendered from it).

use crate::changes;
use crate::check::{self, Rules, Stage, Tokens};
use crate::cli::Options;
use crate::live::{self, Aws};
use crate::resolve::{Resolver, Stack};
use crate::template;
use inputs::{operator_of, read_file, resources_of, side_of, stack_of, type_of};
use live_plan::live_resource;
use offline::{create, delete, update};

mod inputs;
mod live_plan;
mod offline;
use ecs_iam_roles::desired::{self, DesiredState, Owner};
use ecs_iam_roles::identity::{self, StackEnv};
use ecs_iam_roles::operator::{self, Operator};
use ecs_iam_roles::plan::{self, is_bookkeeping_key, ActualState, Ownership, Plan};
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
