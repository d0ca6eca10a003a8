//! The JSON API against a real server on a loopback port and its own SQLite database: every
//! command of the lifecycle, the public lookup's privacy, and bad input (which must answer 4xx
//! with `{code, message}` and write nothing).

use crate::common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn login_me_and_logout() {
    let t = spawn().await;
    t.post(
        None,
        "/api/v1/sessions",
        json!({"username": "motcua.baothang", "password": "sai mật khẩu"}),
    )
    .await
    .error(401, "bad_credentials");
    t.post(
        None,
        "/api/v1/sessions",
        json!({"username": "khong.co.ai", "password": PASSWORD}),
    )
    .await
    .error(401, "bad_credentials");

    let token = t.login("motcua.baothang").await;
    let me = t.get(Some(&token), "/api/v1/me").await.expect(200);
    assert_eq!(me["username"], "motcua.baothang");
    assert_eq!(me["roles"][0]["role"], "counter-officer");
    assert_eq!(me["roles"][0]["agency"], "lao-cai.bao-thang.mot-cua");

    let resp = t
        .http
        .delete(format!("{}/api/v1/sessions/current", t.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    t.get(Some(&token), "/api/v1/me")
        .await
        .error(401, "unauthenticated");
    t.get(None, "/api/v1/dossiers")
        .await
        .error(401, "unauthenticated");
    t.get(Some("không-phải-mã"), "/api/v1/dossiers")
        .await
        .error(401, "unauthenticated");
}

#[tokio::test]
async fn a_counter_dossier_goes_through_every_step_to_its_return() {
    let t = spawn().await;
    let tok = Tokens::of(&t).await;

    // Monday 7/12/2026 09:00: received; 5 working days counted from the next day → 14/12, end of
    // office hours.
    let d = receive(&t, &tok.counter).await;
    let id = id_of(&d);
    let code = d["code"].as_str().unwrap();
    // TT 01/2018 Art. 19: receiving agency (QCVN 102 layout), reception date, daily number.
    assert_eq!(code, "000.01.61.H38-261207-0001");
    assert_eq!(d["national_status"], 2);
    assert_eq!(d["stage"], "received");
    assert_eq!(d["appointment"], "2026-12-14T17:00:00+07:00");
    assert_eq!(d["receiving"], "lao-cai.bao-thang.mot-cua");
    assert_eq!(d["competent"], "lao-cai.bao-thang");

    t.at("2026-12-07 10:00");
    let d = t
        .act(
            &tok.counter,
            &id,
            "transfer",
            json!({"to_unit": "lao-cai.bao-thang.van-phong"}),
        )
        .await;
    assert_eq!(d["current_unit"], "lao-cai.bao-thang.van-phong");
    let specialist = t.officer_id("tuphap.baothang").await;
    let d = t
        .act(
            &tok.head,
            &id,
            "assign",
            json!({ "officer_id": specialist }),
        )
        .await;
    assert_eq!(d["national_status"], 4);
    assert_eq!(d["handler"], "Nguyễn Văn Hùng");

    t.at("2026-12-08 08:30");
    t.act(
        &tok.specialist,
        &id,
        "notes",
        json!({"text": "Đối chiếu sổ hộ tịch: chưa có bản gốc lưu."}),
    )
    .await;
    t.act(
        &tok.specialist,
        &id,
        "verifications",
        json!({"at": "2026-12-08 08:00", "place": "Tổ dân phố 3", "participants": "Trưởng tổ dân phố, người yêu cầu", "content": "Xác minh việc sinh tại địa phương"}),
    )
    .await;
    let d = t
        .act(
            &tok.specialist,
            &id,
            "consultations",
            json!({"unit": "lao-cai.so-tu-phap", "content": "Xin ý kiến về giấy tờ thay thế", "limit": "2 ngày làm việc"}),
        )
        .await;
    assert_eq!(d["state"]["consultations"].as_array().unwrap().len(), 1);
    // Approval waits for the answer: forwarding now is refused.
    t.post(
        Some(&tok.specialist),
        &format!("/api/v1/dossiers/{id}/forward"),
        json!({"note": "Đủ điều kiện"}),
    )
    .await
    .error(409, "consultation_pending");
    let ministry = t.login("chuyenvien.sotuphap").await;
    t.at("2026-12-09 09:00");
    t.act(
        &ministry,
        &id,
        "consultations/1/answer",
        json!({"answer": "Chấp nhận văn bản xác nhận của cơ quan công an."}),
    )
    .await;

    t.at("2026-12-09 10:00");
    let d = t
        .act(
            &tok.specialist,
            &id,
            "forward",
            json!({"note": "Đủ điều kiện, trình ký"}),
        )
        .await;
    assert_eq!(d["current_step"], "Phê duyệt, ký");
    t.at("2026-12-10 09:00");
    let d = t
        .act(&tok.leader, &id, "decision", json!({"outcome": "approved"}))
        .await;
    assert_eq!(d["current_step"], "Vào số, phát hành");
    t.at("2026-12-10 10:00");
    let d = t
        .act(&tok.clerk, &id, "issue", json!({"number": "125/2026/TLKS"}))
        .await;
    assert_eq!(d["national_status"], 9, "result ready: {d}");
    let d = t
        .act(
            &tok.counter,
            &id,
            "early-return-notice",
            json!({"channel": "SMS"}),
        )
        .await;
    assert_eq!(d["state"]["early_notice_at"], "2026-12-10T03:00:00Z", "{d}");

    t.at("2026-12-11 14:00");
    let d = t
        .act(
            &tok.counter,
            &id,
            "return",
            json!({"received_by": "Nguyễn Thị Hằng", "originals_returned": []}),
        )
        .await;
    assert_eq!(d["national_status"], 10);
    assert_eq!(d["stage"], "returned");
    // Returning it again says it was returned, and when, to whom.
    let again = t
        .post(
            Some(&tok.counter),
            &format!("/api/v1/dossiers/{id}/return"),
            json!({"received_by": "Nguyễn Thị Hằng", "originals_returned": []}),
        )
        .await
        .error(409, "already_returned");
    assert!(
        again.contains("đã được trả kết quả lúc 14:00 11/12/2026 cho Nguyễn Thị Hằng"),
        "{again}"
    );

    let detail = t.detail(&tok.counter, &id).await;
    let kinds: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"opened"));
    assert_eq!(kinds.last(), Some(&"returned"));
    assert_eq!(
        kinds.len() as u64,
        detail["dossier"]["version"].as_u64().unwrap()
    );
    let versions: Vec<u64> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["version"].as_u64().unwrap())
        .collect();
    assert_eq!(versions, (1..=kinds.len() as u64).collect::<Vec<_>>());
    // Control slip: counter → office → leader → office → counter (one row per handover).
    let slip = detail["control_slip"].as_array().unwrap();
    assert!(slip.len() >= 4, "control slip {slip:?}");
    assert_eq!(detail["timing"]["tt01"], "early", "{}", detail["timing"]);
    assert_eq!(detail["timing"]["qd766"], "early", "{}", detail["timing"]);

    // The event log's hash chain holds.
    let n =
        t.db.verify_chain(domain::dossier::DossierId(id.parse().unwrap()))
            .await
            .unwrap();
    assert_eq!(n, kinds.len());

    // The public lookup knows the dossier is returned.
    let public = t
        .get(None, &format!("/api/v1/public/lookup/{code}"))
        .await
        .expect(200);
    assert_eq!(public["national_status"], 10);

    // The counter's log book (Mẫu 06): one line with each handover.
    let book = t
        .get(
            Some(&tok.counter),
            "/api/v1/reports/log-book?from=2026-12-01&to=2026-12-31&receiving=lao-cai.bao-thang.mot-cua",
        )
        .await
        .expect(200);
    assert_eq!(book["total"], 1, "{book}");
    let line = &book["lines"][0];
    assert_eq!(line["number"], 1);
    assert_eq!(line["code"], code);
    assert_eq!(line["applicant"], "Nguyễn Thị Hằng");
    assert_eq!(line["phone"], "0912345678");
    assert_eq!(line["competent"], "UBND xã Bảo Thắng");
    assert_eq!(line["received_at"], "2026-12-07T09:00:00+07:00");
    assert_eq!(line["appointment"], "2026-12-14T17:00:00+07:00");
    assert_eq!(line["transferred_at"], "2026-12-07T10:00:00+07:00");
    assert_eq!(line["result_at"], "2026-12-10T10:00:00+07:00");
    assert_eq!(line["returned_at"], "2026-12-11T14:00:00+07:00");
    assert_eq!(line["returned_to"], "Nguyễn Thị Hằng");
    assert_eq!(line["note"], "");
    // Nothing received in November; a bad period or unit is refused.
    let empty = t
        .get(
            Some(&tok.counter),
            "/api/v1/reports/log-book?from=2026-11-01&to=2026-11-30",
        )
        .await
        .expect(200);
    assert_eq!(empty["total"], 0);
    t.get(
        Some(&tok.counter),
        "/api/v1/reports/log-book?from=2026-12-01",
    )
    .await
    .error(422, "invalid_query");
    t.get(
        Some(&tok.counter),
        "/api/v1/reports/log-book?from=2026-12-31&to=2026-12-01",
    )
    .await
    .error(422, "invalid_period");
    t.get(
        Some(&tok.counter),
        "/api/v1/reports/log-book?from=2026-12-01&to=2026-12-31&receiving=lao-cai.sa-pa.mot-cua",
    )
    .await
    .error(403, "forbidden");
    // An empty unit is refused as the document's pattern says (leave it out for every unit).
    t.get(
        Some(&tok.counter),
        "/api/v1/reports/log-book?from=2026-12-01&to=2026-12-31&receiving=",
    )
    .await
    .error(422, "empty_parameter");
    t.get(
        Some(&tok.counter),
        "/api/v1/reports/fees?from=2026-12-01&to=2026-12-31&method=",
    )
    .await
    .error(422, "empty_parameter");
    t.get(
        Some(&tok.counter),
        "/api/v1/reports/period?from=2026-12-01&to=2026-12-31&level=",
    )
    .await
    .error(422, "empty_parameter");
    t.get(
        None,
        "/api/v1/reports/log-book?from=2026-12-01&to=2026-12-31",
    )
    .await
    .error(401, "unauthenticated");
}

