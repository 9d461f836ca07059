//! The seminar form, shared by the staff application, its correction, the paper entry and the
//! public pages (`web::work::seminar_apply`, `web::work::seminar_correct`): the views of the
//! `seminars/_fields.html` partial and the staff form page.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::app::seminars::submission::Refusal;
use crate::db::seminars::{self, Seminar};
use crate::domain::category::{Category, Format, Programme};
use crate::domain::registration::FieldErrors;
use crate::domain::seminar::{units_field, SeminarInput};
use crate::error::AppResult;
use crate::mail::messages::prefecture_association;
use crate::web::ctx::Ctx;
use crate::web::layout::{prefecture_options, Layout, PrefectureOption};
use crate::web::office::seminar_files::AttachmentsView;
use crate::web::render;
use crate::web::work::timetable::TimetableView;

pub struct UnitFieldView {
    pub field: &'static str,
    pub label: &'static str,
    pub value: String,
    /// Web seminars may grant this category.
    pub web_ok: bool,
}

pub struct UnitGroupView {
    pub programme: &'static str,
    pub label: &'static str,
    pub fields: Vec<UnitFieldView>,
}

pub fn unit_groups(input: &SeminarInput) -> Vec<UnitGroupView> {
    Programme::ALL
        .into_iter()
        .map(|p| UnitGroupView {
            programme: p.code(),
            label: p.label(),
            fields: p
                .categories()
                .into_iter()
                .map(|c| UnitFieldView {
                    field: units_field(c),
                    label: c.label(),
                    value: input.units(c).to_string(),
                    web_ok: c.allowed_in(Format::Web),
                })
                .collect(),
        })
        .collect()
}

/// An <option> of the organizing-association select (paper entry).
pub struct AssociationOption {
    pub id: i64,
    pub name: String,
    pub selected: bool,
}

/// Everything the shared fields partial (`seminars/_fields.html`) needs.
pub struct SeminarForm {
    pub input: SeminarInput,
    pub errors: FieldErrors,
    pub prefectures: Vec<PrefectureOption>,
    pub units: Vec<UnitGroupView>,
    /// Set when the organizer is the staff member's association (no input).
    pub organizer_fixed: Option<String>,
    /// Set when the approving prefecture follows from the association (no input).
    pub prefecture_fixed: Option<String>,
    /// Paper entry: the associations JMA may name as organizer.
    pub associations: Vec<AssociationOption>,
    /// The programme rows (applications; not paper entries).
    pub timetable: Option<TimetableView>,
    /// PDF attachments (applications; not paper entries).
    pub attachments: Option<AttachmentsView>,
}

impl SeminarForm {
    pub fn new(mut input: SeminarInput, errors: FieldErrors) -> Self {
        if input.idempotency_key.is_empty() {
            input.idempotency_key = crate::db::tokens::new_token();
        }
        SeminarForm {
            prefectures: prefecture_options(&input.approving_prefecture),
            units: unit_groups(&input),
            input,
            errors,
            organizer_fixed: None,
            prefecture_fixed: None,
            associations: Vec::new(),
            timetable: None,
            attachments: None,
        }
    }

    pub fn error_count(&self) -> usize {
        self.errors.len()
    }

    /// What was typed into a text field, by its name.
    pub fn value(&self, field: &str) -> &str {
        let i = &self.input;
        match field {
            "title" => &i.title,
            "starts_on" => &i.starts_on,
            "ends_on" => &i.ends_on,
            "venue" => &i.venue,
            "organizer_name" => &i.organizer_name,
            "contact_name" => &i.contact_name,
            "contact_email" => &i.contact_email,
            "contact_phone" => &i.contact_phone,
            "contact_fax" => &i.contact_fax,
            "capacity" => &i.capacity,
            "idempotency_key" => &i.idempotency_key,
            _ => "",
        }
    }

    /// The form refused by `app::seminars::submission`, shown again with its errors.
    pub fn refused(refusal: Box<Refusal>) -> SeminarForm {
        let Refusal { input, errors, lectures, lecture_errors, file_error } = *refusal;
        let mut form = SeminarForm::new(input, errors);
        form.timetable = Some(TimetableView::new(lectures, lecture_errors));
        form.attachments = Some(AttachmentsView { error: file_error, existing: Vec::new() });
        form
    }

    /// The organizer and the approving prefecture shown, not asked.
    pub fn fixed(mut self, organizer: &str, prefecture_code: i16) -> SeminarForm {
        self.organizer_fixed = Some(organizer.to_string());
        self.prefecture_fixed = Some(prefecture_association(prefecture_code));
        self
    }
}

/// The form as the seminar stands (a correction starts from it).
pub fn input_from(seminar: &Seminar, units: &[seminars::UnitRow]) -> SeminarInput {
    let mut input = SeminarInput {
        programme: seminar.programme.clone(),
        title: seminar.title.clone(),
        starts_on: seminar.starts_on.to_string(),
        ends_on: seminar.ends_on.to_string(),
        format: seminar.format.clone(),
        venue: seminar.venue.clone(),
        organizer_name: seminar.organizer_name.clone(),
        contact_name: seminar.contact_name.clone(),
        contact_email: seminar.contact_email.clone(),
        contact_phone: seminar.contact_phone.clone().unwrap_or_default(),
        contact_fax: seminar.contact_fax.clone().unwrap_or_default(),
        approving_prefecture: seminar.approving_prefecture_code.to_string(),
        recruiting: if seminar.recruiting { "yes".into() } else { String::new() },
        capacity: seminar.capacity.map(|c| c.to_string()).unwrap_or_default(),
        ..Default::default()
    };
    for u in units {
        if let Some(c) = Category::from_code(&u.category) {
            input.set_units(c, u.units.normalize().to_string());
        }
    }
    input
}

/// What a staff form page says around the form.
pub struct FormText {
    pub heading: &'static str,
    pub intro: &'static str,
    pub action: String,
    pub submit_label: &'static str,
    pub back: String,
}

#[derive(Template)]
#[template(path = "office/seminars/form.html")]
struct FormPage {
    layout: Layout,
    heading: &'static str,
    intro: &'static str,
    action: String,
    submit_label: &'static str,
    back: String,
    form: SeminarForm,
}

/// The staff form page (422 when the form carries errors).
pub async fn form_page(ctx: &Ctx, text: FormText, form: SeminarForm) -> AppResult<Response> {
    let status =
        if form.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = FormPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        heading: text.heading,
        intro: text.intro,
        action: text.action,
        submit_label: text.submit_label,
        back: text.back,
        form,
    };
    Ok((status, render(&page)?).into_response())
}
