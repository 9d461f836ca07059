//! The staff home's menu, built from the policy: an item is offered exactly when the policy lets
//! the clerk do its work, so nobody is shown a link that answers 403.

use super::policy::{allows, scope, Action, List, Scope};
use super::role::Actor;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MenuItem {
    pub href: &'static str,
    pub title: &'static str,
    pub text: &'static str,
    /// Related pages, shown as links under the description.
    pub links: Vec<(&'static str, &'static str)>,
}

fn item(href: &'static str, title: &'static str, text: &'static str) -> MenuItem {
    MenuItem { href, title, text, links: Vec::new() }
}

fn reaches(actor: &Actor, list: List) -> bool {
    scope(actor, list) != Scope::Nothing
}

/// The office menu for `actor`, in the order the page shows it.
pub fn office(actor: &Actor) -> Vec<MenuItem> {
    let may = |action| allows(actor, action);
    let records = reaches(actor, List::Physicians);
    let follow_up = reaches(actor, List::SeminarFollowUp);
    let prefecture = match scope(actor, List::Applications) {
        Scope::Prefecture(code) => Some(code),
        _ => None,
    };
    let mut menu = Vec::new();
    if may(Action::ViewOffice) {
        let mut seminars = item(
            "/office/seminars",
            "研修会",
            "研修会の申請・審査・承認と、受講者の単位登録状況を確認します。",
        );
        if may(Action::SubmitSeminar) {
            seminars.links.push(("/office/seminars/new", "研修会を申請する"));
        }
        menu.push(seminars);
    }
    if may(Action::DecideSeminarAtCommittee) {
        let mut committee = item(
            "/office/committee",
            "運営委員会（研修会の承認）",
            "審査回ごとに研修会を承認します。",
        );
        committee.links.push(("/office/seminars/paper", "紙で承認済みの研修会を登録"));
        menu.push(committee);
    }
    if follow_up {
        menu.push(item(
            "/office/watch",
            "単位登録の期限管理",
            "開催から1か月以内に単位が登録されたかを確認し、主催者に催促します。",
        ));
    }
    if records {
        let mut notices = item(
            "/office/notices",
            "更新のご案内・はがき",
            "有効期限1年前のはがき、4か月前の更新案内の対象者を確認します。",
        );
        if prefecture.is_some() {
            notices.links.push((
                "/office/applications/request-letter",
                "日本医師会あての依頼状（今回の審査回）",
            ));
        }
        menu.push(notices);
        menu.push(item(
            "/office/exports",
            "集計表・名簿・住所ラベル",
            "更新申請の単位確認表・都道府県別集計表・更新申請印刷対象者の一覧（Excel）と、A4ラベル用紙に印刷する住所ラベル（PDF）をダウンロードします。",
        ));
        menu.push(item(
            "/office/charts",
            "統計グラフ",
            "更新対象者（単位不足の方を含む）、審査回ごとの申請、研修会の単位登録、確認中の単位を月別のグラフと表で見ます。",
        ));
    }
    if follow_up {
        menu.push(item("/office/reports", "開催報告", "産業医研修会の開催報告を確認します。"));
        menu.push(item(
            "/office/held-credits",
            "確認中の単位（生年月日の不一致）",
            "医籍登録番号は一致し生年月日が異なる単位を、医師に紐付けるか見送ります。",
        ));
        menu.push(item(
            "/office/missing-credits",
            "単位未反映の問い合わせ",
            "受講した医師からの「単位が反映されていない」という連絡に回答します。",
        ));
    }
    if reaches(actor, List::Applications) {
        let mut applications = item(
            "/office/applications",
            "申請の受付・審査",
            "新規・更新申請の受付、入金・手帳の記録、承認と差し戻しを行います。",
        );
        if records {
            applications.links.push(("/office/paper-certificates", "紙の認定証の送付"));
        }
        menu.push(applications);
    }
    if may(Action::DecideApplicationsAtCommittee) {
        menu.push(item(
            "/office/cycles",
            "審査回（認定医の申請）",
            "審査回ごとに申請を承認・却下し、審査回を締めます。",
        ));
    }
    if may(Action::ImportMembers) {
        menu.push(item(
            "/office/members/import",
            "医師会員の取り込み・はがき印刷",
            "会員名簿（CSV）からアカウントを作成し、初回ログイン用のはがきを印刷します。",
        ));
    }
    if may(Action::ImportCertifications) {
        menu.push(item(
            "/office/certifications/import",
            "認定医データの取り込み",
            "旧システムの認定医データ（CSV）を取り込み、登録済みの医師に紐付けます。",
        ));
    }
    if records {
        menu.push(item(
            "/office/links",
            "紐付けの確認",
            "医籍登録番号は一致し生年月日が異なる認定医データを照合します。",
        ));
        menu.push(item(
            "/office/changes",
            "登録情報の変更申請",
            "氏名・生年月日・性別・医籍登録番号の変更申請を審査します。",
        ));
        menu.push(item(
            "/office/physicians",
            "医師の検索・代理入力",
            "医籍登録番号や氏名で医師を探し、同意のある方の代理入力を行います（都道府県医師会）。",
        ));
    }
    if prefecture.is_some_and(|code| may(Action::ManageReception(code))) {
        menu.push(item(
            "/office/reception",
            "申請の受付と案内の設定",
            "会員の申請を郡市区医師会で受け付けるか、審査・登録料の支払い方法、手帳の送り先を決めます。",
        ));
    }
    if may(Action::ManageOwnAssociation) {
        menu.push(item(
            "/office/association",
            "会の設定（会長名）",
            "依頼状や認定証に印刷する会長名を登録します。",
        ));
    }
    if may(Action::ViewAuditLog) {
        menu.push(item("/audit", "操作履歴", "誰が・いつ・何を変更したかを確認できます。"));
    }
    menu
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::role::{AssociationKind, AssociationRef, Role};

    fn actor(role: Role, kind: AssociationKind, pref: Option<i16>) -> Actor {
        Actor {
            account_id: 1,
            role,
            association: Some(AssociationRef {
                id: 5,
                kind,
                name: "x".into(),
                prefecture_code: pref,
            }),
        }
    }

    fn hrefs(actor: &Actor) -> Vec<&'static str> {
        office(actor)
            .iter()
            .flat_map(|i| std::iter::once(i.href).chain(i.links.iter().map(|l| l.0)))
            .collect()
    }

    #[test]
    fn each_tier_is_offered_its_own_work_only() {
        let municipal = hrefs(&actor(Role::MunicipalStaff, AssociationKind::Municipal, Some(13)));
        assert_eq!(municipal, ["/office/seminars", "/office/seminars/new", "/office/applications"]);
        let prefectural =
            hrefs(&actor(Role::PrefecturalStaff, AssociationKind::Prefectural, Some(13)));
        for href in [
            "/office/physicians",
            "/office/reception",
            "/office/applications/request-letter",
            "/office/seminars/new",
        ] {
            assert!(prefectural.contains(&href), "prefecture: {href}");
        }
        for href in
            ["/office/cycles", "/office/committee", "/audit", "/office/certifications/import"]
        {
            assert!(!prefectural.contains(&href), "prefecture: not {href}");
        }
        let jma = hrefs(&actor(Role::JmaStaff, AssociationKind::Jma, None));
        for href in ["/office/cycles", "/office/committee", "/audit", "/office/physicians"] {
            assert!(jma.contains(&href), "JMA: {href}");
        }
        for href in
            ["/office/seminars/new", "/office/reception", "/office/applications/request-letter"]
        {
            assert!(!jma.contains(&href), "JMA: not {href}");
        }
        assert!(hrefs(&actor(Role::Physician, AssociationKind::Jma, None)).is_empty());
    }
}
