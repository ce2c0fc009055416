//! `dixon vin decode VIN VIN…` / `--file`: many VINs at once, checked first, decoded through
//! vPIC's batch endpoint (or the offline data), with progress on stderr for long lists.

use std::io::IsTerminal;

use dixon_services::Services;
use serde::Serialize;

use crate::output::{CliError, Output};

/// VINs decoded per round; each round is ten concurrent batch requests of 50.
const ROUND: usize = 500;

/// One line of the result.
#[derive(Debug, Serialize)]
pub struct Decoded {
    pub input: String,
    pub vin: Option<String>,
    pub vehicle: Option<dixon_vehicle::VehicleInfo>,
    /// Why this one has no vehicle (a bad VIN, an unknown maker).
    pub problem: Option<String>,
}

pub async fn decode_many(services: &Services, out: &Output, inputs: &[String], offline: bool) -> Result<(), CliError> {
    let year = crate::this_year();
    let mut results: Vec<Decoded> = inputs
        .iter()
        .map(|input| match dixon_vin::check(input, year) {
            Ok(checked) => Decoded { input: input.clone(), vin: Some(checked.vin), vehicle: None, problem: None },
            Err(problem) => Decoded {
                input: input.clone(),
                vin: None,
                vehicle: None,
                problem: Some(crate::vin_problem(problem).message),
            },
        })
        .collect();
    let valid: Vec<usize> = (0..results.len()).filter(|i| results[*i].vin.is_some()).collect();
    let progress = valid.len() > ROUND && std::io::stderr().is_terminal();
    for (round, indices) in valid.chunks(ROUND).enumerate() {
        if offline {
            let decoder = services.vpic.offline().ok_or_else(|| {
                CliError::new("offline_data", "The offline VIN data is missing on this PC; run scripts/setup.sh.")
            })?;
            for &i in indices {
                let vin = results[i].vin.clone().unwrap_or_default();
                match decoder.decode(&vin, crate::this_year()) {
                    Some(info) => results[i].vehicle = Some(info),
                    None => {
                        results[i].problem =
                            Some("neither the offline data nor NHTSA's WMI table knows this maker".into())
                    }
                }
            }
        } else {
            let batch: Vec<(String, Option<i32>)> =
                indices.iter().map(|&i| (results[i].vin.clone().unwrap_or_default(), None)).collect();
            let decoded = services.vpic.decode_batch(&batch).await?;
            for (&i, info) in indices.iter().zip(decoded) {
                results[i].vehicle = Some(info);
            }
        }
        if progress {
            eprint!("\rdecoded {} of {}", (round * ROUND + indices.len()).min(valid.len()), valid.len());
        }
    }
    if progress {
        eprintln!();
    }
    out.decoded_list(&results);
    Ok(())
}
