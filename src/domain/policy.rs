//! Authorization: one place answers "may this user do this to that". Every handler asks here.
//!
//! The shape follows the briefing's Q9 (DOMAIN §9): an outside organizer sees its own seminar
//! only (through the work page, not an account), a municipal association the seminars it
//! organized, a prefectural association every seminar it approved, JMA everything. Applications
//! and physician records follow the same shape.

use super::role::{Actor, AssociationKind, Role};

/// A physician record as the policy needs to see it.
#[derive(Clone, Copy, Debug)]
pub struct PhysicianTarget {
    pub account_id: Option<i64>,
    pub prefecture_code: Option<i16>,
    /// The physician has consented to proxy entry (代理入力).
    pub proxy_consent: bool,
}

#[derive(Clone, Copy, Debug)]
pub struct SeminarTarget {
    pub organizer_association_id: Option<i64>,
    pub approving_prefecture_code: i16,
}

#[derive(Clone, Copy, Debug)]
pub struct ApplicationTarget {
    pub applicant_account_id: i64,
    pub prefecture_code: i16,
    /// The municipal association that received it, where the prefecture uses that tier.
    pub received_by_association_id: Option<i64>,
}

#[derive(Clone, Copy, Debug)]
pub enum Action {
    /// The physicians' home (/mypage).
    ViewMyPage,
    /// The staff home (/office) and staff work lists.
    ViewOffice,
    ManageMaintenance,
    ManageAnnouncements,
    /// Lift a login delay (a physician or clerk locked out by someone else's guesses).
    UnlockLogins,
    ViewAuditLog,
    ChangeOwnPassword,
    ViewPhysician(PhysicianTarget),
    /// Enter data for a physician (代理入力): needs the physician's consent.
    ActForPhysician(PhysicianTarget),
    ViewSeminarAttendees(SeminarTarget),
    ViewApplication(ApplicationTarget),
    /// Import members from CSV and print their postcards.
    ImportMembers,
    /// Import certified physicians from the old system's CSV.
    ImportCertifications,
    /// Staff work on one physician's record: link certification data, decide change requests,
    /// record proxy-entry consent.
    ManagePhysician(PhysicianTarget),
    /// Apply for seminar approval from a staff account (outside bodies use the public form).
    SubmitSeminar,
    /// The approving prefecture's review: approve or return.
    ReviewSeminar(SeminarTarget),
    /// JMA's committee decision, and entering seminars approved on paper.
    DecideSeminarAtCommittee,
    /// JMA's cycles of applications: approve or reject, close a cycle.
    DecideApplicationsAtCommittee,
    /// Work-page URL (revoke, re-issue), credit mismatches, reports, reminders.
    ManageSeminar(SeminarTarget),
    /// Whether a prefecture's members apply through their municipal association (its code).
    ManageReception(i16),
    /// The own association's settings printed on paper (the president's name): prefectural
    /// staff for their prefecture's association, JMA staff for the JMA.
    ManageOwnAssociation,
}

/// How far a staff member's lists reach: the filter `db/` applies to a list. `allows` decides
/// single records through the same scopes, so a list never shows what its record page refuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    /// Of (approved by, filed in) this prefecture.
    Prefecture(i16),
    /// Received or organized by this (municipal) association.
    Association(i64),
    Nothing,
}

/// The kinds of staff lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum List {
    /// Applications: received by a municipal association, of a prefecture, or all.
    Applications,
    /// Seminars: organized by a municipal association, approved by a prefecture, or all.
    Seminars,
    /// Physician records and the work on them (change requests, links, proxy search, notices,
    /// exports).
    Physicians,
    /// Following seminars up: credit deadlines, held credits, reports, missing-credit reports.
    SeminarFollowUp,
}

/// The scope of `list` for `actor`.
pub fn scope(actor: &Actor, list: List) -> Scope {
    let association = || own_association_id(actor).map_or(Scope::Nothing, Scope::Association);
    match actor.role {
        Role::JmaStaff => Scope::All,
        Role::PrefecturalStaff => own_prefecture(actor).map_or(Scope::Nothing, Scope::Prefecture),
        Role::MunicipalStaff => match list {
            List::Applications | List::Seminars => association(),
            List::Physicians | List::SeminarFollowUp => Scope::Nothing,
        },
        Role::Physician | Role::Sysadmin => Scope::Nothing,
    }
}

