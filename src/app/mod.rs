//! Use cases: one function per question or command, called by handlers, jobs and tests alike,
//! so that two pages can never answer the same question two ways.

pub mod applications;
pub mod calendar;
pub mod changes;
pub mod checks;
pub mod credits;
pub mod email_change;
pub mod postcards;
pub mod seminars;
pub mod suggestions;
