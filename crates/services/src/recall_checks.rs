//! A repair order's safety recall checks: the vehicle's year, make and model (decoded from its
//! VIN when the order doesn't have them) asked of NHTSA, and each answer kept with the order so
//! it shows offline and stays on record.

use dixon_vehicle::RecallCheck;
use sqlx::Row;

use crate::Services;

/// Why the recalls of an order could not be checked; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum RecallError {
    #[error("The vehicle on repair order {0} has no year, make and model (nor a VIN that decodes to them): add them, then check recalls.")]
    UnknownVehicle(i64),
    #[error(transparent)]
    Shop(#[from] dixon_shop::Error),
    #[error("{0}")]
    Nhtsa(#[from] dixon_resilience::Error),
    #[error("The recall check could not be kept ({0}).")]
    Database(#[from] sqlx::Error),
}

impl RecallError {
    pub fn kind(&self) -> &'static str {
        match self {
            RecallError::UnknownVehicle(_) => "invalid",
            RecallError::Shop(e) => e.kind(),
            RecallError::Nhtsa(e) => e.kind(),
            RecallError::Database(_) => "database",
        }
    }
}

/// Checks the recalls of order `number`'s vehicle now and keeps the answer with the order.
pub async fn check(services: &Services, number: i64) -> Result<RecallCheck, RecallError> {
    let order = services.store.repair_order(number).await?;
    let vehicle = &order.vehicle;
    let (mut year, mut make, mut model) = (vehicle.year, vehicle.make.clone(), vehicle.model.clone());
    if year.is_none() || make.is_none() || model.is_none() {
        if let Some(vin) = &vehicle.vin {
            let this_year = dixon_clock::local_year(chrono::Utc::now());
            if let Ok((_, decoded)) = services.vpic.decode_checked(vin, this_year).await {
                year = year.or(decoded.value.model_year);
                make = make.or(decoded.value.make);
                model = model.or(decoded.value.model);
            }
        }
    }
    let (Some(year), Some(make), Some(model)) = (year, make, model) else {
        return Err(RecallError::UnknownVehicle(number));
    };
    let checked = services.recalls.for_vehicle(year, &make, &model).await?;
    let order_id: i64 = sqlx::query_scalar("SELECT id FROM repair_orders WHERE number = ?")
        .bind(number)
        .fetch_one(services.store.pool())
        .await?;
    sqlx::query("INSERT INTO recall_checks (repair_order_id, recall_count, result, checked_at) VALUES (?, ?, ?, ?)")
        .bind(order_id)
        .bind(checked.recalls.len() as i64)
        .bind(serde_json::to_string(&checked).unwrap_or_default())
        .bind(dixon_clock::to_stored(checked.checked_at))
        .execute(services.store.pool())
        .await?;
    Ok(checked)
}

/// The newest check kept with order `number`, if any.
pub async fn latest(services: &Services, number: i64) -> Result<Option<RecallCheck>, RecallError> {
    let row = sqlx::query(
        "SELECT c.result FROM recall_checks c JOIN repair_orders r ON r.id = c.repair_order_id
          WHERE r.number = ? ORDER BY c.checked_at DESC, c.id DESC LIMIT 1",
    )
    .bind(number)
    .fetch_optional(services.store.pool())
    .await?;
    Ok(row.and_then(|r| r.try_get::<String, _>("result").ok()).and_then(|text| serde_json::from_str(&text).ok()))
}
