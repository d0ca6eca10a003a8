//! Administrative units: the shipped copy has both regimes in full, the succession answers for
//! real communes, old addresses convert to today's units, the official CSV format is read with
//! its spelling variants, and loading into the database is idempotent.

use std::sync::Arc;

use app::units::{UnitDataset, UnitDirectory};
use app::{App, FixedClock, Settings};
use domain::unit::{Regime, UnitLevel};
use store::Db;

fn dir() -> UnitDirectory {
    UnitDirectory::new(&UnitDataset::embedded())
}

#[test]
fn the_shipped_copy_has_every_unit_of_both_regimes() {
    let set = UnitDataset::embedded();
    assert_eq!(set.count(Regime::TwoLevel, UnitLevel::Province), 34);
    assert_eq!(set.count(Regime::TwoLevel, UnitLevel::Commune), 3_321);
    assert_eq!(set.count(Regime::TwoLevel, UnitLevel::District), 0);
    assert_eq!(set.count(Regime::ThreeLevel, UnitLevel::Province), 63);
    assert_eq!(set.count(Regime::ThreeLevel, UnitLevel::District), 696);
    assert_eq!(set.count(Regime::ThreeLevel, UnitLevel::Commune), 10_051);
    let kinds = |kind: &str| {
        set.units
            .iter()
            .filter(|u| {
                u.regime == Regime::TwoLevel && u.level == UnitLevel::Commune && u.kind == kind
            })
            .count()
    };
    assert_eq!(
        (kinds("xã"), kinds("phường"), kinds("đặc khu")),
        (2_621, 687, 13)
    );
    // Nearly every old commune has a successor; the few that do not are listed in the file.
    let with_successor: std::collections::HashSet<&str> = set
        .successions
        .iter()
        .map(|s| s.old_code.as_str())
        .collect();
    let orphans = set
        .units
        .iter()
        .filter(|u| u.regime == Regime::ThreeLevel && u.level == UnitLevel::Commune)
        .filter(|u| !with_successor.contains(u.code.as_str()))
        .count();
    assert!(orphans < 100, "{orphans} old communes without a successor");
    // The compact form reads back to the same data.
    assert_eq!(UnitDataset::from_compact(&set.to_compact()).unwrap(), set);
}

#[test]
fn real_communes_are_followed_to_their_unit_of_today() {
    let d = dir();
    let names = |codes: Vec<&domain::unit::AdminUnit>| -> Vec<String> {
        codes
            .iter()
            .map(|u| format!("{} {}", u.code, u.name))
            .collect()
    };
    // Lào Cai, former Bảo Thắng district: Phố Lu town and Sơn Hà commune → Xã Bảo Thắng.
    assert_eq!(names(d.successors("02905")), ["02905 Xã Bảo Thắng"]);
    assert_eq!(names(d.successors("02938")), ["02905 Xã Bảo Thắng"]);
    let formed_from: Vec<String> = d
        .predecessors("02905")
        .iter()
        .map(|u| u.name.clone())
        .collect();
    assert_eq!(
        formed_from,
        ["Thị trấn Phố Lu", "Xã Thái Niên", "Xã Sơn Hải", "Xã Sơn Hà"]
    );
    // Hà Nội: Phường Điện Biên (Ba Đình) → Phường Ba Đình; Thanh Lương was split in three.
    assert_eq!(names(d.successors("00019")), ["00004 Phường Ba Đình"]);
    assert_eq!(d.successors("00268").len(), 3);
    // A Yên Bái ward now belongs to Lào Cai province, which took code 15 from Yên Bái.
    let chain = d.chain(Regime::TwoLevel, &d.successors("04252")[0].code);
    assert_eq!(chain[0].name, "Phường Yên Bái");
    assert_eq!(
        (chain[1].code.as_str(), chain[1].name.as_str()),
        ("15", "Tỉnh Lào Cai")
    );
    assert_eq!(d.chain(Regime::ThreeLevel, "15")[0].name, "Tỉnh Yên Bái");
    // An island district without communes became a special zone of another city.
    let con_dao = d.successors("755");
    assert_eq!(names(con_dao.clone()), ["26732 Đặc khu Côn Đảo"]);
    assert_eq!(
        d.chain(Regime::TwoLevel, "26732")[1].name,
        "Thành phố Hồ Chí Minh"
    );
}

