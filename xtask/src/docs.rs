//! The book's parts that the registry determines. Columns the registry knows are generated;
//! prose it does not know stays hand-written, kept cell by cell under the row's key:
//!
//! - `docs/src/authors/kinds.md`, the kind table: a row per kind in the registry's order, its
//!   link and its properties (`RoleName` first, then the kind's own, `(required)` marked);
//!   the trust and permissions cells are hand-written, kept by kind (a new kind's say "see its
//!   page" and list its AWS managed policies);
//! - `docs/src/authors/kinds.md`, the sources: each kind's `SOURCE`;
//! - `docs/src/authors/outputs.md`, the output table: every key the kinds' samples answer, in
//!   a row of its kind; the rows and their "present when" cells are hand-written, kept, and a
//!   key no row lists gets a row of its own (its kind, and the sample that answers it when not
//!   every sample does);
//! - `docs/src/authors/kinds/<kind>.md`, the property table: a row per property in the kind's
//!   order and whether it is required; the meaning cells are hand-written, kept by property;
//!   a kind with no page gets one, to be completed by hand;
//! - `docs/src/SUMMARY.md` and `README.md`: the kinds' pages under "The kinds", in the registry's
//!   order.

use crate::region::{self, code_spans, row, table_rows};
use crate::{kebab, read, Output};
use ecs_iam_roles_core::desired::{build, outputs, Owner};
use ecs_iam_roles_core::identity::stack_env;
use ecs_iam_roles_core::kinds::{Form, Kind, ROLE_NAME};
use ecs_iam_roles_core::spec;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const KINDS_PAGE: &str = "docs/src/authors/kinds.md";
const OUTPUTS_PAGE: &str = "docs/src/authors/outputs.md";
const SUMMARY: &str = "docs/src/SUMMARY.md";
const README: &str = "README.md";
/// The kinds' own pages, `<kind>.md` (kebab case), below `docs/src/authors/`.
const KIND_PAGES: &str = "kinds";

const HOW: &str = "cargo run -p xtask -- generate";

/// A page's generated region: its begin marker's start and its end marker.
fn markers(id: &str) -> (String, String) {
    (
        format!("<!-- generated: xtask ({id})"),
        format!("<!-- end generated: xtask ({id}) -->"),
    )
}

/// `text` (the page `page`) with the region `id` replaced by a begin marker saying `note` and
/// `body`, blank lines around it.
fn splice(page: &str, text: &str, id: &str, note: &str, body: &[String]) -> Result<String, String> {
    let (begin, end) = markers(id);
    let found = region::find(text, page, &begin, &end)?;
    let mut lines = vec![format!("{begin}: {note}; {HOW} -->"), String::new()];
    lines.extend(body.iter().cloned());
    lines.push(String::new());
    Ok(found.splice(&lines))
}

/// The current rows of the region `id` of `text`, empty when it has none.
fn current_rows(text: &str, page: &str, id: &str) -> Result<Vec<Vec<String>>, String> {
    let (begin, end) = markers(id);
    let found = region::find(text, page, &begin, &end)?;
    Ok(table_rows(&found.inner))
}

fn page_of(kind: Kind) -> String {
    format!("{KIND_PAGES}/{}.md", kebab(kind.name()))
}

pub fn generate(root: &Path) -> Result<Vec<Output>, String> {
    let mut outputs = vec![
        Output::file(KINDS_PAGE, kinds_page(&read(root, KINDS_PAGE)?)?),
        Output::file(OUTPUTS_PAGE, outputs_page(&read(root, OUTPUTS_PAGE)?)?),
        Output::file(SUMMARY, summary(&read(root, SUMMARY)?)?),
        Output::file(README, readme(&read(root, README)?)?),
    ];
    for &kind in Kind::ALL {
        let path = format!("docs/src/authors/{}", page_of(kind));
        let text = match std::fs::read_to_string(root.join(&path)) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => new_kind_page(kind),
            Err(e) => return Err(format!("{path}: {e}")),
        };
        outputs.push(Output::file(path.clone(), kind_page(&path, kind, &text)?));
    }
    Ok(outputs)
}

