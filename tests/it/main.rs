//! The integration tests, in one binary: one link instead of thirty keeps the build small
//! (CI disks are not large) and lets the tests share one harness.

mod common;

mod access;
mod application_journey;
mod application_new;
mod application_review;
mod applications;
mod audit;
mod auth;
mod browser;
mod browser_application;
mod browser_organizer;
mod browser_registration;
mod certificates;
mod credit_trust;
mod credit_views;
mod credits;
mod csv_props;
mod downtime;
mod exports;
mod fuzz_corpus;
mod links;
mod mail;
mod mail_retry_cap;
mod members;
mod national;
mod notices;
mod profile;
mod proxy;
mod query_counts;
mod recovery;
mod registration;
mod reports;
mod security_account;
mod security_input;
mod security_login;
mod seminar_corrections;
mod seminar_visibility;
mod seminars;
mod smoke;
mod terms;
mod usability;
mod watch;
