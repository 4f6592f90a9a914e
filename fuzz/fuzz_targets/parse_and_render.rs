//! Arbitrary bytes (read as UTF-8, invalid sequences replaced) through
//! `parse_runs` -> `evaluate` -> `render`: nothing may panic, and whatever
//! `parse_runs` accepts must render to well-formed XML 1.0 whose counts match.

#![no_main]

use libfuzzer_sys::fuzz_target;
use vocera_gate::ending::{Signal, Stop};
use vocera_gate::render::junit::{Options, render};
use vocera_gate::model::{Run, parse_runs};
use vocera_gate::policy::{Policy, Slot, evaluate};

/// XML 1.0's `Char` production.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..='\u{10ffff}')
}

fn count(node: roxmltree::Node<'_, '_>, attr: &str) -> usize {
    node.attribute(attr)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("<{}> has a numeric {attr}", node.tag_name().name()))
}

fn check(xml: &str, slots: usize) {
    if let Some((at, c)) = xml.char_indices().find(|(_, c)| !is_xml_char(*c)) {
        panic!("illegal XML 1.0 character {c:?} at byte {at}");
    }
    let doc = roxmltree::Document::parse(xml)
        .unwrap_or_else(|e| panic!("the report is not well-formed XML: {e}"));
    let named = |name: &str| {
        doc.descendants()
            .filter(|n| n.is_element() && n.has_tag_name(name))
            .count()
    };
    let (tests, failures, errors) = (named("testcase"), named("failure"), named("error"));
    assert_eq!(tests, slots, "one <testcase> per requested ID");
    let root = doc.root_element();
    let suite = root
        .children()
        .find(|n| n.has_tag_name("testsuite"))
        .expect("a <testsuite> under <testsuites>");
    for node in [root, suite] {
        assert_eq!(count(node, "tests"), tests, "tests= counts the <testcase>s");
        assert_eq!(
            count(node, "failures"),
            failures,
            "failures= counts the <failure>s"
        );
        assert_eq!(count(node, "errors"), errors, "errors= counts the <error>s");
    }
    for node in doc
        .descendants()
        .filter(|n| n.has_tag_name("failure") || n.has_tag_name("error"))
    {
        let body: String = node.descendants().filter_map(|n| n.text()).collect();
        assert!(
            !body.trim().is_empty(),
            "every failure and error has a body"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let body = String::from_utf8_lossy(data);
    let Ok(parsed) = parse_runs(&body) else {
        return;
    };
    let runs: Vec<Run> = parsed.into_iter().map(|r| r.run).collect();
    // Every run found, plus one ID the API did not return and one it never
    // answered for, as the gate would have them.
    let mut slots: Vec<(u64, Slot<'_>)> = runs.iter().map(|r| (r.id, Slot::Found(r))).collect();
    slots.push((u64::MAX, Slot::Missing));
    slots.push((u64::MAX - 1, Slot::Unseen));
    let stop = [
        Stop::Deadline,
        Stop::Cancelled(Signal::Interrupt),
        Stop::ApiFailed("the API failed".to_owned()),
    ][data.len() % 3]
        .clone();
    let eval = evaluate(&Policy::default(), &slots, stop);
    for include_transcript in [false, true] {
        let xml = render(&eval, Options { include_transcript });
        check(&xml, slots.len());
        assert_eq!(
            xml,
            render(&eval, Options { include_transcript }),
            "the same evaluation renders to the same bytes"
        );
    }
});
