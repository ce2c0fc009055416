//! Shops, enrollment and devices, and the per-request tenant guard.

use serde::Serialize;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Executor, Postgres, Transaction};
use uuid::Uuid;

use crate::credentials::{new_secret, sha256, DeviceToken, EnrollmentCode};
use crate::{Error, Result, MIGRATOR};

/// How long an enrollment code stays valid.
const CODE_DAYS: i32 = 7;

/// The operator's side: the schema and the shops, with the database owner's connection.
pub struct Admin {
    pool: PgPool,
}

impl Admin {
    pub async fn connect(database_url: &str) -> Result<Admin> {
        Ok(Admin { pool: PgPoolOptions::new().max_connections(2).connect(database_url).await? })
    }

    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    /// A new shop and its first enrollment code.
    pub async fn create_shop(&self, name: &str) -> Result<(Uuid, EnrollmentCode)> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(Error::BadRequest("A shop needs a name of 1 to 200 characters.".into()));
        }
        let shop = Uuid::new_v4();
        let mut tx = Tenant::begin(&self.pool, shop).await?;
        sqlx::query("INSERT INTO shops (id, name) VALUES ($1, $2)").bind(shop).bind(name).execute(&mut *tx.tx).await?;
        let code = insert_code(&mut tx.tx, shop).await?;
        tx.tx.commit().await?;
        Ok((shop, code))
    }

    /// Another one-time code for an existing shop (a new counter, or one to enroll again).
    pub async fn enrollment_code(&self, shop: Uuid) -> Result<EnrollmentCode> {
        let mut tx = Tenant::begin(&self.pool, shop).await?;
        known_shop(&mut tx.tx, shop).await?;
        let code = insert_code(&mut tx.tx, shop).await?;
        tx.tx.commit().await?;
        Ok(code)
    }

    /// Sets what `provider` ("stripe", "twilio", "sendgrid") signs its calls to `shop` with: the
    /// Stripe webhook signing secret, the Twilio auth token, SendGrid's event-webhook public key.
    pub async fn set_relay_secret(&self, shop: Uuid, provider: &str, secret: &str) -> Result<()> {
        let secret = secret.trim();
        if crate::relay::Provider::parse(provider).is_none() {
            return Err(Error::BadRequest(format!(
                "'{provider}' is not a service the cloud relays: stripe, twilio or sendgrid."
            )));
        }
        if secret.is_empty() {
            return Err(Error::BadRequest("The secret is empty: paste it on the standard input.".into()));
        }
        let mut tx = Tenant::begin(&self.pool, shop).await?;
        known_shop(&mut tx.tx, shop).await?;
        sqlx::query(
            "INSERT INTO relay_secrets (shop_id, provider, secret) VALUES ($1, $2, $3)
             ON CONFLICT (shop_id, provider) DO UPDATE SET secret = excluded.secret, set_at = now()",
        )
        .bind(shop)
        .bind(provider)
        .bind(secret)
        .execute(&mut *tx.tx)
        .await?;
        tx.tx.commit().await?;
        Ok(())
    }

    /// Removes a device's right to sync (a stolen or replaced PC); its credential stops working
    /// at once. `false` when the shop has no such device.
    pub async fn revoke_device(&self, shop: Uuid, device: Uuid) -> Result<bool> {
        let mut tx = Tenant::begin(&self.pool, shop).await?;
        let done =
            sqlx::query("UPDATE devices SET revoked_at = now() WHERE shop_id = $1 AND id = $2 AND revoked_at IS NULL")
                .bind(shop)
                .bind(device)
                .execute(&mut *tx.tx)
                .await?
                .rows_affected()
                == 1;
        tx.tx.commit().await?;
        Ok(done)
    }
}

/// Refuses a shop id that names no shop.
async fn known_shop(tx: &mut Transaction<'static, Postgres>, shop: Uuid) -> Result<()> {
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM shops WHERE id = $1)").bind(shop).fetch_one(&mut **tx).await?;
    if exists {
        Ok(())
    } else {
        Err(Error::UnknownShop(shop.to_string()))
    }
}

