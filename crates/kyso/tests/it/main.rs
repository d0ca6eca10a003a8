//! Signing real PDFs with keys the tests make (their own CA, an officer's RSA certificate and an
//! organisation's EC certificate, with openssl), through a PKCS#12 file and a PKCS#11 token
//! (SoftHSM2), then checking the signatures with our reader, with poppler's `pdfsig` and with
//! pyHanko's validator. Outside CI a missing tool skips with a printed reason; in CI it fails.

mod tools;

use kyso::{
    HttpTimestamper, Pkcs11Signer, Pkcs12Signer, SignOptions, Trust, sign_pdf, sign_pdf_with,
    verify_pdf, verify_pdf_trusted,
};
use testsupport::png;
use tools::{Pki, pdfsig, pyhanko};

fn document() -> Vec<u8> {
    let t = giayto::built_in("mau-03").unwrap();
    let mut d = giayto::Data::new();
    for (k, v) in [
        ("co_quan_cap_tren", "UBND XÃ BẢO THẮNG"),
        ("bo_phan", "Trung tâm Phục vụ hành chính công xã Bảo Thắng"),
        ("ma_ho_so", "000.01.61.H38-261204-0007"),
        ("dia_danh", "Bảo Thắng"),
        ("ngay", "04"),
        ("thang", "12"),
        ("nam", "2026"),
        ("nguoi_nop", "Nguyễn Văn Đức"),
        ("dia_chi", "Thôn Phú Hà"),
        ("thu_tuc", "Đăng ký khai sinh"),
        ("ly_do", "Thiếu giấy chứng sinh"),
        ("can_cu", "Điều 16 Luật Hộ tịch"),
        ("can_bo", "Trần Thị Hằng"),
    ] {
        d.set(k, v);
    }
    giayto::render(&t, &d).unwrap()
}

fn options(name: &str) -> SignOptions {
    SignOptions {
        name: name.into(),
        reason: "Phê duyệt kết quả giải quyết hồ sơ".into(),
        location: "Bảo Thắng, Lào Cai".into(),
        when: kyso::pdf_date(2026, 12, 4, 9, 30, 0),
        ..Default::default()
    }
}

#[test]
fn a_pkcs12_signature_verifies_and_a_changed_byte_is_caught() {
    let Some(pki) = Pki::make() else { return };
    let signer = Pkcs12Signer::open(&pki.officer_p12, "mat-khau").unwrap();
    let original = document();
    let signed = sign_pdf(&original, &signer, &options("Lê Văn Minh")).unwrap();
    // An incremental update: the original bytes are kept as they were.
    assert!(signed.starts_with(&original));

    let reports = verify_pdf(&signed).unwrap();
    assert_eq!(reports.len(), 1);
    let r = &reports[0];
    assert!(r.intact, "{r:?}");
    assert!(r.covers_whole_file);
    assert_eq!(r.signer, "Lê Văn Minh");
    assert_eq!(r.issuer, "Motcua Test CA");
    assert_eq!(r.reason, "Phê duyệt kết quả giải quyết hồ sơ");
    assert!(verify_pdf(&original).unwrap().is_empty(), "unsigned");

    // The organisation signs after the approver (ECDSA P-256): both signatures stand, the
    // first now covering only its own revision.
    let org = Pkcs12Signer::open(&pki.org_p12, "mat-khau").unwrap();
    let twice = sign_pdf(&signed, &org, &options("UBND xã Bảo Thắng")).unwrap();
    let reports = verify_pdf(&twice).unwrap();
    assert_eq!(reports.len(), 2);
    assert!(reports.iter().all(|r| r.intact), "{reports:?}");
    assert!(!reports[0].covers_whole_file && reports[1].covers_whole_file);
    assert_eq!(reports[1].signer, "UBND xã Bảo Thắng");

    // One byte changed inside the signed range: reported as modified.
    let mut tampered = signed.clone();
    let at = original.len() / 2;
    tampered[at] ^= 0x01;
    let r = &verify_pdf(&tampered).unwrap()[0];
    assert!(!r.intact);
    assert!(r.problem.as_deref().unwrap().contains("thay đổi"), "{r:?}");

    if let Some(out) = pdfsig(&twice) {
        assert_eq!(out.matches("Signature is Valid").count(), 2, "{out}");
        assert!(out.contains("Lê Văn Minh"), "{out}");
        assert!(out.contains("ETSI.CAdES.detached"), "{out}");
    }
    if let Some(out) = pdfsig(&tampered) {
        assert!(out.contains("Digest Mismatch"), "{out}");
    }
    if let Some(out) = pyhanko(&twice, &pki.ca_pem) {
        // One line per signature: both intact, valid and trusted to the test CA.
        let lines: Vec<&str> = out.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert!(
            lines.iter().all(|l| l.contains("INTACT VALID TRUSTED")),
            "{out}"
        );
    }
    if let Some(out) = pyhanko(&tampered, &pki.ca_pem) {
        assert!(out.contains("MODIFIED") || out.contains("INVALID"), "{out}");
    }

    // A wrong password is named, not a crash.
    let e = Pkcs12Signer::open(&pki.officer_p12, "sai").err().unwrap();
    assert!(e.to_string().contains("sai mật khẩu"), "{e}");
}

