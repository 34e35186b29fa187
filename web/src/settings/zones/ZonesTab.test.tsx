import { server } from "../fakeServer";
import { fireEvent, screen, waitFor } from "@solidjs/testing-library";
import { renderSettings } from "../testRender";

vi.mock("../../api/client", async (importOriginal) => (await import("../fakeServer")).withFakeClient(await importOriginal()));

const cameras = [
  { id: "door", name: "Door", main_url: "rtsp://192.0.2.1/a", has_password: false, transport: "tcp", enabled: true, record: true, record_stream: "main" },
  { id: "yard", name: "Yard", main_url: "rtsp://192.0.2.1/b", has_password: false, transport: "tcp", enabled: true, record: true, record_stream: "main" },
];
const porch = { name: "Porch", kind: "zone", points: [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5]] };

/** The canvas, laid out 1000×500 at the page's origin (jsdom has no layout). */
async function canvas(): Promise<SVGSVGElement> {
  const svg = (await screen.findByTestId("zone-canvas")) as unknown as SVGSVGElement;
  svg.getBoundingClientRect = () => ({ left: 0, top: 0, width: 1000, height: 500, right: 1000, bottom: 500, x: 0, y: 0, toJSON: () => ({}) });
  return svg;
}

function click(svg: Element, x: number, y: number) {
  fireEvent.pointerDown(svg, { clientX: x, clientY: y, button: 0, pointerId: 1 });
  fireEvent.pointerUp(svg, { clientX: x, clientY: y, button: 0, pointerId: 1 });
}

beforeEach(() => {
  server.reset();
  server.on("GET", "/api/v1/cameras", { body: cameras });
  server.on("PUT", "/api/v1/cameras/door/zones", ({ body }) => ({ body }));
});

