//! The working calendar: deadlines, holidays, the lunar calendar. One test binary for the crate (each file a module), linked once.

mod deadlines;
mod golden;
mod holidays;
mod lunar_table;
mod properties;
