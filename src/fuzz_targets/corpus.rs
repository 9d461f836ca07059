//! Every committed fuzz input (fuzz/corpus/<target>/: the minimised corpus; fuzz/regressions/
//! <target>/: inputs that once crashed) run through the same entry points the fuzzers call.
//! A panic here is a regression; see fuzz/README.md to refresh the corpus.

use std::path::{Path, PathBuf};

use super as t;

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 14] = [
    ("attendee_csv", t::attendee_csv),
    ("member_csv", t::member_csv),
    ("certification_csv", t::certification_csv),
    ("form_details", t::form_details),
    ("form_register_finish", t::form_register_finish),
    ("form_identity", t::form_identity),
    ("form_seminar", t::form_seminar),
    ("form_credit", t::form_credit),
    ("form_application_details", t::form_application_details),
    ("form_attendee_entry", t::form_attendee_entry),
    ("form_staff_decision", t::form_staff_decision),
    ("form_login", t::form_login),
    ("query_strings", t::query_strings),
    ("field_text", t::field_text),
];

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> =
        entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_file()).collect();
    files.sort();
    files
}

fn run_all(kind: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(kind);
    let mut count = 0;
    for (name, target) in TARGETS {
        for file in files(&root.join(name)) {
            let data = std::fs::read(&file).expect("readable corpus file");
            let outcome = std::panic::catch_unwind(|| target(&data));
            assert!(outcome.is_ok(), "{name}: {} panics", file.display());
            count += 1;
        }
    }
    count
}

#[test]
fn every_corpus_input_parses_without_panic() {
    let count = run_all("corpus");
    assert!(count >= TARGETS.len(), "the corpus is missing ({count} files)");
}

#[test]
fn every_former_crash_input_now_parses_without_panic() {
    run_all("regressions");
}

#[test]
fn every_target_has_a_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for (name, _) in TARGETS {
        assert!(!files(&root.join(name)).is_empty(), "no corpus for {name}");
    }
}

// Between fuzz runs: random values in the real field names, so that `cargo test` explores a
// little on every run too (the CSV reader has its own properties in csv_props.rs).

use proptest::prelude::*;

const FIELDS: [&str; 40] = [
    "kanji_name",
    "furigana",
    "birth_date",
    "sex",
    "registry_number",
    "phone",
    "fax",
    "postal_code",
    "prefecture",
    "address",
    "workplace",
    "login_id",
    "password",
    "next",
    "email",
    "reason",
    "programme",
    "title",
    "starts_on",
    "ends_on",
    "format",
    "approving_prefecture",
    "units_lifelong_renewal",
    "capacity",
    "category",
    "units",
    "attended_on",
    "source",
    "note",
    "route",
    "route_document_date",
    "version",
    "comment",
    "starts_at",
    "ends_at",
    "date",
    "from",
    "until",
    "month",
    "lifelong_renewal",
];

/// Characters people type into these forms, and some they should not.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9０-９./\\-年月日元SHRMTshr昭平令和 　]{0,14}",
        "[ァ-ヶｦ-ﾟぁ-ゖ山田髙﨑ー ]{0,10}",
        "[a-z@./:\\-_]{0,16}",
        "\\PC{0,12}",
    ]
}

fn form_body() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec((prop::sample::select(&FIELDS[..]), value()), 0..10)
        .prop_map(|pairs| serde_urlencoded::to_string(pairs).expect("pairs encode").into_bytes())
}

proptest! {

    #[test]
    fn any_form_body_gives_a_result_or_a_japanese_refusal(body in form_body()) {
        for (_, target) in TARGETS.iter().skip(3) {
            target(&body);
        }
    }

    #[test]
    fn any_typed_value_gives_a_result_or_a_japanese_refusal(text in value()) {
        t::field_text(text.as_bytes());
    }
}
