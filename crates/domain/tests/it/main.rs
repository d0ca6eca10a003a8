//! The dossier lifecycle, its rules and its properties, without I/O. One test binary for the crate (each file a module), linked once.

mod allowed;
mod feedback;
mod fees;
mod handling;
mod intake;
mod properties;
mod receipts;
