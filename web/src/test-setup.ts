// Vitest set-up: unmount Solid components between tests so each starts from a clean document.
import { cleanup } from "@solidjs/testing-library";
import { afterEach } from "vitest";

afterEach(() => cleanup());
