//! The HTTP API and the web pages, on a real server (the pages in headless chromium). One test binary for the crate (each file a module), linked once.

mod browser;
mod common;

mod api;
mod api_guards;
mod documents;
mod feedback;
mod fees;
mod gateway;
mod identity;
mod population;
mod queue;
mod receipts;
mod results;
mod schemathesis;
mod search;
mod second_factor;
mod security;
mod statement;
mod surveys;
mod ui;
