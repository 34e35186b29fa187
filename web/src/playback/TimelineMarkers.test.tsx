// Marker rendering from given data: placement, thinning, pictures on hover, click to seek.
import { fireEvent, render, screen } from "@solidjs/testing-library";
import { placeMarkers, type TimelineMarker } from "./markers";
import TimelineMarkers from "./TimelineMarkers";

const T0 = Date.UTC(2026, 10, 25, 10);
const view = { startMs: T0, spanMs: 600_000 }; // 10 min over 600 px: 1 px per second
const markers: TimelineMarker[] = [
  { id: "b", atMs: T0 + 300_000, label: "Person", kind: "person", thumbnailUrl: "/snap/b.jpg" },
  { id: "a", atMs: T0 + 60_000, label: "Motion" },
  { id: "c", atMs: T0 + 302_000, label: "Motion again" }, // 2 px from b: thinned out
  { id: "d", atMs: T0 + 900_000, label: "Outside the view" },
];

describe("placeMarkers", () => {
  it("sorts, positions and thins the markers in view", () => {
    const { placed, hidden } = placeMarkers(markers, view, 600);
    expect(placed.map((p) => [p.marker.id, p.x])).toEqual([
      ["a", 60],
      ["b", 300],
    ]);
    expect(hidden).toBe(1);
  });
});

describe("<TimelineMarkers>", () => {
  it("renders nothing when there are no markers", () => {
    render(() => <TimelineMarkers markers={[]} view={view} widthPx={600} onMarker={() => {}} />);
    expect(screen.queryByTestId("timeline-markers")).toBeNull();
  });

  it("renders a button per placed marker at its x, with a picture on hover", async () => {
    const clicked: string[] = [];
    render(() => (
      <TimelineMarkers
        markers={markers}
        view={view}
        widthPx={600}
        onMarker={(m) => clicked.push(m.id)}
      />
    ));
    const buttons = screen.getAllByTestId("timeline-marker");
    expect(buttons).toHaveLength(2);
    expect(buttons[0]!.style.left).toBe("60px");
    expect(buttons[1]!.style.left).toBe("300px");
    expect(buttons[1]!.className).toContain("marker-person");
    expect(buttons[1]!.getAttribute("aria-label")).toMatch(/^Person at \d{4}-\d{2}-\d{2} /);
    expect(screen.getByText("+1 close together")).toBeTruthy();

    expect(buttons[1]!.querySelector("img")).toBeNull(); // loaded only when looked at
    fireEvent.mouseEnter(buttons[1]!);
    expect(buttons[1]!.querySelector("img")!.getAttribute("src")).toBe("/snap/b.jpg");
    expect(screen.getByRole("tooltip").textContent).toContain("Person");
    fireEvent.mouseLeave(buttons[1]!);
    expect(screen.queryByRole("tooltip")).toBeNull();

    fireEvent.click(buttons[0]!);
    expect(clicked).toEqual(["a"]);
  });
});
