//! Vietnamese text helpers shared by the calendar, the catalog and search.
//!
//! [`fold`] turns text into the form people type when they leave out diacritics: lower case, tone
//! marks and vowel marks removed, `đ` → `d`, whitespace collapsed. It is the one folding function
//! of the project: indexing and querying both go through it, so "dang ky khai sinh" matches
//! "Đăng ký khai sinh". Input may be precomposed (NFC) or decomposed (NFD): combining marks are
//! dropped either way.

use unicode_normalization::UnicodeNormalization;

pub mod money;

/// A value the user sent, as a message may quote it back: at most 40 characters, without control
/// characters, and "…" when cut — a message never echoes unbounded input.
pub fn shorten(input: &str) -> String {
    const MAX: usize = 40;
    let mut out: String = input
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX)
        .collect();
    if input.chars().filter(|c| !c.is_control()).nth(MAX).is_some() {
        out.push('…');
    }
    out
}

/// Canonical stored form of user text: Unicode NFC (precomposed letters, as Vietnamese
/// keyboards and fonts expect), trimmed, inner whitespace collapsed to single spaces.
///
/// ```
/// assert_eq!(vntext::clean("  Nguye\u{0302}\u{0303}n   Văn  A "), "Nguyễn Văn A");
/// ```
pub fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.nfc().collect::<String>().split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// [`clean`] line by line, for text that keeps its line breaks (a list of trades): blank
/// lines are dropped, lines joined with `\n`.
///
/// ```
/// assert_eq!(vntext::clean_lines(" Bán lẻ  \r\n\r\n  đồ uống \n"), "Bán lẻ\nđồ uống");
/// ```
pub fn clean_lines(text: &str) -> String {
    text.lines()
        .map(clean)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Folds Vietnamese text for matching: lower case, no diacritics, `đ` → `d`, single spaces.
///
/// ```
/// assert_eq!(vntext::fold("  Đăng ký   KHAI SINH "), "dang ky khai sinh");
/// assert_eq!(vntext::fold("Nguye\u{0302}\u{0303}n"), "nguyen"); // decomposed input
/// ```
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if is_combining_mark(c) {
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(base_letter(c).unwrap_or(c));
    }
    out
}

/// Matching key of a place or person name, insensitive to the ways the same name is written:
/// case, NFC/NFD, old and new tone placement ("Hoà"/"Hòa", "Thuỷ"/"Thủy"), "y"/"i" as the whole
/// vowel ("Mỹ"/"Mĩ", "Quý"/"Quí"), "qư"/"qu", apostrophes (' ’) and dashes (- – —) with or without
/// spaces, Roman and zero-padded numbers ("Phường IV", "Phường 04" → "phường 4") and the "N.T"
/// abbreviation of "Nông trường". Unlike [`fold`] it keeps the tones: "Hòa" and "Hóa" differ.
/// Each syllable becomes its unmarked-tone spelling followed by the tone's digit (1 sắc, 2 huyền,
/// 3 hỏi, 4 ngã, 5 nặng).
///
/// ```
/// assert_eq!(vntext::name_key("Xã Thuỷ Hoà"), vntext::name_key("xã thủy hòa"));
/// assert_ne!(vntext::name_key("Hòa"), vntext::name_key("Hóa"));
/// assert_eq!(vntext::name_key("Phường IV"), vntext::name_key("Phường 04"));
/// ```
pub fn name_key(text: &str) -> String {
    let text: String = text
        .nfc()
        .map(|c| match c {
            '’' | '‘' | 'ʼ' | '`' | '´' => '\'',
            '–' | '—' | '‐' => '-',
            c => c,
        })
        .collect();
    // Spaces after an apostrophe are dropped ("M' Doal" = "M'Doal").
    let text = text.replace("' ", "'");
    let mut out = String::with_capacity(text.len() + 8);
    // Spaces around dashes are dropped; the rest collapse to one.
    let words: Vec<&str> = text.split_whitespace().collect();
    for (i, word) in words.iter().enumerate() {
        let joined_to_previous = word.starts_with('-') || (i > 0 && words[i - 1].ends_with('-'));
        if i > 0 && !joined_to_previous {
            out.push(' ');
        }
        let expanded = match *word {
            "N.T" | "NT" | "n.t" | "N.t" => "nông trường".to_string(),
            w => roman(w).map_or_else(|| w.to_string(), |n| n.to_string()),
        };
        let lower: String = expanded.chars().flat_map(char::to_lowercase).collect();
        let mut syllable = String::new();
        for c in lower.chars() {
            if c == '-' || c == '\'' || c == ' ' {
                out.push_str(&syllable_key(&syllable));
                syllable.clear();
                out.push(c);
            } else {
                syllable.push(c);
            }
        }
        out.push_str(&syllable_key(&syllable));
    }
    out
}