#[test]
fn old_addresses_are_shown_with_todays_units() {
    let d = dir();
    let c = d
        .convert("Tổ 3, thị trấn Phố Lu, huyện Bảo Thắng, tỉnh Lào Cai")
        .unwrap();
    assert_eq!(
        c.text().as_deref(),
        Some("Tổ 3, Xã Bảo Thắng, Tỉnh Lào Cai")
    );
    assert_eq!(c.found[0].regime, Regime::ThreeLevel);
    // Typed without diacritics, without the kinds of unit, or with old spellings.
    for typed in [
        "son ha, bao thang, lao cai",
        "X. Sơn Hà, H. Bảo Thắng, T. Lào Cai",
        "Xã Sơn Hà, Huyện Bảo Thắng, Tỉnh Lào Cai",
    ] {
        let c = d.convert(typed);
        assert_eq!(
            c.unwrap().text().as_deref(),
            Some("Xã Bảo Thắng, Tỉnh Lào Cai"),
            "{typed}"
        );
    }
    assert_eq!(
        d.convert("Phường Trung Hòa, Quận Cầu Giấy, Hà Nội")
            .unwrap()
            .found[0]
            .name,
        "Phường Trung Hoà"
    );
    // An address already written with today's units stays as it is.
    let today = d
        .convert("Thôn Phố Mới, Xã Bảo Thắng, Tỉnh Lào Cai")
        .unwrap();
    assert_eq!(today.found[0].regime, Regime::TwoLevel);
    assert_eq!(
        today.text().as_deref(),
        Some("Thôn Phố Mới, Xã Bảo Thắng, Tỉnh Lào Cai")
    );
    // A split commune gives every candidate and no single text.
    let split = d
        .convert("Phường Thanh Lương, Quận Hai Bà Trưng, Thành phố Hà Nội")
        .unwrap();
    assert_eq!(split.today.len(), 3);
    assert_eq!(split.text(), None);
    // A commune missing from the list: the district is recognised and said to be so.
    let partial = d
        .convert("Xã Không Có, Huyện Bảo Thắng, Tỉnh Lào Cai")
        .unwrap();
    assert_eq!(partial.unrecognised.as_deref(), Some("Xã Không Có"));
    assert!(partial.today.len() > 3);
    let err = d.convert("Số 1, đường Không Tên").unwrap_err();
    assert_eq!(err.code, "unit_not_found");
}

const U2024: &str =
    "province_code,province_name,district_code,district_name,commune_code,commune_name
10,Tỉnh Lào Cai,086,Huyện Bảo Thắng,02902,Thị trấn N.T Phong Hải
10,Tỉnh Lào Cai,086,Huyện Bảo Thắng,02905,Thị trấn Phố Lu
10,Tỉnh Lào Cai,086,Huyện Bảo Thắng,02938,Xã Sơn Hà
93,Tỉnh Hậu Giang,930,Thành phố Vị Thanh,31321,Phường III
66,Tỉnh Đắk Lắk,652,Huyện M'Đrắk,24430,Xã Ea M' Doal
";

const U2025: &str =
    "province_code,province_name,province_type,commune_code,commune_name,commune_type
15,Lào Cai,tỉnh,02905,Xã Bảo Thắng,xã
15,Lào Cai,tỉnh,02902,Xã Phong Hải,xã
92,Thành phố Cần Thơ,thành phố trung ương,31321,Phường Vị Thanh,phường
66,Đắk Lắk,tỉnh,24430,Xã Ea Riêng,xã
";

