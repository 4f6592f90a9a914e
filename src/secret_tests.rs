use super::*;

const KEY: &str = "vk+S3C/RET=9f8e";

fn hidden(text: &str, key: &str) -> String {
    Redactor::of_keys([key]).hide(text).into_owned()
}

/// Every byte of `key` written as `form` writes it.
fn each_byte(key: &str, form: impl Fn(u8) -> String) -> String {
    key.bytes().map(form).collect()
}

#[test]
fn every_form_is_hidden_in_one_pass() {
    for (text, want) in [
        ("a vk+S3C/RET=9f8e b", "a [the API key] b"),
        (r#"{"d": "vk+S3C\/RET=9f8e"}"#, r#"{"d": "[the API key]"}"#),
        ("/?k=vk%2BS3C%2FRET%3D9f8e&x", "/?k=[the API key]&x"),
        (
            "vk%2bS3C%2fRET%3d9f8evk+S3C/RET=9f8e",
            "[the API key][the API key]",
        ),
        ("caf\u{e9} vk+S3C/RET=9f8e", "caf\u{e9} [the API key]"),
        (r"\\vk+S3C/RET=9f8e", r"\\[the API key]"),
        // Inside an escape (`\v`), the rest of the key is hidden and the
        // escape stays whole.
        (r"\vk+S3C/RET=9f8e", r"\v[the API key]"),
    ] {
        assert_eq!(hidden(text, KEY), want, "{text}");
    }
    let redactor = Redactor::of_keys([KEY]);
    for untouched in ["vk+S3C/RET=9f8", "nothing", "vk%2", "%%%\\\\&&&"] {
        assert!(
            matches!(redactor.hide(untouched), Cow::Borrowed(_)),
            "{untouched}"
        );
    }
}

#[test]
fn partly_encoded_keys_are_hidden_too() {
    for text in [
        // Python's urllib.parse.quote leaves `/` as typed.
        "vk%2BS3C/RET%3D9f8e",
        // .NET's JSON escapes `+`; another escapes `/` as \u002f.
        r"vk\u002BS3C/RET=9f8e",
        r"vk+S3C\u002fRET=9f8e",
        // Mixed case and mixed forms in one key.
        r"vk%2bS3C\/RET%3d9f8e",
    ] {
        assert_eq!(hidden(text, KEY), HIDDEN, "{text}");
    }
    assert_eq!(
        hidden(r"vk\u002BS3C/RET=9f8", KEY),
        r"vk\u002BS3C/RET=9f8",
        "one byte short is not the key"
    );
}

#[test]
fn no_byte_needs_to_be_typed_the_first_ones_included() {
    let key = "sk-test-4f9a2b7c";
    let forms = [
        format!(r"\u0073{}", &key[1..]),
        format!(r"\u0073\u006B{}", &key[2..]),
        each_byte(key, |b| format!("%{b:02X}")),
        each_byte(key, |b| format!("%{b:02x}")),
        each_byte(key, |b| format!(r"\u{b:04x}")),
        each_byte(key, |b| format!("&#{b};")),
        each_byte(key, |b| format!("&#x{b:X};")),
        // Percent-encoded twice (a URL inside a URL's query).
        each_byte(key, |b| format!("%25{b:02X}")),
        format!("s%6B{}", &key[2..]),
        r"sk-test-4f9a2b7\u0063".to_owned(),
        r"sk\-test\-4f9a2b7c".to_owned(),
    ];
    for form in &forms {
        for (text, want) in [
            (form.clone(), HIDDEN.to_owned()),
            (
                format!("{form} at the start"),
                format!("{HIDDEN} at the start"),
            ),
            (
                format!("in the {form} middle"),
                format!("in the {HIDDEN} middle"),
            ),
            (format!("at the end {form}"), format!("at the end {HIDDEN}")),
            (format!("glued{form}glued"), format!("glued{HIDDEN}glued")),
        ] {
            assert_eq!(hidden(&text, key), want, "{text}");
        }
    }
}

#[test]
fn the_forms_outputs_write_are_hidden() {
    // What the reports themselves make of a key's characters: Markdown's
    // backslashes, XML's references, GitHub's annotation escapes.
    let key = "ab_c&d<e:f,g";
    for text in [
        r"ab\_c&amp;d&lt;e:f,g",
        "ab_c&#38;d&#x3c;e%3Af%2Cg",
        r"ab_c\u0026d\u003ce:f,g",
    ] {
        assert_eq!(hidden(text, key), HIDDEN, "{text}");
    }
}

#[test]
fn a_key_starting_with_a_special_character_is_found_in_every_form() {
    let text = r#"x /abc= y \/abc= z %2Fabc%3D w %2fabc%3d v \u002Fabc\u003d"#;
    assert_eq!(
        hidden(text, "/abc="),
        "x [the API key] y [the API key] z [the API key] w [the API key] v [the API key]"
    );
    assert!(Pattern::new("abc").is_none(), "too short to look for");
    let quote = r#"say \"abc\" and "abc" and %22abc"#;
    assert_eq!(
        hidden(quote, "\"abc"),
        r#"say [the API key]\" and [the API key]" and [the API key]"#
    );
    // `%25` read both ways: an encoded `%`, and `%` typed before `25`.
    assert_eq!(hidden("x %2541b y", "%41b"), "x [the API key] y");
    assert_eq!(hidden("x %41b y", "%41b"), "x [the API key] y");
}

#[test]
fn several_secrets_are_hidden_at_once_each_with_its_label() {
    let redactor = Redactor::new([
        ("vk_live_1234", HIDDEN),
        ("  ck_live_5678  ", HIDDEN),
        ("hunter22", HIDDEN_PASSWORD),
        ("", HIDDEN),
        ("ab", HIDDEN),
        ("vk_live_1234", HIDDEN),
    ]);
    assert_eq!(redactor.patterns.len(), 3, "blank, short, repeated dropped");
    assert_eq!(
        redactor.hide("a vk_live_1234 b ck%5Flive%5F5678 c hunter%32%32 d"),
        "a [the API key] b [the API key] c [the proxy password] d"
    );
    // Overlapping matches of two secrets become one.
    let overlap = Redactor::of_keys(["abcdef", "defghi"]);
    assert_eq!(overlap.hide("xabcdefghix"), "x[the API key]x");
    assert_eq!(
        overlap.hide_bytes(b"xabcdefghix").as_ref(),
        b"x[the API key]x"
    );
    assert!(Redactor::default().hide("abcdef").eq("abcdef"));
}

#[test]
fn a_cut_never_leaves_the_start_of_a_key() {
    let key = Pattern::new("sk-test-4f9a2b7c");
    let text = format!("{}sk-test-4f9a2b7c tail", "x".repeat(290));
    let shown = cut(&text, 300, key.as_ref());
    assert!(!shown.contains("sk-test"), "{shown}");
    assert!(shown.ends_with("[the API k"), "{shown}");
    assert_eq!(shown.chars().count(), 300);
}

#[test]
fn hostile_text_stays_fast_and_intact() {
    // Backslash runs against a key of backslashes: the text comes back intact
    // (an exponential search would hang here; speed is measured by `cargo
    // bench --bench escape`, never bounded by the clock in a test).
    let key = r"\\\\\\\\\\\\\\\\\\\\x";
    let text = "\\".repeat(2_000);
    assert_eq!(hidden(&text, key), text);
    // A key split inside a character is left alone, never a broken string.
    let text = "%C3\u{e9}";
    assert_eq!(hidden(text, "\u{e9}\u{e9}"), text);
}
