//! The application page: the requirement check, declared credits, files, history and forms.

#[allow(unused_imports)]
use super::*;
use crate::domain::application_form::declarable_categories;

pub struct RuleView {
    pub label: String,
    pub required: Option<String>,
    pub counted: Option<String>,
    pub met: bool,
    pub shortfall: Option<String>,
    pub note: Option<String>,
}

pub(super) fn rule_view(r: &Rule) -> RuleView {
    RuleView {
        label: r.label.clone(),
        required: r.required.map(|u| format!("{}単位", units_text(u))),
        counted: r.counted.map(|u| format!("{}単位", units_text(u))),
        met: r.met,
        shortfall: match (r.required, r.counted) {
            (Some(req), Some(got)) if got < req => {
                Some(format!("あと{}単位", units_text(req - got)))
            }
            _ => None,
        },
        note: r.note.clone(),
    }
}

pub struct DeclaredView {
    pub id: i64,
    pub category: &'static str,
    pub format: &'static str,
    pub units: String,
    pub date: String,
    pub source: &'static str,
    pub note: String,
    /// Dated outside the validity period of the term renewed: shown, not counted.
    pub outside: bool,
    /// Its certificate's upload, where each declared certificate needs one (sports): Some(true)
    /// uploaded, Some(false) still missing; None where no upload per row is asked.
    pub evidenced: Option<bool>,
}

pub struct FileView {
    pub id: i64,
    pub name: String,
    pub size: String,
    pub href: String,
    pub uploaded: String,
}

pub struct EventView {
    pub at: String,
    pub who: String,
    pub action: String,
    pub comment: Option<String>,
}

