//! The contact details (identity fields are changed by request).

#[allow(unused_imports)]
use super::*;

#[derive(Template)]
#[template(path = "profile/edit.html")]
struct EditPage {
    layout: Layout,
    form: DetailsInput,
    errors: FieldErrors,
    prefectures: Vec<PrefectureOption>,
    identity_locked: bool,
}

/// The form as the record stands (identity fields are shown read-only).
fn details_input(p: &Physician) -> DetailsInput {
    DetailsInput {
        kanji_name: p.kanji_name.clone(),
        furigana: p.furigana.clone(),
        birth_date: p.birth_date.format("%Y-%m-%d").to_string(),
        sex: sex_label(&p.sex).to_string(),
        registry_number: opt(&p.registry_number),
        phone: opt(&p.phone),
        fax: opt(&p.fax),
        postal_code: opt(&p.postal_code),
        prefecture: p.prefecture_code.map(|c| c.to_string()).unwrap_or_default(),
        address: opt(&p.address),
        workplace: opt(&p.workplace),
    }
}

fn edit_page(ctx: &Ctx, form: DetailsInput, errors: FieldErrors) -> EditPage {
    EditPage {
        layout: ctx.layout(),
        prefectures: prefecture_options(&form.prefecture),
        form,
        errors,
        identity_locked: true,
    }
}

/// The contact fields of the details form, with the same rules and messages as registration.
pub fn parse_contact(input: &DetailsInput) -> Result<Contact, FieldErrors> {
    let mut errors = FieldErrors::default();
    let phone = parse_phone(&input.phone).map_err(|e| errors.add("phone", e));
    let fax =
        parse_phone(&input.fax).map_err(|e| errors.add("fax", e.replace("電話番号", "FAX番号")));
    let postal_code =
        parse_postal_code(&input.postal_code).map_err(|e| errors.add("postal_code", e));
    let prefecture_code = prefecture::parse(&input.prefecture)
        .ok_or_else(|| errors.add("prefecture", "都道府県を選んでください。"));
    let address = parse_free_text(&input.address, 200, Some("住所を入力してください。"))
        .map_err(|e| errors.add("address", e));
    let workplace =
        parse_free_text(&input.workplace, 100, None).map_err(|e| errors.add("workplace", e));
    if let (Ok(None), Ok(None)) = (&phone, &fax) {
        errors.add("phone", "電話番号かFAX番号のどちらかを入力してください。");
    }
    match (phone, fax, postal_code, prefecture_code, address, workplace) {
        (
            Ok(phone),
            Ok(fax),
            Ok(postal_code),
            Ok(prefecture_code),
            Ok(Some(address)),
            Ok(workplace),
        ) if errors.is_empty() => {
            Ok(Contact { phone, fax, postal_code, prefecture_code, address, workplace })
        }
        _ => Err(errors),
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    ctx: extract::Physician,
) -> AppResult<Response> {
    let user = &ctx.user;
    let Some(p) = own_physician(&state, user.id).await? else {
        return no_record(&ctx).await;
    };
    render(&edit_page(&ctx, details_input(&p), FieldErrors::default()))
}

/// Adds `key` to both sides when the value changed.
fn diff(
    before: &mut Map<String, Value>,
    after: &mut Map<String, Value>,
    key: &str,
    old: Value,
    new: Value,
) {
    if old != new {
        before.insert(key.into(), old);
        after.insert(key.into(), new);
    }
}

pub async fn edit_submit(
    State(state): State<AppState>,
    ctx: extract::Physician,
    Form(input): Form<DetailsInput>,
) -> AppResult<Response> {
    let user = ctx.user.clone();
    let mut tx = state.pool.begin().await?;
    let Some(p) = db::profile::physician_for_update(&mut tx, user.id).await? else {
        tx.rollback().await?;
        return no_record(&ctx).await;
    };
    let contact = match parse_contact(&input) {
        Ok(contact) => contact,
        Err(errors) => {
            tx.rollback().await?;
            // Keep what was typed in the contact fields; identity fields are not editable here.
            let recorded = details_input(&p);
            let form = DetailsInput {
                kanji_name: recorded.kanji_name,
                furigana: recorded.furigana,
                birth_date: recorded.birth_date,
                sex: recorded.sex,
                registry_number: recorded.registry_number,
                ..input
            };
            let page = edit_page(&ctx, form, errors);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    let (mut before, mut after) = (Map::new(), Map::new());
    diff(&mut before, &mut after, "phone", json!(p.phone), json!(contact.phone));
    diff(&mut before, &mut after, "fax", json!(p.fax), json!(contact.fax));
    diff(&mut before, &mut after, "postal_code", json!(p.postal_code), json!(contact.postal_code));
    diff(
        &mut before,
        &mut after,
        "prefecture_code",
        json!(p.prefecture_code),
        json!(contact.prefecture_code),
    );
    diff(&mut before, &mut after, "address", json!(p.address), json!(contact.address));
    diff(&mut before, &mut after, "workplace", json!(p.workplace), json!(contact.workplace));
    if after.is_empty() {
        tx.rollback().await?;
        ctx.flash("変更された項目はありませんでした。").await?;
        return Ok(see_other("/mypage/profile"));
    }
    db::profile::update_contact(&mut tx, p.id, &contact, ctx.now).await?;
    let entry = audit::Entry {
        action: "physician.update_contact",
        entity_type: "physician",
        entity_id: Some(p.id.to_string()),
        before: Some(Value::Object(before)),
        after: Some(Value::Object(after)),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    tx.commit().await?;
    ctx.flash("連絡先・住所などを変更しました。").await?;
    Ok(see_other("/mypage/profile"))
}
