//! Applications (新規・更新申請): the physician's commands and the staff's review steps.

pub mod committee;
pub mod physician;
pub mod review;