/// The key of one lower-case syllable (see [`name_key`]).
fn syllable_key(syllable: &str) -> String {
    if !syllable.is_empty() && syllable.bytes().all(|b| b.is_ascii_digit()) {
        let digits = syllable.trim_start_matches('0');
        return if digits.is_empty() { "0" } else { digits }.to_string();
    }
    let mut tone = None;
    let unmarked: String = syllable
        .nfd()
        .filter(|&c| match c {
            '\u{0301}' => {
                tone = Some('1');
                false
            }
            '\u{0300}' => {
                tone = Some('2');
                false
            }
            '\u{0309}' => {
                tone = Some('3');
                false
            }
            '\u{0303}' => {
                tone = Some('4');
                false
            }
            '\u{0323}' => {
                tone = Some('5');
                false
            }
            _ => true,
        })
        .nfc()
        .collect();
    let mut key = match unmarked.strip_prefix("qư") {
        Some(rest) => format!("qu{rest}"),
        None => unmarked,
    };
    // "y" as the whole vowel is written "i" as well (Mỹ/Mĩ, Kỳ/Kì, Quý/Quí).
    let onset = key.strip_prefix("qu").unwrap_or(&key);
    if let Some(consonants) = onset.strip_suffix('y')
        && consonants.chars().all(|c| "bcdđghklmnprstvx".contains(c))
        && (!consonants.is_empty() || key.starts_with("qu"))
    {
        key.pop();
        key.push('i');
    }
    // A syllable ending in a stop (c, ch, p, t, k) only takes sắc or nặng; written without a
    // tone ("Đăk" for "Đắk") it is the sắc one.
    let checked = ["c", "ch", "p", "t", "k"]
        .iter()
        .any(|end| key.ends_with(end));
    match tone {
        Some(t) => key.push(t),
        None if checked && key.chars().any(|c| "aăâeêioôơuưy".contains(c)) => key.push('1'),
        None => {}
    }
    key
}

/// A Roman numeral written in capitals (I to XX), as in "Phường IV".
fn roman(word: &str) -> Option<u32> {
    const NUMERALS: [&str; 20] = [
        "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV",
        "XV", "XVI", "XVII", "XVIII", "XIX", "XX",
    ];
    NUMERALS
        .iter()
        .position(|n| *n == word)
        .map(|i| i as u32 + 1)
}

/// The kinds of administrative unit that begin their names ("thị xã" before "xã").
pub const UNIT_KINDS: [&str; 9] = [
    "thành phố",
    "thị xã",
    "thị trấn",
    "huyện",
    "quận",
    "tỉnh",
    "xã",
    "phường",
    "đặc khu",
];

/// [`name_key`] without the leading kind of unit ("Tỉnh", "Thành phố", "Quận", "Huyện", "Thị
/// xã", "Xã", "Phường", "Thị trấn", "Đặc khu"), for matching a unit whose kind changed (a town
/// that became a city keeps its name).
///
/// ```
/// assert_eq!(vntext::unit_name_core("Thị xã Phú Mỹ"), vntext::unit_name_core("Thành phố Phú Mỹ"));
/// assert_eq!(vntext::unit_name_core("Lào Cai"), vntext::unit_name_core("Tỉnh Lào Cai"));
/// ```
pub fn unit_name_core(text: &str) -> String {
    // The kinds' own keys, made once (matching a national table calls this ~100,000 times).
    static KIND_KEYS: std::sync::LazyLock<Vec<String>> =
        std::sync::LazyLock::new(|| UNIT_KINDS.iter().map(|k| name_key(k)).collect());
    let key = name_key(text);
    for kind in KIND_KEYS.iter() {
        if let Some(rest) = key.strip_prefix(kind.as_str())
            && let Some(rest) = rest.strip_prefix(' ')
            && !rest.is_empty()
        {
            return rest.to_string();
        }
    }
    key
}

/// [`fold`] without the leading kind of unit: "xa bao thang" and "Xã Bảo Thắng" both give
/// "bao thang". The last resort of matching names typed without diacritics.
pub fn unit_name_folded(text: &str) -> String {
    let folded = fold(&text.replace(['-', '–', '—'], " - "));
    for kind in [
        "thanh pho",
        "thi xa",
        "thi tran",
        "huyen",
        "quan",
        "tinh",
        "xa",
        "phuong",
        "dac khu",
        "tp",
        "tx",
        "tt",
    ] {
        if let Some(rest) = folded.strip_prefix(kind)
            && let Some(rest) = rest.strip_prefix(' ')
            && !rest.is_empty()
        {
            return rest.to_string();
        }
    }
    folded
}

/// Combining diacritical marks (U+0300–U+036F): what NFD input carries after the base letter.
fn is_combining_mark(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
}

