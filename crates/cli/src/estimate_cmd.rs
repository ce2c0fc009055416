//! `dixon estimate …` and `dixon parts …`: building, authorizing and printing estimates, and
//! pricing parts.

use std::io::Read;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use dixon_parts::{MarkupMatrix, PartQuery, PartSearch, PartsTechCredentials, Tier};
use dixon_print::{DocumentKind, Paper};
use dixon_services::Services;
use dixon_shop::{
    AuthorizationMethod, Cents, LineKind, NewAuthorization, NewLine, PartCondition, PartDetails, RepairOrder,
};

use crate::output::{CliError, Output};

#[derive(Subcommand)]
pub enum EstimateCommand {
    /// Show a repair order's estimate: lines, itemized fees, tax, totals, authorizations.
    Show { number: i64 },
    /// Add a line: `dixon estimate add 1001 labor "Replace front pads" --qty 1.5`.
    Add(AddLineArgs),
    /// Price a part with the shop's suppliers and add the recommended offer as a line.
    AddPart {
        number: i64,
        /// What to look for: "front brake pads", a scanned UPC, or a part number with --number-search.
        part: String,
        /// `part` is a manufacturer part number.
        #[arg(long)]
        number_search: bool,
        /// budget, standard or premium.
        #[arg(long, default_value = "standard")]
        tier: String,
        #[arg(long, default_value = "1")]
        qty: String,
        #[command(flatten)]
        authorization: AuthorizationArgs,
    },
    /// Remove a line (its id is in `dixon estimate show --json`).
    RemoveLine { number: i64, line: i64 },
    /// Record the customer's authorization of the estimate as it stands.
    Authorize {
        number: i64,
        #[command(flatten)]
        authorization: AuthorizationArgs,
    },
    /// Write the estimate (or the invoice) as a PDF.
    Print {
        number: i64,
        #[arg(long, value_name = "FILE.pdf")]
        out: PathBuf,
        /// Print the invoice instead of the estimate.
        #[arg(long)]
        invoice: bool,
        /// letter (default) or a4.
        #[arg(long, default_value = "letter")]
        paper: String,
    },
    /// Canned jobs: saved bundles of lines.
    #[command(subcommand)]
    Canned(CannedCommand),
}

#[derive(Subcommand)]
pub enum CannedCommand {
    /// List the canned jobs.
    List,
    /// Save the lines of a repair order as a canned job.
    Save {
        name: String,
        #[arg(long, value_name = "RO")]
        from: i64,
    },
    /// Add a canned job's lines to a repair order.
    Add {
        number: i64,
        job: i64,
        #[command(flatten)]
        authorization: AuthorizationArgs,
    },
}

#[derive(Args)]
pub struct AddLineArgs {
    number: i64,
    /// labor, part, fee, sublet or discount.
    kind: String,
    description: String,
    /// Hours for labor, units otherwise (decimals allowed: 1.5).
    #[arg(long, default_value = "1")]
    qty: String,
    /// Unit price; for labor the default is the shop's posted rate.
    #[arg(long)]
    price: Option<String>,
    #[arg(long)]
    part_number: Option<String>,
    #[arg(long)]
    brand: Option<String>,
    #[arg(long)]
    supplier: Option<String>,
    /// new, used, rebuilt, reconditioned, oem or aftermarket.
    #[arg(long)]
    condition: Option<String>,
    /// Core charge per unit.
    #[arg(long)]
    core: Option<String>,
    #[arg(long)]
    technician: Option<String>,
    /// Not taxed (default: parts and fees taxed, labor taxed when the shop taxes labor).
    #[arg(long)]
    not_taxable: bool,
    /// Work found during the job: on the order but counted in no total until the customer
    /// approves it from the approval link (`dixon approval link`).
    #[arg(long, conflicts_with = "authorized_by")]
    propose: bool,
    #[command(flatten)]
    authorization: AuthorizationArgs,
}

