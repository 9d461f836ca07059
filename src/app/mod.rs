//! Use cases: one function per question or command, called by handlers, jobs and tests alike,
//! so that two pages can never answer the same question two ways.

pub mod checks;
pub mod credits;
pub mod postcards;
