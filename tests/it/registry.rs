//! The kinds' registry is the one source of what the kinds are: the book's kind and output tables
//! (docs/src/authors/kinds.md, outputs.md), the sample events and the source tree agree with it
//! (template.yaml's attach list: tests/template.rs).

use ecs_iam_roles::desired::{build, outputs, Owner};
use ecs_iam_roles::identity::stack_env;
use ecs_iam_roles::kinds::Kind;
use ecs_iam_roles::spec;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The book's pages whose tables list the kinds and the output keys.
const KINDS_PAGE: &str = "docs/src/authors/kinds.md";
const OUTPUTS_PAGE: &str = "docs/src/authors/outputs.md";

const STACK_ID: &str = "arn:aws:cloudformation:eu-west-1:123456789012:stack/s/g";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `{"Roles": {kind: sample}}`.
fn properties(kind: Kind, sample: &Value) -> Value {
    let mut roles = Map::new();
    roles.insert(kind.name().to_string(), sample.clone());
    json!({ "Roles": roles })
}

/// What a kind's samples produce between them: output keys and AWS managed policy paths.
fn produced(kind: Kind) -> (BTreeSet<String>, BTreeSet<String>) {
    let env = stack_env(STACK_ID).unwrap();
    let (mut keys, mut managed) = (BTreeSet::new(), BTreeSet::new());
    let samples = kind.samples();
    assert!(!samples.is_empty(), "{kind} has no samples");
    for sample in samples {
        let spec = spec::parse(&properties(kind, &sample))
            .unwrap_or_else(|e| panic!("{kind} sample {sample}: {e}"));
        let state = build(&spec, &Owner::new(&env, "EcsRoles", "s-EcsRoles-1"));
        keys.extend(outputs(&spec, &state, &env).into_keys());
        for arn in state.roles.iter().flat_map(|r| &r.managed_policy_arns) {
            if let Some(path) = arn.strip_prefix("arn:aws:iam::aws:policy") {
                managed.insert(path.to_string());
            }
        }
    }
    (keys, managed)
}

#[test]
fn samples_attach_exactly_the_kinds_aws_managed_policies() {
    for &kind in Kind::ALL {
        let (_, managed) = produced(kind);
        let declared: BTreeSet<String> = kind
            .aws_managed_policies()
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(managed, declared, "{kind}");
    }
}

/// The rows of the table whose header line is `header` in the page `page` (a path from the
/// repository's root), split into cells.
fn doc_table(page: &str, header: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(root().join(page)).unwrap();
    let mut lines = text.lines().skip_while(|l| l.trim() != header);
    assert!(lines.next().is_some(), "{page} has no table {header:?}");
    lines
        .skip(1) // | --- | --- |
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

/// The `code` spans of a cell.
fn code_spans(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

#[test]
fn the_books_kind_table_is_the_registry() {
    let rows = doc_table(KINDS_PAGE, "| kind | properties | trust | permissions |");
    let listed: Vec<&str> = rows.iter().map(|r| code_spans(&r[0])[0]).collect();
    let registry: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
    assert_eq!(
        listed, registry,
        "{KINDS_PAGE}: kinds, in the registry's order"
    );
    for (row, &kind) in rows.iter().zip(Kind::ALL) {
        let properties: BTreeSet<&str> = code_spans(&row[1]).into_iter().collect();
        let expected: BTreeSet<&str> = kind.property_names().into_iter().collect();
        assert_eq!(properties, expected, "{KINDS_PAGE}: properties of {kind}");
        for property in kind.properties().iter().filter(|p| p.required) {
            assert!(
                row[1].contains(&format!("`{}` (required", property.name)),
                "{KINDS_PAGE}: {kind}'s {} is required",
                property.name
            );
        }
        for policy in kind.aws_managed_policies() {
            let shown = format!("`{}`", policy.trim_start_matches('/'));
            assert!(
                row[3].contains(&shown),
                "{KINDS_PAGE}: {kind} attaches {shown}"
            );
        }
    }
}

#[test]
fn the_books_output_table_is_what_the_kinds_answer() {
    let mut listed: BTreeMap<Kind, BTreeSet<String>> = BTreeMap::new();
    for row in doc_table(OUTPUTS_PAGE, "| key | present when |") {
        let kind = Kind::from_name(code_spans(&row[1])[0]).expect("a kind");
        let keys = code_spans(&row[0]).into_iter().map(str::to_string);
        listed.entry(kind).or_default().extend(keys);
    }
    for &kind in Kind::ALL {
        let (keys, _) = produced(kind);
        assert_eq!(
            listed.remove(&kind).unwrap_or_default(),
            keys,
            "{OUTPUTS_PAGE}: outputs of {kind}"
        );
    }
}

#[test]
fn every_kind_has_a_sample_event() {
    let dir = root().join("events/kinds");
    let mut covered = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let event: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let roles = event["ResourceProperties"]["Roles"]
            .as_object()
            .unwrap_or_else(|| panic!("{}: no Roles", path.display()));
        for name in roles.keys() {
            let kind = Kind::from_name(name)
                .unwrap_or_else(|| panic!("{}: unknown kind {name}", path.display()));
            covered.insert(kind);
        }
    }
    let all: BTreeSet<Kind> = Kind::ALL.iter().copied().collect();
    assert_eq!(covered, all, "events/kinds/ has a sample for every kind");
}

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// A kind's name and its property names are written once: in the kind's own file (or, for a
/// property several kinds share, in `core/src/kinds/mod.rs`). Everything else goes through the
/// registry, so a kind cannot be half renamed.
#[test]
fn each_kind_and_property_name_is_a_string_in_one_file_of_src() {
    let mut files = vec![];
    // The kinds live in the core; the function crate must not name them either.
    rust_files(&root().join("core/src"), &mut files);
    rust_files(&root().join("src"), &mut files);
    let sources: Vec<(PathBuf, String)> = files
        .into_iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f).unwrap();
            (f, text)
        })
        .collect();
    let names: BTreeSet<&str> = Kind::ALL
        .iter()
        .flat_map(|k| std::iter::once(k.name()).chain(k.property_names()))
        .collect();
    for name in names {
        let quoted = format!("\"{name}\"");
        let holders: Vec<String> = sources
            .iter()
            .filter(|(_, text)| text.contains(&quoted))
            .map(|(f, _)| f.strip_prefix(root()).unwrap().display().to_string())
            .collect();
        assert_eq!(holders.len(), 1, "{quoted} is written in {holders:?}");
    }
}
