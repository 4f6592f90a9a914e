//! Reviewers' notes (issue 20): a category's `feedback` and `deviation`
//! (v2 categories have no `scenario` text) and a run's `feedback` reach the
//! JUnit report, the job summary and the `--json` report.

use crate::common;

use common::*;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn a_v2_categorys_deviation_and_the_reviewers_notes_are_shown() {
    let mut r = run(1, "completed", false, &[]);
    r["feedback"] = json!("the caller was rude");
    r["critical_categories"] = json!([{
        "category_id": 5, "category": "Wrong refund", "priority": "critical",
        "deviation": "refunded before checking the order", "wrongly_marked": false,
        "feedback": "agreed: a real bug"
    }]);
    let out = Gate::new()
        .file("runs.json", &Value::Array(vec![r]).to_string())
        .args(["--from-file", "runs.json", "--json", "v.json"])
        .env("GITHUB_STEP_SUMMARY", "summary.md")
        .expect_code(1)
        .await;
    let junit = out.junit();
    assert!(
        junit.contains(
            "Reviewer's feedback on the run: the caller was rude\n\
             The run did not pass its evaluation (success is not true).\n\
             Critical categories (score 10):\n\
             - [critical, weight 10] Wrong refund\n    refunded before checking the order\n    \
             Reviewer's feedback: agreed: a real bug\n</failure>"
        ),
        "{junit}"
    );
    let summary = out.file("summary.md").expect("a job summary");
    assert!(
        summary.contains(
            "| Wrong refund | critical | refunded before checking the order · \
             reviewer: agreed: a real bug · reviewer on the run: the caller was rude |"
        ),
        "{summary}"
    );
    let run = &out.json("v.json")["results"][0]["run"];
    assert_eq!(run["feedback"], "the caller was rude");
    assert_eq!(
        run["critical_categories"],
        json!([{"category": "Wrong refund", "detail": "refunded before checking the order",
                "deviation": "refunded before checking the order",
                "feedback": "agreed: a real bug", "priority": "critical", "wrongly_marked": false}])
    );
}
