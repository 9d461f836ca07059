//! The read replica's state, as the replica itself reports it.

use sqlx::PgPool;

/// How far the server behind `pool` is behind its primary, in seconds; 0 when it has replayed
/// everything it received (an idle primary writes nothing, so the last replay's age alone would
/// grow without any lag) or when it is not a replica at all (e.g. a second pool on the primary).
pub async fn lag_seconds(pool: &PgPool) -> sqlx::Result<f64> {
    sqlx::query_scalar(
        "SELECT CASE
                    WHEN NOT pg_is_in_recovery() THEN 0
                    WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn()
                        THEN 0
                    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
                END::float8",
    )
    .fetch_one(pool)
    .await
}
