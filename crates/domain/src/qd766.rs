//! Chỉ số 766 — the local replica of the QĐ 766/QĐ-TTg real-time index: each indicator this
//! system has the data for, with the published formula (numerator ÷ denominator), maximum and
//! scoring, so that managers see the score before the national portal publishes it.
//!
//! Scoring (vn-framework §5.1–5.2a): points = max × min(1, ratio ÷ target); a linear indicator
//! has target 1. Maxima and targets the reference is unsure of are in [`Scheme`], loadable from
//! configuration.

use serde::{Deserialize, Serialize};

/// Điểm tối đa và ngưỡng — the maximum and the target ratio of one indicator.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Weight {
    pub max: f64,
    /// Full points from this ratio (1 for linear scoring).
    pub target: f64,
}

impl Weight {
    const fn new(max: f64, target: f64) -> Self {
        Self { max, target }
    }

    /// Points for `numerator ÷ denominator`; nothing to count scores 0, as the national portal
    /// scores it (vn-framework §5.2a: 2.1 with no dossiers is 0, empty digitisation counts 0).
    pub fn points(&self, numerator: i64, denominator: i64) -> Option<f64> {
        if denominator <= 0 {
            return Some(0.0);
        }
        let ratio = numerator as f64 / denominator as f64;
        Some(self.max * (ratio / self.target).min(1.0))
    }
}

/// Bộ tham số chấm điểm — maxima and targets, defaults from vn-framework §5.2 and §5.2a.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Scheme {
    /// 1.3 procedures published with every constituent part (linear, 2).
    pub complete_procedures: Weight,
    /// 1.4 dossiers synchronised to the national portal (linear, 6).
    pub synchronised: Weight,
    /// 2.1 handled early or on time (linear, 20).
    pub on_time: Weight,
    /// 3.1 procedures offering online services (full from 80 %; 2 per the §5.2a fit).
    pub online_procedures: Weight,
    /// 3.2 online services that received dossiers (linear; 4 per the fit).
    pub online_services_used: Weight,
    /// 3.3 dossiers received online (full from 50 %; 6 per the fit).
    pub online_dossiers: Weight,
    /// 3.5(b) fee-charging procedures with a dossier paid online (2, full from 80 %: the
    /// observed min(2, 2.5 × ratio) of §5.2a).
    pub procedures_paid_online: Weight,
    /// 3.6 dossiers paid online (linear, 6).
    pub paid_online: Weight,
    /// 5.2 feedback handled on time (linear, 6; full with no feedback).
    pub feedback_on_time: Weight,
    /// 5.3 satisfaction with feedback handling (linear, 6; full with no feedback).
    pub feedback_satisfied: Weight,
    /// 5.4 satisfaction with TTHC handling (full from 90 %, 6).
    pub satisfaction: Weight,
    /// 4.2 digitised dossiers (observed linear, 4).
    pub digitised: Weight,
    /// 4.3 dossiers reusing digitised data (full from 80 %, 2).
    pub reused_data: Weight,
    /// 4.4 dossiers linked to the personal data store (linear, 4).
    pub data_store_linked: Weight,
    /// 4.5(a) procedures for people linked to the population database (linear, 2).
    pub population_procedures: Weight,
    /// 4.5(b) dossiers using population data (linear, 2).
    pub population_dossiers: Weight,
    /// 4.1 dossiers with an electronic result (linear, 6).
    pub electronic_results: Weight,
    /// 4.5, the certified-copy part: resolved certification dossiers whose copy was issued
    /// electronically (linear, 2; the formula document gives the 2 points without a formula).
    pub electronic_copies: Weight,
}

impl Default for Scheme {
    fn default() -> Self {
        Self {
            complete_procedures: Weight::new(2.0, 1.0),
            synchronised: Weight::new(6.0, 1.0),
            on_time: Weight::new(20.0, 1.0),
            online_procedures: Weight::new(2.0, 0.8),
            online_services_used: Weight::new(4.0, 1.0),
            online_dossiers: Weight::new(6.0, 0.5),
            procedures_paid_online: Weight::new(2.0, 0.8),
            paid_online: Weight::new(6.0, 1.0),
            feedback_on_time: Weight::new(6.0, 1.0),
            feedback_satisfied: Weight::new(6.0, 1.0),
            satisfaction: Weight::new(6.0, 0.9),
            digitised: Weight::new(4.0, 1.0),
            reused_data: Weight::new(2.0, 0.8),
            data_store_linked: Weight::new(4.0, 1.0),
            population_procedures: Weight::new(2.0, 1.0),
            population_dossiers: Weight::new(2.0, 1.0),
            electronic_results: Weight::new(6.0, 1.0),
            electronic_copies: Weight::new(2.0, 1.0),
        }
    }
}

