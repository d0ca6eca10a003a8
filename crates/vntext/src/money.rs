//! Số tiền — amounts in đồng as Vietnamese write them: in figures with dots between thousands
//! ("1.200.000 đồng") and in words, as a receipt must show them (ND 254/2026: "số tiền bằng số
//! và bằng chữ"): "Một triệu hai trăm nghìn đồng".
//!
//! The words follow the usual rules of Vietnamese accounting documents: "linh" for a zero tens
//! digit before a unit ("một trăm linh năm"), "mười" for ten, "mốt" for a one after a tens
//! digit of two or more ("hai mươi mốt"), "lăm" for a five after any tens digit ("mười lăm",
//! "hai mươi lăm"), "tư" for a four after a tens digit of two or more ("hai mươi tư"), and
//! "không trăm" for a group with a zero hundreds digit after a larger group ("một nghìn không
//! trăm linh năm"). Groups of three digits take "nghìn", "triệu", "tỷ", then "nghìn tỷ" and
//! "triệu tỷ"; an empty group is skipped ("một tỷ không trăm linh năm nghìn").

/// "1.200.000": the figures of an amount, dots between thousands (a minus sign before a
/// negative one).
pub fn figures(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if amount < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// An amount in đồng as people and banks write it: "5000", "5.000", "5 000", "5,000",
/// "5.000 đồng", "5.000đ", or with two decimals as statements print it ("5000.00", "5.000,00").
/// `None` when it is not a whole number of đồng that fits (at most 15 digits).
pub fn parse(text: &str) -> Option<i64> {
    let t = text
        .trim()
        .trim_end_matches("đồng")
        .trim_end_matches("VND")
        .trim_end_matches('đ')
        .trim();
    // Two digits after the last separator are hundredths, which must be zero.
    let whole = match t
        .len()
        .checked_sub(3)
        .filter(|&i| t.is_char_boundary(i))
        .map(|i| t.split_at(i))
    {
        Some((head, tail))
            if tail.starts_with(['.', ',']) && tail[1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            if &tail[1..] != "00" {
                return None;
            }
            head
        }
        _ => t,
    };
    let digits: String = whole
        .chars()
        .filter(|c| !matches!(c, '.' | ' ' | ','))
        .collect();
    if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

const DIGITS: [&str; 10] = [
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
];

/// Names of the groups of three digits, from the units up ("" for the units).
const GROUPS: [&str; 7] = ["", "nghìn", "triệu", "tỷ", "nghìn tỷ", "triệu tỷ", "tỷ tỷ"];

/// "Một triệu hai trăm nghìn đồng": an amount in words, capitalised, with the currency.
pub fn words(amount: i64) -> String {
    let mut text = number_words(amount.unsigned_abs());
    if amount < 0 {
        text.insert_str(0, "âm ");
    }
    let mut chars = text.chars();
    let first = chars.next().expect("a number has a word");
    format!("{}{} đồng", first.to_uppercase(), chars.as_str())
}

/// A non-negative whole number in words, lower case ("một trăm linh năm").
pub fn number_words(n: u64) -> String {
    if n == 0 {
        return DIGITS[0].to_string();
    }
    let mut groups = Vec::new();
    let mut rest = n;
    while rest > 0 {
        groups.push((rest % 1000) as u16);
        rest /= 1000;
    }
    let mut parts: Vec<String> = Vec::new();
    for (i, &g) in groups.iter().enumerate().rev() {
        if g == 0 {
            continue;
        }
        // A group after a larger one reads all its digits ("không trăm", "linh").
        let full = i + 1 < groups.len();
        parts.push(group_words(g, full));
        if !GROUPS[i].is_empty() {
            parts.push(GROUPS[i].to_string());
        }
    }
    parts.join(" ")
}

/// Three digits in words; `full` when a larger group comes before (then a zero hundreds digit
/// is read "không trăm").
fn group_words(g: u16, full: bool) -> String {
    let (h, t, u) = (
        (g / 100) as usize,
        ((g / 10) % 10) as usize,
        (g % 10) as usize,
    );
    let mut w: Vec<&str> = Vec::new();
    if h > 0 || full {
        w.extend([DIGITS[h], "trăm"]);
    }
    match t {
        0 if u > 0 && (h > 0 || full) => w.push("linh"),
        0 => {}
        1 => w.push("mười"),
        _ => w.extend([DIGITS[t], "mươi"]),
    }
    match u {
        0 => {}
        1 if t >= 2 => w.push("mốt"),
        4 if t >= 2 => w.push("tư"),
        5 if t >= 1 => w.push("lăm"),
        _ => w.push(DIGITS[u]),
    }
    w.join(" ")
}

#[cfg(test)]
mod tests {

    #[test]
    fn amounts_are_read_as_people_and_statements_write_them() {
        for (text, n) in [
            ("5000", 5_000),
            ("5.000", 5_000),
            ("5 000", 5_000),
            ("5,000", 5_000),
            ("5.000 đồng", 5_000),
            ("5.000đ", 5_000),
            ("1.200.000 VND", 1_200_000),
            ("5000.00", 5_000),
            ("5.000,00", 5_000),
            ("120,000.00", 120_000),
        ] {
            assert_eq!(parse(text), Some(n), "{text}");
        }
        for bad in [
            "",
            "năm nghìn",
            "5000.50",
            "-5000",
            "1234567890123456",
            "5.0.0x",
            // Found by fuzzing: a letter of two bytes where the hundredths would be.
            "đ00",
            "1.0đ0",
            "Nợ",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    use super::*;

    #[test]
    fn figures_put_dots_between_thousands() {
        assert_eq!(figures(0), "0");
        assert_eq!(figures(5_000), "5.000");
        assert_eq!(figures(999), "999");
        assert_eq!(figures(1_200_000), "1.200.000");
        assert_eq!(figures(-15_000), "-15.000");
        assert_eq!(figures(i64::MIN), "-9.223.372.036.854.775.808");
    }

    #[test]
    fn small_numbers_follow_the_tens_rules() {
        let cases = [
            (0, "không"),
            (1, "một"),
            (5, "năm"),
            (10, "mười"),
            (11, "mười một"),
            (14, "mười bốn"),
            (15, "mười lăm"),
            (20, "hai mươi"),
            (21, "hai mươi mốt"),
            (24, "hai mươi tư"),
            (25, "hai mươi lăm"),
            (55, "năm mươi lăm"),
            (99, "chín mươi chín"),
            (100, "một trăm"),
            (101, "một trăm linh một"),
            (105, "một trăm linh năm"),
            (110, "một trăm mười"),
            (111, "một trăm mười một"),
            (115, "một trăm mười lăm"),
            (204, "hai trăm linh bốn"),
            (234, "hai trăm ba mươi tư"),
            (999, "chín trăm chín mươi chín"),
        ];
        for (n, w) in cases {
            assert_eq!(number_words(n), w, "{n}");
        }
    }

    #[test]
    fn groups_read_every_digit_after_a_larger_group() {
        let cases = [
            (1_000, "một nghìn"),
            (1_005, "một nghìn không trăm linh năm"),
            (1_010, "một nghìn không trăm mười"),
            (1_100, "một nghìn một trăm"),
            (5_000, "năm nghìn"),
            (15_000, "mười lăm nghìn"),
            (21_000, "hai mươi mốt nghìn"),
            (100_000, "một trăm nghìn"),
            (105_000, "một trăm linh năm nghìn"),
            (1_000_000, "một triệu"),
            (1_200_000, "một triệu hai trăm nghìn"),
            (2_000_050, "hai triệu không trăm năm mươi"),
            (1_000_000_000, "một tỷ"),
            (1_005_000_000, "một tỷ không trăm linh năm triệu"),
            (1_000_005_000, "một tỷ không trăm linh năm nghìn"),
            (
                12_345_678_901,
                "mười hai tỷ ba trăm bốn mươi lăm triệu sáu trăm bảy mươi tám nghìn chín trăm linh một",
            ),
            (1_000_000_000_000, "một nghìn tỷ"),
            (2_500_000_000_000_000, "hai triệu tỷ năm trăm nghìn tỷ"),
        ];
        for (n, w) in cases {
            assert_eq!(number_words(n), w, "{n}");
        }
    }

    #[test]
    fn amounts_are_capitalised_with_the_currency() {
        assert_eq!(words(0), "Không đồng");
        assert_eq!(words(5_000), "Năm nghìn đồng");
        assert_eq!(words(8_000), "Tám nghìn đồng");
        assert_eq!(words(50_000), "Năm mươi nghìn đồng");
        assert_eq!(
            words(1_005_000_000),
            "Một tỷ không trăm linh năm triệu đồng"
        );
        assert_eq!(words(-5_000), "Âm năm nghìn đồng");
        assert!(words(i64::MAX).starts_with("Chín tỷ tỷ"));
        assert!(words(i64::MIN).starts_with("Âm chín tỷ tỷ"));
    }

    #[test]
    fn every_number_up_to_a_million_has_words_and_no_doubled_spaces() {
        for n in (0..1_000_000u64).step_by(7) {
            let w = number_words(n);
            assert!(
                !w.is_empty() && !w.contains("  ") && w == w.trim(),
                "{n}: {w:?}"
            );
        }
    }
}
