//! The one way the engine reaches an adapter: a [`Link`] sends bytes and waits for bytes. USB
//! serial, Wi-Fi (TCP), Bluetooth LE and the built-in simulator all implement it, and
//! [`AdapterAddress::open`] turns what the user picked into one.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

use crate::sim::{SimConfig, Simulator};
use crate::{Error, Result};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A byte pipe to an ELM327.
pub trait Link: Send {
    /// Sends `bytes` to the adapter.
    fn send<'a>(&'a mut self, bytes: &'a [u8]) -> BoxFuture<'a, Result<()>>;
    /// Waits for the next bytes from the adapter. Cancel-safe: dropping the future loses nothing,
    /// so callers put their own timeout around it. A link that is gone answers
    /// [`Error::Disconnected`].
    fn receive(&mut self) -> BoxFuture<'_, Result<Vec<u8>>>;
}

/// Where the adapter is, as the user picked it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AdapterAddress {
    /// A USB (or Bluetooth classic) serial port; the baud rate is detected when not given.
    Serial { port: String, baud: Option<u32> },
    /// A Wi-Fi adapter: they listen on 192.168.0.10:35000 unless their box says otherwise.
    Wifi { host: String, port: u16 },
    /// A Bluetooth LE adapter, by advertised name (or part of it) or address.
    Ble { name: String },
    /// The built-in simulator.
    Simulator(SimConfig),
}

/// The address Wi-Fi ELM327 adapters use out of the box.
pub const DEFAULT_WIFI: (&str, u16) = ("192.168.0.10", 35000);

/// Baud rates tried on a serial port, most common first: 38400 (ELM327 default), 115200
/// (most clones and STN chips), 9600 (ELM327 v1.0 and some clones), then the fast ones.
pub const BAUD_RATES: [u32; 6] = [38400, 115200, 9600, 57600, 230400, 500000];

impl AdapterAddress {
    /// Reads `host:port` (port 35000 when left out).
    pub fn wifi(text: &str) -> Result<AdapterAddress> {
        let (host, port) = match text.rsplit_once(':') {
            Some((host, port)) => {
                (host, port.parse().map_err(|_| Error::Open(format!("'{port}' is not a port number (use HOST:PORT)")))?)
            }
            None => (text, DEFAULT_WIFI.1),
        };
        if host.trim().is_empty() {
            return Err(Error::Open("give the adapter's address, e.g. 192.168.0.10:35000".into()));
        }
        Ok(AdapterAddress::Wifi { host: host.trim().to_string(), port })
    }

    /// What the user sees in progress messages and the snapshot.
    pub fn describe(&self) -> String {
        match self {
            AdapterAddress::Serial { port, baud: Some(baud) } => format!("USB serial {port} at {baud} baud"),
            AdapterAddress::Serial { port, baud: None } => format!("USB serial {port}"),
            AdapterAddress::Wifi { host, port } => format!("Wi-Fi {host}:{port}"),
            AdapterAddress::Ble { name } => format!("Bluetooth LE {name}"),
            AdapterAddress::Simulator(config) => format!("Simulator ({})", config.scenario.label()),
        }
    }

    /// Opens the link (for serial, finds the baud rate the adapter answers at).
    pub async fn open(&self) -> Result<Box<dyn Link>> {
        match self {
            AdapterAddress::Serial { port, baud } => {
                let (port, baud) = (port.clone(), *baud);
                tokio::task::spawn_blocking(move || serial::open(&port, baud))
                    .await
                    .map_err(|e| Error::Open(e.to_string()))?
            }
            AdapterAddress::Wifi { host, port } => tcp(host, *port).await,
            AdapterAddress::Ble { name } => crate::ble::open(name).await,
            AdapterAddress::Simulator(config) => Ok(Box::new(Simulator::new(config.clone()))),
        }
    }
}

struct TcpLink(tokio::net::TcpStream);

async fn tcp(host: &str, port: u16) -> Result<Box<dyn Link>> {
    let connect = tokio::net::TcpStream::connect((host, port));
    match tokio::time::timeout(Duration::from_secs(5), connect).await {
        Ok(Ok(stream)) => {
            let _ = stream.set_nodelay(true); // one small command at a time: don't let Nagle hold it
            Ok(Box::new(TcpLink(stream)))
        }
        Ok(Err(e)) => Err(Error::Open(format!(
            "{host}:{port}: {e}. Join the adapter's Wi-Fi network (often 'WiFi_OBDII') and check the address."
        ))),
        Err(_) => Err(Error::Open(format!(
            "{host}:{port} did not answer within 5 s. Join the adapter's Wi-Fi network and check the address."
        ))),
    }
}

impl Link for TcpLink {
    fn send<'a>(&'a mut self, bytes: &'a [u8]) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move { self.0.write_all(bytes).await.map_err(|e| Error::Disconnected(e.to_string())) })
    }

    fn receive(&mut self) -> BoxFuture<'_, Result<Vec<u8>>> {
        Box::pin(async move {
            let mut buffer = vec![0u8; 1024];
            match self.0.read(&mut buffer).await {
                Ok(0) => Err(Error::Disconnected("the adapter closed the connection".into())),
                Ok(n) => {
                    buffer.truncate(n);
                    Ok(buffer)
                }
                Err(e) => Err(Error::Disconnected(e.to_string())),
            }
        })
    }
}

/// A link fed by a background reader (serial port thread, BLE notifications) and drained by a
/// background writer.
pub(crate) struct ChannelLink {
    pub incoming: mpsc::UnboundedReceiver<Result<Vec<u8>>>,
    pub outgoing: mpsc::UnboundedSender<Vec<u8>>,
}

