//! Every committed fuzz input (fuzz/corpus/<target>/: the minimised corpus; fuzz/regressions/
//! <target>/: inputs that once crashed) run through the same entry points the fuzzers call.
//! A panic here is a regression; see fuzz/README.md to refresh the corpus.

use std::path::{Path, PathBuf};

use mamis::fuzz_targets as t;

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
