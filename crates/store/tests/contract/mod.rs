//! The contract every backend keeps: each test here takes a freshly migrated database holding
//! the agencies of [`tree`], and a backend's test file runs every one of them against it (see
//! `tests/sqlite.rs`). A backend is done when all of them pass.

pub mod accounts;
pub mod dossiers;
pub mod lists;
pub mod records;

use chrono::NaiveDate;
use domain::agency::AgencyTree;
use domain::dossier::*;
use domain::ids::DossierCode;
use store::{Change, Db, Opening, StoreError};
use testsupport::kit::*;

/// The province of the tests: Bảo Thắng and a copy of it, Sa Pa.
pub fn tree() -> AgencyTree {
    agencies_with(&["sa-pa"])
}

/// What a backend's test file calls each contract test with.
pub async fn prepare(db: &Db) {
    db.migrate().await.unwrap();
    db.put_agencies(&tree().all().cloned().collect::<Vec<_>>())
        .await
        .unwrap();
}

/// Who finds a dossier in their lists.
pub fn readers(d: &Dossier) -> store::Readers {
    store::Readers::of(d, &tree())
}

/// The events of `sim` after version `from`, as a change decided on `from`.
pub fn change(sim: &Sim, from: u64) -> Change {
    Change {
        dossier: sim.d().clone(),
        expected_version: from,
        events: sim
            .events
            .iter()
            .filter(|e| e.version > from)
            .cloned()
            .collect(),
        counts: Vec::new(),
        outbox: Vec::new(),
        readers: readers(sim.d()),
    }
}

/// Stores a new dossier with every event of `sim`.
pub async fn save(db: &Db, sim: &Sim) -> Result<(), StoreError> {
    db.write_dossiers(vec![change(sim, 0)], t("2026-12-15 00:00"))
        .await
}

/// A dossier received at Bảo Thắng's counter on 7/12/2026 at 09:00 with this code.
pub fn with_code(code: &str) -> Sim {
    let mut sim = Sim::new();
    sim.tree = tree();
    let mut new = new_dossier(procedure(), &["to-khai", "giay-to"]);
    new.code = DossierCode::parse(code).unwrap();
    sim.ok(
        "2026-12-07 09:00",
        &counter(),
        Command::ReceiveAtCounter { new },
    );
    sim
}

/// Transfers `sim`'s dossier to Bảo Thắng's culture and society unit on 7/12 at 10:00.
pub fn transfer(sim: &mut Sim) -> &mut Sim {
    sim.ok(
        "2026-12-07 10:00",
        &counter(),
        Command::Transfer {
            to_unit: testsupport::kit::id("lao-cai.bao-thang.vhxh"),
        },
    )
}

/// [`transfer`], then the unit head assigns it to the specialist at 10:30.
pub fn transfer_and_assign(sim: &mut Sim) -> &mut Sim {
    transfer(sim).ok(
        "2026-12-07 10:30",
        &unit_head(),
        Command::Assign {
            officer: officer_of(&specialist()),
            reason: None,
        },
    )
}

/// The opening of `sim`'s dossier, with nothing written beside it.
pub fn opening(sim: &Sim) -> Opening {
    Opening {
        dossier: sim.d().clone(),
        events: sim.events.clone(),
        counts: Vec::new(),
        outbox: Vec::new(),
        also: None,
        submitted_by: None,
        readers: readers(sim.d()),
    }
}

/// Bảo Thắng's counter code of a number on 7/12/2026.
pub fn code(n: u32) -> String {
    format!("000.22.22.H38-261207-{n:04}")
}

pub fn message(key: &str, channel: store::Channel) -> store::NewMessage {
    store::NewMessage {
        kind: "status-change".into(),
        channel,
        recipient: "hang@example.vn".into(),
        subject: "Hồ sơ đã được tiếp nhận".into(),
        body: "Nội dung".into(),
        idempotency_key: key.into(),
        dossier: None,
    }
}

pub fn fact(agency: &str, day: &str, measure: Measure) -> Fact {
    Fact {
        agency: agency.into(),
        procedure: "1.004884".into(),
        day: NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap(),
        channel: 1,
        measure,
    }
}

