//! Bộ chỉ số đánh giá — an evaluation scheme read from TOML: its indices, the points of each
//! answer, which indices count for an official and for a unit, and the classification bands.
//! The TT 01/2018 scheme ships in `data/danh-gia-tt01-2018.toml`; the file explains the format.

use serde::Deserialize;

use super::Points;
use crate::error::DomainError;

/// How an index is measured. The scheme file names one of these; anything else is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// The whole dossier against its legal due (TT 01/2018 index 1).
    TotalTime,
    /// Each participating unit's part against its allotted time (index 2).
    UnitTime,
    /// The citizen's answers (indices 3, 4, 6, 7).
    RatingContacts,
    RatingAgencies,
    RatingPublication,
    RatingAttitude,
    /// Per unit, from the catalogue: procedures received, appraised, approved and returned at the
    /// counter (index 5), with the share needed for the best points by the unit's level.
    AtCounter {
        province_percent: u32,
        commune_percent: u32,
    },
    /// Per unit: feedback and complaints (index 8). This system keeps none: never any data.
    Feedback,
    /// Per unit: online procedures and online dossiers (index 9).
    Online {
        procedures_percent: u32,
        dossiers_percent: u32,
        partial_dossiers_percent: u32,
    },
}

impl Method {
    /// Whether the index is scored for a unit as a whole rather than per dossier.
    pub fn per_unit(self) -> bool {
        matches!(
            self,
            Method::AtCounter { .. } | Method::Feedback | Method::Online { .. }
        )
    }
}

/// Chỉ số — one index of the scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDef {
    pub number: u8,
    pub name: String,
    pub method: Method,
    /// Points of the best, middle and worst answer (TT 01/2018: 2, 1, 0).
    pub points: [i64; 3],
}

impl IndexDef {
    /// The most this index gives.
    pub fn max(&self) -> Points {
        Points::whole(self.points[0])
    }
}

/// Mức xếp loại — a band: totals from `from` up take `label`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Band {
    pub from: Points,
    pub label: String,
}

/// Which indices make a total, and how totals are classified (bands from the highest down).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    pub indices: Vec<u8>,
    pub bands: Vec<Band>,
}

impl Classification {
    /// The band a total falls in.
    pub fn classify(&self, total: Points) -> &str {
        self.bands
            .iter()
            .find(|b| total >= b.from)
            .or(self.bands.last())
            .map_or("", |b| b.label.as_str())
    }
}

/// Bộ chỉ số đánh giá việc giải quyết TTHC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheme {
    pub name: String,
    pub legal_basis: String,
    pub indices: Vec<IndexDef>,
    /// Cán bộ, công chức (TT 01/2018: indices 1, 2, 3, 4, 7; at most 10).
    pub official: Classification,
    /// Cơ quan, đơn vị (all applicable indices; at most 18).
    pub unit: Classification,
}

