//! Bảng số liệu — one model for a report table, rendered as HTML, and exported as CSV (UTF-8
//! with a byte-order mark, so Excel shows Vietnamese) and as XLSX.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook};

/// A cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// An amount in đồng: "1.268.000" on a page, a number with thousands separators in XLSX,
    /// plain digits in CSV.
    Money(i64),
    /// A share in [0, 1]; `None` when there is nothing to divide.
    Percent(Option<f64>),
    /// A score with one decimal (TT 01/2018); `None`: no data.
    Points(Option<domain::evaluation::Points>),
    /// Points with two decimals (QĐ 766); `None` when not computed.
    Score(Option<f64>),
}

impl Cell {
    /// As shown on a page or in CSV: "87,5%" the Vietnamese way.
    pub fn text(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Money(n) => vntext::money::figures(*n),
            Cell::Percent(None) => "—".into(),
            Cell::Percent(Some(r)) => format!("{:.1}%", r * 100.0).replace('.', ","),
            Cell::Points(None) => "—".into(),
            Cell::Points(Some(p)) => p.to_string().replace('.', ","),
            Cell::Score(None) => "—".into(),
            Cell::Score(Some(p)) => format!("{p:.2}").replace('.', ","),
        }
    }

    pub fn numeric(&self) -> bool {
        !matches!(self, Cell::Text(_))
    }
}

/// Text without control characters (tab and line breaks kept).
fn strip_controls(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

/// A text cell as a CSV export writes it: no control characters, and what a spreadsheet would
/// take for a formula is prefixed with an apostrophe (OWASP "CSV injection").
fn exported(text: &str) -> String {
    let clean = strip_controls(text);
    if clean.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{clean}")
    } else {
        clean
    }
}

/// A titled table.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// CSV, UTF-8 with a byte-order mark. Text is made safe for a spreadsheet: no control
    /// characters, and a text starting like a formula (`=`, `+`, `-`, `@`) is kept as text.
    pub fn csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
        let _ = w.write_record(self.headers.iter().map(|h| exported(h)));
        for r in &self.rows {
            let _ = w.write_record(r.iter().map(|c| match c {
                Cell::Text(t) => exported(t),
                Cell::Money(n) => n.to_string(),
                other => other.text(),
            }));
        }
        w.into_inner().unwrap_or_default()
    }

    /// An XLSX workbook with one sheet: the title, the header row, the rows (numbers as numbers,
    /// shares as percentages).
    pub fn xlsx(&self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let bold = Format::new().set_bold();
        let percent = Format::new().set_num_format("0.0%");
        let points = Format::new().set_num_format("0.0");
        let score = Format::new().set_num_format("0.00");
        let money = Format::new().set_num_format("#,##0");
        sheet.write_string_with_format(0, 0, strip_controls(&self.title), &bold)?;
        for (c, h) in self.headers.iter().enumerate() {
            sheet.write_string_with_format(2, c as u16, h, &bold)?;
            sheet.set_column_width(c as u16, if c == 0 { 40 } else { 14 })?;
        }
        for (i, r) in self.rows.iter().enumerate() {
            let row = 3 + i as u32;
            for (c, cell) in r.iter().enumerate() {
                let col = c as u16;
                match cell {
                    Cell::Text(t) => {
                        sheet.write_string(row, col, strip_controls(t))?;
                    }
                    Cell::Int(n) => {
                        sheet.write_number(row, col, *n as f64)?;
                    }
                    Cell::Money(n) => {
                        sheet.write_number_with_format(row, col, *n as f64, &money)?;
                    }
                    Cell::Percent(Some(p)) => {
                        sheet.write_number_with_format(row, col, *p, &percent)?;
                    }
                    Cell::Points(Some(p)) => {
                        sheet.write_number_with_format(row, col, p.as_f64(), &points)?;
                    }
                    Cell::Percent(None) | Cell::Points(None) | Cell::Score(None) => {
                        sheet.write_string(row, col, "—")?;
                    }
                    Cell::Score(Some(p)) => {
                        sheet.write_number_with_format(row, col, *p, &score)?;
                    }
                }
            }
        }
        book.save_to_buffer()
    }

    /// The table as a file download: `csv` or `xlsx`.
    pub fn download(&self, file: &str, kind: &str) -> Response {
        let (media, body) = match kind {
            "xlsx" => (
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                match self.xlsx() {
                    Ok(b) => b,
                    Err(e) => {
                        tracing::error!(error = %e, "xlsx export failed");
                        return super::UiError::new(
                            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                            "Không tạo được tệp Excel.",
                        )
                        .into_response();
                    }
                },
            ),
            _ => ("text/csv; charset=utf-8", self.csv()),
        };
        (
            [
                (header::CONTENT_TYPE, media.to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file}.{kind}\""),
                ),
            ],
            body,
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            title: "Báo cáo".into(),
            headers: vec!["Đơn vị".into(), "Tiếp nhận".into(), "Tỷ lệ".into()],
            rows: vec![vec![
                Cell::Text("UBND xã Bảo Thắng".into()),
                Cell::Int(3985),
                Cell::Percent(Some(0.875)),
            ]],
        }
    }

    #[test]
    fn csv_cells_carry_no_control_characters_nor_formulas() {
        let t = Table {
            title: "x".into(),
            headers: vec!["Người nộp".into()],
            rows: vec![
                vec![Cell::Text("Nguyễn\0 Văn A".into())],
                vec![Cell::Text("=HYPERLINK(\"http://x\")".into())],
                vec![Cell::Int(-5)],
            ],
        };
        let csv = String::from_utf8(t.csv()).unwrap();
        assert!(!csv.contains('\0'), "{csv:?}");
        assert!(csv.contains("Nguyễn Văn A"));
        assert!(csv.contains("\"'=HYPERLINK"), "{csv}");
        assert!(csv.contains("\n-5"), "numbers stay numbers: {csv}");
    }

    #[test]
    fn csv_starts_with_a_bom_and_keeps_vietnamese() {
        let csv = table().csv();
        assert!(csv.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(csv[3..].to_vec()).unwrap();
        assert_eq!(
            text,
            "Đơn vị,Tiếp nhận,Tỷ lệ\nUBND xã Bảo Thắng,3985,\"87,5%\"\n"
        );
    }

    #[test]
    fn scores_show_one_decimal_with_a_comma_and_a_dash_without_data() {
        use domain::evaluation::Points;
        assert_eq!(Cell::Points(Some(Points::from_tenths(149))).text(), "14,9");
        assert_eq!(Cell::Points(Some(Points::whole(6))).text(), "6,0");
        assert_eq!(Cell::Points(None).text(), "—");
        assert!(Cell::Points(None).numeric());
    }

    #[test]
    fn amounts_show_dots_on_a_page_and_plain_digits_in_csv() {
        assert_eq!(Cell::Money(1_268_000).text(), "1.268.000");
        assert!(Cell::Money(0).numeric());
        let t = Table {
            title: "x".into(),
            headers: vec!["Số tiền".into()],
            rows: vec![vec![Cell::Money(1_268_000)]],
        };
        let csv = String::from_utf8(t.csv()).unwrap();
        assert!(csv.ends_with("\n1268000\n"), "{csv:?}");
        assert!(t.xlsx().unwrap().starts_with(b"PK\x03\x04"));
    }

    #[test]
    fn xlsx_is_a_zip_workbook() {
        let bytes = table().xlsx().unwrap();
        assert!(bytes.starts_with(b"PK\x03\x04"), "an OOXML package");
        assert!(bytes.len() > 2000);
    }
}
