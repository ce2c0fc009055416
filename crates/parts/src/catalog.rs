//! The shop's own catalog: its price list or inventory, imported from CSV into SQLite. Always
//! available, so it is the embedded default provider and the fallback when suppliers are down.

use dixon_clock::{to_stored, Clock};
use dixon_resilience::BoxFuture;
use dixon_shop::{Cents, PartCondition};
use serde::Serialize;
use sqlx::{Row, SqlitePool};
use std::sync::Arc;

use crate::{normalize_part_number, Availability, Error, PartOffer, PartQuery, PartSearch, PartsProvider};

pub const SUPPLIER: &str = "Shop inventory";
/// Most offers one catalog search returns.
const MAX_RESULTS: i64 = 20;

/// One catalog row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CatalogPart {
    pub part_number: String,
    pub brand: String,
    pub upc: Option<String>,
    pub description: String,
    pub category: String,
    pub cost: Cents,
    pub list: Option<Cents>,
    pub quantity_on_hand: i64,
}

/// A CSV row that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RowProblem {
    /// The line in the file (the header is line 1).
    pub line: u64,
    pub message: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportReport {
    /// New parts.
    pub added: u64,
    /// Parts already in the catalog (same part number and brand), now with the file's values.
    pub updated: u64,
    pub problems: Vec<RowProblem>,
}

/// The local catalog in the shop's database.
#[derive(Clone)]
pub struct LocalCatalog {
    pool: SqlitePool,
    clock: Arc<dyn Clock>,
}

/// The columns we read, with the header names shops' exports use for them.
const COLUMNS: [(&str, &[&str]); 8] = [
    ("part_number", &["part_number", "part number", "part #", "part no", "partno", "sku", "item"]),
    ("brand", &["brand", "manufacturer", "mfr", "line"]),
    ("upc", &["upc", "ean", "barcode", "gtin"]),
    ("description", &["description", "desc", "name", "part name"]),
    ("category", &["category", "part type", "type", "group"]),
    ("cost", &["cost", "unit cost", "our cost"]),
    ("list", &["list", "list price", "retail", "msrp", "price"]),
    ("quantity", &["quantity", "qty", "on hand", "quantity on hand", "qoh", "stock"]),
];

impl LocalCatalog {
    pub fn new(pool: SqlitePool, clock: Arc<dyn Clock>) -> LocalCatalog {
        LocalCatalog { pool, clock }
    }

