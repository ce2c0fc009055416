import { defineConfig } from "vitest/config";

// The counter runs inside Tauri's webview (WebKitGTK on Linux): target what it supports and keep
// asset paths relative so the embedded build works from tauri://localhost.
export default defineConfig({
  base: "./",
  clearScreen: false,
  build: { target: "safari15", outDir: "dist", emptyOutDir: true, sourcemap: false },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