/// What one unit's indicators are computed from, for one period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Inputs {
    /// 2.1's denominator: dossiers received, or still being handled, in the period.
    pub handled: i64,
    /// Ended early or on time in the period, or still within the limit at its end.
    pub on_time: i64,
    /// Received in the period, and of them online.
    pub received: i64,
    /// Of those received in the period, the ones the national portal acknowledged (1.4); only
    /// meaningful when `sync_on`.
    pub synced: i64,
    /// The national sync is configured: 1.4 is computed (otherwise it has no data).
    pub sync_on: bool,
    pub received_online: i64,
    /// Received in the period with fees to pay, and of them paid online.
    pub fee_bearing: i64,
    pub paid_online: i64,
    /// Received in the period with every component digitised; with a component taken from data.
    pub digitised: i64,
    pub reused_data: i64,
    /// Received in the period with a component from the data store or an electronic result
    /// kept there (4.4); using population data: VNeID, a population lookup or the data store
    /// (4.5(b)).
    pub data_store_linked: i64,
    pub population_data: i64,
    /// Procedures under the unit's authority open to people (citizens, overseas Vietnamese,
    /// foreigners); of them, those with a dossier using population data in the period (4.5(a)).
    pub person_procedures: i64,
    pub person_procedures_linked: i64,
    /// Signed electronic results issued in the period.
    pub electronic_results: i64,
    /// Dossiers of certified-copy procedures resolved in the period; of them, copies issued
    /// as signed electronic documents.
    pub certifications: i64,
    pub electronic_copies: i64,
    /// Of the on-time dossiers, those the applicant rated "not satisfied".
    pub disliked_on_time: i64,
    /// Of the on-time dossiers, those that drew a phản ánh, kiến nghị (by the period's end) and
    /// were not also rated "not satisfied".
    pub complained_on_time: i64,
    /// Procedures under the unit's authority; with every constituent part published; offered
    /// online; offered online and used online in the period.
    pub procedures: i64,
    pub complete_procedures: i64,
    pub online_procedures: i64,
    pub online_procedures_used: i64,
    /// Procedures under the unit's authority that charge a fee; of them, those with a dossier
    /// paid online in the period (3.5(b)).
    pub fee_procedures: i64,
    pub fee_procedures_paid_online: i64,
    /// Phản ánh, kiến nghị: received in the period by category (5.1); received or handled in
    /// the period and of them on time (5.2); first received and of them satisfied (5.3).
    pub feedback_rules: i64,
    pub feedback_conduct: i64,
    pub feedback_received: i64,
    pub feedback_handled: i64,
    pub feedback_on_time: i64,
    pub feedback_first: i64,
    pub feedback_satisfied: i64,
    /// Dossiers of procedures offered fully online, and of them submitted online (the METRICS
    /// sheet's "toàn trình" line, shown for reference).
    pub full_online_eligible: i64,
    pub full_online: i64,
}

/// One indicator's line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicator {
    pub id: &'static str,
    pub group: u8,
    pub name: &'static str,
    pub numerator: Option<i64>,
    pub denominator: Option<i64>,
    pub max: f64,
    /// `None`: not computed (this system holds no data for it).
    pub points: Option<f64>,
    /// Why it is not computed, or what it leaves out.
    pub note: &'static str,
}

/// Nhóm chỉ số.
pub const GROUPS: [(u8, &str, f64); 6] = [
    (1, "Công khai, minh bạch", 18.0),
    (2, "Tiến độ giải quyết", 20.0),
    (3, "Dịch vụ công trực tuyến", 12.0),
    (4, "Thanh toán trực tuyến", 10.0),
    (5, "Mức độ hài lòng", 18.0),
    (6, "Số hóa hồ sơ", 22.0),
];

