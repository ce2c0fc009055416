//! Bluetooth LE adapters through btleplug: find the adapter by name, connect, pick the serial
//! characteristics (the known ELM327 services first, then any write + notify pair), and bridge
//! notifications and MTU-sized writes to a [`ChannelLink`].

use std::time::Duration;

use btleplug::api::{
    Central as _, CharPropFlags, Characteristic, Manager as _, Peripheral as _, ScanFilter, WriteType,
};
use btleplug::platform::{Manager, Peripheral};
use serde::Serialize;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::link::{ChannelLink, Link};
use crate::{Error, Result};

const fn short(uuid16: u16) -> Uuid {
    Uuid::from_u128(((uuid16 as u128) << 96) | 0x0000_0000_0000_1000_8000_0080_5f9b_34fb)
}

/// The serial services ELM327 BLE adapters use: (service, notify characteristic, write
/// characteristic), most common first.
pub const KNOWN_SERVICES: [(Uuid, Uuid, Uuid); 4] = [
    (short(0xFFE0), short(0xFFE1), short(0xFFE1)),
    (short(0xFFF0), short(0xFFF1), short(0xFFF2)),
    (short(0x18F0), short(0x2AF0), short(0x2AF1)),
    (
        Uuid::from_u128(0x6e400001_b5a3_f393_e0a9_e50e24dcca9e),
        Uuid::from_u128(0x6e400003_b5a3_f393_e0a9_e50e24dcca9e),
        Uuid::from_u128(0x6e400002_b5a3_f393_e0a9_e50e24dcca9e),
    ),
];

/// One characteristic as the choice below needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CharacteristicInfo {
    pub service: Uuid,
    pub uuid: Uuid,
    pub notify: bool,
    pub write: bool,
    pub write_without_response: bool,
}

/// The (notify, write) pair to talk through: a known service's pair when present, else the first
/// service that has a notifying and a writable characteristic.
pub fn choose_characteristics(all: &[CharacteristicInfo]) -> Option<(CharacteristicInfo, CharacteristicInfo)> {
    let find = |service: Uuid, uuid: Uuid| all.iter().find(|c| c.service == service && c.uuid == uuid).copied();
    for (service, notify, write) in KNOWN_SERVICES {
        if let (Some(n), Some(w)) = (find(service, notify), find(service, write)) {
            if n.notify && (w.write || w.write_without_response) {
                return Some((n, w));
            }
        }
    }
    all.iter().filter(|c| c.notify).find_map(|n| {
        all.iter().find(|w| w.service == n.service && (w.write || w.write_without_response)).map(|w| (*n, *w))
    })
}

/// A Bluetooth LE device seen while scanning.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BleDevice {
    pub name: String,
    pub address: String,
    pub rssi: Option<i16>,
    /// It advertises one of the known ELM327 services or calls itself OBD/ELM/Vlink/…
    pub likely_obd: bool,
}

fn looks_like_obd(name: &str, services: &[Uuid]) -> bool {
    let upper = name.to_ascii_uppercase();
    ["OBD", "ELM", "VLINK", "V-LINK", "VEEPEAK", "CARISTA", "IOS-VLINK", "KONNWEI"].iter().any(|n| upper.contains(n))
        || services.iter().any(|s| KNOWN_SERVICES.iter().any(|(k, _, _)| k == s))
}

async fn central() -> Result<btleplug::platform::Adapter> {
    let manager = Manager::new().await.map_err(ble_error)?;
    manager
        .adapters()
        .await
        .map_err(ble_error)?
        .into_iter()
        .next()
        .ok_or_else(|| Error::Open("this PC has no Bluetooth adapter, or Bluetooth is off".into()))
}

fn ble_error(e: btleplug::Error) -> Error {
    Error::Open(format!("Bluetooth: {e}. Check Bluetooth is on (on Linux, that BlueZ is running)."))
}

/// Scans for `scan_for` and lists what was seen, likely OBD adapters first.
pub async fn devices(scan_for: Duration) -> Result<Vec<BleDevice>> {
    let central = central().await?;
    central.start_scan(ScanFilter::default()).await.map_err(ble_error)?;
    tokio::time::sleep(scan_for).await;
    let _ = central.stop_scan().await;
    let mut seen = Vec::new();
    for peripheral in central.peripherals().await.map_err(ble_error)? {
        let Ok(Some(props)) = peripheral.properties().await else { continue };
        let name = props.local_name.clone().or(props.advertisement_name.clone()).unwrap_or_default();
        seen.push(BleDevice {
            likely_obd: looks_like_obd(&name, &props.services),
            name,
            address: props.address.to_string(),
            rssi: props.rssi,
        });
    }
    seen.sort_by(|a, b| b.likely_obd.cmp(&a.likely_obd).then(b.rssi.cmp(&a.rssi)));
    Ok(seen)
}

