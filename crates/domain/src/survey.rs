//! Khảo sát sự hài lòng (SIPAS-style) — the Ministry of Home Affairs' satisfaction index asks
//! people who completed a procedure about five factors of the service; for each it records their
//! perception (nhận định: do they agree with statements about it), their satisfaction (hài
//! lòng, a five-step scale) and what they expect improved (mong đợi). The index is the share of
//! satisfied respondents, per factor and overall (vn-framework §12.1).
//!
//! The sample is drawn from the dossiers completed in a period, stratified by sector, agency and
//! channel, each stratum given its proportional share of the sample (largest remainders).

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// Yếu tố — the five SIPAS factors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Factor {
    /// Tiếp cận dịch vụ: place, facilities, information.
    Access,
    /// Thủ tục hành chính: publicity, documents, fees, time.
    Procedure,
    /// Công chức trực tiếp giải quyết công việc: attitude, competence, no harassment.
    Staff,
    /// Kết quả dịch vụ: correct, on time, lawful.
    Result,
    /// Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị.
    Feedback,
}

/// The factors in the order the form asks them.
pub const FACTORS: [Factor; 5] = [
    Factor::Access,
    Factor::Procedure,
    Factor::Staff,
    Factor::Result,
    Factor::Feedback,
];

/// Mức độ hài lòng, 1–5.
pub const SCALE: [(u8, &str); 5] = [
    (1, "Rất không hài lòng"),
    (2, "Không hài lòng"),
    (3, "Bình thường"),
    (4, "Hài lòng"),
    (5, "Rất hài lòng"),
];

impl Factor {
    pub fn key(self) -> &'static str {
        match self {
            Factor::Access => "tiep-can",
            Factor::Procedure => "thu-tuc",
            Factor::Staff => "cong-chuc",
            Factor::Result => "ket-qua",
            Factor::Feedback => "phan-anh",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Factor::Access => "Tiếp cận dịch vụ",
            Factor::Procedure => "Thủ tục hành chính",
            Factor::Staff => "Công chức trực tiếp giải quyết công việc",
            Factor::Result => "Kết quả giải quyết",
            Factor::Feedback => "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị",
        }
    }

    /// Nhận định: the statements the respondent agrees with or not.
    pub fn criteria(self) -> &'static [&'static str] {
        match self {
            Factor::Access => &[
                "Nơi tiếp nhận, trả kết quả dễ tìm, thuận tiện",
                "Có đủ chỗ ngồi, trang thiết bị phục vụ",
                "Dễ dàng tìm được thông tin về thủ tục (niêm yết, trên Cổng dịch vụ công)",
            ],
            Factor::Procedure => &[
                "Thủ tục được niêm yết công khai, đầy đủ, chính xác",
                "Thành phần hồ sơ phải nộp đúng như quy định",
                "Phí, lệ phí phải nộp đúng như quy định",
                "Thời hạn giải quyết đúng như quy định",
            ],
            Factor::Staff => &[
                "Công chức có thái độ giao tiếp lịch sự",
                "Công chức chú ý lắng nghe, trả lời đầy đủ ý kiến",
                "Công chức hướng dẫn kê khai hồ sơ tận tình, dễ hiểu",
                "Công chức không gây phiền hà, sách nhiễu",
            ],
            Factor::Result => &[
                "Kết quả đúng quy định",
                "Kết quả có thông tin đầy đủ, chính xác",
                "Nhận kết quả đúng hoặc sớm hơn ngày hẹn",
            ],
            Factor::Feedback => &[
                "Có bố trí hình thức tiếp nhận góp ý, phản ánh, kiến nghị",
                "Dễ dàng thực hiện góp ý, phản ánh, kiến nghị",
                "Góp ý, phản ánh, kiến nghị được tiếp nhận, phản hồi kịp thời",
            ],
        }
    }

    /// Mong đợi: what the respondent would most like improved (key, label).
    pub fn expectations(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Factor::Access => &[
                ("truc-tuyen", "Mở rộng dịch vụ công trực tuyến"),
                ("co-so-vat-chat", "Cải thiện cơ sở vật chất nơi tiếp nhận"),
                ("thong-tin", "Thông tin về thủ tục dễ tìm, dễ hiểu hơn"),
            ],
            Factor::Procedure => &[
                ("giam-giay-to", "Giảm thành phần hồ sơ"),
                ("giam-thoi-gian", "Rút ngắn thời gian giải quyết"),
                ("giam-phi", "Giảm phí, lệ phí"),
            ],
            Factor::Staff => &[
                ("thai-do", "Thái độ phục vụ tốt hơn"),
                ("huong-dan", "Hướng dẫn rõ ràng, một lần"),
                ("nang-luc", "Nâng cao năng lực giải quyết công việc"),
            ],
            Factor::Result => &[
                ("dung-hen", "Trả kết quả đúng hẹn"),
                ("ket-qua-dien-tu", "Trả kết quả điện tử, qua bưu chính"),
                ("chinh-xac", "Kết quả chính xác, không phải đính chính"),
            ],
            Factor::Feedback => &[
                ("kenh", "Thêm kênh tiếp nhận phản ánh"),
                ("phan-hoi-nhanh", "Phản hồi nhanh hơn"),
                ("cong-khai", "Công khai kết quả xử lý phản ánh"),
            ],
        }
    }
}

