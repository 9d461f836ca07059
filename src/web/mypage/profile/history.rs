//! The physician's change history, read from the audit log in plain Japanese.

#[allow(unused_imports)]
use super::*;

pub struct HistoryView {
    pub at: String,
    pub what: String,
    pub by: String,
    pub proxy: bool,
    pub details: Vec<String>,
}

const DETAIL_ORDER: [&str; 17] = [
    "kanji_name",
    "furigana",
    "birth_date",
    "sex",
    "registry_number",
    "phone",
    "fax",
    "postal_code",
    "prefecture_code",
    "address",
    "workplace",
    "email",
    "requested_email",
    "mailed_to",
    "status",
    "reason",
    "comment",
];

/// 「住所：旧 → 新」 lines for the fields an entry touched. A change request's requested
/// values sit under "changes".
fn detail_lines(before: Option<&Value>, after: Option<&Value>) -> Vec<String> {
    let flatten = |v: Option<&Value>| -> Map<String, Value> {
        let mut map = v.and_then(Value::as_object).cloned().unwrap_or_default();
        if let Some(Value::Object(changes)) = map.remove("changes") {
            map.extend(changes);
        }
        map
    };
    let (before, after) = (flatten(before), flatten(after));
    let mut lines = Vec::new();
    for key in DETAIL_ORDER {
        let Some(label) = field_label(key) else { continue };
        match (before.get(key), after.get(key)) {
            (Some(old), Some(new)) => lines.push(format!(
                "{label}：{} → {}",
                display_value(key, old),
                display_value(key, new)
            )),
            (None, Some(new)) => lines.push(format!("{label}：{}", display_value(key, new))),
            (Some(old), None) => {
                lines.push(format!("{label}：{}（変更前）", display_value(key, old)))
            }
            (None, None) => {}
        }
    }
    lines
}

#[derive(Template)]
#[template(path = "profile/history.html")]
struct HistoryPage {
    layout: Layout,
    entries: Vec<HistoryView>,
}

pub async fn history(
    State(state): State<AppState>,
    ctx: extract::Physician,
) -> AppResult<Response> {
    let user = &ctx.user;
    let physician = own_physician(&state, user.id).await?;
    let rows =
        db::profile::history(&state.pool, user.id, physician.map(|p| p.id), HISTORY_LIMIT).await?;
    let entries = rows
        .into_iter()
        .map(|r| HistoryView {
            at: jp_time(r.at),
            what: crate::domain::audit_action::label_of(&r.action),
            by: match (r.on_behalf, r.by_self, r.by_staff, &r.staff_association) {
                (true, _, _, Some(name)) => format!("{name}（事務局）による代理入力"),
                (true, _, _, None) => "事務局による代理入力".to_string(),
                (_, true, _, _) => "ご本人".to_string(),
                (_, _, true, Some(name)) => format!("{name}（事務局）"),
                (_, _, true, None) => "事務局".to_string(),
                _ => "ログイン前の手続き".to_string(),
            },
            proxy: r.on_behalf,
            details: detail_lines(r.before.as_ref(), r.after.as_ref()),
        })
        .collect();
    render(&HistoryPage { layout: ctx.layout(), entries })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_lines_speak_plain_japanese() {
        let before = json!({ "address": "東京都千代田区1-1", "prefecture_code": 13 });
        let after = json!({ "address": "大阪府大阪市北区1-1", "prefecture_code": 27 });
        assert_eq!(
            detail_lines(Some(&before), Some(&after)),
            vec!["都道府県：東京都 → 大阪府", "住所：東京都千代田区1-1 → 大阪府大阪市北区1-1"]
        );
        let request = json!({
            "changes": { "sex": "female", "birth_date": "1970-05-16" }, "reason": "誤登録"
        });
        assert_eq!(
            detail_lines(None, Some(&request)),
            vec!["生年月日：1970年5月16日", "性別：女", "理由：誤登録"]
        );
        assert_eq!(
            detail_lines(None, Some(&json!({ "password": "changed" }))),
            Vec::<String>::new()
        );
        assert_eq!(
            detail_lines(Some(&json!({ "fax": null })), Some(&json!({ "fax": "03-1111-2222" }))),
            vec!["FAX番号：（なし） → 03-1111-2222"]
        );
    }
}
