//! Đánh giá của người dân — a citizen's rating of how their dossier was handled (ND 61/2018
//! Art. 31), answered in the terms of the TT 01/2018 Art. 13 indices it feeds: each answer is a
//! score of 2, 1 or 0.

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// The answers. Each index is scored 2 / 1 / 0 as TT 01/2018 Art. 13 defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    /// Chỉ số 3 — contacts with the reception point to complete the dossier: none (2), one (1),
    /// more than one (0).
    pub contacts: u8,
    /// Chỉ số 4 — agencies contacted: none (2), only the Bộ phận Một cửa (1), more than one (0).
    pub agencies: u8,
    /// Chỉ số 6 — the procedure was published accurately and completely: on site and online (2),
    /// one of the two (1), not properly (0).
    pub publication: u8,
    /// Chỉ số 7 — staff attitude: served earlier than due with no harassment (2), on time and
    /// correct (1), a complaint (0).
    pub attitude: u8,
    /// Art. 31(f): asked to pay anything beyond the official fees.
    pub extra_costs: bool,
    /// Overall: satisfied or not (the "dislike" of QĐ 766 indicator 5.4 when false).
    pub satisfied: bool,
}

/// The Vietnamese wording of each question and its three answers (score 2, 1, 0).
pub const QUESTIONS: [(&str, &str, [&str; 3]); 4] = [
    (
        "contacts",
        "Số lần ông/bà phải liên hệ với nơi tiếp nhận để hoàn thiện hồ sơ",
        ["Không lần nào", "Một lần", "Nhiều hơn một lần"],
    ),
    (
        "agencies",
        "Số cơ quan ông/bà phải liên hệ để hoàn thiện hồ sơ",
        [
            "Không phải liên hệ cơ quan nào",
            "Chỉ Bộ phận Một cửa",
            "Nhiều hơn một cơ quan",
        ],
    ),
    (
        "publication",
        "Thông tin về thủ tục được công khai",
        [
            "Đầy đủ, chính xác cả tại nơi tiếp nhận và trên mạng",
            "Đầy đủ ở một trong hai nơi",
            "Không đầy đủ, không chính xác",
        ],
    ),
    (
        "attitude",
        "Thái độ của cán bộ, công chức",
        [
            "Tận tình, giải quyết sớm hơn hẹn",
            "Đúng mực, đúng hẹn",
            "Không đúng mực, gây phiền hà",
        ],
    ),
];

impl Rating {
    pub fn validate(&self) -> Result<(), DomainError> {
        for (name, score) in [
            ("contacts", self.contacts),
            ("agencies", self.agencies),
            ("publication", self.publication),
            ("attitude", self.attitude),
        ] {
            if score > 2 {
                let question = QUESTIONS.iter().find(|q| q.0 == name).map_or(name, |q| q.1);
                return Err(DomainError::invalid(
                    "invalid_rating",
                    format!("Chọn một câu trả lời cho: {question}."),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_answer_is_a_score_of_two_one_or_zero() {
        let ok = Rating {
            contacts: 2,
            agencies: 1,
            publication: 0,
            attitude: 2,
            extra_costs: false,
            satisfied: true,
        };
        assert!(ok.validate().is_ok());
        let bad = Rating { attitude: 3, ..ok };
        let e = bad.validate().unwrap_err();
        assert!(e.message.contains("Thái độ"), "{}", e.message);
    }
}