#[test]
fn a_pkcs11_token_signs_without_the_key_leaving_it() {
    // SoftHSM2 reads its configuration from SOFTHSM2_CONF when the module loads; the signing
    // runs in a child process that has it set.
    if std::env::var("KYSO_TOKEN_CHILD").is_ok() {
        return token_child();
    }
    let Some(pki) = Pki::make() else { return };
    let Some(token) = pki.softhsm_token() else {
        return;
    };
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "a_pkcs11_token_signs_without_the_key_leaving_it",
            "--exact",
            "--nocapture",
        ])
        .env("KYSO_TOKEN_CHILD", &pki.dir)
        .env("SOFTHSM2_CONF", &token)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("TOKEN-SIGNED"), "{text}");
    let signed = std::fs::read(pki.dir.join("token-signed.pdf")).unwrap();
    let r = &verify_pdf(&signed).unwrap()[0];
    assert!(r.intact && r.covers_whole_file, "{r:?}");
    assert_eq!(r.signer, "Lê Văn Minh");
    if let Some(out) = pdfsig(&signed) {
        assert!(out.contains("Signature is Valid"), "{out}");
    }
    if let Some(out) = pyhanko(&signed, &pki.ca_pem) {
        assert!(out.contains("INTACT VALID TRUSTED ENTIRE_FILE"), "{out}");
    }
}

fn token_child() {
    let dir = std::path::PathBuf::from(std::env::var("KYSO_TOKEN_CHILD").unwrap());
    tools::store_certificate_on_token(&dir);
    let ca = std::fs::read(dir.join("ca.der")).unwrap();
    let signer = Pkcs11Signer::open(tools::SOFTHSM, "motcua-test", "1234", "ky-so", &[ca]).unwrap();
    let signed = sign_pdf(&document(), &signer, &options("Lê Văn Minh")).unwrap();
    std::fs::write(dir.join("token-signed.pdf"), signed).unwrap();
    // A wrong PIN is refused with a message that says so.
    let e = Pkcs11Signer::open(tools::SOFTHSM, "motcua-test", "0000", "ky-so", &[])
        .err()
        .unwrap();
    assert!(e.to_string().contains("mã PIN"), "{e}");
    println!("TOKEN-SIGNED");
}

