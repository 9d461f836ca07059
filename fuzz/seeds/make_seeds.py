#!/usr/bin/env python3
"""Writes the seed inputs of every fuzz target into fuzz/corpus/<target>/ (run from the
repository root). Real shapes: the attendee fixtures and template, Shift_JIS with half-width
katakana, era dates, full-width digits, urlencoded forms as browsers send them."""
import os, shutil
from urllib.parse import urlencode

def put(target, name, data):
    d = f"fuzz/corpus/{target}"
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(f"{d}/seed-{name}", "wb") as f:
        f.write(data)

BOM = b"\xef\xbb\xbf"
os.makedirs("fuzz/corpus/attendee_csv", exist_ok=True)
for src in ["attendees_sjis.csv", "attendees_utf8_bom.csv"]:
    shutil.copy(f"tests/fixtures/{src}", f"fuzz/corpus/attendee_csv/seed-{src}")

H = "漢字氏名,フリガナ,生年月日（西暦）,性別,医籍登録番号,メールアドレス,電話番号,FAX番号,単位_生涯研修 更新,単位_生涯研修 専門,単位_健康スポーツ医 再研修"
put("attendee_csv", "template", BOM + (H + "\r\n").encode())
put("attendee_csv", "era-fullwidth", BOM + (H + "\r\n令和元年5月1日の人,ﾚｲﾜ ｹﾞﾝﾈﾝ,R1.5.1,女,第１２３４５６号,a@example.jp,０３－１２３４－５６７８,,１．５,1.5,2\r\n"
    "\"昭和, 花子\",ショウワ ハナコ,S64.1.7,男性,654321,b@example.jp,,06-1111-2222,0,,\r\n"
    "平成 太郎,へいせい たろう,平成31年4月30日,2,234567,c@example.jp,090-0000-0000,,3,,\r\n"
    "明治 一,ﾒｲｼﾞ ﾊｼﾞﾒ,M45.7.29,男,345678,,03-0000-0000,,,,\r\n").encode())
put("attendee_csv", "sjis-kana", (H + "\r\n山田 太郎,ﾔﾏﾀﾞ ﾀﾛｳ,昭和45年5月15日,男,123456,yamada@example.jp,03-1234-5678,,1,,\r\n髙橋 﨑子,ﾀｶﾊｼ ｻｷｺ,1975/6/3,女,１２３４５７,t@example.jp,,06-1234-5678,,1,\r\n").encode("cp932"))
put("attendee_csv", "duplicate-lf-quoted", (H + "\n山田 太郎,ヤマダ タロウ,1970-05-15,男,123456,x@example.jp,03-1,,,,\n\"山田\n太郎\",ヤマダ タロウ,19700515,男,123456,y@example.jp,03-1,,\"1\",,\n").encode())
put("attendee_csv", "utf16", b"\xff\xfe" + "漢字氏名".encode("utf-16-le"))
put("attendee_csv", "missing-columns", BOM + "漢字氏名,フリガナ\r\n山田 太郎,ヤマダ タロウ\r\n".encode())

MH = "氏名,フリガナ,生年月日,性別,医籍登録番号,郵便番号,都道府県,住所,所属医師会,電話番号,FAX番号"
put("member_csv", "utf8", BOM + (MH + "\r\n山田 太郎,ヤマダ タロウ,1970-05-15,男,123456,100-0001,東京都,千代田区1-1,千代田区医師会,03-1234-5678,\r\n"
    "佐藤 花子,ｻﾄｳ ﾊﾅｺ,昭和50年1月2日,女,１２３４５７,〒１６０－００２３,13,新宿区西新宿2-8-1,,,03-0000-0000\r\n").encode())
put("member_csv", "sjis", (MH + "\r\n髙橋 﨑子,ﾀｶﾊｼ ｻｷｺ,H2.1.8,女,第２３４５６７号,5300001,大阪府,大阪市北区,,06-1234-5678,\r\n").encode("cp932"))
put("member_csv", "aliases", ("漢字氏名,ふりがな,生年月日,性別,医籍番号,郵便番号,都道府県,住所,郡市区医師会,電話,FAX\n鈴木 一郎,すずき いちろう,1960/2/29,1,345678,0600000,北海道,札幌市,,011-000-0000,\n鈴木 一郎,すずき いちろう,1960/2/29,1,345678,0600000,北海道,札幌市,,011-000-0000,\n").encode())

CH = "認定証番号,区分,医籍登録番号,生年月日,有効期間開始,有効期間終了"
put("certification_csv", "utf8", BOM + (CH + "\r\n0123456,認定産業医,123456,1970-05-15,2021-04-01,2026-03-31\r\n第００１２号,健康スポーツ医,１２３４５７,S50.1.2,H31.4.1,R6.3.31\r\n0123456,occupational,234567,1980/1/1,2022/4/1,2027/3/31\r\n").encode())
put("certification_csv", "sjis", (CH + "\r\n7,産業医,345678,昭和45年5月15日,令和3年4月1日,令和8年3月31日\r\n8,スポーツ医,456789,1975-06-03,2026-04-01,2021-03-31\r\n").encode("cp932"))

