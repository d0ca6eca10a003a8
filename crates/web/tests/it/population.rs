//! Tra cứu CSDL quốc gia về dân cư and measured reuse, against a local stand-in of the lookup
//! service (`fakeportal::population`, a real HTTP server): the counter looks an applicant up,
//! fills the form from the answer, and the dossier records the lookup's reference and which
//! details came from it — checked by the server, so a reference made for another number, or
//! never made here, is refused, and a detail changed after filling counts as typed. The period
//! report shows the share of information reused per procedure and unit, and the QĐ 766 index
//! computes 4.4, 4.5(a) and 4.5(b) from it.

use std::sync::Arc;

use fakeportal::population::{FakePopulation, Resident};
use serde_json::{Value, json};

use crate::common::*;

const KEY: &str = "khoa-tra-cuu-dan-cu-thu-nghiem";
const PAO: &str = "001089000777";

async fn with_population() -> (TestApp, FakePopulation) {
    let fake = FakePopulation::start(KEY).await.unwrap();
    fake.add(Resident {
        id_number: PAO.into(),
        name: "Lò Văn Pao".into(),
        birth_date: "12/03/1989".into(),
        gender: "Nam".into(),
        residence: "Tổ dân phố 5, Xã Bảo Thắng, Tỉnh Lào Cai".into(),
        commune_code: "02905".into(),
    });
    let url = fake.url();
    let t = spawn_with(
        |s| {
            s.population = Some(Arc::new(
                notify::population::HttpPopulationRegistry::new(&url, KEY.into(), 10).unwrap(),
            ));
        },
        web::NetOptions::default(),
    )
    .await;
    (t, fake)
}

/// The residence as the stand-in answers it. The test database has no list of units, so the
/// lookup cannot tell the commune's part from the street's: the form's line is all of it.
const RESIDENCE: &str = "Tổ dân phố 5, Xã Bảo Thắng, Tỉnh Lào Cai";

/// A re-registration of birth for Lò Văn Pao, with the given provenance.
fn pao_intake(name: &str, provenance: Value) -> Value {
    json!({
        "procedure_code": REREGISTER_BIRTH,
        "receiving": "lao-cai.bao-thang.mot-cua",
        "applicant": {
            "kind": "citizen",
            "name": name,
            "id_number": PAO,
            "phone": "0912000111",
            "address_line": RESIDENCE,
            "commune_code": "02905",
            "address": RESIDENCE
        },
        "components": [
            {"component": "to-khai"},
            {"component": "giay-to-khai-sinh", "by_data": true}
        ],
        "return_method": {"kind": "counter"},
        "provenance": provenance
    })
}

fn filled(fields: &[(&str, &str)]) -> Value {
    fields
        .iter()
        .map(|(f, s)| json!({"field": f, "source": s}))
        .collect()
}