describe("the zones tab", () => {
  it("opens the first camera and its picture", async () => {
    server.on("GET", "/api/v1/cameras/door/zones", { body: [] });
    const { history } = await renderSettings("/settings/zones");
    await waitFor(() => expect(history.get()).toBe("/settings/zones/door"));
    const picture = await screen.findByTestId("zone-snapshot");
    expect(picture.getAttribute("src")).toMatch(/^\/api\/v1\/cameras\/door\/snapshot\.jpg\?stream=main/);
  });

  it("draws a zone by clicks, closes it on the first point, names it and saves it", async () => {
    server.on("GET", "/api/v1/cameras/door/zones", { body: [] });
    await renderSettings("/settings/zones/door");
    const svg = await canvas();
    fireEvent.click(screen.getByTestId("draw-zone"));
    click(svg, 100, 50);
    click(svg, 500, 50);
    click(svg, 500, 250);
    click(svg, 104, 52); // on the first point: closes
    const name = (await screen.findByTestId("shape-name-0")) as HTMLInputElement;
    expect(name.value).toBe("Zone 1");
    fireEvent.input(name, { target: { value: "Porch" } });
    fireEvent.click(screen.getByTestId("save-zones"));
    await screen.findByTestId("zones-saved");
    expect(server.calls("PUT", "/api/v1/cameras/door/zones")[0]?.body).toEqual([porch]);
  });

  it("draws a mask, shaded apart from zones, and saves it as a mask", async () => {
    server.on("GET", "/api/v1/cameras/door/zones", { body: [porch] });
    await renderSettings("/settings/zones/door");
    const svg = await canvas();
    await screen.findByTestId("shape-name-0");
    fireEvent.click(screen.getByTestId("draw-mask"));
    expect(screen.getByText(/Objects standing inside a mask are not detected/)).toBeTruthy();
    click(svg, 600, 300);
    click(svg, 900, 300);
    click(svg, 900, 450);
    fireEvent.keyDown(svg, { key: "Enter" });
    expect(((await screen.findByTestId("shape-name-1")) as HTMLInputElement).value).toBe("Mask 1");
    expect(screen.getByTestId("shape-item-1").textContent).toContain("Mask (3 points)");
    expect(screen.getByTestId("shape-1").getAttribute("class")).toContain("mask");
    expect(screen.getByTestId("shape-0").getAttribute("class")).not.toContain("mask");
    fireEvent.click(screen.getByTestId("save-zones"));
    await screen.findByTestId("zones-saved");
    expect(server.calls("PUT", "/api/v1/cameras/door/zones")[0]?.body).toEqual([
      porch,
      { name: "Mask 1", kind: "mask", points: [[0.6, 0.6], [0.9, 0.6], [0.9, 0.9]] },
    ]);
  });

  it("draws a line with two clicks and Enter is not needed", async () => {
    server.on("GET", "/api/v1/cameras/door/zones", { body: [] });
    await renderSettings("/settings/zones/door");
    const svg = await canvas();
    fireEvent.click(screen.getByTestId("draw-line"));
    click(svg, 200, 100);
    click(svg, 800, 100);
    expect(((await screen.findByTestId("shape-name-0")) as HTMLInputElement).value).toBe("Line 1");
    expect(screen.getByTestId("shape-0").querySelector("line.arrow")).not.toBeNull();
  });

  it("labels a line's sides A and B, and swapping its direction swaps them", async () => {
    server.on("GET", "/api/v1/cameras/door/zones", { body: [] });
    await renderSettings("/settings/zones/door");
    const svg = await canvas();
    fireEvent.click(screen.getByTestId("draw-line"));
    click(svg, 200, 250); // left to right: the walker's left (A) is up the picture
    click(svg, 800, 250);
    const side = (which: string) => Number(screen.getByTestId("shape-0").querySelector(`text[data-side="${which}"]`)?.getAttribute("y"));
    await waitFor(() => expect(side("a")).toBeLessThan(side("b")));
    fireEvent.click(screen.getByTestId("reverse-line-0"));
    await waitFor(() => expect(side("a")).toBeGreaterThan(side("b")));
    fireEvent.click(screen.getByTestId("save-zones"));
    await screen.findByTestId("zones-saved");
    expect(server.calls("PUT", "/api/v1/cameras/door/zones")[0]?.body).toEqual([{ name: "Line 1", kind: "line", points: [[0.8, 0.5], [0.2, 0.5]] }]);
  });

  it("closes a zone with Enter, drags a point, and Delete removes a shape", async () => {
    server.on("GET", "/api/v1/cameras/door/zones", { body: [porch] });
    await renderSettings("/settings/zones/door");
    const svg = await canvas();
    await screen.findByTestId("shape-name-0");

    fireEvent.pointerDown(svg, { clientX: 500, clientY: 250, button: 0, pointerId: 1 }); // Porch's 3rd point
    fireEvent.pointerMove(svg, { clientX: 600, clientY: 300, pointerId: 1 });
    fireEvent.pointerUp(svg, { clientX: 600, clientY: 300, pointerId: 1 });

    fireEvent.click(screen.getByTestId("draw-zone"));
    click(svg, 700, 50);
    click(svg, 900, 50);
    click(svg, 900, 200);
    fireEvent.keyDown(svg, { key: "Enter" });
    await screen.findByTestId("shape-name-1");
    fireEvent.keyDown(svg, { key: "Delete" }); // the new zone is selected
    await waitFor(() => expect(screen.queryByTestId("shape-name-1")).toBeNull());

    fireEvent.click(screen.getByTestId("save-zones"));
    await screen.findByTestId("zones-saved");
    expect(server.calls("PUT", "/api/v1/cameras/door/zones")[0]?.body).toEqual([
      { ...porch, points: [[0.1, 0.1], [0.5, 0.1], [0.6, 0.6]] },
    ]);
  });

  it("refuses to save a nameless shape and shows the server's refusal", async () => {
    server.on("GET", "/api/v1/cameras/door/zones", { body: [porch] });
    server.on("PUT", "/api/v1/cameras/door/zones", { status: 422, body: { status: 422, detail: "zone 'Porch' crosses itself" } });
    await renderSettings("/settings/zones/door");
    const name = (await screen.findByTestId("shape-name-0")) as HTMLInputElement;
    fireEvent.input(name, { target: { value: " " } });
    fireEvent.click(screen.getByTestId("save-zones"));
    expect((await screen.findByTestId("zone-problems")).textContent).toContain("give it a name");
    expect(server.calls("PUT", "/api/v1/cameras/door/zones")).toHaveLength(0);

    fireEvent.input(name, { target: { value: "Porch 2" } });
    fireEvent.click(screen.getByTestId("save-zones"));
    await waitFor(() => expect(screen.getByTestId("zone-problems").textContent).toContain("crosses itself"));
  });
});
