use super::*;
use clap::Parser;

fn chosen(argv: &[&str], env: &Env) -> Result<Option<Chosen>, Error> {
    let args = Args::try_parse_from(std::iter::once("vocera-gate").chain(argv.iter().copied()))
        .map_err(|e| crate::error::usage(e.to_string()))?;
    choose(&args, env, &mut std::io::empty(), &["vk_secret_123"]).map(|(c, _)| c)
}

#[test]
fn one_source_of_runs_and_clashes_are_named() {
    for (argv, says) in [
        (&["1,2", "--result-id", "5"][..], "run IDs and --result-id"),
        (
            &["--from-file", "r.json", "--agent-id", "1"],
            "--from-file and --agent-id",
        ),
        (
            &["--result-id", "5", "--tags", "a"],
            "--result-id and --tags",
        ),
        (
            &["--agent-id", "1", "--assistant-id", "a", "--tags", "x"],
            "--agent-id and --assistant-id",
        ),
        (
            &["--agent-id", "1", "--tags", "x", "--scenarios", "1"],
            "--scenarios and --tags",
        ),
        (&["--frequency", "3", "1,2"], "--frequency only applies"),
        (&["--dry-run", "--result-id", "5"], "--dry-run only applies"),
        (
            &["--agent-id", "x1", "--tags", "a"],
            "--agent-id \"x1\" is not a positive integer",
        ),
        (
            &["--agent-id", "1", "--scenarios", "1,0"],
            "--scenarios \"0\"",
        ),
        (
            &["--agent-id", "1", "--tags", "a", "--frequency", "0"],
            "--frequency \"0\"",
        ),
        (&["--agent-id", "1", "--tags", " , "], "--tags is empty"),
        (&["--agent-id", "1"], "no scenarios chosen"),
        (&["--tags", "a"], "no agent"),
        (
            &["--agent-id", "1", "--folder-path", "A.B"],
            "needs --project-id",
        ),
        (
            &["--agent-id", "vk_secret_123", "--tags", "a"],
            "--agent-id holds the API key",
        ),
        (
            &["--result-id", "12345678901234567890123"],
            "--result-id \"12345678901234567890123\" is too large; the largest is 18446744073709551615",
        ),
        (
            &["--agent-id", "1", "--scenarios", "1,18446744073709551616"],
            "\"18446744073709551616\" is too large; the largest is 18446744073709551615; give IDs like 101,102",
        ),
        (
            &[
                "--agent-id",
                "1",
                "--scenarios",
                "1,2",
                "--frequency",
                "9223372036854775808",
            ],
            "more than 18446744073709551615 calls (2 scenarios x 9223372036854775808), each billed",
        ),
        (
            &[
                "--agent-id",
                "1",
                "--scenarios",
                "1",
                "--frequency",
                "9223372036854775808",
                "--personality-ids",
                "1,2",
                "--test-profile-ids",
                "3,4",
            ],
            "(1 scenario x 9223372036854775808 x 2 personalities x 2 test profiles)",
        ),
    ] {
        let err = chosen(argv, &Env::default()).expect_err(says);
        assert!(err.to_string().contains(says), "{argv:?}: {err}");
        assert!(!err.to_string().contains("vk_secret_123"), "{err}");
    }
    assert_eq!(chosen(&["1,2"], &Env::default()).ok(), Some(None));
    let most = ["--agent-id", "1", "--scenarios", "1", "--frequency"];
    let argv = [&most[..], &["18446744073709551615"]].concat();
    let Ok(Some(Chosen::Start { body, .. })) = chosen(&argv, &Env::default()) else {
        panic!("u64::MAX calls can be counted");
    };
    let calls = start::Calls::of(&body).map(|c| c.total());
    assert_eq!(calls, Some(u64::MAX));
    assert_eq!(
        chosen(&["--result-id", "9876"], &Env::default()).ok(),
        Some(Some(Chosen::Result(9876)))
    );
}

#[test]
fn the_trigger_file_may_come_from_standard_input_but_not_twice() {
    let parse = |argv: &[&str]| {
        Args::try_parse_from(std::iter::once("vocera-gate").chain(argv.iter().copied()))
            .expect("parses")
    };
    let args = parse(&["--trigger-json", "-", "--scenarios", "1"]);
    let mut stdin = r#"{"agent_id": 7, "frequency": 2}"#.as_bytes();
    let Ok((Some(Chosen::Start { body, .. }), None)) =
        choose(&args, &Env::default(), &mut stdin, &[])
    else {
        panic!("a start from standard input");
    };
    assert_eq!(
        Value::Object(body),
        serde_json::json!({"agent_id": 7, "frequency": 2, "scenarios": [1], "name": "vocera-gate"})
    );
    let args = parse(&["--trigger-json", "-"]);
    let err = choose(&args, &Env::default(), &mut "[1]".as_bytes(), &[]).expect_err("array");
    assert!(err.to_string().contains("is not a JSON object"), "{err}");
    let err = choose(&args, &Env::default(), &mut "{".as_bytes(), &[]).expect_err("bad");
    assert!(err.to_string().contains("is not valid JSON"), "{err}");
}

#[test]
fn a_start_names_the_commit_unless_named() {
    let env = Env {
        commit: Some("0123456789abcdef0123".into()),
        ..Env::default()
    };
    let argv = [
        "--agent-id",
        "42",
        "--scenarios",
        "101 102,101",
        "--frequency",
        "3",
    ];
    let Ok(Some(Chosen::Start {
        body,
        dry_run,
        keep_calls,
        dial_command: None,
        suite: false,
    })) = chosen(&argv, &env)
    else {
        panic!("a start");
    };
    assert_eq!(
        Value::Object(body),
        serde_json::json!({"agent_id": 42, "scenarios": [101, 102], "frequency": 3,
            "name": "commit 0123456789ab"})
    );
    assert!(!dry_run && !keep_calls);
    let named = chosen(
        &["--agent-id", "1", "--tags", "a, b", "--run-name", "nightly"],
        &env,
    );
    let Ok(Some(Chosen::Start { body, .. })) = named else {
        panic!("a start");
    };
    assert_eq!(body["name"], "nightly");
    assert_eq!(body["tags"], serde_json::json!(["a", "b"]));
    let ci = Env {
        ci_run: Some("run 7.1".into()),
        nonce: "3f9a0c2e".into(),
        ..Env::default()
    };
    let Ok(Some(Chosen::Start { body, .. })) = chosen(&["--agent-id", "1", "--tags", "a"], &ci)
    else {
        panic!("a start");
    };
    assert_eq!(
        body["name"], "vocera-gate (run 7.1, gate 3f9a0c2e)",
        "named without a commit, uniquely"
    );
}