pub struct Choice {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// The page's errors, keyed by the id of the control (or section heading) they concern: shown
/// beside it and summarised at the top of the page.
pub type Errors = crate::domain::field_errors::FieldErrors;

#[derive(Template)]
#[template(path = "applications/show.html")]
struct ShowPage {
    layout: Layout,
    id: i64,
    programme: &'static str,
    kind: &'static str,
    status: &'static str,
    editable: bool,
    certificate: Option<String>,
    receiver: String,
    return_comment: Option<String>,
    submitted: Option<String>,
    /// What comes after submission: the fee as the prefecture instructs, and for declared 手帳
    /// credits where to mail the original.
    fee_instructions: String,
    handbook_address: Option<String>,
    cycle: Option<String>,
    met: bool,
    rules: Vec<RuleView>,
    portal_count: usize,
    declared: Vec<DeclaredView>,
    files: Vec<FileView>,
    events: Vec<EventView>,
    categories: Vec<Choice>,
    formats: Vec<Choice>,
    sources: Vec<Choice>,
    credit_form: CreditForm,
    cut_over: String,
    routes: Vec<Choice>,
    route_document_date: String,
    show_route_date: bool,
    receivers: Vec<ReceiverOption>,
    late: bool,
    late_reason: String,
    needs_practical: bool,
    practical_activity: String,
    /// Sports new by exemption: the four to choose from.
    exemptions: Vec<Choice>,
    /// The attendance date typed in 和暦, read back in the Western calendar.
    attended_echo: Option<String>,
    /// Declared certificates each need their own upload (sports).
    needs_upload: bool,
    errors: Errors,
}

/// Loads the physician's own application (404 for anyone else's).
pub(in crate::web::mypage) async fn own_application(
    conn: &mut sqlx::PgConnection,
    physician: &Physician,
    id: i64,
) -> AppResult<Application> {
    store::get(conn, id).await?.filter(|a| a.physician_id == physician.id).ok_or(AppError::NotFound)
}

struct FormChoices {
    categories: Vec<Choice>,
    formats: Vec<Choice>,
    sources: Vec<Choice>,
    exemptions: Vec<Choice>,
    routes: Vec<Choice>,
}

/// The choices of the page's forms, the typed (or stored) one selected.
fn form_choices(
    app: &Application,
    programme: Programme,
    credit_form: &CreditForm,
    details: &DetailsForm,
) -> FormChoices {
    let categories = declarable_categories(programme, &app.kind)
        .into_iter()
        .map(|c| Choice {
            code: c.code(),
            label: c.label(),
            selected: credit_form.category == c.code(),
        })
        .collect();
    let formats = [Format::InPerson, Format::Web]
        .into_iter()
        .map(|f| Choice {
            code: f.code(),
            label: f.label(),
            selected: credit_form.format == f.code()
                || (credit_form.format.is_empty() && f == Format::InPerson),
        })
        .collect();
    let sources = [("handbook", "手帳（シール）"), ("certificate", "修了証（紙・PDF）")]
        .into_iter()
        .filter(|(code, _)| programme.declared_sources().contains(code))
        .map(|(code, label)| Choice {
            code,
            label,
            selected: credit_form.source == code
                || (credit_form.source.is_empty() && code == programme.declared_sources()[0]),
        })
        .collect();
    let exemptions = if app.programme == "sports" && app.kind == "new" {
        Exemption::ALL
            .into_iter()
            .map(|e| Choice {
                code: e.code(),
                label: e.label(),
                selected: details.exemption == e.code(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let allowed = routes_for(&app.programme, &app.kind);
    let routes = allowed
        .iter()
        .map(|r| Choice { code: r, label: route_label(r), selected: details.route == *r })
        .collect();
    FormChoices { categories, formats, sources, exemptions, routes }
}

fn declared_views(
    app: &Application,
    declared: &[store::DeclaredCredit],
    needs_upload: bool,
) -> Vec<DeclaredView> {
    declared
        .iter()
        .map(|c| DeclaredView {
            id: c.id,
            category: Category::from_code(&c.category).map(Category::label).unwrap_or("不明"),
            format: Format::from_code(&c.format).map(Format::label).unwrap_or("不明"),
            units: units_text(c.units),
            date: format_jp_date(c.attended_on),
            source: source_label(&c.source),
            note: c.note.clone().unwrap_or_default(),
            outside: app.kind == "renewal"
                && app
                    .valid_from
                    .zip(app.valid_until)
                    .is_some_and(|(f, u)| c.attended_on < f || c.attended_on > u),
            evidenced: needs_upload.then_some(c.evidenced),
        })
        .collect()
}

fn file_views(id: i64, files: &[store::FileMeta]) -> Vec<FileView> {
    files
        .iter()
        .map(|f| FileView {
            id: f.id,
            name: f.file_name.clone(),
            size: if f.size_bytes >= 1024 * 1024 {
                format!("{:.1}MB", f64::from(f.size_bytes) / 1024.0 / 1024.0)
            } else {
                format!("{}KB", (f.size_bytes + 1023) / 1024)
            },
            href: format!("/mypage/applications/{id}/files/{}", f.id),
            uploaded: jp_time(f.uploaded_at),
        })
        .collect()
}

fn event_views(events: &[store::Event]) -> Vec<EventView> {
    events
        .iter()
        .map(|e| EventView {
            at: jp_time(e.at),
            who: match &e.actor_name {
                Some(n) => format!("{}（{}）", tier_label(&e.tier), n),
                None => tier_label(&e.tier).to_string(),
            },
            action: crate::domain::application_event::label_of(&e.action),
            comment: e.comment.clone(),
        })
        .collect()
}

/// What the application page shows, read in one go.
struct Loaded {
    app: Application,
    portal_count: usize,
    declared: Vec<store::DeclaredCredit>,
    files: Vec<store::FileMeta>,
    events: Vec<store::Event>,
    cycle: Option<String>,
    receivers: Vec<ReceiverOption>,
    outcome: crate::domain::requirements::Outcome,
}

async fn load(
    state: &AppState,
    physician: &Physician,
    id: i64,
    today: NaiveDate,
) -> AppResult<Loaded> {
    let mut conn = state.pool.acquire().await?;
    let app = own_application(&mut conn, physician, id).await?;
    let portal = store::portal_credits(&mut conn, physician.id, &app.programme).await?;
    let declared = store::declared_credits(&mut conn, id).await?;
    let files = store::files(&mut conn, id).await?;
    let events = store::events(&mut conn, id).await?;
    let cycle = cycle_notice(&mut conn, &app, today).await?;
    let receivers = receiver_options(&mut conn, physician).await?;
    let checked = crate::app::checks::application_with(&mut conn, id, today, &portal, &declared)
        .await?
        .ok_or(AppError::NotFound)?;
    let portal_count = portal.len();
    let outcome = checked.outcome;
    Ok(Loaded { app, portal_count, declared, files, events, cycle, receivers, outcome })
}

/// The form as stored, unless the page shows it again as typed.
fn stored_details(app: &Application) -> DetailsForm {
    DetailsForm {
        route: app.route.clone(),
        route_document_date: app.route_document_date.map(|d| d.to_string()).unwrap_or_default(),
        receiving_association_id: app.receiving_association_id.to_string(),
        late_reason: app.late_reason.clone().unwrap_or_default(),
        practical_activity: app.practical_activity.clone().unwrap_or_default(),
        exemption: app.exemption.clone().unwrap_or_default(),
    }
}

fn certificate_text(app: &Application) -> Option<String> {
    app.certificate_number.as_ref().map(|n| {
        let from = app.valid_from.map(format_jp_date).unwrap_or_default();
        let until = app.valid_until.map(format_jp_date).unwrap_or_default();
        format!("認定証番号 {n}（有効期間 {from} ～ {until}）")
    })
}

/// After submission: the fee as the prefecture instructs, and for declared 手帳 credits where
/// to mail the original.
fn after_submission(
    app: &Application,
    declared: &[store::DeclaredCredit],
) -> (String, Option<String>) {
    let fee = app.fee_instructions.clone();
    let fee = fee.unwrap_or_else(|| "支払い方法は都道府県医師会からご案内します。".into());
    let handbook = declared.iter().any(|c| c.source == "handbook").then(|| {
        let address = app.mailing_address.clone();
        address.unwrap_or_else(|| "送り先は都道府県医師会からご案内します。".into())
    });
    (fee, handbook)
}

#[allow(clippy::too_many_arguments)]
pub(in crate::web::mypage) async fn show_page(
    state: &AppState,
    ctx: &extract::Physician,
    physician: &Physician,
    id: i64,
    credit_form: CreditForm,
    details: Option<DetailsForm>,
    errors: Errors,
    status_code: StatusCode,
) -> AppResult<Response> {
    let today = ctx.now.date_naive();
    let Loaded { app, portal_count, declared, files, events, cycle, receivers, outcome } =
        load(state, physician, id, today).await?;
    let details = details.unwrap_or_else(|| stored_details(&app));
    let programme = Programme::from_code(&app.programme).unwrap_or(Programme::Occupational);
    let FormChoices { categories, formats, sources, exemptions, routes } =
        form_choices(&app, programme, &credit_form, &details);
    let needs_upload = programme.declared_needs_upload();
    let (fee_instructions, handbook_address) = after_submission(&app, &declared);
    let page = ShowPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        id,
        programme: programme.label(),
        kind: kind_label(&app.kind),
        status: app.status.label_for_physician(),
        editable: app.editable(),
        certificate: certificate_text(&app),
        receiver: app.receiving_association_name.clone(),
        return_comment: app.return_comment.clone().filter(|_| app.status() == Status::Returned),
        submitted: app.submitted_at.map(jp_time),
        fee_instructions,
        handbook_address,
        cycle,
        met: outcome.met,
        rules: outcome.rules.iter().map(rule_view).collect(),
        portal_count,
        declared: declared_views(&app, &declared, needs_upload),
        files: file_views(id, &files),
        events: event_views(&events),
        categories,
        formats,
        sources,
        attended_echo: crate::domain::era::western_echo(&credit_form.attended_on),
        credit_form,
        cut_over: format_jp_date(cut_over(state)),
        routes,
        show_route_date: routes_for(&app.programme, &app.kind).contains(&"university"),
        route_document_date: details.route_document_date,
        receivers,
        late: is_late(&app, today),
        late_reason: details.late_reason,
        needs_practical: app.programme == "sports" && app.kind == "renewal",
        practical_activity: details.practical_activity,
        exemptions,
        needs_upload,
        errors,
    };
    Ok((status_code, render(&page)?).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    ctx: extract::Physician,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let Some(physician) = my_physician(&state, &ctx).await? else {
        return Ok(see_other("/welcome"));
    };
    show_page(
        &state,
        &ctx,
        &physician,
        id,
        CreditForm::default(),
        None,
        Errors::default(),
        StatusCode::OK,
    )
    .await
}