details = dict(kanji_name="山田 太郎", furigana="ﾔﾏﾀﾞ ﾀﾛｳ", birth_date="昭和45年5月15日", sex="male",
               registry_number="第１２３４５６号", phone="03-1234-5678", fax="", postal_code="〒100-0001",
               prefecture="13", address="千代田区千代田1-1", workplace="株式会社テスト")
put("form_details", "ok", urlencode(details))
put("form_details", "era", urlencode(dict(details, birth_date="R1.5.1", furigana="やまだ たろう", sex="female", prefecture="東京都", phone="", fax="０３－０００－００００")))
put("form_details", "empty", "")
put("form_register_finish", "ok", urlencode(dict(details, token="abc", login_id="ｄｏｃｔｏｒ０１", password="correct horse battery", confirm_password="correct horse battery")))
put("form_identity", "ok", urlencode(dict(kanji_name="山田 太朗", furigana="ヤマダ タロウ", birth_date="1970-05-15", sex="male", registry_number="123457", reason="戸籍上の表記に合わせるため")))
put("form_identity", "era", urlencode(dict(kanji_name="髙橋 﨑子", furigana="ﾀｶﾊｼ ｻｷｺ", birth_date="H2.1.8", sex="女", registry_number="第２３４５６７号", reason="")))
seminar = dict(programme="occupational", title="産業医研修会", starts_on="2025-06-01", ends_on="2025-06-01", format="in_person",
               venue="東京都医師会館", organizer_name="東京都医師会", contact_name="担当 太郎", contact_email="seminar@example.jp",
               contact_phone="03-1234-5678", contact_fax="", approving_prefecture="13",
               units_lifelong_renewal="1", units_lifelong_specialized="１．５", recruiting="yes", capacity="100")
put("form_seminar", "ok", urlencode(seminar))
put("form_seminar", "sports", urlencode(dict(seminar, programme="sports", format="web", units_lifelong_renewal="", units_lifelong_specialized="", units_sports_retraining="2", starts_on="令和7年7月1日", ends_on="2025/7/2", capacity="")))
put("form_credit", "ok", urlencode(dict(category="lifelong_renewal", format="in_person", units="1.5", attended_on="2024-05-10", source="handbook", note="地域の研修会")))
put("form_credit", "sports", urlencode(dict(category="sports_retraining", format="web", units="２", attended_on="2025/3/31", source="certificate", note="")))
put("form_application_details", "ok", urlencode(dict(route="university", route_document_date="2022-03-31", receiving_association_id="12", late_reason="", practical_activity="")))
put("form_attendee_entry", "ok", urlencode([("kanji_name", "山田 太郎"), ("furigana", "ﾔﾏﾀﾞ ﾀﾛｳ"), ("birth_date", "S45.5.15"), ("sex", "男"), ("registry_number", "１２３４５６"), ("email", "a@example.jp"), ("phone", "03-1234-5678"), ("fax", ""), ("lifelong_renewal", "1"), ("sports_retraining", "0")]))
put("form_staff_decision", "step", urlencode(dict(version="3", comment="書類が不足しています。", decision="return")))
put("form_staff_decision", "window", urlencode(dict(starts_at="2025-04-07 09:00", ends_at="2025-04-07T18:00:00+09:00", reason="定期保守")))
put("form_staff_decision", "missing", urlencode(dict(seminar_id="5", title="研修会", date="2024/12/1", note="受講しましたが登録されていません。", q="研修")))
put("form_login", "ok", urlencode(dict(login_id="　ｄｏｃｔｏｒ ", password="x", next="/mypage/applications?x=1", email="doctor@example.jp")))
put("form_login", "evil-next", urlencode(dict(login_id="a", password="", next="//evil.example/", email="no-at-sign")))
put("query_strings", "export", "prefecture=13&from=2025-04-01&until=2025-03-31&month=2025-13")
put("query_strings", "fullwidth", urlencode(dict(prefecture="東京都", month="２０２５－０４", page="-1", q="ﾔﾏﾀﾞ", action="auth.login")))
for i, v in enumerate(["昭和45年5月15日", "R1.5.1", "H31.4.30", "令和元年5月1日", "1970-05-15", "19700515", "１９７０／５／１５",
                       "ﾔﾏﾀﾞ ﾀﾛｳ", "やまだ　たろう", "第１２３４５６号", "〒１００－０００１", "03-1234-5678", "１．５", "東京都", "a@b.jp", "M45.7.30", "2025-04-07 09:00"]):
    put("field_text", str(i), v)