/// Every indicator of the index for one unit: the computed ones with numerator, denominator
/// and points, the others with the reason they are not.
pub fn indicators(s: &Scheme, i: &Inputs) -> Vec<Indicator> {
    let computed = |id, group, name, w: Weight, num: i64, den: i64, note| Indicator {
        id,
        group,
        name,
        numerator: Some(num),
        denominator: Some(den),
        max: w.max,
        points: w.points(num, den),
        note,
    };
    let missing = |id, group, name, max, note| Indicator {
        id,
        group,
        name,
        numerator: None,
        denominator: None,
        max,
        points: None,
        note,
    };
    vec![
        missing(
            "1.1",
            1,
            "Tỷ lệ TTHC công bố đúng hạn",
            6.0,
            "Chưa có dữ liệu: ngày hiệu lực của văn bản quy phạm không được lưu cùng quyết định công bố.",
        ),
        missing(
            "1.2",
            1,
            "Tỷ lệ TTHC được cập nhật, công khai đúng hạn",
            4.0,
            "Tính trên Cơ sở dữ liệu quốc gia về TTHC, ngoài hệ thống này.",
        ),
        computed(
            "1.3",
            1,
            "Tỷ lệ TTHC công khai đầy đủ nội dung",
            s.complete_procedures,
            i.complete_procedures,
            i.procedures,
            "Đủ: tên, trình tự (các bước), cách thức, thành phần hồ sơ, thời hạn, đối tượng, cơ quan thực hiện.",
        ),
        if i.sync_on {
            computed(
                "1.4",
                1,
                "Tỷ lệ hồ sơ đồng bộ lên Cổng DVCQG",
                s.synchronised,
                i.synced.min(i.received),
                i.received,
                "Tử số: hồ sơ tiếp nhận trong kỳ mà Cổng Dịch vụ công quốc gia đã xác nhận; mẫu số: hồ sơ tiếp nhận trong kỳ.",
            )
        } else {
            missing(
                "1.4",
                1,
                "Tỷ lệ hồ sơ đồng bộ lên Cổng DVCQG",
                6.0,
                "Chưa có dữ liệu: chưa cấu hình đồng bộ hồ sơ với Cổng Dịch vụ công quốc gia ([notify.national]).",
            )
        },
        computed(
            "2.1",
            2,
            "Tỷ lệ hồ sơ xử lý trước hạn, đúng hạn",
            s.on_time,
            i.on_time,
            i.handled,
            "Mẫu số: hồ sơ tiếp nhận hoặc đang xử lý trong kỳ; tử số: kết thúc đúng hạn trong kỳ và đang xử lý còn hạn cuối kỳ. Trừ thời gian bổ sung; bổ sung quá một lần là trễ hạn.",
        ),
        computed(
            "3.1",
            3,
            "Tỷ lệ TTHC cung cấp dịch vụ công trực tuyến",
            s.online_procedures,
            i.online_procedures,
            i.procedures,
            "Đạt tối đa từ 80%.",
        ),
        computed(
            "3.2",
            3,
            "Tỷ lệ DVCTT có phát sinh hồ sơ trực tuyến",
            s.online_services_used,
            i.online_procedures_used,
            i.online_procedures,
            "",
        ),
        computed(
            "3.3",
            3,
            "Tỷ lệ hồ sơ nộp trực tuyến",
            s.online_dossiers,
            i.received_online,
            i.received,
            "Đạt tối đa từ 50%. Chưa nhân tỷ lệ đồng bộ (chưa đồng bộ với Cổng quốc gia).",
        ),
        computed(
            "3.6",
            4,
            "Tỷ lệ hồ sơ thanh toán trực tuyến",
            s.paid_online,
            i.paid_online,
            i.fee_bearing,
            "Hồ sơ có khoản thanh toán qua cổng thanh toán trực tuyến kết nối với hệ thống ([payments.gateway]), trên hồ sơ có phí, lệ phí. Chưa đồng bộ với Cổng quốc gia.",
        ),
        computed(
            "3.5b",
            4,
            "TTHC có nghĩa vụ tài chính có giao dịch thanh toán trực tuyến",
            s.procedures_paid_online,
            i.fee_procedures_paid_online,
            i.fee_procedures,
            "Thủ tục thuộc thẩm quyền có thu phí, lệ phí và có hồ sơ thanh toán trực tuyến thành công trong kỳ. Đạt tối đa từ 80%.",
        ),
        missing(
            "3.5a",
            4,
            "TTHC có nghĩa vụ tài chính được cung cấp thanh toán trên Cổng Dịch vụ công quốc gia",
            2.0,
            "Chưa có dữ liệu: tính từ dữ liệu phí đồng bộ lên Cổng Dịch vụ công quốc gia (chưa đồng bộ).",
        ),
        Indicator {
            points: Some(0.0),
            ..computed(
                "5.1",
                5,
                "Tỷ lệ PAKN về hành vi hành chính",
                Weight::new(0.0, 1.0),
                i.feedback_conduct,
                i.feedback_received,
                "Chỉ theo dõi, không tính điểm. Mẫu số: phản ánh, kiến nghị tiếp nhận trong kỳ (về quy định hành chính, hành vi hành chính và chưa phân loại).",
            )
        },
        no_feedback_full(computed(
            "5.2",
            5,
            "Tiến độ xử lý phản ánh, kiến nghị",
            s.feedback_on_time,
            i.feedback_on_time.min(i.feedback_handled),
            i.feedback_handled,
            "Xử lý đúng hạn trong kỳ và đang xử lý còn hạn cuối kỳ, trên phản ánh tiếp nhận hoặc xử lý trong kỳ (từ chối ≤ 2, đề nghị bổ sung ≤ 5, xử lý ≤ 15, công khai ≤ 2 ngày làm việc). Không có phản ánh: đủ điểm.",
        )),
        no_feedback_full(computed(
            "5.3",
            5,
            "Tỷ lệ hài lòng trong xử lý phản ánh, kiến nghị",
            s.feedback_satisfied,
            i.feedback_satisfied.min(i.feedback_first),
            i.feedback_first,
            "Phản ánh tiếp nhận lần đầu trong kỳ, trừ phản ánh bị đánh giá không hài lòng (nhiều không hài lòng hơn hài lòng), trễ hạn hoặc bị phản ánh lại. Không có phản ánh: đủ điểm.",
        )),
        computed(
            "5.4",
            5,
            "Tỷ lệ hài lòng trong tiếp nhận, giải quyết TTHC",
            s.satisfaction,
            (i.on_time - i.disliked_on_time - i.complained_on_time).max(0),
            i.handled,
            "Hồ sơ đúng hạn trừ hồ sơ bị đánh giá không hài lòng hoặc bị phản ánh, kiến nghị, trên mẫu số của 2.1. Đạt tối đa từ 90%.",
        ),
        computed(
            "4.1",
            6,
            "Tỷ lệ hồ sơ có kết quả giải quyết điện tử",
            s.electronic_results,
            i.electronic_results.min(i.handled),
            i.handled,
            "Kết quả điện tử có ký số phát hành trong kỳ, trên mẫu số của 2.1 (như Cổng Dịch vụ công quốc gia tính).",
        ),
        computed(
            "4.2",
            6,
            "Tỷ lệ hồ sơ thực hiện số hóa",
            s.digitised,
            i.digitised,
            i.received,
            "Tính phần thành phần hồ sơ (đã quét, tải lên hoặc thay bằng dữ liệu); chưa tính tệp kết quả.",
        ),
        computed(
            "4.3",
            6,
            "Tỷ lệ hồ sơ khai thác, sử dụng lại dữ liệu số hóa",
            s.reused_data,
            i.reused_data,
            i.received,
            "Đạt tối đa từ 80%.",
        ),
        computed(
            "4.4",
            6,
            "Tỷ lệ hồ sơ số hóa có kết nối, chia sẻ dữ liệu phục vụ tái sử dụng",
            s.data_store_linked,
            i.data_store_linked.min(i.received),
            i.received,
            "Hồ sơ tiếp nhận trong kỳ có thành phần lấy từ kho dữ liệu của người nộp (DuocLayTuKhoDMQG), hoặc có kết quả điện tử đưa vào kho dữ liệu; trên hồ sơ tiếp nhận trong kỳ.",
        ),
        computed(
            "4.5",
            6,
            "Chứng thực bản sao điện tử từ bản chính",
            s.electronic_copies,
            i.electronic_copies.min(i.certifications),
            i.certifications,
            "Bản sao điện tử có ký số trên hồ sơ chứng thực bản sao từ bản chính đã giải quyết trong kỳ.",
        ),
        computed(
            "4.5(a)",
            6,
            "Tỷ lệ TTHC kết nối dữ liệu dân cư",
            s.population_procedures,
            i.person_procedures_linked.min(i.person_procedures),
            i.person_procedures,
            "Thủ tục có hồ sơ sử dụng dữ liệu dân cư trong kỳ, trên thủ tục thuộc thẩm quyền có đối tượng là công dân Việt Nam, người Việt Nam định cư ở nước ngoài hoặc người nước ngoài.",
        ),
        computed(
            "4.5(b)",
            6,
            "Tỷ lệ hồ sơ sử dụng dữ liệu dân cư",
            s.population_dossiers,
            i.population_data.min(i.received),
            i.received,
            "Hồ sơ tiếp nhận trong kỳ do tài khoản xác thực VNeID nộp, có thông tin tra cứu từ Cơ sở dữ liệu quốc gia về dân cư (MaCSDL) hoặc có thành phần lấy từ kho dữ liệu; trên hồ sơ tiếp nhận trong kỳ.",
        ),
    ]
}