#[test]
fn a_time_stamp_from_a_tsa_makes_the_signature_b_t() {
    let Some(pki) = Pki::make() else { return };
    let url = pki.tsa_server();
    let org = Pkcs12Signer::open(&pki.org_p12, "mat-khau").unwrap();
    let original = document();
    let tsa = HttpTimestamper::new(&url, std::time::Duration::from_secs(10)).unwrap();
    let signed = sign_pdf_with(
        &original,
        &org,
        &options("UBND xã Bảo Thắng"),
        &kyso::Services {
            tsa: Some(&tsa),
            revocation: None,
        },
    )
    .unwrap();
    let when = signed.timestamp.unwrap().expect("stamped");
    assert!(when.starts_with("20"), "{when}");
    let r = &verify_pdf(&signed.pdf).unwrap()[0];
    assert!(r.intact && r.covers_whole_file, "{r:?}");
    let ts = r.timestamp.as_deref().expect("a time-stamp is reported");
    assert!(ts.ends_with("UTC") && ts.starts_with(&when[..4]), "{ts}");
    if let Some(out) = pdfsig(&signed.pdf) {
        assert!(out.contains("Signature is Valid"), "{out}");
    }
    if let Some(out) = pyhanko(&signed.pdf, &pki.ca_pem) {
        assert!(
            out.contains("INTACT VALID TRUSTED ENTIRE_FILE TS-VALID-TRUSTED"),
            "{out}"
        );
    }

    // A changed digit in the token's time (hex inside /Contents) is caught.
    let mut forged = signed.pdf.clone();
    let lower = hex::encode(when.as_bytes());
    let i = [lower.clone(), lower.to_uppercase()]
        .iter()
        .find_map(|h| forged.windows(h.len()).position(|w| w == h.as_bytes()))
        .expect("the time is in the token");
    // The low hex digit of the year's first character ('2' = 0x32): now '3'.
    forged[i + 1] = b'3';
    let r = &verify_pdf(&forged).unwrap()[0];
    assert!(!r.intact && r.timestamp.is_none(), "{r:?}");
    assert!(
        r.problem.as_deref().unwrap().contains("Dấu thời gian"),
        "{r:?}"
    );

    // A TSA that cannot be reached: the signature is made all the same (B-B), saying why.
    let dead =
        HttpTimestamper::new("http://127.0.0.1:9/", std::time::Duration::from_secs(2)).unwrap();
    let plain = sign_pdf_with(
        &original,
        &org,
        &options("UBND xã Bảo Thắng"),
        &kyso::Services {
            tsa: Some(&dead),
            revocation: None,
        },
    )
    .unwrap();
    let why = plain.timestamp.unwrap_err().to_string();
    assert!(why.contains("không kết nối được"), "{why}");
    let r = &verify_pdf(&plain.pdf).unwrap()[0];
    assert!(r.intact && r.timestamp.is_none(), "{r:?}");
    if let Some(out) = pyhanko(&plain.pdf, &pki.ca_pem) {
        assert!(out.contains("NO-TS"), "{out}");
    }
}