    /// Imports a CSV price list or inventory (comma, semicolon or tab separated, with a header
    /// row). Good rows are added or update the part with the same number and brand; bad rows
    /// are reported by line number and skipped. Everything good is saved in one transaction.
    pub async fn import_csv(&self, bytes: &[u8]) -> Result<ImportReport, Error> {
        let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).map_err(|_| {
            Error::Import("The file is not text (UTF-8). Export the price list as CSV (UTF-8) and import that.".into())
        })?;
        let first_line = text.lines().next().unwrap_or("");
        let delimiter =
            [b',', b';', b'\t'].into_iter().max_by_key(|d| first_line.matches(*d as char).count()).unwrap_or(b',');
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| Error::Import(format!("The file's first line can't be read as CSV headers: {e}.")))?
            .clone();
        let position = |column: &str| {
            let names = COLUMNS.iter().find(|(c, _)| *c == column).map(|(_, n)| *n).unwrap_or(&[]);
            headers.iter().position(|h| names.contains(&h.trim().to_ascii_lowercase().as_str()))
        };
        let missing: Vec<&str> =
            ["part_number", "description", "cost"].into_iter().filter(|c| position(c).is_none()).collect();
        if !missing.is_empty() {
            return Err(Error::Import(format!(
                "The file has no {} column. The first line must name the columns, e.g. \
                 part_number,brand,upc,description,category,cost,list,quantity.",
                missing.join(", ")
            )));
        }
        let columns: Vec<Option<usize>> = COLUMNS.iter().map(|(c, _)| position(c)).collect();

        let mut report = ImportReport::default();
        let mut parts = Vec::new();
        for (index, record) in reader.records().enumerate() {
            let line = record.as_ref().ok().and_then(|r| r.position()).map_or(index as u64 + 2, |p| p.line());
            let record = match record {
                Ok(record) => record,
                Err(e) => {
                    report.problems.push(RowProblem { line, message: format!("not readable as CSV ({e})") });
                    continue;
                }
            };
            if record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let field = |i: usize| columns[i].and_then(|c| record.get(c)).map(str::trim).unwrap_or("");
            match parse_row([field(0), field(1), field(2), field(3), field(4), field(5), field(6), field(7)]) {
                Ok(part) => parts.push(part),
                Err(message) => report.problems.push(RowProblem { line, message }),
            }
        }

        let at = to_stored(self.clock.now());
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        for part in &parts {
            let existed: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM parts_catalog WHERE part_number = ? AND brand = ?)")
                    .bind(&part.part_number)
                    .bind(&part.brand)
                    .fetch_one(&mut *tx)
                    .await?;
            sqlx::query(
                "INSERT INTO parts_catalog (part_number, part_key, brand, upc, description, category, cost_cents, list_cents, quantity_on_hand, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (part_number, brand) DO UPDATE SET upc = excluded.upc, description = excluded.description,
                    category = excluded.category, cost_cents = excluded.cost_cents, list_cents = excluded.list_cents,
                    quantity_on_hand = excluded.quantity_on_hand, updated_at = excluded.updated_at",
            )
            .bind(&part.part_number)
            .bind(normalize_part_number(&part.part_number))
            .bind(&part.brand)
            .bind(&part.upc)
            .bind(&part.description)
            .bind(&part.category)
            .bind(part.cost.0)
            .bind(part.list.map(|l| l.0))
            .bind(part.quantity_on_hand)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
            if existed {
                report.updated += 1;
            } else {
                report.added += 1;
            }
        }
        tx.commit().await?;
        tracing::info!(
            added = report.added,
            updated = report.updated,
            problems = report.problems.len(),
            "parts catalog imported"
        );
        Ok(report)
    }

    /// Parts matching `search`, best first (most on hand).
    pub async fn search(&self, search: &PartSearch) -> Result<Vec<CatalogPart>, Error> {
        let text = search.text();
        if text.is_empty() {
            return Ok(Vec::new());
        }
        let rows = match search {
            PartSearch::Upc(upc) => {
                sqlx::query("SELECT * FROM parts_catalog WHERE upc = ? ORDER BY quantity_on_hand DESC LIMIT ?")
                    .bind(upc.trim())
                    .bind(MAX_RESULTS)
                    .fetch_all(&self.pool)
                    .await?
            }
            PartSearch::PartNumber(number) => {
                sqlx::query("SELECT * FROM parts_catalog WHERE part_key = ? ORDER BY quantity_on_hand DESC LIMIT ?")
                    .bind(normalize_part_number(number))
                    .bind(MAX_RESULTS)
                    .fetch_all(&self.pool)
                    .await?
            }
            PartSearch::Keyword(keyword) => {
                // every word must appear in the description, category, brand or part number
                let words: Vec<String> =
                    keyword.split_whitespace().map(|w| format!("%{}%", escape_like(w))).take(8).collect();
                let mut sql = String::from("SELECT * FROM parts_catalog WHERE 1 = 1");
                for _ in &words {
                    sql.push_str(
                        " AND (description LIKE ? ESCAPE '\\' OR category LIKE ? ESCAPE '\\' OR brand LIKE ? ESCAPE '\\' OR part_number LIKE ? ESCAPE '\\')",
                    );
                }
                sql.push_str(" ORDER BY quantity_on_hand DESC, cost_cents LIMIT ?");
                let mut query = sqlx::query(&sql);
                for word in &words {
                    query = query.bind(word).bind(word).bind(word).bind(word);
                }
                query.bind(MAX_RESULTS).fetch_all(&self.pool).await?
            }
        };
        rows.iter().map(part_from_row).collect()
    }

    /// Parts in categories whose name or parts match the words of `keyword` (for the estimator).
    pub(crate) async fn category_prices(&self, keyword: &str) -> Result<Option<(String, Vec<Cents>)>, Error> {
        for word in keyword.split_whitespace().filter(|w| w.len() >= 3) {
            let like = format!("%{}%", escape_like(word));
            let category: Option<String> = sqlx::query_scalar(
                "SELECT category FROM parts_catalog WHERE category <> '' AND (category LIKE ?1 ESCAPE '\\' OR description LIKE ?1 ESCAPE '\\')
                 GROUP BY category ORDER BY COUNT(*) DESC LIMIT 1",
            )
            .bind(&like)
            .fetch_optional(&self.pool)
            .await?;
            if let Some(category) = category {
                let costs: Vec<i64> =
                    sqlx::query_scalar("SELECT cost_cents FROM parts_catalog WHERE category = ? ORDER BY cost_cents")
                        .bind(&category)
                        .fetch_all(&self.pool)
                        .await?;
                return Ok(Some((category, costs.into_iter().map(Cents).collect())));
            }
        }
        Ok(None)
    }
}