/// `` `RoleName`, `ClusterName` (required), … ``: the kind's property names, required ones
/// marked.
fn property_list(kind: Kind) -> String {
    kind.property_names()
        .into_iter()
        .map(|name| {
            if required(kind, name) {
                format!("`{name}` (required)")
            } else {
                format!("`{name}`")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn required(kind: Kind, name: &str) -> bool {
    kind.properties()
        .iter()
        .any(|p| p.name == name && p.required)
}

fn kinds_page(text: &str) -> Result<String, String> {
    const TABLE: &str = "kind table";
    let kept: BTreeMap<String, Vec<String>> = current_rows(text, KINDS_PAGE, TABLE)?
        .into_iter()
        .filter_map(|cells| {
            let kind = code_spans(&cells[0]).first()?.to_string();
            Some((kind, cells))
        })
        .collect();
    let mut body = vec![
        "| kind | properties | trust | permissions |".to_string(),
        "| --- | --- | --- | --- |".to_string(),
    ];
    for &kind in Kind::ALL {
        let page = page_of(kind);
        let (trust, permissions) = match kept.get(kind.name()) {
            Some(cells) if cells.len() == 4 => (cells[2].clone(), cells[3].clone()),
            _ => {
                let see = format!("see [its page]({page})");
                let managed: Vec<String> = kind
                    .aws_managed_policies()
                    .iter()
                    .map(|p| format!("`{}`", p.trim_start_matches('/')))
                    .collect();
                let permissions = match managed.is_empty() {
                    true => see.clone(),
                    false => format!("{}; {see}", managed.join(", ")),
                };
                (see, permissions)
            }
        };
        body.push(row(&[
            format!("[`{kind}`]({page})"),
            property_list(kind),
            trust,
            permissions,
        ]));
    }
    let text = splice(
        KINDS_PAGE,
        text,
        TABLE,
        "the rows, the kind and properties columns come from core/src/kinds/; the trust and permissions cells are hand-written, kept by kind",
        &body,
    )?;
    let sources: Vec<String> = Kind::ALL
        .iter()
        .map(|kind| format!("- [`{kind}`]({}): {}", page_of(*kind), kind.source()))
        .collect();
    splice(
        KINDS_PAGE,
        &text,
        "sources",
        "each kind's SOURCE in core/src/kinds/",
        &sources,
    )
}

/// Where the kinds' samples are made, as `tests/it/registry.rs` makes them.
const SAMPLE_STACK_ID: &str = "arn:aws:cloudformation:eu-west-1:123456789012:stack/s/g";

/// The output keys each of `kind`'s samples answers.
fn sample_keys(kind: Kind) -> Result<Vec<BTreeSet<String>>, String> {
    let env = stack_env(SAMPLE_STACK_ID)?;
    let owner = Owner::new(&env, "EcsRoles", "s-EcsRoles-1");
    kind.samples()
        .into_iter()
        .map(|sample| {
            let properties = json!({ "Roles": { kind.name(): sample } });
            let spec = spec::parse(&properties)
                .map_err(|e| format!("{kind}: its sample {sample} is refused: {e}"))?;
            let state = build(&spec, &owner);
            Ok(outputs(&spec, &state, &env).into_keys().collect())
        })
        .collect()
}

/// `` `Name: value` ``, for the properties of `sample` that differ from `first`'s.
fn sample_condition(first: &Value, sample: &Value) -> String {
    let Some(object) = sample.as_object() else {
        return String::new();
    };
    object
        .iter()
        .filter(|(k, v)| first.get(k.as_str()) != Some(v))
        .map(|(k, v)| match v {
            Value::String(s) => format!("`{k}: {s}`"),
            other => format!("`{k}: {other}`"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn outputs_page(text: &str) -> Result<String, String> {
    const TABLE: &str = "output table";
    let rows = current_rows(text, OUTPUTS_PAGE, TABLE)?;
    let mut body = vec![
        "| key | present when |".to_string(),
        "| --- | --- |".to_string(),
    ];
    for &kind in Kind::ALL {
        let per_sample = sample_keys(kind)?;
        let answered: BTreeSet<&String> = per_sample.iter().flatten().collect();
        let mut listed = BTreeSet::new();
        // The hand-written rows of the kind, with only the keys it answers.
        for cells in &rows {
            let Some(when) = cells.get(1) else { continue };
            if code_spans(when).first().copied() != Some(kind.name()) {
                continue;
            }
            let keys: Vec<&str> = code_spans(&cells[0])
                .into_iter()
                .filter(|k| answered.contains(&k.to_string()) && !listed.contains(*k))
                .collect();
            if keys.is_empty() {
                continue;
            }
            listed.extend(keys.iter().map(|k| k.to_string()));
            body.push(row(&[key_list(keys), when.clone()]));
        }
        // Keys no row lists: a row per set of samples answering them.
        let mut groups: Vec<(Vec<usize>, Vec<&str>)> = vec![];
        for key in answered.into_iter().filter(|k| !listed.contains(*k)) {
            let by: Vec<usize> = (0..per_sample.len())
                .filter(|&i| per_sample[i].contains(key))
                .collect();
            match groups.iter_mut().find(|(b, _)| *b == by) {
                Some((_, keys)) => keys.push(key.as_str()),
                None => groups.push((by, vec![key.as_str()])),
            }
        }
        let samples = kind.samples();
        for (by, keys) in groups {
            let when = if by.len() == samples.len() {
                format!("`{kind}`")
            } else {
                format!(
                    "`{kind}` with {}",
                    sample_condition(&samples[0], &samples[by[0]])
                )
            };
            body.push(row(&[key_list(keys), when]));
        }
    }
    splice(
        OUTPUTS_PAGE,
        text,
        TABLE,
        "the keys are what the kinds answer (core/src/kinds/); the rows and their present-when cells are hand-written, kept",
        &body,
    )
}

fn key_list(keys: Vec<&str>) -> String {
    keys.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `text` (the file `file`) with the lines after the line `parent` that start with `child`
/// replaced by `lines` (no markers in these lists: mdBook misreads an indented HTML comment in
/// SUMMARY.md's nested list, and one would split the README's list item).
fn list_after(
    file: &str,
    text: &str,
    parent: &str,
    child: &str,
    lines: &[String],
) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text.split_inclusive('\n').peekable();
    let mut found = false;
    while let Some(line) = rest.next() {
        out.push_str(line);
        if line.trim_end() != parent {
            continue;
        }
        found = true;
        while rest.peek().is_some_and(|l| l.starts_with(child)) {
            rest.next();
        }
        for line in lines {
            out.push_str(line);
            out.push('\n');
        }
    }
    if !found {
        return Err(format!("{file}: no line {parent:?}"));
    }
    Ok(out)
}

/// The kinds' pages under "The kinds" in `SUMMARY.md`.
fn summary(text: &str) -> Result<String, String> {
    let lines: Vec<String> = Kind::ALL
        .iter()
        .map(|kind| format!("  - [{kind}](authors/{})", page_of(*kind)))
        .collect();
    list_after(
        SUMMARY,
        text,
        "- [The kinds](authors/kinds.md)",
        "  - ",
        &lines,
    )
}

/// The kinds' pages in the README's list of the book's pages, a link a line.
fn readme(text: &str) -> Result<String, String> {
    let last = Kind::ALL.len() - 1;
    let lines: Vec<String> = Kind::ALL
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            let end = if i == last { '.' } else { ',' };
            format!("  [{kind}](docs/src/authors/{}){end}", page_of(*kind))
        })
        .collect();
    list_after(
        README,
        text,
        "- [The kinds](docs/src/authors/kinds.md), one page each:",
        "  [",
        &lines,
    )
}

/// Meaning of a property no hand has described yet.
const UNDESCRIBED: &str = "*not described yet*";

fn kind_page(path: &str, kind: Kind, text: &str) -> Result<String, String> {
    const TABLE: &str = "properties";
    let kept: BTreeMap<String, String> = current_rows(text, path, TABLE)?
        .into_iter()
        .filter_map(|cells| {
            let name = code_spans(cells.first()?).first()?.to_string();
            Some((name, cells.get(2)?.clone()))
        })
        .collect();
    let mut body = vec![
        "| property | required | meaning |".to_string(),
        "| --- | --- | --- |".to_string(),
    ];
    for name in kind.property_names() {
        let flag = kind
            .properties()
            .iter()
            .any(|p| p.name == name && matches!(p.form, Form::Flag));
        let required = match (required(kind, name), flag) {
            (true, _) => "yes",
            (false, true) => "no (default `false`)",
            (false, false) => "no",
        };
        let meaning = match kept.get(name) {
            Some(meaning) => meaning.clone(),
            None if name == ROLE_NAME.name => "the role's name; generated when absent".into(),
            None => UNDESCRIBED.into(),
        };
        body.push(row(&[format!("`{name}`"), required.into(), meaning]));
    }
    splice(
        path,
        text,
        TABLE,
        "the properties and whether they are required come from core/src/kinds/; the meaning cells are hand-written, kept by property",
        &body,
    )
}

/// A page for a kind that has none: what the registry knows, the rest to be written by hand
/// (docs/src/contributors/adding-a-kind.md).
fn new_kind_page(kind: Kind) -> String {
    let (begin, end) = markers("properties");
    format!(
        "# {kind}\n\n\
         Follows {source}.\n\n\
         {begin} -->\n{end}\n\n\
         ## What it makes\n\n\
         {UNDESCRIBED}\n\n\
         ## Outputs\n\n\
         See [Outputs](../outputs.md).\n",
        source = kind.source(),
    )
}
