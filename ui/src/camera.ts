// The webcam scanner: a live preview with the alignment guide the decoder reads inside, until a
// code — or, for VINs, the printed text of a plate or a label with no barcode — is read in two
// frames in a row (then it closes and the scan is routed like a gun's).
import { Channel } from "@tauri-apps/api/core";
import { commands, type CameraEvent, type CameraTarget } from "./bindings";
import { h, kbd } from "./dom";

/** The guide's size as fractions of the frame; the same numbers as the shell's decoder. */
const GUIDE: Record<CameraTarget, [number, number]> = { vin: [0.8, 0.4], parts: [0.6, 0.5] };

/** How the camera read it: a barcode, or printed text by OCR (with how sure, 0–1). */
export type CameraRead = { source: "camera" | "ocr"; confidence: number | null };

/** Opens the camera panel; `scanned` gets the text read. Returns a function that closes it. */
export function openCamera(target: CameraTarget, scanned: (text: string, read: CameraRead) => void): () => void {
  const preview = h("img", { id: "camera-preview", alt: "Camera preview" });
  const [gw, gh] = GUIDE[target];
  const guide = h("div", { class: "camera-guide", style: `width:${gw * 100}%;height:${gh * 100}%;left:${(1 - gw) * 50}%;top:${(1 - gh) * 50}%` });
  const status = h("p", { class: "muted", id: "camera-status", "aria-live": "polite" }, "Starting the camera…");
  const close = () => {
    void commands.stopCamera();
    panel.remove();
    document.removeEventListener("keydown", onEscape, true);
  };
  const onEscape = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopImmediatePropagation();
      close();
    }
  };
  const panel = h(
    "div",
    { class: "camera-panel", role: "dialog", "aria-label": "Scan with the camera" },
    h("div", { class: "camera-box" },
      h("h2", {}, target === "vin" ? "Hold the VIN label or plate inside the box" : "Hold the part's barcode inside the box"),
      h("div", { class: "camera-viewport" }, preview, guide),
      status,
      h("div", { class: "actions" }, h("button", { class: "secondary", id: "camera-cancel", onclick: close }, "Cancel", kbd("Esc"))),
    ),
  );
  document.body.append(panel);
  document.addEventListener("keydown", onEscape, true);

  const events = new Channel<CameraEvent>();
  events.onmessage = (event) => {
    switch (event.event) {
      case "preview":
        preview.src = `data:image/jpeg;base64,${event.jpeg}`;
        status.textContent = target === "vin" ? "Looking for a VIN barcode or printed VIN… (hold it level and close)" : "Looking for a code… (any angle works)";
        break;
      case "scan":
        close();
        scanned(event.text, event.format === "OCR" ? { source: "ocr", confidence: event.confidence ?? null } : { source: "camera", confidence: null });
        break;
      case "failed":
        status.textContent = event.message;
        status.className = "error";
        break;
    }
  };
  void commands.startCamera(target, events);
  return close;
}
