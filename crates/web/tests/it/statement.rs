//! Đối soát sao kê: the counter imports the collecting account's bank statement; transfers
//! naming one dossier that owes exactly their amount are recorded once with the bank's
//! reference, everything else is listed for the officer, and a second import records nothing.

use serde_json::{Value, json};

use crate::common::*;

async fn import(t: &TestApp, token: &str, csv: &str) -> Value {
    let r = t
        .http
        .post(format!("{}/api/v1/payments/statement", t.base))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

async fn view(t: &TestApp, token: &str, d: &Value) -> Value {
    t.get(Some(token), &format!("/api/v1/dossiers/{}", id_of(d)))
        .await
        .expect(200)["dossier"]
        .clone()
}

fn outcomes(r: &Value) -> Vec<(u64, String)> {
    r["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["line"].as_u64().unwrap(),
                l["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn transfers_naming_one_owing_dossier_are_recorded_once_and_the_rest_listed() {
    let t = spawn().await;
    let counter = t.login("motcua.baothang").await;
    let first = receive_unpaid(&t, &counter).await;
    let second = receive_unpaid(&t, &counter).await;
    let (citizen, online) = submit_online(&t).await;
    let code = |d: &Value| d["code"].as_str().unwrap().to_string();
    let (c1, c2, c3) = (code(&first), code(&second), code(&online));
    // The bank writes the provisional reference without its dots, as the VietQR code asked.
    let dotless = c3.replace('.', "");
    let csv = format!(
        "\u{feff}Ngày giao dịch,Mã giao dịch,Nội dung,Số tiền ghi nợ,Số tiền ghi có\n\
         07/12/2026,FT100,LO VAN PAO CK {c1} NOP PHI,,\"5,000\"\n\
         07/12/2026,FT101,{dotless},,5000\n\
         07/12/2026,FT102,ck {c2},,\"3,000\"\n\
         07/12/2026,FT103,PHI QUAN LY TAI KHOAN,,\"11,000\"\n\
         07/12/2026,FT104,RUT TIEN,\"200,000\",\n\
         07/12/2026,FT105,{c1} va {c2},,\"10,000\"\n\
         07/12/2026,,{c2},,\"5,000\"\n"
    );
    let r = import(&t, &counter, &csv).await;
    assert_eq!(
        (
            r["recorded"].as_u64(),
            r["already_recorded"].as_u64(),
            r["exceptions"].as_u64(),
            r["skipped"].as_u64()
        ),
        (Some(2), Some(0), Some(4), Some(1)),
        "{r}"
    );
    assert_eq!(
        outcomes(&r),
        [
            (2, "recorded".to_string()),
            (3, "recorded".into()),
            (4, "exception".into()),
            (5, "exception".into()),
            (7, "exception".into()),
            (8, "exception".into()),
        ]
    );
    let why = |line: u64| {
        r["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["line"] == line)
            .unwrap()["why"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(
        why(4).contains("3.000 đồng khác số còn phải nộp 5.000 đồng"),
        "{}",
        why(4)
    );
    assert!(why(5).contains("không có mã hồ sơ"), "{}", why(5));
    assert!(why(7).contains("nhiều hồ sơ"), "{}", why(7));
    assert!(why(8).contains("không có mã giao dịch"), "{}", why(8));
    let one = view(&t, &counter, &first).await;
    assert_eq!(
        (
            one["fees"]["paid"].as_i64(),
            one["fees"]["outstanding"].as_i64()
        ),
        (Some(5000), Some(0))
    );
    let payment = &one["state"]["payments"][0];
    assert_eq!(
        (payment["method"].as_str(), payment["reference"].as_str()),
        (Some("bank-transfer"), Some("FT100"))
    );
    assert_eq!(view(&t, &counter, &second).await["fees"]["paid"], 0);

    // The same statement again: nothing twice.
    let again = import(&t, &counter, &csv).await;
    assert_eq!(
        (
            again["recorded"].as_u64(),
            again["already_recorded"].as_u64(),
            again["exceptions"].as_u64()
        ),
        (Some(0), Some(2), Some(4)),
        "{again}"
    );
    assert_eq!(
        view(&t, &counter, &first).await["state"]["payments"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // A submission received since its VietQR code was shown: the transfer quoting its
    // provisional reference still finds it (by the reference it keeps), under its new code.
    let late = submit_as(&t, &citizen).await;
    let provisional = code(&late);
    let late_id =
        t.db.dossier_id_by_code(&provisional)
            .await
            .unwrap()
            .unwrap();
    let accepted = t
        .post(
            Some(&counter),
            &format!("/api/v1/dossiers/{}/accept", late_id.0),
            json!({}),
        )
        .await
        .expect(200);
    assert_ne!(code(&accepted), provisional);
    let r = import(
        &t,
        &counter,
        &format!(
            "Ngày giao dịch,Mã giao dịch,Nội dung,Số tiền ghi có\n08/12/2026,FT300,{},5000\n",
            provisional.replace('.', "")
        ),
    )
    .await;
    assert_eq!(r["recorded"].as_u64(), Some(1), "{r}");
    assert_eq!(view(&t, &counter, &accepted).await["fees"]["paid"], 5000);

    // Another commune's counter collects nothing of Bảo Thắng's.
    let stranger = t.login("motcua.camduong").await;
    let theirs = import(
        &t,
        &stranger,
        &format!(
            "Ngày giao dịch,Mã giao dịch,Nội dung,Số tiền ghi có\n07/12/2026,FT200,{c2},5000\n"
        ),
    )
    .await;
    assert_eq!(
        (theirs["recorded"].as_u64(), theirs["exceptions"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(view(&t, &counter, &second).await["fees"]["paid"], 0);

    // A file without the columns, or not UTF-8, changes nothing and says why.
    let r = t
        .http
        .post(format!("{}/api/v1/payments/statement", t.base))
        .bearer_auth(&counter)
        .body("Ngày,Nội dung\n1,2\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("thiếu cột \"Ngày giao dịch\""),
        "{body}"
    );
    let r = t
        .http
        .post(format!("{}/api/v1/payments/statement", t.base))
        .bearer_auth(&counter)
        .body(vec![0xff, 0xfe, 0x00])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
}

#[tokio::test]
async fn the_counter_uploads_a_statement_on_its_page_and_sees_the_exceptions_first() {
    let t = spawn().await;
    let counter = t.login("motcua.baothang").await;
    let d = receive_unpaid(&t, &counter).await;
    let code = d["code"].as_str().unwrap().to_string();
    let (status, _, html) = fetch(&t, &counter, "/can-bo/doi-soat").await;
    assert_eq!(status, 200);
    let html = String::from_utf8(html).unwrap();
    assert!(html.contains("Đối soát sao kê tài khoản thu"), "{html}");
    let csrf = csrf_of(&html);
    let csv = format!(
        "Ngày giao dịch,Mã giao dịch,Nội dung,Số tiền ghi có\n\
         07/12/2026,FT300,CK {code},5.000\n\
         07/12/2026,FT301,KHONG RO,20.000\n"
    );
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("sao-ke.csv"),
        );
    let r = t
        .http
        .post(format!("{}/can-bo/doi-soat", t.base))
        .header("Cookie", format!("mc_phien={counter}; mc_csrf={csrf}"))
        .header("Origin", &t.base)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let html = r.text().await.unwrap();
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains(
            "Đã ghi nhận 1 khoản chuyển khoản; 0 khoản đã ghi trước đó; 1 dòng cần cán bộ xử lý"
        ),
        "{html}"
    );
    let exception = html.find("KHONG RO").unwrap();
    let recorded = html.find("FT300").unwrap();
    assert!(exception < recorded, "exceptions come first");
}