/// The customer's OK, given with a change that needs it.
#[derive(Args)]
pub struct AuthorizationArgs {
    /// Who authorized (needed when the total passes what was authorized).
    #[arg(long, value_name = "NAME")]
    authorized_by: Option<String>,
    /// in_person, phone or text.
    #[arg(long, default_value = "in_person")]
    method: String,
    /// The number a phone or text authorization came from.
    #[arg(long, default_value = "")]
    phone: String,
    /// The amount authorized (default: the new total).
    #[arg(long)]
    amount: Option<String>,
    #[arg(long, default_value = "")]
    note: String,
}

impl AuthorizationArgs {
    fn to_authorization(&self) -> Result<Option<NewAuthorization>, CliError> {
        let Some(name) = &self.authorized_by else { return Ok(None) };
        let method = AuthorizationMethod::parse(&self.method).ok_or_else(|| {
            CliError::new(
                "invalid",
                format!("'{}' is not a way to authorize; use in_person, phone or text.", self.method),
            )
        })?;
        Ok(Some(NewAuthorization {
            method,
            authorized_by: name.clone(),
            phone: self.phone.clone(),
            amount: self.amount.as_deref().map(money).transpose()?,
            note: self.note.clone(),
        }))
    }
}

#[derive(Subcommand)]
pub enum PartsCommand {
    /// Import the shop's price list or inventory (CSV with a header row).
    Import { file: PathBuf },
    /// Price a part with every provider: `dixon parts quote --vin VIN --part "front brake pads"`.
    Quote {
        #[arg(long)]
        vin: Option<String>,
        /// What to look for.
        #[arg(long)]
        part: Option<String>,
        /// A manufacturer part number instead.
        #[arg(long)]
        number: Option<String>,
        /// A UPC / EAN barcode instead.
        #[arg(long)]
        upc: Option<String>,
        /// budget, standard or premium.
        #[arg(long, default_value = "standard")]
        tier: String,
    },
    /// Show the markup matrix, or set it: `--set "5:2.5,25:2,100:1.65,500:1.4,*:1.25"`.
    Markup {
        #[arg(long, value_name = "BANDS")]
        set: Option<String>,
    },
    /// Save the shop's PartsTech account in the OS keychain. The partner and user keys are read
    /// from standard input (two lines), never from the command line.
    Connect {
        #[arg(long)]
        partner_id: String,
        #[arg(long)]
        user_id: String,
        /// A PartsTech store id the shop buys from (repeat for several).
        #[arg(long = "store", required = true)]
        stores: Vec<i64>,
    },
}

pub(crate) fn money(text: &str) -> Result<Cents, CliError> {
    text.parse().map_err(|e: dixon_shop::ParseAmountError| CliError::new("invalid", e.to_string()))
}

