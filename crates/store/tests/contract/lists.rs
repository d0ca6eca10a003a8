//! Lists: every order, filter and reader's visibility gives what a plain sort of the stored
//! dossiers gives, page after page; the search; the branches of a reorganised tree.

use chrono::NaiveDate;
use domain::dossier::*;
use domain::ids::DossierCode;
use store::{Db, DossierFilter, DossierRow, Order, Visibility};
use testsupport::kit::*;

use super::*;

/// 47 dossiers at two communes: returned, open, waiting for a supplement, stopped, online ones
/// waiting to be checked, some moved to another unit, some on which a department of the
/// province was consulted. Returns their states.
async fn a_month_of_dossiers(db: &Db) -> Vec<Dossier> {
    let tree = tree();
    let cal = calendar();
    let start = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let mut sims = Vec::new();
    for i in 0..40u32 {
        let commune = if i % 4 == 0 { "sa-pa" } else { "bao-thang" };
        let day = cal.add_working_days(start, i % 8).unwrap();
        let ending = match i % 5 {
            0 => Ending::After(2),
            1 | 4 => Ending::Open,
            2 => Ending::WaitingSupplement,
            _ => Ending::Withdrawn,
        };
        let code = format!("000.22.22.H38-261201-{:04}", i + 1);
        sims.push(drive_coded(&tree, commune, day, ending, &code));
    }
    for i in 0..4u32 {
        let mut sim = Sim::new();
        sim.tree = tree.clone();
        let mut new = online_dossier(procedure(), &["to-khai", "giay-to"]);
        new.code = DossierCode::parse(&format!("000.22.22.H38-261202-{:04}", i + 1)).unwrap();
        sim.ok(
            &format!("2026-12-0{} 20:00", 2 + i),
            &citizen(),
            Command::SubmitOnline { new },
        );
        sims.push(sim);
    }
    // Three on which Bảo Thắng asked the province's Department of Justice for its opinion.
    for i in 0..3u32 {
        let mut sim = with_code(&format!("000.22.22.H38-261203-{:04}", i + 1));
        transfer_and_assign(&mut sim).ok(
            "2026-12-08 09:00",
            &specialist(),
            Command::RequestConsultation {
                unit: id("lao-cai.so-tu-phap"),
                content: "Đề nghị cho ý kiến về quốc tịch của người được khai sinh".into(),
                limit: "2 ngày làm việc".parse().unwrap(),
            },
        );
        sims.push(sim);
    }
    db.write_dossiers(
        sims.iter().map(|s| change(s, 0)).collect(),
        t("2026-12-15 00:00"),
    )
    .await
    .unwrap();
    sims.into_iter().map(|s| s.dossier.unwrap()).collect()
}

/// Who reads: everyone, Bảo Thắng's officers, one unit of Bảo Thắng, both communes' leaders, a
/// department that holds none.
fn readers() -> Vec<(&'static str, Visibility)> {
    let tree = tree();
    let under = |roots: &[&str]| -> Visibility {
        let agencies = tree
            .all()
            .filter(|a| roots.iter().any(|r| tree.is_within(&a.id, &id(r))))
            .map(|a| a.id.to_string())
            .collect();
        let branches = roots
            .iter()
            .map(|r| tree.branch_of(&id(r)).to_string())
            .collect();
        Visibility::Within { agencies, branches }
    };
    vec![
        ("tỉnh", Visibility::All),
        ("Bảo Thắng", under(&["lao-cai.bao-thang"])),
        ("phòng VHXH", under(&["lao-cai.bao-thang.vhxh"])),
        ("hai xã", under(&["lao-cai.bao-thang", "lao-cai.sa-pa"])),
        ("Sở Tư pháp", under(&["lao-cai.so-tu-phap"])),
        (
            "Bảo Thắng và Sở Tư pháp",
            under(&["lao-cai.bao-thang", "lao-cai.so-tu-phap"]),
        ),
        ("không ai", Visibility::default()),
    ]
}

fn sees(v: &Visibility, d: &Dossier) -> bool {
    match v {
        Visibility::All => true,
        Visibility::Within { agencies, .. } => domain::policy::read_agencies(d)
            .iter()
            .any(|a| agencies.contains(&a.to_string())),
    }
}

fn status(d: &Dossier) -> u8 {
    d.stage.national_status().code()
}