const MAP: &str = "old_province,old_district,old_commune,new_province,new_commune
Tỉnh Lào Cai,Huyện Bảo Thắng,Thị Trấn Nông Trường Phong Hải,Tỉnh Lào Cai,Xã Phong Hải
Tỉnh Lào Cai,Huyện Bảo Thắng,Thị Trấn Phố Lu,Tỉnh Lào Cai,Xã Bảo Thắng
Tỉnh Lào Cai,Huyện Bảo Thắng,Xã Sơn Hà,Tỉnh Lào Cai,Xã Bảo Thắng
Tỉnh Hậu Giang,Thành Phố Vị Thanh,Phường 3,Thành Phố Cần Thơ,Phường Vị Thanh
Tỉnh Đắk Lắk,Huyện M’Đrắk,Xã Ea M'Doal,Tỉnh Đắk Lắk,Xã Ea Riêng
Tỉnh Lào Cai,Huyện Bảo Thắng,Xã Không Có,Tỉnh Lào Cai,Xã Bảo Thắng
";

#[test]
fn the_official_lists_are_read_with_their_spelling_variants() {
    let (set, unmatched) = UnitDataset::from_official(U2024, U2025, MAP).unwrap();
    let pairs: Vec<(&str, &str)> = set
        .successions
        .iter()
        .map(|s| (s.old_code.as_str(), s.new_code.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("02902", "02902"),
            ("02905", "02905"),
            ("02938", "02905"),
            ("24430", "24430"),
            ("31321", "31321"),
        ]
    );
    assert_eq!(unmatched.len(), 1);
    assert_eq!(unmatched[0].line, 7);
    assert!(
        unmatched[0].reason.contains("đơn vị cũ"),
        "{:?}",
        unmatched[0]
    );
    // Province names of the 2025 list get their kind; old names keep theirs.
    let dir = UnitDirectory::new(&set);
    assert_eq!(dir.chain(Regime::TwoLevel, "02905")[1].name, "Tỉnh Lào Cai");
    assert_eq!(dir.chain(Regime::ThreeLevel, "02902")[0].kind, "thị trấn");
}

#[test]
fn a_broken_official_list_is_refused_with_its_file_and_line() {
    let bad = U2024.replace("02938", "2938");
    let err = UnitDataset::from_official(&bad, U2025, MAP).unwrap_err();
    assert!(
        err.message.contains("units-2024.csv, dòng 4"),
        "{}",
        err.message
    );
    let no_column = U2025.replace("commune_type", "loai");
    let err = UnitDataset::from_official(U2024, &no_column, MAP).unwrap_err();
    assert!(
        err.message.contains("thiếu cột \"commune_type\""),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn loading_units_into_the_database_is_idempotent() {
    let dir = std::env::temp_dir().join(format!("motcua-units-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = Db::connect(&format!("sqlite:{}", dir.join("u.db").display()))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    let clock = Arc::new(FixedClock::new(chrono::Utc::now()));
    let app = App::new(
        db.clone(),
        clock,
        Arc::new(lich::Calendar::embedded()),
        Settings::default(),
    )
    .await
    .unwrap();
    let set = UnitDataset::embedded();
    app.admin().import_units(&set).await.unwrap();
    app.admin().import_units(&set).await.unwrap();
    assert_eq!(
        db.count_units(Regime::ThreeLevel, "commune").await.unwrap(),
        10_051
    );
    assert_eq!(
        db.count_units(Regime::TwoLevel, "commune").await.unwrap(),
        3_321
    );
    let (units, successions) = db.units().await.unwrap();
    assert_eq!(units.len(), set.units.len());
    assert_eq!(successions.len(), set.successions.len());
    let from_db = app.unit_directory().await.unwrap();
    assert_eq!(from_db.successors("02938")[0].name, "Xã Bảo Thắng");
    db.close().await;
    let _ = std::fs::remove_dir_all(dir);
}