pub fn entry<'a>(action: &'a str, detail: &'a str) -> store::LogEntry<'a> {
    store::LogEntry {
        at_ms: t("2026-12-07 08:00").timestamp_millis(),
        actor: "Quản trị hệ thống",
        action,
        detail,
    }
}

/// Lists every contract test, for a backend's test file: `contract_tests!(fresh_database)`
/// makes one `#[tokio::test]` per contract test, each on `fresh_database(name).await`, which
/// returns something that derefs to a prepared [`Db`]; `contract_tests!(optional fresh)`
/// takes an `Option` of it, and a test with `None` (no server here, and not CI) does nothing.
#[macro_export]
macro_rules! contract_tests {
    ($fresh:path) => {
        $crate::contract_tests!(@list ready $fresh);
    };
    (optional $fresh:path) => {
        $crate::contract_tests!(@list optional $fresh);
    };
    (@list $mode:ident $fresh:path) => {
        $crate::contract_tests!(@each $mode $fresh;
            dossiers::migrations_apply_twice_without_harm,
            dossiers::the_projection_is_the_replay_of_the_events,
            dossiers::a_stale_version_is_a_conflict_that_writes_nothing,
            dossiers::a_duplicate_code_writes_nothing,
            dossiers::a_bulk_write_is_all_or_nothing,
            dossiers::settling_after_a_bulk_write_keeps_it_and_writes_go_on,
            dossiers::code_numbers_run_per_sequence_per_day,
            dossiers::concurrent_openings_get_consecutive_numbers,
            dossiers::a_refused_opening_writes_nothing_and_uses_no_number,
            dossiers::refusals_in_a_busy_batch_leave_the_others_whole,
            dossiers::a_failed_opening_is_rolled_back_whole,
            dossiers::an_idempotency_key_opens_once_and_replays_after,
            dossiers::a_correction_changes_its_original_in_the_same_transaction,
            dossiers::a_numbered_change_uses_its_number_only_when_written,
            dossiers::a_submitted_dossier_is_linked_to_its_citizen,
            dossiers::the_public_view_shows_no_personal_data,
            dossiers::guidance_is_logged_once_per_key,
            dossiers::report_reads_find_ended_late_and_handled_dossiers,
            dossiers::a_rebuild_restores_a_damaged_projection,
            lists::every_page_continues_where_the_last_ended,
            lists::lists_filter_and_respect_visibility,
            lists::a_search_reads_newest_first_and_stops_counting_at_the_cap,
            lists::a_reorganised_tree_moves_dossiers_between_branches,
            lists::a_code_given_at_reception_is_found_by_search_at_once,
            accounts::officers_sessions_and_their_log_lines,
            accounts::citizens_their_sessions_and_dossiers,
            accounts::failed_logins_lock_and_an_unlock_is_logged,
            accounts::ratings_are_kept_once_with_their_counts,
            accounts::server_keys_and_the_sweep,
            accounts::a_second_factor_is_set_up_confirmed_taken_once_and_removed,
            accounts::recovery_codes_come_with_the_factor_are_taken_once_and_go_with_it,
            records::procedure_versions_are_chosen_by_date_and_never_rewritten,
            records::units_are_replaced_whole,
            records::files_are_stored_once_and_owned_by_their_uploaders,
            records::a_one_time_link_is_used_once_and_expires,
            records::payment_attempts_are_kept_once_settled_and_listed_while_pending,
            records::money_events_are_read_by_time_receiver_and_visibility,
            records::closures_and_the_administration_log,
            records::reads_of_personal_data_are_kept_newest_first,
            records::outbox_messages_are_enqueued_once_leased_retried_and_end_dead,
            records::national_messages_of_a_dossier_are_claimed_in_order_and_acks_kept,
            records::counter_sums_are_the_same_for_short_and_long_agency_lists,
            records::rollups_follow_the_daily_counts,
            records::a_province_is_created_only_on_an_empty_database,
        );
    };
    (@each ready $fresh:path; $($module:ident :: $name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let db = $fresh(stringify!($name)).await;
                contract::$module::$name(&db).await;
            }
        )*
    };
    (@each optional $fresh:path; $($module:ident :: $name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some(db) = $fresh(stringify!($name)).await else {
                    return;
                };
                contract::$module::$name(&db).await;
            }
        )*
    };
}
