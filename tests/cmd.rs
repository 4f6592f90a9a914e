//! Command cases as files (`tests/cmd/*.trycmd`): each shows a command line,
//! its exit code and exactly what it prints, so the usage-error table reads
//! like a terminal session. Update them with `TRYCMD=overwrite cargo test --test tests cmd::`.

#[test]
fn command_cases() {
    let cases = trycmd::TestCases::new();
    // The machine's own settings must not leak in: an empty value is the
    // gate's "not set" for each of these.
    for var in [
        "VOCERA_API_KEY",
        "CEKURA_API_KEY",
        "VOCERA_API",
        "VOCERA_BASE_URL",
        "VOCERA_CA_CERT",
        "GITHUB_ACTIONS",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_OUTPUT",
        "NO_COLOR",
    ] {
        cases.env(var, "");
    }
    cases.case("tests/cmd/*.trycmd");
}
