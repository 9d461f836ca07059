//! Files the portal writes for people to download or print: PDF (and, as they come, xlsx and
//! csv). Pure functions from data to bytes; no database, no HTTP.

pub mod certificate_pdf;
pub mod chart_xlsx;
pub mod labels_pdf;
pub mod letter_pdf;
pub mod pdf;
pub mod postcard_pdf;
pub mod xlsx;