/// Câu trả lời cho một yếu tố.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactorAnswer {
    pub factor: Factor,
    /// Đồng ý with each of [`Factor::criteria`], in order.
    pub agrees: Vec<bool>,
    /// 1–5 ([`SCALE`]).
    pub satisfaction: u8,
    /// One of [`Factor::expectations`]' keys.
    pub expectation: String,
}

/// Phiếu khảo sát đã trả lời.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyAnswer {
    pub factors: Vec<FactorAnswer>,
    /// Hài lòng chung về sự phục vụ, 1–5.
    pub overall: u8,
    #[serde(default)]
    pub comment: String,
}

fn invalid(message: String) -> DomainError {
    DomainError::invalid("invalid_survey_answer", message)
}

impl SurveyAnswer {
    /// Checks every factor is answered once, in full, on the scale; cleans the comment.
    pub fn checked(mut self) -> Result<Self, DomainError> {
        let mut factors = Vec::with_capacity(FACTORS.len());
        for factor in FACTORS {
            let mut mine = self.factors.iter().filter(|a| a.factor == factor);
            let (Some(a), None) = (mine.next(), mine.next()) else {
                return Err(invalid(format!(
                    "Trả lời một lần cho yếu tố \"{}\".",
                    factor.label()
                )));
            };
            if a.agrees.len() != factor.criteria().len() {
                return Err(invalid(format!(
                    "Cho ý kiến về từng nhận định của yếu tố \"{}\".",
                    factor.label()
                )));
            }
            if !(1..=5).contains(&a.satisfaction) {
                return Err(invalid(format!(
                    "Chọn mức độ hài lòng (1–5) cho yếu tố \"{}\".",
                    factor.label()
                )));
            }
            if !factor.expectations().iter().any(|e| e.0 == a.expectation) {
                return Err(invalid(format!(
                    "Chọn một mong đợi cho yếu tố \"{}\".",
                    factor.label()
                )));
            }
            factors.push(a.clone());
        }
        if !(1..=5).contains(&self.overall) {
            return Err(invalid("Chọn mức độ hài lòng chung (1–5).".into()));
        }
        self.comment = vntext::clean(&self.comment);
        if self.comment.chars().count() > 1000 {
            return Err(invalid("Ý kiến khác: tối đa 1.000 ký tự.".into()));
        }
        self.factors = factors;
        Ok(self)
    }
}

/// Hài lòng: "Hài lòng" or "Rất hài lòng".
pub fn satisfied(score: u8) -> bool {
    score >= 4
}

/// Chia mẫu: the sample `n` shared among strata of `sizes` in proportion, the remainder to the
/// largest fractions (ties: the earlier stratum), never more than a stratum holds. The shares add
/// up to `min(n, total)`; a stratum smaller than one share may get none.
pub fn allocate(sizes: &[usize], n: usize) -> Vec<usize> {
    let total: usize = sizes.iter().sum();
    let n = n.min(total);
    let mut out = vec![0usize; sizes.len()];
    if n == 0 {
        return out;
    }
    let mut rema: Vec<(usize, usize)> = Vec::new();
    let mut given = 0;
    for (i, s) in sizes.iter().enumerate() {
        let exact = n * s;
        out[i] = exact / total;
        given += out[i];
        rema.push((exact % total, i));
    }
    rema.sort_by_key(|&(r, i)| (std::cmp::Reverse(r), i));
    for (_, i) in rema.iter().cycle().take(2 * sizes.len()) {
        if given == n {
            break;
        }
        if out[*i] < sizes[*i] {
            out[*i] += 1;
            given += 1;
        }
    }
    out
}

/// The index of one factor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactorIndex {
    pub factor: Factor,
    pub answers: u32,
    /// Hài lòng or rất hài lòng.
    pub satisfied: u32,
    /// Chỉ số hài lòng: `satisfied / answers`.
    pub share: Option<f64>,
    /// Per criterion: how many agreed, of the answers.
    pub agree: Vec<u32>,
    /// Per expectation (in [`Factor::expectations`]' order): how many chose it.
    pub expected: Vec<u32>,
}

/// Chỉ số hài lòng of a set of answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurveyIndex {
    pub respondents: u32,
    pub factors: Vec<FactorIndex>,
    /// Satisfied overall (the last question), and its share.
    pub overall_satisfied: u32,
    pub overall: Option<f64>,
    /// The mean of the factors' shares.
    pub mean_of_factors: Option<f64>,
}

fn share(n: u32, d: u32) -> Option<f64> {
    (d > 0).then(|| f64::from(n) / f64::from(d))
}