#[tokio::test]
async fn the_public_lookup_reveals_only_code_procedure_status_and_appointment() {
    let t = spawn().await;
    let tok = Tokens::of(&t).await;
    let d = receive(&t, &tok.counter).await;
    let code = d["code"].as_str().unwrap();
    let reply = t.get(None, &format!("/api/v1/public/lookup/{code}")).await;
    let text = reply.body.to_string();
    let body = reply.expect(200);
    let mut keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "appointment",
            "code",
            "national_status",
            "procedure_name",
            "status_label"
        ]
    );
    assert_eq!(body["code"], code);
    assert_eq!(body["procedure_name"], "Đăng ký lại khai sinh");
    assert_eq!(body["national_status"], 2);
    assert_eq!(body["appointment"], "2026-12-14T17:00:00+07:00");
    for private in [
        "Nguyễn Thị Hằng",
        "010190012345",
        "0912345678",
        "Tổ dân phố 3",
        "motcua",
    ] {
        assert!(!text.contains(private), "lookup leaks {private}: {text}");
    }
    // Lower-case and spaces around the code are accepted; unknown and malformed codes are not.
    let spaced = format!("%20{}%20", code.to_lowercase());
    t.get(None, &format!("/api/v1/public/lookup/{spaced}"))
        .await
        .expect(200);
    t.get(None, "/api/v1/public/lookup/000.01.61.H38-261207-0999")
        .await
        .error(404, "dossier_not_found");
    t.get(None, "/api/v1/public/lookup/abc")
        .await
        .error(422, "invalid_dossier_code");
}