impl Scope {
    pub fn covers_application(self, target: ApplicationTarget) -> bool {
        match self {
            Scope::All => true,
            Scope::Prefecture(code) => target.prefecture_code == code,
            Scope::Association(id) => target.received_by_association_id == Some(id),
            Scope::Nothing => false,
        }
    }

    pub fn covers_seminar(self, target: SeminarTarget) -> bool {
        match self {
            Scope::All => true,
            Scope::Prefecture(code) => target.approving_prefecture_code == code,
            Scope::Association(id) => target.organizer_association_id == Some(id),
            Scope::Nothing => false,
        }
    }

    pub fn covers_physician(self, target: PhysicianTarget) -> bool {
        match self {
            Scope::All => true,
            Scope::Prefecture(code) => target.prefecture_code == Some(code),
            Scope::Association(_) | Scope::Nothing => false,
        }
    }

    /// For lists kept per prefecture: `Some(None)` all, `Some(Some(code))` one, `None` no list.
    pub fn prefecture_filter(self) -> Option<Option<i16>> {
        match self {
            Scope::All => Some(None),
            Scope::Prefecture(code) => Some(Some(code)),
            Scope::Association(_) | Scope::Nothing => None,
        }
    }
}

fn own_prefecture(actor: &Actor) -> Option<i16> {
    actor
        .association
        .as_ref()
        .filter(|a| a.kind == AssociationKind::Prefectural)
        .and_then(|a| a.prefecture_code)
}

fn own_association_id(actor: &Actor) -> Option<i64> {
    actor.association.as_ref().map(|a| a.id)
}

