//! Domain enums stored as their text code: read and written by sqlx as the enum itself, so a
//! status never travels through the program as a string (issue 11). An unknown code in the
//! database is a decoding error, not a silent default.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::{Decode, Encode, Postgres, Type};

macro_rules! text_enum {
    ($ty:ty) => {
        impl Type<Postgres> for $ty {
            fn type_info() -> PgTypeInfo {
                <&str as Type<Postgres>>::type_info()
            }
            fn compatible(ty: &PgTypeInfo) -> bool {
                <&str as Type<Postgres>>::compatible(ty)
            }
        }

        impl<'r> Decode<'r, Postgres> for $ty {
            fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
                let code = <&str as Decode<Postgres>>::decode(value)?;
                <$ty>::from_code(code)
                    .ok_or_else(|| format!("unknown {} code {code:?}", stringify!($ty)).into())
            }
        }

        impl Encode<'_, Postgres> for $ty {
            fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
                <&str as Encode<Postgres>>::encode(self.code(), buf)
            }
        }
    };
}

text_enum!(crate::domain::application::Status);
text_enum!(crate::domain::seminar::Status);
text_enum!(crate::domain::record_status::CertificationStatus);
text_enum!(crate::domain::record_status::ChangeRequestStatus);
text_enum!(crate::domain::record_status::LinkReviewStatus);
text_enum!(crate::domain::record_status::ReportStatus);
text_enum!(crate::domain::record_status::MissingReportStatus);
text_enum!(crate::domain::credit_match::MatchStatus);