fn indicator(x: &Value, agency: &str, id: &str) -> Value {
    x["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["agency"] == agency)
        .and_then(|u| u["indicators"].as_array()?.iter().find(|i| i["id"] == id))
        .unwrap_or_else(|| panic!("no indicator {id} of {agency}: {x}"))
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_counter_fills_the_applicant_from_the_population_database_and_the_reuse_is_measured() {
    let (t, fake) = with_population().await;
    let counter = t.login("motcua.baothang").await;

    let r = t
        .get(Some(&counter), &format!("/api/v1/population/{PAO}"))
        .await
        .expect(200);
    assert_eq!(r["name"], "Lò Văn Pao");
    assert_eq!(r["birth_date"], "1989-03-12");
    assert_eq!(r["address_line"], RESIDENCE, "{r}");
    assert_eq!(r["commune_code"], "02905");
    let reference = r["reference"].as_str().unwrap().to_string();
    assert!(reference.starts_with("CSDLDC-"), "{reference}");
    let asked = fake.asked();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].officer, "motcua.baothang");
    assert_eq!(asked[0].purpose, app::population::PURPOSE);

    // What goes wrong is said.
    t.get(Some(&counter), "/api/v1/population/001089000778")
        .await
        .error(404, "resident_not_found");
    t.get(Some(&counter), "/api/v1/population/12ab")
        .await
        .error(422, "invalid_cccd");
    let chairman = t.login("chutich.baothang").await;
    t.get(Some(&chairman), &format!("/api/v1/population/{PAO}"))
        .await
        .error(403, "forbidden");
    fake.set_outage(true);
    t.get(Some(&counter), &format!("/api/v1/population/{PAO}"))
        .await
        .error(503, "population_unreachable");
    fake.set_outage(false);

    // A reference never made here, one made for another number, an unknown field: refused,
    // nothing written.
    let before = t.totals().await;
    let claim = |reference: &str| {
        json!({"population_ref": reference,
               "filled": filled(&[("name", "population"), ("id-number", "population")])})
    };
    t.post(
        Some(&counter),
        "/api/v1/dossiers",
        pao_intake("Lò Văn Pao", claim("CSDLDC-99999999")),
    )
    .await
    .error(422, "population_lookup_unknown");
    let mut other = intake(REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS);
    other["provenance"] = claim(&reference);
    t.post(Some(&counter), "/api/v1/dossiers", other)
        .await
        .error(422, "population_lookup_unknown");
    t.post(
        Some(&counter),
        "/api/v1/dossiers",
        pao_intake(
            "Lò Văn Pao",
            json!({"filled": [{"field": "ngay-sinh", "source": "population"}]}),
        ),
    )
    .await
    .error(422, "invalid_provenance");
    assert_eq!(t.totals().await, before);

    // Filled from the lookup: name, number and address; the phone claimed from an earlier
    // dossier there is none of counts as typed.
    let d = t
        .post(
            Some(&counter),
            "/api/v1/dossiers",
            pao_intake(
                "Lò Văn Pao",
                json!({"population_ref": reference, "filled": filled(&[
                    ("name", "population"), ("id-number", "population"),
                    ("address", "population"), ("phone", "earlier-dossier")])}),
            ),
        )
        .await
        .expect(201);
    let p = &d["state"]["provenance"];
    assert_eq!(p["population"]["reference"], reference.as_str(), "{d}");
    assert_eq!(p["filled"].as_array().unwrap().len(), 3, "{p}");
    assert!(p.get("vneid").is_none(), "{p}");
    // 4 details + 2 components asked; 3 details and the component replaced by data from data.
    assert_eq!(d["information"], json!({"asked": 6, "from_data": 4}));

    // A name changed after the lookup filled it counts as typed (the lookup still counts).
    let again = t
        .get(Some(&counter), &format!("/api/v1/population/{PAO}"))
        .await
        .expect(200);
    let d2 = t
        .post(
            Some(&counter),
            "/api/v1/dossiers",
            pao_intake(
                "Lò Thị Pao",
                json!({"population_ref": again["reference"], "filled": filled(&[
                    ("name", "population"), ("id-number", "population")])}),
            ),
        )
        .await
        .expect(201);
    assert_eq!(d2["information"], json!({"asked": 6, "from_data": 2}));

    // A dossier with nothing from data.
    receive(&t, &counter).await;

    // The period report: the share reused, per unit and per procedure.
    let report = t
        .get(
            Some(&chairman),
            "/api/v1/reports/period?from=2026-12-01&to=2026-12-31",
        )
        .await
        .expect(200);
    assert_eq!(report["total"]["information_asked"], 18, "{report}");
    assert_eq!(report["total"]["information_from_data"], 6, "{report}");
    let reuse = &report["reuse"][0];
    assert_eq!(reuse["procedure"], REREGISTER_BIRTH);
    assert_eq!(reuse["received"], 3);
    assert_eq!(
        (
            reuse["information_asked"].clone(),
            reuse["information_from_data"].clone()
        ),
        (json!(18), json!(6))
    );

    // QĐ 766: two of the three dossiers used population data; one procedure of Bảo Thắng's
    // procedures for people had such a dossier; none is linked to the data store yet.
    let x = t
        .get(Some(&chairman), "/api/v1/reports/qd766?period=2026-Q4")
        .await
        .expect(200);
    let b = indicator(&x, "lao-cai.bao-thang", "4.5(b)");
    assert_eq!(
        (b["numerator"].clone(), b["denominator"].clone()),
        (json!(2), json!(3)),
        "{b}"
    );
    let a = indicator(&x, "lao-cai.bao-thang", "4.5(a)");
    assert_eq!(a["numerator"], 1, "{a}");
    assert!(a["denominator"].as_i64().unwrap() > 1, "{a}");
    assert!(a["points"].as_f64().unwrap() > 0.0, "{a}");
    let four = indicator(&x, "lao-cai.bao-thang", "4.4");
    assert_eq!(
        (four["numerator"].clone(), four["denominator"].clone()),
        (json!(0), json!(3)),
        "{four}"
    );
}