/// Computes the index of checked answers.
pub fn index(answers: &[SurveyAnswer]) -> SurveyIndex {
    let mut factors: Vec<FactorIndex> = FACTORS
        .iter()
        .map(|f| FactorIndex {
            factor: *f,
            answers: 0,
            satisfied: 0,
            share: None,
            agree: vec![0; f.criteria().len()],
            expected: vec![0; f.expectations().len()],
        })
        .collect();
    let mut overall_satisfied = 0;
    for a in answers {
        if satisfied(a.overall) {
            overall_satisfied += 1;
        }
        for fa in &a.factors {
            let Some(fi) = factors.iter_mut().find(|f| f.factor == fa.factor) else {
                continue;
            };
            fi.answers += 1;
            if satisfied(fa.satisfaction) {
                fi.satisfied += 1;
            }
            for (n, agreed) in fi.agree.iter_mut().zip(&fa.agrees) {
                if *agreed {
                    *n += 1;
                }
            }
            if let Some(k) = fa
                .factor
                .expectations()
                .iter()
                .position(|e| e.0 == fa.expectation)
            {
                fi.expected[k] += 1;
            }
        }
    }
    for f in &mut factors {
        f.share = share(f.satisfied, f.answers);
    }
    let shares: Vec<f64> = factors.iter().filter_map(|f| f.share).collect();
    let respondents = answers.len() as u32;
    SurveyIndex {
        respondents,
        overall_satisfied,
        overall: share(overall_satisfied, respondents),
        mean_of_factors: (!shares.is_empty())
            .then(|| shares.iter().sum::<f64>() / shares.len() as f64),
        factors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_is_shared_in_proportion_by_largest_remainders() {
        assert_eq!(allocate(&[600, 300, 100], 100), vec![60, 30, 10]);
        // 9.9, 0.09, 0.01: the remainder goes to the largest fraction.
        assert_eq!(allocate(&[990, 9, 1], 10), vec![10, 0, 0]);
        assert_eq!(allocate(&[50, 30, 20], 7), vec![4, 2, 1]);
        // Never more than a stratum holds; never more than the frame.
        assert_eq!(allocate(&[2, 3], 50), vec![2, 3]);
        assert_eq!(allocate(&[5, 0, 5], 0), vec![0, 0, 0]);
        // Fewer than the strata: 0.18, 1.27, 0.55.
        assert_eq!(allocate(&[1, 7, 3], 2), vec![0, 1, 1]);
        // Largest remainders: 7 among 3 equal strata.
        assert_eq!(allocate(&[10, 10, 10], 7), vec![3, 2, 2]);
    }

    fn answer(sat: [u8; 5], overall: u8) -> SurveyAnswer {
        SurveyAnswer {
            factors: FACTORS
                .iter()
                .zip(sat)
                .map(|(f, s)| FactorAnswer {
                    factor: *f,
                    agrees: vec![s >= 4; f.criteria().len()],
                    satisfaction: s,
                    expectation: f.expectations()[0].0.into(),
                })
                .collect(),
            overall,
            comment: String::new(),
        }
    }

    #[test]
    fn the_index_is_the_share_satisfied_per_factor_and_overall() {
        let answers = [
            answer([5, 4, 3, 2, 4], 4),
            answer([4, 4, 4, 4, 4], 5),
            answer([1, 2, 5, 4, 3], 2),
            answer([3, 3, 3, 3, 3], 3),
        ];
        let i = index(&answers);
        assert_eq!(i.respondents, 4);
        let shares: Vec<Option<f64>> = i.factors.iter().map(|f| f.share).collect();
        assert_eq!(
            shares,
            vec![Some(0.5), Some(0.5), Some(0.5), Some(0.5), Some(0.5)]
        );
        assert_eq!((i.overall_satisfied, i.overall), (2, Some(0.5)));
        assert_eq!(i.mean_of_factors, Some(0.5));
        assert_eq!(i.factors[0].agree, vec![2, 2, 2]);
        assert_eq!(i.factors[0].expected, vec![4, 0, 0]);
        assert_eq!(index(&[]).overall, None);
    }

    #[test]
    fn an_incomplete_answer_is_refused() {
        assert!(answer([4; 5], 4).checked().is_ok());
        let mut missing = answer([4; 5], 4);
        missing.factors.pop();
        assert!(missing.checked().is_err());
        let mut twice = answer([4; 5], 4);
        twice.factors[1] = twice.factors[0].clone();
        assert!(twice.checked().is_err());
        let mut off_scale = answer([4; 5], 4);
        off_scale.factors[2].satisfaction = 6;
        assert!(off_scale.checked().is_err());
        let mut unknown = answer([4; 5], 4);
        unknown.factors[3].expectation = "khac".into();
        assert!(unknown.checked().is_err());
        let mut short = answer([4; 5], 4);
        short.factors[0].agrees.pop();
        assert!(short.checked().is_err());
        assert!(answer([4; 5], 0).checked().is_err());
    }
}
