//! Who may enter which group of pages: the coarse half of authorization, which a handler
//! cannot forget. Every route is declared in the group of its audience (`web::router`, one
//! `route_layer` guard per group, `admits` deciding); `of_path` states which group a URL
//! belongs to, and the guard refuses a route declared in another group, so the route-table
//! test (every route × every role) proves each group's routes agree with this module. The
//! finer half, per record, is `policy::allows`.

use super::policy::{allows, Action};
use super::role::{Actor, Role};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// Anyone: sign-in, registration, recovery, public seminar forms, verification, health.
    Public,
    /// Any signed-in account (own password, first-login steps, leaving proxy entry).
    SignedIn,
    /// Physicians (also staff acting for one under proxy entry).
    Physicians,
    /// Association staff of every tier.
    Staff,
    /// JMA staff and the administrator: the audit log, lifting login delays.
    Oversight,
    Administrators,
    /// Organizers, by the secret token in the URL (no account).
    WorkPage,
    /// Organizers' systems, by a Bearer token of one seminar (`/api/`): no session, no CSRF
    /// token (nothing rides on a cookie); the token decides.
    Api,
}

/// Links mailed to people who may not be signed in when they click them.
const MAILED_LINKS: [&str; 1] = ["/mypage/profile/email/confirm"];

/// The audience of a request path.
pub fn of_path(path: &str) -> Audience {
    if MAILED_LINKS.contains(&path) {
        return Audience::Public;
    }
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    match first {
        "mypage" => Audience::Physicians,
        "office" => Audience::Staff,
        "audit" => Audience::Oversight,
        "admin" if path == "/admin/login" => Audience::Public,
        "admin" if path == "/admin/logins" => Audience::Oversight,
        "admin" => Audience::Administrators,
        "account" | "welcome" | "proxy" | "logout" => Audience::SignedIn,
        "work" => Audience::WorkPage,
        "api" => Audience::Api,
        _ => Audience::Public,
    }
}

/// Whether a signed-in `actor` belongs to `audience` (the public and work pages admit anyone;
/// the token decides on a work page).
pub fn admits(actor: &Actor, audience: Audience) -> bool {
    match audience {
        Audience::Public | Audience::SignedIn | Audience::WorkPage | Audience::Api => true,
        Audience::Physicians => allows(actor, Action::ViewMyPage),
        Audience::Staff => allows(actor, Action::ViewOffice),
        Audience::Oversight => {
            allows(actor, Action::ViewAuditLog) && allows(actor, Action::UnlockLogins)
        }
        Audience::Administrators => actor.role == Role::Sysadmin,
    }
}

/// Whether an anonymous visitor may open it (otherwise: sign in first).
pub fn open_to_anonymous(audience: Audience) -> bool {
    matches!(audience, Audience::Public | Audience::WorkPage | Audience::Api)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_their_audiences() {
        for (path, audience) in [
            ("/", Audience::Public),
            ("/login", Audience::Public),
            ("/admin/login", Audience::Public),
            ("/admin", Audience::Administrators),
            ("/admin/logins", Audience::Oversight),
            ("/admin/maintenance/3/delete", Audience::Administrators),
            ("/mypage", Audience::Physicians),
            ("/seminars/find", Audience::Public),
            ("/seminars/12", Audience::Public),
            ("/calendar/0a1b.ics", Audience::Public),
            ("/mypage/calendar", Audience::Physicians),
            ("/mypage/applications/12", Audience::Physicians),
            ("/office", Audience::Staff),
            ("/office/seminars/4/attendees", Audience::Staff),
            ("/audit", Audience::Oversight),
            ("/account/password", Audience::SignedIn),
            ("/proxy/stop", Audience::SignedIn),
            ("/work/abc/credits", Audience::WorkPage),
            ("/api/v1/credits", Audience::Api),
            ("/api/openapi.json", Audience::Api),
            ("/apix", Audience::Public),
            ("/seminars/apply", Audience::Public),
            ("/verify/0123456", Audience::Public),
            ("/officex", Audience::Public),
            ("/mypage/profile/email/confirm", Audience::Public),
        ] {
            assert_eq!(of_path(path), audience, "{path}");
        }
    }

    #[test]
    fn who_is_admitted() {
        let actor = |role| Actor { account_id: 1, role, association: None };
        use Role::*;
        let table = [
            (Audience::Physicians, [true, false, false, false, false]),
            (Audience::Staff, [false, true, true, true, false]),
            (Audience::Oversight, [false, false, false, true, true]),
            (Audience::Administrators, [false, false, false, false, true]),
            (Audience::SignedIn, [true; 5]),
        ];
        for (audience, expected) in table {
            for (role, want) in [Physician, MunicipalStaff, PrefecturalStaff, JmaStaff, Sysadmin]
                .into_iter()
                .zip(expected)
            {
                assert_eq!(admits(&actor(role), audience), want, "{audience:?} {role:?}");
            }
        }
        assert!(!open_to_anonymous(Audience::SignedIn));
        assert!(open_to_anonymous(Audience::WorkPage));
        assert!(open_to_anonymous(Audience::Api));
    }
}