/// An indicator the formula document gives full points when there is nothing to count (no
/// feedback in the period).
fn no_feedback_full(mut line: Indicator) -> Indicator {
    if line.denominator == Some(0) {
        line.points = Some(line.max);
    }
    line
}

/// The points of the computed indicators, and the most they could give.
pub fn total(lines: &[Indicator]) -> (f64, f64) {
    lines
        .iter()
        .filter_map(|l| l.points.map(|p| (p, l.max)))
        .fold((0.0, 0.0), |(p, m), (lp, lm)| (p + lp, m + lm))
}

/// The most every indicator of the index can give (100).
pub fn full_marks() -> f64 {
    GROUPS.iter().map(|g| g.2).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_and_threshold_scoring_follow_the_formula_document() {
        let s = Scheme::default();
        // 2.1 linear: 20 × on time ÷ handled.
        assert_eq!(
            s.on_time.points(3_951, 3_985),
            Some(20.0 * 3_951.0 / 3_985.0)
        );
        assert_eq!(s.on_time.points(0, 0), Some(0.0));
        // 3.3 full from 50 %.
        assert_eq!(s.online_dossiers.points(50, 100), Some(6.0));
        assert_eq!(s.online_dossiers.points(25, 100), Some(3.0));
        // 5.4: min(6, 6 × ratio ÷ 0.9).
        assert_eq!(s.satisfaction.points(90, 100), Some(6.0));
        assert!((s.satisfaction.points(45, 100).unwrap() - 3.0).abs() < 1e-9);
        // 4.3: min(2, 2 × ratio ÷ 0.8).
        assert_eq!(s.reused_data.points(40, 100), Some(1.0));
    }

    #[test]
    fn the_groups_make_a_hundred_and_each_group_its_published_maximum() {
        assert_eq!(full_marks(), 100.0);
        let lines = indicators(&Scheme::default(), &Inputs::default());
        for (g, _, max) in GROUPS {
            let sum: f64 = lines.iter().filter(|l| l.group == g).map(|l| l.max).sum();
            assert_eq!(sum, max, "group {g}");
        }
    }

    #[test]
    fn satisfaction_never_counts_more_than_the_on_time_dossiers() {
        let i = Inputs {
            handled: 100,
            on_time: 80,
            disliked_on_time: 10,
            complained_on_time: 5,
            ..Default::default()
        };
        let five_four = indicators(&Scheme::default(), &i)
            .into_iter()
            .find(|l| l.id == "5.4")
            .unwrap();
        assert_eq!(five_four.numerator, Some(65));
        assert!((five_four.points.unwrap() - 6.0 * 0.65 / 0.9).abs() < 1e-9);
    }
}
