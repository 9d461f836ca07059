//! Mail about a person's account: registration, e-mail address, password.

use askama::Template;

use super::{Message, Signature};

#[derive(Template)]
#[template(path = "mail/email_confirmation.txt", escape = "none")]
pub struct EmailConfirmation {
    pub name: String,
    pub link: String,
    pub sig: Signature,
}

impl Message for EmailConfirmation {
    fn subject(&self) -> String {
        "【MAMIS】メールアドレスの確認".into()
    }
}

#[derive(Template)]
#[template(path = "mail/email_change_confirmation.txt", escape = "none")]
pub struct EmailChangeConfirmation {
    pub name: String,
    pub link: String,
    /// When the link expires, 「2025年4月11日 10:00」.
    pub until: String,
    pub sig: Signature,
}

impl Message for EmailChangeConfirmation {
    fn subject(&self) -> String {
        "【MAMIS】メールアドレス変更の確認".into()
    }
}

/// To the old address when a change of address is requested.
#[derive(Template)]
#[template(path = "mail/email_change_notice.txt", escape = "none")]
pub struct EmailChangeNotice {
    pub name: String,
    pub requested_at: String,
    pub sig: Signature,
}

impl Message for EmailChangeNotice {
    fn subject(&self) -> String {
        "【MAMIS】メールアドレス変更手続きのお知らせ".into()
    }
}

/// Self-registration with an address already registered.
#[derive(Template)]
#[template(path = "mail/registration_address_in_use.txt", escape = "none")]
pub struct RegistrationAddressInUse {
    pub forgot_url: String,
    pub sig: Signature,
}

impl Message for RegistrationAddressInUse {
    fn subject(&self) -> String {
        "【MAMIS】利用者登録について".into()
    }
}

#[derive(Template)]
#[template(path = "mail/registration_invitation.txt", escape = "none")]
pub struct RegistrationInvitation {
    pub link: String,
    pub sig: Signature,
}

impl Message for RegistrationInvitation {
    fn subject(&self) -> String {
        "【MAMIS】利用者登録のご案内".into()
    }
}

#[derive(Template)]
#[template(path = "mail/registration_completed.txt", escape = "none")]
pub struct RegistrationCompleted {
    pub name: String,
    pub completed_at: String,
    pub login_id: String,
    pub login_url: String,
    pub sig: Signature,
}

impl Message for RegistrationCompleted {
    fn subject(&self) -> String {
        "【MAMIS】利用者登録完了のお知らせ".into()
    }
}

/// A pre-created (postcard) account finished its first steps.
#[derive(Template)]
#[template(path = "mail/mypage_registered.txt", escape = "none")]
pub struct MypageRegistered {
    pub name: String,
    pub completed_at: String,
    pub login_url: String,
    pub sig: Signature,
}

impl Message for MypageRegistered {
    fn subject(&self) -> String {
        "【MAMIS】マイページ登録完了のお知らせ".into()
    }
}

#[derive(Template)]
#[template(path = "mail/password_changed.txt", escape = "none")]
pub struct PasswordChanged {
    pub name: String,
    pub changed_at: String,
    pub login_url: String,
    pub sig: Signature,
}

impl Message for PasswordChanged {
    fn subject(&self) -> String {
        "【MAMIS】パスワード変更のお知らせ".into()
    }
}

#[derive(Template)]
#[template(path = "mail/password_reset_link.txt", escape = "none")]
pub struct PasswordResetLink {
    pub name: String,
    pub login_id: String,
    pub link: String,
    pub until: String,
    pub sig: Signature,
}

impl Message for PasswordResetLink {
    fn subject(&self) -> String {
        "【MAMIS】ログインIDとパスワード再設定のご案内".into()
    }
}

#[derive(Template)]
#[template(path = "mail/password_reset_done.txt", escape = "none")]
pub struct PasswordResetDone {
    pub name: String,
    pub reset_at: String,
    pub login_url: String,
    pub sig: Signature,
}

impl Message for PasswordResetDone {
    fn subject(&self) -> String {
        "【MAMIS】パスワード再設定のお知らせ".into()
    }
}