#[test]
fn a_signers_chain_is_followed_to_a_configured_root_through_an_intermediate_ca() {
    let Some(pki) = Pki::make() else { return };
    // Root → "CA cấp 2" (an intermediate, as a public CA issues under the national root) →
    // the organisation; its PKCS#12 file carries the intermediate, not the root.
    let ca = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n";
    let leaf = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n";
    pki.issue("sub", "/CN=Motcua Sub CA/O=Motcua", "ca", ca, &[]);
    pki.issue(
        "unit",
        "/CN=UBND phường Cam Đường/O=UBND phường Cam Đường",
        "sub",
        leaf,
        &["sub.pem"],
    );
    let roots = kyso::read_certificates(&pki.read("ca.pem")).unwrap();
    assert_eq!(roots.len(), 1);
    let signer = Pkcs12Signer::open(&pki.read("unit.p12"), "mat-khau").unwrap();
    // Signed now, while the certificates just made are in force.
    let mut now = options("UBND phường Cam Đường");
    now.when = pdf_now();
    let signed = sign_pdf(&document(), &signer, &now).unwrap();

    let r = &verify_pdf_trusted(&signed, &roots).unwrap()[0];
    assert!(r.intact, "{r:?}");
    assert_eq!(
        r.trust,
        Trust::Trusted {
            root: "Motcua Test CA".into()
        }
    );
    assert_eq!(verify_pdf(&signed).unwrap()[0].trust, Trust::NotChecked);

    // Another root: the chain ends at a CA nobody configured.
    pki.openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "other.key",
        "-out",
        "other.pem",
        "-days",
        "30",
        "-subj",
        "/CN=Other Root",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
    ]);
    let other = kyso::read_certificates(&pki.read("other.pem")).unwrap();
    match &verify_pdf_trusted(&signed, &other).unwrap()[0].trust {
        Trust::Untrusted { why } => assert!(why.contains("Motcua Test CA"), "{why}"),
        t => panic!("{t:?}"),
    }

    // Signed (as the signature claims) long after the certificate ended.
    let mut late = options("UBND phường Cam Đường");
    late.when = kyso::pdf_date(2040, 1, 2, 9, 0, 0);
    let signed_late = sign_pdf(&document(), &signer, &late).unwrap();
    match &verify_pdf_trusted(&signed_late, &roots).unwrap()[0].trust {
        Trust::Untrusted { why } => assert!(why.contains("không có hiệu lực"), "{why}"),
        t => panic!("{t:?}"),
    }

    // A certificate "issued" by an officer's own (non-CA) certificate is not trusted, even
    // when that officer chains to the root.
    pki.issue("forged", "/CN=Giả mạo", "officer", leaf, &[]);
    let forged = kyso::read_certificates(&pki.read("forged.pem")).unwrap();
    let officer = kyso::read_certificates(&pki.read("officer.pem")).unwrap();
    match kyso::check_chain(&forged[0], &officer, &roots, None) {
        Trust::Untrusted { why } => assert!(why.contains("không phải chứng thư"), "{why}"),
        t => panic!("{t:?}"),
    }
    // A root read from DER works as from PEM.
    let der_roots =
        kyso::read_certificates(&std::fs::read(pki.dir.join("ca.der")).unwrap()).unwrap();
    assert!(matches!(
        kyso::check_chain(&officer[0], &[], &der_roots, None),
        Trust::Trusted { .. }
    ));
}

/// The current time as a PDF date (UTC).
fn pdf_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    kyso::pdf_date_utc(secs)
}

#[test]
fn the_chains_revocation_list_is_fetched_checked_and_carried_and_a_revoked_certificate_signs_nothing()
 {
    let Some(pki) = Pki::make() else { return };
    let url = pki.crl_server();
    let leaf = format!(
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\ncrlDistributionPoints=URI:{url}\n"
    );
    pki.issue(
        "ward",
        "/CN=UBND phường Lào Cai/O=UBND phường Lào Cai",
        "ca",
        &leaf,
        &["ca.pem"],
    );
    let signer = Pkcs12Signer::open(&pki.read("ward.p12"), "mat-khau").unwrap();
    assert_eq!(
        kyso::Signer::chain(&signer)[0].crl_urls,
        std::slice::from_ref(&url)
    );
    let source = kyso::HttpRevocation {
        timeout: std::time::Duration::from_secs(5),
    };
    let services = kyso::Services {
        tsa: None,
        revocation: Some(&source),
    };
    let mut now = options("UBND phường Lào Cai");
    now.when = pdf_now();
    let signed = sign_pdf_with(&document(), &signer, &now, &services).unwrap();
    assert_eq!(signed.revocation.crls.len(), 1);
    assert!(
        signed.revocation.missing.is_empty(),
        "{:?}",
        signed.revocation
    );
    let roots = kyso::read_certificates(&pki.read("ca.pem")).unwrap();
    let r = &verify_pdf_trusted(&signed.pdf, &roots).unwrap()[0];
    assert!(r.intact && r.covers_whole_file, "{r:?}");
    assert!(matches!(r.trust, Trust::Trusted { .. }), "{r:?}");
    let note = r.revocation.as_deref().unwrap_or_default();
    assert!(
        note.contains("Motcua Test CA") && note.contains("chưa bị thu hồi"),
        "{note}"
    );
    if let Some(out) = pdfsig(&signed.pdf) {
        assert!(out.contains("Signature is Valid"), "{out}");
    }
    if let Some(out) = pyhanko(&signed.pdf, &pki.ca_pem) {
        assert!(out.contains("INTACT VALID TRUSTED"), "{out}");
    }

    // Without the source nothing is fetched or carried.
    let plain = sign_pdf(&document(), &signer, &now).unwrap();
    assert_eq!(verify_pdf(&plain).unwrap()[0].revocation, None);

    // The CA revokes the certificate: the next signature is refused, nothing is made.
    pki.openssl(&["ca", "-config", "ca.cnf", "-revoke", "ward.pem"]);
    pki.publish_crl();
    let e = sign_pdf_with(&document(), &signer, &now, &services).unwrap_err();
    assert!(matches!(e, kyso::Error::Revoked(_)), "{e}");
    assert!(e.to_string().contains("UBND phường Lào Cai"), "{e}");

    // A distribution point that does not answer costs only the list.
    pki.issue(
        "far",
        "/CN=UBND xã Xa",
        "ca",
        "basicConstraints=CA:FALSE\ncrlDistributionPoints=URI:http://127.0.0.1:9/ca.crl\n",
        &["ca.pem"],
    );
    let far = Pkcs12Signer::open(&pki.read("far.p12"), "mat-khau").unwrap();
    let signed = sign_pdf_with(&document(), &far, &now, &services).unwrap();
    assert!(signed.revocation.crls.is_empty());
    assert_eq!(
        signed.revocation.missing.len(),
        1,
        "{:?}",
        signed.revocation
    );
    assert!(verify_pdf(&signed.pdf).unwrap()[0].intact);
}