/// The scheme of TT 01/2018/TT-VPCP, shipped with the binary.
const TT01_2018: &str = include_str!("../../data/danh-gia-tt01-2018.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScheme {
    name: String,
    legal_basis: String,
    index: Vec<RawIndex>,
    official: RawClassification,
    unit: RawClassification,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndex {
    number: u8,
    name: String,
    method: String,
    points: [i64; 3],
    province_percent: Option<u32>,
    commune_percent: Option<u32>,
    procedures_percent: Option<u32>,
    dossiers_percent: Option<u32>,
    partial_dossiers_percent: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClassification {
    indices: Vec<u8>,
    bands: Vec<RawBand>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBand {
    from: f64,
    label: String,
}

fn invalid(message: String) -> DomainError {
    DomainError::invalid("invalid_evaluation_scheme", message)
}

impl Scheme {
    /// The TT 01/2018 scheme.
    pub fn tt01_2018() -> Scheme {
        Scheme::parse(TT01_2018).expect("the shipped scheme is valid")
    }

    /// Reads and checks a scheme file; the error says what to fix, in Vietnamese.
    pub fn parse(text: &str) -> Result<Scheme, DomainError> {
        let raw: RawScheme = toml::from_str(text)
            .map_err(|e| invalid(format!("Tệp bộ chỉ số không đọc được: {e}")))?;
        let mut indices = Vec::with_capacity(raw.index.len());
        for i in raw.index {
            let n = i.number;
            let need = |v: Option<u32>, key: &str| -> Result<u32, DomainError> {
                match v {
                    Some(p) if p <= 100 => Ok(p),
                    Some(p) => Err(invalid(format!(
                        "Chỉ số {n}: \"{key}\" = {p} vượt quá 100 (%)."
                    ))),
                    None => Err(invalid(format!("Chỉ số {n}: thiếu \"{key}\"."))),
                }
            };
            let method = match i.method.as_str() {
                "total-time" => Method::TotalTime,
                "unit-time" => Method::UnitTime,
                "rating-contacts" => Method::RatingContacts,
                "rating-agencies" => Method::RatingAgencies,
                "rating-publication" => Method::RatingPublication,
                "rating-attitude" => Method::RatingAttitude,
                "at-counter" => Method::AtCounter {
                    province_percent: need(i.province_percent, "province_percent")?,
                    commune_percent: need(i.commune_percent, "commune_percent")?,
                },
                "feedback" => Method::Feedback,
                "online" => Method::Online {
                    procedures_percent: need(i.procedures_percent, "procedures_percent")?,
                    dossiers_percent: need(i.dossiers_percent, "dossiers_percent")?,
                    partial_dossiers_percent: need(
                        i.partial_dossiers_percent,
                        "partial_dossiers_percent",
                    )?,
                },
                other => {
                    return Err(invalid(format!(
                        "Chỉ số {n}: cách tính \"{other}\" không có (total-time, unit-time, \
                         rating-contacts, rating-agencies, rating-publication, rating-attitude, \
                         at-counter, feedback, online)."
                    )));
                }
            };
            let [best, middle, worst] = i.points;
            if !(best >= middle && middle >= worst && worst >= 0 && best > 0) {
                return Err(invalid(format!(
                    "Chỉ số {n}: điểm phải giảm dần từ mức tốt nhất và không âm, ví dụ [2, 1, 0]."
                )));
            }
            if indices.iter().any(|x: &IndexDef| x.number == n) {
                return Err(invalid(format!("Chỉ số {n} bị khai báo hai lần.")));
            }
            if i.name.trim().is_empty() {
                return Err(invalid(format!("Chỉ số {n}: thiếu tên.")));
            }
            indices.push(IndexDef {
                number: n,
                name: i.name.trim().to_string(),
                method,
                points: i.points,
            });
        }
        let classification = |raw: RawClassification,
                              who: &str,
                              per_unit_ok: bool|
         -> Result<_, DomainError> {
            if raw.indices.is_empty() {
                return Err(invalid(format!("Xếp loại {who}: chưa chọn chỉ số nào.")));
            }
            for n in &raw.indices {
                let Some(def) = indices.iter().find(|d| d.number == *n) else {
                    return Err(invalid(format!(
                        "Xếp loại {who}: chỉ số {n} không được khai báo."
                    )));
                };
                if def.method.per_unit() && !per_unit_ok {
                    return Err(invalid(format!(
                        "Xếp loại {who}: chỉ số {n} chỉ chấm cho cơ quan, đơn vị."
                    )));
                }
            }
            let mut bands = Vec::with_capacity(raw.bands.len());
            for b in raw.bands {
                let tenths = (b.from * 10.0).round();
                if (b.from * 10.0 - tenths).abs() > 1e-6 || b.from < 0.0 {
                    return Err(invalid(format!(
                        "Xếp loại {who}: mức \"{}\" bắt đầu từ {}, cần số không âm có một chữ số thập phân.",
                        b.label, b.from
                    )));
                }
                bands.push(Band {
                    from: Points::from_tenths(tenths as i64),
                    label: b.label.trim().to_string(),
                });
            }
            let descending = bands.windows(2).all(|w| w[0].from > w[1].from);
            if !descending || bands.last().is_none_or(|b| b.from != Points::ZERO) {
                return Err(invalid(format!(
                    "Xếp loại {who}: các mức phải xếp từ cao xuống thấp, mức cuối bắt đầu từ 0."
                )));
            }
            Ok(Classification {
                indices: raw.indices,
                bands,
            })
        };
        let official = classification(raw.official, "cán bộ, công chức", false)?;
        let unit = classification(raw.unit, "cơ quan, đơn vị", true)?;
        Ok(Scheme {
            name: raw.name.trim().to_string(),
            legal_basis: raw.legal_basis.trim().to_string(),
            indices,
            official,
            unit,
        })
    }

    pub fn index(&self, number: u8) -> Option<&IndexDef> {
        self.indices.iter().find(|d| d.number == number)
    }

    /// The highest total a classification's indices can give (TT 01/2018: 10 and 18).
    pub fn max(&self, c: &Classification) -> Points {
        c.indices
            .iter()
            .filter_map(|n| self.index(*n))
            .map(IndexDef::max)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(tenths: i64) -> Points {
        Points::from_tenths(tenths)
    }

    #[test]
    fn the_shipped_scheme_is_tt01_with_maxima_ten_and_eighteen() {
        let s = Scheme::tt01_2018();
        assert_eq!(s.indices.len(), 9);
        assert_eq!(s.official.indices, vec![1, 2, 3, 4, 7]);
        assert_eq!(s.max(&s.official), Points::whole(10));
        assert_eq!(s.max(&s.unit), Points::whole(18));
        assert!(s.index(8).unwrap().method == Method::Feedback);
    }

    #[test]
    fn unit_bands_fall_at_fifteen_twelve_nine_and_six() {
        let s = Scheme::tt01_2018();
        let c = |tenths| s.unit.classify(t(tenths)).to_string();
        assert_eq!(c(180), "Xuất sắc");
        assert_eq!(c(150), "Xuất sắc");
        assert_eq!(c(149), "Tốt");
        assert_eq!(c(120), "Tốt");
        assert_eq!(c(119), "Khá");
        assert_eq!(c(90), "Khá");
        assert_eq!(c(89), "Trung bình");
        assert_eq!(c(60), "Trung bình");
        assert_eq!(c(59), "Yếu");
        assert_eq!(c(0), "Yếu");
    }

    #[test]
    fn official_bands_fall_at_five_and_three_and_a_half() {
        let s = Scheme::tt01_2018();
        let c = |tenths| s.official.classify(t(tenths)).to_string();
        assert_eq!(c(100), "Hoàn thành 100% nhiệm vụ");
        assert_eq!(c(50), "Hoàn thành 100% nhiệm vụ");
        assert_eq!(c(49), "Hoàn thành từ 70% đến dưới 100% nhiệm vụ");
        assert_eq!(c(35), "Hoàn thành từ 70% đến dưới 100% nhiệm vụ");
        assert_eq!(c(34), "Hoàn thành dưới 70% nhiệm vụ");
    }

    #[test]
    fn a_replacement_scheme_is_loaded_from_its_file() {
        // Another regulation: three points per index, only indices 1 and 7, two bands.
        let text = r#"
            name = "Quy định thử"
            legal_basis = "Quyết định số 1/2027"
            [[index]]
            number = 1
            name = "Thời gian"
            method = "total-time"
            points = [3, 2, 0]
            [[index]]
            number = 7
            name = "Thái độ"
            method = "rating-attitude"
            points = [3, 1, 0]
            [official]
            indices = [1, 7]
            bands = [{ from = 4.5, label = "Đạt" }, { from = 0, label = "Chưa đạt" }]
            [unit]
            indices = [1]
            bands = [{ from = 2.5, label = "Đạt" }, { from = 0, label = "Chưa đạt" }]
        "#;
        let s = Scheme::parse(text).unwrap();
        assert_eq!(s.max(&s.official), Points::whole(6));
        assert_eq!(s.official.classify(t(45)), "Đạt");
        assert_eq!(s.official.classify(t(44)), "Chưa đạt");
    }

    #[test]
    fn a_broken_scheme_says_what_to_fix() {
        let broken = [
            (
                TT01_2018.replace("method = \"online\"", "method = \"phan-anh\""),
                "cách tính \"phan-anh\"",
            ),
            (
                TT01_2018.replace("indices = [1, 2, 3, 4, 7]", "indices = [1, 2, 5]"),
                "chỉ số 5 chỉ chấm cho cơ quan",
            ),
            (
                TT01_2018.replace("from = 12.0", "from = 16.0"),
                "từ cao xuống thấp",
            ),
            (
                TT01_2018.replace("from = 3.5", "from = 3.55"),
                "một chữ số thập phân",
            ),
            (
                TT01_2018.replace("commune_percent = 100", ""),
                "thiếu \"commune_percent\"",
            ),
            (
                TT01_2018.replace("province_percent = 20", "province_percent = 120"),
                "vượt quá 100",
            ),
            (
                TT01_2018.replace("indices = [1, 2, 3, 4, 7]", "indices = [1, 2, 10]"),
                "chỉ số 10 không được khai báo",
            ),
            (
                TT01_2018.replace(
                    "points = [2, 1, 0]\n\n[[index]]\nnumber = 2",
                    "points = [0, 1, 2]\n\n[[index]]\nnumber = 2",
                ),
                "giảm dần",
            ),
            (format!("{TT01_2018}\nthua = 1\n"), "không đọc được"),
        ];
        for (text, says) in broken {
            let e = Scheme::parse(&text).unwrap_err();
            assert_eq!(e.code, "invalid_evaluation_scheme");
            assert!(e.message.contains(says), "{} — wanted {says}", e.message);
        }
    }
}
