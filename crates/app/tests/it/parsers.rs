//! The parsers of outside input, in every test run: the checks the fuzz targets make (an
//! accepted value reads back the same once written out; a refusal never quotes the input at
//! length; a payment callback is taken only with its signature) are run on the whole fuzz
//! corpus kept in the repository — every input a fuzzing campaign found interesting, the ones
//! that broke a parser among them — and on inputs proptest generates, near the valid forms and
//! anywhere. `fuzz/run` runs the same checks for millions of inputs; this keeps them in CI.

use std::path::PathBuf;

use proptest::prelude::*;

#[path = "../../../../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod checks;

/// A fuzz target's check of one input.
type Check = fn(&[u8]);

/// Every fuzz target's check, by the target's name (its corpus folder).
const TARGETS: &[(&str, Check)] = &[
    ("cccd", checks::cccd),
    ("tax_code", checks::tax_code),
    ("dossier_code", checks::dossier_code),
    ("procedure_code", checks::procedure_code),
    ("agency_code", checks::agency_code),
    ("phone_number", checks::phone_number),
    ("email", checks::email),
    ("person_name", checks::person_name),
    ("limit", checks::limit),
    ("dates", checks::dates),
    ("amounts", checks::amounts),
    ("catalog_csv", checks::catalog_csv),
    ("catalog_json", checks::catalog_json),
    ("units", checks::units),
    ("file_sniff", checks::file_sniff),
    ("statement", checks::statement),
    ("payment_callback", checks::payment_callback),
    ("signed_pdf", checks::signed_pdf),
    ("legacy_csv", checks::legacy_csv),
];

/// The text parsers (the first eleven targets), checked on generated text below.
const TEXT: &[(&str, Check)] = TARGETS.split_at(11).0;

#[test]
fn the_fuzz_corpus_passes_every_check() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    let mut failed = Vec::new();
    let mut inputs = 0;
    for (target, check) in TARGETS {
        let dir = corpus.join(target);
        let files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        assert!(!files.is_empty(), "no corpus for {target}");
        for file in files {
            let data = std::fs::read(&file).unwrap();
            inputs += 1;
            if std::panic::catch_unwind(|| check(&data)).is_err() {
                failed.push(format!("{target}: {}", file.display()));
            }
        }
    }
    assert!(inputs > 3_000, "the corpus has {inputs} inputs");
    assert_eq!(
        TEXT.last().map(|t| t.0),
        Some("amounts"),
        "TEXT ends at the last text parser"
    );
    assert!(
        failed.is_empty(),
        "inputs failing their check:\n{}",
        failed.join("\n")
    );
}

/// A Vietnamese name part: a capital and lower-case letters, with diacritics.
const NAME: &str =
    "[A-ZĐÂĂÔƠƯ][a-zàáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]{1,7}";

fn near_valid() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{10,13}",
        "0[0-9]{9}(-[0-9]{3})?",
        "[0-9]{3}\\.[0-9]{2}\\.[0-9]{2}\\.[A-Z][0-9]{2}-[0-9]{6}-[0-9]{4}",
        "[0-9]\\.[0-9]{6}|DP\\.[A-Z][0-9]{2}\\.[0-9]{4}",
        "(\\+84|0)[0-9]{8,10}",
        "[a-z0-9._]{1,12}@[a-z0-9-]{1,10}\\.(vn|gov\\.vn|com)",
        proptest::string::string_regex(&format!("{NAME}( {NAME}){{1,3}}")).unwrap(),
        "([0-9]{1,3}(,[0-9])? (ngày làm việc|ngày|giờ làm việc|tháng))|Trong ngày|Ngay trong ngày",
        "[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}|[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2})?|[0-9]{4}-Q[0-9]|[0-9]{4}(-[0-9]{2})?",
        "[0-9]{1,3}([. ][0-9]{3}){0,3}(,[0-9]{2})? ?(đ|đồng|VND|VNĐ)?",
    ]
}

proptest! {
    #[test]
    fn text_parsers_keep_their_properties_near_the_valid_forms(s in near_valid()) {
        for (_, check) in TEXT {
            check(s.as_bytes());
        }
    }

    #[test]
    fn text_parsers_keep_their_properties_on_any_text(s in "\\PC{0,120}") {
        for (_, check) in TEXT {
            check(s.as_bytes());
        }
    }

    #[test]
    fn every_parser_keeps_its_properties_on_any_bytes(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        for (_, check) in TARGETS {
            check(&data);
        }
    }
}