impl Link for ChannelLink {
    fn send<'a>(&'a mut self, bytes: &'a [u8]) -> BoxFuture<'a, Result<()>> {
        let sent = self.outgoing.send(bytes.to_vec()).map_err(|_| Error::Disconnected("the adapter is gone".into()));
        Box::pin(async move { sent })
    }

    fn receive(&mut self) -> BoxFuture<'_, Result<Vec<u8>>> {
        Box::pin(async move {
            match self.incoming.recv().await {
                Some(answer) => answer,
                None => Err(Error::Disconnected("the adapter is gone".into())),
            }
        })
    }
}

pub(crate) mod serial {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};

    use serde::Serialize;
    use tokio::sync::mpsc;

    use super::{ChannelLink, Link, BAUD_RATES};
    use crate::{Error, Result};

    /// A serial port the adapter picker can offer.
    #[derive(Debug, Clone, PartialEq, Serialize)]
    #[cfg_attr(feature = "specta", derive(specta::Type))]
    pub struct SerialPortEntry {
        pub port: String,
        /// "FTDI FT232R", "Bluetooth serial", …
        pub description: String,
    }

    /// The serial ports on this PC (USB adapters show their product name).
    pub fn ports() -> Result<Vec<SerialPortEntry>> {
        let ports = serialport::available_ports().map_err(|e| Error::Open(format!("can't list serial ports: {e}")))?;
        Ok(ports
            .into_iter()
            .map(|p| {
                let description = match &p.port_type {
                    serialport::SerialPortType::UsbPort(usb) => {
                        usb.product.clone().unwrap_or_else(|| format!("USB {:04x}:{:04x}", usb.vid, usb.pid))
                    }
                    serialport::SerialPortType::BluetoothPort => "Bluetooth serial".into(),
                    serialport::SerialPortType::PciPort => "built-in serial port".into(),
                    serialport::SerialPortType::Unknown => "serial port".into(),
                };
                SerialPortEntry { port: p.port_name, description }
            })
            .collect())
    }

    fn open_error(port: &str, error: serialport::Error) -> Error {
        let hint = if cfg!(target_os = "linux")
            && error.kind() == serialport::ErrorKind::Io(std::io::ErrorKind::PermissionDenied)
        {
            " Add this user to the dialout group (sudo usermod -aG dialout $USER) and log in again."
        } else {
            " Check the adapter is plugged in and no other program has the port open."
        };
        Error::Open(format!("{port}: {error}.{hint}"))
    }

    /// Opens `port`, trying each baud rate until the adapter answers `ATI` with its `>` prompt, then bridges it to a [`ChannelLink`] with a reader and a writer thread.
    pub fn open(port: &str, baud: Option<u32>) -> Result<Box<dyn Link>> {
        let rates: Vec<u32> = baud.map(|b| vec![b]).unwrap_or_else(|| BAUD_RATES.to_vec());
        for rate in rates {
            let mut serial = serialport::new(port, rate)
                .timeout(Duration::from_millis(50))
                .open()
                .map_err(|e| open_error(port, e))?;
            let _ = serial.clear(serialport::ClearBuffer::All);
            if answers_with_prompt(serial.as_mut()) {
                return Ok(bridge(serial, port));
            }
        }
        Err(Error::NotAnAdapter(format!("{port} (tried {} baud)", BAUD_RATES.map(|b| b.to_string()).join(", "))))
    }

    /// Asks `ATI` (harmless, and every ELM327 ends its answer with the `>` prompt). Not a bare
    /// carriage return: a real ELM327 repeats the last command on it, which may be one that
    /// clears codes, and emulators ignore it.
    fn answers_with_prompt(serial: &mut dyn serialport::SerialPort) -> bool {
        if serial.write_all(b"ATI\r").is_err() {
            return false;
        }
        let deadline = Instant::now() + Duration::from_millis(500);
        let mut buffer = [0u8; 256];
        while Instant::now() < deadline {
            match serial.read(&mut buffer) {
                Ok(n) if buffer[..n].contains(&b'>') => return true,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(_) => return false,
            }
        }
        false
    }

    fn bridge(serial: Box<dyn serialport::SerialPort>, port: &str) -> Box<dyn Link> {
        let (incoming_tx, incoming) = mpsc::unbounded_channel();
        let (outgoing, mut outgoing_rx) = mpsc::unbounded_channel::<Vec<u8>>();
        let mut writer = match serial.try_clone() {
            Ok(writer) => writer,
            Err(e) => {
                let _ = incoming_tx.send(Err(Error::Disconnected(e.to_string())));
                return Box::new(ChannelLink { incoming, outgoing });
            }
        };
        let write_errors = incoming_tx.clone();
        std::thread::Builder::new()
            .name(format!("obd write {port}"))
            .spawn(move || {
                while let Some(bytes) = outgoing_rx.blocking_recv() {
                    if let Err(e) = writer.write_all(&bytes).and_then(|_| writer.flush()) {
                        let _ = write_errors.send(Err(Error::Disconnected(e.to_string())));
                        return;
                    }
                }
            })
            .ok();
        let mut reader = serial;
        std::thread::Builder::new()
            .name(format!("obd read {port}"))
            .spawn(move || {
                let mut buffer = [0u8; 512];
                loop {
                    let read = match reader.read(&mut buffer) {
                        Ok(0) => Err(Error::Disconnected("the serial port closed".into())),
                        Ok(n) => Ok(buffer[..n].to_vec()),
                        Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                            if incoming_tx.is_closed() {
                                return; // the session ended
                            }
                            continue;
                        }
                        Err(e) => Err(Error::Disconnected(format!("the serial port went away: {e}"))),
                    };
                    let ended = read.is_err();
                    if incoming_tx.send(read).is_err() || ended {
                        return;
                    }
                }
            })
            .ok();
        Box::new(ChannelLink { incoming, outgoing })
    }
}
