//! The text format, rendered from the report (the JSON format's value): one fact per line, each
//! document statement as the compact JSON the function writes; changes as `+` (add), `-`
//! (remove) and `~` (replace) lines with the same labels.

use serde_json::Value;
use std::fmt::Write;

fn s(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

fn statements(document: &Value) -> Vec<Value> {
    crate::changes::statements(Some(document))
}

pub fn render(report: &Value) -> String {
    let mut out = String::new();
    let empty = vec![];
    let resources = report["resources"].as_array().unwrap_or(&empty);
    for resource in resources {
        resource_text(&mut out, resource);
    }
    if resources.is_empty() {
        out.push_str("no resource of the planned types in the template\n");
    }
    let errors = report["errors"].as_array().unwrap_or(&empty);
    if !errors.is_empty() {
        out.push_str("errors:\n");
        for e in errors {
            match e["property"].as_str() {
                Some(p) => writeln!(out, "  {}: {p}: {}", s(&e["logicalId"]), s(&e["message"])),
                None => writeln!(out, "  {}: {}", s(&e["logicalId"]), s(&e["message"])),
            }
            .expect("a String takes writes");
        }
    }
    out
}

fn headline(resource: &Value) -> String {
    let action = match s(&resource["action"]) {
        "create" => "create".to_string(),
        "update" => "update in place".to_string(),
        "replace" => {
            let empty = vec![];
            let reasons: Vec<&str> = resource["replacementReasons"]
                .as_array()
                .unwrap_or(&empty)
                .iter()
                .map(s)
                .collect();
            format!("REPLACEMENT ({})", reasons.join("; "))
        }
        "repair" => "drift: an Update would repair it".to_string(),
        "delete" => "delete".to_string(),
        "refused" => "refused".to_string(),
        _ if resource.get("changes").is_some() => "no IAM change".to_string(),
        other => other.to_string(),
    };
    let physical = resource["physicalId"]
        .as_str()
        .map(|id| format!(" [{id}]"))
        .unwrap_or_default();
    format!(
        "{} ({}){physical}: {action}",
        s(&resource["logicalId"]),
        s(&resource["type"])
    )
}

fn resource_text(out: &mut String, resource: &Value) {
    let w = |out: &mut String, line: String| {
        out.push_str(&line);
        out.push('\n');
    };
    w(out, headline(resource));
    let empty = vec![];
    for note in resource["notes"].as_array().unwrap_or(&empty) {
        w(out, format!("  note: {}", s(note)));
    }
    if let Some(changes) = resource["changes"].as_array() {
        changes_text(out, changes, resource, "  ");
        if resource["replacement"] == Value::Bool(true) {
            let cleanup = resource["cleanup"].as_array().unwrap_or(&empty);
            w(
                out,
                "  cleanup: CloudFormation's Delete of the replaced resource, after the stack update succeeds:"
                    .to_string(),
            );
            if cleanup.is_empty() {
                w(out, "    nothing is deleted".to_string());
            }
            changes_text(out, cleanup, resource, "    ");
        }
        for (key, title) in [
            ("calls", "IAM calls of the plan, in order:"),
            ("cleanupCalls", "IAM calls of the cleanup, in order:"),
        ] {
            let calls = resource[key].as_array().unwrap_or(&empty);
            if !calls.is_empty() {
                w(out, format!("  {title}"));
                for call in calls {
                    w(out, format!("    {}", s(call)));
                }
            }
        }
        return;
    }
    for role in resource["roles"].as_array().unwrap_or(&empty) {
        role_text(out, role);
    }
    for name in resource["serviceLinkedRoles"].as_array().unwrap_or(&empty) {
        w(
            out,
            format!(
                "  service-linked role {} (made if missing, never changed or deleted)",
                s(name)
            ),
        );
    }
}

fn role_text(out: &mut String, role: &Value) {
    let mut lines = vec![];
    let generated = if role["generatedName"] == Value::Bool(true) {
        "; generated name: an example, the deployed name differs"
    } else {
        ""
    };
    lines.push(format!(
        "  role {} ({}{generated})",
        s(&role["name"]),
        s(&role["kind"])
    ));
    lines.push(format!("    arn {}", s(&role["arn"])));
    lines.push(format!("    path {}", s(&role["path"])));
    for statement in statements(&role["trust"]) {
        lines.push(format!("    trust {statement}"));
    }
    for arn in role["managedPolicies"].as_array().into_iter().flatten() {
        lines.push(format!("    managed policy {}", s(arn)));
    }
    if let Some(inline) = role["inlinePolicies"].as_object() {
        for (name, document) in inline {
            for statement in statements(document) {
                lines.push(format!("    inline policy {name} {statement}"));
            }
        }
    }
    for policy in role["customerPolicies"].as_array().into_iter().flatten() {
        let generated = if policy["generatedName"] == Value::Bool(true) {
            "; generated name: an example"
        } else {
            ""
        };
        let name = s(&policy["name"]);
        lines.push(format!(
            "    customer policy {name} ({}{generated})",
            s(&policy["arn"])
        ));
        for statement in statements(&policy["document"]) {
            lines.push(format!("    customer policy {name} {statement}"));
        }
    }
    if let Some(profile) = role["instanceProfile"].as_object() {
        lines.push(format!(
            "    instance profile {} ({})",
            s(&profile["name"]),
            s(&profile["arn"])
        ));
    }
    if let Some(boundary) = role["permissionsBoundary"].as_str() {
        lines.push(format!("    permissions boundary {boundary}"));
    }
    if let Some(tags) = role["tags"].as_object() {
        for (key, value) in tags {
            lines.push(format!("    tag {key}={}", s(value)));
        }
    }
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
}

/// One change as a line: its sign and the same label as in the full view.
pub fn change_line(change: &Value) -> String {
    let sign = match s(&change["op"]) {
        "add" => "+",
        "remove" => "-",
        _ => "~",
    };
    let value = &change["value"];
    let body = match s(&change["what"]) {
        "role" => match value["serviceLinked"].as_str() {
            Some(service) => format!("service-linked role {} ({service})", s(&value["name"])),
            None => match value["kind"].as_str() {
                Some(kind) => format!("role {} ({kind})", s(&value["name"])),
                None => format!("role {}", s(&value["name"])),
            },
        },
        "trust" => match s(&change["part"]) {
            "principal" => {
                let principal = value
                    .as_object()
                    .and_then(|m| m.iter().next())
                    .map(|(k, v)| {
                        format!(
                            "{k} {}",
                            v.as_str().map(str::to_string).unwrap_or(v.to_string())
                        )
                    })
                    .unwrap_or_else(|| value.to_string());
                format!("trust principal {principal}")
            }
            part => format!("trust {part} {value}"),
        },
        "managedPolicy" => format!("managed policy {}", s(value)),
        "statement" => format!(
            "{} policy {} {value}",
            s(&change["policyType"]),
            s(&change["policy"])
        ),
        "inlinePolicy" => format!("inline policy {}", s(value)),
        "customerPolicy" => format!(
            "customer policy {} ({})",
            s(&value["name"]),
            s(&value["arn"])
        ),
        "instanceProfile" => format!("instance profile {}", s(&value["name"])),
        "permissionsBoundary" => match change["from"].as_str() {
            Some(from) => format!("permissions boundary {from} -> {}", s(value)),
            None => format!("permissions boundary {}", s(value)),
        },
        "tag" => {
            let tag = |t: &Value| format!("{}={}", s(&t["key"]), s(&t["value"]));
            let text = match change.get("from") {
                Some(from) => format!("tag {} -> {}", tag(from), tag(value)),
                None => format!("tag {}", tag(value)),
            };
            match change["entity"].as_str() {
                Some(entity) => format!("{text} (on {entity})"),
                None => text,
            }
        }
        what => format!("{what} {value}"),
    };
    format!("{sign} {body}")
}

/// Changes grouped by role, in the order they come.
fn changes_text(out: &mut String, changes: &[Value], resource: &Value, indent: &str) {
    let mut groups: Vec<(Option<String>, Vec<&Value>)> = vec![];
    for change in changes {
        let role = change["role"].as_str().map(str::to_string);
        match groups.iter_mut().find(|(r, _)| *r == role) {
            Some((_, list)) => list.push(change),
            None => groups.push((role, vec![change])),
        }
    }
    // In the order the resource lists its roles; changes of no role (or of a role no longer
    // listed) after them, as they came.
    let position = |role: &Option<String>| -> usize {
        let roles = resource["roles"].as_array();
        role.as_ref()
            .and_then(|name| roles?.iter().position(|r| r["name"] == name.as_str()))
            .unwrap_or(usize::MAX)
    };
    groups.sort_by_key(|(role, _)| position(role));
    let kind_of = |name: &str| -> Option<String> {
        let from_roles = resource["roles"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["name"] == name)
            .and_then(|r| r["kind"].as_str().map(str::to_string));
        from_roles.or_else(|| {
            changes
                .iter()
                .find(|c| c["what"] == "role" && c["value"]["name"] == name)
                .and_then(|c| c["value"]["kind"].as_str().map(str::to_string))
        })
    };
    for (role, list) in groups {
        let (inner, list) = match &role {
            Some(name) => {
                let kind = kind_of(name).map(|k| format!(" ({k})")).unwrap_or_default();
                // A role made or deleted heads its own changes with its sign.
                let whole = list
                    .first()
                    .filter(|c| c["what"] == "role" && c["value"]["name"] == name.as_str());
                let sign = match whole.map(|c| s(&c["op"])) {
                    Some("add") => "+ ",
                    Some("remove") => "- ",
                    _ => "",
                };
                writeln!(out, "{indent}{sign}role {name}{kind}").expect("a String takes writes");
                let skip = usize::from(whole.is_some());
                let inner = if sign.is_empty() { "  " } else { "    " };
                (format!("{indent}{inner}"), list[skip..].to_vec())
            }
            None => (indent.to_string(), list),
        };
        for change in list {
            writeln!(out, "{inner}{}", change_line(change)).expect("a String takes writes");
        }
    }
}