/// The dossiers a filter selects, in its order, by a plain sort.
fn expected(all: &[Dossier], f: &DossierFilter) -> Vec<uuid::Uuid> {
    let mut chosen: Vec<&Dossier> = all
        .iter()
        .filter(|d| sees(&f.visible, d))
        .filter(|d| f.national_status.is_empty() || f.national_status.contains(&status(d)))
        .filter(|d| !f.open_only || matches!(status(d), 1 | 2 | 4 | 5 | 6 | 7))
        .filter(|d| f.order != Order::ReceivedFirst || d.received_at.is_some())
        .filter(|d| {
            f.receiving
                .as_ref()
                .is_none_or(|r| d.receiving.as_str() == r)
        })
        .collect();
    match f.order {
        Order::DueFirst => chosen.sort_by_key(|d| (store::due_sort(d), d.id.0)),
        Order::LatestFirst => chosen.sort_by_key(|d| std::cmp::Reverse(d.id.0)),
        Order::ReceivedFirst => chosen.sort_by_key(|d| (d.received_at, d.id.0)),
    }
    chosen.iter().map(|d| d.id.0).collect()
}

fn ids(rows: &[DossierRow]) -> Vec<uuid::Uuid> {
    rows.iter().map(|r| r.id).collect()
}

pub async fn every_page_continues_where_the_last_ended(db: &Db) {
    let all = a_month_of_dossiers(db).await;
    let filters: Vec<(&str, DossierFilter)> = vec![
        ("mọi hồ sơ", DossierFilter::default()),
        (
            "đang xử lý",
            DossierFilter {
                national_status: vec![4],
                ..Default::default()
            },
        ),
        (
            "hai trạng thái",
            DossierFilter {
                national_status: vec![1, 5],
                ..Default::default()
            },
        ),
        (
            "chưa xong",
            DossierFilter {
                open_only: true,
                ..Default::default()
            },
        ),
        (
            "tại quầy Bảo Thắng",
            DossierFilter {
                receiving: Some("lao-cai.bao-thang.mot-cua".into()),
                ..Default::default()
            },
        ),
        (
            "quầy Bảo Thắng, đang xử lý",
            DossierFilter {
                receiving: Some("lao-cai.bao-thang.mot-cua".into()),
                national_status: vec![4],
                ..Default::default()
            },
        ),
        (
            // Walked status by status and merged.
            "quầy Bảo Thắng, ba trạng thái",
            DossierFilter {
                receiving: Some("lao-cai.bao-thang.mot-cua".into()),
                national_status: vec![2, 4, 5],
                ..Default::default()
            },
        ),
    ];
    let mut pages_read = 0;
    for (who, visible) in readers() {
        for (what, filter) in &filters {
            for order in [Order::DueFirst, Order::LatestFirst, Order::ReceivedFirst] {
                let f = DossierFilter {
                    visible: visible.clone(),
                    order,
                    ..filter.clone()
                };
                let want = expected(&all, &f);
                let label = format!("{who} / {what} / {order:?}");
                // One page holding everything.
                let whole = db
                    .list_dossiers(&DossierFilter {
                        limit: 500,
                        ..f.clone()
                    })
                    .await
                    .unwrap();
                assert_eq!(ids(&whole.rows), want, "{label}");
                assert_eq!(
                    (whole.total, whole.total_exact),
                    (want.len() as i64, true),
                    "{label}"
                );
                assert!(whole.next.is_none(), "{label}");
                assert_eq!(
                    db.count_dossiers(&f).await.unwrap(),
                    want.len() as i64,
                    "{label}"
                );
                // Pages of 7, each after the cursor of the one before.
                let mut got = Vec::new();
                let mut after = None;
                loop {
                    let page = db
                        .list_dossiers(&DossierFilter {
                            limit: 7,
                            after,
                            ..f.clone()
                        })
                        .await
                        .unwrap();
                    pages_read += 1;
                    assert!(page.rows.len() <= 7, "{label}");
                    assert_eq!(page.total, want.len() as i64, "{label}");
                    got.extend(ids(&page.rows));
                    match page.next {
                        Some(c) => {
                            assert_eq!(page.rows.len(), 7, "{label}: a short page with a next");
                            assert_eq!(c.order, order);
                            // The cursor survives a round trip through a URL.
                            after = Some(store::Cursor::parse(&c.encode()).unwrap());
                        }
                        None => break,
                    }
                }
                assert_eq!(got, want, "{label}: pages");
            }
        }
    }
    assert!(pages_read > 250, "{pages_read}");
    // The lists that matter are not empty: a test of empty lists proves nothing. A consulted
    // department finds the dossiers it was asked about; a reader of both branches finds those
    // once.
    let count = |reader: usize| {
        expected(
            &all,
            &DossierFilter {
                visible: readers()[reader].1.clone(),
                ..Default::default()
            },
        )
        .len()
    };
    assert_eq!((count(1), count(4), count(5)), (37, 3, 37));
}

