// The typed commands of the Rust shell, unwrapped: a refused command throws a `CommandFailure`
// carrying the shell's `CommandError` (kind, message, fields to mark).
import {
  commands,
  type Alert_Serialize,
  type CommandError,
  type DecodedVin_Serialize,
  type IntegrationsView_Serialize,
  type PartOffer_Serialize,
  type ScanMeaning_Serialize,
  type PricedPart_Serialize,
  type RepairOrder_Serialize,
  type RepairOrderSummary_Serialize,
  type ServiceStatus_Serialize,
  type ShopSettings_Serialize,
  type ObdConnection_Serialize,
  type ObdScan_Serialize,
  type Payment_Serialize,
  type PaymentPanel_Serialize,
  type SyncStatus_Serialize,
  type Message_Serialize,
  type MessagePanel_Serialize,
  type MessagingPanel_Serialize,
  type Draft_Serialize,
  type Inspection_Serialize,
  type Item_Serialize,
  type PhotoView_Serialize,
  type LinkView_Serialize,
  type ApprovalStatus_Serialize,
  type RecallCheck_Serialize,
} from "./bindings";
import { Channel } from "@tauri-apps/api/core";

export type { BreakerState, CommandError, ContactMethod, FieldError, HealthState, LineKind, ListScope, Mark, NewAuthorization_Deserialize as NewAuthorization, NewLine_Deserialize as NewLine, PartCondition, Point, Source, Status, SuppliesBasis, Tier } from "./bindings";
export type PhotoView = PhotoView_Serialize;
export type LinkView = LinkView_Serialize;
export type ApprovalStatus = ApprovalStatus_Serialize;
export type RecallCheck = RecallCheck_Serialize;
// What the shell sends back (the `_Serialize` shapes: every field present).
export type RepairOrder = RepairOrder_Serialize;
export type RepairOrderSummary = RepairOrderSummary_Serialize;
export type ShopSettings = ShopSettings_Serialize;
export type DecodedVin = DecodedVin_Serialize;
export type IntegrationsView = IntegrationsView_Serialize;
export type ServiceStatus = ServiceStatus_Serialize;
export type Alert = Alert_Serialize;
export type PricedPart = PricedPart_Serialize;
export type PartOffer = PartOffer_Serialize;
export type ScanMeaning = ScanMeaning_Serialize;
export type ObdConnection = ObdConnection_Serialize;
export type ObdScan = ObdScan_Serialize;
export type Payment = Payment_Serialize;
export type PaymentPanel = PaymentPanel_Serialize;
export type SyncStatus = SyncStatus_Serialize;
export type Message = Message_Serialize;
export type MessagePanel = MessagePanel_Serialize;
export type MessagingPanel = MessagingPanel_Serialize;
export type Draft = Draft_Serialize;
export type Inspection = Inspection_Serialize;
export type InspectionItem = Item_Serialize;
export type { Compose_Deserialize as Compose, MessageChannel, Template, MessagingSettings_Deserialize as MessagingSettings } from "./bindings";
export type { PaymentProgress_Deserialize as PaymentProgress } from "./bindings";
export type { AdapterAddress_Deserialize as AdapterAddress, ConnectStep_Deserialize as ConnectStep, Readiness, Reading, WatchEvent } from "./bindings";

export class CommandFailure extends Error {
  constructor(readonly error: CommandError) {
    super(error.message);
  }
}

type Result<T> = { status: "ok"; data: T } | { status: "error"; error: CommandError };

async function unwrap<T>(pending: Promise<Result<T>>): Promise<T> {
  const result = await pending;
  if (result.status === "error") throw new CommandFailure(result.error);
  return result.data;
}

