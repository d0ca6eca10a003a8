//! The application services against a real SQLite database. One test binary for the crate (each file a module), linked once.

mod common;

mod admin;
mod agencies;
mod catalog;
mod demo;
mod evaluation;
mod legacy;
mod overview;
mod parsers;
mod policy;
mod province;
mod qd766;
mod reports;
mod roster;
mod surveys;
mod units;