pub async fn lists_filter_and_respect_visibility(db: &Db) {
    let mut a = with_code(&code(1));
    transfer_and_assign(&mut a);
    save(db, &a).await.unwrap();
    save(db, &with_code(&code(2))).await.unwrap();
    let all = |f: DossierFilter| async move {
        let page = db
            .list_dossiers(&DossierFilter {
                limit: 50,
                visible: Visibility::All,
                ..f
            })
            .await
            .unwrap();
        page.rows.iter().map(|r| r.code.clone()).collect::<Vec<_>>()
    };
    assert_eq!(all(DossierFilter::default()).await.len(), 2);
    let in_unit = all(DossierFilter {
        national_status: vec![4],
        ..Default::default()
    })
    .await;
    assert_eq!(in_unit, [code(1)]);
    let specialist_id = specialist().officer().unwrap().id.to_string();
    assert_eq!(
        all(DossierFilter {
            assignee: Some(specialist_id),
            ..Default::default()
        })
        .await,
        [code(1)]
    );
    assert_eq!(
        all(DossierFilter {
            current_unit: Some("lao-cai.bao-thang.vhxh".into()),
            ..Default::default()
        })
        .await,
        [code(1)]
    );
    assert_eq!(
        all(DossierFilter {
            procedure_code: Some("1.004884".into()),
            competent: Some("lao-cai.bao-thang".into()),
            ..Default::default()
        })
        .await
        .len(),
        2
    );
    assert_eq!(
        all(DossierFilter {
            applicant_id: Some("010090012345".into()),
            ..Default::default()
        })
        .await
        .len(),
        2
    );
    assert!(
        all(DossierFilter {
            applicant_id: Some("001099000001".into()),
            ..Default::default()
        })
        .await
        .is_empty()
    );
    // Both are due on 14/12 at 09:00.
    let window = |from: &str, to: &str| DossierFilter {
        due_from: Some(t(from)),
        due_to: Some(t(to)),
        ..Default::default()
    };
    assert_eq!(
        all(window("2026-12-14 00:00", "2026-12-15 00:00"))
            .await
            .len(),
        2
    );
    assert!(
        all(window("2026-12-15 00:00", "2026-12-16 00:00"))
            .await
            .is_empty()
    );
    assert_eq!(
        all(DossierFilter {
            received_from: Some(t("2026-12-07 00:00")),
            received_to: Some(t("2026-12-08 00:00")),
            ..Default::default()
        })
        .await
        .len(),
        2
    );
    // A reader who may see nothing lists nothing; a unit sees what it holds.
    let page = db
        .list_dossiers(&DossierFilter {
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((page.rows.len(), page.total), (0, 0));
    let vhxh = readers()[2].1.clone();
    let page = db
        .list_dossiers(&DossierFilter {
            limit: 50,
            visible: vhxh,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        page.rows.iter().map(|r| r.code.clone()).collect::<Vec<_>>(),
        [code(1)]
    );
    let row = &page.rows[0];
    assert_eq!(row.current_unit.as_deref(), Some("lao-cai.bao-thang.vhxh"));
    assert_eq!(row.applicant_name, "Lù Văn Páo");
    assert_eq!(row.procedure_name, "Đăng ký lại khai sinh");
}

pub async fn a_search_reads_newest_first_and_stops_counting_at_the_cap(db: &Db) {
    let many = store::SEARCH_COUNT_LIMIT as u32 + 2;
    db.write_dossiers(
        (1..=many)
            .map(|n| change(&with_code(&code(n)), 0))
            .collect(),
        t("2026-12-15 00:00"),
    )
    .await
    .unwrap();
    let search = |text: &str| DossierFilter {
        visible: Visibility::All,
        search: Some(text.to_string()),
        order: Order::LatestFirst,
        limit: 3,
        ..DossierFilter::default()
    };
    let codes =
        |rows: &[DossierRow]| -> Vec<String> { rows.iter().map(|r| r.code.clone()).collect() };
    let page = db.list_dossiers(&search("\"pao\"")).await.unwrap();
    assert_eq!(
        codes(&page.rows),
        [code(many), code(many - 1), code(many - 2)]
    );
    assert_eq!(
        (page.total, page.total_exact),
        (store::SEARCH_COUNT_LIMIT, false),
        "more than the cap: the count says so rather than counting on"
    );
    // The next page continues after the cursor.
    let next = db
        .list_dossiers(&DossierFilter {
            after: page.next,
            ..search("\"pao\"")
        })
        .await
        .unwrap();
    assert_eq!(
        codes(&next.rows),
        [code(many - 3), code(many - 4), code(many - 5)]
    );
    // A narrow search is counted exactly; a search sees only what the reader may see.
    let page = db.list_dossiers(&search("\"0007\"")).await.unwrap();
    assert_eq!((page.total, page.total_exact), (1, true));
    assert_eq!(codes(&page.rows), [code(7)]);
    let nobody = db
        .list_dossiers(&DossierFilter {
            visible: Visibility::default(),
            ..search("\"0007\"")
        })
        .await
        .unwrap();
    assert!(nobody.rows.is_empty());
    // Rebuilding the projections keeps each dossier in its place.
    let before = db.list_dossiers(&search("\"pao\"")).await.unwrap();
    db.rebuild_projections().await.unwrap();
    let after = db.list_dossiers(&search("\"pao\"")).await.unwrap();
    assert_eq!(codes(&before.rows), codes(&after.rows));
}

pub async fn a_reorganised_tree_moves_dossiers_between_branches(db: &Db) {
    save(db, &with_code(&code(1))).await.unwrap();
    let reader = |root: &str| {
        let tree = tree();
        DossierFilter {
            limit: 10,
            visible: Visibility::Within {
                agencies: tree
                    .all()
                    .filter(|a| tree.is_within(&a.id, &id(root)))
                    .map(|a| a.id.to_string())
                    .collect(),
                branches: vec![root.to_string()],
            },
            ..Default::default()
        }
    };
    let seen = |f: DossierFilter| async move { db.list_dossiers(&f).await.unwrap().rows.len() };
    assert_eq!(seen(reader("lao-cai.bao-thang")).await, 1);
    // The province merges Bảo Thắng into Sa Pa: Bảo Thắng's units move under Sa Pa, and Sa
    // Pa's officers see the dossiers Bảo Thắng's units hold.
    let mut moved: Vec<_> = tree().all().cloned().collect();
    for a in &mut moved {
        if a.parent.as_ref().map(|p| p.as_str()) == Some("lao-cai.bao-thang") {
            a.parent = Some(id("lao-cai.sa-pa"));
        }
    }
    db.put_agencies(&moved).await.unwrap();
    let tree = domain::agency::AgencyTree::new(moved);
    let sa_pa = DossierFilter {
        limit: 10,
        visible: Visibility::Within {
            agencies: tree
                .all()
                .filter(|a| tree.is_within(&a.id, &id("lao-cai.sa-pa")))
                .map(|a| a.id.to_string())
                .collect(),
            branches: vec!["lao-cai.sa-pa".to_string()],
        },
        ..Default::default()
    };
    assert_eq!(seen(sa_pa).await, 1);
}

pub async fn a_code_given_at_reception_is_found_by_search_at_once(db: &Db) {
    let mut new = online_dossier(procedure(), &["to-khai", "giay-to"]);
    new.code = DossierCode::parse("000.22.22.H38-261205-T000001").unwrap();
    let mut sim = Sim::new();
    sim.tree = tree();
    sim.ok(
        "2026-12-05 21:00",
        &citizen(),
        Command::SubmitOnline { new },
    );
    save(db, &sim).await.unwrap();
    let found = |words: &'static str| async move {
        db.list_dossiers(&DossierFilter {
            visible: Visibility::All,
            search: Some(words.to_string()),
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap()
        .rows
        .iter()
        .map(|r| r.code.clone())
        .collect::<Vec<_>>()
    };
    assert_eq!(found("\"t000001\"").await, ["000.22.22.H38-261205-T000001"]);
    assert!(found("\"0003\"").await.is_empty());
    // Received on Monday with its code; several changes in the same batch of writes.
    let v = sim.d().version;
    sim.issue_code("000.22.22.H38-261207-0003");
    sim.ok("2026-12-07 08:30", &counter(), Command::AcceptOnline);
    let other = with_code(&code(9));
    let (a, b) = tokio::join!(
        db.change_dossier(change(&sim, v), t("2026-12-07 08:30")),
        save(db, &other)
    );
    a.unwrap();
    b.unwrap();
    // Found by its code and still by its provisional reference; the index holds each once.
    assert_eq!(found("\"0003\"").await, ["000.22.22.H38-261207-0003"]);
    assert_eq!(found("\"t000001\"").await, ["000.22.22.H38-261207-0003"]);
    assert_eq!(found("\"pao\"").await.len(), 2);
    assert_eq!(
        db.dossier_id_by_code("000.22.22.H38-261205-T000001")
            .await
            .unwrap(),
        Some(sim.d().id)
    );
}
