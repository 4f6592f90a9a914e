use super::*;

fn parse(s: &str) -> Threshold {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn refused(s: &str) -> BadThreshold {
    match s.parse::<Threshold>() {
        Ok(t) => panic!("{s} was accepted: {t:?}"),
        Err(e) => e,
    }
}

#[test]
fn every_operator_parses() {
    for (text, op) in [
        ("Latency<4000", Op::Lt),
        ("Latency<=4000", Op::Le),
        ("Latency>4000", Op::Gt),
        ("Latency>=4000", Op::Ge),
        ("Latency==4000", Op::Eq),
        ("Latency!=4000", Op::Ne),
    ] {
        let t = parse(text);
        assert_eq!((t.op, t.metric.as_str()), (op, "Latency"), "{text}");
        assert_eq!(t.limit, Limit::Number(4000.0));
        assert_eq!(t.aggregate, None);
    }
}

#[test]
fn every_aggregate_parses() {
    for (text, aggregate) in [
        ("avg(Latency)<1", Aggregate::Avg),
        ("min(Latency)<1", Aggregate::Min),
        ("max(Latency)<1", Aggregate::Max),
        ("med(Latency)<1", Aggregate::Med),
        ("p95(Latency)<1", Aggregate::Percentile { num: 19, den: 20 }),
        (
            "p(95)(Latency)<1",
            Aggregate::Percentile { num: 19, den: 20 },
        ),
        (
            "p(99.9)(Latency)<1",
            Aggregate::Percentile {
                num: 999,
                den: 1000,
            },
        ),
        (
            "p99.5(Latency)<1",
            Aggregate::Percentile { num: 199, den: 200 },
        ),
        ("rate(Latency)>=0.9", Aggregate::Rate),
    ] {
        let t = parse(text);
        assert_eq!(t.aggregate, Some(aggregate), "{text}");
        assert_eq!(t.metric, "Latency", "{text}");
    }
    assert_eq!(
        parse("p(95)(Latency)<=2500").aggregate,
        parse("p95(Latency)<=2500").aggregate,
        "the two spellings agree"
    );
}

#[test]
fn spacing_names_with_spaces_and_parentheses() {
    let t = parse("  rate( Goal reached ) >= 0.9 ");
    assert_eq!((t.metric.as_str(), t.op), ("Goal reached", Op::Ge));
    assert_eq!(t.limit, Limit::Number(0.9));
    assert_eq!(t.text, "rate( Goal reached ) >= 0.9");
    let t = parse("p95(Latency (ms))<=2500");
    assert_eq!(t.metric, "Latency (ms)", "the matching ) closes it");
    let t = parse("Time to first word (s) <= 2");
    assert_eq!(
        (t.metric.as_str(), t.aggregate),
        ("Time to first word (s)", None)
    );
    let t = parse("average latency<=3");
    assert_eq!(
        (t.metric.as_str(), t.aggregate),
        ("average latency", None),
        "avg only as avg("
    );
    let t = parse("p95 latency<=3");
    assert_eq!(t.metric, "p95 latency", "no ( right after: a metric name");
    assert_eq!(parse("rate(Goal)>=90%").limit, Limit::Number(0.9));
}

#[test]
fn values_booleans_labels_and_baselines() {
    let t = parse("Goal reached==true");
    assert_eq!((t.limit, t.op), (Limit::Bool(true), Op::Eq));
    assert_eq!(
        parse("Outcome!=escalated").limit,
        Limit::Label("escalated".into())
    );
    assert_eq!(parse("Latency<=-1.5").limit, Limit::Number(-1.5));
    for (text, offset) in [
        ("p95(Latency)<=baseline", Offset::Plus(0.0)),
        ("p95(Latency)<=baseline+10%", Offset::Percent(10.0)),
        ("p95(Latency)<=baseline-5%", Offset::Percent(-5.0)),
        ("p95(Latency)<=baseline+200", Offset::Plus(200.0)),
        ("avg(Latency)<= baseline + 2.5 %", Offset::Percent(2.5)),
    ] {
        let t = parse(text);
        assert_eq!(t.limit, Limit::Baseline(offset), "{text}");
        assert!(t.needs_baseline());
    }
    assert_eq!(Offset::Percent(10.0).apply(2000.0), 2200.0);
    assert_eq!(Offset::Plus(-200.0).apply(2000.0), 1800.0);
}

#[test]
fn errors_point_at_the_bad_spot() {
    for (text, at, why) in [
        ("p(100)(Latency)<=5", 2, "must be above 0 and below 100"),
        ("p0(Latency)<=5", 1, "must be above 0 and below 100"),
        ("Latency", 7, "no operator"),
        ("Latency=4", 7, "write =="),
        ("<=4", 0, "metric name is empty"),
        ("avg()<=4", 4, "metric name is empty"),
        ("avg(Latency<=4", 3, "no matching )"),
        ("avg(Latency) 4", 13, "expected an operator"),
        ("Latency<=", 9, "missing"),
        ("Latency<=4<5", 10, "second operator"),
        ("avg(Latency)<=fast", 14, "not a number"),
        ("avg(Goal)<=true", 9, "aggregate compares numbers"),
        ("Outcome<escalated", 7, "compare true/false or text with =="),
        ("Latency<=baseline", 7, "baseline compares an aggregate"),
        ("p95(Latency)<=baseline*2", 14, "after baseline write"),
        ("avg(Lat<ency)<=4", 7, "cannot hold"),
        ("Latency<=50%", 9, "a percentage compares a rate"),
        ("p(100.0)(L)<1", 2, "below 100"),
        ("p(1e2)(L)<1", 2, "below 100"),
        ("", 0, "empty"),
    ] {
        let e = refused(text);
        assert_eq!(e.at, at, "{text}: {e}");
        assert!(e.why.contains(why), "{text}: {e}");
    }
    let shown = refused("p(100)(Latency)<=5").to_string();
    assert_eq!(
        shown.lines().skip(1).collect::<Vec<_>>(),
        ["  p(100)(Latency)<=5", "    ^^^"],
        "{shown}"
    );
}

#[test]
fn aggregates_in_any_case_are_aggregates() {
    for (text, aggregate) in [
        ("P95(Latency)<1", Aggregate::Percentile { num: 19, den: 20 }),
        (
            "P(95.0)(Latency)<1",
            Aggregate::Percentile { num: 19, den: 20 },
        ),
        ("AVG(Latency)<1", Aggregate::Avg),
        ("Avg(Latency)<1", Aggregate::Avg),
        ("MIN(Latency)<1", Aggregate::Min),
        ("Max(Latency)<1", Aggregate::Max),
        ("mEd(Latency)<1", Aggregate::Med),
        ("RATE(Latency)>=0.5", Aggregate::Rate),
    ] {
        let t = parse(text);
        assert_eq!(t.aggregate, Some(aggregate), "{text}");
        assert_eq!(t.metric, "Latency", "{text}");
    }
    let t = parse("Average latency<=3");
    assert_eq!(t.aggregate, None, "only the word and its (");
    assert_eq!(refused("P100(Latency)<=1").at, 1);
}

#[test]
fn numbers_take_a_sign_and_an_exponent_but_stay_finite() {
    for (text, n) in [
        ("Latency<=+5", 5.0),
        ("Latency<=1e3", 1000.0),
        ("Latency<=2.5E+3", 2500.0),
        ("Latency>=-1e-3", -0.001),
        ("Latency<=.5", 0.5),
        ("Latency<=5.", 5.0),
        ("avg(Latency)<=+4e3", 4000.0),
        ("rate(Goal)>=9e-1", 0.9),
        ("rate(Goal)>=+90%", 0.9),
    ] {
        assert_eq!(parse(text).limit, Limit::Number(n), "{text}");
    }
    assert_eq!(
        parse("p95(Latency)<=baseline+1e2").limit,
        Limit::Baseline(Offset::Plus(100.0))
    );
    for (text, why) in [
        ("Latency<=1e999", "out of range"),
        ("avg(Latency)<=-1e400", "out of range"),
        ("p95(Latency)<=baseline+1e999", "out of range"),
        ("p95(Latency)<=baseline+-5", "after baseline write"),
        ("p95(Latency)<=baseline++5%", "after baseline write"),
        ("avg(Latency)<=inf", "not a number"),
        ("avg(Latency)<=NaN", "not a number"),
        ("avg(Latency)<=1e", "not a number"),
        ("avg(Latency)<=+", "not a number"),
        ("avg(Latency)<=1.2.3", "not a number"),
        ("Latency<=inf", "compares numbers"),
    ] {
        let e = refused(text);
        assert!(e.why.contains(why), "{text}: {e}");
    }
    assert_eq!(
        parse("Outcome==+5").limit,
        Limit::Number(5.0),
        "a number, as written with a sign"
    );
}

#[test]
fn a_rate_limit_that_never_or_always_holds_is_refused() {
    for (text, says) in [
        ("rate(Goal)>1", "never above"),
        ("rate(Goal)>100%", "never above"),
        ("rate(Goal)<0", "never below"),
        ("rate(Goal)>=0", "always holds"),
        ("rate(Goal)>=0%", "always holds"),
        ("rate(Goal)<=1", "always holds"),
    ] {
        let e = text.parse::<Threshold>().expect_err(text);
        assert!(e.why.contains(says), "{text}: {}", e.why);
    }
}

#[test]
fn a_rate_is_compared_with_a_fraction_from_0_to_1() {
    for (text, n) in [
        ("rate(Goal)>0", 0.0),
        ("rate(Goal)>=1", 1.0),
        ("rate(Goal)>=100%", 1.0),
        ("rate(Goal)<=0%", 0.0),
        ("rate(Goal)==0.5", 0.5),
    ] {
        assert_eq!(parse(text).limit, Limit::Number(n), "{text}");
    }
    for (text, hint) in [
        ("rate(Goal)>=90", true),
        ("rate(Goal)>=150%", false),
        ("rate(Goal)>=-1", false),
        ("rate(Goal)>=-5%", false),
        ("rate(Goal)>=1.5", true),
        ("rate(Goal)>=1000", false),
    ] {
        let e = refused(text);
        assert_eq!(e.at, 12, "{text}: {e}");
        assert!(e.why.contains("is not from 0 to 1"), "{text}: {e}");
        assert_eq!(
            e.why.contains("for a percentage write the % sign"),
            hint,
            "{text}: {e}"
        );
        assert!(
            e.why.contains("e.g. rate(Goal)>=0.9 or >=90%"),
            "{text}: {e}"
        );
    }
    assert_eq!(
        parse("avg(Latency)>=90").limit,
        Limit::Number(90.0),
        "only a rate is a fraction"
    );
}

#[test]
fn the_same_check_however_spelled() {
    let same = [
        ("Latency<=4000", "Latency <= 4000"),
        ("Latency<=4000", "Latency<=4e3"),
        ("Latency<=4000", "Latency<=+4000.0"),
        ("p95(Latency)<=2500", "P(95)( Latency )<=2500"),
        ("p95(Latency)<=2500", "p95.0(Latency)<=2500"),
        ("rate(Goal)>=0.9", "RATE(Goal) >= 90%"),
        ("p95(L)<=baseline+10%", "p95(L) <= baseline + 10 %"),
    ];
    for (a, b) in same {
        assert!(parse(a).same_check(&parse(b)), "{a} and {b}");
    }
    let different = [
        ("Latency<=4000", "Latency<4000"),
        ("Latency<=4000", "latency<=4000"),
        ("Latency<=4000", "avg(Latency)<=4000"),
        ("p95(Latency)<=2500", "p96(Latency)<=2500"),
        ("p95(L)<=baseline+10%", "p95(L)<=baseline+10"),
    ];
    for (a, b) in different {
        assert!(!parse(a).same_check(&parse(b)), "{a} and {b}");
    }
}
