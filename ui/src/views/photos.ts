// Photos on an inspection item: thumbnails (with their marks), "Take photo" with the webcam,
// "Add photo" from files, and files dropped on the item. A thumbnail opens the mark editor.
import { api, describe, type PhotoView } from "../api";
import { h } from "../dom";
import { openMarkEditor } from "./photoMarks";

/** Reads a dropped or picked file as base64 (no data: prefix). */
function base64Of(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ""));
    reader.onerror = () => reject(reader.error ?? new Error(`${file.name} could not be read`));
    reader.readAsDataURL(file);
  });
}

/**
 * The photo strip of `item` on order `number`. `photos` are the order's photos (all items);
 * `changed` is told after one was added or marked, `problem` shows what went wrong.
 */
export function photoStrip(number: number, item: string, label: string, photos: PhotoView[], changed: () => void, problem: (text: string) => void): HTMLElement {
  const mine = photos.filter((p) => p.inspection_item === item);
  const busy = h("span", { class: "muted", role: "status" });

  async function run(what: string, action: () => Promise<unknown>): Promise<void> {
    busy.textContent = what;
    try {
      await action();
      changed();
    } catch (e) {
      problem(describe(e));
    } finally {
      busy.textContent = "";
    }
  }

  async function addFiles(files: FileList | File[]): Promise<void> {
    for (const file of Array.from(files)) {
      await run(`Adding ${file.name}…`, async () => api.addPhoto(number, item, file.name, await base64Of(file)));
    }
  }

  const picker = h("input", { type: "file", accept: "image/jpeg,image/png", multiple: true, hidden: true, "data-photo-file": item }) as HTMLInputElement;
  picker.addEventListener("change", () => {
    if (picker.files?.length) void addFiles(picker.files);
  });
  const strip = h(
    "div",
    { class: "photo-strip", "data-photos-of": item },
    ...mine.map((p, i) =>
      h(
        "button",
        {
          type: "button",
          class: `thumb${p.marks.length ? " marked" : ""}`,
          "data-photo": p.uid,
          title: p.sent ? "Sent to the customer (its marks are kept as sent)" : "Mark this photo",
          "aria-label": `${label} photo ${i + 1}${p.marks.length ? `, ${p.marks.length} marks` : ""}${p.sent ? ", sent" : ""}`,
          onclick: () => void openMarkEditor(number, p, () => changed(), problem),
        },
        h("img", { src: p.thumbnail, alt: "" }),
        p.sent ? h("small", { class: "sent" }, "sent") : null,
      ),
    ),
    h("button", { type: "button", class: "secondary small", "data-take-photo": item, onclick: () => void run("Taking a photo…", () => api.takePhoto(number, item)) }, "Take photo"),
    h("button", { type: "button", class: "secondary small", onclick: () => picker.click() }, "Add photo"),
    picker,
    busy,
  );
  return strip;
}

/** Lets files be dropped on `target` (an inspection item's row): they go to `item`. */
export function acceptDrops(target: HTMLElement, number: number, item: string, changed: () => void, problem: (text: string) => void): void {
  target.addEventListener("dragover", (e) => {
    if (e.dataTransfer?.types.includes("Files")) {
      e.preventDefault();
      target.classList.add("drop-here");
    }
  });
  target.addEventListener("dragleave", () => target.classList.remove("drop-here"));
  target.addEventListener("drop", async (e) => {
    e.preventDefault();
    target.classList.remove("drop-here");
    for (const file of Array.from(e.dataTransfer?.files ?? [])) {
      try {
        await api.addPhoto(number, item, file.name, await base64Of(file));
      } catch (error) {
        problem(describe(error));
      }
    }
    changed();
  });
}

