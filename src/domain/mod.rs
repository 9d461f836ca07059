//! Pure rules of the domain: no I/O here, only types and functions tested without a database.

pub mod attendee_csv;
pub mod category;
pub mod csv_text;
pub mod deadline;
pub mod downtime;
pub mod era;
pub mod member_csv;
pub mod notices;
pub mod person;
pub mod policy;
pub mod prefecture;
pub mod rate_limit;
pub mod registration;
pub mod requirements;
pub mod review;
pub mod role;
pub mod schedule;
pub mod search;
pub mod seminar;
pub mod session;
pub mod text;
pub mod throttle;
pub mod upload;
