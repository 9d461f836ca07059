//! The demo data set: one account per role, a registered physician with certifications and a
//! couple of municipal associations.
//!
//! Two forms: [`load`] is the fixture the tests are written against (its dates are fixed, as of
//! spring 2025); [`load_living`] is what `mamis demo` and `serve` load into an empty database:
//! the same logins with dates placed relative to today, and a small national data set around
//! them (seminars with work pages, credits, applications in every state), so that a newcomer on
//! any date sees a valid certification with its renewal due soon and credits on the my page.

use chrono::{Datelike, Months, NaiveDate};
use sqlx::{PgConnection, PgPool};

use crate::clock::Jst;
use crate::db::{accounts, physicians};
use crate::domain::role::{AssociationKind, Role};
use crate::domain::schedule::{renewal_advice, Advice};
use crate::password;

pub const DEMO_PASSWORD: &str = "demo-pass-2025";

pub struct DemoLogin {
    pub login_id: &'static str,
    pub role: Role,
    pub display_name: &'static str,
    pub email: &'static str,
}

pub const LOGINS: [DemoLogin; 5] = [
    DemoLogin {
        login_id: "doctor",
        role: Role::Physician,
        display_name: DOCTOR.kanji_name,
        email: DOCTOR.email,
    },
    DemoLogin {
        login_id: "chiyoda",
        role: Role::MunicipalStaff,
        display_name: "千代田区医師会 事務局",
        email: "office@chiyoda.example.jp",
    },
    DemoLogin {
        login_id: "tokyo",
        role: Role::PrefecturalStaff,
        display_name: "東京都医師会 事務局",
        email: "office@tokyo.example.jp",
    },
    DemoLogin {
        login_id: "jma",
        role: Role::JmaStaff,
        display_name: "日本医師会 事務局",
        email: "office@jma.example.jp",
    },
    DemoLogin {
        login_id: "admin",
        role: Role::Sysadmin,
        display_name: "システム管理者",
        email: "admin@mamis.example.jp",
    },
];

/// The demo physician (login `doctor`).
pub struct DemoPhysician {
    pub kanji_name: &'static str,
    pub furigana: &'static str,
    pub birth: (i32, u32, u32),
    pub sex: &'static str,
    pub registry_number: &'static str,
    pub email: &'static str,
    pub phone: &'static str,
}

impl DemoPhysician {
    pub fn birth_date(&self) -> NaiveDate {
        date(self.birth.0, self.birth.1, self.birth.2)
    }
}

pub const DOCTOR: DemoPhysician = DemoPhysician {
    kanji_name: "山田 太郎",
    furigana: "ヤマダ タロウ",
    birth: (1970, 5, 15),
    sex: "male",
    registry_number: "123456",
    email: "yamada.taro@example.jp",
    phone: "03-1234-5678",
};

const TOKYO: i16 = 13;
const OSAKA: i16 = 27;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid demo date")
}

/// The demo physician's two terms (from, until).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dates {
    pub occupational: (NaiveDate, NaiveDate),
    pub sports: (NaiveDate, NaiveDate),
}

impl Dates {
    /// The fixture's dates, which the tests know.
    pub fn fixture() -> Dates {
        Dates {
            occupational: (date(2021, 8, 1), date(2026, 7, 31)),
            sports: (date(2022, 4, 1), date(2027, 3, 31)),
        }
    }

    /// Dates around `today`: the occupational term ends at the first month end whose renewal
    /// window is already open (a renewal due soon), the sports term about two years later.
    pub fn around(today: NaiveDate) -> Dates {
        let month_end = |months: u32| {
            let first = today.with_day(1).expect("day 1 exists") + Months::new(months + 1);
            first.pred_opt().expect("a day before")
        };
        let occupational = (2..=14)
            .map(month_end)
            .find(|until| {
                matches!(renewal_advice(*until, today, |_| None), Advice::Window { open: true, .. })
            })
            .unwrap_or_else(|| month_end(6));
        let sports = month_end(26);
        let term = |until: NaiveDate| {
            let from = until.succ_opt().expect("a day after") - Months::new(60);
            (from, until)
        };
        Dates { occupational: term(occupational), sports: term(sports) }
    }
}

/// What a newcomer needs to find in the living demo that no login leads to.
pub struct Living {
    /// The secret work-page path of a seminar in Tokyo held lately (organizers have no login).
    pub work_page_path: String,
    pub work_page_seminar: String,
}

/// Loads the living demo (see the module's comment) into an empty database.
pub async fn load_living(pool: &PgPool, now: Jst) -> anyhow::Result<Living> {
    use crate::national::{ids, seminars};
    let options = crate::national::Options {
        dates: Dates::around(now.date_naive()),
        demo_physician_credits: true,
    };
    let progress = crate::national::progress::Progress::quiet();
    let scale = crate::national::Scale::demo();
    crate::national::load_with(pool, now, &scale, ids::DEFAULT_SEED, &progress, &options).await?;
    let today = now.date_naive();
    let all = seminars::seminars(ids::DEFAULT_SEED, scale.seminars, today);
    let seminar = all
        .iter()
        .filter(|s| s.ends_on < today)
        .max_by_key(|s| (s.prefecture_code == 13, s.ends_on))
        .ok_or_else(|| anyhow::anyhow!("the demo has no seminar held yet"))?;
    Ok(Living {
        work_page_path: format!("/work/{}", ids::work_page_token(ids::DEFAULT_SEED, seminar.no)),
        work_page_seminar: seminar.title.clone(),
    })
}

