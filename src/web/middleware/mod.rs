//! What every request passes through: audience guard, CSRF, downtime, headers, input cleaning, query counting, limits.

pub mod audience;
pub mod csrf;
pub mod downtime;
pub mod headers;
pub mod input;
pub mod limits;
pub mod query_count;
pub mod replica;
