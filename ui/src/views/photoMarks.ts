// The mark editor: arrows, circles and labels drawn over a photo, saved as data and drawn on a
// copy by the shell (the original stays). Drag to draw, or click twice (start, then end); a
// label goes where you click.
import { api, describe, type Mark, type PhotoView, type Point } from "../api";
import { h, mount } from "../dom";

type Tool = "arrow" | "circle" | "text";
const SVG = "http://www.w3.org/2000/svg";

function svg(tag: string, attributes: Record<string, string | number>): SVGElement {
  const element = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) element.setAttribute(k, String(v));
  return element;
}

/** The marks as SVG over a picture `width` × `height` pixels (what the shell will draw). */
export function drawMarks(layer: SVGSVGElement, marks: Mark[], width: number, height: number): void {
  layer.replaceChildren();
  const long = Math.max(width, height);
  const stroke = Math.max(long / 220, 2);
  const at = (p: Point): [number, number] => [(p.x ?? 0) * width, (p.y ?? 0) * height];
  for (const mark of marks) {
    if (mark.shape === "arrow") {
      const [[ax, ay], [bx, by]] = [at(mark.from), at(mark.to)];
      const angle = Math.atan2(ay - by, ax - bx);
      const head = Math.max(long / 30, stroke * 4);
      const side = (turn: number) => `${bx + head * Math.cos(angle + turn)},${by + head * Math.sin(angle + turn)}`;
      layer.append(
        svg("line", { x1: ax, y1: ay, x2: bx, y2: by, stroke: "#dc141e", "stroke-width": stroke, "stroke-linecap": "round" }),
        svg("polyline", { points: `${side(-0.5)} ${bx},${by} ${side(0.5)}`, fill: "none", stroke: "#dc141e", "stroke-width": stroke, "stroke-linecap": "round" }),
      );
    } else if (mark.shape === "circle") {
      const [cx, cy] = at(mark.center);
      layer.append(svg("circle", { cx, cy, r: (mark.radius ?? 0) * long, fill: "none", stroke: "#dc141e", "stroke-width": stroke }));
    } else {
      const [x, y] = at(mark.at);
      const size = long / 28;
      const text = svg("text", { x: x + size * 0.25, y: y + size * 1.1, "font-size": size, "font-weight": 700, fill: "#fff", "font-family": "sans-serif" });
      text.textContent = mark.text;
      const box = svg("rect", { x, y, width: (mark.text.length * 0.6 + 0.5) * size, height: size * 1.5, fill: "#dc141e" });
      layer.append(box, text);
    }
  }
}

/** Opens the editor for `photo` of order `number`; `saved` is told after the marks were kept. */
export async function openMarkEditor(number: number, photo: PhotoView, saved: () => void, problem: (text: string) => void): Promise<void> {
  let picture: string;
  try {
    picture = await api.photoPicture(number, photo.uid);
  } catch (e) {
    problem(describe(e));
    return;
  }
  const marks: Mark[] = [...photo.marks];
  let tool: Tool = "arrow";
  let start: Point | null = null;
  const dialog = h("dialog", { class: "mark-editor", id: "mark-editor", "aria-label": "Mark the photo" }) as HTMLDialogElement;
  const image = h("img", { src: picture, alt: "The photo to mark", draggable: "false" }) as HTMLImageElement;
  const layer = document.createElementNS(SVG, "svg") as SVGSVGElement;
  layer.setAttribute("class", "mark-layer");
  layer.setAttribute("preserveAspectRatio", "none");
  layer.id = "mark-layer";
  const label = h("input", { type: "text", id: "mark-label", value: "Worn", maxlength: 60, "aria-label": "Label text" }) as HTMLInputElement;
  const message = h("p", { class: "muted", role: "status" }, photo.sent ? "This photo went to the customer: its marks are kept as sent." : "Drag, or click where it starts and where it ends.");
  const redraw = () => drawMarks(layer, marks, image.naturalWidth || 1, image.naturalHeight || 1);
  image.addEventListener("load", () => {
    layer.setAttribute("viewBox", `0 0 ${image.naturalWidth} ${image.naturalHeight}`);
    redraw();
  });

  const pointOf = (e: PointerEvent): Point => {
    const box = image.getBoundingClientRect();
    const clamp = (v: number) => Math.min(1, Math.max(0, v));
    return { x: clamp((e.clientX - box.left) / box.width), y: clamp((e.clientY - box.top) / box.height) };
  };
  let pressed: Point | null = null;
  layer.addEventListener("pointerdown", (e) => {
    pressed = pointOf(e);
  });
  layer.addEventListener("pointerup", (e) => {
    if (!pressed || photo.sent) return;
    const end = pointOf(e);
    const moved = Math.hypot((end.x ?? 0) - (pressed.x ?? 0), (end.y ?? 0) - (pressed.y ?? 0)) > 0.02;
    const from = moved ? pressed : start;
    pressed = null;
    if (tool === "text") {
      const text = label.value.trim();
      if (text) marks.push({ shape: "text", at: end, text });
      start = null;
    } else if (!from) {
      start = end; // the first of two clicks
      message.textContent = "Now click where it ends.";
      return;
    } else if (tool === "arrow") {
      marks.push({ shape: "arrow", from, to: end });
    } else {
      const w = image.naturalWidth || 1;
      const hgt = image.naturalHeight || 1;
      const radius = Math.hypot(((end.x ?? 0) - (from.x ?? 0)) * w, ((end.y ?? 0) - (from.y ?? 0)) * hgt) / Math.max(w, hgt);
      marks.push({ shape: "circle", center: from, radius: Math.min(0.5, Math.max(0.01, radius)) });
    }
    start = null;
    message.textContent = `${marks.length} mark${marks.length === 1 ? "" : "s"}.`;
    redraw();
  });

  const toolButton = (value: Tool, text: string) =>
    h("button", {
      type: "button",
      class: value === tool ? "secondary active" : "secondary",
      "data-tool": value,
      "aria-pressed": value === tool ? "true" : "false",
      onclick: (e: Event) => {
        tool = value;
        start = null;
        for (const b of dialog.querySelectorAll("[data-tool]")) {
          b.classList.toggle("active", b === e.currentTarget);
          b.setAttribute("aria-pressed", b === e.currentTarget ? "true" : "false");
        }
      },
    }, text);

  const save = h("button", { type: "button", class: "primary", id: "mark-save", disabled: photo.sent }, "Save marks");
  save.addEventListener("click", async () => {
    try {
      await api.markPhoto(photo.uid, marks);
      dialog.close();
      saved();
    } catch (e) {
      message.textContent = describe(e);
    }
  });
  mount(
    dialog,
    h("div", { class: "mark-tools", role: "toolbar", "aria-label": "Drawing tools" }, toolButton("arrow", "Arrow"), toolButton("circle", "Circle"), toolButton("text", "Label"), label,
      h("button", { type: "button", class: "secondary", onclick: () => { marks.pop(); redraw(); } }, "Undo"),
      h("button", { type: "button", class: "secondary", onclick: () => { marks.length = 0; redraw(); } }, "Clear")),
    h("div", { class: "mark-stage" }, image, layer),
    message,
    h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, "Cancel"), save),
  );
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}