#[tokio::test]
async fn online_submissions_wait_in_the_queue_until_the_counter_checks_them() {
    let t = spawn().await;
    let tok = Tokens::of(&t).await;
    // Online submission needs an identified applicant: a citizen's account.
    t.post(
        None,
        "/api/v1/public/submissions",
        intake(
            "1.001193",
            &["to-khai", "giay-chung-sinh", "giay-to-tuy-than"],
        ),
    )
    .await
    .error(401, "unauthenticated");
    let citizen = t.citizen_login().await;
    // Submitted online on Saturday: status 1, no code time-limit running yet, and no number of
    // the centre's day taken: it waits under a provisional reference.
    t.at("2026-12-05 21:00");
    let submitted = t
        .post(
            Some(&citizen),
            "/api/v1/public/submissions",
            online_intake(
                &t,
                &citizen,
                "1.001193",
                &["to-khai", "giay-chung-sinh", "giay-to-tuy-than"],
            )
            .await,
        )
        .await
        .expect(201);
    assert_eq!(submitted["national_status"], 1);
    assert_eq!(submitted["appointment"], Value::Null);
    let code = submitted["code"].as_str().unwrap().to_string();
    assert_eq!(code, "000.01.61.H38-261205-T000001");
    let access = submitted["access_code"].as_str().unwrap().to_string();
    let queue = t
        .get(Some(&tok.counter), "/api/v1/dossiers?status=1")
        .await
        .expect(200);
    assert_eq!(queue["total"], 1);
    let id = queue["items"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(queue["items"][0]["channel"], 2, "online");

    // Monday: the counter asks, once and completely, for what is missing.
    t.at("2026-12-07 08:15");
    let d = t
        .act(
            &tok.counter,
            &id,
            "intake-supplement",
            json!({"items": [{"component": "giay-chung-sinh", "text": "Ảnh chụp giấy chứng sinh bị mờ, nộp lại bản rõ"}], "reason": "Thành phần hồ sơ chưa hợp lệ"}),
        )
        .await;
    assert_eq!(
        d["national_status"], 5,
        "supplement asked, not received: {d}"
    );
    assert_eq!(d["received_at"], serde_json::Value::Null);
    // A second guidance would not be "one-time, complete".
    t.post(
        Some(&tok.counter),
        &format!("/api/v1/dossiers/{id}/intake-supplement"),
        json!({"items": [{"text": "Thêm"}], "reason": "Lần hai"}),
    )
    .await
    .error(409, "invalid_transition");

    // The applicant proves the dossier is hers with its access code (or her account's token);
    // the personal id number proves nothing, and a wrong code is refused.
    let body = |proof: Value| {
        let mut b =
            json!({"components": [{"component": "giay-chung-sinh"}], "note": "Nộp lại bản rõ"});
        if let Value::Object(p) = proof {
            b.as_object_mut().unwrap().extend(p);
        }
        b
    };
    t.post(
        None,
        &format!("/api/v1/public/dossiers/{code}/supplement"),
        body(json!({"id_number": "010190012345"})),
    )
    .await
    .error(422, "invalid_fields");
    t.post(
        None,
        &format!("/api/v1/public/dossiers/{code}/supplement"),
        body(json!({})),
    )
    .await
    .error(401, "access_code_required");
    t.post(
        None,
        &format!("/api/v1/public/dossiers/{code}/supplement"),
        body(json!({"access_code": "0000-0000"})),
    )
    .await
    .error(403, "wrong_access_code");
    t.at("2026-12-07 09:30");
    t.post(
        None,
        &format!("/api/v1/public/dossiers/{code}/supplement"),
        body(json!({"access_code": access})),
    )
    .await
    .expect(200);

    t.at("2026-12-07 10:00");
    let d = t.act(&tok.counter, &id, "accept", json!({})).await;
    assert_eq!(d["national_status"], 2);
    // Received: the code of the centre's day is issued now, dated the day of reception; the
    // provisional reference still finds it.
    assert_eq!(d["code"], "000.01.61.H38-261207-0001");
    // The receipt is signed by the counter officer who received it, not by the applicant who
    // submitted it.
    let (_, _, receipt) = fetch(&t, &tok.counter, &format!("/can-bo/ho-so/{id}/phieu")).await;
    let receipt = String::from_utf8(receipt).unwrap();
    let signatures = receipt.split("class=\"signatures\"").nth(1).unwrap();
    let receiver = signatures.split("NGƯỜI TIẾP NHẬN HỒ SƠ").nth(1).unwrap();
    assert!(receiver.contains("Lò Thị Mai"), "{receiver}");
    t.get(None, &format!("/api/v1/public/lookup/{code}"))
        .await
        .expect(200);
    let mine = t
        .get(Some(&citizen), "/api/v1/public/dossiers")
        .await
        .expect(200);
    assert_eq!(mine[0]["code"], "000.01.61.H38-261207-0001");
    // Received at 10:00 on Monday; birth registration is same-day.
    assert_eq!(d["received_at"], "2026-12-07T10:00:00+07:00");
    assert!(d["appointment"].as_str().unwrap().starts_with("2026-12-07"));

    // Another submission is refused online, with its legal reason.
    t.at("2026-12-07 10:30");
    let other = t
        .post(
            Some(&citizen),
            "/api/v1/public/submissions",
            online_intake(
                &t,
                &citizen,
                "1.001193",
                &["to-khai", "giay-chung-sinh", "giay-to-tuy-than"],
            )
            .await,
        )
        .await
        .expect(201);
    let other_id = t
        .get(Some(&tok.counter), "/api/v1/dossiers?status=1")
        .await
        .expect(200)["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let d = t
        .act(
            &tok.counter,
            &other_id,
            "refuse",
            json!({"reason": "Việc sinh đã được đăng ký tại xã khác", "legal_basis": "Điều 13 Luật Hộ tịch 2014"}),
        )
        .await;
    assert_eq!(d["code"], other["code"]);
    assert_eq!(d["stage"], "refused-at-intake");
    assert_eq!(d["national_status"], 3);
}

#[tokio::test]
async fn postal_intake_counts_from_the_handover_signature() {
    let t = spawn().await;
    let tok = Tokens::of(&t).await;
    t.at("2026-12-08 10:00");
    let d = t
        .post(
            Some(&tok.counter),
            "/api/v1/dossiers/postal",
            json!({
                "intake": intake(REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS),
                "bill_number": "EV123456789VN",
                "handover_record": "BB-0142/BĐ",
                "handover_signed_at": "2026-12-07 16:30",
                "postal_worker": "Bùi Văn Nam",
                "fees_collected": 8000
            }),
        )
        .await
        .expect(201);
    assert_eq!(d["channel"], 3, "postal");
    assert_eq!(d["received_at"], "2026-12-07T16:30:00+07:00");
    // Counted from the signature, not from the day the counter opened the parcel.
    assert_eq!(d["appointment"], "2026-12-14T17:00:00+07:00");
    // The signature cannot be in the future.
    t.post(
        Some(&tok.counter),
        "/api/v1/dossiers/postal",
        json!({
            "intake": intake(REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS),
            "bill_number": "EV123456790VN",
            "handover_record": "BB-0143/BĐ",
            "handover_signed_at": "2026-12-09 08:00",
            "postal_worker": "Bùi Văn Nam"
        }),
    )
    .await
    .error(422, "invalid_time");
}

#[tokio::test]
async fn refusal_at_the_counter_and_guidance_are_recorded() {
    let t = spawn().await;
    let tok = Tokens::of(&t).await;
    let g = t
        .post(
            Some(&tok.counter),
            "/api/v1/guidance",
            json!({"channel": "tại quầy", "applicant_name": "Lý Văn Páo", "procedure_code": REREGISTER_BIRTH,
                   "content": "Hướng dẫn chuẩn bị tờ khai và bản sao giấy tờ", "missing": ["Bản sao giấy tờ có thông tin khai sinh"]}),
        )
        .await
        .expect(201);
    assert_eq!(g["agency"], "lao-cai.bao-thang.mot-cua");
    let d = t
        .post(
            Some(&tok.counter),
            "/api/v1/dossiers/refusals",
            json!({"intake": intake(REREGISTER_BIRTH, &["to-khai"]),
                   "reason": "Việc khai sinh chưa từng được đăng ký; làm thủ tục đăng ký khai sinh",
                   "legal_basis": "Điều 24 Nghị định 123/2015/NĐ-CP"}),
        )
        .await
        .expect(201);
    assert_eq!(d["stage"], "refused-at-intake");
    assert_eq!(d["appointment"], Value::Null);
    // An incomplete dossier is not received at the counter: the officer gives guidance instead.
    t.post(
        Some(&tok.counter),
        "/api/v1/dossiers",
        intake(REREGISTER_BIRTH, &["to-khai"]),
    )
    .await
    .error(409, "incomplete_dossier");
    assert_eq!(t.totals().await.guidance, 1);
}

#[tokio::test]
async fn a_supplement_at_appraisal_pauses_the_clock_and_restarts_it() {
    let t = spawn().await;
    let (d, tok) = in_appraisal(&t).await;
    let id = id_of(&d);
    t.at("2026-12-08 09:00");
    let d = t
        .act(
            &tok.specialist,
            &id,
            "supplement-requests",
            json!({"items": [{"component": "giay-to-khai-sinh", "text": "Bản sao không rõ năm sinh"}],
                   "reason": "Giấy tờ không đủ thông tin", "legal_basis": "Khoản 3 Điều 9 Nghị định 61/2018/NĐ-CP"}),
        )
        .await;
    assert_eq!(d["national_status"], 5);
    t.at("2026-12-15 09:00");
    let d = t
        .act(
            &tok.counter,
            &id,
            "supplements",
            json!({"components": [{"component": "giay-to-khai-sinh", "form": "copy"}], "note": "Đã nộp bản sao rõ"}),
        )
        .await;
    assert_eq!(d["national_status"], 4);
    // The time limit starts again from the complete dossier: 5 working days after 15/12.
    assert_eq!(d["due"], "2026-12-22T17:00:00+07:00");
    let detail = t.detail(&tok.counter, &id).await;
    assert_eq!(
        detail["dossier"]["state"]["supplements"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // After three working days a supplement can no longer be asked for.
    t.at("2026-12-21 09:00");
    t.post(
        Some(&tok.specialist),
        &format!("/api/v1/dossiers/{id}/supplement-requests"),
        json!({"items": [{"text": "Thêm"}], "reason": "Thêm", "legal_basis": "—"}),
    )
    .await
    .error(409, "supplement_window_passed");
}

#[tokio::test]
async fn financial_obligation_waiting_and_extension_move_the_due_date() {
    let t = spawn().await;
    let (d, tok) = in_appraisal(&t).await;
    let id = id_of(&d);
    let due0 = d["due"].as_str().unwrap().to_string();
    assert_eq!(due0, "2026-12-14T17:00:00+07:00");
    t.at("2026-12-08 09:00");
    let d = t
        .act(
            &tok.specialist,
            &id,
            "financial-obligation",
            json!({"description": "Nộp lệ phí đăng ký lại khai sinh", "legal_basis": "Thông tư 85/2019/TT-BTC"}),
        )
        .await;
    assert_eq!(d["national_status"], 6);
    // One working day later the obligation is met.
    t.at("2026-12-09 09:00");
    let d = t
        .act(&tok.specialist, &id, "resume", json!({"note": "Đã nộp"}))
        .await;
    assert_eq!(d["national_status"], 4);
    assert_eq!(d["due"], "2026-12-15T17:00:00+07:00");
    // Waiting for another agency without stopping the clock leaves the due date.
    let d = t
        .act(
            &tok.specialist,
            &id,
            "wait",
            json!({"reason": "Chờ Công an xã xác nhận cư trú", "legal_basis": "Quy chế phối hợp", "stops_clock": false}),
        )
        .await;
    t.at("2026-12-10 09:00");
    let d2 = t.act(&tok.specialist, &id, "resume", json!({})).await;
    assert_eq!(d2["due"], d["due"]);
    // A lawful extension moves it by its amount.
    let d = t
        .act(
            &tok.specialist,
            &id,
            "extensions",
            json!({"amount": "5 ngày làm việc", "reason": "Cần xác minh thêm", "legal_basis": "Khoản 2 Điều 26 Luật Hộ tịch 2014"}),
        )
        .await;
    assert_eq!(d["due"], "2026-12-22T17:00:00+07:00");
    let detail = t.detail(&tok.specialist, &id).await;
    // The pause ledger: kind, reason, legal basis, actor and window of each pause.
    let pauses = detail["dossier"]["state"]["pauses"].as_array().unwrap();
    assert_eq!(pauses.len(), 2, "{pauses:?}");
    assert_eq!(pauses[0]["kind"], "financial-obligation");
    assert_eq!(pauses[0]["stops_clock"], true);
    assert_eq!(pauses[0]["from"], "2026-12-08T02:00:00Z");
    assert_eq!(pauses[0]["to"], "2026-12-09T02:00:00Z");
    assert_eq!(pauses[0]["legal_basis"], "Thông tư 85/2019/TT-BTC");
    assert_eq!(pauses[1]["kind"], "other-agency");
    assert_eq!(pauses[1]["stops_clock"], false);
    assert_eq!(pauses[1]["actor"]["name"], "Nguyễn Văn Hùng");
}

#[tokio::test]
async fn interconnected_agencies_are_passed_in_order() {
    let t = spawn().await;
    let tok = Tokens::of(&t).await;
    let d = t
        .post(
            Some(&tok.counter),
            "/api/v1/dossiers",
            intake("2.002913", &["to-khai", "giay-bao-tu"]),
        )
        .await;
    let d = if d.status.as_u16() == 201 {
        d.body
    } else {
        // Show which components the procedure wants.
        let p = t
            .get(Some(&tok.counter), "/api/v1/procedures/2.002913")
            .await
            .expect(200);
        panic!("intake refused: {} — procedure {p}", d.body);
    };
    let id = id_of(&d);
    t.act(
        &tok.counter,
        &id,
        "transfer",
        json!({"to_unit": "lao-cai.bao-thang.van-phong"}),
    )
    .await;
    let specialist = t.officer_id("tuphap.baothang").await;
    t.act(
        &tok.head,
        &id,
        "assign",
        json!({ "officer_id": specialist }),
    )
    .await;
    let d = t
        .act(
            &tok.specialist,
            &id,
            "interconnection",
            json!({"mode": "sequential", "legs": [
                {"agency": "lao-cai.bao-thang.cong-an", "task": "Xóa đăng ký thường trú", "limit": "2 ngày làm việc"},
                {"agency": "lao-cai.bhxh", "task": "Giải quyết trợ cấp mai táng", "limit": "3 ngày làm việc", "upper_level": true}
            ]}),
        )
        .await;
    assert_eq!(d["national_status"], 4, "still in progress: {d}");
    assert_eq!(
        d["state"]["interconnection"]["legs"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "{d}"
    );
    // The second agency cannot finish before the first.
    let police = t.login("congan.baothang").await;
    let bhxh = t.login("chuyenvien.bhxh").await;
    t.post(
        Some(&bhxh),
        &format!("/api/v1/dossiers/{id}/interconnection/1/complete"),
        json!({"result": "Đã giải quyết"}),
    )
    .await
    .error(409, "leg_not_started");
    t.at("2026-12-08 09:00");
    t.act(
        &police,
        &id,
        "interconnection/0/complete",
        json!({"result": "Đã xóa đăng ký thường trú"}),
    )
    .await;
    t.at("2026-12-09 09:00");
    let d = t
        .act(
            &bhxh,
            &id,
            "interconnection/1/complete",
            json!({"result": "Quyết định hưởng trợ cấp mai táng"}),
        )
        .await;
    assert_eq!(d["national_status"], 4, "back with the lead agency: {d}");
}

#[tokio::test]
async fn an_apology_is_allowed_once_and_not_after_the_due_date() {
    let t = spawn().await;
    let (d, tok) = in_appraisal(&t).await;
    let id = id_of(&d);
    // Due Monday 14/12; the apology must come at the latest one day before (Friday 11/12).
    t.at("2026-12-11 09:00");
    let d = t
        .act(
            &tok.leader,
            &id,
            "apology",
            json!({"reason": "Cần xác minh thêm tại nơi sinh", "new_appointment": "2026-12-18 09:00"}),
        )
        .await;
    assert_eq!(d["appointment"], "2026-12-18T09:00:00+07:00");
    assert_eq!(d["original_appointment"], "2026-12-14T17:00:00+07:00");
    t.post(
        Some(&tok.leader),
        &format!("/api/v1/dossiers/{id}/apology"),
        json!({"reason": "Lần nữa", "new_appointment": "2026-12-21 09:00"}),
    )
    .await
    .error(409, "apology_once");

    // Another dossier received the same Monday: on the due day itself it is too late to
    // apologise, and after the due date too.
    t.at("2026-12-07 09:00");
    let (d, _) = in_appraisal(&t).await;
    let other = id_of(&d);
    for at in ["2026-12-14 10:00", "2026-12-15 10:00"] {
        t.at(at);
        t.post(
            Some(&tok.leader),
            &format!("/api/v1/dossiers/{other}/apology"),
            json!({"reason": "Chưa xác minh xong", "new_appointment": "2026-12-21 09:00"}),
        )
        .await
        .error(409, "apology_too_late");
    }
}

#[tokio::test]
async fn withdrawal_stop_refusal_and_correction() {
    let t = spawn().await;
    let (d, tok) = in_appraisal(&t).await;
    let id = id_of(&d);
    let code = d["code"].as_str().unwrap().to_string();
    // The applicant withdraws through the public endpoint, with the access code of her
    // receipt; the leader stops handling.
    t.at("2026-12-08 09:00");
    let access = t
        .app
        .citizens()
        .access_code(domain::dossier::DossierId(id.parse().unwrap()));
    t.post(
        None,
        &format!("/api/v1/public/dossiers/{code}/withdrawal"),
        json!({"access_code": access, "reason": "Không còn nhu cầu"}),
    )
    .await
    .expect(200);
    let d = t
        .act(
            &tok.leader,
            &id,
            "stop",
            json!({"reason": "Người nộp rút hồ sơ", "legal_basis": "Điều 18 Nghị định 61/2018/NĐ-CP"}),
        )
        .await;
    assert_eq!(d["stage"], "stopped");

    // A refusal after appraisal, inside the time limit.
    t.at("2026-12-08 09:00");
    let (d, _) = in_appraisal(&t).await;
    let refused = id_of(&d);
    t.act(
        &tok.specialist,
        &refused,
        "forward",
        json!({"note": "Không đủ điều kiện"}),
    )
    .await;
    let d = t
        .act(
            &tok.leader,
            &refused,
            "decision",
            json!({"outcome": "refused", "reason": "Đã có giấy khai sinh bản gốc lưu tại UBND", "legal_basis": "Điều 24 Nghị định 123/2015/NĐ-CP"}),
        )
        .await;
    // The refusal letter is numbered and sent out by the office like any result.
    assert_eq!(d["current_step"], "Vào số, phát hành");
    let d = t
        .act(
            &tok.clerk,
            &refused,
            "issue",
            json!({"number": "12/UBND-TP"}),
        )
        .await;
    assert_eq!(
        d["national_status"], 9,
        "refusal letter waits at the counter: {d}"
    );
    t.at("2026-12-09 09:00");
    let d = t
        .act(
            &tok.counter,
            &refused,
            "return",
            json!({"received_by": "Nguyễn Thị Hằng"}),
        )
        .await;
    assert_eq!(d["stage"], "returned");

    // A correction is a new dossier linked to the finished original.
    let c = t
        .post(
            Some(&tok.counter),
            &format!("/api/v1/dossiers/{refused}/corrections"),
            json!({"intake": intake(REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS), "reason": "Sai ngày sinh trong văn bản"}),
        )
        .await
        .expect(201);
    assert_ne!(c["id"], refused.as_str());
    let original = t.detail(&tok.counter, &refused).await;
    let last = original["events"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["kind"], "correction_opened", "{last}");
    assert_eq!(last["payload"]["code"], c["code"]);
    assert_eq!(last["payload"]["correction"], c["id"]);
}

#[tokio::test]
async fn a_dossier_can_be_shown_as_it_stood_at_a_past_instant() {
    let t = spawn().await;
    let (d, tok) = in_appraisal(&t).await;
    let id = id_of(&d);
    t.at("2026-12-09 10:00");
    t.act(&tok.specialist, &id, "forward", json!({"note": "Trình ký"}))
        .await;
    let now = t.detail(&tok.counter, &id).await;
    assert_eq!(now["dossier"]["current_step"], "Phê duyệt, ký");
    let then = t
        .get(
            Some(&tok.counter),
            &format!("/api/v1/dossiers/{id}?as_of=2026-12-08%2012:00"),
        )
        .await
        .expect(200);
    assert_eq!(then["dossier"]["current_step"], "Thẩm định hồ sơ");
    assert_eq!(then["as_of"], "2026-12-08T12:00:00+07:00");
    assert!(then["events"].as_array().unwrap().len() < now["events"].as_array().unwrap().len());
}

#[tokio::test]
async fn lists_filter_by_status_agency_assignee_and_due_window() {
    let t = spawn().await;
    let (d, tok) = in_appraisal(&t).await;
    let handled = id_of(&d);
    receive(&t, &tok.counter).await;
    let all = t
        .get(Some(&tok.counter), "/api/v1/dossiers")
        .await
        .expect(200);
    assert_eq!(all["total"], 2);
    let mine = t
        .get(Some(&tok.specialist), "/api/v1/dossiers?assignee=me")
        .await
        .expect(200);
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["items"][0]["id"], handled.as_str());
    let status = t
        .get(Some(&tok.counter), "/api/v1/dossiers?status=2")
        .await
        .expect(200);
    assert_eq!(status["total"], 1);
    // A page size outside 1–500 (the document's bounds) is refused, not cut down in silence.
    let two = t
        .get(Some(&tok.counter), "/api/v1/dossiers?limit=500")
        .await
        .expect(200);
    assert_eq!(two["items"].as_array().unwrap().len(), 2);
    t.get(Some(&tok.counter), "/api/v1/dossiers?limit=2147483648")
        .await
        .error(422, "invalid_limit");
    t.get(Some(&tok.counter), "/api/v1/dossiers?limit=0")
        .await
        .error(422, "invalid_limit");
    let unit = t
        .get(
            Some(&tok.counter),
            "/api/v1/dossiers?unit=lao-cai.bao-thang.van-phong",
        )
        .await
        .expect(200);
    assert_eq!(unit["total"], 1);
    let window = t
        .get(
            Some(&tok.counter),
            "/api/v1/dossiers?due_from=2026-12-14%2000:00&due_to=2026-12-15%2000:00",
        )
        .await
        .expect(200);
    assert_eq!(window["total"], 2);
    let none = t
        .get(
            Some(&tok.counter),
            "/api/v1/dossiers?due_to=2026-12-10%2000:00",
        )
        .await
        .expect(200);
    assert_eq!(none["total"], 0);
    // Another commune's officer sees none of them; the province's auditor sees both.
    let other = t.login("motcua.sapa").await;
    let theirs = t.get(Some(&other), "/api/v1/dossiers").await.expect(200);
    assert_eq!(theirs["total"], 0);
    let auditor = t.login("thanhtra").await;
    let everything = t.get(Some(&auditor), "/api/v1/dossiers").await.expect(200);
    assert_eq!(everything["total"], 2);
    t.get(Some(&tok.counter), "/api/v1/dossiers?status=11")
        .await
        .error(422, "invalid_status");
    t.get(Some(&tok.counter), "/api/v1/dossiers?due_from=hôm%20qua")
        .await
        .error(422, "invalid_datetime");
}

#[tokio::test]
async fn reassignment_needs_a_reason_and_a_postal_return_needs_the_bill() {
    let t = spawn().await;
    let tok = Tokens::of(&t).await;
    let mut body = intake(REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS);
    body["return_method"] =
        json!({"kind": "post", "address": "Tổ dân phố 3, xã Bảo Thắng, tỉnh Lào Cai"});
    let d = t
        .post(Some(&tok.counter), "/api/v1/dossiers", body)
        .await
        .expect(201);
    let id = id_of(&d);
    t.act(
        &tok.counter,
        &id,
        "payments",
        json!({"amount": 5000, "method": "cash"}),
    )
    .await;
    t.act(
        &tok.counter,
        &id,
        "transfer",
        json!({"to_unit": "lao-cai.bao-thang.van-phong"}),
    )
    .await;
    let first = t.officer_id("tuphap.baothang").await;
    let second = t.officer_id("tuphap2.baothang").await;
    t.act(&tok.head, &id, "assign", json!({ "officer_id": first }))
        .await;
    t.post(
        Some(&tok.head),
        &format!("/api/v1/dossiers/{id}/assign"),
        json!({ "officer_id": second }),
    )
    .await
    .error(422, "reason_required");
    let d = t
        .act(
            &tok.head,
            &id,
            "assign",
            json!({ "officer_id": second, "reason": "Công chức tư pháp nghỉ phép" }),
        )
        .await;
    assert_eq!(d["handler"], "Hoàng Thị Thảo");
    // Nobody outside the commune can be assigned.
    let stranger = t.officer_id("tuphap.sapa").await;
    t.post(
        Some(&tok.head),
        &format!("/api/v1/dossiers/{id}/assign"),
        json!({ "officer_id": stranger, "reason": "Thử" }),
    )
    .await
    .error(409, "handler_not_in_unit");

    t.at("2026-12-08 09:00");
    let tuphap2 = t.login("tuphap2.baothang").await;
    t.act(&tuphap2, &id, "forward", json!({"note": "Trình ký"}))
        .await;
    t.act(&tok.leader, &id, "decision", json!({"outcome": "approved"}))
        .await;
    t.act(&tok.clerk, &id, "issue", json!({"number": "126/2026/TLKS"}))
        .await;
    t.post(
        Some(&tok.counter),
        &format!("/api/v1/dossiers/{id}/return"),
        json!({"received_by": "Bưu điện xã Bảo Thắng"}),
    )
    .await
    .error(422, "postal_bill_required");
    let d = t
        .act(
            &tok.counter,
            &id,
            "return",
            json!({"received_by": "Bưu điện xã Bảo Thắng", "postal_bill": "EV987654321VN"}),
        )
        .await;
    assert_eq!(d["national_status"], 10);

    // An officer records a withdrawal the applicant asked for in writing at the counter.
    let d = receive(&t, &tok.counter).await;
    let other = id_of(&d);
    let d = t
        .act(
            &tok.counter,
            &other,
            "withdrawal",
            json!({"reason": "Đơn xin rút hồ sơ nộp tại quầy"}),
        )
        .await;
    assert_eq!(d["national_status"], 7);
}

#[tokio::test]
async fn a_centre_can_issue_the_long_2025_code_format() {
    let t = spawn().await;
    let centre_id = domain::agency::AgencyId::parse("lao-cai.bao-thang.mot-cua").unwrap();
    let mut centre =
        t.db.agencies()
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.id == centre_id)
            .unwrap();
    centre.code_format = domain::ids::CodeFormat::Long2025;
    t.db.put_agencies(&[centre]).await.unwrap();
    t.app.admin().reload_agencies().await.unwrap();
    let counter = t.login("motcua.baothang").await;
    let d = receive(&t, &counter).await;
    assert_eq!(d["code"], "H38.61.01-20261207-0000001");
    t.get(None, "/api/v1/public/lookup/H38.61.01-20261207-0000001")
        .await
        .expect(200);
}

#[tokio::test]
async fn administrators_see_failed_messages_and_a_retry_needs_the_channel_configured() {
    let t = spawn().await;
    let now = vn("2026-12-07 09:00");
    // A message for a channel this server has no configuration for, failed to the end.
    let db = &t.db;
    db.enqueue_messages(
        &[store::NewMessage {
            kind: "status-change".into(),
            channel: store::Channel::Sms,
            recipient: "0912345678".into(),
            subject: "Hồ sơ 000.01.61.H38-261207-0001: Được tiếp nhận".into(),
            body: "Hồ sơ đã được tiếp nhận.".into(),
            idempotency_key: "status:thu:1:sms".into(),
            dossier: None,
        }],
        now,
    )
    .await
    .unwrap();
    let claimed = db.claim_messages(now, now, 10).await.unwrap();
    db.message_failed(claimed[0].id, "kênh chưa được cấu hình: Tin nhắn SMS", None)
        .await
        .unwrap();
    let id = claimed[0].id;

    let counter = t.login("motcua.baothang").await;
    t.get(Some(&counter), "/api/v1/admin/outbox")
        .await
        .error(403, "forbidden");
    let admin = t.login("quantri").await;
    let outbox = t
        .get(Some(&admin), "/api/v1/admin/outbox")
        .await
        .expect(200);
    assert_eq!(outbox["dead"], 1);
    assert_eq!(outbox["sms_configured"], false);
    let failed = &outbox["failed"][0];
    assert_eq!(failed["id"], id);
    assert_eq!(failed["state"], "dead");
    assert_eq!(failed["attempts"], 1);
    assert_eq!(failed["channel_configured"], false);
    assert!(
        failed["created_at"].as_str().unwrap().ends_with("+07:00"),
        "instants are Vietnamese time: {failed}"
    );
    assert_eq!(
        failed["last_error"],
        "kênh chưa được cấu hình: Tin nhắn SMS"
    );

    let log_before = db.admin_log_lines(100).await.unwrap().len();
    t.post(
        Some(&admin),
        &format!("/api/v1/admin/outbox/{id}/retry"),
        json!({}),
    )
    .await
    .error(409, "channel_not_configured");
    t.post(Some(&admin), "/api/v1/admin/outbox/abc/retry", json!({}))
        .await
        .error(422, "invalid_id");
    t.post(
        Some(&counter),
        &format!("/api/v1/admin/outbox/{id}/retry"),
        json!({}),
    )
    .await
    .error(403, "forbidden");
    let still = db.message(id).await.unwrap().unwrap();
    assert_eq!(
        (still.state, still.attempts),
        (store::MessageState::Dead, 1)
    );
    assert_eq!(db.admin_log_lines(100).await.unwrap().len(), log_before);
}

#[tokio::test]
async fn a_dossier_sent_to_the_wrong_unit_is_recalled_and_the_view_says_what_may_follow() {
    let t = spawn().await;
    let tok = Tokens::of(&t).await;
    let d = receive(&t, &tok.counter).await;
    let id = id_of(&d);
    let names = |d: &Value| -> Vec<String> {
        d["allowed_actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["action"].as_str().unwrap().to_string())
            .collect()
    };
    // The counter may transfer a received dossier; the commune's chairman may stop it, not
    // transfer it.
    assert!(
        names(&d).contains(&"transfer".to_string()),
        "{:?}",
        names(&d)
    );
    let seen = t.detail(&tok.leader, &id).await;
    let for_leader = names(&seen["dossier"]);
    assert!(for_leader.contains(&"stop".to_string()), "{for_leader:?}");
    assert!(
        !for_leader.contains(&"transfer".to_string()),
        "{for_leader:?}"
    );

    t.at("2026-12-07 10:00");
    let d = t
        .act(
            &tok.counter,
            &id,
            "transfer",
            json!({"to_unit": "lao-cai.bao-thang.kinh-te"}),
        )
        .await;
    assert_eq!(d["current_unit"], "lao-cai.bao-thang.kinh-te");
    assert_eq!(names(&d), ["recall_transfer", "request_withdrawal"]);
    let version = d["version"].as_u64().unwrap();

    // Bad input changes nothing; the unit's head may not recall it.
    let before = t.totals().await;
    t.post(
        Some(&tok.counter),
        &format!("/api/v1/dossiers/{id}/recall"),
        json!({"reason": "   "}),
    )
    .await
    .error(422, "required");
    t.post(
        Some(&tok.head),
        &format!("/api/v1/dossiers/{id}/recall"),
        json!({"reason": "Nhầm"}),
    )
    .await
    .error(403, "forbidden");
    assert_eq!(t.totals().await, before);

    t.at("2026-12-07 10:05");
    let d = t
        .post_if(
            &tok.counter,
            &format!("/api/v1/dossiers/{id}/recall"),
            version,
            json!({"reason": "Chuyển nhầm sang phòng Kinh tế"}),
        )
        .await
        .expect(200);
    assert_eq!(d["stage"], "received");
    assert_eq!(d["national_status"], 2);
    assert_eq!(d["current_unit"], "lao-cai.bao-thang.mot-cua");
    assert_eq!(d["appointment"], "2026-12-14T17:00:00+07:00");
    assert!(
        names(&d).contains(&"transfer".to_string()),
        "{:?}",
        names(&d)
    );
    assert!(!names(&d).contains(&"recall_transfer".to_string()));
    let detail = t.detail(&tok.counter, &id).await;
    let kinds: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "opened",
            "received",
            "fee_paid",
            "transferred",
            "transfer_recalled"
        ]
    );
    let slip = detail["control_slip"].as_array().unwrap();
    assert!(
        slip.iter().any(|r| r["note"]
            .as_str()
            .unwrap()
            .contains("Chuyển nhầm sang phòng Kinh tế")),
        "{slip:?}"
    );

    // Sent again to the right unit; once that unit has acted, it can no longer be recalled.
    t.act(
        &tok.counter,
        &id,
        "transfer",
        json!({"to_unit": "lao-cai.bao-thang.van-phong"}),
    )
    .await;
    let specialist = t.officer_id("tuphap.baothang").await;
    t.act(
        &tok.head,
        &id,
        "assign",
        json!({ "officer_id": specialist }),
    )
    .await;
    t.post(
        Some(&tok.counter),
        &format!("/api/v1/dossiers/{id}/recall"),
        json!({"reason": "Nhầm"}),
    )
    .await
    .error(409, "recall_not_possible");
}

#[tokio::test]
async fn an_administrator_creates_officers_from_a_csv_table_all_or_none() {
    let t = spawn().await;
    let admin = t.login("quantri").await;
    let counter = t.login("motcua.baothang").await;
    let csv = |token: &str, body: String| {
        t.http
            .post(format!("{}/api/v1/admin/officers", t.base))
            .header("Content-Type", "text/csv")
            .bearer_auth(token.to_string())
            .body(body)
    };
    let before = t.db.officers().await.unwrap().len();
    // Not an administrator.
    let r = t.send(csv(&counter, testsupport::roster(2))).await;
    r.error(403, "forbidden");
    // A bad line: nothing created, the line named.
    let bad = format!(
        "{}sai.coquan,Lê Thị Sai,,Chuyên viên,lao-cai.khong-co,,\n",
        testsupport::roster(3)
    );
    let message = t.send(csv(&admin, bad)).await.error(422, "invalid_roster");
    assert!(message.contains("dòng 5: không có cơ quan"), "{message}");
    assert_eq!(t.db.officers().await.unwrap().len(), before);
    // A good table.
    let created = t
        .send(csv(&admin, testsupport::roster(20)))
        .await
        .expect(201);
    let created = created.as_array().unwrap();
    assert_eq!(created.len(), 20);
    assert_eq!(created[0]["username"], "canbo000");
    assert_eq!(created[0]["grants"][0]["role"], "counter-officer");
    assert_eq!(
        created[0]["grants"][0]["agency"],
        "lao-cai.bao-thang.mot-cua"
    );
    let password = created[0]["one_time_password"].as_str().unwrap();
    t.post(
        None,
        "/api/v1/sessions",
        json!({"username": "canbo000", "password": password}),
    )
    .await
    .expect(201);
    assert_eq!(t.db.officers().await.unwrap().len(), before + 20);
}

#[tokio::test]
async fn an_administrator_adds_renames_merges_agencies_and_sets_their_codes() {
    let t = spawn().await;
    let admin = t.login("quantri").await;
    let counter = t.login("motcua.baothang").await;
    // Not an administrator; bad input says what to fix and changes nothing.
    t.post(
        Some(&counter),
        "/api/v1/admin/agencies",
        json!({"parent": "lao-cai.bao-thang", "word": "tu-phap", "name": "Tổ Tư pháp", "kind": "department"}),
    )
    .await
    .error(403, "forbidden");
    t.post(
        Some(&admin),
        "/api/v1/admin/agencies",
        json!({"parent": "lao-cai.bao-thang", "word": "tu-phap", "name": "Tổ Tư pháp", "kind": "so"}),
    )
    .await
    .error(422, "invalid_kind");
    t.post(
        Some(&admin),
        "/api/v1/admin/agencies",
        json!({"parent": "lao-cai.khong-co", "word": "tu-phap", "name": "Tổ Tư pháp", "kind": "department"}),
    )
    .await
    .error(404, "agency_not_found");
    let a = t
        .post(
            Some(&admin),
            "/api/v1/admin/agencies",
            json!({"parent": "lao-cai.bao-thang", "word": "tu-phap", "name": "Tổ Tư pháp", "kind": "department"}),
        )
        .await
        .expect(201);
    assert_eq!(a["id"], "lao-cai.bao-thang.tu-phap");
    assert_eq!(a["code_verified"], false);
    let a = t
        .post(
            Some(&admin),
            "/api/v1/admin/agencies/lao-cai.bao-thang.tu-phap/rename",
            json!({"name": "Tổ Tư pháp - Hộ tịch xã Bảo Thắng"}),
        )
        .await
        .expect(200);
    assert_eq!(a["name"], "Tổ Tư pháp - Hộ tịch xã Bảo Thắng");
    // Office hours: a bad value says what to fix.
    t.post(
        Some(&admin),
        "/api/v1/admin/agencies/lao-cai.bao-thang.mot-cua/office-hours",
        json!({"office_hours": "17:00-08:00"}),
    )
    .await
    .error(422, "invalid_office_hours");
    let a = t
        .post(
            Some(&admin),
            "/api/v1/admin/agencies/lao-cai.bao-thang.mot-cua/office-hours",
            json!({"office_hours": "07:30-11:30, 13:30-17:00", "saturday_reception": "07:30-11:30"}),
        )
        .await
        .expect(200);
    assert_eq!(a["saturday_reception"], "07:30-11:30");
    // A body that is not a JSON object is refused: serde would read `[]` as the struct with its
    // fields defaulted, and the hours would have been cleared (schemathesis found it).
    for body in ["[]", "[\"07:30-11:30\", \"\"]", "\"07:30-11:30\""] {
        let msg = t
            .post_raw(
                Some(&admin),
                "/api/v1/admin/agencies/lao-cai.bao-thang.mot-cua/office-hours",
                body,
            )
            .await
            .error(422, "invalid_fields");
        assert!(msg.contains("đối tượng JSON"), "{body}: {msg}");
    }
    let all = t.get(Some(&admin), "/api/v1/agencies").await.expect(200);
    let a = all
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "lao-cai.bao-thang.mot-cua")
        .unwrap();
    assert_eq!(a["saturday_reception"], "07:30-11:30", "{a}");
    // Where a procedure is received.
    t.post(
        Some(&admin),
        "/api/v1/admin/procedures/1.004884/agencies",
        json!({"agencies": ["lao-cai"]}),
    )
    .await
    .error(422, "invalid_agency");
    let places = t
        .post(
            Some(&admin),
            "/api/v1/admin/procedures/1.004884/agencies",
            json!({"agencies": ["lao-cai.bao-thang", "lao-cai.bao-thang"]}),
        )
        .await
        .expect(200);
    assert_eq!(places, json!({"agencies": ["lao-cai.bao-thang"]}));
    // Official identifiers from a table.
    let reply = t
        .send(
            t.http
                .post(format!("{}/api/v1/admin/agency-codes", t.base))
                .header("Content-Type", "text/csv")
                .bearer_auth(&admin)
                .body("lao-cai.cam-duong,H38.77\n"),
        )
        .await
        .expect(200);
    assert!(reply["changed"].as_u64().unwrap() >= 6, "{reply}");
    // A table without a single code (a header alone, another file) is said, and changes nothing.
    let said = t
        .send(
            t.http
                .post(format!("{}/api/v1/admin/agency-codes", t.base))
                .header("Content-Type", "text/csv")
                .bearer_auth(&admin)
                .body("ma_noi_bo,ma_dinh_danh\n"),
        )
        .await
        .error(422, "invalid_agency_codes");
    assert!(said.contains("không có dòng mã nào"), "{said}");
    // Cam Đường merged into Bảo Thắng.
    t.post(
        Some(&admin),
        "/api/v1/admin/agencies/lao-cai.cam-duong/merge",
        json!({"successor": "lao-cai.bao-thang", "on": "7/12/2026"}),
    )
    .await
    .error(422, "invalid_date");
    let a = t
        .post(
            Some(&admin),
            "/api/v1/admin/agencies/lao-cai.cam-duong/merge",
            json!({"successor": "lao-cai.bao-thang", "on": "2026-12-07"}),
        )
        .await
        .expect(200);
    assert_eq!(a["successor"], "lao-cai.bao-thang");
    assert_eq!(a["valid_to"], "2026-12-07");
    let cam_duong = t.login("motcua.camduong").await;
    let mut body = intake(REREGISTER_BIRTH, &REREGISTER_BIRTH_PARTS);
    body["receiving"] = json!("lao-cai.cam-duong.mot-cua");
    t.post(Some(&cam_duong), "/api/v1/dossiers", body)
        .await
        .error(409, "agency_closed");
}

/// Phí, lệ phí through the API: bad amounts and methods are refused with a reason and record
/// nothing; a part paid leaves the rest owed (in figures and in words); only a leader waives;
/// what is settled takes no more money.
#[tokio::test]
async fn fees_are_collected_in_parts_and_waived_by_a_leader_through_the_api() {
    let t = spawn().await;
    let tok = Tokens::of(&t).await;
    let d = receive_unpaid(&t, &tok.counter).await;
    let id = id_of(&d);
    assert_eq!(d["fees"]["due"], 5000);
    assert_eq!(d["fees"]["outstanding"], 5000);
    assert_eq!(d["fees"]["outstanding_in_words"], "Năm nghìn đồng");
    let actions: Vec<&str> = d["allowed_actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"record_payment"), "{actions:?}");
    let pay = format!("/api/v1/dossiers/{id}/payments");
    for (body, status, code) in [
        (
            json!({"amount": 0, "method": "cash"}),
            422,
            "invalid_amount",
        ),
        (
            json!({"amount": 5001, "method": "cash"}),
            422,
            "amount_too_large",
        ),
        (
            json!({"amount": 5000, "method": "online", "reference": "x"}),
            422,
            "online_by_gateway",
        ),
        (
            json!({"amount": 5000, "method": "séc"}),
            422,
            "invalid_method",
        ),
        (
            json!({"amount": 5000, "method": "bank-transfer"}),
            422,
            "reference_required",
        ),
        (
            json!({"amount": "năm nghìn", "method": "cash"}),
            422,
            "invalid_fields",
        ),
    ] {
        t.post(Some(&tok.counter), &pay, body.clone())
            .await
            .error(status, code);
    }
    // A specialist does not collect money.
    t.post(
        Some(&t.login("tuphap.baothang").await),
        &pay,
        json!({"amount": 5000, "method": "cash"}),
    )
    .await
    .error(403, "forbidden");
    let events = |d: &Value| d["events"].as_array().unwrap().len();
    assert_eq!(
        events(&t.detail(&tok.counter, &id).await),
        2,
        "nothing recorded"
    );

    let d = t
        .act(
            &tok.counter,
            &id,
            "payments",
            json!({"amount": 2000, "method": "bank-transfer", "reference": "FT26341000123", "payer": "Lò Văn Páo"}),
        )
        .await;
    assert_eq!(d["fees"]["paid"], 2000);
    assert_eq!(d["fees"]["outstanding"], 3000);
    assert_eq!(d["fees"]["outstanding_in_words"], "Ba nghìn đồng");
    assert_eq!(d["state"]["payments"][0]["payer"], "Lò Văn Páo");
    assert_eq!(d["state"]["payments"][0]["reference"], "FT26341000123");

    let waive = format!("/api/v1/dossiers/{id}/fee-waivers");
    t.post(
        Some(&tok.counter),
        &waive,
        json!({"amount": 3000, "reason": "Hộ nghèo"}),
    )
    .await
    .error(403, "forbidden");
    t.post(
        Some(&tok.leader),
        &waive,
        json!({"amount": 3000, "reason": " "}),
    )
    .await
    .error(422, "required");
    let d = t
        .act(
            &tok.leader,
            &id,
            "fee-waivers",
            json!({"amount": 3000, "reason": "Hộ nghèo (Điều 11 Luật Hộ tịch)"}),
        )
        .await;
    assert_eq!(d["fees"]["waived"], 3000);
    assert_eq!(d["fees"]["outstanding"], 0);
    t.post(
        Some(&tok.counter),
        &pay,
        json!({"amount": 1, "method": "cash"}),
    )
    .await
    .error(409, "nothing_to_pay");
    let kinds: Vec<String> = t.detail(&tok.counter, &id).await["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["opened", "received", "fee_paid", "fee_waived"]);
}