/// "1.5" → 1500 thousandths.
fn quantity_milli(text: &str) -> Result<i64, CliError> {
    let bad = || CliError::new("invalid", format!("'{text}' is not a quantity; write it like 1 or 1.5."));
    let (whole, fraction) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    let digits = |t: &str| t.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || fraction.len() > 3 || !digits(whole) || !digits(fraction) {
        return Err(bad());
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
    let fraction: i64 = if fraction.is_empty() { 0 } else { format!("{fraction:0<3}").parse().map_err(|_| bad())? };
    whole.checked_mul(1000).and_then(|w| w.checked_add(fraction)).ok_or_else(bad)
}

fn tier(text: &str) -> Result<Tier, CliError> {
    Tier::parse(text).ok_or_else(|| {
        CliError::new("invalid", format!("'{text}' is not a price tier; use budget, standard or premium."))
    })
}

impl From<dixon_parts::Error> for CliError {
    fn from(e: dixon_parts::Error) -> CliError {
        CliError::new(e.kind(), e.to_string())
    }
}

pub async fn estimate(command: EstimateCommand, services: &Services, out: &Output) -> Result<(), CliError> {
    let store = &services.store;
    match command {
        EstimateCommand::Show { number } => out.estimate(&store.repair_order(number).await?),
        EstimateCommand::Add(args) => {
            let kind = LineKind::parse(&args.kind.to_ascii_lowercase()).ok_or_else(|| {
                CliError::new(
                    "invalid",
                    format!("'{}' is not a line kind; use labor, part, fee, sublet or discount.", args.kind),
                )
            })?;
            let settings = store.settings().await?;
            let unit_price = match (&args.price, kind) {
                (Some(price), _) => money(price)?,
                (None, LineKind::Labor) => settings.labor_rate,
                (None, _) => return Err(CliError::new("invalid", "Give the price with --price, e.g. --price 69.99.")),
            };
            let part = (kind == LineKind::Part).then(|| -> Result<PartDetails, CliError> {
                Ok(PartDetails {
                    part_number: args.part_number.clone(),
                    brand: args.brand.clone(),
                    supplier: args.supplier.clone(),
                    condition: match &args.condition {
                        None => PartCondition::New,
                        Some(c) => PartCondition::parse(c).ok_or_else(|| {
                            CliError::new("invalid", format!("'{c}' is not a part condition; use new, used, rebuilt, reconditioned, oem or aftermarket."))
                        })?,
                    },
                    core_charge: args.core.as_deref().map(money).transpose()?.unwrap_or_default(),
                })
            });
            let taxable = !args.not_taxable && kind.taxed_by_default(&settings);
            let line = NewLine {
                part: part.transpose()?,
                technician: args.technician.clone(),
                ..NewLine::simple(kind, &args.description, quantity_milli(&args.qty)?, unit_price, taxable)
            };
            if args.propose {
                out.estimate(&store.propose_lines(args.number, &[line]).await?);
                return Ok(());
            }
            let authorization = args.authorization.to_authorization()?;
            out.estimate(&store.add_lines(args.number, &[line], authorization.as_ref()).await?);
        }
        EstimateCommand::AddPart { number, part, number_search, tier: tier_text, qty, authorization } => {
            let order = store.repair_order(number).await?;
            let search = if number_search { PartSearch::PartNumber(part) } else { PartSearch::from_typed(&part) };
            let query = PartQuery { search, vin: order.vehicle.vin.clone() };
            let priced = services.parts.price(&query, tier(&tier_text)?).await?;
            if !out.json {
                out.priced(std::slice::from_ref(&priced)); // with --json, the order alone: one document
            }
            let best = priced.best.ok_or_else(|| {
                CliError::new(
                    "not_found",
                    "No supplier, nor the catalog, has a price for it; add the line by hand with `dixon estimate add`.",
                )
            })?;
            let line = best.to_line(quantity_milli(&qty)?, true);
            let authorization = authorization.to_authorization()?;
            out.estimate(&store.add_lines(number, &[line], authorization.as_ref()).await?);
        }
        EstimateCommand::RemoveLine { number, line } => out.estimate(&store.remove_line(number, line).await?),
        EstimateCommand::Authorize { number, authorization } => {
            let authorization = authorization
                .to_authorization()?
                .ok_or_else(|| CliError::new("invalid", "Say who authorized the work with --authorized-by NAME."))?;
            out.estimate(&store.authorize(number, &authorization).await?);
        }
        EstimateCommand::Print { number, out: file, invoice, paper } => {
            let paper = Paper::parse(&paper)
                .ok_or_else(|| CliError::new("invalid", format!("'{paper}' is not a paper size; use letter or a4.")))?;
            let kind = if invoice { DocumentKind::Invoice } else { DocumentKind::Estimate };
            let order = store.repair_order(number).await?;
            let pdf = render(&order, &store.settings().await?, kind, paper)?;
            dixon_print::save(&file, &pdf).map_err(|e| {
                CliError::new(
                    "io",
                    format!("Can't write {}: {e}. Check the folder exists and is writable.", file.display()),
                )
            })?;
            out.written(&file, pdf.len());
        }
        EstimateCommand::Canned(CannedCommand::List) => out.canned_jobs(&store.canned_jobs().await?),
        EstimateCommand::Canned(CannedCommand::Save { name, from }) => {
            let order = store.repair_order(from).await?;
            let lines: Vec<NewLine> = order.lines.iter().map(|l| l.to_new()).collect();
            out.canned_jobs(&[store.save_canned_job(&name, &lines).await?]);
        }
        EstimateCommand::Canned(CannedCommand::Add { number, job, authorization }) => {
            let authorization = authorization.to_authorization()?;
            out.estimate(&store.add_canned_job(number, job, authorization.as_ref()).await?);
        }
    }
    Ok(())
}

/// The PDF of `order`, dated today.
pub fn render(
    order: &RepairOrder,
    shop: &dixon_shop::ShopSettings,
    kind: DocumentKind,
    paper: Paper,
) -> Result<Vec<u8>, CliError> {
    let today = chrono::Local::now().date_naive();
    dixon_print::render(order, shop, kind, paper, today).map_err(|e| CliError::new("print", e.to_string()))
}

pub async fn parts(command: PartsCommand, services: &Services, out: &Output) -> Result<(), CliError> {
    match command {
        PartsCommand::Import { file } => {
            let bytes = std::fs::read(&file)
                .map_err(|e| CliError::new("invalid", format!("Can't read {}: {e}.", file.display())))?;
            let report = services.parts.catalog().import_csv(&bytes).await?;
            out.import_report(&report);
            if report.added + report.updated == 0 && !report.problems.is_empty() {
                return Err(CliError::quiet());
            }
        }
        PartsCommand::Quote { vin, part, number, upc, tier: tier_text } => {
            let search = match (part, number, upc) {
                (Some(part), None, None) => PartSearch::Keyword(part),
                (None, Some(number), None) => PartSearch::PartNumber(number),
                (None, None, Some(upc)) => PartSearch::Upc(upc),
                _ => {
                    return Err(CliError::new(
                        "invalid",
                        "Say what to price with one of --part TEXT, --number PART_NO or --upc CODE.",
                    ))
                }
            };
            let vin = vin.map(|v| v.trim().to_ascii_uppercase());
            let priced = services.parts.price(&PartQuery { search, vin }, tier(&tier_text)?).await?;
            out.priced(&[priced]);
        }
        PartsCommand::Markup { set } => {
            let pool = services.store.pool();
            if let Some(bands) = set {
                let at = dixon_clock::to_stored(chrono::Utc::now());
                MarkupMatrix::parse(&bands)?.save(pool, &at).await?;
            }
            out.markup(&MarkupMatrix::load(pool).await?);
        }
        PartsCommand::Connect { partner_id, user_id, stores } => {
            let mut input = String::new();
            std::io::stdin().read_to_string(&mut input).map_err(|e| CliError::new("io", e.to_string()))?;
            let mut keys = input.lines().map(str::trim).filter(|l| !l.is_empty());
            let (Some(partner_key), Some(user_key)) = (keys.next(), keys.next()) else {
                return Err(CliError::new(
                    "invalid",
                    "Give the partner key and the user key on standard input, one a line.",
                ));
            };
            let credentials = PartsTechCredentials {
                partner_id,
                partner_key: partner_key.to_string(),
                user_id,
                user_key: user_key.to_string(),
                store_ids: stores,
            };
            dixon_secrets::save(dixon_services::PARTSTECH_SECRET, &credentials)
                .map_err(|e| CliError::new("keychain", e.to_string()))?;
            println!("PartsTech account saved in the keychain; `dixon health` checks it.");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_read_like_people_write_them() {
        assert_eq!(quantity_milli("1").unwrap(), 1_000);
        assert_eq!(quantity_milli("1.5").unwrap(), 1_500);
        assert_eq!(quantity_milli(".25").unwrap(), 250);
        for bad in ["", ".", "1.2345", "two", "-1"] {
            assert!(quantity_milli(bad).is_err(), "{bad}");
        }
    }
}
