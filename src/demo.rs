//! The demo data set: one account per role, a registered physician with certifications and a
//! couple of municipal associations. Loaded by `mamis demo`, and by `serve` into an empty
//! database, so a newcomer can log in at once.

use chrono::NaiveDate;
use sqlx::{PgConnection, PgPool};

use crate::clock::Jst;
use crate::db::{accounts, physicians};
use crate::domain::role::{AssociationKind, Role};
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
        display_name: "山田 太郎",
        email: "yamada.taro@example.jp",
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

const TOKYO: i16 = 13;
const OSAKA: i16 = 27;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid demo date")
}

/// Loads the demo set in one transaction. Refuses a database that already has accounts.
pub async fn load(pool: &PgPool, now: Jst) -> anyhow::Result<()> {
    if accounts::count(pool).await? > 0 {
        anyhow::bail!(
            "the database already has accounts; demo data is only loaded into an empty one"
        );
    }
    // One hash for every demo account: the password is public anyway.
    let hash = password::hash_async(DEMO_PASSWORD.to_string()).await?;
    let mut tx = pool.begin().await?;
    load_into(&mut tx, now, &hash).await?;
    tx.commit().await?;
    Ok(())
}

/// Writes the demo set with the caller's transaction and `DEMO_PASSWORD`'s hash (the national
/// data set builds on it).
pub async fn load_into(tx: &mut PgConnection, now: Jst, hash: &str) -> anyhow::Result<()> {
    let chiyoda = accounts::create_municipal_association(&mut *tx, "千代田区医師会", TOKYO).await?;
    accounts::create_municipal_association(&mut *tx, "港区医師会", TOKYO).await?;
    accounts::create_municipal_association(&mut *tx, "大阪市医師会", OSAKA).await?;
    let tokyo = accounts::association_id(&mut *tx, AssociationKind::Prefectural, Some(TOKYO), None)
        .await?
        .ok_or_else(|| anyhow::anyhow!("Tokyo's association is missing; run migrations"))?;
    let jma = accounts::association_id(&mut *tx, AssociationKind::Jma, None, None)
        .await?
        .ok_or_else(|| anyhow::anyhow!("JMA is missing; run migrations"))?;

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
                    kanji_name: "山田 太郎",
                    furigana: "ヤマダ タロウ",
                    birth_date: date(1970, 5, 15),
                    sex: "male",
                    registry_number: Some("123456"),
                    phone: Some("03-1234-5678"),
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
            for (programme, number, from, until) in [
                ("occupational", "0123456", date(2021, 8, 1), date(2026, 7, 31)),
                ("sports", "0234567", date(2022, 4, 1), date(2027, 3, 31)),
            ] {
                physicians::create_certification(
                    &mut *tx,
                    &physicians::NewCertification {
                        programme,
                        certificate_number: number,
                        registry_number: "123456",
                        birth_date: date(1970, 5, 15),
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
    Ok(())
}