#[test]
fn an_ocsp_answer_is_preferred_carried_and_read_back_and_a_revoked_answer_signs_nothing() {
    let Some(pki) = Pki::make() else { return };
    let crl = pki.crl_server();
    let port = tools::free_port();
    pki.issue(
        "town",
        "/CN=UBND xã Gia Phú/O=UBND xã Gia Phú",
        "ca",
        &format!(
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nauthorityInfoAccess=OCSP;URI:http://127.0.0.1:{port}/\ncrlDistributionPoints=URI:{crl}\n"
        ),
        &["ca.pem"],
    );
    pki.openssl(&["ca", "-config", "ca.cnf", "-valid", "town.pem"]);
    let signer = Pkcs12Signer::open(&pki.read("town.p12"), "mat-khau").unwrap();
    let source = kyso::HttpRevocation {
        timeout: std::time::Duration::from_secs(5),
    };
    let services = kyso::Services {
        tsa: None,
        revocation: Some(&source),
    };
    let mut now = options("UBND xã Gia Phú");
    now.when = pdf_now();
    {
        let _responder = pki.ocsp_responder(port);
        let signed = sign_pdf_with(&document(), &signer, &now, &services).unwrap();
        assert_eq!(signed.revocation.ocsps.len(), 1, "{:?}", signed.revocation);
        assert!(signed.revocation.crls.is_empty(), "OCSP first");
        let r = &verify_pdf(&signed.pdf).unwrap()[0];
        assert!(r.intact && r.covers_whole_file, "{r:?}");
        let note = r.revocation.as_deref().unwrap_or_default();
        assert!(
            note.contains("Trả lời OCSP") && note.contains("còn hiệu lực"),
            "{note}"
        );
        if let Some(out) = pdfsig(&signed.pdf) {
            assert!(out.contains("Signature is Valid"), "{out}");
        }
        if let Some(out) = pyhanko(&signed.pdf, &pki.ca_pem) {
            assert!(out.contains("INTACT VALID TRUSTED"), "{out}");
        }
    }
    // Revoked in the CA's database: the responder says so and nothing is signed.
    pki.openssl(&["ca", "-config", "ca.cnf", "-revoke", "town.pem"]);
    let _responder = pki.ocsp_responder(port);
    let e = sign_pdf_with(&document(), &signer, &now, &services).unwrap_err();
    assert!(matches!(e, kyso::Error::Revoked(_)), "{e}");
}

