//! The associations' staff accounts of the national data set (login IDs in `ids`), and the
//! municipal associations they work for.

use sqlx::PgConnection;

use super::names::{self, PREFECTURES};
use super::{ids, Scale};
use crate::clock::Jst;
use crate::db::bulk::{self, CopyRows, NextIds};

/// Prefectures whose applications go through municipal reception (受付) in the data set.
pub const MUNICIPAL_RECEPTION: [i16; 4] = [1, 14, 23, 40];

pub struct Staff {
    /// Per prefecture index: the prefectural association's id and its staff account.
    pub prefectural: Vec<(i64, i64)>,
    /// Per prefecture index, per city: the municipal association's id and its staff account.
    pub municipal: Vec<Vec<(i64, i64)>>,
    pub jma_account: i64,
}

/// Creates the municipal associations of every listed city (reusing the demo's), and one
/// staff account per association: pref01–pref47, muni0101…, jma01–jma03 and admin01.
pub async fn write_staff(
    conn: &mut PgConnection,
    next: &NextIds,
    scale: &Scale,
    hash: &str,
    now: Jst,
) -> anyhow::Result<Staff> {
    bulk::use_municipal_reception(conn, &MUNICIPAL_RECEPTION).await?;
    let existing = bulk::associations(conn).await?;
    let find = |kind: &str, name: Option<&str>, pref: Option<i16>| {
        existing
            .iter()
            .find(|(_, k, n, p)| k == kind && name.is_none_or(|name| n == name) && *p == pref)
            .map(|(id, ..)| *id)
    };
    let jma = find("jma", None, None).ok_or_else(|| anyhow::anyhow!("JMA is missing"))?;
    let mut prefectural_ids = Vec::new();
    let (mut new_names, mut new_prefs, mut new_parents) = (Vec::new(), Vec::new(), Vec::new());
    for pref in &PREFECTURES {
        let code = i16::from(pref.code);
        let id = find("prefectural", None, Some(code))
            .ok_or_else(|| anyhow::anyhow!("prefecture {code}'s association is missing"))?;
        prefectural_ids.push(id);
        for city in pref.cities {
            let name = names::municipal_association_name(city);
            if find("municipal", Some(&name), Some(code)).is_none() {
                new_names.push(name);
                new_prefs.push(code);
                new_parents.push(id);
            }
        }
    }
    let created =
        bulk::insert_municipal_associations(conn, &new_names, &new_prefs, &new_parents).await?;
    let mut created = created.into_iter();

    let mut account_id = next.account + i64::from(scale.physicians);
    let mut accounts = CopyRows::with_capacity(64 << 10);
    let mut memberships = CopyRows::with_capacity(16 << 10);
    let mut add = |login: &str, role: &str, display: &str, association: i64| -> i64 {
        let id = account_id;
        account_id += 1;
        accounts
            .plain(id)
            .text(login)
            .text(hash)
            .plain(role)
            .text(display)
            .text(&format!("{login}@staff.example.jp"))
            .plain(now.to_rfc3339())
            .plain("f")
            .plain(now.to_rfc3339())
            .plain(now.to_rfc3339())
            .end();
        memberships.plain(id).plain(association).plain(now.to_rfc3339()).end();
        id
    };
    let mut staff = Staff { prefectural: Vec::new(), municipal: Vec::new(), jma_account: 0 };
    for (i, pref) in PREFECTURES.iter().enumerate() {
        let code = i16::from(pref.code);
        let name = crate::domain::prefecture::name(code).unwrap_or_default();
        let login = ids::prefectural_staff_login_id(pref.code);
        let account =
            add(&login, "prefectural_staff", &format!("{name}医師会 事務局"), prefectural_ids[i]);
        staff.prefectural.push((prefectural_ids[i], account));
        let mut municipal = Vec::new();
        for (k, city) in pref.cities.iter().enumerate() {
            let association_name = names::municipal_association_name(city);
            let association = match find("municipal", Some(&association_name), Some(code)) {
                Some(id) => id,
                None => created.next().ok_or_else(|| anyhow::anyhow!("association not created"))?,
            };
            let login = ids::municipal_staff_login_id(pref.code, k + 1);
            let account =
                add(&login, "municipal_staff", &format!("{association_name} 事務局"), association);
            municipal.push((association, account));
        }
        staff.municipal.push(municipal);
    }
    for k in 1..=3 {
        let account =
            add(&ids::jma_staff_login_id(k), "jma_staff", &format!("日本医師会 事務局{k}"), jma);
        if k == 1 {
            staff.jma_account = account;
        }
    }
    add(ids::ADMIN_LOGIN_ID, "sysadmin", "システム管理者（全国データ）", jma);
    bulk::copy(conn, bulk::ACCOUNTS, &mut accounts).await?;
    bulk::copy(conn, bulk::STAFF_MEMBERSHIPS, &mut memberships).await?;
    Ok(staff)
}
