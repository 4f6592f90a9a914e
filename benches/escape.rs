//! Text escaping for the JUnit report, ours against quick-junit's.
//!
//! quick-junit passes every string through `XmlString::new`, which runs an
//! ANSI-escape parser over each character (and drops tabs, carriage returns,
//! and the text after a stray ESC). This measures both on the same
//! transcript-sized text and prints MB/s. `cargo bench --bench escape`.
//!
//! Also the secret redactor that every answer and every output passes
//! through, on the same text and on it as a JSON answer carries it (every
//! line break a `\n`, every quote a `\"`): the price of finding a key in
//! any encoded form, against a plain search for the key as typed.

use std::hint::black_box;
use std::time::Instant;

fn corpus() -> String {
    let lines = [
        "Testing Agent: Hello, I'd like to book an appointment for tomorrow at 6 PM.\n",
        "Main Agent: Sure! Could you confirm your name & date of birth? <pause>\n",
        "Testing Agent: It's José Müller, 12/04/1985.\tThanks — naïve café ☕\n",
        "Main Agent: \u{1b}[1mBooked\u{1b}[0m for 18:00. Anything else?\r\n",
    ];
    let mut s = String::with_capacity(41_000_000);
    let mut i = 0;
    while s.len() < 40_000_000 {
        s.push_str(lines[i % lines.len()]);
        i += 1;
    }
    s
}

fn measure(name: &str, text: &str, mut f: impl FnMut(&str) -> usize) {
    let mut best = f64::MAX;
    let mut out_len = 0;
    for _ in 0..5 {
        let start = Instant::now();
        out_len = black_box(f(black_box(text)));
        best = best.min(start.elapsed().as_secs_f64());
    }
    let mb = text.len() as f64 / 1e6;
    println!(
        "escape {name}: {mb:.0} MB in {:.1} ms = {:.0} MB/s (output {:.1} MB, best of 5)",
        best * 1e3,
        mb / best,
        out_len as f64 / 1e6
    );
}

fn main() {
    let text = corpus();
    measure("quick-junit XmlString::new", &text, |t| {
        quick_junit::XmlString::new(t).len()
    });
    measure("quick-junit report to_string", &text, |t| {
        let mut report = quick_junit::Report::new("r");
        let mut suite = quick_junit::TestSuite::new("s");
        let mut case = quick_junit::TestCase::new("c", quick_junit::TestCaseStatus::success());
        case.set_system_out(t);
        suite.add_test_case(case);
        report.add_test_suite(suite);
        report.to_string().map(|s| s.len()).unwrap_or(0)
    });
    measure("vocera-gate xml::push_text", &text, |t| {
        let mut out = String::with_capacity(t.len() + t.len() / 16);
        vocera_gate::render::xml::push_text(&mut out, t);
        out.len()
    });
    let json = serde_json::to_string(&text).unwrap_or_default();
    let redactor = vocera_gate::secret::Redactor::of_keys(["bench-key"]);
    for (name, t) in [("text", &text), ("JSON", &json)] {
        measure(&format!("memmem for the key as typed ({name})"), t, |t| {
            memchr::memmem::find_iter(t.as_bytes(), b"bench-key").count()
        });
        measure(&format!("secret::Redactor::hide ({name})"), t, |t| {
            redactor.hide(t).len()
        });
    }
}