export const api = {
  appStatus: () => commands.appStatus(),
  openDemoShop: () => unwrap(commands.openDemoShop()),
  leaveDemoShop: () => unwrap(commands.leaveDemoShop()),
  listRepairOrders: (...a: Parameters<typeof commands.listRepairOrders>) => unwrap(commands.listRepairOrders(...a)),
  getRepairOrder: (...a: Parameters<typeof commands.getRepairOrder>) => unwrap(commands.getRepairOrder(...a)),
  createRepairOrder: (...a: Parameters<typeof commands.createRepairOrder>) => unwrap(commands.createRepairOrder(...a)),
  changeStatus: (...a: Parameters<typeof commands.changeStatus>) => unwrap(commands.changeStatus(...a)),
  getSettings: () => unwrap(commands.getSettings()),
  saveSettings: (...a: Parameters<typeof commands.saveSettings>) => unwrap(commands.saveSettings(...a)),
  decodeVin: (...a: Parameters<typeof commands.decodeVin>) => unwrap(commands.decodeVin(...a)),
  integrationsOverview: () => unwrap(commands.integrationsOverview()),
  checkIntegrationsNow: () => unwrap(commands.checkIntegrationsNow()),
  acknowledgeAlert: (...a: Parameters<typeof commands.acknowledgeAlert>) => unwrap(commands.acknowledgeAlert(...a)),
  /** Never throws for a bad VIN: the result says what is wrong and offers corrections. */
  checkVin: (vin: string) => commands.checkVin(vin),
  vehicleMakes: () => unwrap(commands.vehicleMakes()),
  vehicleModels: (...a: Parameters<typeof commands.vehicleModels>) => unwrap(commands.vehicleModels(...a)),
  addEstimateLines: (...a: Parameters<typeof commands.addEstimateLines>) => unwrap(commands.addEstimateLines(...a)),
  removeEstimateLine: (...a: Parameters<typeof commands.removeEstimateLine>) => unwrap(commands.removeEstimateLine(...a)),
  authorizeEstimate: (...a: Parameters<typeof commands.authorizeEstimate>) => unwrap(commands.authorizeEstimate(...a)),
  cannedJobs: () => unwrap(commands.cannedJobs()),
  saveCannedJob: (...a: Parameters<typeof commands.saveCannedJob>) => unwrap(commands.saveCannedJob(...a)),
  addCannedJob: (...a: Parameters<typeof commands.addCannedJob>) => unwrap(commands.addCannedJob(...a)),
  searchParts: (...a: Parameters<typeof commands.searchParts>) => unwrap(commands.searchParts(...a)),
  printDocument: (...a: Parameters<typeof commands.printDocument>) => unwrap(commands.printDocument(...a)),
  classifyScan: (...a: Parameters<typeof commands.classifyScan>) => unwrap(commands.classifyScan(...a)),
  rememberDongle: (...a: Parameters<typeof commands.rememberDongle>) => unwrap(commands.rememberDongle(...a)),
  setVehicleVin: (...a: Parameters<typeof commands.setVehicleVin>) => unwrap(commands.setVehicleVin(...a)),
  obdAdapters: () => unwrap(commands.obdAdapters()),
  obdBleDevices: () => unwrap(commands.obdBleDevices()),
  obdConnect: (...a: Parameters<typeof commands.obdConnect>) => unwrap(commands.obdConnect(...a)),
  obdScan: (...a: Parameters<typeof commands.obdScan>) => unwrap(commands.obdScan(...a)),
  obdClearCodes: (...a: Parameters<typeof commands.obdClearCodes>) => unwrap(commands.obdClearCodes(...a)),
  obdWatch: (...a: Parameters<typeof commands.obdWatch>) => unwrap(commands.obdWatch(...a)),
  obdStopWatch: () => commands.obdStopWatch(),
  obdDisconnect: () => unwrap(commands.obdDisconnect()),
  paymentPanel: (...a: Parameters<typeof commands.paymentPanel>) => unwrap(commands.paymentPanel(...a)),
  payCash: (...a: Parameters<typeof commands.payCash>) => unwrap(commands.payCash(...a)),
  payCheck: (...a: Parameters<typeof commands.payCheck>) => unwrap(commands.payCheck(...a)),
  payCard: (...a: Parameters<typeof commands.payCard>) => unwrap(commands.payCard(...a)),
  retryCard: (...a: Parameters<typeof commands.retryCard>) => unwrap(commands.retryCard(...a)),
  payPaypalStart: (...a: Parameters<typeof commands.payPaypalStart>) => unwrap(commands.payPaypalStart(...a)),
  payPaypalFollow: (...a: Parameters<typeof commands.payPaypalFollow>) => unwrap(commands.payPaypalFollow(...a)),
  captureHold: (...a: Parameters<typeof commands.captureHold>) => unwrap(commands.captureHold(...a)),
  releaseHold: (...a: Parameters<typeof commands.releaseHold>) => unwrap(commands.releaseHold(...a)),
  listBackups: () => unwrap(commands.listBackups()),
  restoreBackup: (...a: Parameters<typeof commands.restoreBackup>) => unwrap(commands.restoreBackup(...a)),
  inspection: (...a: Parameters<typeof commands.inspection>) => unwrap(commands.inspection(...a)),
  inspectItem: (...a: Parameters<typeof commands.inspectItem>) => unwrap(commands.inspectItem(...a)),
  recommendRepairs: (...a: Parameters<typeof commands.recommendRepairs>) => unwrap(commands.recommendRepairs(...a)),
  ocrVin: (...a: Parameters<typeof commands.ocrVin>) => unwrap(commands.ocrVin(...a)),
  vehicleRecalls: (...a: Parameters<typeof commands.vehicleRecalls>) => unwrap(commands.vehicleRecalls(...a)),
  orderRecalls: (...a: Parameters<typeof commands.orderRecalls>) => unwrap(commands.orderRecalls(...a)),
  photos: (...a: Parameters<typeof commands.photos>) => unwrap(commands.photos(...a)),
  addPhoto: (...a: Parameters<typeof commands.addPhoto>) => unwrap(commands.addPhoto(...a)),
  takePhoto: (...a: Parameters<typeof commands.takePhoto>) => unwrap(commands.takePhoto(...a)),
  photoPicture: (...a: Parameters<typeof commands.photoPicture>) => unwrap(commands.photoPicture(...a)),
  markPhoto: (...a: Parameters<typeof commands.markPhoto>) => unwrap(commands.markPhoto(...a)),
  approvalLink: (...a: Parameters<typeof commands.approvalLink>) => unwrap(commands.approvalLink(...a)),
  approvalStatus: (...a: Parameters<typeof commands.approvalStatus>) => unwrap(commands.approvalStatus(...a)),
  proposeLines: (...a: Parameters<typeof commands.proposeLines>) => unwrap(commands.proposeLines(...a)),
  messageInbox: () => unwrap(commands.messageInbox()),
  messagePanel: (...a: Parameters<typeof commands.messagePanel>) => unwrap(commands.messagePanel(...a)),
  previewMessage: (...a: Parameters<typeof commands.previewMessage>) => unwrap(commands.previewMessage(...a)),
  sendMessage: (...a: Parameters<typeof commands.sendMessage>) => unwrap(commands.sendMessage(...a)),
  recordTextConsent: (...a: Parameters<typeof commands.recordTextConsent>) => unwrap(commands.recordTextConsent(...a)),
  messagingPanel: () => unwrap(commands.messagingPanel()),
  saveMessagingSettings: (...a: Parameters<typeof commands.saveMessagingSettings>) => unwrap(commands.saveMessagingSettings(...a)),
  saveMessageTemplate: (...a: Parameters<typeof commands.saveMessageTemplate>) => unwrap(commands.saveMessageTemplate(...a)),
  connectMessaging: (...a: Parameters<typeof commands.connectMessaging>) => unwrap(commands.connectMessaging(...a)),
  syncStatus: () => unwrap(commands.syncStatus()),
  syncEnroll: (...a: Parameters<typeof commands.syncEnroll>) => unwrap(commands.syncEnroll(...a)),
  syncNow: () => unwrap(commands.syncNow()),
  syncLeave: () => unwrap(commands.syncLeave()),
  /** Calls `onStatus` now and whenever something arrives from the cloud or the status moves. */
  watchSync: (onStatus: (status: SyncStatus) => void) => {
    const events = new Channel<SyncStatus>();
    events.onmessage = onStatus;
    return unwrap(commands.watchSync(events as never));
  },
};

/** A sentence for any failure, including ones that never reached the shell. */
export function describe(e: unknown): string {
  if (e instanceof CommandFailure) return e.error.message;
  if (e instanceof Error) return `Something went wrong: ${e.message}. Try again; if it keeps happening, restart Dixon Counter.`;
  return "Something went wrong. Try again; if it keeps happening, restart Dixon Counter.";
}
