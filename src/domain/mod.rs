//! Pure rules of the domain: no I/O here, only types and functions tested without a database.

pub mod attendee_csv;
pub mod category;
pub mod credit_window;
pub mod csv_text;
pub mod deadline;
pub mod downtime;
pub mod era;
pub mod member_csv;
pub mod notices;
pub mod person;
pub mod policy;
pub mod prefecture;
pub mod preview_notes;
pub mod registration;
pub mod requirements;
pub mod review;
pub mod revival;
pub mod role;
pub mod schedule;
pub mod seminar;
pub mod seminar_cycle;
pub mod session;
pub mod text;
pub mod throttle;
pub mod timetable;
