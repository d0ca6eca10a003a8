//! Bảng CSV — how every CSV file a province or a bank sends is opened: a byte-order mark
//! skipped, rows shorter or longer than the header read (each importer says what a missing cell
//! means), and a reader's refusal said in Vietnamese rather than in the CSV library's English.

/// A reader of `text`, the first row being the header.
pub(crate) fn reader(text: &str, delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes())
}

/// Why the reader stopped, for a message ("không đọc được dòng 7: …").
pub(crate) fn problem(e: &csv::Error) -> &'static str {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => {
            "không phải văn bản UTF-8; hãy lưu tệp CSV với bảng mã UTF-8"
        }
        _ => "tệp CSV không hợp lệ",
    }
}
