//! Hồ sơ thủ tục hành chính — the dossier aggregate: commands are decided into events, events are
//! applied to state, and everything else (status, deadlines, control slip) is derived.

mod allowed;
mod closing;
mod command;
mod control_slip;
mod decide;
mod event;
mod facts;
mod fees;
mod handling;
mod imported;
mod intake;
mod pauses;
mod receipts;
mod stage;
mod state;
mod timing;

pub use allowed::{CommandKind, allowed, available, check};
pub use command::{
    ApprovalSignature, Collection, Command, Context, LegalRules, NewDossier, Secret,
};
pub use control_slip::{SlipRow, control_slip};
pub use decide::decide;
pub use event::*;
pub use facts::{Fact, Information, Measure, fact_delta};
pub use fees::{FeeAdjustment, MAX_AMOUNT, PaymentMethod, PaymentRecord};
pub use imported::{Imported, LegacyStep, LegacySupplement, import};
pub use receipts::{
    MAX_RECEIPT_NUMBER, Receipt, ReceiptBook, ReceiptCancellation, ReceiptFiles, ReceiptKey,
    ReceiptNumber, no_book,
};
pub use stage::{NationalStatus, Stage};
pub use state::{
    Apology, Consultation, DecisionRecord, Dossier, ExtensionRecord, Interconnection, Leg,
    PauseRecord, Reasoned, ResultDraft, ReturnRecord, StepRecord, SupplementRecord,
};
pub use timing::{StepTiming, Timing};
