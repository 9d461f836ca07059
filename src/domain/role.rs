//! Who a user is: their role and, for staff, the association they belong to.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Physician,
    MunicipalStaff,
    PrefecturalStaff,
    JmaStaff,
    Sysadmin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Physician,
        Role::MunicipalStaff,
        Role::PrefecturalStaff,
        Role::JmaStaff,
        Role::Sysadmin,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Physician => "physician",
            Role::MunicipalStaff => "municipal_staff",
            Role::PrefecturalStaff => "prefectural_staff",
            Role::JmaStaff => "jma_staff",
            Role::Sysadmin => "sysadmin",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Physician => "医師",
            Role::MunicipalStaff => "郡市区医師会 事務局",
            Role::PrefecturalStaff => "都道府県医師会 事務局",
            Role::JmaStaff => "日本医師会 事務局",
            Role::Sysadmin => "システム管理者",
        }
    }

    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Physician)
    }

    /// The association kind a staff member of this role must belong to.
    pub fn association_kind(self) -> Option<AssociationKind> {
        match self {
            Role::Physician => None,
            Role::MunicipalStaff => Some(AssociationKind::Municipal),
            Role::PrefecturalStaff => Some(AssociationKind::Prefectural),
            Role::JmaStaff | Role::Sysadmin => Some(AssociationKind::Jma),
        }
    }

    /// Where this role lands after login.
    pub fn home_path(self) -> &'static str {
        match self {
            Role::Physician => "/mypage",
            Role::MunicipalStaff | Role::PrefecturalStaff | Role::JmaStaff => "/office",
            Role::Sysadmin => "/admin",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssociationKind {
    Jma,
    Prefectural,
    Municipal,
}

impl AssociationKind {
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "jma" => Some(Self::Jma),
            "prefectural" => Some(Self::Prefectural),
            "municipal" => Some(Self::Municipal),
            _ => None,
        }
    }
}

/// The association a staff member acts for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssociationRef {
    pub id: i64,
    pub kind: AssociationKind,
    pub name: String,
    /// None only for JMA.
    pub prefecture_code: Option<i16>,
}

/// The signed-in user as the policy sees them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub account_id: i64,
    pub role: Role,
    pub association: Option<AssociationRef>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_codes_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::from_code(role.code()), Some(role));
        }
        assert_eq!(Role::from_code("root"), None);
    }

    #[test]
    fn every_role_has_its_own_home() {
        assert_eq!(Role::Physician.home_path(), "/mypage");
        assert_eq!(Role::JmaStaff.home_path(), "/office");
        assert_eq!(Role::Sysadmin.home_path(), "/admin");
    }
}