/// The unmarked letter of a precomposed lower-case Vietnamese letter.
fn base_letter(c: char) -> Option<char> {
    Some(match c {
        'à' | 'á' | 'ả' | 'ã' | 'ạ' | 'ă' | 'ằ' | 'ắ' | 'ẳ' | 'ẵ' | 'ặ' | 'â' | 'ầ' | 'ấ' | 'ẩ'
        | 'ẫ' | 'ậ' => 'a',
        'è' | 'é' | 'ẻ' | 'ẽ' | 'ẹ' | 'ê' | 'ề' | 'ế' | 'ể' | 'ễ' | 'ệ' => 'e',
        'ì' | 'í' | 'ỉ' | 'ĩ' | 'ị' => 'i',
        'ò' | 'ó' | 'ỏ' | 'õ' | 'ọ' | 'ô' | 'ồ' | 'ố' | 'ổ' | 'ỗ' | 'ộ' | 'ơ' | 'ờ' | 'ớ' | 'ở'
        | 'ỡ' | 'ợ' => 'o',
        'ù' | 'ú' | 'ủ' | 'ũ' | 'ụ' | 'ư' | 'ừ' | 'ứ' | 'ử' | 'ữ' | 'ự' => 'u',
        'ỳ' | 'ý' | 'ỷ' | 'ỹ' | 'ỵ' => 'y',
        'đ' => 'd',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn quoted_input_is_bounded_and_has_no_control_characters() {
        assert_eq!(super::shorten("abc"), "abc");
        assert_eq!(super::shorten("a\0b\u{1b}c"), "abc");
        let long = "x".repeat(2_000_000);
        let s = super::shorten(&long);
        assert_eq!(s.chars().count(), 41);
        assert!(s.ends_with('…'));
    }

    use super::{fold, name_key, unit_name_core};

    #[test]
    fn name_keys_ignore_tone_placement_and_spelling_variants() {
        for (a, b) in [
            ("Phường Trung Hoà", "Phường Trung Hòa"),
            ("Xã Thuỵ Lâm", "xã thụy lâm"),
            ("Thành Phố Hà Nội", "Thành phố Hà Nội"),
            ("Xã Quí Sơn", "Xã Quý Sơn"),
            ("Xã Mĩ An", "Xã Mỹ An"),
            ("Xã Qưới Sơn", "Xã Quới Sơn"),
            ("Xã Cư M’gar", "Xã Cư M'gar"),
            ("Xã Chân Mây – Lăng Cô", "Xã Chân Mây-Lăng Cô"),
            (
                "Phường Văn Miếu - Quốc Tử Giám",
                "Phường Văn Miếu-Quốc Tử Giám",
            ),
            ("Phường III", "Phường 3"),
            ("Phường 01", "Phường 1"),
            ("Thị trấn N.T Phong Hải", "Thị Trấn Nông Trường Phong Hải"),
            ("Thị trấn NT Liên Sơn", "Thị trấn Nông trường Liên Sơn"),
            ("Nguye\u{0302}\u{0303}n", "Nguyễn"),
            ("Xã Ea M' Doal", "Xã Ea M'Doal"),
            ("Xã Đăk R'Moan", "Xã Đắk R'Moan"),
        ] {
            assert_eq!(name_key(a), name_key(b), "{a} / {b}");
        }
    }

    #[test]
    fn name_keys_keep_what_makes_names_differ() {
        for (a, b) in [
            ("Hòa", "Hóa"),
            ("Thủy", "Thúy"),
            ("Duy", "Di"),
            ("Y Tý", "I Tý"),
            ("Phường 1", "Phường 11"),
            ("Xã Vi Hương", "Xã 6 Hương"),
        ] {
            assert_ne!(name_key(a), name_key(b), "{a} / {b}");
        }
        assert_eq!(name_key("Thủy"), "thuy3");
    }

    #[test]
    fn unit_name_core_drops_the_kind_only_when_a_name_follows() {
        assert_eq!(unit_name_core("Huyện Bảo Thắng"), name_key("Bảo Thắng"));
        assert_eq!(
            unit_name_core("Thị xã Phú Mỹ"),
            unit_name_core("Thành Phố Phú Mỹ")
        );
        assert_eq!(unit_name_core("Xã"), name_key("Xã"));
    }

    #[test]
    fn d_with_stroke_folds_to_d() {
        assert_eq!(fold("Đức"), "duc");
        assert_eq!(fold("đăng ký"), "dang ky");
    }

    #[test]
    fn every_tone_of_every_vowel_folds() {
        let vowels = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵ";
        let folded = fold(vowels);
        assert!(folded.chars().all(|c| "aeiouy".contains(c)), "{folded}");
        let upper = fold(&vowels.to_uppercase());
        assert_eq!(upper, folded);
    }

    #[test]
    fn decomposed_and_precomposed_input_fold_alike() {
        // "Thủy" in NFC and in NFD (u + horn? no: u + hook above), "hòa" with a combining grave.
        assert_eq!(fold("Thu\u{0309}y"), fold("Thủy"));
        assert_eq!(fold("ho\u{0300}a"), "hoa");
    }

    #[test]
    fn whitespace_is_collapsed_and_trimmed() {
        assert_eq!(fold("\t5  ngày \n làm việc  "), "5 ngay lam viec");
        assert_eq!(fold("   "), "");
    }

    #[test]
    fn other_characters_are_kept() {
        assert_eq!(fold("G09.20-260609-0001"), "g09.20-260609-0001");
    }
}
