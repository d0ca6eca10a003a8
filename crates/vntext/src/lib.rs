//! Vietnamese text helpers shared by the calendar, the catalog and search.
//!
//! [`fold`] turns text into the form people type when they leave out diacritics: lower case, tone
//! marks and vowel marks removed, `đ` → `d`, whitespace collapsed. It is the one folding function
//! of the project: indexing and querying both go through it, so "dang ky khai sinh" matches
//! "Đăng ký khai sinh". Input may be precomposed (NFC) or decomposed (NFD): combining marks are
//! dropped either way.

use unicode_normalization::UnicodeNormalization;

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
    use super::fold;

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