/// A red ring on a transparent ground: a seal as the tests draw it.
fn seal() -> Vec<u8> {
    png(120, 120, |x, y| {
        let (dx, dy) = (x as f32 - 59.5, y as f32 - 59.5);
        let r = (dx * dx + dy * dy).sqrt();
        if (44.0..58.0).contains(&r) || r < 8.0 {
            [210, 20, 20, 255]
        } else {
            [0, 0, 0, 0]
        }
    })
}

fn text_appearance(w: f32, h: f32, lines: &[&str], rgb: [u8; 3]) -> Vec<u8> {
    let marks: Vec<giayto::Mark> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| giayto::Mark::Text {
            text: l.to_string(),
            x: 2.0,
            y: 12.0 + 12.0 * i as f32,
            size: 10.0,
            bold: i == 0,
            italic: false,
            rgb,
        })
        .collect();
    giayto::appearance(w, h, &marks).unwrap()
}

#[test]
fn the_approver_signs_visibly_then_the_clerk_adds_the_number_and_the_seal_and_both_stand() {
    let Some(pki) = Pki::make() else { return };
    // The approver's signature, seen where the signer signs on paper.
    let approver = Pkcs12Signer::open(&pki.officer_p12, "mat-khau").unwrap();
    let original = document();
    let signed = sign_pdf(
        &original,
        &approver,
        &SignOptions {
            visible: Some(kyso::Visible {
                page: 0,
                rect: [330.0, 300.0, 530.0, 350.0],
                appearance: text_appearance(
                    200.0,
                    50.0,
                    &["Đã ký số", "Lê Văn Minh"],
                    [20, 40, 160],
                ),
            }),
            blanks: vec![kyso::Blank {
                name: "so".into(),
                page: 0,
                rect: [90.0, 700.0, 230.0, 716.0],
                size: 12.0,
                bold: true,
                italic: false,
            }],
            ..options("Lê Văn Minh")
        },
    )
    .unwrap();
    assert!(signed.starts_with(&original));

    // The blank and the approver's widget are found again, where they were put.
    let fields = kyso::form_fields(&signed).unwrap();
    assert_eq!(fields.len(), 2, "{fields:?}");
    let blank = fields.iter().find(|f| f.name == "so").unwrap();
    assert!(
        !blank.signature && blank.bold && !blank.italic && blank.size == 12.0,
        "{blank:?}"
    );
    assert_eq!(blank.rect, [90.0, 700.0, 230.0, 716.0]);
    assert!(
        fields
            .iter()
            .any(|f| f.signature && f.rect == [330.0, 300.0, 530.0, 350.0])
    );

    // The clerk fills in the number and adds the organisation's signature with the seal over
    // the left third of the approver's.
    let org = Pkcs12Signer::open(&pki.org_p12, "mat-khau").unwrap();
    let seal = giayto::appearance(
        100.0,
        100.0,
        &[giayto::Mark::Picture {
            png: &seal(),
            at: [0.0, 0.0, 100.0, 100.0],
        }],
    )
    .unwrap();
    let twice = sign_pdf(
        &signed,
        &org,
        &SignOptions {
            visible: Some(kyso::Visible {
                page: 0,
                rect: [290.0, 275.0, 390.0, 375.0],
                appearance: seal,
            }),
            fills: vec![kyso::Filled {
                name: "so".into(),
                value: "125/QĐ-UBND".into(),
                appearance: text_appearance(140.0, 16.0, &["125/QĐ-UBND"], [0, 0, 0]),
            }],
            ..options("UBND xã Bảo Thắng")
        },
    )
    .unwrap();
    // Kept for a look (pdftoppm): target/tmp/approved-and-issued.pdf.
    std::fs::write(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("approved-and-issued.pdf"),
        &twice,
    )
    .unwrap();
    let reports = verify_pdf(&twice).unwrap();
    assert_eq!(reports.len(), 2);
    assert!(reports.iter().all(|r| r.intact), "{reports:?}");

    // The number and the signatures are on the page for whoever reads it.
    if let Some(text) = tools::pdftotext(&twice) {
        assert!(text.contains("125/QĐ-UBND"), "{text}");
        assert!(text.contains("Lê Văn Minh"), "{text}");
    }
    if let Some(out) = pdfsig(&twice) {
        assert_eq!(out.matches("Signature is Valid").count(), 2, "{out}");
    }
    if let Some(out) = pyhanko(&twice, &pki.ca_pem) {
        let lines: Vec<&str> = out.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert!(
            lines.iter().all(|l| l.contains("INTACT VALID TRUSTED")),
            "{out}"
        );
        // What came after the approver's signature is form filling and a signature: allowed.
        assert!(lines.iter().all(|l| l.contains("DOCMDP-OK")), "{out}");
    }
}

