/// <reference types="vitest/config" />
// Vite builds the client into dist/, which the VMS API serves at `/`; Vitest runs the unit tests.
import { defineConfig } from "vite";
import solid from "vite-plugin-solid";

const api = process.env.VMS_API ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [solid()],
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 700,
  },
  server: {
    // `npm run dev` talks to a running VMS; cookies stay same-origin through the proxy.
    proxy: { "/api": { target: api, ws: true } },
  },
  test: {
    environment: "jsdom",
    globals: true,
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test-setup.ts"],
    // `make test` runs Vitest beside pytest: on a loaded machine a file's first test (which
    // pays for loading its modules) can take more than Vitest's default 5 s.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
  // Solid's development build (with its dev warnings) for the unit tests only: a production
  // build with these conditions would ship the development runtime.
  ...(process.env.VITEST ? { resolve: { conditions: ["development", "browser"] } } : {}),
});