async fn find(name: &str) -> Result<Peripheral> {
    let central = central().await?;
    central.start_scan(ScanFilter::default()).await.map_err(ble_error)?;
    let wanted = name.to_ascii_uppercase();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::time::Instant::now() < deadline {
        for peripheral in central.peripherals().await.map_err(ble_error)? {
            let Ok(Some(props)) = peripheral.properties().await else { continue };
            let shown = props.local_name.or(props.advertisement_name).unwrap_or_default().to_ascii_uppercase();
            if props.address.to_string().eq_ignore_ascii_case(name) || (!shown.is_empty() && shown.contains(&wanted)) {
                let _ = central.stop_scan().await;
                return Ok(peripheral);
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let _ = central.stop_scan().await;
    Err(Error::Open(format!(
        "no Bluetooth LE device named '{name}' was seen in 10 s. Plug the adapter into the car, switch the ignition on and try again."
    )))
}

/// Connects to the adapter called `name` and bridges it to a link.
pub async fn open(name: &str) -> Result<Box<dyn Link>> {
    let peripheral = find(name).await?;
    peripheral.connect().await.map_err(ble_error)?;
    peripheral.discover_services().await.map_err(ble_error)?;
    let characteristics: Vec<Characteristic> = peripheral.characteristics().into_iter().collect();
    let infos: Vec<CharacteristicInfo> = characteristics
        .iter()
        .map(|c| CharacteristicInfo {
            service: c.service_uuid,
            uuid: c.uuid,
            notify: c.properties.intersects(CharPropFlags::NOTIFY | CharPropFlags::INDICATE),
            write: c.properties.contains(CharPropFlags::WRITE),
            write_without_response: c.properties.contains(CharPropFlags::WRITE_WITHOUT_RESPONSE),
        })
        .collect();
    let Some((notify, write)) = choose_characteristics(&infos) else {
        let _ = peripheral.disconnect().await;
        return Err(Error::NotAnAdapter(format!("Bluetooth device '{name}' (no serial characteristics)")));
    };
    let pick = |info: CharacteristicInfo| {
        characteristics.iter().find(|c| c.uuid == info.uuid && c.service_uuid == info.service).cloned()
    };
    let (Some(notify_char), Some(write_char)) = (pick(notify), pick(write)) else {
        return Err(Error::NotAnAdapter(format!("Bluetooth device '{name}'")));
    };
    peripheral.subscribe(&notify_char).await.map_err(ble_error)?;
    let mut notifications = peripheral.notifications().await.map_err(ble_error)?;

    let (incoming_tx, incoming) = mpsc::unbounded_channel();
    let (outgoing, mut outgoing_rx) = mpsc::unbounded_channel::<Vec<u8>>();
    let notify_uuid = notify_char.uuid;
    let reader_tx = incoming_tx.clone();
    tokio::spawn(async move {
        use futures_util::StreamExt as _;
        while let Some(value) = notifications.next().await {
            if value.uuid == notify_uuid && reader_tx.send(Ok(value.value)).is_err() {
                return;
            }
        }
        let _ = reader_tx.send(Err(Error::Disconnected("the Bluetooth adapter disconnected".into())));
    });
    let write_type = if write.write_without_response { WriteType::WithoutResponse } else { WriteType::WithResponse };
    tokio::spawn(async move {
        // ATT payloads are MTU - 3 bytes; 20 when the MTU was not negotiated
        let chunk = (peripheral.mtu() as usize).saturating_sub(3).max(20);
        while let Some(bytes) = outgoing_rx.recv().await {
            for piece in bytes.chunks(chunk) {
                if let Err(e) = peripheral.write(&write_char, piece, write_type).await {
                    let _ = incoming_tx.send(Err(Error::Disconnected(format!("Bluetooth write failed: {e}"))));
                    return;
                }
            }
        }
        let _ = peripheral.disconnect().await;
    });
    Ok(Box::new(ChannelLink { incoming, outgoing }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ch(service: u16, uuid: u16, notify: bool, write: bool) -> CharacteristicInfo {
        CharacteristicInfo { service: short(service), uuid: short(uuid), notify, write, write_without_response: false }
    }

    #[test]
    fn known_services_win_then_any_notify_and_write_pair() {
        // FFF0: notify on FFF1, write on FFF2, beside a battery service that notifies
        let all = [ch(0x180F, 0x2A19, true, false), ch(0xFFF0, 0xFFF1, true, false), ch(0xFFF0, 0xFFF2, false, true)];
        let (n, w) = choose_characteristics(&all).unwrap();
        assert_eq!((n.uuid, w.uuid), (short(0xFFF1), short(0xFFF2)));
        // FFE0: one characteristic does both
        let (n, w) = choose_characteristics(&[ch(0xFFE0, 0xFFE1, true, true)]).unwrap();
        assert_eq!((n.uuid, w.uuid), (short(0xFFE1), short(0xFFE1)));
        // an unknown vendor service: the pair inside one service
        let all = [ch(0xABCD, 0x0001, true, false), ch(0xABCD, 0x0002, false, true)];
        let (n, w) = choose_characteristics(&all).unwrap();
        assert_eq!((n.uuid, w.uuid), (short(0x0001), short(0x0002)));
        assert!(choose_characteristics(&[ch(0x180F, 0x2A19, true, false)]).is_none());
        assert_eq!(short(0xFFE0).to_string(), "0000ffe0-0000-1000-8000-00805f9b34fb");
    }

    #[test]
    fn obd_devices_are_recognised_by_name_or_service() {
        assert!(looks_like_obd("OBDII", &[]));
        assert!(looks_like_obd("Vgate iCar Pro", &[short(0x18F0)]));
        assert!(!looks_like_obd("Pixel 9", &[]));
    }
}
