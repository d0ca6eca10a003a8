//! The `motcua` command line as an operator runs it. One test binary for the crate (each file a module), linked once.
mod backup_cli;
mod bench_reports_cli;
mod calendar_cli;
mod crash;
mod degraded;
mod init_cli;
mod logging;
mod move_cli;
mod national;
mod serving;
mod two_servers;
mod verify_cli;