#[tokio::test]
async fn without_the_population_database_the_lookup_says_so() {
    let t = spawn().await;
    let counter = t.login("motcua.baothang").await;
    t.get(Some(&counter), &format!("/api/v1/population/{PAO}"))
        .await
        .error(409, "population_unavailable");
    // The intake page offers no lookup.
    let (status, _, page) = fetch(
        &t,
        &counter,
        &format!("/can-bo/tiep-nhan?thu_tuc={REREGISTER_BIRTH}"),
    )
    .await;
    assert_eq!(status, 200);
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("Thành phần hồ sơ"), "{page}");
    assert!(!page.contains("Tra cứu Cơ sở dữ liệu quốc gia về dân cư"));
}

/// The counter types the number, looks the applicant up, and one click fills name and residence.
#[tokio::test]
async fn the_counter_looks_the_applicant_up_and_fills_the_form_in_one_click() {
    let (t, _fake) = with_population().await;
    let Some(b) = crate::browser::open(&t).await else {
        return;
    };
    b.login("motcua.baothang").await;
    b.goto(&format!("/can-bo/tiep-nhan?thu_tuc={REREGISTER_BIRTH}"))
        .await;
    b.wait_text("Thành phần hồ sơ").await;
    b.fill("#id_number", PAO).await;
    b.click("button[hx-get='/can-bo/tiep-nhan/dan-cu']").await;
    b.wait_text("Mã tra cứu CSDLDC-").await;
    assert!(b.text().await.contains("12/03/1989"));
    b.click("button[data-source='population']").await;
    let value = |sel: &'static str| {
        let b = &b;
        async move {
            b.find(sel)
                .await
                .prop("value")
                .await
                .unwrap()
                .unwrap_or_default()
        }
    };
    assert_eq!(value("#name").await, "Lò Văn Pao");
    assert_eq!(value("#address_line").await, RESIDENCE);
    assert_eq!(value("#commune_code").await, "02905");
    b.screenshot(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots"),
        "csdl-dan-cu-tiep-nhan",
    )
    .await;
    b.click("input[name=c][value='to-khai']").await;
    b.click("input[name=c][value='giay-to-khai-sinh']").await;
    b.find("button[value=tiep-nhan]")
        .await
        .click()
        .await
        .unwrap();
    b.wait_text("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ").await;
    let id =
        t.db.dossier_id_by_code("000.01.61.H38-261207-0001")
            .await
            .unwrap()
            .expect("received");
    let d = t.db.dossier(id).await.unwrap().unwrap();
    assert!(
        d.provenance
            .population
            .as_ref()
            .is_some_and(|l| l.reference.starts_with("CSDLDC-")),
        "{:?}",
        d.provenance
    );
    assert_eq!(d.provenance.filled.len(), 3, "{:?}", d.provenance);
    // The dossier's page says where its details came from.
    b.goto(&format!("/can-bo/ho-so/{}", d.id.0)).await;
    b.wait_text("Thông tin lấy từ dữ liệu — họ tên, số định danh, địa chỉ: CSDL quốc gia về dân cư (mã tra cứu CSDLDC-")
        .await;
    b.close().await;
}
