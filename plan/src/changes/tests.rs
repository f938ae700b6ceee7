use super::*;

#[test]
fn statements_compare_as_iam_compares_them() {
    let old = json!({"Statement": [
        {"Effect": "Allow", "Action": ["a:B"], "Resource": "*"},
        {"Effect": "Allow", "Action": "c:D", "Resource": "*"},
    ]});
    let new = json!({"Statement": [
        {"Effect": "Allow", "Action": "a:B", "Resource": ["*"]},
        {"Effect": "Allow", "Action": "e:F", "Resource": "*"},
    ]});
    let (removed, added) = statement_diff(Some(&old), Some(&new));
    assert_eq!(
        removed,
        [json!({"Effect": "Allow", "Action": "c:D", "Resource": "*"})]
    );
    assert_eq!(
        added,
        [json!({"Effect": "Allow", "Action": "e:F", "Resource": "*"})]
    );
}

#[test]
fn trust_changes_name_principals_and_conditions() {
    let old = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"Service": "ec2.amazonaws.com"}}]});
    let new = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"Service": "ecs-tasks.amazonaws.com"},
        "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}]});
    let changes = trust_changes("r", Some(&old), Some(&new));
    let parts: Vec<(String, String)> = changes
        .iter()
        .map(|c| {
            (
                c["op"].as_str().unwrap().into(),
                c["part"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        parts,
        [
            ("remove".into(), "principal".into()),
            ("add".into(), "principal".into()),
            ("add".into(), "condition".into())
        ]
    );
    assert!(trust_changes("r", Some(&new), Some(&new)).is_empty());
}