impl PartsProvider for LocalCatalog {
    fn id(&self) -> &'static str {
        "catalog"
    }

    fn quote<'a>(&'a self, query: &'a PartQuery) -> BoxFuture<'a, Result<Vec<PartOffer>, Error>> {
        Box::pin(async move {
            Ok(self
                .search(&query.search)
                .await?
                .into_iter()
                .map(|part| PartOffer {
                    provider: self.id().to_string(),
                    supplier: SUPPLIER.to_string(),
                    part_number: part.part_number,
                    brand: part.brand,
                    description: part.description,
                    condition: PartCondition::New,
                    cost: part.cost,
                    list: part.list,
                    core: Cents::ZERO,
                    price: part.cost,
                    availability: if part.quantity_on_hand > 0 {
                        Availability::InStock { quantity: Some(part.quantity_on_hand) }
                    } else {
                        Availability::OutOfStock
                    },
                    is_estimate: false,
                })
                .collect())
        })
    }
}

fn part_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<CatalogPart, Error> {
    Ok(CatalogPart {
        part_number: r.try_get("part_number")?,
        brand: r.try_get("brand")?,
        upc: r.try_get("upc")?,
        description: r.try_get("description")?,
        category: r.try_get("category")?,
        cost: Cents(r.try_get("cost_cents")?),
        list: r.try_get::<Option<i64>, _>("list_cents")?.map(Cents),
        quantity_on_hand: r.try_get("quantity_on_hand")?,
    })
}

/// Checks one row's fields (in [`COLUMNS`] order) and says what is wrong in the shop's words.
fn parse_row(fields: [&str; 8]) -> Result<CatalogPart, String> {
    let [part_number, brand, upc, description, category, cost, list, quantity] = fields;
    if part_number.is_empty() {
        return Err("the part number is empty".into());
    }
    if part_number.chars().count() > 60 {
        return Err(format!("the part number '{part_number}' is longer than 60 characters"));
    }
    if description.is_empty() {
        return Err(format!("part {part_number} has no description"));
    }
    let money = |label: &str, text: &str| -> Result<Cents, String> {
        let amount: Cents = decimal_point(text)
            .parse()
            .map_err(|_| format!("the {label} '{text}' of part {part_number} is not an amount like 12.50"))?;
        if amount.0 < 0 {
            return Err(format!("the {label} of part {part_number} is negative"));
        }
        Ok(amount)
    };
    if cost.is_empty() {
        return Err(format!("part {part_number} has no cost"));
    }
    let cost = money("cost", cost)?;
    let list = if list.is_empty() { None } else { Some(money("list price", list)?) };
    let upc = match upc {
        "" => None,
        code if code.chars().all(|c| c.is_ascii_digit()) && matches!(code.len(), 8 | 12 | 13 | 14) => {
            Some(code.to_string())
        }
        code => return Err(format!("the UPC '{code}' of part {part_number} is not 8, 12, 13 or 14 digits")),
    };
    let quantity_on_hand = match quantity {
        "" => 0,
        text => text
            .split('.')
            .next()
            .and_then(|whole| whole.parse::<i64>().ok())
            .ok_or_else(|| format!("the quantity '{text}' of part {part_number} is not a number"))?,
    };
    Ok(CatalogPart {
        part_number: part_number.to_string(),
        brand: brand.chars().take(60).collect(),
        upc,
        description: description.chars().take(200).collect(),
        category: category.chars().take(60).collect(),
        cost,
        list,
        quantity_on_hand,
    })
}

/// European exports write `31,50`: a comma followed by one or two last digits is the decimal
/// point (`1,450` stays one thousand four hundred and fifty).
fn decimal_point(text: &str) -> String {
    match text.rsplit_once(',') {
        Some((whole, cents))
            if !whole.contains(['.', ','])
                && (1..=2).contains(&cents.len())
                && cents.chars().all(|c| c.is_ascii_digit()) =>
        {
            format!("{whole}.{cents}")
        }
        _ => text.to_string(),
    }
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