async fn insert_code(tx: &mut Transaction<'static, Postgres>, shop: Uuid) -> Result<EnrollmentCode> {
    let code = EnrollmentCode::generate();
    sqlx::query(
        "INSERT INTO enrollment_codes (shop_id, code_hash, expires_at) VALUES ($1, $2, now() + make_interval(days => $3))",
    )
    .bind(shop)
    .bind(EnrollmentCode::hash(&code.0))
    .bind(CODE_DAYS)
    .execute(&mut **tx)
    .await?;
    Ok(code)
}

/// The server's pool: every connection works as `dixon_app`, which row-level security binds.
pub async fn connect_as_app(database_url: &str, max_connections: u32) -> Result<PgPool> {
    Ok(PgPoolOptions::new()
        .max_connections(max_connections)
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute("SET ROLE dixon_app").await?;
                Ok(())
            })
        })
        .connect(database_url)
        .await?)
}

/// A transaction that sees and writes only one shop's rows.
pub struct Tenant {
    pub shop: Uuid,
    pub tx: Transaction<'static, Postgres>,
}

impl Tenant {
    pub async fn begin(pool: &PgPool, shop: Uuid) -> Result<Tenant> {
        let mut tx = pool.begin().await?;
        sqlx::query("SELECT set_config('dixon.shop_id', $1, true)").bind(shop.to_string()).execute(&mut *tx).await?;
        Ok(Tenant { shop, tx })
    }

    /// The transaction of the device presenting `token`, or [`Error::Unauthorized`]: unknown
    /// shop or device, wrong secret (compared in constant time), or a revoked device.
    pub async fn authenticate(pool: &PgPool, token: &DeviceToken) -> Result<(Tenant, DeviceInfo)> {
        let mut tenant = Tenant::begin(pool, token.shop).await?;
        let row: Option<(String, Option<String>, String, String)> = sqlx::query_as(
            "SELECT d.secret_hash, d.revoked_at::text, d.name, s.name
               FROM devices d JOIN shops s ON s.id = d.shop_id
              WHERE d.shop_id = $1 AND d.id = $2",
        )
        .bind(token.shop)
        .bind(token.device)
        .fetch_optional(&mut *tenant.tx)
        .await?;
        let Some((stored, revoked, name, shop_name)) = row else { return Err(Error::Unauthorized) };
        let matches: bool = subtle::ConstantTimeEq::ct_eq(stored.as_bytes(), token.secret_hash().as_bytes()).into();
        if !matches || revoked.is_some() {
            return Err(Error::Unauthorized);
        }
        Ok((tenant, DeviceInfo { shop_id: token.shop, shop_name, device_id: token.device, name }))
    }
}

/// Who a credential is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceInfo {
    pub shop_id: Uuid,
    pub shop_name: String,
    pub device_id: Uuid,
    pub name: String,
}

/// What a counter gets when it enrolls: its credential, shown once.
#[derive(Debug, Clone, Serialize)]
pub struct Enrolled {
    pub shop_id: Uuid,
    pub device_id: Uuid,
    pub token: String,
}

/// Trades a one-time code for a device credential.
pub async fn enroll(pool: &PgPool, code: &str, name: &str) -> Result<Enrolled> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::BadRequest("Give this counter a name of 1 to 100 characters (e.g. Front counter).".into()));
    }
    if EnrollmentCode::normalized(code).len() != 16 {
        return Err(Error::BadEnrollmentCode);
    }
    let device = Uuid::new_v4();
    // the shop is not known until the code is taken: the token is put together after
    let secret = new_secret();
    let shop: Option<Uuid> = sqlx::query_scalar("SELECT enroll_device($1, $2, $3, $4)")
        .bind(EnrollmentCode::hash(code))
        .bind(device)
        .bind(name)
        .bind(sha256(&secret))
        .fetch_one(pool)
        .await?;
    let shop = shop.ok_or(Error::BadEnrollmentCode)?;
    let token = DeviceToken { shop, device, secret };
    Ok(Enrolled { shop_id: shop, device_id: device, token: token.to_string() })
}