/// A receipt-like document with Vietnamese text and characters XML must escape.
fn receipt_xml() -> kyso::xml::Element {
    use kyso::xml::Element;
    Element::new("BienLai")
        .attribute("phienBan", "1")
        .child(Element::leaf("KHMSBLai", "01BLP0-001"))
        .child(Element::leaf("SBLai", "1"))
        .child(Element::leaf("TenNguoiNop", "Nguyễn Văn Đức & con <trai>"))
        .child(Element::leaf("SoTienBangChu", "Năm nghìn đồng"))
}

#[test]
fn an_xml_signature_with_an_rsa_or_an_ec_key_verifies_with_xmlsec1_and_a_changed_byte_is_caught() {
    let Some(pki) = Pki::make() else { return };
    for p12 in [&pki.officer_p12, &pki.org_p12] {
        let signer = Pkcs12Signer::open(p12, "mat-khau").unwrap();
        let signed = kyso::xml::sign_xml(&receipt_xml(), &signer).unwrap();
        let text = String::from_utf8(signed.clone()).unwrap();
        assert!(
            text.contains("Nguyễn Văn Đức &amp; con &lt;trai&gt;"),
            "{text}"
        );
        assert!(text.ends_with("</Signature></BienLai>"), "{text}");
        let Some((ok, said)) = tools::xmlsec_verify(&pki, &signed) else {
            return;
        };
        assert!(ok, "xmlsec1 refused a good signature: {said}\n{text}");
        let tampered = text.replace("Năm nghìn đồng", "Năm triệu đồng");
        let (ok, said) = tools::xmlsec_verify(&pki, tampered.as_bytes()).unwrap();
        assert!(!ok, "xmlsec1 accepted a changed amount: {said}");
    }
}

/// An RS256 token as a provider signs it (openssl, the CA's RSA-2048 key), checked with the key
/// as a JWKS publishes it (modulus and exponent): it verifies, and a changed one does not.
#[test]
fn an_rs256_signature_checks_against_the_published_modulus_and_exponent() {
    let Some(pki) = Pki::make() else {
        return;
    };
    let input = "eyJhbGciOiJSUzI1NiJ9.eyJzb19kaW5oX2RhbmgiOiIwMTAxOTAwMTIzNDUifQ";
    std::fs::write(pki.dir.join("jws-input"), input).unwrap();
    pki.openssl(&[
        "dgst",
        "-sha256",
        "-sign",
        "ca.key",
        "-out",
        "jws-sig",
        "jws-input",
    ]);
    let signature = pki.read("jws-sig");
    let out = std::process::Command::new("openssl")
        .current_dir(&pki.dir)
        .args(["rsa", "-in", "ca.key", "-noout", "-modulus"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let n = hex::decode(text.trim().strip_prefix("Modulus=").unwrap()).unwrap();
    let key = kyso::jws::Jwk::from_json(
        &kyso::jws::Jwk::Rsa {
            n,
            e: vec![1, 0, 1],
        }
        .to_json("k1"),
    )
    .unwrap();
    kyso::jws::verify("RS256", &key, input.as_bytes(), &signature).unwrap();
    let mut changed = input.as_bytes().to_vec();
    changed[3] ^= 1;
    assert!(kyso::jws::verify("RS256", &key, &changed, &signature).is_err());
    assert!(kyso::jws::verify("ES256", &key, input.as_bytes(), &signature).is_err());
}