/// Loads the fixture in one transaction. Refuses a database that already has accounts.
pub async fn load(pool: &PgPool, now: Jst) -> anyhow::Result<()> {
    if accounts::count(pool).await? > 0 {
        anyhow::bail!(
            "the database already has accounts; demo data is only loaded into an empty one"
        );
    }
    // One hash for every demo account: the password is public anyway.
    let hash = password::hash_async(DEMO_PASSWORD.to_string()).await?;
    let mut tx = pool.begin().await?;
    load_into(&mut tx, now, &hash, &Dates::fixture()).await?;
    tx.commit().await?;
    Ok(())
}

/// Writes the demo set with the caller's transaction and `DEMO_PASSWORD`'s hash (the national
/// data set builds on it). Returns the demo physician's id.
pub async fn load_into(
    tx: &mut PgConnection,
    now: Jst,
    hash: &str,
    dates: &Dates,
) -> anyhow::Result<i64> {
    let chiyoda = accounts::create_municipal_association(&mut *tx, "千代田区医師会", TOKYO).await?;
    accounts::create_municipal_association(&mut *tx, "港区医師会", TOKYO).await?;
    accounts::create_municipal_association(&mut *tx, "大阪市医師会", OSAKA).await?;
    let tokyo = accounts::association_id(&mut *tx, AssociationKind::Prefectural, Some(TOKYO), None)
        .await?
        .ok_or_else(|| anyhow::anyhow!("Tokyo's association is missing; run migrations"))?;
    let jma = accounts::association_id(&mut *tx, AssociationKind::Jma, None, None)
        .await?
        .ok_or_else(|| anyhow::anyhow!("JMA is missing; run migrations"))?;

    let mut doctor = None;
    for login in &LOGINS {
        let id = accounts::create(
            &mut *tx,
            &accounts::NewAccount {
                login_id: login.login_id,
                password_hash: hash,
                role: login.role,
                display_name: login.display_name,
                email: Some(login.email),
                must_change_password: false,
            },
            now,
        )
        .await?;
        let association = match login.role {
            Role::Physician => None,
            Role::MunicipalStaff => Some(chiyoda),
            Role::PrefecturalStaff => Some(tokyo),
            Role::JmaStaff | Role::Sysadmin => Some(jma),
        };
        if let Some(association) = association {
            accounts::add_membership(&mut *tx, id, association, now).await?;
        }
        if login.role == Role::Physician {
            let physician = physicians::create(
                &mut *tx,
                &physicians::NewPhysician {
                    account_id: Some(id),
                    kanji_name: DOCTOR.kanji_name,
                    furigana: DOCTOR.furigana,
                    birth_date: DOCTOR.birth_date(),
                    sex: DOCTOR.sex,
                    registry_number: Some(DOCTOR.registry_number),
                    phone: Some(DOCTOR.phone),
                    fax: None,
                    postal_code: Some("100-0001"),
                    address: Some("東京都千代田区千代田1-1"),
                    workplace: Some("千代田産業保健クリニック"),
                    prefecture_code: Some(TOKYO),
                    is_member: true,
                    member_association_id: Some(chiyoda),
                    registration_completed_at: Some(now),
                },
                now,
            )
            .await?;
            doctor = Some(physician);
            for (programme, number, (from, until)) in [
                ("occupational", "0123456", dates.occupational),
                ("sports", "0234567", dates.sports),
            ] {
                physicians::create_certification(
                    &mut *tx,
                    &physicians::NewCertification {
                        programme,
                        certificate_number: number,
                        registry_number: DOCTOR.registry_number,
                        birth_date: DOCTOR.birth_date(),
                        physician_id: Some(physician),
                        valid_from: from,
                        valid_until: until,
                    },
                    now,
                )
                .await?;
            }
        }
    }
    doctor.ok_or_else(|| anyhow::anyhow!("the demo set has no physician"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn living_dates_put_the_renewal_window_open_and_the_sports_term_later() {
        for today in [date(2025, 4, 10), date(2026, 11, 26), date(2027, 2, 28), date(2030, 12, 31)]
        {
            let dates = Dates::around(today);
            let (from, until) = dates.occupational;
            assert!(until > today, "{today}: term in force");
            assert!(
                matches!(renewal_advice(until, today, |_| None), Advice::Window { open: true, .. }),
                "{today}: renewal window open for {until}"
            );
            assert_eq!(from + Months::new(60), until.succ_opt().unwrap(), "five-year term");
            assert!(dates.sports.1 > until + Months::new(12), "{today}: sports later");
            assert!(dates.sports.0 <= today, "{today}: sports term in force");
        }
    }

    #[test]
    fn fixture_dates_stay_as_the_tests_know_them() {
        assert_eq!(Dates::fixture().occupational, (date(2021, 8, 1), date(2026, 7, 31)));
    }
}