pub fn allows(actor: &Actor, action: Action) -> bool {
    use Role::*;
    let staff = |list: List| scope(actor, list);
    match action {
        Action::ViewMyPage => actor.role == Physician,
        Action::ViewOffice => matches!(actor.role, MunicipalStaff | PrefecturalStaff | JmaStaff),
        Action::ManageMaintenance | Action::ManageAnnouncements => actor.role == Sysadmin,
        Action::ViewAuditLog | Action::UnlockLogins => matches!(actor.role, JmaStaff | Sysadmin),
        Action::ChangeOwnPassword => true,
        Action::ManageReception(prefecture) => match actor.role {
            PrefecturalStaff => own_prefecture(actor) == Some(prefecture),
            Sysadmin => true,
            _ => false,
        },
        Action::ViewPhysician(target) => match actor.role {
            Physician => target.account_id == Some(actor.account_id),
            _ => staff(List::Physicians).covers_physician(target),
        },
        Action::ActForPhysician(target) => {
            actor.role == PrefecturalStaff
                && target.proxy_consent
                && staff(List::Physicians).covers_physician(target)
        }
        Action::ViewSeminarAttendees(target) => staff(List::Seminars).covers_seminar(target),
        Action::ImportMembers => matches!(actor.role, PrefecturalStaff | JmaStaff),
        Action::ManageOwnAssociation => match actor.role {
            PrefecturalStaff => own_prefecture(actor).is_some(),
            JmaStaff => actor.association.as_ref().is_some_and(|a| a.kind == AssociationKind::Jma),
            _ => false,
        },
        Action::SubmitSeminar => matches!(actor.role, MunicipalStaff | PrefecturalStaff),
        Action::ReviewSeminar(target) => {
            actor.role == PrefecturalStaff && staff(List::Seminars).covers_seminar(target)
        }
        Action::DecideSeminarAtCommittee | Action::DecideApplicationsAtCommittee => {
            actor.role == JmaStaff
        }
        Action::ManageSeminar(target) => staff(List::SeminarFollowUp).covers_seminar(target),
        Action::ImportCertifications => actor.role == JmaStaff,
        Action::ManagePhysician(target) => staff(List::Physicians).covers_physician(target),
        Action::ViewApplication(target) => match actor.role {
            Physician => target.applicant_account_id == actor.account_id,
            _ => staff(List::Applications).covers_application(target),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::role::AssociationRef;

    const TOKYO: i16 = 13;
    const OSAKA: i16 = 27;
    const CHIYODA_ID: i64 = 100;
    const MINATO_ID: i64 = 101;

    fn actor(role: Role) -> Actor {
        let association = match role {
            Role::Physician => None,
            Role::MunicipalStaff => Some(AssociationRef {
                id: CHIYODA_ID,
                kind: AssociationKind::Municipal,
                name: "千代田区医師会".into(),
                prefecture_code: Some(TOKYO),
            }),
            Role::PrefecturalStaff => Some(AssociationRef {
                id: 14,
                kind: AssociationKind::Prefectural,
                name: "東京都医師会".into(),
                prefecture_code: Some(TOKYO),
            }),
            Role::JmaStaff | Role::Sysadmin => Some(AssociationRef {
                id: 1,
                kind: AssociationKind::Jma,
                name: "日本医師会".into(),
                prefecture_code: None,
            }),
        };
        Actor { account_id: 7, role, association }
    }

    fn physician(account_id: i64, pref: i16, consent: bool) -> PhysicianTarget {
        PhysicianTarget {
            account_id: Some(account_id),
            prefecture_code: Some(pref),
            proxy_consent: consent,
        }
    }

    fn seminar(organizer: Option<i64>, pref: i16) -> SeminarTarget {
        SeminarTarget { organizer_association_id: organizer, approving_prefecture_code: pref }
    }

    fn application(applicant: i64, pref: i16, via: Option<i64>) -> ApplicationTarget {
        ApplicationTarget {
            applicant_account_id: applicant,
            prefecture_code: pref,
            received_by_association_id: via,
        }
    }

    /// Columns: physician, municipal, prefectural, JMA, sysadmin.
    #[test]
    fn policy_table() {
        use Role::*;
        let roles = [Physician, MunicipalStaff, PrefecturalStaff, JmaStaff, Sysadmin];
        let table: Vec<(&str, Action, [bool; 5])> = vec![
            ("my page", Action::ViewMyPage, [true, false, false, false, false]),
            ("office home", Action::ViewOffice, [false, true, true, true, false]),
            ("maintenance", Action::ManageMaintenance, [false, false, false, false, true]),
            ("announcements", Action::ManageAnnouncements, [false, false, false, false, true]),
            ("audit log", Action::ViewAuditLog, [false, false, false, true, true]),
            ("unlock logins", Action::UnlockLogins, [false, false, false, true, true]),
            ("own password", Action::ChangeOwnPassword, [true, true, true, true, true]),
            (
                "own physician record in Tokyo",
                Action::ViewPhysician(physician(7, TOKYO, false)),
                [true, false, true, true, false],
            ),
            (
                "another physician in Tokyo",
                Action::ViewPhysician(physician(8, TOKYO, false)),
                [false, false, true, true, false],
            ),
            (
                "another physician in Osaka",
                Action::ViewPhysician(physician(8, OSAKA, false)),
                [false, false, false, true, false],
            ),
            (
                "proxy entry, Tokyo physician who consented",
                Action::ActForPhysician(physician(8, TOKYO, true)),
                [false, false, true, false, false],
            ),
            (
                "proxy entry, Tokyo physician without consent",
                Action::ActForPhysician(physician(8, TOKYO, false)),
                [false, false, false, false, false],
            ),
            (
                "proxy entry, Osaka physician who consented",
                Action::ActForPhysician(physician(8, OSAKA, true)),
                [false, false, false, false, false],
            ),
            (
                "seminar organized by Chiyoda, approved by Tokyo",
                Action::ViewSeminarAttendees(seminar(Some(CHIYODA_ID), TOKYO)),
                [false, true, true, true, false],
            ),
            (
                "seminar organized by Minato, approved by Tokyo",
                Action::ViewSeminarAttendees(seminar(Some(MINATO_ID), TOKYO)),
                [false, false, true, true, false],
            ),
            (
                "outside organizer's seminar approved by Osaka",
                Action::ViewSeminarAttendees(seminar(None, OSAKA)),
                [false, false, false, true, false],
            ),
            ("import members", Action::ImportMembers, [false, false, true, true, false]),
            (
                "set the own association's president",
                Action::ManageOwnAssociation,
                [false, false, true, true, false],
            ),
            ("apply for a seminar", Action::SubmitSeminar, [false, true, true, false, false]),
            (
                "review a Tokyo seminar",
                Action::ReviewSeminar(seminar(Some(CHIYODA_ID), TOKYO)),
                [false, false, true, false, false],
            ),
            (
                "review an Osaka seminar",
                Action::ReviewSeminar(seminar(None, OSAKA)),
                [false, false, false, false, false],
            ),
            (
                "committee decision",
                Action::DecideSeminarAtCommittee,
                [false, false, false, true, false],
            ),
            (
                "manage a Tokyo seminar",
                Action::ManageSeminar(seminar(None, TOKYO)),
                [false, false, true, true, false],
            ),
            (
                "manage an Osaka seminar",
                Action::ManageSeminar(seminar(Some(CHIYODA_ID), OSAKA)),
                [false, false, false, true, false],
            ),
            (
                "import certifications",
                Action::ImportCertifications,
                [false, false, false, true, false],
            ),
            (
                "manage a Tokyo physician",
                Action::ManagePhysician(physician(8, TOKYO, false)),
                [false, false, true, true, false],
            ),
            (
                "manage an Osaka physician",
                Action::ManagePhysician(physician(8, OSAKA, false)),
                [false, false, false, true, false],
            ),
            (
                "manage oneself",
                Action::ManagePhysician(physician(7, TOKYO, false)),
                [false, false, true, true, false],
            ),
            (
                "own application, received by Chiyoda",
                Action::ViewApplication(application(7, TOKYO, Some(CHIYODA_ID))),
                [true, true, true, true, false],
            ),
            (
                "another's application in Tokyo, direct to prefecture",
                Action::ViewApplication(application(8, TOKYO, None)),
                [false, false, true, true, false],
            ),
            (
                "another's application in Osaka",
                Action::ViewApplication(application(8, OSAKA, None)),
                [false, false, false, true, false],
            ),
        ];
        for (name, action, expected) in table {
            for (role, want) in roles.iter().zip(expected) {
                assert_eq!(
                    allows(&actor(*role), action),
                    want,
                    "{name}: {role:?} should be {}",
                    if want { "allowed" } else { "refused" }
                );
            }
        }
    }

    /// The lists' scopes, per role (physician, municipal Chiyoda, prefectural Tokyo, JMA,
    /// sysadmin).
    #[test]
    fn list_scopes() {
        use Role::*;
        let roles = [Physician, MunicipalStaff, PrefecturalStaff, JmaStaff, Sysadmin];
        let n = Scope::Nothing;
        let table = [
            (
                List::Applications,
                [n, Scope::Association(CHIYODA_ID), Scope::Prefecture(TOKYO), Scope::All, n],
            ),
            (
                List::Seminars,
                [n, Scope::Association(CHIYODA_ID), Scope::Prefecture(TOKYO), Scope::All, n],
            ),
            (List::Physicians, [n, n, Scope::Prefecture(TOKYO), Scope::All, n]),
            (List::SeminarFollowUp, [n, n, Scope::Prefecture(TOKYO), Scope::All, n]),
        ];
        for (list, expected) in table {
            for (role, want) in roles.iter().zip(expected) {
                assert_eq!(scope(&actor(*role), list), want, "{list:?} for {role:?}");
            }
        }
    }

    #[test]
    fn prefectural_staff_without_an_association_see_nothing_regional() {
        let mut lost = actor(Role::PrefecturalStaff);
        lost.association = None;
        assert!(!allows(&lost, Action::ViewPhysician(physician(8, TOKYO, true))));
        assert!(!allows(&lost, Action::ViewApplication(application(8, TOKYO, None))));
        assert_eq!(scope(&lost, List::Applications), Scope::Nothing);
    }
}
